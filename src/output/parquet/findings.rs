//! The `findings` table: every finding `--findings -T jsonl` lists (each kind keeps its
//! first occurrences; `kind_total` says how many there were), in capture order.

use super::{int, DpidNames};
use crate::analysis::findings::Findings;

column_rows! {
    "findings" from Findings {
        kind: Text,
        severity: Text,
        frame: Int64,
        ts_ns: Int64,
        dpid: Text,
        count: Int64,
        kind_total: Int64,
        text: Text,
    }
    scratch {
        dpids: DpidNames,
    }
}

impl Rows {
    fn add(&mut self, findings: &Findings) {
        let totals: Vec<_> = findings.totals().collect();
        for f in findings.list() {
            self.kind.text(Some(f.kind.name()));
            self.severity.text(Some(f.severity.name()));
            self.frame.number(f.frame.map(int));
            self.ts_ns.number(Some(int(f.ts_ns)));
            self.dpid.text(self.dpids.of(f.dpid));
            self.count.number(Some(int(f.count)));
            let total = totals.iter().find(|(kind, _)| *kind == f.kind);
            self.kind_total.number(total.map(|(_, n)| int(*n)));
            self.text.text(Some(&f.text));
            self.len += 1;
        }
    }
}
