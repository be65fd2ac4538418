//! Messages cut short by the capture (snaplen, lost segments) decode as far as they go.
use ofscope_dissectors::openflow::Body;
use ofscope_dissectors::openflow::{
    self, Action, FeaturesReply, FlowMod, IntoMessage, Match, PacketOut, PhyPort,
};
use ofscope_dissectors::tree::{Tree, Value};

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

fn tree_of(message: &openflow::Message) -> Tree {
    let mut tree = Tree::new();
    message.build_tree(&mut tree);
    tree
}

/// The field's value as the tree shows it, or `None` when the tree leaves it out.
fn shown(tree: &Tree, key: &str) -> Option<String> {
    tree.first(key).map(|f| f.value.to_string())
}

/// Checks what every cut message must be: truncated, never malformed, decoded from a
/// consistent prefix, re-emitted as the bytes it came from, no field past the cut.
fn assert_cut_well(cut: &[u8]) -> openflow::Message {
    let message = openflow::parse(cut);
    let summary = message.summary();
    assert!(message.is_truncated(), "{summary}");
    assert!(!message.is_malformed(), "{summary}");
    assert!(
        !matches!(
            message.body,
            Body::Cut {
                decoded: Err(_),
                ..
            }
        ),
        "a consistent prefix must decode: {summary}"
    );
    assert!(
        summary.contains(&format!("[truncated: {} of", cut.len())),
        "{summary}"
    );
    assert_eq!(message.emit(), cut);
    let tree = tree_of(&message);
    for field in &tree.fields {
        assert!(
            field.range.end <= cut.len(),
            "{} at {:?} past the cut at {}: {summary}",
            field.key(),
            field.range,
            cut.len()
        );
        if let Value::Bytes(bytes) = &field.value {
            assert!(bytes.end <= cut.len(), "{} bytes {bytes:?}", field.key());
        }
    }
    message
}

/// A FEATURES_REPLY with two ports, as a switch sends it (176 bytes).
fn features_reply() -> Vec<u8> {
    let port = |port_no: u16, name: &str| PhyPort {
        port_no,
        hw_addr: [2, 0, 0, 0, 0, port_no as u8],
        name: name.into(),
        ..PhyPort::default()
    };
    FeaturesReply {
        datapath_id: 0x0000_5054_0000_0001,
        n_buffers: 256,
        n_tables: 2,
        capabilities: 0xc7,
        actions: 0xfff,
        ports: vec![port(1, "s1-eth1"), port(2, "s1-eth2")],
    }
    .with_xid(2)
    .emit()
}

fn flow_mod() -> Vec<u8> {
    FlowMod {
        match_: Match {
            wildcards: 0,
            in_port: 1,
            dl_src: [0, 0, 0, 0, 0, 1],
            dl_dst: [0, 0, 0, 0, 0, 2],
            dl_vlan: 0xffff,
            dl_type: 0x0806,
            ..Match::default()
        },
        cookie: 0x77,
        idle_timeout: 10,
        actions: vec![Action::SetDlSrc([2, 0, 0, 0, 0, 9]), Action::output(2)],
        ..FlowMod::default()
    }
    .with_xid(5)
    .emit()
}

fn packet_out() -> Vec<u8> {
    PacketOut {
        buffer_id: 0x111,
        in_port: 3,
        actions: vec![Action::SetDlSrc([2, 0, 0, 0, 0, 9]), Action::output(1)],
        data: hex(PACKET_IN)[18..].to_vec(),
    }
    .with_xid(7)
    .emit()
}

/// Issue 12: a cut FEATURES_REPLY was malformed and the session lost the switch's dpid.
#[test]
fn cut_features_reply_keeps_its_dpid_and_what_else_was_captured() {
    let whole = features_reply();
    let dpid_only = assert_cut_well(&whole[..16]);
    assert_eq!(dpid_only.datapath_id(), Some(0x0000_5054_0000_0001));
    let tree = tree_of(&dpid_only);
    assert_eq!(
        shown(&tree, "of.features.datapath_id").as_deref(),
        Some("0x0000505400000001")
    );
    assert_eq!(shown(&tree, "of.features.n_buffers"), None, "not captured");
    assert!(
        dpid_only
            .summary()
            .contains("datapath_id=0x0000505400000001"),
        "{}",
        dpid_only.summary()
    );

    let with_buffers = assert_cut_well(&whole[..21]);
    let tree = tree_of(&with_buffers);
    assert_eq!(
        shown(&tree, "of.features.n_buffers").as_deref(),
        Some("256")
    );
    assert_eq!(shown(&tree, "of.features.n_tables").as_deref(), Some("2"));
    assert_eq!(shown(&tree, "of.features.capabilities"), None);

    // Cut inside the first port: the port's number and address are there, not its name.
    let in_port = assert_cut_well(&whole[..32 + 10]);
    let tree = tree_of(&in_port);
    assert_eq!(shown(&tree, "of.port.port_no").as_deref(), Some("1"));
    assert_eq!(shown(&tree, "of.port.name"), None);
    assert_eq!(in_port.datapath_id(), Some(0x0000_5054_0000_0001));

    // Fewer than 16 bytes: the dpid is not known, and nothing says it is.
    assert_eq!(assert_cut_well(&whole[..15]).datapath_id(), None);
}

#[test]
fn cut_packet_in_inside_its_fixed_part_keeps_what_is_there() {
    let whole = hex(PACKET_IN);
    let message = assert_cut_well(&whole[..15]);
    let tree = tree_of(&message);
    assert_eq!(
        shown(&tree, "of.packet_in.buffer_id").as_deref(),
        Some("NONE (4294967295)")
    );
    assert_eq!(shown(&tree, "of.packet_in.in_port"), None);
}

#[test]
fn cut_packet_out_keeps_its_port_buffer_and_whole_actions() {
    let whole = packet_out();
    // The header (8), buffer/in_port/actions_len (8), the 16-byte SET_DL_SRC, half the OUTPUT.
    let message = assert_cut_well(&whole[..36]);
    let tree = tree_of(&message);
    assert_eq!(shown(&tree, "of.packet_out.in_port").as_deref(), Some("3"));
    assert_eq!(
        shown(&tree, "of.packet_out.buffer_id").as_deref(),
        Some("0x00000111")
    );
    assert_eq!(
        shown(&tree, "of.action.dl_addr").as_deref(),
        Some("02:00:00:00:00:09")
    );
    assert!(tree.first("data").is_none(), "no frame was captured");

    // Cut inside the second action's length: the list holds the first action only, so the
    // actions_len the tree would compute from it (16) is not shown; the wire says 24.
    let in_length = assert_cut_well(&whole[..35]);
    let tree = tree_of(&in_length);
    assert_eq!(tree.find("of.action").count(), 1);
    assert_eq!(shown(&tree, "of.packet_out.actions_len"), None);

    // Cut inside the frame: a typed PACKET_OUT whose frame is the captured prefix.
    let in_frame = assert_cut_well(&whole[..whole.len() - 20]);
    let Body::PacketOut(packet_out) = &in_frame.body else {
        panic!("expected a PACKET_OUT, got {:?}", in_frame.body);
    };
    assert_eq!(packet_out.actions.len(), 2);
    assert!(tree_of(&in_frame).first("frame.truncated").is_some());
}

/// Issue 12: a FLOW_MOD cut before its actions was malformed; its match, cookie and
/// command were lost.
#[test]
fn cut_flow_mod_keeps_match_cookie_and_command_as_far_as_present() {
    let whole = flow_mod();
    // Header 8, wildcards 4, in_port 2, dl_src 6, then dl_dst: cut 4 bytes into dl_dst.
    let in_match = assert_cut_well(&whole[..24]);
    let tree = tree_of(&in_match);
    assert_eq!(shown(&tree, "of.match.in_port").as_deref(), Some("1"));
    assert_eq!(
        shown(&tree, "of.match.dl_src").as_deref(),
        Some("00:00:00:00:00:01")
    );
    assert_eq!(shown(&tree, "of.match.dl_dst"), None, "cut inside dl_dst");
    assert_eq!(shown(&tree, "of.flow_mod.command"), None);

    // Then cookie 48..56, command 56..58, idle 58..60, hard 60..62, priority 62..64.
    let before_actions = assert_cut_well(&whole[..61]);
    let tree = tree_of(&before_actions);
    assert_eq!(shown(&tree, "of.flow_mod.cookie").as_deref(), Some("0x77"));
    assert_eq!(
        shown(&tree, "of.flow_mod.command").as_deref(),
        Some("ADD (0)")
    );
    assert_eq!(
        shown(&tree, "of.flow_mod.idle_timeout").as_deref(),
        Some("10")
    );
    assert_eq!(shown(&tree, "of.flow_mod.hard_timeout"), None);
}

/// Every cut of a message whose captured bytes are consistent is truncated, decoded and
/// never malformed; a whole one still round-trips.
#[test]
fn every_cut_of_these_messages_is_truncated_not_malformed() {
    for whole in [features_reply(), flow_mod(), packet_out(), hex(PACKET_IN)] {
        let message = openflow::parse(&whole);
        assert!(!message.is_truncated() && !message.is_malformed());
        assert_eq!(message.emit(), whole);
        for len in 8..whole.len() {
            assert_cut_well(&whole[..len]);
        }
    }
}

/// A cut message of another version keeps its type and xid and is not malformed.
#[test]
fn cut_message_of_another_version_is_truncated_not_malformed() {
    let message = openflow::parse(&hex("0413001800000001"));
    assert!(message.is_truncated());
    assert!(!message.is_malformed());
    assert_eq!(message.type_name(), "MULTIPART_REPLY");
    assert_eq!(message.header.xid, 1);
}
