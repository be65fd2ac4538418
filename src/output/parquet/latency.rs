//! The `latency` table: one row per outcome of the pairing behind `--latency`: each
//! PacketIn with the message that answered it (or none in the pair window), and each
//! request (echo, barrier, features, config, stats) with its reply (or none).

use ofscope_dissectors::openflow::types::{self, ofpt};
use ofscope_dissectors::openflow::OFP_VERSION;

use super::{int, DpidNames};
use crate::analysis::latency::At;
use crate::analysis::{Decisions, SwitchKey};
use crate::output::json::mac_text;

/// The `kind` of a PacketIn's row: its message type's name.
fn packet_in_kind() -> &'static str {
    types::msg_type(OFP_VERSION, ofpt::PACKET_IN).map_or("PACKET_IN", |t| t.name)
}

column_rows! {
    "latency" from Decisions {
        dpid: Text,
        conn: Int64,
        kind: Text,
        from: Text,
        request_message: Int64,
        request_frame: Int64,
        request_ts_ns: Int64,
        answer_message: Int64,
        answer_frame: Int64,
        answer_ts_ns: Int64,
        latency_ns: Int64,
        rule: Text,
        src: Text,
        dst: Text,
    }
    scratch {
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
        self.dpid.text(dpid);
        self.conn.number(conn);
        self.kind.text(Some(o.kind));
        self.from.text(Some(if o.from_switch {
            "switch"
        } else {
            "controller"
        }));
        self.request_message.number(Some(int(o.request.index)));
        self.request_frame.number(Some(int(o.request.frame)));
        self.request_ts_ns.number(Some(int(o.request.ts_ns)));
        self.answer_message.number(o.answer.map(|a| int(a.index)));
        self.answer_frame.number(o.answer.map(|a| int(a.frame)));
        self.answer_ts_ns.number(o.answer.map(|a| int(a.ts_ns)));
        self.latency_ns.number(o.latency_ns.map(int));
        self.rule.text(o.rule);
        for (column, mac) in [
            (&mut self.src, o.hosts.map(|h| h.0)),
            (&mut self.dst, o.hosts.map(|h| h.1)),
        ] {
            column.text_from(|out| mac.map(|m| out.extend_from_slice(&mac_text(&m))).is_some());
        }
        self.len += 1;
    }
}
