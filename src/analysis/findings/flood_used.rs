//! `flood_used` (folded per switch): an output to FLOOD.

use super::{Rule, Severity};

pub struct FloodUsed {
    /// The message that outputs to it.
    pub what: &'static str,
}

impl Rule for FloodUsed {
    const NAME: &'static str = "flood_used";
    const SEVERITY: Severity = Severity::Note;

    fn text(&self) -> String {
        format!(
            "{} outputs to FLOOD: OF1.0 makes FLOOD optional (it follows the spanning tree and skips NO_FLOOD ports); ALL is required. Some switches handle FLOOD badly",
            self.what
        )
    }
}
