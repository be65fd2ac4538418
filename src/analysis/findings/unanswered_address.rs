//! `unanswered_address` (per IP, judged when the capture ends): hosts keep asking for an
//! address (ARP, or ICMP echo where no flow can carry the reply past the controller) and no
//! reply from it ever appears, neither in a PacketIn nor in a PacketOut, while the
//! controller floods or drops the requests.

use std::net::Ipv4Addr;

use super::{Rule, Severity};
use crate::analysis::probes::Protocol;

/// Requests for one address that make it a finding (a host that got its answer stops
/// asking; a retrying one asks again about every second).
pub const MIN_REQUESTS: u64 = 3;
/// Askers named in the text.
const ASKERS_KEPT: usize = 4;

pub struct UnansweredAddress<'a> {
    pub ip: Ipv4Addr,
    pub asked: &'a Asked,
}

impl Rule for UnansweredAddress<'_> {
    const NAME: &'static str = "unanswered_address";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let a = self.asked;
        let mut askers: Vec<String> = a.askers.iter().map(Ipv4Addr::to_string).collect();
        if a.more_askers {
            askers.push("others".to_owned());
        }
        let what: Vec<String> = [(Protocol::Arp, a.arp), (Protocol::Echo, a.echo)]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(p, n)| format!("{n} {}", p.request_name()))
            .collect();
        format!(
            "nobody answers {}: {} from {}, and no reply from it in any PacketIn or PacketOut; the controller floods or drops them. If it is a virtual address (a router's, a service's), the controller must answer it",
            self.ip,
            what.join(" and "),
            askers.join(", ")
        )
    }
}

/// The requests for one address, and whether anything showed it exists.
#[derive(Debug, Clone)]
pub struct Asked {
    pub arp: u64,
    pub echo: u64,
    pub askers: Vec<Ipv4Addr>,
    pub more_askers: bool,
    pub first_frame: u64,
    pub first_ns: u64,
    pub dpid: Option<u64>,
    /// A reply from it was seen, or the controller sent a request to one port (it knows
    /// where the address is): not a finding.
    pub settled: bool,
}

impl Asked {
    pub fn new(frame: u64, ts_ns: u64, dpid: Option<u64>) -> Asked {
        Asked {
            arp: 0,
            echo: 0,
            askers: Vec::new(),
            more_askers: false,
            first_frame: frame,
            first_ns: ts_ns,
            dpid,
            settled: false,
        }
    }

    pub fn asked(&mut self, protocol: Protocol, asker: Ipv4Addr) {
        match protocol {
            Protocol::Arp => self.arp += 1,
            Protocol::Echo => self.echo += 1,
        }
        if !self.askers.contains(&asker) {
            if self.askers.len() < ASKERS_KEPT {
                self.askers.push(asker);
            } else {
                self.more_askers = true;
            }
        }
    }

    pub fn is_finding(&self) -> bool {
        !self.settled && self.arp + self.echo >= MIN_REQUESTS
    }
}
