//! Display-filter errors: the column they point at and what they say.

use crate::common::keep_for_fuzzing;
use ofscope::filter::{Filter, FilterError};

fn error(expression: &str) -> FilterError {
    keep_for_fuzzing("filter", expression.as_bytes());
    match Filter::parse(expression) {
        Ok(_) => panic!("{expression:?} should not parse"),
        Err(e) => e,
    }
}

#[track_caller]
fn check(cases: &[(&str, usize, &str)]) {
    for &(expression, column, message) in cases {
        let e = error(expression);
        assert_eq!(
            (e.column, e.message.as_str()),
            (column, message),
            "{expression:?}"
        );
    }
}

#[test]
fn missing_values_and_operands() {
    check(&[
        ("of.type == ", 12, "expected a value after '=='"),
        ("of.type == && arp", 12, "expected a value after '=='"),
        ("vlan.id >= )", 12, "expected a value after '>='"),
        ("arp &&", 7, "expected a field name or '(' after '&&'"),
        (
            "arp || || vlan",
            8,
            "expected a field name or '(' after '||', found '||'",
        ),
        ("!", 2, "expected a field name or '(' after '!'"),
        ("== 10", 1, "expected a field name or '(', found '=='"),
        ("()", 2, "expected a field name or '(' after '(', found ')'"),
        ("", 1, "empty filter"),
        ("   ", 1, "empty filter"),
    ]);
}

#[test]
fn parentheses() {
    check(&[
        (
            "(arp && vlan",
            13,
            "expected ')' to close the '(' at column 1",
        ),
        (
            "arp && (vlan || (lldp)",
            23,
            "expected ')' to close the '(' at column 8",
        ),
        ("arp)", 4, "unexpected ')' without a matching '('"),
        (
            "(arp vlan)",
            6,
            "unexpected 'vlan'; expected a comparison, '&&', '||' or ')'",
        ),
    ]);
}

#[test]
fn stray_tokens_after_an_expression() {
    check(&[
        (
            "of.type PACKET_IN",
            9,
            "unexpected 'PACKET_IN'; expected a comparison, '&&', '||' or ')'",
        ),
        (
            "vlan.id == 10 20",
            15,
            "unexpected '20'; expected '&&', '||' or ')'",
        ),
        (
            "arp == 1 == 2",
            10,
            "unexpected '=='; expected '&&', '||' or ')'",
        ),
    ]);
}

#[test]
fn bad_characters_and_operators() {
    check(&[
        ("vlan.id = 10", 9, "'=' is not an operator; use '=='"),
        ("arp & vlan", 5, "'&' is not an operator; use '&&'"),
        ("arp | vlan", 5, "'|' is not an operator; use '||'"),
        ("arp && vlan.id == 1$", 20, "unexpected character '$'"),
        ("of.port.name == \"s1", 17, "unterminated string"),
        (
            "of.port.name == \"a\\q\"",
            19,
            "unknown escape; use \\\" \\\\ \\n or \\t",
        ),
    ]);
}

#[test]
fn bad_field_names() {
    check(&[
        ("eth..src", 1, "invalid field name 'eth..src'"),
        ("arp && eth.src. == 1", 8, "invalid field name 'eth.src.'"),
        (
            "ARP",
            1,
            "invalid field name 'ARP': field names are lowercase",
        ),
        (
            "PACKET_IN",
            1,
            "'PACKET_IN' is a value, not a field; did you mean 'of.type == PACKET_IN'?",
        ),
        (
            "10 == of.type",
            1,
            "expected a field name, found the value '10'",
        ),
        ("\"arp\"", 1, "expected a field name or '(', found \"arp\""),
    ]);
}

#[test]
fn bad_values() {
    let generic =
        "expected a number, MAC, IP address, byte string (aa:bb:cc), quoted string or name";
    check(&[
        (
            "ip.src == 10.0.0.300",
            11,
            &format!("invalid value '10.0.0.300': {generic}"),
        ),
        (
            "ip.src == 10.0.0.0/33",
            11,
            "invalid prefix length in '10.0.0.0/33': expected 0 to 32",
        ),
        (
            "ipv6.src == ::/129",
            13,
            "invalid prefix length in '::/129': expected 0 to 128",
        ),
        ("of.xid == 0xfg", 11, "invalid hex number '0xfg'"),
        (
            "of.xid == 18446744073709551616",
            11,
            "number '18446744073709551616' is too large",
        ),
        (
            "eth.src == 0:0:0:0:0:1",
            12,
            &format!("invalid value '0:0:0:0:0:1': {generic}"),
        ),
        (
            "arp.op > REQUEST",
            10,
            "'>' needs a number, an address or a string, not 'REQUEST'",
        ),
        (
            "ip.src < 10.0.0.0/8",
            10,
            "'<' needs a number, an address or a string, not '10.0.0.0/8'",
        ),
    ]);
    // The largest u64 and known names in an ordering are fine.
    assert!(Filter::parse("of.xid == 18446744073709551615").is_ok());
    assert!(Filter::parse("of.type > PACKET_IN && of.packet_in.in_port < OFPP_MAX").is_ok());
}

#[test]
fn too_deep() {
    let e = error(&format!("{}arp{}", "(".repeat(100), ")".repeat(100)));
    assert_eq!(e.column, 65);
    assert_eq!(e.message, "filter nested deeper than 64 levels");
}

#[test]
fn display_and_caret_rendering() {
    let expression = "of.type == PACKET_IN && arp && vlan.id ==";
    let e = error(expression);
    assert_eq!(e.to_string(), "column 42: expected a value after '=='");
    assert_eq!(
        e.render(expression),
        "of.type == PACKET_IN && arp && vlan.id ==\n\
         \x20                                        ^ expected a value after '=='"
    );
    // Columns count characters, and tabs render as one space so the caret lines up.
    let expression = "\"é\"\t== 1";
    let e = error(expression);
    assert_eq!(e.column, 1);
    let tabbed = "arp\t&& = 1";
    let e = error(tabbed);
    assert_eq!(e.column, 8);
    assert_eq!(
        e.render(tabbed),
        "arp && = 1\n       ^ '=' is not an operator; use '=='"
    );
    assert_eq!(e.caret_line(), "       ^ '=' is not an operator; use '=='");
}

#[test]
fn unknown_keys_with_suggestions() {
    let cases = [
        (
            "ip.srcc == 10.0.0.1",
            1,
            "unknown field 'ip.srcc'; did you mean ip.src?",
        ),
        (
            "of.typ == HELLO",
            1,
            "unknown field 'of.typ'; did you mean of.type?",
        ),
        (
            "arp && vlan.ix == 1",
            8,
            "unknown field 'vlan.ix'; did you mean vlan.id?",
        ),
        (
            "of.packet_in.reasn",
            1,
            "unknown field 'of.packet_in.reasn'; did you mean of.packet_in.reason?",
        ),
        (
            "of.pakcet_in",
            1,
            "unknown field 'of.pakcet_in'; did you mean of.packet_in?",
        ),
        (
            "frame.numbr == 18",
            1,
            "unknown field 'frame.numbr'; did you mean frame.number?",
        ),
        (
            "ofchan.srcprt == 6633",
            1,
            "unknown field 'ofchan.srcprt'; did you mean ofchan.srcport?",
        ),
        ("zzz", 1, "unknown field 'zzz'"),
    ];
    for (expression, column, message) in cases {
        let e = Filter::parse(expression).unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (column, message),
            "{expression}"
        );
        // The suggestion is a name the filter takes.
        if let Some((_, suggestion)) = message.split_once("did you mean ") {
            let fixed = expression.replacen(
                expression
                    .split(' ')
                    .find(|w| w.contains('.') || *w == "zzz")
                    .unwrap_or(""),
                suggestion.trim_end_matches('?'),
                1,
            );
            assert!(Filter::parse(&fixed).is_ok(), "{fixed}");
        }
    }
}

#[test]
fn protocol_names_stand_alone_but_hold_no_value() {
    for bare in [
        "arp",
        "of.packet_in",
        "of",
        "ofchan",
        "frame",
        "of.match",
        "data",
    ] {
        assert!(Filter::parse(bare).is_ok(), "{bare}");
    }
    // A declared group may carry a value (`of.actions` its text); a bare prefix has none.
    assert!(Filter::parse("of.actions contains \"output:2\"").is_ok());
    let e = Filter::parse("arp && of == 1").unwrap_err();
    assert_eq!(e.column, 8);
    assert!(e.message.contains("'of' holds fields"), "{e}");
    let e = Filter::parse("ofchan == 1").unwrap_err();
    assert!(e.message.contains("'ofchan' holds fields"), "{e}");
}
