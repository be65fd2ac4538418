//! `host_moved` (folded per MAC): a source MAC seen on one port shows up on another
//! (PacketIn in_port), fewer times than flapping needs; the text names the flows that still
//! send its traffic to the old port, which misdeliver it until they expire.

use ofscope_dissectors::openflow::flow_match::ofpfw;
use ofscope_dissectors::openflow::wire::fmt_mac;
use ofscope_dissectors::openflow::Action;

use super::{Rule, Severity};
use crate::analysis::fmt_duration;
use crate::flow_table::FlowTable;

/// Stale flows named in the text.
const STALE_NAMED: usize = 2;

pub struct HostMoved {
    pub mac: [u8; 6],
    pub from: u16,
    pub to: u16,
    /// How long before the move it was last seen on the old port.
    pub quiet_ns: u64,
    pub stale: StaleFlows,
}

impl Rule for HostMoved {
    const NAME: &'static str = "host_moved";
    const SEVERITY: Severity = Severity::Note;

    fn text(&self) -> String {
        format!(
            "MAC {} moved from port {} to port {} (last seen on port {} {} before); {}",
            fmt_mac(&self.mac),
            self.from,
            self.to,
            self.from,
            fmt_duration(self.quiet_ns),
            self.stale
        )
    }
}

/// The flows that send traffic for a MAC to the port it left.
#[derive(Debug, Clone, Default)]
pub struct StaleFlows {
    pub count: usize,
    /// The first few, as ovs-ofctl writes them.
    pub rules: Vec<String>,
    pub port: u16,
}

impl StaleFlows {
    /// The flows of `table` that match `mac` as their destination and output to `port`.
    pub fn of(table: &FlowTable, mac: &[u8; 6], port: u16) -> StaleFlows {
        let mut stale = StaleFlows {
            port,
            ..StaleFlows::default()
        };
        for f in table.flows() {
            let to_mac = f.match_.wildcards & ofpfw::DL_DST == 0 && f.match_.dl_dst == *mac;
            let to_port = f
                .actions
                .iter()
                .any(|a| matches!(a, Action::Output { port: p, .. } if *p == port));
            if to_mac && to_port {
                stale.count += 1;
                if stale.rules.len() < STALE_NAMED {
                    stale.rules.push(f.rule());
                }
            }
        }
        stale
    }
}

impl std::fmt::Display for StaleFlows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.count == 0 {
            return write!(f, "no flow still sends its traffic to port {}", self.port);
        }
        write!(
            f,
            "{} flows still send its traffic to port {}, misdelivering it until they expire or are deleted: {}",
            self.count,
            self.port,
            self.rules.join("; ")
        )?;
        if self.count > self.rules.len() {
            write!(f, "; ...")?;
        }
        Ok(())
    }
}
