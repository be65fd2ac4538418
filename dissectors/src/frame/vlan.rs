//! 802.1Q and 802.1ad VLAN tags.

use super::{be16, ethertype, named, HeaderError};
use crate::tree::{Tree, Value};

/// Bytes a tag adds after the Ethernet header: the TCI and the next type field.
pub const VLAN_TAG_LEN: usize = 4;

/// Whether a type field announces a VLAN tag.
pub fn is_tpid(ethertype: u16) -> bool {
    matches!(
        ethertype,
        ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD
    )
}

/// One VLAN tag: its TCI and the type field that follows it. The tag's own TPID is the type
/// field before it (the Ethernet type, or the previous tag's `ethertype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlanTag {
    /// Priority code point (3 bits).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN id (12 bits).
    pub vid: u16,
    pub ethertype: u16,
}

impl VlanTag {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; VLAN_TAG_LEN] = bytes
            .get(..VLAN_TAG_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        let tci = be16([h[0], h[1]]);
        Ok(VlanTag {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
            ethertype: be16([h[2], h[3]]),
        })
    }

    pub fn tci(&self) -> u16 {
        (u16::from(self.pcp & 7) << 13) | (u16::from(self.dei) << 12) | (self.vid & 0x0fff)
    }

    pub fn buffer_len(&self) -> usize {
        VLAN_TAG_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tci().to_be_bytes());
        out.extend_from_slice(&self.ethertype.to_be_bytes());
    }

    /// `tpid` is the type field before this tag, 2 bytes before `at`.
    pub fn build_tree(&self, tree: &mut Tree, at: usize, tpid: u16) {
        let tci = at..at + 2;
        tree.open(&hf::VLAN_TAG, at.saturating_sub(2)..at + 4);
        tree.leaf(
            &hf::VLAN_TPID,
            named(tpid.into(), ethertype::name(tpid)),
            at.saturating_sub(2)..at,
        );
        tree.leaf(&hf::VLAN_PCP, Value::Uint(self.pcp.into()), tci.clone());
        tree.leaf(&hf::VLAN_DEI, Value::Bool(self.dei), tci.clone());
        tree.leaf(&hf::VLAN_ID, Value::Uint(self.vid.into()), tci);
        tree.leaf(
            &hf::VLAN_ETYPE,
            named(self.ethertype.into(), ethertype::name(self.ethertype)),
            at + 2..at + 4,
        );
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "VLAN tags", "One group per tag, outermost first (802.1Q `0x8100`, 802.1ad `0x88a8`, and the old `0x9100`, stacked to any depth).";
        VLAN = "vlan", List, "802.1Q virtual LAN tags", "the VLAN tags, outermost first";
        VLAN_TAG = "vlan.tag", Group, "802.1Q tag", "one tag";
        VLAN_TPID = "vlan.tpid", Named, "Tag protocol id", "the type field that announced this tag (not in Wireshark)";
        VLAN_PCP = "vlan.pcp", Uint, "Priority", "priority code point, 0-7 (Wireshark: `vlan.priority`)";
        VLAN_DEI = "vlan.dei", Bool, "Drop eligible", "drop eligible indicator";
        VLAN_ID = "vlan.id", Uint, "VLAN id", "VLAN id, 0-4095";
        VLAN_ETYPE = "vlan.etype", Named, "Type", "the type field after the tag";
    }
}
