//! `mac_flapping` (folded per MAC): a source MAC changes port 3 times within 10 s
//! (PacketIn in_port). A move short of that is `host_moved`.

use std::collections::VecDeque;

use ofscope_dissectors::openflow::wire::fmt_mac;

use super::{Rule, Severity, StaleFlows};

/// Port changes within the window that make a MAC flap.
const FLAP_MOVES: usize = 3;
const FLAP_WINDOW_NS: u64 = 10_000_000_000;

pub struct MacFlapping {
    pub mac: [u8; 6],
    /// The ports it moved between lately.
    pub ports: (u16, u16),
    /// All its moves so far.
    pub moves: u64,
    /// Moves per second within the window.
    pub rate: f64,
    /// The flows that send its traffic to the port it left last.
    pub stale: StaleFlows,
}

impl Rule for MacFlapping {
    const NAME: &'static str = "mac_flapping";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let (a, b) = self.ports;
        format!(
            "MAC {} moves between ports {a} and {b}: {} moves, {:.1}/s lately (a loop, or two hosts sharing a MAC); {}",
            fmt_mac(&self.mac),
            self.moves,
            self.rate,
            self.stale
        )
    }
}

/// Where a MAC was last seen and when it moved.
pub struct MacMoves {
    port: u16,
    other_port: u16,
    last_seen_ns: u64,
    moves: VecDeque<u64>,
    total_moves: u64,
}

/// A MAC seen on another port than before.
pub enum Move {
    /// Not (yet) often enough to flap: `host_moved`.
    Once {
        from: u16,
        to: u16,
        /// Since it was last seen on `from`.
        quiet_ns: u64,
    },
    Flapping(MacFlapping),
}

impl MacMoves {
    /// A MAC first seen on `port` at `ts_ns`.
    pub fn new(port: u16, ts_ns: u64) -> MacMoves {
        MacMoves {
            port,
            other_port: port,
            last_seen_ns: ts_ns,
            moves: VecDeque::new(),
            total_moves: 0,
        }
    }

    /// The MAC seen on `port` at `ts_ns`: a move, if it is one.
    #[inline]
    pub fn seen(&mut self, mac: &[u8; 6], port: u16, ts_ns: u64) -> Option<Move> {
        let last_seen_ns = std::mem::replace(&mut self.last_seen_ns, ts_ns);
        if self.port == port {
            return None;
        }
        self.moved(mac, port, ts_ns, last_seen_ns)
    }

    #[cold]
    fn moved(&mut self, mac: &[u8; 6], port: u16, ts_ns: u64, last_seen_ns: u64) -> Option<Move> {
        self.other_port = self.port;
        self.port = port;
        self.total_moves += 1;
        self.moves.push_back(ts_ns);
        while self
            .moves
            .front()
            .is_some_and(|t| *t + FLAP_WINDOW_NS < ts_ns)
        {
            self.moves.pop_front();
        }
        if self.moves.len() < FLAP_MOVES {
            return Some(Move::Once {
                from: self.other_port,
                to: port,
                quiet_ns: ts_ns.saturating_sub(last_seen_ns),
            });
        }
        let span = ts_ns - self.moves.front().copied().unwrap_or(ts_ns);
        Some(Move::Flapping(MacFlapping {
            mac: *mac,
            ports: (self.other_port, self.port),
            moves: self.total_moves,
            rate: self.moves.len() as f64 / (span.max(1) as f64 / 1e9),
            stale: StaleFlows::default(),
        }))
    }
}
