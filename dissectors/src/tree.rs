//! The field tree: the one source of truth for every view.
//!
//! Every decoded message yields a flat, pre-order list of [`Field`]s. Each field has a
//! human label, a filter key (`of.packet_in.in_port`, `eth.src`, ...), a typed raw
//! [`Value`] that also knows how to display itself, and a byte range relative to the start
//! of the OpenFlow message. Text detail (`-V`), JSON, the display filter and the TUI tree
//! are all derived from this list, so no view ever re-parses bytes on its own.
//!
//! The tree is flat with a depth per field (rather than nested `Vec`s) because that is what
//! the TUI renders row by row, what the filter scans, and it costs one allocation per message.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// How a field nests its children; JSON uses this to choose object vs array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A value with no children.
    Leaf,
    /// A named group of fields (a JSON object), e.g. `of.match`, `eth`.
    Group,
    /// A list whose children are groups (a JSON array), e.g. `of.actions`, `of.ports`.
    List,
}

/// A symbolic name set for flag words: `(bit mask, name)`.
pub type FlagNames = &'static [(u64, &'static str)];

/// The raw value of a field. It displays itself, so building a tree allocates nothing for
/// numbers, addresses and names.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value of its own (groups and lists).
    None,
    Bool(bool),
    /// An unsigned number shown in decimal.
    Uint(u64),
    /// An unsigned number shown as `0x` hex with at least `digits` digits.
    Hex {
        value: u64,
        digits: u8,
    },
    /// A number with a symbolic name (`PACKET_IN`, `CONTROLLER`); the filter accepts either.
    Named {
        value: u64,
        name: &'static str,
    },
    /// A number with no known name: shown as the number, flagged unknown.
    Unknown(u64),
    /// A flag word; shown as the names of the bits set, then any unnamed remainder in hex.
    Flags {
        value: u64,
        names: FlagNames,
    },
    Mac([u8; 6]),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// An IPv4 prefix as in an OF1.0 match (`10.0.0.0/8`).
    Ipv4Prefix(Ipv4Addr, u8),
    /// Text taken from the message (port names, descriptions) or composed for display.
    Text(String),
    /// Bytes of the message, by range relative to the message start (no copy).
    Bytes(Range<usize>),
}

impl Value {
    /// The numeric value, where there is one (used by the filter's comparisons).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Bool(b) => Some(b as u64),
            Value::Uint(v) | Value::Unknown(v) => Some(v),
            Value::Hex { value, .. } | Value::Named { value, .. } | Value::Flags { value, .. } => {
                Some(value)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Uint(v) => write!(f, "{v}"),
            Value::Hex { value, digits } => {
                write!(f, "0x{value:0width$x}", width = *digits as usize)
            }
            Value::Named { value, name } => write!(f, "{name} ({value})"),
            Value::Unknown(v) => write!(f, "unknown ({v})"),
            Value::Flags { value, names } => fmt_flags(f, *value, names),
            Value::Mac(m) => write!(
                f,
                "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                m[0], m[1], m[2], m[3], m[4], m[5]
            ),
            Value::Ipv4(a) => write!(f, "{a}"),
            Value::Ipv6(a) => write!(f, "{a}"),
            Value::Ipv4Prefix(a, len) => write!(f, "{a}/{len}"),
            Value::Text(s) => f.write_str(s),
            Value::Bytes(r) => write!(f, "{} bytes", r.len()),
        }
    }
}

fn fmt_flags(f: &mut fmt::Formatter<'_>, value: u64, names: FlagNames) -> fmt::Result {
    write!(f, "0x{value:x}")?;
    let mut rest = value;
    let mut first = true;
    for &(mask, name) in names {
        if mask != 0 && value & mask == mask {
            f.write_str(if first { " (" } else { "|" })?;
            f.write_str(name)?;
            first = false;
            rest &= !mask;
        }
    }
    if rest != 0 {
        f.write_str(if first { " (" } else { "|" })?;
        write!(f, "0x{rest:x}")?;
        first = false;
    }
    if !first {
        f.write_str(")")?;
    }
    Ok(())
}

/// What a field's value is: the kinds `ofscope fields` and docs/fields.md list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A number shown in decimal ([`Value::Uint`]).
    Uint,
    /// A number shown in hex ([`Value::Hex`]).
    Hex,
    /// A number with a symbolic name when it has one ([`Value::Named`]); otherwise the number
    /// alone, as [`Value::Unknown`], [`Value::Uint`] or [`Value::Hex`].
    Named,
    /// A flag word ([`Value::Flags`]).
    Flags,
    Bool,
    Mac,
    Ipv4,
    Ipv6,
    /// An IPv4 address or an IPv6 one (the capture's own addresses).
    Ip,
    /// An IPv4 prefix of an OpenFlow 1.0 match ([`Value::Ipv4Prefix`]).
    Prefix,
    Text,
    Bytes,
    /// A group of fields (a JSON object).
    Group,
    /// A list of groups (a JSON array).
    List,
    /// A point in time, as nanoseconds since 1970 ([`Value::Uint`]).
    Time,
    /// A time span, as nanoseconds ([`Value::Uint`]); written in seconds (`1.5`).
    Seconds,
}

impl Type {
    /// The name `ofscope fields` and docs/fields.md give it.
    pub const fn name(self) -> &'static str {
        match self {
            Type::Uint => "uint",
            Type::Hex => "hex",
            Type::Named => "named",
            Type::Flags => "flags",
            Type::Bool => "bool",
            Type::Mac => "mac",
            Type::Ipv4 => "ipv4",
            Type::Ipv6 => "ipv6",
            Type::Ip => "ip",
            Type::Prefix => "prefix",
            Type::Text => "text",
            Type::Bytes => "bytes",
            Type::Group => "group",
            Type::List => "list",
            Type::Time => "time",
            Type::Seconds => "seconds",
        }
    }

    /// Whether a value of this field may take this form.
    pub fn admits(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (
                Type::Group | Type::List,
                Value::None | Value::Text(_) | Value::Named { .. }
            ) | (Type::Uint | Type::Time | Type::Seconds, Value::Uint(_))
                | (Type::Hex, Value::Hex { .. })
                | (
                    Type::Named,
                    Value::Named { .. } | Value::Unknown(_) | Value::Uint(_) | Value::Hex { .. }
                )
                | (Type::Flags, Value::Flags { .. })
                | (Type::Bool, Value::Bool(_))
                | (Type::Mac, Value::Mac(_))
                | (Type::Prefix, Value::Ipv4Prefix(..))
                | (Type::Ipv4 | Type::Ip, Value::Ipv4(_))
                | (Type::Ipv6 | Type::Ip, Value::Ipv6(_))
                | (Type::Text, Value::Text(_))
                | (Type::Bytes, Value::Bytes(_))
        )
    }

    const fn kind(self) -> Kind {
        match self {
            Type::Group => Kind::Group,
            Type::List => Kind::List,
            _ => Kind::Leaf,
        }
    }

    const fn json(self) -> Json {
        match self {
            Type::Uint | Type::Hex | Type::Named | Type::Flags | Type::Time | Type::Seconds => {
                Json::Number
            }
            Type::Bool => Json::Bool,
            Type::Group => Json::Object,
            Type::List => Json::Array,
            _ => Json::String,
        }
    }
}

/// How JSON writes a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Json {
    /// A number, named values too, so that a member keeps one JSON type.
    Number,
    String,
    Bool,
    Object,
    Array,
    /// The name as a string (`"UNKNOWN"` when there is none), and the number in a member
    /// named `<name>_code` beside it: scripts select messages by type name.
    NameAndCode,
    /// A datapath id as a string of eight colon-separated hex bytes: a number past 2^53
    /// would lose digits in JavaScript and jq.
    Dpid,
    /// Not in the tree, so not written: a field of where the message came from, which only
    /// the filter reads.
    None,
}

impl Json {
    /// The name `ofscope fields` and docs/fields.md give it.
    pub const fn name(self) -> &'static str {
        match self {
            Json::Number => "number",
            Json::String | Json::Dpid => "string",
            Json::Bool => "bool",
            Json::Object => "object",
            Json::Array => "array",
            Json::NameAndCode => "string+code",
            Json::None => "-",
        }
    }
}

/// The declaration of a field, written once beside the dissector that builds it (Wireshark's
/// `hf_` entries): the tree refers to it, and the filter, `ofscope fields` and
/// docs/fields.md read it. Each is a `static`, so its address identifies the field.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// The filter key, e.g. `of.packet_in.in_port`.
    pub key: &'static str,
    /// The label `-V` and the viewer show, e.g. `In port`.
    pub label: &'static str,
    pub ty: Type,
    pub json: Json,
    /// What it means, in a line of Markdown.
    pub description: &'static str,
    /// The last segment of the key: the JSON member name.
    pub name: &'static str,
    pub kind: Kind,
}

impl FieldDef {
    pub const fn new(
        key: &'static str,
        label: &'static str,
        ty: Type,
        description: &'static str,
    ) -> FieldDef {
        FieldDef {
            key,
            label,
            ty,
            json: ty.json(),
            description,
            name: last_segment(key),
            kind: ty.kind(),
        }
    }

    /// The same field written another way in JSON.
    pub const fn json(self, json: Json) -> FieldDef {
        FieldDef { json, ..self }
    }
}

/// `of.packet_in.in_port` → `in_port`, worked out when the declaration is compiled.
const fn last_segment(key: &'static str) -> &'static str {
    let bytes = key.as_bytes();
    let mut head = bytes;
    while let [init @ .., last] = head {
        if *last == b'.' {
            break;
        }
        head = init;
    }
    match std::str::from_utf8(bytes.split_at(head.len()).1) {
        Ok(name) => name,
        Err(_) => key,
    }
}

/// The fields one dissector declares, in tree order, under a heading of docs/fields.md.
#[derive(Debug)]
pub struct Section {
    pub title: &'static str,
    /// A paragraph for the docs, or empty.
    pub intro: &'static str,
    pub fields: &'static [&'static FieldDef],
}

/// Declares a dissector's fields and its [`Section`] (`SECTION`):
///
/// ```text
/// fields! {
///     "Title", "Intro paragraph";
///     ARP_OP = "arp.op", Named, "Opcode", "what it means";
///     OF_TYPE = "of.type", Named as NameAndCode, "Type", "...";
/// }
/// ```
#[macro_export]
macro_rules! fields {
    ($title:literal, $intro:literal;
     $($name:ident = $key:literal, $ty:ident $(as $json:ident)?, $label:literal, $description:literal;)*) => {
        $(
            pub static $name: $crate::tree::FieldDef =
                $crate::tree::FieldDef::new($key, $label, $crate::tree::Type::$ty, $description)
                    $(.json($crate::tree::Json::$json))?;
        )*
        pub static SECTION: $crate::tree::Section = $crate::tree::Section {
            title: $title,
            intro: $intro,
            fields: &[$(&$name),*],
        };
    };
}

/// One row of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// What the field is: its key, type and JSON name.
    pub def: &'static FieldDef,
    /// Display label, e.g. `In port`: the declaration's, unless the value chose another.
    pub label: &'static str,
    pub value: Value,
    /// Bytes this field covers, relative to the start of the OpenFlow message.
    pub range: Range<usize>,
    /// Nesting depth, 0 for the top level.
    pub depth: u16,
}

impl Field {
    /// Filter key, e.g. `of.packet_in.in_port`.
    pub fn key(&self) -> &'static str {
        self.def.key
    }

    /// The last segment of the key: the JSON member name.
    pub fn json_name(&self) -> &'static str {
        self.def.name
    }

    pub fn kind(&self) -> Kind {
        self.def.kind
    }
}

/// A flat pre-order field list, built with `leaf`, `open`/`close`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    pub fields: Vec<Field>,
    depth: u16,
    /// Added to every range pushed, so a nested decoder (the frame inside a PACKET_IN)
    /// can use offsets relative to its own start.
    base: usize,
    open: Vec<usize>,
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value field at the current depth.
    #[inline]
    pub fn leaf(&mut self, def: &'static FieldDef, value: Value, range: Range<usize>) {
        self.push(def, def.label, value, range);
    }

    /// Adds a value field whose label depends on the value (Wireshark's `_format` calls):
    /// the key, and so the filter and JSON, stay the declaration's.
    #[inline]
    pub fn leaf_labelled(
        &mut self,
        def: &'static FieldDef,
        label: &'static str,
        value: Value,
        range: Range<usize>,
    ) {
        self.push(def, label, value, range);
    }

    /// Opens a group (or list) whose following fields are its children until `close`.
    #[inline]
    pub fn open(&mut self, def: &'static FieldDef, range: Range<usize>) {
        self.open_with(def, Value::None, range);
    }

    /// Opens a group that also carries a value of its own (e.g. a summary text).
    #[inline]
    pub fn open_with(&mut self, def: &'static FieldDef, value: Value, range: Range<usize>) {
        self.open.push(self.fields.len());
        self.push(def, def.label, value, range);
        self.depth += 1;
    }

    #[inline]
    pub fn close(&mut self) {
        self.open.pop();
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `f` with ranges shifted by `offset` (for a nested decoder).
    pub fn with_base(&mut self, offset: usize, f: impl FnOnce(&mut Tree)) {
        let saved = self.base;
        self.base += offset;
        f(self);
        self.base = saved;
    }

    /// Fields whose key equals `key`.
    pub fn find<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.def.key == key)
    }

    /// The first field with this key.
    pub fn first(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.def.key == key)
    }

    /// The fields of one declaration (a comparison of addresses, not of keys).
    pub fn of<'a>(&'a self, def: &'static FieldDef) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| std::ptr::eq(f.def, def))
    }

    /// Whether any field's key is `proto` or starts with `proto.` (bare protocol filter).
    pub fn has_protocol(&self, proto: &str) -> bool {
        self.fields
            .iter()
            .any(|f| is_key_or_prefix(proto, f.def.key))
    }

    #[inline]
    fn push(
        &mut self,
        def: &'static FieldDef,
        label: &'static str,
        value: Value,
        range: Range<usize>,
    ) {
        let value = match value {
            Value::Bytes(r) => Value::Bytes(r.start + self.base..r.end + self.base),
            v => v,
        };
        self.fields.push(Field {
            def,
            label,
            value,
            range: range.start + self.base..range.end + self.base,
            depth: self.depth,
        });
    }
}

/// Whether `name` is `key` or a prefix of it that ends at a `.` (`arp` of `arp.op`).
pub fn is_key_or_prefix(name: &str, key: &str) -> bool {
    key.strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_show_names_and_remainder() {
        const NAMES: FlagNames = &[(1, "A"), (2, "B")];
        assert_eq!(
            Value::Flags {
                value: 0b111,
                names: NAMES
            }
            .to_string(),
            "0x7 (A|B|0x4)"
        );
        assert_eq!(
            Value::Flags {
                value: 0,
                names: NAMES
            }
            .to_string(),
            "0x0"
        );
    }

    #[test]
    fn nested_base_shifts_ranges() {
        let mut t = Tree::new();
        t.open(&crate::openflow::packet::hf::OF_PACKET_IN, 8..60);
        t.with_base(18, |t| {
            t.leaf(
                &crate::frame::ethernet::hf::ETH_SRC,
                Value::Mac([0; 6]),
                6..12,
            )
        });
        t.close();
        assert_eq!(t.fields[1].range, 24..30);
        assert_eq!(t.fields[1].depth, 1);
        assert!(t.has_protocol("eth"));
        assert!(!t.has_protocol("et"));
    }
}
