//! `table_full` (once per table, and per switch for a switch's tables): a table of the
//! analysis reached its bound (`analysis::bounds`), so what came later is left out of it.

use super::{Rule, Severity};

pub struct TableFull {
    /// The table, as people call it (`connection`, `per-switch MAC`, `flow`).
    pub table: &'static str,
    pub bound: usize,
}

impl Rule for TableFull {
    const NAME: &'static str = "table_full";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "the {} table is full at its bound of {} entries: later entries, from this frame on, are not counted, so the figures that depend on it are incomplete",
            self.table, self.bound
        )
    }
}
