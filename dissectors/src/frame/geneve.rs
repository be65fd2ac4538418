//! Geneve (RFC 8926): a frame inside UDP port 6081, after a header with variable options.

use super::{be16, ethertype, named, HeaderError};
use crate::tree::{Tree, Value};

pub const BASE_LEN: usize = 8;
/// The IANA port.
pub const PORT: u16 = 6081;

named_numbers! {
    /// The flag bits of the second byte.
    pub mod flag: u8, [flags FLAG_NAMES] {
        OAM = 0x80 => "O",
        CRITICAL = 0x40 => "C",
    }
}

/// A Geneve header of version 0 with its options (kept as bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneveRepr {
    /// The O and C bits and the 6 reserved bits after them.
    pub flags: u8,
    /// The ethertype of what follows: 0x6558 for Ethernet.
    pub protocol: u16,
    pub vni: u32,
    pub reserved: u8,
    /// The options, a multiple of 4 bytes (at most 252).
    pub options: Vec<u8>,
}

impl GeneveRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; BASE_LEN] = bytes
            .get(..BASE_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        if h[0] >> 6 != 0 {
            return Err(HeaderError::Malformed);
        }
        let options_len = usize::from(h[0] & 0x3f) * 4;
        let options = bytes
            .get(BASE_LEN..BASE_LEN + options_len)
            .ok_or(HeaderError::Truncated)?;
        Ok(GeneveRepr {
            flags: h[1],
            protocol: be16([h[2], h[3]]),
            vni: u32::from_be_bytes([0, h[4], h[5], h[6]]),
            reserved: h[7],
            options: options.to_vec(),
        })
    }

    pub fn buffer_len(&self) -> usize {
        BASE_LEN + self.options.len()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push((self.options.len() / 4) as u8 & 0x3f);
        out.push(self.flags);
        out.extend_from_slice(&self.protocol.to_be_bytes());
        out.extend_from_slice(&((self.vni << 8) | u32::from(self.reserved)).to_be_bytes());
        out.extend_from_slice(&self.options);
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        tree.open(&hf::GENEVE, r(0, self.buffer_len()));
        tree.leaf(&hf::GENEVE_VERSION, Value::Uint(0), r(0, 1));
        let options_len = Value::Uint(self.options.len() as u64);
        tree.leaf(&hf::GENEVE_OPTIONS_LEN, options_len, r(0, 1));
        let flags = Value::Flags {
            value: u64::from(self.flags & 0xc0),
            names: FLAG_NAMES,
        };
        tree.leaf(&hf::GENEVE_FLAGS, flags, r(1, 1));
        let proto = named(self.protocol.into(), ethertype::name(self.protocol));
        tree.leaf(&hf::GENEVE_PROTO, proto, r(2, 2));
        tree.leaf(&hf::GENEVE_VNI, Value::Uint(self.vni.into()), r(4, 3));
        if !self.options.is_empty() {
            let range = r(BASE_LEN, self.options.len());
            tree.leaf(&hf::GENEVE_OPTIONS, Value::Bytes(range.clone()), range);
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Geneve", "Decoded on UDP port 6081. The carried frame follows as `inner`.";
        GENEVE = "geneve", Group, "Generic Network Virtualization Encapsulation", "the Geneve header";
        GENEVE_VERSION = "geneve.version", Uint, "Version", "0";
        GENEVE_OPTIONS_LEN = "geneve.options_length", Uint, "Options length", "length of the options, in bytes (Wireshark shows the header length)";
        GENEVE_FLAGS = "geneve.flags", Flags, "Flags", "the O (OAM) and C (critical options) bits";
        GENEVE_PROTO = "geneve.proto_type", Named, "Protocol type", "the ethertype of the carried frame";
        GENEVE_VNI = "geneve.vni", Uint, "VNI", "virtual network identifier";
        GENEVE_OPTIONS = "geneve.options", Bytes, "Options", "the options, when there are any";
    }
}
