//! ICMP for IPv4: echo, and the error messages that quote the offending IP header.

use super::{be16, checksum, named, HeaderError, Ipv4Repr};
use crate::tree::{Tree, Value};

pub const HEADER_LEN: usize = 8;

named_numbers! {
    /// ICMP message types.
    pub mod kind: u8, [fn name] {
        ECHO_REPLY = 0,
        DEST_UNREACH = 3,
        SOURCE_QUENCH = 4,
        REDIRECT = 5,
        ECHO_REQUEST = 8,
        ROUTER_ADVERT = 9,
        ROUTER_SOLICIT = 10,
        TIME_EXCEEDED = 11,
        PARAM_PROBLEM = 12,
        TIMESTAMP = 13,
        TIMESTAMP_REPLY = 14,
    }
    also {
        /// Whether the message quotes the IP header (and 8 bytes) of the datagram it is about.
        pub fn is_error(icmp_type: u8) -> bool {
            matches!(
                icmp_type,
                DEST_UNREACH | SOURCE_QUENCH | REDIRECT | TIME_EXCEEDED | PARAM_PROBLEM
            )
        }
    }
}

fn unreach_code_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "NET_UNREACH",
        1 => "HOST_UNREACH",
        2 => "PROTO_UNREACH",
        3 => "PORT_UNREACH",
        4 => "FRAG_NEEDED",
        5 => "SRC_ROUTE_FAILED",
        9 => "NET_PROHIBITED",
        10 => "HOST_PROHIBITED",
        13 => "ADMIN_PROHIBITED",
        _ => return None,
    })
}

/// The 8-byte ICMP header. The data after it stays in the frame payload; for error
/// messages the IP header quoted at its start is decoded into `embedded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpRepr {
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    /// Bytes 4..8: id and sequence for echo, the MTU for "fragmentation needed", the
    /// gateway for a redirect, unused otherwise.
    pub rest: [u8; 4],
    /// The quoted IP header of an error message, when complete.
    pub embedded: Option<Ipv4Repr>,
}

impl IcmpRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        let embedded = if kind::is_error(h[0]) {
            Ipv4Repr::parse(super::tail(bytes, HEADER_LEN)).ok()
        } else {
            None
        };
        Ok(IcmpRepr {
            icmp_type: h[0],
            code: h[1],
            checksum: be16([h[2], h[3]]),
            rest: [h[4], h[5], h[6], h[7]],
            embedded,
        })
    }

    /// An echo request or reply.
    pub fn echo(icmp_type: u8, id: u16, seq: u16) -> Self {
        let [a, b] = id.to_be_bytes();
        let [c, d] = seq.to_be_bytes();
        IcmpRepr {
            icmp_type,
            code: 0,
            checksum: 0,
            rest: [a, b, c, d],
            embedded: None,
        }
    }

    pub fn is_echo(&self) -> bool {
        matches!(self.icmp_type, kind::ECHO_REQUEST | kind::ECHO_REPLY)
    }

    pub fn echo_id(&self) -> u16 {
        be16([self.rest[0], self.rest[1]])
    }

    pub fn echo_seq(&self) -> u16 {
        be16([self.rest[2], self.rest[3]])
    }

    /// The next-hop MTU of a "fragmentation needed" message (RFC 1191).
    pub fn next_hop_mtu(&self) -> u16 {
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

    /// The checksum over this header and `data` (ICMP has no pseudo-header).
    pub fn compute_checksum(&self, data: &[u8]) -> u16 {
        let mut header = Vec::with_capacity(HEADER_LEN);
        IcmpRepr {
            checksum: 0,
            ..*self
        }
        .emit(&mut header);
        checksum::finish(checksum::sum(&header) + checksum::sum(data))
    }

    /// tcpdump-style text; `data` is what follows the header, `length` the ICMP length the
    /// IP header declares.
    pub fn summary(&self, data: &[u8], length: usize) -> String {
        let quoted_dst = self.embedded.map(|ip| ip.dst);
        let text = match (self.icmp_type, quoted_dst) {
            (kind::ECHO_REQUEST | kind::ECHO_REPLY, _) => format!(
                "ICMP echo {}, id {}, seq {}",
                if self.icmp_type == kind::ECHO_REQUEST {
                    "request"
                } else {
                    "reply"
                },
                self.echo_id(),
                self.echo_seq()
            ),
            (kind::DEST_UNREACH, Some(dst)) => match self.code {
                0 => format!("ICMP net {dst} unreachable"),
                1 => format!("ICMP host {dst} unreachable"),
                2 => format!(
                    "ICMP {dst} protocol {} unreachable",
                    self.embedded.map_or(0, |ip| ip.protocol)
                ),
                3 => match self.quoted_port(data) {
                    Some((proto, port)) => format!("ICMP {dst} {proto} port {port} unreachable"),
                    None => format!("ICMP {dst} port unreachable"),
                },
                4 => format!(
                    "ICMP {dst} unreachable - need to frag (mtu {})",
                    self.next_hop_mtu()
                ),
                code => format!("ICMP {dst} unreachable - code {code}"),
            },
            (kind::TIME_EXCEEDED, _) if self.code == 0 => "ICMP time exceeded in-transit".into(),
            (kind::TIME_EXCEEDED, _) => "ICMP ip reassembly time exceeded".into(),
            (t, _) => match kind::name(t) {
                Some(name) => format!("ICMP {name}, code {}", self.code),
                None => format!("ICMP type {t}, code {}", self.code),
            },
        };
        format!("{text}, length {length}")
    }

    /// The quoted datagram's transport and destination port, when it is TCP or UDP.
    fn quoted_port(&self, data: &[u8]) -> Option<(&'static str, u16)> {
        let ip = self.embedded?;
        let proto = match ip.protocol {
            super::ipv4::protocol::TCP => "tcp",
            super::ipv4::protocol::UDP => "udp",
            _ => return None,
        };
        let at = ip.header_len() + 2;
        let port = data.get(at..)?.first_chunk()?;
        Some((proto, be16(*port)))
    }

    /// `data_len` is the length of the data after the header, which the group also covers.
    pub fn build_tree(&self, tree: &mut Tree, at: usize, data_len: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        let all = r(0, HEADER_LEN + data_len);
        tree.open(&hf::ICMP, all);
        tree.leaf(
            &hf::ICMP_TYPE,
            named(self.icmp_type.into(), kind::name(self.icmp_type)),
            r(0, 1),
        );
        let code = if self.icmp_type == kind::DEST_UNREACH {
            named(self.code.into(), unreach_code_name(self.code))
        } else {
            Value::Uint(self.code.into())
        };
        tree.leaf(&hf::ICMP_CODE, code, r(1, 1));
        tree.leaf(
            &hf::ICMP_CHECKSUM,
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(2, 2),
        );
        match (self.icmp_type, self.code) {
            (kind::ECHO_REQUEST | kind::ECHO_REPLY, _) => {
                tree.leaf(&hf::ICMP_ID, Value::Uint(self.echo_id().into()), r(4, 2));
                tree.leaf(&hf::ICMP_SEQ, Value::Uint(self.echo_seq().into()), r(6, 2));
            }
            (kind::DEST_UNREACH, 4) => {
                tree.leaf(
                    &hf::ICMP_MTU,
                    Value::Uint(self.next_hop_mtu().into()),
                    r(6, 2),
                );
            }
            (kind::REDIRECT, _) => {
                let gw = std::net::Ipv4Addr::from(self.rest);
                tree.leaf(&hf::ICMP_GATEWAY, Value::Ipv4(gw), r(4, 4));
            }
            _ => {}
        }
        if let Some(ip) = &self.embedded {
            ip.build_tree(tree, at + HEADER_LEN);
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "ICMP", "";
        ICMP = "icmp", Group, "Internet Control Message Protocol", "ICMP for IPv4";
        ICMP_TYPE = "icmp.type", Named, "Type", "type";
        ICMP_CODE = "icmp.code", Named, "Code", "code";
        ICMP_CHECKSUM = "icmp.checksum", Hex, "Checksum", "checksum as sent";
        ICMP_ID = "icmp.id", Uint, "Identifier", "echo identifier (Wireshark: `icmp.ident`)";
        ICMP_SEQ = "icmp.seq", Uint, "Sequence", "echo sequence number";
        ICMP_MTU = "icmp.mtu", Uint, "Next-hop MTU", "next-hop MTU of FRAG_NEEDED";
        ICMP_GATEWAY = "icmp.gateway", Ipv4, "Gateway", "gateway of a redirect (Wireshark: `icmp.redir_gw`)";
    }
}
