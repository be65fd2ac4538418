//! `unknown_buffer_id`: a PACKET_OUT or FLOW_MOD names a buffer no PacketIn on its
//! connection offered, or one already used.

use super::{Rule, Severity};

pub struct UnknownBufferId {
    /// The message that names it.
    pub what: &'static str,
    pub buffer_id: u32,
}

impl Rule for UnknownBufferId {
    const NAME: &'static str = "unknown_buffer_id";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "{} names buffer 0x{:08x}, which no PACKET_IN on this connection offered (or it was used already): the switch answers BUFFER_UNKNOWN",
            self.what, self.buffer_id
        )
    }
}
