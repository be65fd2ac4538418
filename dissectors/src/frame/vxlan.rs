//! VXLAN (RFC 7348): an Ethernet frame inside UDP, by default on port 4789.

use super::HeaderError;
use crate::tree::{Tree, Value};

pub const HEADER_LEN: usize = 8;
/// The IANA port.
pub const PORT: u16 = 4789;

/// The 8-byte VXLAN header: flags (the I bit says the VNI is valid), 24 reserved bits, the
/// 24-bit VNI and 8 more reserved bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanRepr {
    /// The first word: flags and the reserved bits after them.
    pub flags: u32,
    pub vni: u32,
    pub reserved: u8,
}

impl VxlanRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        Ok(VxlanRepr {
            flags: u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
            vni: u32::from_be_bytes([0, h[4], h[5], h[6]]),
            reserved: h[7],
        })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&((self.vni << 8) | u32::from(self.reserved)).to_be_bytes());
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        tree.open(&hf::VXLAN, at..at + HEADER_LEN);
        let flags = Value::Hex {
            value: u64::from(self.flags >> 16),
            digits: 4,
        };
        tree.leaf(&hf::VXLAN_FLAGS, flags, at..at + 2);
        tree.leaf(&hf::VXLAN_VNI, Value::Uint(self.vni.into()), at + 4..at + 7);
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "VXLAN", "Decoded on UDP port 4789 (and the ports given with `--vxlan-port` for a capture's outer path). The carried Ethernet frame follows as `inner`.";
        VXLAN = "vxlan", Group, "Virtual eXtensible Local Area Network", "the VXLAN header";
        VXLAN_FLAGS = "vxlan.flags", Hex, "Flags", "the first 16 bits; 0x0800 is the I bit (VNI valid)";
        VXLAN_VNI = "vxlan.vni", Uint, "VNI", "VXLAN network identifier";
    }
}
