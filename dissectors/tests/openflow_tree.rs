//! The field tree and one-line summaries of OpenFlow messages.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use ofscope_dissectors::openflow::{
    self, flow_match::ofpfw, port::ofpp, Action, Body, FlowMod, IntoMessage, Match, Message,
    PacketIn, PacketOut,
};
use ofscope_dissectors::tree::{Kind, Tree, Value};

fn tree(m: &Message) -> Tree {
    let mut t = Tree::new();
    m.build_tree(&mut t);
    t
}

fn flow_mod() -> Message {
    FlowMod {
        match_: Match {
            wildcards: ofpfw::ALL & !(ofpfw::IN_PORT | ofpfw::DL_SRC | ofpfw::DL_DST),
            in_port: 1,
            dl_src: [0, 0, 0, 0, 0, 1],
            dl_dst: [0, 0, 0, 0, 0, 2],
            ..Match::default()
        },
        idle_timeout: 10,
        hard_timeout: 30,
        actions: vec![Action::output(2)],
        ..FlowMod::default()
    }
    .with_xid(5)
}

#[test]
fn flow_mod_summary_is_ovs_style() {
    assert_eq!(
        flow_mod().summary(),
        "FLOW_MOD xid=0x5 ADD priority=32768,in_port=1,dl_src=00:00:00:00:00:01,\
         dl_dst=00:00:00:00:00:02 actions=output:2 idle=10 hard=30"
    );
}

#[test]
fn flow_mod_tree_has_match_and_actions() {
    let m = flow_mod();
    let t = tree(&m);
    let keys: Vec<&str> = t.fields.iter().take(4).map(|f| f.key()).collect();
    assert_eq!(keys, ["of.version", "of.type", "of.length", "of.xid"]);
    assert_eq!(
        t.first("of.type").map(|f| f.value.to_string()),
        Some("FLOW_MOD (14)".into())
    );
    let src = t.first("of.match.dl_src").expect("dl_src");
    assert_eq!(src.value, Value::Mac([0, 0, 0, 0, 0, 1]));
    // ofp_match starts right after the header; dl_src is its bytes 6..12.
    assert_eq!(src.range, 14..20);
    assert!(
        t.first("of.match.nw_src").is_none(),
        "wildcarded fields are not shown"
    );
    let command = t.first("of.flow_mod.command").expect("command");
    assert_eq!(command.value.to_string(), "ADD (0)");
    let list = t.first("of.actions").expect("actions");
    assert_eq!(list.kind(), Kind::List);
    assert_eq!(list.range, 72..80);
    let port = t.first("of.output.port").expect("output port");
    assert_eq!(port.value, Value::Uint(2));
    assert_eq!(port.range, 76..78);
    let action = t.first("of.action").expect("action group");
    assert_eq!((action.kind(), action.depth), (Kind::Group, list.depth + 1));
}

#[test]
fn packet_in_summary_tree_and_offsets() {
    let frame: Vec<u8> = (0..42).collect();
    let m = PacketIn {
        buffer_id: openflow::NO_BUFFER,
        total_len: 42,
        in_port: 3,
        reason: 0,
        data: frame,
    }
    .with_xid(0);
    assert!(
        m.summary()
            .starts_with("PACKET_IN xid=0x0 in_port=3 NO_MATCH buffer=none total_len=42"),
        "{}",
        m.summary()
    );
    let t = tree(&m);
    let in_port = t.first("of.packet_in.in_port").expect("in_port");
    assert_eq!(in_port.range, 14..16);
    assert_eq!(
        t.first("of.packet_in.buffer_id").map(|f| f.value.clone()),
        Some(Value::Named {
            value: 0xffff_ffff,
            name: "NONE"
        })
    );
    // The frame starts at offset 18, not at sizeof(ofp_packet_in) = 20.
    let data = t.first("data").expect("data group");
    assert_eq!((data.kind(), data.range.clone()), (Kind::Group, 18..60));
    assert!(t.first("of.packet_in.truncated").is_none());
}

#[test]
fn special_ports_are_named() {
    let m = PacketOut {
        buffer_id: 7,
        in_port: ofpp::CONTROLLER,
        actions: vec![Action::output(ofpp::FLOOD)],
        data: Vec::new(),
    }
    .with_xid(9);
    assert_eq!(
        m.summary(),
        "PACKET_OUT xid=0x9 in_port=CONTROLLER actions=FLOOD buffer=0x00000007"
    );
    let t = tree(&m);
    assert_eq!(
        t.first("of.output.port").map(|f| f.value.to_string()),
        Some("FLOOD (65531)".into())
    );
    assert!(t.first("data").is_none(), "no frame when buffered");
}

#[test]
fn normalised_match_in_summary() {
    let m = FlowMod {
        match_: Match {
            wildcards: ofpfw::ALL & !(ofpfw::DL_TYPE | ofpfw::NW_PROTO | ofpfw::TP_SRC),
            dl_type: 0x0800,
            nw_proto: 21,
            tp_src: 443,
            nw_src: Ipv4Addr::new(1, 2, 3, 4),
            ..Match::default()
        },
        ..FlowMod::default()
    }
    .with_xid(1);
    // tp_src cannot apply to IP protocol 21: ovs-ofctl drops it, and so do we.
    assert_eq!(
        m.summary(),
        "FLOW_MOD xid=0x1 ADD priority=32768,ip,nw_proto=21 actions=drop"
    );
}

#[test]
fn malformed_and_other_versions() {
    let short = openflow::parse(&[1, 0, 0]);
    assert!(short.is_malformed());
    assert_eq!(short.emit(), [1, 0, 0]);
    let t = tree(&short);
    assert!(t.first("of.malformed.reason").is_some());

    let of13 = openflow::parse(&[4, 10, 0, 8, 0, 0, 0, 1]);
    // OpenFlow 1.3 names type 10 as 1.0 does; the summary still says which version it is.
    assert_eq!(of13.type_name(), "PACKET_IN");
    assert_eq!(
        of13.summary(),
        "OpenFlow 1.3 type 10 (PACKET_IN) xid=0x1 length=8, body not decoded"
    );
    assert_eq!(
        tree(&of13).first("of.version").map(|f| f.value.to_string()),
        Some("OpenFlow 1.3 (4)".into())
    );

    let of13_hello = openflow::parse(&[4, 0, 0, 16, 0, 0, 0, 2, 0, 1, 0, 8, 0, 0, 0, 0x12]);
    assert_eq!(
        of13_hello.summary(),
        "OpenFlow 1.3 type 0 (HELLO) xid=0x2 version bitmap: 0x01, 0x04"
    );
    assert_eq!(of13_hello.emit()[0], 4);

    let bad_action = openflow::parse(&[
        1, 13, 0, 24, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 8, 0, 0, 0, 8, 0xff, 0xff, 0, 0,
    ]);
    assert!(
        bad_action.summary().contains("OFPBAC_BAD_OUT_PORT"),
        "{}",
        bad_action.summary()
    );
}

#[test]
fn nonzero_padding_still_decodes_and_emits_as_zeros() {
    // QUEUE_GET_CONFIG_REQUEST has two bytes of padding after its port.
    let bytes = [1, 20, 0, 12, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb];
    let m = openflow::parse(&bytes);
    assert!(matches!(m.body, Body::QueueGetConfigRequest(_)));
    assert_eq!(m.emit(), [1, 20, 0, 12, 0, 0, 0, 1, 0, 1, 0, 0]);
    assert_eq!(openflow::parse(&m.emit()), m);
}

/// Issue 13: `emit` returned the captured bytes of a message whose padding was not zero,
/// so a change to a parsed PACKET_IN was lost.
#[test]
fn emit_writes_a_changed_field_of_a_message_parsed_with_nonzero_padding() {
    // PACKET_IN, buffer 0x100, total_len 4, in_port 1, reason 0, padding 0xee, 4 data bytes.
    let bytes = [
        1, 10, 0, 22, 0, 0, 0, 9, 0, 0, 1, 0, 0, 4, 0, 1, 0, 0xee, 1, 2, 3, 4,
    ];
    let mut m = openflow::parse(&bytes);
    let Body::PacketIn(packet_in) = &mut m.body else {
        panic!("expected a PACKET_IN: {}", m.summary());
    };
    packet_in.in_port = 7;
    let out = m.emit();
    assert_eq!(&out[14..16], [0, 7], "in_port as set");
    assert_eq!(out[17], 0, "padding written as zero");
    assert_eq!(out.len(), bytes.len());
    assert_eq!(openflow::parse(&out).summary(), m.summary());
}

fn corpus_messages() -> Vec<Vec<u8>> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpora/corpus_index.jsonl"
    ));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|r| {
            let hex = r["hex"].as_str().unwrap_or("").to_owned();
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect()
        })
        .collect()
}

/// Every corpus message cut at every length the header survives: truncated, never
/// malformed for the cut alone, no field past the cut, the same bytes back.
#[test]
fn every_cut_of_every_corpus_message_is_truncated_not_malformed() {
    let mut cuts = 0;
    for bytes in corpus_messages() {
        let whole = openflow::parse(&bytes);
        if whole.is_malformed() || whole.header.length as usize != bytes.len() {
            continue;
        }
        for len in 8..bytes.len() {
            let cut = openflow::parse(&bytes[..len]);
            assert!(
                cut.is_truncated() && !cut.is_malformed(),
                "{}",
                cut.summary()
            );
            assert_eq!(cut.emit(), &bytes[..len]);
            assert!(
                tree(&cut).fields.iter().all(|f| f.range.end <= len),
                "a field past the cut: {}",
                cut.summary()
            );
            cuts += 1;
        }
    }
    assert!(cuts > 1000, "only {cuts} cuts: is the corpus there?");
}

/// Every field of every corpus message lies inside the message, and nesting is sound.
#[test]
fn corpus_trees_are_well_formed() {
    let messages = corpus_messages();
    let mut fields = 0;
    for bytes in &messages {
        let m = openflow::parse(bytes);
        assert_eq!(&m.emit(), bytes, "round trip of {}", m.summary());
        let t = tree(&m);
        let mut prev_depth = 0;
        for (i, f) in t.fields.iter().enumerate() {
            assert!(
                f.range.end <= bytes.len(),
                "{} {:?} outside {} bytes: {}",
                f.key(),
                f.range,
                bytes.len(),
                m.summary()
            );
            if let Value::Bytes(r) = &f.value {
                assert!(r.end <= bytes.len(), "{} bytes {:?}", f.key(), r);
            }
            assert!(
                i == 0 || f.depth <= prev_depth + 1,
                "{} jumps depth",
                f.key()
            );
            prev_depth = f.depth;
            let _ = f.value.to_string();
        }
        fields += t.fields.len();
    }
    eprintln!(
        "[corpus_index] {} messages round-trip, {fields} tree fields in bounds",
        messages.len()
    );
    assert!(messages.len() > 100);
}
