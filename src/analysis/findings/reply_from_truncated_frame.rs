//! `reply_from_truncated_frame`: the controller sends an ICMP echo reply whose IP packet
//! is shorter than its own header says: it was built from a PacketIn's frame that the switch
//! cut (miss_send_len), and the host drops it.

use std::net::Ipv4Addr;

use super::{Rule, Severity};

pub struct ReplyFromTruncatedFrame {
    pub from: Ipv4Addr,
    pub to: Ipv4Addr,
    pub kept: usize,
    pub total: usize,
}

impl Rule for ReplyFromTruncatedFrame {
    const NAME: &'static str = "reply_from_truncated_frame";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "ICMP echo reply {} > {} holds {} bytes of an IP packet whose header says {}: it was built from a PacketIn the switch cut; the host drops it. Raise miss_send_len (SET_CONFIG) or build replies only from whole frames",
            self.from, self.to, self.kept, self.total
        )
    }
}
