//! GRE (RFC 2784, with RFC 2890's key and sequence number): the header that carries an
//! Ethernet frame, an IP packet, an MPLS stack or an ERSPAN session inside IP protocol 47.

use super::{be16, ethertype, named, HeaderError};
use crate::tree::{Tree, Value};

/// The fixed part: flags and version, then the protocol type.
pub const BASE_LEN: usize = 4;

named_numbers! {
    /// The flag bits of the first 16-bit word that this crate decodes.
    pub mod flag: u16, [flags FLAG_NAMES] {
        CHECKSUM = 0x8000 => "C",
        ROUTING = 0x4000 => "R",
        KEY = 0x2000 => "K",
        SEQUENCE = 0x1000 => "S",
    }
}

/// A GRE header of version 0. The optional words are present as their flag bits say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreRepr {
    /// The first word: flags, reserved bits and version (0).
    pub flags_version: u16,
    /// The ethertype of what follows.
    pub protocol: u16,
    /// Checksum and the reserved word after it, when the C bit is set.
    pub checksum: Option<(u16, u16)>,
    pub key: Option<u32>,
    pub sequence: Option<u32>,
}

impl GreRepr {
    /// Version 1 (PPTP's enhanced GRE) and source routing (the R bit, deprecated) are
    /// malformed here: their payload is not a frame this crate decodes.
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; BASE_LEN] = bytes
            .get(..BASE_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        let flags_version = be16([h[0], h[1]]);
        if flags_version & 0x7 != 0 || flags_version & flag::ROUTING != 0 {
            return Err(HeaderError::Malformed);
        }
        let mut at = BASE_LEN;
        let mut word = |present: bool| -> Result<Option<u32>, HeaderError> {
            if !present {
                return Ok(None);
            }
            let word = super::be_u32_at(bytes, at)?;
            at += 4;
            Ok(Some(word))
        };
        let checksum = word(flags_version & flag::CHECKSUM != 0)?;
        let key = word(flags_version & flag::KEY != 0)?;
        let sequence = word(flags_version & flag::SEQUENCE != 0)?;
        Ok(GreRepr {
            flags_version,
            protocol: be16([h[2], h[3]]),
            checksum: checksum.map(|w| ((w >> 16) as u16, w as u16)),
            key,
            sequence,
        })
    }

    pub fn buffer_len(&self) -> usize {
        BASE_LEN
            + 4 * (usize::from(self.checksum.is_some())
                + usize::from(self.key.is_some())
                + usize::from(self.sequence.is_some()))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.flags_version.to_be_bytes());
        out.extend_from_slice(&self.protocol.to_be_bytes());
        if let Some((sum, reserved)) = self.checksum {
            out.extend_from_slice(&sum.to_be_bytes());
            out.extend_from_slice(&reserved.to_be_bytes());
        }
        for word in [self.key, self.sequence].into_iter().flatten() {
            out.extend_from_slice(&word.to_be_bytes());
        }
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        tree.open(&hf::GRE, r(0, self.buffer_len()));
        let flags = Value::Flags {
            value: u64::from(self.flags_version & 0xf000),
            names: FLAG_NAMES,
        };
        tree.leaf(&hf::GRE_FLAGS, flags, r(0, 2));
        let version = Value::Uint(u64::from(self.flags_version & 0x7));
        tree.leaf(&hf::GRE_VERSION, version, r(1, 1));
        let proto = named(self.protocol.into(), ethertype::name(self.protocol));
        tree.leaf(&hf::GRE_PROTO, proto, r(2, 2));
        let mut next = BASE_LEN;
        if let Some((sum, _)) = self.checksum {
            let value = Value::Hex {
                value: sum.into(),
                digits: 4,
            };
            tree.leaf(&hf::GRE_CHECKSUM, value, r(next, 2));
            next += 4;
        }
        if let Some(key) = self.key {
            tree.leaf(&hf::GRE_KEY, Value::Uint(key.into()), r(next, 4));
            next += 4;
        }
        if let Some(sequence) = self.sequence {
            tree.leaf(&hf::GRE_SEQUENCE, Value::Uint(sequence.into()), r(next, 4));
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "GRE", "Generic routing encapsulation (IP protocol 47), version 0. The carried packet follows: an `erspan` header, then the frame as `inner`.";
        GRE = "gre", Group, "Generic Routing Encapsulation", "the GRE header";
        GRE_FLAGS = "gre.flags", Flags, "Flags", "the C (checksum), R (routing), K (key) and S (sequence number) bits (Wireshark: `gre.flags_and_version`)";
        GRE_VERSION = "gre.version", Uint, "Version", "0 (Wireshark: `gre.flags.version`)";
        GRE_PROTO = "gre.proto", Named, "Protocol type", "the ethertype of the carried packet";
        GRE_CHECKSUM = "gre.checksum", Hex, "Checksum", "checksum as sent, when the C bit is set";
        GRE_KEY = "gre.key", Uint, "Key", "key, when the K bit is set";
        GRE_SEQUENCE = "gre.sequence_number", Uint, "Sequence number", "sequence number, when the S bit is set";
    }
}
