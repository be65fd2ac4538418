//! IPv6 header and its extension headers, decoded with etherparse (lax on the extensions).

use super::{checksum, ipv4::protocol, named, HeaderError};
use crate::tree::{Tree, Value};
use etherparse::err::ipv6::HeaderSliceError;
use etherparse::{Ipv6ExtensionsSlice, Ipv6HeaderSlice};
use std::net::Ipv6Addr;

pub const HEADER_LEN: usize = 40;

/// The fixed IPv6 header plus its extension headers, kept raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Repr {
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    pub payload_len: u16,
    pub next_header: u8,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// Hop-by-hop, routing, fragment, destination-options and authentication headers, as
    /// they are on the wire (no allocation when there are none).
    pub extensions: Vec<u8>,
    /// The protocol after the extension headers.
    pub protocol: u8,
    /// A fragment header says this is not a whole datagram (derived from `extensions`).
    pub fragmented: bool,
}

impl Ipv6Repr {
    /// A header with no extensions.
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, payload_len: u16) -> Self {
        Ipv6Repr {
            traffic_class: 0,
            flow_label: 0,
            payload_len,
            next_header,
            hop_limit: 64,
            src,
            dst,
            extensions: Vec::new(),
            protocol: next_header,
            fragmented: false,
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h = Ipv6HeaderSlice::from_slice(bytes).map_err(|e| match e {
            HeaderSliceError::Len(_) => HeaderError::Truncated,
            HeaderSliceError::Content(_) => HeaderError::Malformed,
        })?;
        let declared_end = HEADER_LEN + usize::from(h.payload_length());
        let body = bytes
            .get(HEADER_LEN..declared_end.min(bytes.len()))
            .unwrap_or_default();
        // Lax: the extensions that are whole are kept; a cut one is left to the payload.
        let (exts, protocol, _, _) = Ipv6ExtensionsSlice::from_slice_lax(h.next_header(), body);
        Ok(Ipv6Repr {
            traffic_class: h.traffic_class(),
            flow_label: h.flow_label().value(),
            payload_len: h.payload_length(),
            next_header: h.next_header().0,
            hop_limit: h.hop_limit(),
            src: h.source_addr(),
            dst: h.destination_addr(),
            extensions: exts.slice().to_vec(),
            protocol: protocol.0,
            fragmented: exts.is_fragmenting_payload(),
        })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.extensions.len()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        let word =
            (6u32 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0xf_ffff);
        out.extend_from_slice(&word.to_be_bytes());
        out.extend_from_slice(&self.payload_len.to_be_bytes());
        out.push(self.next_header);
        out.push(self.hop_limit);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(&self.extensions);
    }

    /// The sum of the pseudo-header that TCP, UDP and ICMPv6 checksums cover.
    pub fn pseudo_header_sum(&self, upper_len: usize) -> u64 {
        checksum::pseudo_header_v6(self.src, self.dst, self.protocol, upper_len)
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        tree.open(&hf::IPV6, r(0, self.buffer_len()));
        tree.leaf(&hf::IPV6_VERSION, Value::Uint(6), r(0, 1));
        tree.leaf(
            &hf::IPV6_TCLASS,
            Value::Hex {
                value: self.traffic_class.into(),
                digits: 2,
            },
            r(0, 2),
        );
        tree.leaf(
            &hf::IPV6_FLOW,
            Value::Hex {
                value: self.flow_label.into(),
                digits: 5,
            },
            r(1, 3),
        );
        tree.leaf(
            &hf::IPV6_PLEN,
            Value::Uint(self.payload_len.into()),
            r(4, 2),
        );
        tree.leaf(
            &hf::IPV6_NXT,
            named(self.next_header.into(), protocol::name(self.next_header)),
            r(6, 1),
        );
        tree.leaf(&hf::IPV6_HLIM, Value::Uint(self.hop_limit.into()), r(7, 1));
        tree.leaf(&hf::IPV6_SRC, Value::Ipv6(self.src), r(8, 16));
        tree.leaf(&hf::IPV6_DST, Value::Ipv6(self.dst), r(24, 16));
        if !self.extensions.is_empty() {
            let ext = r(HEADER_LEN, self.extensions.len());
            tree.leaf(&hf::IPV6_EXT, Value::Bytes(ext.clone()), ext.clone());
            tree.leaf(
                &hf::IPV6_PROTOCOL,
                named(self.protocol.into(), protocol::name(self.protocol)),
                ext,
            );
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "IPv6", "";
        IPV6 = "ipv6", Group, "Internet Protocol version 6", "the IPv6 header";
        IPV6_VERSION = "ipv6.version", Uint, "Version", "6";
        IPV6_TCLASS = "ipv6.tclass", Hex, "Traffic class", "traffic class";
        IPV6_FLOW = "ipv6.flow", Hex, "Flow label", "flow label";
        IPV6_PLEN = "ipv6.plen", Uint, "Payload length", "payload length";
        IPV6_NXT = "ipv6.nxt", Named, "Next header", "next header";
        IPV6_HLIM = "ipv6.hlim", Uint, "Hop limit", "hop limit";
        IPV6_SRC = "ipv6.src", Ipv6, "Source", "addresses";
        IPV6_DST = "ipv6.dst", Ipv6, "Destination", "addresses";
        IPV6_EXT = "ipv6.ext", Bytes, "Extension headers", "extension headers (hop-by-hop, routing, fragment, destination options, AH), when present";
        IPV6_PROTOCOL = "ipv6.protocol", Named, "Upper-layer protocol", "the protocol after the extension headers, when there are any (not in Wireshark)";
    }
}
