//! `unanswered_packet_in`: a PacketIn got no answer within the pair window.

use ofscope_dissectors::openflow::wire::fmt_mac;

use super::{Rule, Severity};
use crate::analysis::{fmt_duration, HostPair};

pub struct UnansweredPacketIn {
    /// Ethernet source and destination of its frame.
    pub hosts: HostPair,
    pub window_ns: u64,
}

impl Rule for UnansweredPacketIn {
    const NAME: &'static str = "unanswered_packet_in";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "PACKET_IN {} > {} not answered within {}",
            fmt_mac(&self.hosts.0),
            fmt_mac(&self.hosts.1),
            fmt_duration(self.window_ns)
        )
    }
}
