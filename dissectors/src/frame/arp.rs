//! ARP for Ethernet and IPv4 (RFC 826), the only kind OpenFlow 1.0 matches on.

use super::{be16, ethertype, named, HeaderError};
use crate::tree::{Tree, Value};
use std::net::Ipv4Addr;

pub const ARP_LEN: usize = 28;

named_numbers! {
    /// ARP operations.
    pub mod op: u16, [fn name] {
        REQUEST = 1,
        REPLY = 2,
        RARP_REQUEST = 3,
        RARP_REPLY = 4,
        INARP_REQUEST = 8,
        INARP_REPLY = 9,
    }
}

fn htype_name(htype: u16) -> Option<&'static str> {
    match htype {
        1 => Some("ETHERNET"),
        6 => Some("IEEE802"),
        _ => None,
    }
}

/// An ARP packet with 6-byte hardware and 4-byte protocol addresses. Other address sizes
/// are not decoded (their bytes stay in the frame payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpRepr {
    pub htype: u16,
    pub ptype: u16,
    pub op: u16,
    pub sha: [u8; 6],
    pub spa: Ipv4Addr,
    pub tha: [u8; 6],
    pub tpa: Ipv4Addr,
}

impl ArpRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; ARP_LEN] = bytes
            .get(..ARP_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        if h[4] != 6 || h[5] != 4 {
            return Err(HeaderError::Malformed);
        }
        Ok(ArpRepr {
            htype: be16([h[0], h[1]]),
            ptype: be16([h[2], h[3]]),
            op: be16([h[6], h[7]]),
            sha: [h[8], h[9], h[10], h[11], h[12], h[13]],
            spa: Ipv4Addr::new(h[14], h[15], h[16], h[17]),
            tha: [h[18], h[19], h[20], h[21], h[22], h[23]],
            tpa: Ipv4Addr::new(h[24], h[25], h[26], h[27]),
        })
    }

    pub fn buffer_len(&self) -> usize {
        ARP_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.htype.to_be_bytes());
        out.extend_from_slice(&self.ptype.to_be_bytes());
        out.extend_from_slice(&[6, 4]);
        out.extend_from_slice(&self.op.to_be_bytes());
        out.extend_from_slice(&self.sha);
        out.extend_from_slice(&self.spa.octets());
        out.extend_from_slice(&self.tha);
        out.extend_from_slice(&self.tpa.octets());
    }

    /// The tcpdump-style one-liner.
    pub fn summary(&self) -> String {
        match self.op {
            op::REQUEST => format!("ARP who-has {} tell {}", self.tpa, self.spa),
            op::REPLY => format!("ARP reply {} is-at {}", self.spa, Value::Mac(self.sha)),
            other => format!(
                "ARP {} {} > {}",
                op::name(other).unwrap_or("op"),
                self.spa,
                self.tpa
            ),
        }
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        tree.open(&hf::ARP, r(0, ARP_LEN));
        tree.leaf(
            &hf::ARP_HTYPE,
            named(self.htype.into(), htype_name(self.htype)),
            r(0, 2),
        );
        tree.leaf(
            &hf::ARP_PTYPE,
            named(self.ptype.into(), ethertype::name(self.ptype)),
            r(2, 2),
        );
        tree.leaf(&hf::ARP_HLEN, Value::Uint(6), r(4, 1));
        tree.leaf(&hf::ARP_PLEN, Value::Uint(4), r(5, 1));
        tree.leaf(
            &hf::ARP_OP,
            named(self.op.into(), op::name(self.op)),
            r(6, 2),
        );
        tree.leaf(&hf::ARP_SHA, Value::Mac(self.sha), r(8, 6));
        tree.leaf(&hf::ARP_SPA, Value::Ipv4(self.spa), r(14, 4));
        tree.leaf(&hf::ARP_THA, Value::Mac(self.tha), r(18, 6));
        tree.leaf(&hf::ARP_TPA, Value::Ipv4(self.tpa), r(24, 4));
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "ARP", "";
        ARP = "arp", Group, "Address Resolution Protocol", "ARP with Ethernet and IPv4 address sizes";
        ARP_HTYPE = "arp.htype", Named, "Hardware type", "hardware type (Wireshark: `arp.hw.type`)";
        ARP_PTYPE = "arp.ptype", Named, "Protocol type", "protocol type (Wireshark: `arp.proto.type`)";
        ARP_HLEN = "arp.hlen", Uint, "Hardware size", "hardware address size, always 6 here (Wireshark: `arp.hw.size`)";
        ARP_PLEN = "arp.plen", Uint, "Protocol size", "protocol address size, always 4 here (Wireshark: `arp.proto.size`)";
        ARP_OP = "arp.op", Named, "Opcode", "opcode (Wireshark: `arp.opcode`)";
        ARP_SHA = "arp.sha", Mac, "Sender MAC", "sender MAC (Wireshark: `arp.src.hw_mac`)";
        ARP_SPA = "arp.spa", Ipv4, "Sender IP", "sender IP (Wireshark: `arp.src.proto_ipv4`)";
        ARP_THA = "arp.tha", Mac, "Target MAC", "target MAC (Wireshark: `arp.dst.hw_mac`)";
        ARP_TPA = "arp.tpa", Ipv4, "Target IP", "target IP (Wireshark: `arp.dst.proto_ipv4`)";
    }
}
