//! ICMPv6: echo, and neighbour discovery (RFC 4861).

use super::{be16, checksum, named, HeaderError, Ipv6Repr};
use crate::tree::{Tree, Value};
use std::net::Ipv6Addr;

pub const HEADER_LEN: usize = 8;

named_numbers! {
    /// ICMPv6 message types.
    pub mod kind: u8, [fn name] {
        DEST_UNREACH = 1,
        PACKET_TOO_BIG = 2,
        TIME_EXCEEDED = 3,
        PARAM_PROBLEM = 4,
        ECHO_REQUEST = 128,
        ECHO_REPLY = 129,
        MLD_QUERY = 130,
        MLD_REPORT = 131,
        MLD_DONE = 132,
        ROUTER_SOLICIT = 133,
        ROUTER_ADVERT = 134,
        NEIGHBOR_SOLICIT = 135,
        NEIGHBOR_ADVERT = 136,
        REDIRECT = 137,
        MLD2_REPORT = 143,
    }
}

/// The neighbour-discovery part of a solicitation or advertisement: the target and the
/// link-layer address option, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdRepr {
    pub target: Ipv6Addr,
    pub lladdr: Option<LinkAddrOption>,
}

/// A source (type 1) or target (type 2) link-layer address option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkAddrOption {
    pub opt_type: u8,
    pub mac: [u8; 6],
    /// Where the option starts, counted from the end of the ICMPv6 header.
    pub offset: usize,
}

impl NdRepr {
    /// Decodes from the bytes after the ICMPv6 header.
    fn parse(data: &[u8]) -> Option<Self> {
        let target: [u8; 16] = data.get(..16)?.try_into().ok()?;
        let mut options = super::tail(data, 16);
        let mut offset = 16;
        let mut lladdr = None;
        // Options are (type, length in 8-byte units, value); stop at the first bad one.
        while let [opt_type, units, ..] = *options {
            let len = usize::from(units) * 8;
            let Some(opt) = options.get(..len).filter(|_| len > 0) else {
                break;
            };
            if let (1 | 2, Some(mac)) = (opt_type, opt.get(2..8)) {
                lladdr = mac.try_into().ok().map(|mac| LinkAddrOption {
                    opt_type,
                    mac,
                    offset,
                });
            }
            options = super::tail(options, len);
            offset += len;
        }
        Some(NdRepr {
            target: Ipv6Addr::from(target),
            lladdr,
        })
    }
}

/// The 8-byte ICMPv6 header. The data after it stays in the frame payload; for neighbour
/// solicitations and advertisements it is decoded into `nd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmpv6Repr {
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    /// Bytes 4..8: id and sequence for echo, flags for an advertisement.
    pub rest: [u8; 4],
    pub nd: Option<NdRepr>,
}

impl Icmpv6Repr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        let nd = match h[0] {
            kind::NEIGHBOR_SOLICIT | kind::NEIGHBOR_ADVERT => {
                NdRepr::parse(super::tail(bytes, HEADER_LEN))
            }
            _ => None,
        };
        Ok(Icmpv6Repr {
            icmp_type: h[0],
            code: h[1],
            checksum: be16([h[2], h[3]]),
            rest: [h[4], h[5], h[6], h[7]],
            nd,
        })
    }

    pub fn echo_id(&self) -> u16 {
        be16([self.rest[0], self.rest[1]])
    }

    pub fn echo_seq(&self) -> u16 {
        be16([self.rest[2], self.rest[3]])
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.icmp_type);
        out.push(self.code);
        out.extend_from_slice(&self.checksum.to_be_bytes());
        out.extend_from_slice(&self.rest);
    }

    /// The checksum over the pseudo-header of `ip`, this header and `data`.
    pub fn compute_checksum(&self, ip: &Ipv6Repr, data: &[u8]) -> u16 {
        let mut header = Vec::with_capacity(HEADER_LEN);
        Icmpv6Repr {
            checksum: 0,
            ..*self
        }
        .emit(&mut header);
        let pseudo = ip.pseudo_header_sum(HEADER_LEN + data.len());
        checksum::finish(pseudo + checksum::sum(&header) + checksum::sum(data))
    }

    /// tcpdump-style text; `length` is the ICMPv6 length the IPv6 header declares.
    pub fn summary(&self, length: usize) -> String {
        let text = match (self.icmp_type, self.nd) {
            (kind::ECHO_REQUEST | kind::ECHO_REPLY, _) => format!(
                "echo {}, id {}, seq {}",
                if self.icmp_type == kind::ECHO_REQUEST {
                    "request"
                } else {
                    "reply"
                },
                self.echo_id(),
                self.echo_seq()
            ),
            (kind::NEIGHBOR_SOLICIT, Some(nd)) => {
                format!("neighbor solicitation, who has {}", nd.target)
            }
            (kind::NEIGHBOR_ADVERT, Some(nd)) => {
                format!("neighbor advertisement, tgt is {}", nd.target)
            }
            (kind::ROUTER_SOLICIT, _) => "router solicitation".into(),
            (kind::ROUTER_ADVERT, _) => "router advertisement".into(),
            (t, _) => match kind::name(t) {
                Some(name) => format!("{name}, code {}", self.code),
                None => format!("type {t}, code {}", self.code),
            },
        };
        format!("ICMP6, {text}, length {length}")
    }

    /// `data_len` is the length of the data after the header, which the group also covers.
    pub fn build_tree(&self, tree: &mut Tree, at: usize, data_len: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        let all = r(0, HEADER_LEN + data_len);
        tree.open(&hf::ICMPV6, all);
        tree.leaf(
            &hf::ICMPV6_TYPE,
            named(self.icmp_type.into(), kind::name(self.icmp_type)),
            r(0, 1),
        );
        tree.leaf(&hf::ICMPV6_CODE, Value::Uint(self.code.into()), r(1, 1));
        tree.leaf(
            &hf::ICMPV6_CHECKSUM,
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(2, 2),
        );
        match self.icmp_type {
            kind::ECHO_REQUEST | kind::ECHO_REPLY => {
                tree.leaf(&hf::ICMPV6_ID, Value::Uint(self.echo_id().into()), r(4, 2));
                tree.leaf(
                    &hf::ICMPV6_SEQ,
                    Value::Uint(self.echo_seq().into()),
                    r(6, 2),
                );
            }
            kind::NEIGHBOR_ADVERT => {
                tree.leaf(
                    &hf::ICMPV6_ND_FLAGS,
                    Value::Flags {
                        value: self.rest[0].into(),
                        names: &[(0x80, "ROUTER"), (0x40, "SOLICITED"), (0x20, "OVERRIDE")],
                    },
                    r(4, 4),
                );
            }
            _ => {}
        }
        if let Some(nd) = &self.nd {
            tree.leaf(&hf::ICMPV6_ND_TARGET, Value::Ipv6(nd.target), r(8, 16));
            if let Some(opt) = nd.lladdr {
                let label = if opt.opt_type == 1 {
                    "Source link-layer address"
                } else {
                    "Target link-layer address"
                };
                let mac = r(HEADER_LEN + opt.offset + 2, 6);
                tree.leaf_labelled(&hf::ICMPV6_ND_LLADDR, label, Value::Mac(opt.mac), mac);
            }
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "ICMPv6", "";
        ICMPV6 = "icmpv6", Group, "Internet Control Message Protocol v6", "ICMP for IPv6";
        ICMPV6_TYPE = "icmpv6.type", Named, "Type", "type";
        ICMPV6_CODE = "icmpv6.code", Uint, "Code", "code";
        ICMPV6_CHECKSUM = "icmpv6.checksum", Hex, "Checksum", "checksum as sent";
        ICMPV6_ID = "icmpv6.id", Uint, "Identifier", "echo identifier and sequence (Wireshark: `icmpv6.echo.identifier`, `icmpv6.echo.sequence_number`)";
        ICMPV6_SEQ = "icmpv6.seq", Uint, "Sequence", "echo identifier and sequence (Wireshark: `icmpv6.echo.identifier`, `icmpv6.echo.sequence_number`)";
        ICMPV6_ND_FLAGS = "icmpv6.nd.flags", Flags, "Flags", "neighbour advertisement flags";
        ICMPV6_ND_TARGET = "icmpv6.nd.target", Ipv6, "Target address", "target of a neighbour solicitation/advertisement (Wireshark: `icmpv6.nd.ns.target_address` / `icmpv6.nd.na.target_address`)";
        ICMPV6_ND_LLADDR = "icmpv6.nd.lladdr", Mac, "Source link-layer address", "source or target link-layer address option (Wireshark: `icmpv6.opt.linkaddr`)";
    }
}
