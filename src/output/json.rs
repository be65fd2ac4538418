//! JSON views, derived from the field tree alone.
//!
//! Written by hand into a `String` rather than through a `serde_json::Value` because one
//! object per message is the hot path of `-T jsonl` on captures with millions of messages.

use std::fmt::Write;

use ofscope_dissectors::tree::{Field, Json, Kind, Tree, Value};

/// How a run of JSON objects is laid out: `-T jsonl` writes one object a line (JSON
/// Lines); `-T json` writes one array, as tshark's `-T json` does, so that
/// `python3 -m json.tool` and `jq` read the whole output as one document.
pub struct Sequence {
    array: bool,
    items: u64,
}

impl Sequence {
    pub fn new(format: crate::cli::Format) -> Sequence {
        Sequence {
            array: format == crate::cli::Format::Json,
            items: 0,
        }
    }

    /// What goes before an item: the array's opening or the comma after the item before.
    pub fn before_item(&mut self, out: &mut String) {
        if self.array {
            out.push_str(if self.items == 0 { "[\n" } else { ",\n" });
        }
        self.items += 1;
    }

    /// What goes after an item: the end of its line (an array item's comes with the next).
    pub fn after_item(&self, out: &mut String) {
        if !self.array {
            out.push('\n');
        }
    }

    /// What ends the sequence: the array's close (an empty array if nothing was written).
    pub fn end(&self) -> &'static str {
        match (self.array, self.items) {
            (false, _) => "",
            (true, 0) => "[]\n",
            (true, _) => "\n]\n",
        }
    }
}

/// Appends the tree's fields as members of an already opened JSON object. `needs_comma`
/// says whether the object already has members. `msg` is the message the tree was built
/// from (for `Value::Bytes`).
pub fn write_tree_members(out: &mut String, tree: &Tree, msg: &[u8], needs_comma: bool) {
    // One entry per open container: (its kind, whether it already has a member).
    let mut stack: Vec<(Kind, bool)> = vec![(Kind::Group, needs_comma)];
    for field in &tree.fields {
        let depth = field.depth as usize + 1;
        while stack.len() > depth {
            close(out, &mut stack);
        }
        let Some((parent, has_member)) = stack.last_mut() else {
            break;
        };
        if *has_member {
            out.push(',');
        }
        *has_member = true;
        if *parent != Kind::List {
            // Member names are the dissector's static keys: identifiers, never escaped.
            out.push('"');
            out.push_str(field.json_name());
            out.push_str("\":");
        }
        match field.def.json {
            Json::Object => {
                out.push('{');
                stack.push((Kind::Group, false));
            }
            Json::Array => {
                out.push('[');
                stack.push((Kind::List, false));
            }
            Json::NameAndCode => write_name_and_code(out, field),
            Json::Dpid => write_dpid(out, &field.value, msg),
            Json::Number | Json::String | Json::Bool | Json::None => {
                write_value(out, &field.value, msg)
            }
        }
    }
    while stack.len() > 1 {
        close(out, &mut stack);
    }
}

fn close(out: &mut String, stack: &mut Vec<(Kind, bool)>) {
    if let Some((kind, _)) = stack.pop() {
        out.push(if kind == Kind::List { ']' } else { '}' });
    }
}

/// `"type":"NAME","type_code":N`: the name (`"UNKNOWN"` when there is none), always a
/// string, and the number beside it.
fn write_name_and_code(out: &mut String, field: &Field) {
    match field.value {
        Value::Named { name, .. } => write_str(out, name),
        _ => write_str(out, "UNKNOWN"),
    }
    out.push_str(",\"");
    out.push_str(field.json_name());
    out.push_str("_code\":");
    push_decimal(out, field.value.as_u64().unwrap_or_default());
}

fn write_dpid(out: &mut String, value: &Value, msg: &[u8]) {
    match value.as_u64() {
        Some(dpid) => write_str(out, &crate::session::format_dpid(dpid)),
        None => write_value(out, value, msg),
    }
}

/// Writes one value: numbers (named ones too) stay numbers; addresses and text become strings.
pub fn write_value(out: &mut String, value: &Value, msg: &[u8]) {
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Uint(v)
        | Value::Unknown(v)
        | Value::Hex { value: v, .. }
        | Value::Flags { value: v, .. }
        | Value::Named { value: v, .. } => push_decimal(out, *v),
        Value::Text(s) => write_str(out, s),
        Value::Bytes(range) => {
            out.push('"');
            for b in msg.get(range.clone()).unwrap_or_default() {
                push_hex_byte(out, *b);
            }
            out.push('"');
        }
        // Addresses are most of a PACKET_IN's values: written without `fmt`, which costs
        // several times more per byte.
        Value::Mac(mac) => {
            out.push('"');
            push_mac(out, mac);
            out.push('"');
        }
        Value::Ipv4(addr) => {
            out.push('"');
            push_ipv4(out, *addr);
            out.push('"');
        }
        other => {
            out.push('"');
            let _ = write!(out, "{other}");
            out.push('"');
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `00:00:00:00:00:01`, without going through `fmt` (a MAC is in most rows of
/// `--parquet` and of `-T jsonl`).
pub fn mac_text(mac: &[u8; 6]) -> [u8; 17] {
    let mut text = [b':'; 17];
    for (i, b) in mac.iter().enumerate() {
        text[3 * i] = HEX[usize::from(b >> 4)];
        text[3 * i + 1] = HEX[usize::from(b & 0xf)];
    }
    text
}

pub fn push_mac(out: &mut String, mac: &[u8; 6]) {
    out.push_str(std::str::from_utf8(&mac_text(mac)).unwrap_or_default());
}

/// `10.0.0.1`, without going through `fmt`: the text and its length.
pub fn ipv4_text(addr: std::net::Ipv4Addr) -> ([u8; 15], usize) {
    let mut text = [b'.'; 15];
    let mut len = 0;
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            len += 1;
        }
        if octet >= 100 {
            text[len] = b'0' + octet / 100;
            len += 1;
        }
        if octet >= 10 {
            text[len] = b'0' + octet / 10 % 10;
            len += 1;
        }
        text[len] = b'0' + octet % 10;
        len += 1;
    }
    (text, len)
}

pub fn push_ipv4(out: &mut String, addr: std::net::Ipv4Addr) {
    let (text, len) = ipv4_text(addr);
    out.push_str(std::str::from_utf8(&text[..len]).unwrap_or_default());
}

fn push_hex_byte(out: &mut String, b: u8) {
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xf)]));
}

/// `v` in decimal, without going through `fmt` (the hot path of `-T jsonl`).
pub fn push_decimal(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// Writes a JSON string literal with the escapes JSON requires.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // Most strings need no escape: copy them whole.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_their_display_writes_them() {
        // Every octet value in every position, and every nibble in a MAC.
        for v in 0..=255u8 {
            let ip = std::net::Ipv4Addr::new(v, v.wrapping_mul(7), 255 - v, v / 3);
            let mut text = String::from("x");
            push_ipv4(&mut text, ip);
            assert_eq!(text, format!("x{ip}"));
            let mac = [v, 255 - v, v.wrapping_mul(13), 0, 0xff, v / 2];
            let mut text = String::new();
            push_mac(&mut text, &mac);
            let expected: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(text, expected.join(":"));
        }
    }

    fn sample_tree() -> Tree {
        use ofscope_dissectors::openflow::{action, hello, message, packet, port};
        let mut t = Tree::new();
        t.leaf(
            &message::hf::OF_TYPE,
            Value::Named {
                value: 10,
                name: "PACKET_IN",
            },
            1..2,
        );
        t.open(&packet::hf::OF_PACKET_IN, 8..30);
        t.leaf(&packet::hf::OF_PACKET_IN_IN_PORT, Value::Uint(3), 14..16);
        t.open(&action::hf::OF_ACTIONS, 16..24);
        t.open(&action::hf::OF_ACTION, 16..24);
        t.leaf(
            &action::hf::OF_OUTPUT_PORT,
            Value::Named {
                value: 65531,
                name: "FLOOD",
            },
            20..22,
        );
        t.close();
        t.close();
        t.leaf(&hello::hf::OF_HELLO_DATA, Value::Bytes(1..3), 18..30);
        t.close();
        t.leaf(&port::hf::OF_PORT_NAME, Value::Text("a\"b\n".into()), 0..0);
        t
    }

    #[test]
    fn tree_becomes_nested_objects_and_arrays() {
        let msg = [0x01, 0x0a, 0xff, 0x00];
        let mut out = String::from("{\"frame\":1");
        write_tree_members(&mut out, &sample_tree(), &msg, true);
        out.push('}');
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed["type"], "PACKET_IN");
        assert_eq!(parsed["type_code"], 10);
        assert_eq!(parsed["packet_in"]["in_port"], 3);
        assert_eq!(parsed["packet_in"]["actions"][0]["port"], 65531);
        assert_eq!(parsed["packet_in"]["data"], "0aff");
        assert_eq!(parsed["name"], "a\"b\n");
    }

    #[test]
    fn numbers_and_addresses_are_written_as_fmt_would() {
        let addr = std::net::Ipv4Addr::new(10, 0, 200, 255);
        let mac = [0x02, 0xab, 0, 0x10, 0xff, 0x09];
        for (value, expected) in [
            (Value::Uint(0), "0".to_string()),
            (Value::Uint(u64::MAX), u64::MAX.to_string()),
            (
                Value::Hex {
                    value: 4096,
                    digits: 4,
                },
                "4096".into(),
            ),
            (Value::Ipv4(addr), format!("\"{addr}\"")),
            (Value::Mac(mac), format!("\"{}\"", Value::Mac(mac))),
        ] {
            let mut out = String::new();
            write_value(&mut out, &value, &[]);
            assert_eq!(out, expected);
        }
    }
}
