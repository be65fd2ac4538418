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

/// One row of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Display label, e.g. `In port`.
    pub label: &'static str,
    /// Filter key, e.g. `of.packet_in.in_port`. Also the JSON name (its last segment).
    pub key: &'static str,
    pub value: Value,
    /// Bytes this field covers, relative to the start of the OpenFlow message.
    pub range: Range<usize>,
    /// Nesting depth, 0 for the top level.
    pub depth: u16,
    pub kind: Kind,
}

impl Field {
    /// The last segment of the key: the JSON member name.
    pub fn json_name(&self) -> &'static str {
        // A byte scan: `rsplit('.')` costs more than the rest of writing the member.
        match self.key.bytes().rposition(|b| b == b'.') {
            Some(dot) => self.key.get(dot + 1..).unwrap_or(self.key),
            None => self.key,
        }
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
    pub fn leaf(
        &mut self,
        label: &'static str,
        key: &'static str,
        value: Value,
        range: Range<usize>,
    ) {
        self.push(label, key, value, range, Kind::Leaf);
    }

    /// Opens a group (or list) whose following fields are its children until `close`.
    #[inline]
    pub fn open(
        &mut self,
        label: &'static str,
        key: &'static str,
        kind: Kind,
        range: Range<usize>,
    ) {
        self.open_with(label, key, kind, Value::None, range);
    }

    /// Opens a group that also carries a value of its own (e.g. a summary text).
    #[inline]
    pub fn open_with(
        &mut self,
        label: &'static str,
        key: &'static str,
        kind: Kind,
        value: Value,
        range: Range<usize>,
    ) {
        self.open.push(self.fields.len());
        self.push(label, key, value, range, kind);
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
        self.fields.iter().filter(move |f| f.key == key)
    }

    /// The first field with this key.
    pub fn first(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether any field's key is `proto` or starts with `proto.` (bare protocol filter).
    pub fn has_protocol(&self, proto: &str) -> bool {
        self.fields.iter().any(|f| {
            f.key == proto
                || (f.key.len() > proto.len()
                    && f.key.starts_with(proto)
                    && f.key.as_bytes()[proto.len()] == b'.')
        })
    }

    #[inline]
    fn push(
        &mut self,
        label: &'static str,
        key: &'static str,
        value: Value,
        range: Range<usize>,
        kind: Kind,
    ) {
        let value = match value {
            Value::Bytes(r) => Value::Bytes(r.start + self.base..r.end + self.base),
            v => v,
        };
        self.fields.push(Field {
            label,
            key,
            value,
            range: range.start + self.base..range.end + self.base,
            depth: self.depth,
            kind,
        });
    }
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
        t.open("Packet in", "of.packet_in", Kind::Group, 8..60);
        t.with_base(18, |t| {
            t.leaf("Source", "eth.src", Value::Mac([0; 6]), 6..12)
        });
        t.close();
        assert_eq!(t.fields[1].range, 24..30);
        assert_eq!(t.fields[1].depth, 1);
        assert!(t.has_protocol("eth"));
        assert!(!t.has_protocol("et"));
    }
}
