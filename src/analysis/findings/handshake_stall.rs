//! `handshake_stall`: a connection whose first message is a HELLO has no FEATURES_REPLY 5 s
//! after it, or closed without one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Rule, Severity};
use crate::analysis::switches::Connection;

/// How long after its first message a connection may still await its FEATURES_REPLY.
pub const HANDSHAKE_STALL_NS: u64 = 5_000_000_000;

pub struct HandshakeStall<'a> {
    pub conn: &'a Connection,
    /// Whether the wait timed out (else the connection closed first).
    pub timed_out: bool,
}

impl Rule for HandshakeStall<'_> {
    const NAME: &'static str = "handshake_stall";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        let c = self.conn;
        let hello = match (c.hello_switch, c.hello_controller) {
            (Some(_), Some(_)) => "after both HELLOs",
            (Some(_), None) => "the controller sent no HELLO",
            _ => "the switch sent no HELLO",
        };
        let when = if self.timed_out {
            "5 s after its first message"
        } else {
            "before the connection closed"
        };
        format!(
            "conn {}: no FEATURES_REPLY {when} ({hello}, {} messages)",
            c.conn, c.messages
        )
    }
}

/// When each handshake the capture shows begin would stall, soonest first, so a message
/// looks only at the handshakes whose time is up instead of at every connection. A
/// connection stays queued after its FEATURES_REPLY; the caller checks it still waits.
#[derive(Default)]
pub struct StallDeadlines(BinaryHeap<Reverse<(u64, u32)>>);

impl StallDeadlines {
    /// Connection `conn` began with a HELLO at `first_ns`.
    pub fn hello(&mut self, conn: u32, first_ns: u64) {
        // A first message so late that 5 s after it overflows can never stall.
        if let Some(deadline) = first_ns.checked_add(HANDSHAKE_STALL_NS) {
            self.0.push(Reverse((deadline, conn)));
        }
    }

    /// Whether some handshake's time is up at `now_ns` (asked on every message).
    #[inline]
    pub fn any_due(&self, now_ns: u64) -> bool {
        self.0.peek().is_some_and(|Reverse((at, _))| *at <= now_ns)
    }

    /// The connections whose time is up at `now_ns`, in connection order, taken off the queue.
    pub fn take_due(&mut self, now_ns: u64) -> Vec<u32> {
        let mut due = Vec::new();
        while self.any_due(now_ns) {
            if let Some(Reverse((_, conn))) = self.0.pop() {
                due.push(conn);
            }
        }
        due.sort_unstable();
        due
    }
}
