//! The `findings` table: every finding `--findings -T jsonl` lists (each kind keeps its
//! first occurrences; `kind_total` says how many there were), in capture order.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::ArrayRef;
use arrow_schema::Field;

use super::{int, int_field, text_field};
use crate::analysis::findings::Findings;
use crate::session::format_dpid;

#[derive(Default)]
pub struct Rows {
    kind: StringBuilder,
    severity: StringBuilder,
    frame: Int64Builder,
    ts_ns: Int64Builder,
    dpid: StringBuilder,
    count: Int64Builder,
    kind_total: Int64Builder,
    text: StringBuilder,
    len: usize,
}

impl Rows {
    pub fn push(&mut self, findings: &Findings) {
        let totals: Vec<_> = findings.totals().collect();
        for f in findings.list() {
            self.kind.append_value(f.kind.name());
            self.severity.append_value(f.severity.name());
            self.frame.append_option(f.frame.map(int));
            self.ts_ns.append_value(int(f.ts_ns));
            self.dpid.append_option(f.dpid.map(format_dpid));
            self.count.append_value(int(f.count));
            let total = totals.iter().find(|(kind, _)| *kind == f.kind);
            self.kind_total.append_option(total.map(|(_, n)| int(*n)));
            self.text.append_value(&f.text);
            self.len += 1;
        }
    }
}

impl super::Rows for Rows {
    const NAME: &'static str = "findings";

    fn fields() -> Vec<Field> {
        vec![
            text_field("kind"),
            text_field("severity"),
            int_field("frame"),
            int_field("ts_ns"),
            text_field("dpid"),
            int_field("count"),
            int_field("kind_total"),
            text_field("text"),
        ]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn columns(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.kind.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.frame.finish()),
            Arc::new(self.ts_ns.finish()),
            Arc::new(self.dpid.finish()),
            Arc::new(self.count.finish()),
            Arc::new(self.kind_total.finish()),
            Arc::new(self.text.finish()),
        ]
    }
}
