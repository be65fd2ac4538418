//! Messages cut short by the capture (snaplen, lost segments) decode as far as they go.
use ofscope_dissectors::openflow::{self, Body};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// PACKET_IN, in_port 1, total_len 42, an ARP request (as Open vSwitch sends it).
const PACKET_IN: &str = "010a003c00000000ffffffff002a00010000ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000002";

#[test]
fn cut_packet_in_keeps_its_fixed_fields() {
    let whole = hex(PACKET_IN);
    let cut = &whole[..30];
    let message = openflow::parse(cut);
    assert!(message.is_truncated());
    let Body::PacketIn(packet_in) = &message.body else {
        panic!("expected a PACKET_IN, got {:?}", message.body);
    };
    assert_eq!(packet_in.in_port, 1);
    assert_eq!(packet_in.total_len, 42);
    assert_eq!(packet_in.data.len(), 12);
    assert!(
        message.summary().ends_with("[truncated: 30 of 60 bytes]"),
        "{}",
        message.summary()
    );
    assert_eq!(message.emit(), cut);
    let mut tree = ofscope_dissectors::tree::Tree::new();
    message.build_tree(&mut tree);
    assert!(tree.first("of.truncated").is_some());
    assert!(
        tree.fields.iter().all(|f| f.range.end <= cut.len()),
        "a field points past the cut"
    );
}

#[test]
fn whole_message_is_not_truncated() {
    let message = openflow::parse(&hex(PACKET_IN));
    assert!(!message.is_truncated());
    assert!(!message.summary().contains("truncated:"));
}

#[test]
fn cut_inside_the_fixed_part_is_malformed() {
    // A FLOW_MOD needs 72 bytes before its actions.
    let mut flow_mod = hex("010e0048000000050000000000000000");
    flow_mod.resize(30, 0);
    let message = openflow::parse(&flow_mod);
    assert!(message.is_malformed());
    assert!(!message.is_truncated());
    assert_eq!(message.emit(), flow_mod);
}
