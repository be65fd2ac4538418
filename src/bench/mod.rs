//! `ofscope bench`: a controller benchmark with cbench's method, so that its figures
//! compare with published ones. N emulated switches ([`crate::switch`]) connect to the
//! controller and send PacketIns ([`probe`]); a response is a FLOW_MOD or PACKET_OUT that
//! refers to one of them. The test runs in loops of T ms; each loop gives responses/s
//! per switch and in total, and the counted loops give cbench's
//! `RESULT: N switches L tests min/max/avg/stdev = ... responses/s`.
//!
//! - throughput mode: each switch keeps the controller's input full (cbench keeps 64 KiB
//!   queued per switch; so does this);
//! - latency mode: one PacketIn in flight per switch, the next sent when it is answered.
//!
//! Loops follow each other without a pause, so no response is lost between them: one that
//! arrives after a loop's end counts in the next. In latency mode a PacketIn still
//! unanswered at a loop's end is forgotten, as cbench does. The [`sink`] is the bench's own
//! controller: what the bench sustains against it is the ceiling of what it can measure.

use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use serde::Serialize;

use crate::session::format_dpid;
use crate::switch::{features, Incoming, Minimal, Switch, SwitchError, Target};

pub mod probe;
pub mod sink;

use probe::{Probes, RING};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Throughput,
    Latency,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub switches: u16,
    pub macs: u32,
    pub loops: u32,
    pub ms: u64,
    pub warmup: u32,
    pub mode: Mode,
    pub learn_macs: bool,
    /// Bounds the connect, the handshake, and a controller that stops answering.
    pub timeout: Duration,
}

/// One loop's figures.
#[derive(Debug, Clone, Serialize)]
pub struct LoopResult {
    /// From 1, warmup loops included.
    pub number: u32,
    pub warmup: bool,
    pub seconds: f64,
    /// Responses per second, per switch.
    pub per_switch: Vec<f64>,
    pub responses_per_s: f64,
    /// PacketIns sent per second.
    pub offered_per_s: f64,
}

/// cbench's summary of the counted loops (population standard deviation, as cbench).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub switches: u16,
    pub tests: usize,
    pub min: f64,
    pub max: f64,
    pub avg: f64,
    pub stdev: f64,
    /// Mean PacketIns/s offered.
    pub offered_per_s: f64,
}

impl Summary {
    pub fn of(switches: u16, loops: &[LoopResult]) -> Option<Summary> {
        let counted: Vec<&LoopResult> = loops.iter().filter(|l| !l.warmup).collect();
        if counted.is_empty() {
            return None;
        }
        let n = counted.len() as f64;
        let values = counted.iter().map(|l| l.responses_per_s);
        let avg = values.clone().sum::<f64>() / n;
        let stdev = (values.clone().map(|v| (v - avg).powi(2)).sum::<f64>() / n).sqrt();
        Some(Summary {
            switches,
            tests: counted.len(),
            min: values.clone().fold(f64::INFINITY, f64::min),
            max: values.fold(0.0, f64::max),
            avg,
            stdev,
            offered_per_s: counted.iter().map(|l| l.offered_per_s).sum::<f64>() / n,
        })
    }

    /// cbench's line, to the character.
    pub fn result_line(&self) -> String {
        format!(
            "RESULT: {} switches {} tests min/max/avg/stdev = {:.2}/{:.2}/{:.2}/{:.2} responses/s",
            self.switches, self.tests, self.min, self.max, self.avg, self.stdev
        )
    }
}

/// Why a bench stopped early, with what it had measured.
#[derive(Debug)]
pub struct Stopped {
    pub why: String,
    pub loops: Vec<LoopResult>,
}

/// In throughput mode a switch's queue is topped up to this when it falls under half.
const QUEUED: usize = 64 << 10;
/// How long the loop waits for events at most when nothing is to be written.
const TICK: Duration = Duration::from_millis(5);

struct Emulated {
    switch: Switch,
    probes: Probes,
    up: bool,
    /// The socket took everything: more may be written without waiting for an event.
    writable: bool,
    answered: u64,
    sent: u64,
}

/// Runs the bench against `target`, calling `each` after every loop.
pub fn run(
    target: &Target,
    config: &Config,
    mut each: impl FnMut(&LoopResult),
) -> Result<Vec<LoopResult>, Stopped> {
    let stop = |why: String, loops: Vec<LoopResult>| Stopped { why, loops };
    let poll = Poll::new().map_err(|e| stop(format!("poll: {e}"), Vec::new()))?;
    let mut all = Vec::with_capacity(usize::from(config.switches));
    for i in 0..config.switches {
        let dpid = u64::from(i) + 1;
        let mut switch = Switch::connect(target, features(dpid, 2), config.timeout)
            .map_err(|e| stop(e.to_string(), Vec::new()))?;
        poll.registry()
            .register(
                &mut switch,
                Token(usize::from(i)),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|e| stop(format!("poll: {e}"), Vec::new()))?;
        all.push(Emulated {
            switch,
            probes: Probes::new(i, config.macs),
            up: false,
            writable: true,
            answered: 0,
            sent: 0,
        });
    }
    let mut bench = Bench {
        poll,
        events: Events::with_capacity(1024),
        all,
        config: config.clone(),
        scratch: Vec::with_capacity(2 * QUEUED),
        last_answer: Instant::now(),
        sent_since_answer: 0,
    };
    bench.handshake().map_err(|why| stop(why, Vec::new()))?;
    bench.last_answer = Instant::now();
    let mut loops = Vec::new();
    for number in 1..=config.warmup + config.loops {
        match bench.one_loop(number) {
            Ok(result) => {
                each(&result);
                loops.push(result);
            }
            Err(why) => return Err(stop(why, loops)),
        }
    }
    if loops.iter().all(|l| l.responses_per_s == 0.0) {
        let why = "the controller answered none of the PacketIns (a response is a FLOW_MOD or PACKET_OUT with the PacketIn's buffer id, or naming its source host)";
        return Err(stop(why.into(), loops));
    }
    Ok(loops)
}

struct Bench {
    poll: Poll,
    events: Events,
    all: Vec<Emulated>,
    config: Config,
    scratch: Vec<u8>,
    last_answer: Instant,
    /// PacketIns sent since the last answer: what a controller that stopped answering left
    /// unanswered (in latency mode the ones in flight are forgotten at each loop's start).
    sent_since_answer: u64,
}

impl Bench {
    /// Waits until every switch has given its FEATURES_REPLY (and announced its
    /// destination host with `--learn-macs`).
    fn handshake(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + self.config.timeout;
        while self.all.iter().any(|e| !e.up) {
            let now = Instant::now();
            if now >= deadline {
                let waiting = self.all.iter().filter(|e| !e.up).count();
                return Err(format!(
                    "{waiting} of {} switches got no FEATURES_REQUEST within {:.1} s (--timeout): the controller does not take them on",
                    self.all.len(),
                    self.config.timeout.as_secs_f64()
                ));
            }
            self.step(Some((deadline - now).min(TICK)))?;
        }
        Ok(())
    }

    fn one_loop(&mut self, number: u32) -> Result<LoopResult, String> {
        for e in &mut self.all {
            e.answered = 0;
            e.sent = 0;
            if self.config.mode == Mode::Latency {
                e.probes.forget_all();
            }
        }
        let length = Duration::from_millis(self.config.ms);
        let start = Instant::now();
        loop {
            let now = Instant::now();
            if now >= start + length {
                break;
            }
            if now.duration_since(self.last_answer) > self.config.timeout {
                return Err(format!(
                    "the controller answered none of the {} PacketIns sent for {:.1} s (--timeout)",
                    self.sent_since_answer,
                    self.config.timeout.as_secs_f64()
                ));
            }
            // Sockets that took all that was offered may take more at once; otherwise the
            // loop waits for the controller (no spinning: it shares the machine).
            let more = self.offer()?;
            let wait = if more {
                Duration::ZERO
            } else {
                (start + length - now).min(TICK)
            };
            self.step(Some(wait))?;
        }
        let seconds = start.elapsed().as_secs_f64();
        let per_switch: Vec<f64> = self
            .all
            .iter()
            .map(|e| e.answered as f64 / seconds)
            .collect();
        Ok(LoopResult {
            number,
            warmup: number <= self.config.warmup,
            seconds,
            responses_per_s: per_switch.iter().sum(),
            per_switch,
            offered_per_s: self.all.iter().map(|e| e.sent).sum::<u64>() as f64 / seconds,
        })
    }

    /// Queues PacketIns as the mode asks, and writes them: `true` when some switch's
    /// socket took all it was given, and more could be offered at once.
    fn offer(&mut self) -> Result<bool, String> {
        let mut more = false;
        for e in &mut self.all {
            let room = match self.config.mode {
                Mode::Throughput
                    if e.writable
                        && e.switch.pending() < QUEUED / 2
                        && e.probes.in_flight() < (RING / 2) as u64 =>
                {
                    (QUEUED - e.switch.pending()) / e.probes.packet_in_len()
                }
                Mode::Latency if e.probes.in_flight() == 0 => 1,
                _ => 0,
            };
            if room == 0 {
                continue;
            }
            self.scratch.clear();
            for _ in 0..room {
                e.probes.push_next(&mut self.scratch);
            }
            e.sent += room as u64;
            self.sent_since_answer += room as u64;
            e.switch.queue_raw(&self.scratch);
            e.writable = e.switch.flush().map_err(|err| who(e, &err))?;
            more |= e.writable && self.config.mode == Mode::Throughput;
        }
        Ok(more)
    }

    /// Waits for events at most `wait`, and handles them.
    fn step(&mut self, wait: Option<Duration>) -> Result<(), String> {
        if let Err(e) = self.poll.poll(&mut self.events, wait) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(format!("poll: {e}"));
            }
        }
        let learn = self.config.learn_macs;
        for event in &self.events {
            let e = &mut self.all[event.token().0];
            if event.is_writable() {
                e.writable = e.switch.flush().map_err(|err| who(e, &err))?;
            }
            if !event.is_readable() && !event.is_read_closed() {
                continue;
            }
            let Emulated {
                switch,
                probes,
                answered,
                ..
            } = e;
            let mut came_up = false;
            let before = *answered;
            let received = switch.receive(&mut Minimal, |incoming| match incoming {
                Incoming::Up => came_up = true,
                Incoming::Message(bytes) => {
                    if probes.answers(bytes) {
                        *answered += 1;
                    }
                }
            });
            if e.answered > before {
                self.last_answer = Instant::now();
                self.sent_since_answer = 0;
            }
            received.map_err(|err| who(e, &err))?;
            if came_up {
                if learn {
                    let announcement = e.probes.announcement();
                    e.switch.send(announcement);
                    e.writable = e.switch.flush().map_err(|err| who(e, &err))?;
                }
                e.up = true;
            }
        }
        Ok(())
    }
}

/// An error as one line naming the switch.
fn who(e: &Emulated, err: &SwitchError) -> String {
    format!("switch {}: {err}", format_dpid(e.switch.dpid()))
}
