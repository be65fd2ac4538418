//! `unanswered_packet_in`: a PacketIn got no answer within the pair window. A frame to a
//! link-local address (01:80:c2:00:00:00 to 0f: STP, LLDP, LACP, 802.1X), which controllers
//! ignore by design unless they run that protocol, is a note that says so.

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
        let why = if self.link_local() {
            " (a link-local destination: controllers ignore such frames by design unless they run its protocol, e.g. LLDP for topology)"
        } else {
            ""
        };
        format!(
            "PACKET_IN {} > {} not answered within {}{why}",
            fmt_mac(&self.hosts.0),
            fmt_mac(&self.hosts.1),
            fmt_duration(self.window_ns)
        )
    }

    fn severity(&self) -> Severity {
        if self.link_local() {
            Severity::Note
        } else {
            Self::SEVERITY
        }
    }
}

impl UnansweredPacketIn {
    /// Whether its destination is one of IEEE 802.1D's link-local group addresses,
    /// 01:80:c2:00:00:00 to 01:80:c2:00:00:0f, which bridges do not forward.
    fn link_local(&self) -> bool {
        let dst = &self.hosts.1;
        dst[..5] == [0x01, 0x80, 0xc2, 0x00, 0x00] && dst[5] <= 0x0f
    }
}
