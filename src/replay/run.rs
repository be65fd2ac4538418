//! One replay run over a capture's records: the engine fed in capture order, TAP frames
//! merged in by timestamp, each engine reaction handed out as a [`Reaction`].
//!
//! Streaming: records go in one at a time and reactions come out through a callback, so a
//! large capture is replayed without holding its decisions. A reaction becomes a
//! [`Decision`] only when the caller asks: rendering one (frame summaries, matches and
//! actions as text) costs several times what the apps do, and a run that only counts
//! (`replay -q`) needs none.

use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::{Body, Message};

use super::apps::Output;
use super::closed_loop::Switches;
use super::decision::{packet_ref, Decision, Summary, Trigger};
use super::engine::{Engine, Input};
use super::spec::AppSpec;
use crate::session::OfRecord;

/// A frame "read from the TAP": from the tunnel's `tap-input` capture.
#[derive(Debug, Clone)]
pub struct TapFrame {
    /// Frame number in the TAP capture.
    pub number: u64,
    pub ts_ns: u64,
    pub data: Vec<u8>,
}

/// What the engine did for one trigger, borrowed for the length of the callback.
#[derive(Clone, Copy)]
pub struct Reaction<'a> {
    trigger: Source<'a>,
    outputs: &'a [Output],
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Record(&'a OfRecord),
    /// With the datapath id of the switch that took the frame.
    Tap(&'a TapFrame, Option<u64>),
}

impl Reaction<'_> {
    /// The reaction in the normalised form goldens store and comparisons use.
    pub fn decision(&self) -> Decision {
        match self.trigger {
            Source::Record(record) => {
                let message: &Message = &record.message;
                let trigger =
                    Trigger::from_message(record.frame(), record.ts_ns, record.dpid, message);
                Decision::new(trigger, packet_ref(Some(message)), self.outputs)
            }
            Source::Tap(frame, dpid) => {
                let trigger = Trigger::tap(frame.number, frame.ts_ns, &frame.data, dpid);
                Decision::new(trigger, packet_ref(None), self.outputs)
            }
        }
    }
}

/// How the data plane is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every recorded PacketIn reaches the apps as it was.
    #[default]
    OpenLoop,
    /// A simulated flow table built from the apps' own FLOW_MODs decides which recorded
    /// frames reach the apps.
    ClosedLoop,
}

/// `T` gives the TAP frames in time order, one at a time (the command layer reads them
/// from the `tap-input` captures as they are needed).
pub struct Runner<T> {
    engine: Engine,
    tap: T,
    next_tap: Option<TapFrame>,
    switches: Option<Switches>,
    /// Flows the recorded controller added (closed loop): the data-plane frames that
    /// matched them never reached it, so they are not in the capture to be replayed.
    recorded_flow_adds: u64,
}

impl<T: Iterator<Item = TapFrame>> Runner<T> {
    pub fn new(apps: &[AppSpec], mode: Mode, mut tap: T) -> Runner<T> {
        Runner {
            engine: Engine::new(apps),
            next_tap: tap.next(),
            tap,
            switches: (mode == Mode::ClosedLoop).then(Switches::default),
            recorded_flow_adds: 0,
        }
    }

    /// In closed loop, the flows the recorded controller added: frames they forwarded are
    /// missing from the capture, and closed loop cannot replay them.
    pub fn recorded_flow_adds(&self) -> u64 {
        self.recorded_flow_adds
    }

    pub fn summary(&self) -> Summary {
        let mut s = *self.engine.summary();
        if let Some(switches) = &self.switches {
            s.forwarded = Some(switches.forwarded());
        }
        s
    }

    /// Handles one record of the capture; controller→switch records are ignored (they are
    /// what the apps replace).
    pub fn push(&mut self, record: &OfRecord, sink: &mut impl FnMut(Reaction)) {
        self.flush_tap(Some(record.ts_ns), sink);
        if !record.from_switch() {
            if self.switches.is_some() {
                if let Body::FlowMod(fm) = &record.message.body {
                    self.recorded_flow_adds += u64::from(fm.command == ofpfc::ADD);
                }
            }
            return;
        }
        if let Some(switches) = &mut self.switches {
            if !switches.reaches_controller(record) {
                return;
            }
        }
        let input = Input {
            ts_ns: record.ts_ns,
            conn: record.conn.0,
            message: &record.message,
        };
        let Some(outputs) = self.engine.feed(&input) else {
            return;
        };
        if let Some(switches) = &mut self.switches {
            switches.apply(record.conn.0, record.ts_ns, outputs);
        }
        sink(Reaction {
            trigger: Source::Record(record),
            outputs,
        });
    }

    /// A connection of the capture has ended: its switch's apps go with it, as they do in
    /// `control`.
    pub fn close(&mut self, conn: u32) {
        self.engine.disconnect(conn);
    }

    /// Hands over the TAP frames left after the last record.
    pub fn finish(&mut self, sink: &mut impl FnMut(Reaction)) {
        self.flush_tap(None, sink);
    }

    /// The source of TAP frames, to ask how its reading went.
    pub fn tap(&mut self) -> &mut T {
        &mut self.tap
    }

    fn flush_tap(&mut self, until_ns: Option<u64>, sink: &mut impl FnMut(Reaction)) {
        while let Some(frame) = self
            .next_tap
            .take_if(|f| until_ns.is_none_or(|until| f.ts_ns <= until))
        {
            let dpid = self.engine.tap_conn().and_then(|c| self.engine.dpid(c));
            let outputs = self.engine.tap_frame(frame.ts_ns, &frame.data);
            sink(Reaction {
                trigger: Source::Tap(&frame, dpid),
                outputs,
            });
            self.next_tap = self.tap.next();
        }
    }
}

/// Replays a whole list of records and returns every decision.
pub fn replay_all(
    records: &[OfRecord],
    apps: &[AppSpec],
    mode: Mode,
    tap: impl IntoIterator<Item = TapFrame>,
) -> (Vec<Decision>, Summary) {
    let mut runner = Runner::new(apps, mode, tap.into_iter());
    let mut decisions = Vec::new();
    let mut sink = |r: Reaction| decisions.push(r.decision());
    for record in records {
        runner.push(record, &mut sink);
    }
    runner.finish(&mut sink);
    (decisions, runner.summary())
}
