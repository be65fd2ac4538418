//! The `latency` table: one row per outcome of the pairing behind `--latency`: each
//! PacketIn with the message that answered it (or none in the pair window), and each
//! request (echo, barrier, features, config, stats) with its reply (or none).

use ofscope_dissectors::openflow::types::{self, ofpt};
use ofscope_dissectors::openflow::OFP_VERSION;

use super::{int, DpidNames};
use crate::analysis::latency::At;
use crate::analysis::{Decisions, SwitchKey};
use crate::output::json::push_mac;

/// The `kind` of a PacketIn's row: its message type's name.
fn packet_in_kind() -> &'static str {
    types::msg_type(OFP_VERSION, ofpt::PACKET_IN).map_or("PACKET_IN", |t| t.name)
}

builder_rows! {
    "latency" from Decisions {
        dpid: StringBuilder => Utf8,
        conn: Int64Builder => Int64,
        kind: StringBuilder => Utf8,
        from: StringBuilder => Utf8,
        request_message: Int64Builder => Int64,
        request_frame: Int64Builder => Int64,
        request_ts_ns: Int64Builder => Int64,
        answer_message: Int64Builder => Int64,
        answer_frame: Int64Builder => Int64,
        answer_ts_ns: Int64Builder => Int64,
        latency_ns: Int64Builder => Int64,
        rule: StringBuilder => Utf8,
        src: StringBuilder => Utf8,
        dst: StringBuilder => Utf8,
    }
    scratch {
        text: String,
        dpids: DpidNames,
    }
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
    fn add(&mut self, decisions: &Decisions) {
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
        let (dpid, conn) = self.dpids.switch(o.key);
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
