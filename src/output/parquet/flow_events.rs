//! The `flow_events` table: every change to each switch's flow table as the analysis
//! rebuilt it (what `--flows` shows): adds, replacing adds, modifies, deletes, removals
//! the switch reported, expiries, and flows known only from a stats reply. Each row holds
//! the flow as it was after the event (or as it left): replaying a switch's events in
//! `event` order, the last event of each (match, priority) that leaves the flow in gives
//! the table.

use std::io::Write;

use ofscope_dissectors::openflow::Actions;

use super::{int, DpidNames};
use crate::analysis::SwitchKey;
use crate::flow_table::{FlowEvent, FlowEventKind};

column_rows! {
    "flow_events" from (SwitchKey, u64, FlowEvent) {
        dpid: Text,
        conn: Int64,
        event: Int64,
        ts_ns: Int64,
        message: Int64,
        kind: Text,
        in_table: Bool,
        removed_reason: Int64,
        match_ as "match": Text,
        priority: Int64,
        actions: Text,
        cookie: UInt64,
        idle_timeout: Int64,
        hard_timeout: Int64,
        flags: Int64,
        installed_ns: Int64,
    }
    scratch {
        dpids: DpidNames,
    }
}

impl Rows {
    fn add(&mut self, &(key, number, ref e): &(SwitchKey, u64, FlowEvent)) {
        let (dpid, conn) = self.dpids.switch(key);
        self.dpid.text(dpid);
        self.conn.number(conn);
        self.event.number(Some(int(number)));
        self.ts_ns.number(Some(int(e.ts_ns)));
        self.message.number(e.message.map(int));
        self.kind.text(Some(e.kind.name()));
        self.in_table.flag(Some(e.kind.leaves_flow_in()));
        self.removed_reason.number(match e.kind {
            FlowEventKind::Removed { reason } => Some(reason.into()),
            _ => None,
        });
        let flow = &e.flow;
        self.match_
            .text_from(|out| write!(out, "{}", flow.match_).is_ok());
        self.priority.number(Some(flow.priority.into()));
        self.actions
            .text_from(|out| write!(out, "{}", Actions(&flow.actions)).is_ok());
        self.cookie.unsigned(Some(flow.cookie));
        self.idle_timeout.number(Some(flow.idle_timeout.into()));
        self.hard_timeout.number(Some(flow.hard_timeout.into()));
        self.flags.number(Some(flow.flags.into()));
        self.installed_ns.number(Some(int(flow.installed_ns)));
        self.len += 1;
    }
}
