//! Symbolic names that stand for numbers: OpenFlow 1.0 message types and reserved ports,
//! as the dissectors name them.
//!
//! A field that carries a `Value::Named` is compared by name, so these tables only matter
//! for plain numeric fields (`of.packet_out.in_port == CONTROLLER`) and for ordering
//! (`of.type >= FLOW_MOD`).

use ofscope_dissectors::openflow::port::{ofpp, PORT_NAMES};
use ofscope_dissectors::openflow::types;

/// The number a symbolic name stands for, if it is a message type or a reserved port
/// (with or without its `OFPT_`/`OFPP_` prefix), or `true`/`false`.
pub fn number_of(name: &str) -> Option<u64> {
    // MAX, the first number that is not a physical port, has no name in a tree.
    let port = |name: &str| {
        PORT_NAMES
            .iter()
            .chain([&(ofpp::MAX, "MAX")])
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|&(v, _)| u64::from(v))
    };
    if let Some(rest) = strip_prefix_ignore_case(name, "OFPT_") {
        return message_type(rest);
    }
    if let Some(rest) = strip_prefix_ignore_case(name, "OFPP_") {
        return port(rest);
    }
    match name {
        "true" => Some(1),
        "false" => Some(0),
        _ => message_type(name).or_else(|| port(name)),
    }
}

/// The number of an OpenFlow 1.0 message type name without its `OFPT_` prefix.
fn message_type(name: &str) -> Option<u64> {
    types::OF10
        .iter()
        .find(|row| row.name.eq_ignore_ascii_case(name))
        .map(|row| row.code.into())
}

/// Whether `name` is an OpenFlow message type name (helps explain a misplaced value).
pub fn is_message_type(name: &str) -> bool {
    message_type(strip_prefix_ignore_case(name, "OFPT_").unwrap_or(name)).is_some()
}

/// The name without an OpenFlow constant prefix: `OFPT_PACKET_IN` → `PACKET_IN`,
/// `OFPFF_SEND_FLOW_REM` → `SEND_FLOW_REM`. Names without one come back unchanged.
pub fn short_name(name: &str) -> &str {
    let bytes = name.as_bytes();
    let has_ofp = bytes.len() > 3 && bytes[..3].eq_ignore_ascii_case(b"OFP");
    if !has_ofp {
        return name;
    }
    match name[3..].find('_') {
        Some(underscore)
            if name[3..3 + underscore]
                .bytes()
                .all(|b| b.is_ascii_alphabetic()) =>
        {
            let rest = &name[3 + underscore + 1..];
            if rest.is_empty() {
                name
            } else {
                rest
            }
        }
        _ => name,
    }
}

/// Whether a field's symbolic name and a name written in a filter denote the same thing,
/// ignoring case and any OpenFlow constant prefix on either side.
pub fn same_name(field_name: &str, written: &str) -> bool {
    field_name.eq_ignore_ascii_case(written)
        || short_name(field_name).eq_ignore_ascii_case(short_name(written))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_and_without_prefix() {
        assert_eq!(number_of("PACKET_IN"), Some(10));
        assert_eq!(number_of("ofpt_packet_in"), Some(10));
        assert_eq!(number_of("OFPP_FLOOD"), Some(0xfffb));
        assert_eq!(number_of("CONTROLLER"), Some(0xfffd));
        assert_eq!(number_of("OFPT_FLOOD"), None);
        assert_eq!(number_of("REQUEST"), None);
    }

    #[test]
    fn names_compare_without_prefix() {
        assert!(same_name("SEND_FLOW_REM", "OFPFF_SEND_FLOW_REM"));
        assert!(same_name("OFPR_NO_MATCH", "no_match"));
        assert!(same_name("PACKET_IN", "packet_in"));
        assert!(!same_name("PACKET_IN", "PACKET_OUT"));
        assert_eq!(short_name("OFP_"), "OFP_");
        assert_eq!(short_name("OFFSET"), "OFFSET");
        assert_eq!(short_name("é"), "é");
    }
}
