//! `malformed`: a message that cannot be decoded (never one the capture cut: that is
//! `truncated_message`).

use super::{Rule, Severity};

pub struct Malformed<'a> {
    /// The message's type name.
    pub message: &'static str,
    pub reason: &'a dyn std::fmt::Display,
}

impl Rule for Malformed<'_> {
    const NAME: &'static str = "malformed";
    const SEVERITY: Severity = Severity::Error;

    fn text(&self) -> String {
        format!("malformed {}: {}", self.message, self.reason)
    }
}
