//! ERSPAN (Cisco's encapsulated remote SPAN) inside GRE: type II (GRE protocol 0x88be with
//! a sequence number) and type III (0x22eb) have this header before the mirrored Ethernet
//! frame; type I (0x88be without a sequence number) has none.

use super::{ethertype, gre::GreRepr, HeaderError};
use crate::tree::{Tree, Value};

pub const TYPE_II_LEN: usize = 8;
pub const TYPE_III_LEN: usize = 12;
/// The platform-specific subheader a type III header carries when its O bit is set.
pub const PLATFORM_LEN: usize = 8;

/// The version field: type II is 1, type III is 2.
const VERSION_II: u32 = 1;
const VERSION_III: u32 = 2;

/// An ERSPAN type II or III header, kept as its 32-bit words (the fields are bit ranges of
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErspanRepr {
    /// Version, VLAN, CoS, encapsulation (BSO in type III), T bit and session id.
    pub word0: u32,
    /// Type II: reserved bits and the index; type III: the timestamp.
    pub word1: u32,
    /// Type III only: SGT, P, frame type, hardware id, direction, granularity, O bit.
    pub word2: Option<u32>,
    /// Type III with the O bit: the platform-specific subheader.
    pub platform: Option<u64>,
}

/// Whether a GRE header announces an ERSPAN header (types II and III), as opposed to type
/// I's bare mirrored frame or another protocol.
pub fn follows(gre: &GreRepr) -> bool {
    match gre.protocol {
        ethertype::ERSPAN => gre.sequence.is_some(),
        ethertype::ERSPAN_III => true,
        _ => false,
    }
}

impl ErspanRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let word = |i: usize| super::be_u32_at(bytes, i * 4);
        let word0 = word(0)?;
        let word1 = word(1)?;
        match word0 >> 28 {
            VERSION_II => Ok(ErspanRepr {
                word0,
                word1,
                word2: None,
                platform: None,
            }),
            VERSION_III => {
                let word2 = word(2)?;
                let platform = if word2 & 1 != 0 {
                    let p = bytes
                        .get(TYPE_III_LEN..TYPE_III_LEN + PLATFORM_LEN)
                        .ok_or(HeaderError::Truncated)?;
                    Some(u64::from_be_bytes(
                        p.try_into().map_err(|_| HeaderError::Truncated)?,
                    ))
                } else {
                    None
                };
                Ok(ErspanRepr {
                    word0,
                    word1,
                    word2: Some(word2),
                    platform,
                })
            }
            _ => Err(HeaderError::Malformed),
        }
    }

    /// 2 for type II, 3 for type III.
    pub fn kind(&self) -> u8 {
        if self.word2.is_some() {
            3
        } else {
            2
        }
    }

    pub fn session(&self) -> u16 {
        (self.word0 & 0x3ff) as u16
    }

    pub fn buffer_len(&self) -> usize {
        match (self.word2, self.platform) {
            (None, _) => TYPE_II_LEN,
            (Some(_), None) => TYPE_III_LEN,
            (Some(_), Some(_)) => TYPE_III_LEN + PLATFORM_LEN,
        }
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        for word in [Some(self.word0), Some(self.word1), self.word2]
            .into_iter()
            .flatten()
        {
            out.extend_from_slice(&word.to_be_bytes());
        }
        if let Some(platform) = self.platform {
            out.extend_from_slice(&platform.to_be_bytes());
        }
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        let bits = |word: u32, shift: u32, width: u32| {
            Value::Uint(u64::from((word >> shift) & ((1 << width) - 1)))
        };
        let w0 = self.word0;
        tree.open(&hf::ERSPAN, r(0, self.buffer_len()));
        tree.leaf(&hf::ERSPAN_VERSION, bits(w0, 28, 4), r(0, 1));
        tree.leaf(&hf::ERSPAN_VLAN, bits(w0, 16, 12), r(0, 2));
        tree.leaf(&hf::ERSPAN_COS, bits(w0, 13, 3), r(2, 1));
        tree.leaf(&hf::ERSPAN_ENCAP, bits(w0, 11, 2), r(2, 1));
        tree.leaf(&hf::ERSPAN_TRUNCATED, Value::Bool(w0 & 0x400 != 0), r(2, 1));
        tree.leaf(&hf::ERSPAN_SPANID, bits(w0, 0, 10), r(2, 2));
        match self.word2 {
            None => tree.leaf(&hf::ERSPAN_INDEX, bits(self.word1, 0, 20), r(4, 4)),
            Some(w2) => {
                tree.leaf(
                    &hf::ERSPAN_TIMESTAMP,
                    Value::Uint(self.word1.into()),
                    r(4, 4),
                );
                tree.leaf(&hf::ERSPAN_SGT, bits(w2, 16, 16), r(8, 2));
                tree.leaf(&hf::ERSPAN_FT, bits(w2, 10, 5), r(10, 1));
                tree.leaf(&hf::ERSPAN_HW, bits(w2, 4, 6), r(10, 2));
                tree.leaf(&hf::ERSPAN_DIRECTION, Value::Bool(w2 & 0x8 != 0), r(11, 1));
                tree.leaf(&hf::ERSPAN_GRA, bits(w2, 1, 2), r(11, 1));
                if let Some(platform) = self.platform {
                    let value = Value::Hex {
                        value: platform,
                        digits: 16,
                    };
                    tree.leaf(&hf::ERSPAN_PLATFORM, value, r(TYPE_III_LEN, PLATFORM_LEN));
                }
            }
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "ERSPAN", "The header of ERSPAN types II and III, inside `gre`; the mirrored frame follows as `inner`.";
        ERSPAN = "erspan", Group, "Encapsulated Remote SPAN", "the ERSPAN header";
        ERSPAN_VERSION = "erspan.version", Uint, "Version", "1 for type II, 2 for type III";
        ERSPAN_VLAN = "erspan.vlan", Uint, "VLAN", "the mirrored frame's original VLAN";
        ERSPAN_COS = "erspan.cos", Uint, "Class of service", "the mirrored frame's class of service";
        ERSPAN_ENCAP = "erspan.encap", Uint, "Encapsulation", "type II: how the frame was tagged; type III: bad/short/oversized (Wireshark: `erspan.bso`)";
        ERSPAN_TRUNCATED = "erspan.truncated", Bool, "Truncated", "the mirrored frame was cut to fit";
        ERSPAN_SPANID = "erspan.spanid", Uint, "Session id", "the mirroring session, 0-1023";
        ERSPAN_INDEX = "erspan.index", Uint, "Index", "type II: the port or module index";
        ERSPAN_TIMESTAMP = "erspan.timestamp", Uint, "Timestamp", "type III: timestamp, in units of `erspan.gra`";
        ERSPAN_SGT = "erspan.sgt", Uint, "Security group tag", "type III";
        ERSPAN_FT = "erspan.ft", Uint, "Frame type", "type III: 0 Ethernet, 2 IP";
        ERSPAN_HW = "erspan.hw", Uint, "Hardware id", "type III";
        ERSPAN_DIRECTION = "erspan.direction", Bool, "Egress", "type III: true when the frame was mirrored on egress";
        ERSPAN_GRA = "erspan.gra", Uint, "Timestamp granularity", "type III";
        ERSPAN_PLATFORM = "erspan.platform", Hex, "Platform subheader", "type III with the O bit: the platform-specific subheader";
    }
}
