//! The `flow_events` table: every change to each switch's flow table as the analysis
//! rebuilt it (what `--flows` shows): adds, replacing adds, modifies, deletes, removals
//! the switch reported, expiries, and flows known only from a stats reply. Each row holds
//! the flow as it was after the event (or as it left): replaying a switch's events in
//! `event` order, the last event of each (match, priority) that leaves the flow in gives
//! the table.

use std::fmt::Write;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder, UInt64Builder};
use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field};
use ofscope_dissectors::openflow::Actions;

use super::{int, int_field, switch_columns, text_field};
use crate::analysis::SwitchKey;
use crate::flow_table::{FlowEvent, FlowEventKind};

#[derive(Default)]
pub struct Rows {
    dpid: StringBuilder,
    conn: Int64Builder,
    number: Int64Builder,
    ts_ns: Int64Builder,
    message: Int64Builder,
    kind: StringBuilder,
    in_table: BooleanBuilder,
    removed_reason: Int64Builder,
    match_: StringBuilder,
    priority: Int64Builder,
    actions: StringBuilder,
    cookie: UInt64Builder,
    idle_timeout: Int64Builder,
    hard_timeout: Int64Builder,
    flags: Int64Builder,
    installed_ns: Int64Builder,
    len: usize,
    text: String,
}

impl Rows {
    pub fn push(&mut self, key: SwitchKey, number: u64, e: &FlowEvent) {
        let (dpid, conn) = switch_columns(key);
        self.dpid.append_option(dpid);
        self.conn.append_option(conn);
        self.number.append_value(int(number));
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

impl super::Rows for Rows {
    const NAME: &'static str = "flow_events";

    fn fields() -> Vec<Field> {
        vec![
            text_field("dpid"),
            int_field("conn"),
            int_field("event"),
            int_field("ts_ns"),
            int_field("message"),
            text_field("kind"),
            Field::new("in_table", DataType::Boolean, false),
            int_field("removed_reason"),
            text_field("match"),
            int_field("priority"),
            text_field("actions"),
            Field::new("cookie", DataType::UInt64, false),
            int_field("idle_timeout"),
            int_field("hard_timeout"),
            int_field("flags"),
            int_field("installed_ns"),
        ]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn columns(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.dpid.finish()),
            Arc::new(self.conn.finish()),
            Arc::new(self.number.finish()),
            Arc::new(self.ts_ns.finish()),
            Arc::new(self.message.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.in_table.finish()),
            Arc::new(self.removed_reason.finish()),
            Arc::new(self.match_.finish()),
            Arc::new(self.priority.finish()),
            Arc::new(self.actions.finish()),
            Arc::new(self.cookie.finish()),
            Arc::new(self.idle_timeout.finish()),
            Arc::new(self.hard_timeout.finish()),
            Arc::new(self.flags.finish()),
            Arc::new(self.installed_ns.finish()),
        ]
    }
}
