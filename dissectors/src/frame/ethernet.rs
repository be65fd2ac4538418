//! Ethernet II header.

use super::{be16, named, HeaderError};
use crate::tree::{Tree, Value};

pub const ETHERNET_LEN: usize = 14;

named_numbers! {
    /// Ethertypes this crate names.
    pub mod ethertype: u16, [fn name] {
        IPV4 = 0x0800 => "IPv4",
        ARP = 0x0806,
        VLAN = 0x8100 => "802.1Q",
        IPV6 = 0x86dd => "IPv6",
        QINQ = 0x88a8 => "802.1ad",
        LLDP = 0x88cc,
        /// Pre-standard 802.1ad outer tag, still sent by some switches.
        QINQ_OLD = 0x9100 => "802.1QinQ",
        RARP = 0x8035,
        MPLS = 0x8847,
        /// Transparent Ethernet bridging: an Ethernet frame inside GRE or Geneve.
        TEB = 0x6558 => "Transparent Ethernet bridging",
        /// GRE's protocol type for ERSPAN types I and II.
        ERSPAN = 0x88be,
        ERSPAN_III = 0x22eb => "ERSPAN III",
        MPLS_MULTICAST = 0x8848 => "MPLS multicast",
        MACSEC = 0x88e5 => "MACsec",
        /// Broadcast domain discovery (ONOS, Floodlight): LLDP's format under its own type.
        BDDP = 0x8942,
    }
}

/// The 14-byte Ethernet II header. `ethertype` is the type field right after the source
/// address (the outer TPID when the frame is tagged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetRepr {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    pub ethertype: u16,
}

impl EthernetRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; ETHERNET_LEN] = bytes
            .get(..ETHERNET_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        Ok(EthernetRepr {
            dst: [h[0], h[1], h[2], h[3], h[4], h[5]],
            src: [h[6], h[7], h[8], h[9], h[10], h[11]],
            ethertype: be16([h[12], h[13]]),
        })
    }

    /// An IEEE 802.3 frame carries its length (at most 1500) where Ethernet II has a type.
    pub fn is_802_3(&self) -> bool {
        self.ethertype <= 1500
    }

    pub fn buffer_len(&self) -> usize {
        ETHERNET_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        out.extend_from_slice(&self.ethertype.to_be_bytes());
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        tree.open(&hf::ETH, at..at + ETHERNET_LEN);
        tree.leaf(&hf::ETH_DST, Value::Mac(self.dst), at..at + 6);
        tree.leaf(&hf::ETH_SRC, Value::Mac(self.src), at + 6..at + 12);
        if self.is_802_3() {
            let len = Value::Uint(self.ethertype.into());
            tree.leaf(&hf::ETH_LEN, len, at + 12..at + 14);
        } else {
            let name = ethertype::name(self.ethertype);
            let value = named(self.ethertype.into(), name);
            tree.leaf(&hf::ETH_TYPE, value, at + 12..at + 14);
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Frames: Ethernet", "The frame inside a PACKET_IN or PACKET_OUT (group `data`). Its groups follow the frame's layers in order; each is present only when its layer was decoded. Where a name differs from Wireshark's, the Wireshark name is given.";
        ETH = "eth", Group, "Ethernet II", "the Ethernet header";
        ETH_DST = "eth.dst", Mac, "Destination", "destination address";
        ETH_SRC = "eth.src", Mac, "Source", "source address";
        ETH_LEN = "eth.len", Uint, "Length", "instead of `eth.type` when the field is a length (IEEE 802.3, at most 1500)";
        ETH_TYPE = "eth.type", Named, "Type", "the type field after the source address: the outer TPID of a tagged frame";
        ETH_TRAILER = "eth.trailer", Bytes, "Trailer", "bytes after the network layer's own length (padding), top level";
    }
}
