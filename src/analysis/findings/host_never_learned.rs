//! `host_never_learned` (per switch and MAC, judged when the capture ends): the controller
//! keeps flooding unicast frames to a MAC that no PacketIn ever had as its source.

use ofscope_dissectors::openflow::wire::fmt_mac;

use super::{Rule, Severity};

/// Floods to one MAC that make it a finding (fewer may be a host not yet heard from).
const MIN_FLOODS: u64 = 5;
/// Senders named in the text.
const SENDERS_KEPT: usize = 4;

pub struct HostNeverLearned<'a> {
    pub mac: [u8; 6],
    pub flooded: &'a FloodedTo,
}

impl Rule for HostNeverLearned<'_> {
    const NAME: &'static str = "host_never_learned";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let f = self.flooded;
        let span_s = (f.last_ns - f.first_ns) as f64 / 1e9;
        let rate = if span_s > 0.0 {
            format!("{:.1}/s", (f.floods - 1) as f64 / span_s)
        } else {
            "at once".to_owned()
        };
        let mut senders: Vec<String> = f.senders.iter().map(fmt_mac).collect();
        if f.more_senders {
            senders.push("others".to_owned());
        }
        format!(
            "MAC {} is never learned: {} unicast frames to it flooded ({rate}) from {}, and no PacketIn ever came from it. Its own frames all match existing flows: likely flows that match only on the destination (dl_dst); match on dl_src too, or learn it otherwise",
            fmt_mac(&self.mac),
            f.floods,
            senders.join(", ")
        )
    }
}

/// Unicast frames to one MAC that the controller flooded on one switch.
#[derive(Debug, Clone)]
pub struct FloodedTo {
    pub floods: u64,
    pub first_frame: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    pub senders: Vec<[u8; 6]>,
    pub more_senders: bool,
}

impl FloodedTo {
    pub fn new(frame: u64, ts_ns: u64) -> FloodedTo {
        FloodedTo {
            floods: 0,
            first_frame: frame,
            first_ns: ts_ns,
            last_ns: ts_ns,
            senders: Vec::new(),
            more_senders: false,
        }
    }

    /// Whether so many floods make it a finding (when the MAC was never a source).
    pub fn is_finding(&self) -> bool {
        self.floods >= MIN_FLOODS
    }

    /// One more flood, from `src`, at `ts_ns`.
    pub fn flooded(&mut self, src: [u8; 6], ts_ns: u64) {
        self.floods += 1;
        self.last_ns = ts_ns;
        if !self.senders.contains(&src) {
            if self.senders.len() < SENDERS_KEPT {
                self.senders.push(src);
            } else {
                self.more_senders = true;
            }
        }
    }
}
