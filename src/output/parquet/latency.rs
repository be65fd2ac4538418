//! The `latency` table: one row per outcome of the pairing behind `--latency`: each
//! PacketIn with the message that answered it (or none in the pair window), and each
//! request (echo, barrier, features, config, stats) with its reply (or none).

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::ArrayRef;
use arrow_schema::Field;
use ofscope_dissectors::openflow::types::{self, ofpt};
use ofscope_dissectors::openflow::OFP_VERSION;

use super::{int, int_field, switch_columns, text_field};
use crate::analysis::latency::At;
use crate::analysis::{Decisions, SwitchKey};
use crate::output::json::push_mac;

/// The `kind` of a PacketIn's row: its message type's name.
fn packet_in_kind() -> &'static str {
    types::msg_type(OFP_VERSION, ofpt::PACKET_IN).map_or("PACKET_IN", |t| t.name)
}

#[derive(Default)]
pub struct Rows {
    dpid: StringBuilder,
    conn: Int64Builder,
    kind: StringBuilder,
    from: StringBuilder,
    request_message: Int64Builder,
    request_frame: Int64Builder,
    request_ts_ns: Int64Builder,
    answer_message: Int64Builder,
    answer_frame: Int64Builder,
    answer_ts_ns: Int64Builder,
    latency_ns: Int64Builder,
    rule: StringBuilder,
    src: StringBuilder,
    dst: StringBuilder,
    len: usize,
    text: String,
}

/// One outcome, as a row.
struct Outcome {
    key: SwitchKey,
    kind: &'static str,
    from_switch: bool,
    request: At,
    answer: Option<At>,
    latency_ns: Option<u64>,
    rule: Option<&'static str>,
    hosts: Option<([u8; 6], [u8; 6])>,
}

impl Rows {
    pub fn push(&mut self, decisions: &Decisions) {
        for (key, p) in &decisions.pairs {
            self.row(Outcome {
                key: *key,
                kind: packet_in_kind(),
                from_switch: true,
                request: p.packet_in,
                answer: Some(p.answer),
                latency_ns: Some(p.latency_ns()),
                rule: Some(p.rule.name()),
                hosts: Some(p.hosts),
            });
        }
        for (key, u) in &decisions.unanswered {
            self.row(Outcome {
                key: *key,
                kind: packet_in_kind(),
                from_switch: true,
                request: u.packet_in,
                answer: None,
                latency_ns: None,
                rule: None,
                hosts: Some(u.hosts),
            });
        }
        for (key, q) in &decisions.requests {
            self.row(Outcome {
                key: *key,
                kind: q.kind,
                from_switch: q.from_switch,
                request: q.request,
                answer: q.reply,
                latency_ns: q.latency_ns(),
                rule: None,
                hosts: None,
            });
        }
    }

    fn row(&mut self, o: Outcome) {
        let (dpid, conn) = switch_columns(o.key);
        self.dpid.append_option(dpid);
        self.conn.append_option(conn);
        self.kind.append_value(o.kind);
        self.from.append_value(if o.from_switch {
            "switch"
        } else {
            "controller"
        });
        self.request_message.append_value(int(o.request.index));
        self.request_frame.append_value(int(o.request.frame));
        self.request_ts_ns.append_value(int(o.request.ts_ns));
        self.answer_message
            .append_option(o.answer.map(|a| int(a.index)));
        self.answer_frame
            .append_option(o.answer.map(|a| int(a.frame)));
        self.answer_ts_ns
            .append_option(o.answer.map(|a| int(a.ts_ns)));
        self.latency_ns.append_option(o.latency_ns.map(int));
        self.rule.append_option(o.rule);
        for (column, mac) in [
            (&mut self.src, o.hosts.map(|h| h.0)),
            (&mut self.dst, o.hosts.map(|h| h.1)),
        ] {
            match mac {
                Some(mac) => {
                    self.text.clear();
                    push_mac(&mut self.text, &mac);
                    column.append_value(&self.text);
                }
                None => column.append_null(),
            }
        }
        self.len += 1;
    }
}

impl super::Rows for Rows {
    const NAME: &'static str = "latency";

    fn fields() -> Vec<Field> {
        vec![
            text_field("dpid"),
            int_field("conn"),
            text_field("kind"),
            text_field("from"),
            int_field("request_message"),
            int_field("request_frame"),
            int_field("request_ts_ns"),
            int_field("answer_message"),
            int_field("answer_frame"),
            int_field("answer_ts_ns"),
            int_field("latency_ns"),
            text_field("rule"),
            text_field("src"),
            text_field("dst"),
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
            Arc::new(self.kind.finish()),
            Arc::new(self.from.finish()),
            Arc::new(self.request_message.finish()),
            Arc::new(self.request_frame.finish()),
            Arc::new(self.request_ts_ns.finish()),
            Arc::new(self.answer_message.finish()),
            Arc::new(self.answer_frame.finish()),
            Arc::new(self.answer_ts_ns.finish()),
            Arc::new(self.latency_ns.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.src.finish()),
            Arc::new(self.dst.finish()),
        ]
    }
}
