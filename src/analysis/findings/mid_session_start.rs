//! `mid_session_start` (once per connection): a connection's first message in the capture
//! is not a HELLO.

use super::{Rule, Severity};

pub struct MidSessionStart {
    pub conn: u32,
    /// The type name of its first message.
    pub first: &'static str,
}

impl Rule for MidSessionStart {
    const NAME: &'static str = "mid_session_start";
    const SEVERITY: Severity = Severity::Note;

    fn text(&self) -> String {
        format!(
            "conn {}: the capture starts mid-session (its first message is {}, not a HELLO): its handshake, and the PacketIns and buffers before the capture, are not in it",
            self.conn, self.first
        )
    }
}
