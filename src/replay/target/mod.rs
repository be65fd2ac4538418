//! `replay --into`: a recording played to a live controller. ofscope is each recorded
//! switch ([`recorded`]): it connects, answers the handshake and the controller's requests
//! as that switch did, and sends its recorded PacketIns, PORT_STATUS, FLOW_REMOVED, ERROR
//! and ECHO_REQUEST messages at the recorded pace ([`player`], the one part of `replay`
//! that does I/O). What the controller sends back is paired with the triggers by the rules
//! `--against-recording` applies to a recorded controller ([`compare::recorded_decisions`]),
//! so the decisions print, compare and go into goldens exactly as the apps' do.

use std::collections::HashSet;
use std::time::Duration;

use super::compare;
use super::decision::{Decision, Summary};
use crate::session::OfRecord;
use crate::switch::Target;

pub mod player;
pub mod recorded;

/// How the recording is played.
#[derive(Debug, Clone)]
pub struct Options {
    /// The controller.
    pub target: Target,
    /// The pace, as a multiple of the recorded one.
    pub speed: f64,
    /// Each trigger waits for the controller's answer to the one before.
    pub lockstep: bool,
    /// The emulated switches keep the controller's flows: only frames that miss them, or
    /// go to the controller, are sent as PacketIns.
    pub closed_loop: bool,
    /// The longest the controller may keep us waiting.
    pub timeout: Duration,
}

/// What a live run gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The triggers sent and the controller's messages, in the order they went and came.
    /// A trigger is its recorded record (frame, time, connection); a controller message
    /// carries the connection and time of the last trigger sent on it.
    pub records: Vec<OfRecord>,
    pub summary: Summary,
    /// Why the run stopped before the end of the recording: the controller refused,
    /// closed, went silent or sent what is not OpenFlow.
    pub fault: Option<String>,
    /// Messages of the recording that could not be sent: cut short by the capture.
    pub unsendable: usize,
}

impl Outcome {
    /// The controller's decisions, one per trigger sent, in capture order. `hint` is what
    /// the other side of a comparison decided: a controller's answers that arrived after the
    /// next trigger still go to their own when they are exactly those (see
    /// [`compare::recorded_decisions`]).
    pub fn decisions(&self, hint: &[Decision]) -> Vec<Decision> {
        let mut decisions = compare::recorded_decisions(&self.records, hint);
        // The switches' handshakes may interleave with each other's triggers in another
        // order than recorded; a comparison walks both sides in capture order.
        decisions.sort_by(|a, b| compare::key(&a.trigger).cmp(&compare::key(&b.trigger)));
        decisions
    }
}

/// The decisions of `expected` whose trigger was sent in the run that gave `actual`: what
/// a run that stopped early can be compared on.
pub fn sent_only(expected: &[Decision], actual: &[Decision]) -> Vec<Decision> {
    let sent: HashSet<_> = actual.iter().map(|d| compare::key(&d.trigger)).collect();
    expected
        .iter()
        .filter(|d| sent.contains(&compare::key(&d.trigger)))
        .cloned()
        .collect()
}
