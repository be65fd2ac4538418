//! The `flow_events` table: every change to each switch's flow table as the analysis
//! rebuilt it (what `--flows` shows): adds, replacing adds, modifies, deletes, removals
//! the switch reported, expiries, and flows known only from a stats reply. Each row holds
//! the flow as it was after the event (or as it left): replaying a switch's events in
//! `event` order, the last event of each (match, priority) that leaves the flow in gives
//! the table.

use std::fmt::Write;

use ofscope_dissectors::openflow::Actions;

use super::{int, DpidNames};
use crate::analysis::SwitchKey;
use crate::flow_table::{FlowEvent, FlowEventKind};

builder_rows! {
    "flow_events" from (SwitchKey, u64, FlowEvent) {
        dpid: StringBuilder => Utf8,
        conn: Int64Builder => Int64,
        event: Int64Builder => Int64,
        ts_ns: Int64Builder => Int64,
        message: Int64Builder => Int64,
        kind: StringBuilder => Utf8,
        in_table: BooleanBuilder => Boolean,
        removed_reason: Int64Builder => Int64,
        match_ as "match": StringBuilder => Utf8,
        priority: Int64Builder => Int64,
        actions: StringBuilder => Utf8,
        cookie: UInt64Builder => UInt64,
        idle_timeout: Int64Builder => Int64,
        hard_timeout: Int64Builder => Int64,
        flags: Int64Builder => Int64,
        installed_ns: Int64Builder => Int64,
    }
    scratch {
        text: String,
        dpids: DpidNames,
    }
}

impl Rows {
    fn add(&mut self, &(key, number, ref e): &(SwitchKey, u64, FlowEvent)) {
        let (dpid, conn) = self.dpids.switch(key);
        self.dpid.append_option(dpid);
        self.conn.append_option(conn);
        self.event.append_value(int(number));
        self.ts_ns.append_value(int(e.ts_ns));
        self.message.append_option(e.message.map(int));
        self.kind.append_value(e.kind.name());
        self.in_table.append_value(e.kind.leaves_flow_in());
        self.removed_reason.append_option(match e.kind {
            FlowEventKind::Removed { reason } => Some(reason.into()),
            _ => None,
        });
        let flow = &e.flow;
        self.text.clear();
        let _ = write!(self.text, "{}", flow.match_);
        self.match_.append_value(&self.text);
        self.priority.append_value(flow.priority.into());
        self.text.clear();
        let _ = write!(self.text, "{}", Actions(&flow.actions));
        self.actions.append_value(&self.text);
        self.cookie.append_value(flow.cookie);
        self.idle_timeout.append_value(flow.idle_timeout.into());
        self.hard_timeout.append_value(flow.hard_timeout.into());
        self.flags.append_value(flow.flags.into());
        self.installed_ns.append_value(int(flow.installed_ns));
        self.len += 1;
    }
}
