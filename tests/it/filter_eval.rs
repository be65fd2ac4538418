//! Display-filter evaluation on hand-built field trees shaped like the dissector's.

use std::net::{Ipv4Addr, Ipv6Addr};

use ofscope::filter::{Context, Filter};
use ofscope::stream::ConnId;
use ofscope_dissectors::fields;
use ofscope_dissectors::tree::{FieldDef, FlagNames, Tree, Value};
use proptest::prelude::*;

/// Where the messages came from: nothing these tests look at.
const CONTEXT: Context = Context {
    frame: 1,
    ts_ns: 0,
    origin_ns: 0,
    conn: ConnId(0),
    dpid: None,
    from_switch: true,
    channel: None,
};

/// The declaration of a key, which must exist.
fn def(key: &str) -> &'static FieldDef {
    fields::lookup(key).unwrap_or_else(|| panic!("{key} is not declared"))
}

/// A message with its tree, as the CLI and TUI will hold them.
struct Msg {
    bytes: Vec<u8>,
    tree: Tree,
}

/// PACKET_IN (xid 0x2a, in_port 1, NO_MATCH) carrying a QinQ-tagged ARP request
/// 10.0.0.1 → who-has 10.0.0.2, outer VLAN 10, inner VLAN 20.
fn packet_in_arp() -> Msg {
    let sha = [0, 0, 0, 0, 0, 1];
    let mut frame = Vec::new();
    frame.extend([0xff; 6]);
    frame.extend(sha);
    frame.extend([0x81, 0x00, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x06]);
    frame.extend([0, 1, 8, 0, 6, 4, 0, 1]);
    frame.extend(sha);
    frame.extend([10, 0, 0, 1]);
    frame.extend([0; 6]);
    frame.extend([10, 0, 0, 2]);
    let length = 18 + frame.len();
    let mut bytes = vec![1, 10, 0, length as u8, 0, 0, 0, 0x2a];
    bytes.extend([0xff, 0xff, 0xff, 0xff, 0, frame.len() as u8, 0, 1, 0, 0]);
    bytes.extend(&frame);

    let mut t = Tree::new();
    header(&mut t, 10, "PACKET_IN", length, 0x2a);
    t.open(def("of.packet_in"), 8..length);
    t.leaf(
        def("of.packet_in.buffer_id"),
        Value::Hex {
            value: 0xffff_ffff,
            digits: 8,
        },
        8..12,
    );
    t.leaf(
        def("of.packet_in.total_len"),
        Value::Uint(frame.len() as u64),
        12..14,
    );
    t.leaf(def("of.packet_in.in_port"), Value::Uint(1), 14..16);
    t.leaf(
        def("of.packet_in.reason"),
        Value::Named {
            value: 0,
            name: "NO_MATCH",
        },
        16..17,
    );
    t.open_with(
        def("data"),
        Value::Text("ARP who-has 10.0.0.2 tell 10.0.0.1".into()),
        18..length,
    );
    t.with_base(18, |t| {
        t.leaf(def("payload"), Value::Bytes(0..frame.len()), 0..frame.len());
        t.open(def("eth"), 0..12);
        t.leaf(def("eth.dst"), Value::Mac([0xff; 6]), 0..6);
        t.leaf(def("eth.src"), Value::Mac(sha), 6..12);
        t.close();
        t.open(def("vlan"), 12..20);
        for (i, id) in [10u64, 20].into_iter().enumerate() {
            let at = 12 + 4 * i;
            t.open(def("vlan.tag"), at..at + 4);
            t.leaf(def("vlan.pcp"), Value::Uint(0), at + 2..at + 3);
            t.leaf(def("vlan.id"), Value::Uint(id), at + 2..at + 4);
            t.close();
        }
        t.close();
        t.open(def("arp"), 22..50);
        t.leaf(
            def("arp.ptype"),
            Value::Hex {
                value: 0x0800,
                digits: 4,
            },
            24..26,
        );
        t.leaf(
            def("arp.op"),
            Value::Named {
                value: 1,
                name: "REQUEST",
            },
            28..30,
        );
        t.leaf(def("arp.sha"), Value::Mac(sha), 30..36);
        t.leaf(
            def("arp.spa"),
            Value::Ipv4(Ipv4Addr::new(10, 0, 0, 1)),
            36..40,
        );
        t.leaf(def("arp.tha"), Value::Mac([0; 6]), 40..46);
        t.leaf(
            def("arp.tpa"),
            Value::Ipv4(Ipv4Addr::new(10, 0, 0, 2)),
            46..50,
        );
        t.close();
    });
    t.close();
    t.close();
    Msg { bytes, tree: t }
}

const FLOW_MOD_FLAGS: FlagNames = &[(1, "SEND_FLOW_REM"), (2, "CHECK_OVERLAP"), (4, "EMERG")];

/// FLOW_MOD (xid 7) ADD nw_src=10.0.1.0/24, flags SEND_FLOW_REM,
/// actions=output:2,CONTROLLER:65535.
fn flow_mod() -> Msg {
    let bytes = vec![0; 88];
    let mut t = Tree::new();
    header(&mut t, 14, "FLOW_MOD", 88, 7);
    t.open(def("of.flow_mod"), 8..88);
    t.open(def("of.match"), 8..48);
    t.leaf(
        def("of.match.nw_src"),
        Value::Ipv4Prefix(Ipv4Addr::new(10, 0, 1, 0), 24),
        20..24,
    );
    t.close();
    t.leaf(
        def("of.flow_mod.command"),
        Value::Named {
            value: 0,
            name: "ADD",
        },
        56..58,
    );
    t.leaf(def("of.flow_mod.idle_timeout"), Value::Uint(60), 58..60);
    t.leaf(def("of.flow_mod.priority"), Value::Uint(0x8000), 62..64);
    t.leaf(
        def("of.flow_mod.flags"),
        Value::Flags {
            value: 1,
            names: FLOW_MOD_FLAGS,
        },
        70..72,
    );
    t.open(def("of.actions"), 72..88);
    for (i, port) in [
        Value::Uint(2),
        Value::Named {
            value: 0xfffd,
            name: "CONTROLLER",
        },
    ]
    .into_iter()
    .enumerate()
    {
        let at = 72 + 8 * i;
        t.open(def("of.action"), at..at + 8);
        t.leaf(
            def("of.action.type"),
            Value::Named {
                value: 0,
                name: "OUTPUT",
            },
            at..at + 2,
        );
        t.leaf(def("of.output.port"), port, at + 4..at + 6);
        t.close();
    }
    t.close();
    t.close();
    Msg { bytes, tree: t }
}

/// PACKET_OUT flooding an IPv6 packet, from a switch whose port is named in text; the
/// port numbers are plain numbers here, so symbolic ports resolve through the table.
fn packet_out_ipv6() -> Msg {
    let bytes = vec![0; 80];
    let mut t = Tree::new();
    header(&mut t, 13, "PACKET_OUT", 80, 0x1_0000);
    t.open(def("of.packet_out"), 8..80);
    t.leaf(def("of.packet_out.in_port"), Value::Uint(0xffff), 12..14);
    t.leaf(def("of.output.port"), Value::Uint(0xfffb), 16..18);
    t.leaf(def("of.port.name"), Value::Text("s1-eth1".into()), 0..0);
    t.leaf(
        def("ipv6.src"),
        Value::Ipv6("fe80::1".parse::<Ipv6Addr>().unwrap()),
        30..46,
    );
    t.leaf(def("ipv6.hlim"), Value::Uint(255), 29..30);
    t.leaf(def("frame.truncated"), Value::Bool(false), 0..0);
    t.close();
    Msg { bytes, tree: t }
}

fn header(t: &mut Tree, type_number: u64, name: &'static str, length: usize, xid: u64) {
    t.leaf(def("of.version"), Value::Uint(1), 0..1);
    t.leaf(
        def("of.type"),
        Value::Named {
            value: type_number,
            name,
        },
        1..2,
    );
    t.leaf(def("of.length"), Value::Uint(length as u64), 2..4);
    t.leaf(
        def("of.xid"),
        Value::Hex {
            value: xid,
            digits: 8,
        },
        4..8,
    );
}

/// Which of the three sample messages the filter selects, as a 3-letter mask: `I` for
/// the PACKET_IN, `F` for the FLOW_MOD, `O` for the PACKET_OUT, `-` for no match.
fn selects(expression: &str) -> String {
    let filter = Filter::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
    [
        (packet_in_arp(), 'I'),
        (flow_mod(), 'F'),
        (packet_out_ipv6(), 'O'),
    ]
    .iter()
    .map(|(m, tag)| {
        if filter.matches(&CONTEXT, &m.tree, &m.bytes) {
            *tag
        } else {
            '-'
        }
    })
    .collect()
}

#[track_caller]
fn check(cases: &[(&str, &str)]) {
    for (expression, expected) in cases {
        assert_eq!(selects(expression), *expected, "{expression}");
    }
}

#[test]
fn the_example_from_the_issue() {
    check(&[
        ("of.type == PACKET_IN && arp && vlan.id == 10", "I--"),
        ("of.type == PACKET_IN && arp && vlan.id == 30", "---"),
        ("of.type == FLOW_MOD && arp", "---"),
    ]);
}

#[test]
fn bare_names_mean_present() {
    check(&[
        ("arp", "I--"),
        ("vlan", "I--"),
        ("lldp", "---"),
        ("icmp", "---"),
        ("of.packet_in", "I--"),
        ("of", "IFO"),
        ("eth.src", "I--"),
        ("data", "I--"),
        ("frame.truncated", "--O"),
        // Every message has a frame number.
        ("frame", "IFO"),
        // None of these knows its switch.
        ("of.dpid", "---"),
    ]);
    // A prefix must stop at a dot: `ar` is not `arp`, so it is no field at all.
    assert!(Filter::parse("ar").is_err());
}

#[test]
fn message_types_by_name_number_and_prefix() {
    check(&[
        ("of.type == PACKET_IN", "I--"),
        ("of.type == OFPT_PACKET_IN", "I--"),
        ("of.type == packet_in", "I--"),
        ("of.type == 10", "I--"),
        ("of.type == 0xa", "I--"),
        ("of.type != PACKET_IN", "-FO"),
        ("of.type >= FLOW_MOD", "-F-"),
        ("of.type < PACKET_OUT", "I--"),
        ("of.type <= 13", "I-O"),
        ("of.type gt 10", "-FO"),
    ]);
}

#[test]
fn named_values_compare_by_name() {
    check(&[
        ("arp.op == REQUEST", "I--"),
        ("arp.op == reply", "---"),
        ("arp.op == \"REQUEST\"", "I--"),
        ("arp.op == 10.0.0.1", "---"),
        ("arp.op == 1", "I--"),
        ("of.packet_in.reason == NO_MATCH", "I--"),
        ("of.packet_in.reason == OFPR_NO_MATCH", "I--"),
        ("of.packet_in.reason == ACTION", "---"),
        ("of.flow_mod.command == ADD", "-F-"),
    ]);
}

#[test]
fn ports_by_name_on_named_and_plain_fields() {
    check(&[
        ("of.output.port == CONTROLLER", "-F-"),
        ("of.output.port == OFPP_CONTROLLER", "-F-"),
        ("of.output.port == 0xfffd", "-F-"),
        ("of.output.port == FLOOD", "--O"),
        ("of.output.port == OFPP_FLOOD", "--O"),
        ("of.packet_out.in_port == NONE", "--O"),
        ("of.packet_in.in_port == 1", "I--"),
        ("of.packet_in.in_port < LOCAL", "I--"),
    ]);
}

#[test]
fn numbers_in_decimal_and_hex() {
    check(&[
        ("of.xid == 42", "I--"),
        ("of.xid == 0x2a", "I--"),
        ("of.xid == 0x0000002A", "I--"),
        ("of.xid > 0xffff", "--O"),
        ("of.xid <= 7", "-F-"),
        ("of.length == 88", "-F-"),
        ("of.flow_mod.priority >= 32768", "-F-"),
        ("of.packet_in.buffer_id == 0xffffffff", "I--"),
        ("frame.truncated == false", "--O"),
        ("frame.truncated == true", "---"),
        ("frame.truncated == 0", "--O"),
    ]);
}

#[test]
fn macs() {
    check(&[
        ("eth.src == 00:00:00:00:00:01", "I--"),
        ("eth.src == 00:00:00:00:00:02", "---"),
        ("eth.dst == ff:ff:ff:ff:ff:ff", "I--"),
        ("eth.dst == FF:FF:FF:FF:FF:FF", "I--"),
        ("arp.tha < 00:00:00:00:00:01", "I--"),
        ("eth.src > 00:00:00:00:00:00", "I--"),
    ]);
}

#[test]
fn ipv4_addresses_and_networks() {
    check(&[
        ("arp.tpa == 10.0.0.2", "I--"),
        ("arp.tpa == 10.0.0.3", "---"),
        ("arp.tpa == 10.0.0.0/24", "I--"),
        ("arp.tpa == 10.0.0.3/31", "I--"),
        ("arp.tpa == 10.0.1.0/24", "---"),
        ("arp.tpa == 0.0.0.0/0", "I--"),
        ("arp.spa < 10.0.0.2", "I--"),
        ("arp.spa > 10.0.0.1", "---"),
        // A match prefix equals the same network written either way...
        ("of.match.nw_src == 10.0.1.0/24", "-F-"),
        ("of.match.nw_src == 10.0.1.77/24", "-F-"),
        ("of.match.nw_src == 10.0.1.0/16", "---"),
        ("of.match.nw_src == 10.0.1.0", "---"),
        // ...and contains the addresses and smaller networks inside it.
        ("of.match.nw_src contains 10.0.1.9", "-F-"),
        ("of.match.nw_src contains 10.0.1.128/25", "-F-"),
        ("of.match.nw_src contains 10.0.2.9", "---"),
        ("of.match.nw_src contains 10.0.0.0/16", "---"),
    ]);
}

#[test]
fn ipv6_addresses_and_networks() {
    check(&[
        ("ipv6.src == fe80::1", "--O"),
        ("ipv6.src == FE80:0:0:0:0:0:0:1", "--O"),
        ("ipv6.src == fe80::/10", "--O"),
        ("ipv6.src == fe80::2", "---"),
        ("ipv6.src == 2001:db8::/32", "---"),
        ("ipv6.src > ::1", "--O"),
        ("ipv6.hlim == 255", "--O"),
    ]);
}

#[test]
fn text_fields() {
    check(&[
        ("of.port.name == \"s1-eth1\"", "--O"),
        ("of.port.name == \"s1-eth2\"", "---"),
        ("of.port.name contains \"eth\"", "--O"),
        ("of.port.name contains eth1", "--O"),
        ("of.port.name contains \"ETH\"", "---"),
        ("data contains \"who-has 10.0.0.2\"", "I--"),
        ("of.port.name > \"s1\"", "--O"),
    ]);
}

#[test]
fn byte_fields() {
    check(&[
        // The ARP header inside the frame: hardware type 1, protocol 0x0800.
        ("payload contains 08:06:00:01:08:00", "I--"),
        ("payload contains 0x0806", "I--"),
        ("payload contains 81:00:00:14", "I--"),
        ("payload contains 81:00:00:1e", "---"),
        ("payload contains 0a:00:00:02", "I--"),
        // Six bytes read as a MAC are still bytes for a byte field.
        ("payload contains ff:ff:ff:ff:ff:ff", "I--"),
        // A quoted string is bytes too: "\n" is 0x0a, as in VLAN 10 and 10.0.0.x.
        ("payload contains \"\\n\"", "I--"),
        ("payload contains \"\\t\"", "---"),
    ]);
}

#[test]
fn flags_by_bit_name_and_mask() {
    check(&[
        ("of.flow_mod.flags contains SEND_FLOW_REM", "-F-"),
        ("of.flow_mod.flags contains OFPFF_SEND_FLOW_REM", "-F-"),
        ("of.flow_mod.flags contains send_flow_rem", "-F-"),
        ("of.flow_mod.flags contains CHECK_OVERLAP", "---"),
        ("of.flow_mod.flags contains NO_SUCH_FLAG", "---"),
        ("of.flow_mod.flags contains 0x1", "-F-"),
        ("of.flow_mod.flags contains 0x3", "---"),
        ("of.flow_mod.flags == 1", "-F-"),
        ("of.flow_mod.flags == SEND_FLOW_REM", "-F-"),
    ]);
}

#[test]
fn repeated_fields_match_if_any_occurrence_matches() {
    check(&[
        ("vlan.id == 10", "I--"),
        ("vlan.id == 20", "I--"),
        ("vlan.id == 10 && vlan.id == 20", "I--"),
        ("vlan.id > 15", "I--"),
        ("vlan.id < 5", "---"),
        // `!=`: present, and no occurrence equal.
        ("vlan.id != 10", "---"),
        ("vlan.id != 30", "I--"),
        // Absent fields satisfy no comparison, not even `!=`; negate `==` for that.
        ("vlan.id != 30 || !vlan", "IFO"),
        ("!(vlan.id == 10)", "-FO"),
        ("of.output.port == 2 && of.output.port == CONTROLLER", "-F-"),
        ("of.output.port != 2", "--O"),
    ]);
}

#[test]
fn precedence_negation_and_parentheses() {
    check(&[
        // && binds tighter than ||.
        ("arp || of.type == FLOW_MOD && of.xid == 0", "I--"),
        ("(arp || of.type == FLOW_MOD) && of.xid == 7", "-F-"),
        ("(arp || of.type == FLOW_MOD) && of.xid == 42", "I--"),
        ("arp || of.type == FLOW_MOD && of.xid == 7", "IF-"),
        ("!arp && !ipv6", "-F-"),
        ("!(arp || ipv6)", "-F-"),
        ("!arp || ipv6", "-FO"),
        ("not arp and not ipv6", "-F-"),
        ("arp or ipv6", "I-O"),
        ("!!arp", "I--"),
        ("! ! ! arp", "-FO"),
        ("((arp))", "I--"),
        ("of.type==PACKET_IN&&vlan.id==20", "I--"),
        ("arp AND vlan.id EQ 20", "I--"),
    ]);
}

#[test]
fn known_keys_accept_fields_and_their_prefixes() {
    let msg = packet_in_arp();
    let filter =
        Filter::parse("of.type == PACKET_IN && of.packet_in && arp && vlan.id == 10").unwrap();
    assert!(filter.matches(&CONTEXT, &msg.tree, &msg.bytes));
    let error = Filter::parse("arp && ip.srcc == 10.0.0.1").unwrap_err();
    assert_eq!(error.column, 8);
    assert_eq!(
        error.message,
        "unknown field 'ip.srcc'; did you mean ip.src?"
    );
}

#[test]
fn a_filter_keeps_its_text() {
    let filter = Filter::parse("arp  &&  vlan").unwrap();
    assert_eq!(filter.as_str(), "arp  &&  vlan");
    assert_eq!(filter.to_string(), "arp  &&  vlan");
}

/// Pieces that make up filters, so random joins reach deep into the grammar.
const PIECES: &[&str] = &[
    "arp",
    "vlan.id",
    "of.type",
    "==",
    "!=",
    "<",
    ">=",
    "contains",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "PACKET_IN",
    "10",
    "0x",
    "0xff",
    "10.0.0.0/24",
    "fe80::1",
    "00:00:00:00:00:01",
    "aa:bb",
    "\"s\"",
    "\"",
    "and",
    "not",
    "payload",
    "of.flow_mod.flags",
    "SEND_FLOW_REM",
    "/",
    ":",
    "é",
    "=",
    "&",
];

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(input in "\\PC{0,60}") {
        if let Err(e) = Filter::parse(&input) {
            prop_assert!(e.column >= 1 && e.column <= input.chars().count() + 1);
            prop_assert!(e.render(&input).contains('^'));
        }
    }

    #[test]
    fn parsing_and_evaluating_token_soup_never_panics(
        picks in proptest::collection::vec(0..PIECES.len(), 0..24),
        spaced in any::<bool>(),
    ) {
        let joiner = if spaced { " " } else { "" };
        let input = picks.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(joiner);
        match Filter::parse(&input) {
            Ok(filter) => {
                for msg in [packet_in_arp(), flow_mod(), packet_out_ipv6()] {
                    filter.matches(&CONTEXT, &msg.tree, &msg.bytes);
                    // Ranges beyond the given bytes must not panic either.
                    filter.matches(&CONTEXT, &msg.tree, &[]);
                }
            }
            Err(e) => prop_assert!(e.column >= 1 && e.column <= input.chars().count() + 1),
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}arp{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(Filter::parse(&deep).is_err());
    let nots = format!("{}arp", "!".repeat(10_000));
    assert!(Filter::parse(&nots).is_err());
    let long_chain = vec!["arp"; 10_000].join(" && ");
    let msg = packet_in_arp();
    assert!(Filter::parse(&long_chain)
        .unwrap()
        .matches(&CONTEXT, &msg.tree, &msg.bytes));
}
