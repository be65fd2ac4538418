//! `reply_vlan_mismatch`: the controller sends an ARP or ICMP echo reply with another VLAN
//! tag (or none) than the request it answers had: the asker, on the request's VLAN, never
//! gets it.

use std::net::Ipv4Addr;

use super::{Rule, Severity};
use crate::analysis::probes::Protocol;

pub struct ReplyVlanMismatch {
    pub protocol: Protocol,
    pub from: Ipv4Addr,
    pub to: Ipv4Addr,
    pub request_vlan: Option<u16>,
    pub reply_vlan: Option<u16>,
    pub request_frame: u64,
}

fn vlan(v: Option<u16>) -> String {
    v.map_or("untagged".to_owned(), |v| format!("VLAN {v}"))
}

impl Rule for ReplyVlanMismatch {
    const NAME: &'static str = "reply_vlan_mismatch";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "{} {} > {} sent {}, but the request it answers (frame {}) came {}: the asker never gets it; tag the reply as the request was (SET_VLAN_VID, or build it with the request's tag)",
            self.protocol.reply_name(),
            self.from,
            self.to,
            vlan(self.reply_vlan),
            self.request_frame,
            vlan(self.request_vlan)
        )
    }
}
