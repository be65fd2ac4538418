//! `handshake_stall`: a connection whose first message is a HELLO has no FEATURES_REPLY 5 s
//! after it, or closed without one.

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
