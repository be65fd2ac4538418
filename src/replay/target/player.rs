//! The live run of `replay --into`: one thread, non-blocking sockets (mio, as `control`'s
//! server). Each recorded switch connects when its recorded connection opened ([`Switch`],
//! the switch's end of the connection: handshake, requests, framing), and its triggers go
//! out in capture order at the recorded pace scaled by `--speed`; with `--lockstep` a
//! PacketIn (or a connection's FEATURES_REPLY) also waits until the controller has
//! answered the one before. Everything the controller sends is kept, with the trigger it
//! may answer, for the pairing.
//!
//! The run never waits without a bound: the controller must accept the connection, finish
//! the handshake and answer ECHO_REQUESTs (sent when it has been quiet, and once more at the
//! end so that its last answers are in) within `--timeout`.

use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use ofscope_dissectors::openflow::types::ofpt;
use ofscope_dissectors::openflow::{Body, FeaturesReply, Message};

use super::recorded::{RecordedReplies, RecordedSwitch, Script};
use super::{Options, Outcome};
use crate::replay::closed_loop::Switches;
use crate::replay::compare::is_framework;
use crate::session::{format_dpid, OfRecord};
use crate::stream::{ConnId, Direction};
use crate::switch::{Incoming, Switch, SwitchError};

/// With `--lockstep`: the controller has answered once it sent a decision and then nothing
/// more for this long (an answer is often several messages: FLOW_MOD, then PACKET_OUT).
const ANSWERED_QUIET: Duration = Duration::from_millis(5);
/// With `--lockstep`: the longest a PacketIn waits for the answer to the one before (a
/// controller may ignore one).
const LOCKSTEP_WINDOW: Duration = Duration::from_secs(1);
/// A controller quiet this long gets an ECHO_REQUEST, to tell a busy or idle one from one
/// that hangs.
const PROBE_QUIET: Duration = Duration::from_secs(1);
/// At the end: every trigger sent, the last probes answered, and the controller quiet this
/// long.
const SETTLE: Duration = Duration::from_millis(500);
/// How long the loop sleeps at most, to look at the clocks.
const TICK: Duration = Duration::from_millis(20);
/// Between connection attempts while the controller is not up yet.
const CONNECT_RETRY: Duration = Duration::from_millis(100);
/// Our probes' xids, far from those of the recording (small numbers, or random ones).
const PROBE_XID: u32 = 0xfeed_0000;

/// One recorded switch in the run.
struct Live {
    /// `None` before its recorded connection opened.
    switch: Option<Switch>,
    replies: RecordedReplies,
    /// When the connection was made, until the handshake ended.
    connecting_since: Option<Instant>,
    /// The recorded time of the last trigger sent: the time the controller's next messages
    /// are filed at (and the closed loop's clock).
    virtual_ns: u64,
    /// When the controller last sent anything on it.
    heard: Instant,
    /// The probe waiting for its ECHO_REPLY: its xid and when it went.
    probe: Option<(u32, Instant)>,
    /// A probe was answered since the last trigger went: the controller has read it.
    caught_up: bool,
}

/// The lockstep trigger waiting for its answer.
struct Waiting {
    switch: usize,
    sent: Instant,
    /// When its last decision message came, once one came.
    answered: Option<Instant>,
}

struct Player<'a> {
    script: &'a Script,
    options: &'a Options,
    poll: Poll,
    lives: Vec<Live>,
    /// The next trigger to send (index into `script.triggers`).
    next: usize,
    /// The switches not yet connected, by the time their connection opened.
    unopened: Vec<usize>,
    waiting: Option<Waiting>,
    tables: Option<Switches>,
    start: Instant,
    /// The recorded time that `start` stands for.
    first_ns: u64,
    last_sent: Instant,
    next_probe: u32,
    outcome: Outcome,
}

/// Plays `script` to the controller at `options.target`.
pub fn play(script: &Script, options: &Options) -> Outcome {
    let poll = match Poll::new() {
        Ok(poll) => poll,
        Err(e) => {
            return Outcome {
                fault: Some(format!("cannot poll sockets: {e}")),
                ..Outcome::default()
            }
        }
    };
    let now = Instant::now();
    let mut unopened: Vec<usize> = (0..script.switches.len()).collect();
    unopened.sort_by_key(|&i| std::cmp::Reverse(script.switches[i].opened_ns));
    let mut player = Player {
        script,
        options,
        poll,
        lives: script
            .switches
            .iter()
            .map(|s| Live {
                switch: None,
                replies: s.replies.clone(),
                connecting_since: None,
                virtual_ns: s.opened_ns,
                heard: now,
                probe: None,
                caught_up: false,
            })
            .collect(),
        next: 0,
        unopened,
        waiting: None,
        tables: options.closed_loop.then(Switches::default),
        start: now,
        first_ns: script
            .switches
            .iter()
            .map(|s| s.opened_ns)
            .min()
            .unwrap_or(0),
        last_sent: now,
        next_probe: PROBE_XID,
        outcome: Outcome::default(),
    };
    if let Err(fault) = player.run() {
        player.outcome.fault = Some(fault);
    }
    if let Some(tables) = &player.tables {
        player.outcome.summary.forwarded = Some(tables.forwarded());
    }
    player.outcome
}

impl Player<'_> {
    fn run(&mut self) -> Result<(), String> {
        let mut events = Events::with_capacity(64);
        loop {
            let now = Instant::now();
            self.open_due(now)?;
            self.send_due(now)?;
            self.probe(now)?;
            if self.finished(now) {
                return Ok(());
            }
            for i in 0..self.lives.len() {
                self.flush(i)?;
            }
            let wait = self.next_wake(now);
            if let Err(e) = self.poll.poll(&mut events, Some(wait)) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(format!("cannot poll sockets: {e}"));
                }
            }
            for event in &events {
                self.receive(event.token().0)?;
            }
        }
    }

    /// When a recorded time comes in the run.
    fn due(&self, ts_ns: u64) -> Instant {
        let recorded = Duration::from_nanos(ts_ns.saturating_sub(self.first_ns));
        let paced = Duration::try_from_secs_f64(recorded.as_secs_f64() / self.options.speed)
            .unwrap_or(Duration::MAX);
        self.start
            .checked_add(paced)
            .unwrap_or(far_future(self.start))
    }

    fn next_wake(&self, now: Instant) -> Duration {
        let mut wake = now + TICK;
        if let Some(&(_, at)) = self.script.triggers.get(self.next) {
            wake = wake.min(self.due(self.script.records[at].ts_ns));
        }
        if let Some(&i) = self.unopened.last() {
            wake = wake.min(self.due(self.script.switches[i].opened_ns));
        }
        if self.waiting.is_some() {
            wake = wake.min(now + ANSWERED_QUIET);
        }
        wake.saturating_duration_since(now)
    }

    /// Connects the switches whose recorded connection has opened by now.
    fn open_due(&mut self, now: Instant) -> Result<(), String> {
        while let Some(&i) = self.unopened.last() {
            let recorded = &self.script.switches[i];
            if self.due(recorded.opened_ns) > now {
                return Ok(());
            }
            self.unopened.pop();
            // A switch that reconnected: its old connection goes first, as it did.
            for (j, live) in self.lives.iter_mut().enumerate() {
                if j != i && self.script.switches[j].dpid == recorded.dpid {
                    if let Some(mut old) = live.switch.take() {
                        let _ = self.poll.registry().deregister(&mut old);
                    }
                }
            }
            let features = self.features(recorded);
            let mut switch = self.connect(features)?;
            self.poll
                .registry()
                .register(
                    &mut switch,
                    Token(i),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .map_err(|e| format!("cannot poll sockets: {e}"))?;
            let live = &mut self.lives[i];
            live.switch = Some(switch);
            live.connecting_since = Some(Instant::now());
            live.heard = Instant::now();
        }
        Ok(())
    }

    fn features(&self, recorded: &RecordedSwitch) -> FeaturesReply {
        match &self.script.records[recorded.features].message.body {
            Body::FeaturesReply(features) => features.clone(),
            _ => FeaturesReply {
                datapath_id: recorded.dpid,
                ..FeaturesReply::default()
            },
        }
    }

    /// Connects, trying again while the controller refuses, up to the timeout.
    fn connect(&self, features: FeaturesReply) -> Result<Switch, String> {
        let deadline = Instant::now() + self.options.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match Switch::connect(
                &self.options.target,
                features.clone(),
                left.max(CONNECT_RETRY),
            ) {
                Ok(switch) => return Ok(switch),
                Err(SwitchError::Connect { .. }) if Instant::now() + CONNECT_RETRY < deadline => {
                    std::thread::sleep(CONNECT_RETRY);
                }
                Err(e) => {
                    return Err(format!(
                        "switch {}: {e} (tried for {} s)",
                        format_dpid(features.datapath_id),
                        seconds(self.options.timeout)
                    ))
                }
            }
        }
    }

    /// Sends the triggers whose time has come, in capture order.
    fn send_due(&mut self, now: Instant) -> Result<(), String> {
        let script = self.script;
        while let Some(&(i, at)) = script.triggers.get(self.next) {
            let record = &script.records[at];
            if self.due(record.ts_ns) > now || !self.lockstep_allows(now) {
                return Ok(());
            }
            let live = &mut self.lives[i];
            let Some(switch) = live.switch.as_mut().filter(|s| s.is_up()) else {
                // Not connected, or still in its handshake: the triggers wait.
                return self.handshake_timeout(i, now);
            };
            self.next += 1;
            if record.is_truncated() {
                self.outcome.unsendable += 1;
                continue;
            }
            if let Some(tables) = &mut self.tables {
                if !tables.reaches_controller(record) {
                    continue;
                }
            }
            switch.queue_raw(&record.bytes);
            live.virtual_ns = record.ts_ns;
            live.caught_up = false;
            self.last_sent = now;
            if matches!(record.message.body, Body::PacketIn(_)) {
                self.outcome.summary.packet_ins += 1;
                self.wait_for(i, now);
            }
            self.outcome.records.push(record.clone());
        }
        Ok(())
    }

    fn wait_for(&mut self, switch: usize, now: Instant) {
        if self.options.lockstep {
            self.waiting = Some(Waiting {
                switch,
                sent: now,
                answered: None,
            });
        }
    }

    fn lockstep_allows(&mut self, now: Instant) -> bool {
        let Some(w) = &self.waiting else {
            return true;
        };
        let done = match w.answered {
            Some(at) => now.duration_since(at) >= ANSWERED_QUIET,
            None => now.duration_since(w.sent) >= LOCKSTEP_WINDOW,
        };
        if done {
            self.waiting = None;
        }
        done
    }

    fn handshake_timeout(&self, i: usize, now: Instant) -> Result<(), String> {
        match self.lives[i].connecting_since {
            Some(since) if now.duration_since(since) > self.options.timeout => Err(format!(
                "switch {}: the controller did not finish the handshake (HELLO, FEATURES_REQUEST) within {} s",
                format_dpid(self.script.switches[i].dpid),
                seconds(self.options.timeout)
            )),
            _ => Ok(()),
        }
    }

    /// ECHO_REQUEST to quiet controllers, and to every one at the end; a probe not
    /// answered within the timeout ends the run.
    fn probe(&mut self, now: Instant) -> Result<(), String> {
        let ending = self.next == self.script.triggers.len() && self.unopened.is_empty();
        for i in 0..self.lives.len() {
            let live = &mut self.lives[i];
            let Some(switch) = live.switch.as_mut().filter(|s| s.is_up()) else {
                self.handshake_timeout(i, now)?;
                continue;
            };
            match live.probe {
                Some((_, sent)) if now.duration_since(sent) > self.options.timeout => {
                    return Err(format!(
                        "switch {}: the controller stopped answering: no reply to an ECHO_REQUEST in {} s",
                        format_dpid(switch.dpid()),
                        seconds(self.options.timeout)
                    ));
                }
                Some(_) => {}
                None if now.duration_since(live.heard) >= PROBE_QUIET
                    || (ending && !live.caught_up) =>
                {
                    let xid = self.next_probe;
                    self.next_probe = self.next_probe.wrapping_add(1);
                    switch.reply(xid, Body::EchoRequest(Vec::new()));
                    live.probe = Some((xid, now));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Every trigger sent, every switch caught up, and the controller quiet.
    fn finished(&self, now: Instant) -> bool {
        let quiet_since = self
            .lives
            .iter()
            .map(|l| l.heard)
            .chain([self.last_sent])
            .max()
            .unwrap_or(now);
        self.next == self.script.triggers.len()
            && self.unopened.is_empty()
            && self.lives.iter().all(|l| l.caught_up || l.switch.is_none())
            && now.duration_since(quiet_since) >= SETTLE
    }

    fn flush(&mut self, i: usize) -> Result<(), String> {
        let Some(switch) = &mut self.lives[i].switch else {
            return Ok(());
        };
        if switch.pending() > 0 {
            switch
                .flush()
                .map_err(|e| format!("switch {}: {e}", format_dpid(switch.dpid())))?;
        }
        Ok(())
    }

    /// What the controller sent on switch `i`.
    fn receive(&mut self, i: usize) -> Result<(), String> {
        let Some(live) = self.lives.get_mut(i) else {
            return Ok(());
        };
        let Some(switch) = &mut live.switch else {
            return Ok(());
        };
        let mut got: Vec<Option<Vec<u8>>> = Vec::new();
        let received = switch.receive(&mut live.replies, |incoming| match incoming {
            Incoming::Up => got.push(None),
            Incoming::Message(bytes) => got.push(Some(bytes.to_vec())),
        });
        let dpid = switch.dpid();
        let now = Instant::now();
        if !got.is_empty() {
            live.heard = now;
        }
        for item in got {
            match item {
                None => self.up(i, now),
                Some(bytes) => self.controller_message(i, bytes, now),
            }
        }
        received.map_err(|e| format!("switch {}: {e}", format_dpid(dpid)))
    }

    /// The controller has the FEATURES_REPLY: the recorded one is its trigger.
    fn up(&mut self, i: usize, now: Instant) {
        let script = self.script;
        let record = &script.records[script.switches[i].features];
        let live = &mut self.lives[i];
        live.connecting_since = None;
        live.virtual_ns = record.ts_ns;
        live.caught_up = false;
        self.last_sent = now;
        self.outcome.records.push(record.clone());
        self.wait_for(i, now);
    }

    fn controller_message(&mut self, i: usize, bytes: Vec<u8>, now: Instant) {
        let live = &mut self.lives[i];
        let message = Message::parse(&bytes);
        if message.header.msg_type == ofpt::ECHO_REPLY {
            if let Some((xid, _)) = live.probe {
                if message.header.xid == xid {
                    live.probe = None;
                    live.caught_up = true;
                    return;
                }
            }
        }
        if let Some(w) = &mut self.waiting {
            if w.switch == i && !is_framework(message.type_name()) {
                w.answered = Some(now);
            }
        }
        let recorded = &self.script.switches[i];
        if let (Some(tables), Body::FlowMod(fm)) = (&mut self.tables, &message.body) {
            tables.apply_flow_mod(recorded.conn, live.virtual_ns, fm);
        }
        self.outcome.summary.count_sent(&message.body);
        self.outcome.records.push(OfRecord {
            index: self.outcome.records.len() as u64 + 1,
            frames: Vec::new(),
            frame: 0,
            ts_ns: live.virtual_ns,
            conn: ConnId(recorded.conn),
            direction: Direction::ControllerToSwitch,
            dpid: Some(recorded.dpid),
            bytes,
            message,
        });
    }
}

/// A time no run reaches (for a pace that would overflow the clock).
fn far_future(start: Instant) -> Instant {
    start + Duration::from_secs(100 * 365 * 24 * 3600)
}

fn seconds(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}
