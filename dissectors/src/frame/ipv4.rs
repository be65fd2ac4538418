//! IPv4 header with options, decoded with etherparse's header slice.

use super::{checksum, named, HeaderError, Options};
use crate::tree::{Tree, Value};
use etherparse::err::ipv4::HeaderSliceError;
use etherparse::Ipv4HeaderSlice;
use std::net::Ipv4Addr;

pub const MIN_HEADER_LEN: usize = 20;

named_numbers! {
    /// IP protocol numbers this crate names (shared by IPv4 and IPv6).
    pub mod protocol: u8, [fn name] {
        HOP_BY_HOP = 0 => "HOPOPT",
        ICMP = 1,
        IGMP = 2,
        IPIP = 4,
        TCP = 6,
        UDP = 17,
        IPV6 = 41,
        IPV6_ROUTE = 43,
        IPV6_FRAG = 44,
        GRE = 47,
        ESP = 50,
        AH = 51,
        ICMPV6 = 58,
        IPV6_NONXT = 59,
        IPV6_OPTS = 60,
        OSPF = 89,
        PIM = 103,
        VRRP = 112,
        SCTP = 132,
    }
}

named_numbers! {
    /// The 3 flag bits of the IPv4 header.
    pub mod flag: u8, [flags FLAG_NAMES] {
        RB = 0b100,
        DF = 0b010,
        MF = 0b001,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// The whole DSCP/ECN byte.
    pub tos: u8,
    pub total_len: u16,
    pub ident: u16,
    /// The 3 flag bits (`flag::DF`, `flag::MF`).
    pub flags: u8,
    /// In 8-byte units (13 bits).
    pub frag_offset: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub checksum: u16,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Options; their length is a multiple of 4 (the header length is derived from it).
    pub options: Options,
}

impl Ipv4Repr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h = Ipv4HeaderSlice::from_slice(bytes).map_err(|e| match e {
            HeaderSliceError::Len(_) => HeaderError::Truncated,
            HeaderSliceError::Content(_) => HeaderError::Malformed,
        })?;
        let flags = (u8::from(h.dont_fragment()) << 1) | u8::from(h.more_fragments());
        let reserved = h.slice().get(6).map_or(0, |b| b >> 7);
        Ok(Ipv4Repr {
            tos: h.slice().get(1).copied().unwrap_or_default(),
            total_len: h.total_len(),
            ident: h.identification(),
            flags: flags | reserved << 2,
            frag_offset: h.fragments_offset().value(),
            ttl: h.ttl(),
            protocol: h.protocol().0,
            checksum: h.header_checksum(),
            src: h.source_addr(),
            dst: h.destination_addr(),
            options: Options::new(h.options()).ok_or(HeaderError::Malformed)?,
        })
    }

    pub fn header_len(&self) -> usize {
        MIN_HEADER_LEN + self.options.len()
    }

    pub fn buffer_len(&self) -> usize {
        self.header_len()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        let ihl = (self.header_len() / 4) as u8;
        out.push(0x40 | (ihl & 0x0f));
        out.push(self.tos);
        out.extend_from_slice(&self.total_len.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        let frag = (u16::from(self.flags & 7) << 13) | (self.frag_offset & 0x1fff);
        out.extend_from_slice(&frag.to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol);
        out.extend_from_slice(&self.checksum.to_be_bytes());
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(self.options.as_slice());
    }

    /// The header checksum this header should carry.
    pub fn compute_checksum(&self) -> u16 {
        let mut bytes = Vec::with_capacity(self.header_len());
        Ipv4Repr {
            checksum: 0,
            ..*self
        }
        .emit(&mut bytes);
        checksum::internet(&bytes)
    }

    /// Sets the checksum to the right value.
    pub fn fill_checksum(&mut self) {
        self.checksum = self.compute_checksum();
    }

    /// The sum of the pseudo-header that TCP and UDP checksums cover.
    pub fn pseudo_header_sum(&self, upper_len: usize) -> u64 {
        checksum::pseudo_header_v4(self.src, self.dst, self.protocol, upper_len)
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        let hl = self.header_len();
        tree.open(&hf::IP, r(0, hl));
        tree.leaf(&hf::IP_VERSION, Value::Uint(4), r(0, 1));
        tree.leaf(&hf::IP_HDR_LEN, Value::Uint(hl as u64), r(0, 1));
        tree.leaf(
            &hf::IP_TOS,
            Value::Hex {
                value: self.tos.into(),
                digits: 2,
            },
            r(1, 1),
        );
        tree.leaf(&hf::IP_LEN, Value::Uint(self.total_len.into()), r(2, 2));
        tree.leaf(
            &hf::IP_ID,
            Value::Hex {
                value: self.ident.into(),
                digits: 4,
            },
            r(4, 2),
        );
        tree.leaf(
            &hf::IP_FLAGS,
            Value::Flags {
                value: self.flags.into(),
                names: FLAG_NAMES,
            },
            r(6, 1),
        );
        tree.leaf(
            &hf::IP_FRAG_OFFSET,
            Value::Uint(self.frag_offset.into()),
            r(6, 2),
        );
        tree.leaf(&hf::IP_TTL, Value::Uint(self.ttl.into()), r(8, 1));
        tree.leaf(
            &hf::IP_PROTO,
            named(self.protocol.into(), protocol::name(self.protocol)),
            r(9, 1),
        );
        tree.leaf(
            &hf::IP_CHECKSUM,
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(10, 2),
        );
        tree.leaf(&hf::IP_SRC, Value::Ipv4(self.src), r(12, 4));
        tree.leaf(&hf::IP_DST, Value::Ipv4(self.dst), r(16, 4));
        if !self.options.is_empty() {
            let opts = r(MIN_HEADER_LEN, self.options.len());
            tree.leaf(&hf::IP_OPTIONS, Value::Bytes(opts.clone()), opts);
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "IPv4", "A transport header is decoded only in a first fragment (offset 0).";
        IP = "ip", Group, "Internet Protocol version 4", "the IPv4 header; inside `icmp`, the quoted header of an error message";
        IP_VERSION = "ip.version", Uint, "Version", "4";
        IP_HDR_LEN = "ip.hdr_len", Uint, "Header length", "header length in bytes";
        IP_TOS = "ip.tos", Hex, "Type of service", "the DSCP/ECN byte (Wireshark: `ip.dsfield`)";
        IP_LEN = "ip.len", Uint, "Total length", "total length";
        IP_ID = "ip.id", Hex, "Identification", "identification";
        IP_FLAGS = "ip.flags", Flags, "Flags", "the 3 flag bits";
        IP_FRAG_OFFSET = "ip.frag_offset", Uint, "Fragment offset", "fragment offset, in 8-byte units";
        IP_TTL = "ip.ttl", Uint, "Time to live", "time to live";
        IP_PROTO = "ip.proto", Named, "Protocol", "protocol";
        IP_CHECKSUM = "ip.checksum", Hex, "Header checksum", "header checksum as sent";
        IP_SRC = "ip.src", Ipv4, "Source", "addresses";
        IP_DST = "ip.dst", Ipv4, "Destination", "addresses";
        IP_OPTIONS = "ip.options", Bytes, "Options", "options, when the header has any";
    }
}
