//! What a control session did, for the summary at exit.

use std::collections::BTreeSet;
use std::fmt;

use crate::analysis::histogram::Delays;
use crate::replay::Summary;

/// Latencies are kept to 3 significant digits, as the analysis keeps them.
const LATENCY_DIGITS: u8 = 3;
/// Distinct datapaths remembered for the count; past it (switches that make up a new
/// datapath id at every connection) the count says "at least".
const MAX_DPIDS: usize = 1 << 20;

pub struct Report {
    /// TCP connections accepted.
    pub connections: u64,
    /// Distinct datapaths that completed the handshake (up to [`MAX_DPIDS`]).
    dpids: BTreeSet<u64>,
    /// Connections dropped for misbehaving (garbage, silence, not reading).
    pub dropped: u64,
    /// Peers that spoke no OpenFlow 1.0.
    pub hello_failed: u64,
    /// PacketIn read to the apps' messages handed to the socket, in ns.
    pub latency: Delays,
    /// The apps' totals, from the engine.
    pub summary: Summary,
    /// Each app of the chain with the PacketIns it decided.
    pub per_app: Vec<(&'static str, u64)>,
}

impl Default for Report {
    fn default() -> Report {
        Report {
            connections: 0,
            dpids: BTreeSet::new(),
            dropped: 0,
            hello_failed: 0,
            latency: Delays::new(LATENCY_DIGITS),
            summary: Summary::default(),
            per_app: Vec::new(),
        }
    }
}

impl Report {
    /// A datapath completed its handshake.
    pub fn switch_up(&mut self, dpid: u64) {
        if self.dpids.len() < MAX_DPIDS {
            self.dpids.insert(dpid);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{} switches over {} connections ({} dropped, {} without OpenFlow 1.0); {}",
            if self.dpids.len() == MAX_DPIDS {
                "at least "
            } else {
                ""
            },
            self.dpids.len(),
            self.connections,
            self.dropped,
            self.hello_failed,
            self.summary,
        )?;
        let per_app: Vec<String> = self
            .per_app
            .iter()
            .map(|(app, n)| format!("{app} {n}"))
            .collect();
        write!(f, "; PacketIns decided by {}", per_app.join(", "))?;
        if self.summary.tap_writes > 0 {
            write!(f, "; {} frames written to the TAP", self.summary.tap_writes)?;
        }
        let micros = |q| self.latency.quantile(q).map(|ns| ns as f64 / 1e3);
        if let (Some(p50), Some(p99), Some(max)) = (micros(0.5), micros(0.99), micros(1.0)) {
            write!(
                f,
                "; PacketIn to decision: p50 {p50:.1} µs, p99 {p99:.1} µs, max {max:.1} µs"
            )?;
        }
        Ok(())
    }
}
