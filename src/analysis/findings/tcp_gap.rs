//! `tcp_gap`: the stream lost bytes, so messages there are missing.

use super::{Rule, Severity};
use crate::stream::{Direction, GapReason};

pub struct TcpGap {
    pub skipped_bytes: u64,
    pub direction: Direction,
    pub reason: GapReason,
}

impl Rule for TcpGap {
    const NAME: &'static str = "tcp_gap";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let why = match self.reason {
            GapReason::Lost => "segments never captured",
            GapReason::Snaplen => "cut by the snaplen",
            GapReason::MidStream => "the capture started mid-connection",
            GapReason::Unframeable => "bytes that do not frame as OpenFlow",
        };
        let direction = match self.direction {
            Direction::SwitchToController => "switch→controller",
            Direction::ControllerToSwitch => "controller→switch",
        };
        format!(
            "{} bytes skipped in the {direction} stream ({why}); messages there are missing",
            self.skipped_bytes
        )
    }

    /// A capture that starts mid-connection is expected to miss its beginning.
    fn severity(&self) -> Severity {
        match self.reason {
            GapReason::MidStream => Severity::Note,
            _ => Self::SEVERITY,
        }
    }
}
