//! `truncated_message`: the capture cut a message (snaplen, lost segment, its end).

use super::{Rule, Severity};

pub struct TruncatedMessage {
    /// The bytes the capture kept, of `length`.
    pub kept: usize,
    pub length: u16,
}

impl Rule for TruncatedMessage {
    const NAME: &'static str = "truncated_message";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "message cut short by the capture: {} of {} bytes",
            self.kept, self.length
        )
    }
}
