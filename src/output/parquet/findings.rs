//! The `findings` table: every finding `--findings -T jsonl` lists (each kind keeps its
//! first occurrences; `kind_total` says how many there were), in capture order.

use super::{int, DpidNames};
use crate::analysis::findings::Findings;

builder_rows! {
    "findings" from Findings {
        kind: StringBuilder => Utf8,
        severity: StringBuilder => Utf8,
        frame: Int64Builder => Int64,
        ts_ns: Int64Builder => Int64,
        dpid: StringBuilder => Utf8,
        count: Int64Builder => Int64,
        kind_total: Int64Builder => Int64,
        text: StringBuilder => Utf8,
    }
    scratch {
        dpids: DpidNames,
    }
}

impl Rows {
    fn add(&mut self, findings: &Findings) {
        let totals: Vec<_> = findings.totals().collect();
        for f in findings.list() {
            self.kind.append_value(f.kind.name());
            self.severity.append_value(f.severity.name());
            self.frame.append_option(f.frame.map(int));
            self.ts_ns.append_value(int(f.ts_ns));
            self.dpid.append_option(self.dpids.of(f.dpid));
            self.count.append_value(int(f.count));
            let total = totals.iter().find(|(kind, _)| *kind == f.kind);
            self.kind_total.append_option(total.map(|(_, n)| int(*n)));
            self.text.append_value(&f.text);
            self.len += 1;
        }
    }
}
