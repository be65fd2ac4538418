//! IPv4 header with options, decoded with etherparse's header slice.

use super::{checksum, named, HeaderError, Options};
use crate::tree::{Kind, Tree, Value};
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
        tree.open("Internet Protocol version 4", "ip", Kind::Group, r(0, hl));
        tree.leaf("Version", "ip.version", Value::Uint(4), r(0, 1));
        tree.leaf(
            "Header length",
            "ip.hdr_len",
            Value::Uint(hl as u64),
            r(0, 1),
        );
        tree.leaf(
            "Type of service",
            "ip.tos",
            Value::Hex {
                value: self.tos.into(),
                digits: 2,
            },
            r(1, 1),
        );
        tree.leaf(
            "Total length",
            "ip.len",
            Value::Uint(self.total_len.into()),
            r(2, 2),
        );
        tree.leaf(
            "Identification",
            "ip.id",
            Value::Hex {
                value: self.ident.into(),
                digits: 4,
            },
            r(4, 2),
        );
        tree.leaf(
            "Flags",
            "ip.flags",
            Value::Flags {
                value: self.flags.into(),
                names: FLAG_NAMES,
            },
            r(6, 1),
        );
        tree.leaf(
            "Fragment offset",
            "ip.frag_offset",
            Value::Uint(self.frag_offset.into()),
            r(6, 2),
        );
        tree.leaf(
            "Time to live",
            "ip.ttl",
            Value::Uint(self.ttl.into()),
            r(8, 1),
        );
        tree.leaf(
            "Protocol",
            "ip.proto",
            named(self.protocol.into(), protocol::name(self.protocol)),
            r(9, 1),
        );
        tree.leaf(
            "Header checksum",
            "ip.checksum",
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(10, 2),
        );
        tree.leaf("Source", "ip.src", Value::Ipv4(self.src), r(12, 4));
        tree.leaf("Destination", "ip.dst", Value::Ipv4(self.dst), r(16, 4));
        if !self.options.is_empty() {
            let opts = r(MIN_HEADER_LEN, self.options.len());
            tree.leaf("Options", "ip.options", Value::Bytes(opts.clone()), opts);
        }
        tree.close();
    }
}
