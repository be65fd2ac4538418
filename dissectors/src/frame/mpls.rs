//! MPLS label stack entries (RFC 3032). The packet after the bottom of the stack has no
//! type field; its first nibble tells IPv4 (4) from IPv6 (6).

use super::{ethertype, HeaderError};
use crate::tree::{Tree, Value};

pub const ENTRY_LEN: usize = 4;

/// One label stack entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MplsEntry {
    /// 20 bits.
    pub label: u32,
    /// Traffic class (formerly EXP), 3 bits.
    pub tc: u8,
    /// Bottom of stack.
    pub bottom: bool,
    pub ttl: u8,
}

/// Whether an ethertype announces an MPLS stack.
pub fn is_mpls(ethertype: u16) -> bool {
    matches!(ethertype, ethertype::MPLS | ethertype::MPLS_MULTICAST)
}

/// The ethertype of the packet after the bottom of a stack, from its first nibble: IPv4 or
/// IPv6, else none this crate decodes (a pseudowire's control word, ...).
pub fn payload_ethertype(payload: &[u8]) -> Option<u16> {
    match payload.first()? >> 4 {
        4 => Some(ethertype::IPV4),
        6 => Some(ethertype::IPV6),
        _ => None,
    }
}

impl MplsEntry {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let word = super::be_u32_at(bytes, 0)?;
        Ok(MplsEntry {
            label: word >> 12,
            tc: ((word >> 9) & 7) as u8,
            bottom: word & 0x100 != 0,
            ttl: word as u8,
        })
    }

    pub fn buffer_len(&self) -> usize {
        ENTRY_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        let word = (self.label << 12)
            | (u32::from(self.tc & 7) << 9)
            | (u32::from(self.bottom) << 8)
            | u32::from(self.ttl);
        out.extend_from_slice(&word.to_be_bytes());
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = at..at + ENTRY_LEN;
        tree.open(&hf::MPLS_ENTRY, r.clone());
        tree.leaf(&hf::MPLS_LABEL, Value::Uint(self.label.into()), at..at + 3);
        tree.leaf(&hf::MPLS_EXP, Value::Uint(self.tc.into()), at + 2..at + 3);
        tree.leaf(&hf::MPLS_BOTTOM, Value::Bool(self.bottom), at + 2..at + 3);
        tree.leaf(&hf::MPLS_TTL, Value::Uint(self.ttl.into()), at + 3..at + 4);
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "MPLS", "The label stack after ethertype 0x8847 or 0x8848 (or a GRE protocol type of the same), outermost first; the packet after it is decoded when its first nibble says IPv4 or IPv6.";
        MPLS = "mpls", List, "MPLS label stack", "the label stack entries, outermost first";
        MPLS_ENTRY = "mpls.entry", Group, "Label stack entry", "one entry";
        MPLS_LABEL = "mpls.label", Uint, "Label", "label, 20 bits";
        MPLS_EXP = "mpls.exp", Uint, "Traffic class", "traffic class (EXP), 0-7";
        MPLS_BOTTOM = "mpls.bottom", Bool, "Bottom of stack", "the last entry of the stack";
        MPLS_TTL = "mpls.ttl", Uint, "Time to live", "time to live";
    }
}
