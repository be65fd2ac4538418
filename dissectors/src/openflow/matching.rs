//! OpenFlow 1.0 match semantics: the 12-tuple a switch extracts from a frame, whether a
//! match selects it, and how two matches relate (covers, overlaps, strictly equal).
//!
//! Shared by the analysis (pairing a FLOW_MOD with the PacketIn it answers, flow-table
//! reconstruction) and by replay (the closed-loop switch), so both follow one reading of
//! the spec. Fields follow the OF1.0 "from packet" rules, as POX's `ofp_match.from_packet`
//! and Open vSwitch build them:
//! - untagged frames have `dl_vlan` 0xffff and `dl_vlan_pcp` 0;
//! - ARP: `nw_proto` is the opcode (when it fits a byte), `nw_src`/`nw_dst` are spa/tpa;
//! - ICMP: `tp_src` is the type, `tp_dst` the code; TCP/UDP: the ports;
//! - `nw_tos` is the IP TOS byte (compared on its DSCP bits, as switches do);
//! - an 802.3 length instead of an ethertype gives `dl_type` 0x05ff.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::flow_match::{ofpfw, Match, VLAN_NONE};
use crate::frame::{
    self, ipv4, ipv6, vlan, ArpRepr, EthernetRepr, Frame, Icmpv6Repr, Ipv6Repr, Network, TcpRepr,
    Transport, UdpRepr, VlanTag, ETHERNET_LEN, VLAN_TAG_LEN,
};

/// `OFP_DL_TYPE_NOT_ETH_TYPE`: the dl_type of a frame whose type field is a length.
pub const DL_TYPE_NOT_ETH_TYPE: u16 = 0x05ff;
/// Only the DSCP bits of the TOS byte take part in matching.
const TOS_DSCP_MASK: u8 = 0xfc;

/// The fields of a frame a switch matches on, with the port it arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub in_port: u16,
    pub dl_src: [u8; 6],
    pub dl_dst: [u8; 6],
    pub dl_vlan: u16,
    pub dl_vlan_pcp: u8,
    pub dl_type: u16,
    pub nw_tos: u8,
    pub nw_proto: u8,
    pub nw_src: Ipv4Addr,
    pub nw_dst: Ipv4Addr,
    pub tp_src: u16,
    pub tp_dst: u16,
}

/// The network header of a frame, as far as matching and the analysis look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkHeader {
    None,
    Arp(ArpRepr),
    Ipv4 {
        tos: u8,
        protocol: u8,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    },
    Ipv6 {
        src: Ipv6Addr,
        dst: Ipv6Addr,
    },
    Lldp,
    /// Another ethertype, or a header that does not decode.
    Other,
}

/// The transport header after IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportHeader {
    None,
    /// Type, code, and bytes 4..8 (the echo id and sequence).
    Icmp {
        icmp_type: u8,
        code: u8,
        rest: [u8; 4],
    },
    Icmpv6,
    Tcp {
        src_port: u16,
        dst_port: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
    },
    /// Another protocol, a fragment that does not start the datagram, or a header that
    /// does not decode.
    Other,
}

/// The headers of a frame without its payload: what [`Frame::parse`] decodes, less the
/// copies of the payload and trailer, so that hot paths (the analysis' pairing, replay's
/// learning apps) can look at every PacketIn without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headers {
    pub eth: Option<EthernetRepr>,
    /// The outer VLAN tag, and how many tags were decoded.
    pub vlan: Option<VlanTag>,
    pub vlan_tags: usize,
    pub network: NetworkHeader,
    pub transport: TransportHeader,
}

impl Headers {
    /// Decodes `bytes` with the same layer parsers and the same rules as [`Frame::parse`].
    pub fn parse(bytes: &[u8]) -> Headers {
        let mut h = Headers {
            eth: None,
            vlan: None,
            vlan_tags: 0,
            network: NetworkHeader::None,
            transport: TransportHeader::None,
        };
        let Ok(eth) = EthernetRepr::parse(bytes) else {
            return h;
        };
        h.eth = Some(eth);
        let mut rest = bytes.get(ETHERNET_LEN..).unwrap_or_default();
        let mut ethertype = eth.ethertype;
        while vlan::is_tpid(ethertype) {
            let Ok(tag) = VlanTag::parse(rest) else {
                h.network = NetworkHeader::Other;
                return h;
            };
            h.vlan.get_or_insert(tag);
            h.vlan_tags += 1;
            ethertype = tag.ethertype;
            rest = rest.get(VLAN_TAG_LEN..).unwrap_or_default();
        }
        h.network_and_transport(ethertype, rest);
        h
    }

    fn network_and_transport(&mut self, ethertype: u16, bytes: &[u8]) {
        self.network = match ethertype {
            frame::ethertype::ARP => match ArpRepr::parse(bytes) {
                Ok(arp) => NetworkHeader::Arp(arp),
                Err(_) => NetworkHeader::Other,
            },
            frame::ethertype::LLDP => NetworkHeader::Lldp,
            frame::ethertype::IPV4 => match Ipv4Fields::parse(bytes) {
                Some(ip) => {
                    let declared = usize::from(ip.total_len).max(ip.header_len);
                    let body = ip_body(bytes, ip.header_len, declared);
                    self.transport = transport(ip.protocol, false, body, ip.first_fragment);
                    NetworkHeader::Ipv4 {
                        tos: ip.tos,
                        protocol: ip.protocol,
                        src: ip.src,
                        dst: ip.dst,
                    }
                }
                None => NetworkHeader::Other,
            },
            frame::ethertype::IPV6 => match Ipv6Repr::parse(bytes) {
                Ok(ip) => {
                    let declared = ipv6::HEADER_LEN + usize::from(ip.payload_len);
                    let body = ip_body(bytes, ip.buffer_len(), declared);
                    self.transport = transport(ip.protocol, true, body, !ip.fragmented);
                    NetworkHeader::Ipv6 {
                        src: ip.src,
                        dst: ip.dst,
                    }
                }
                Err(_) => NetworkHeader::Other,
            },
            _ => NetworkHeader::Other,
        };
    }

    /// The headers of an already decoded frame.
    pub fn of_frame(frame: &Frame) -> Headers {
        let network = match &frame.network {
            Network::None => NetworkHeader::None,
            Network::Arp(a) => NetworkHeader::Arp(*a),
            Network::Ipv4(ip) => NetworkHeader::Ipv4 {
                tos: ip.tos,
                protocol: ip.protocol,
                src: ip.src,
                dst: ip.dst,
            },
            Network::Ipv6(ip) => NetworkHeader::Ipv6 {
                src: ip.src,
                dst: ip.dst,
            },
            Network::Lldp(_) => NetworkHeader::Lldp,
            Network::Other { .. } => NetworkHeader::Other,
        };
        let transport = match &frame.transport {
            Transport::None => TransportHeader::None,
            Transport::Icmp(i) => TransportHeader::Icmp {
                icmp_type: i.icmp_type,
                code: i.code,
                rest: i.rest,
            },
            Transport::Icmpv6(_) => TransportHeader::Icmpv6,
            Transport::Tcp(t) => TransportHeader::Tcp {
                src_port: t.src_port,
                dst_port: t.dst_port,
            },
            Transport::Udp(u) => TransportHeader::Udp {
                src_port: u.src_port,
                dst_port: u.dst_port,
            },
            Transport::Other { .. } => TransportHeader::Other,
        };
        Headers {
            eth: frame.eth,
            vlan: frame.vlans.first().copied(),
            vlan_tags: frame.vlans.len(),
            network,
            transport,
        }
    }
}

/// The bytes after an IP header up to its declared length.
fn ip_body(bytes: &[u8], header_len: usize, declared: usize) -> &[u8] {
    bytes
        .get(header_len..declared.min(bytes.len()))
        .unwrap_or_default()
}

/// The IPv4 header fields [`Headers`] needs, read where [`frame::Ipv4Repr::parse`] would accept
/// the header (version 4, a header length of at least 20 bytes, all of it present), without
/// copying its options.
struct Ipv4Fields {
    header_len: usize,
    tos: u8,
    total_len: u16,
    first_fragment: bool,
    protocol: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
}

impl Ipv4Fields {
    fn parse(bytes: &[u8]) -> Option<Ipv4Fields> {
        let h: &[u8; 20] = bytes.get(..20)?.try_into().ok()?;
        let header_len = usize::from(h[0] & 0x0f) * 4;
        if h[0] >> 4 != 4 || header_len < 20 || bytes.len() < header_len {
            return None;
        }
        Some(Ipv4Fields {
            header_len,
            tos: h[1],
            total_len: u16::from_be_bytes([h[2], h[3]]),
            first_fragment: u16::from_be_bytes([h[6], h[7]]) & 0x1fff == 0,
            protocol: h[9],
            src: Ipv4Addr::new(h[12], h[13], h[14], h[15]),
            dst: Ipv4Addr::new(h[16], h[17], h[18], h[19]),
        })
    }
}

/// The transport header of an IP body; `decodable` is false for a fragment that does not
/// start the datagram.
fn transport(protocol: u8, ipv6: bool, body: &[u8], decodable: bool) -> TransportHeader {
    let parsed = match protocol {
        _ if !decodable => None,
        // The 8-byte ICMP header is all IcmpRepr::parse requires.
        ipv4::protocol::ICMP if !ipv6 => {
            body.first_chunk::<8>()
                .map(
                    |&[icmp_type, code, _, _, r0, r1, r2, r3]| TransportHeader::Icmp {
                        icmp_type,
                        code,
                        rest: [r0, r1, r2, r3],
                    },
                )
        }
        ipv4::protocol::ICMPV6 if ipv6 => Icmpv6Repr::parse(body)
            .ok()
            .map(|_| TransportHeader::Icmpv6),
        ipv4::protocol::TCP => TcpRepr::parse(body).ok().map(|t| TransportHeader::Tcp {
            src_port: t.src_port,
            dst_port: t.dst_port,
        }),
        ipv4::protocol::UDP => UdpRepr::parse(body).ok().map(|u| TransportHeader::Udp {
            src_port: u.src_port,
            dst_port: u.dst_port,
        }),
        _ => None,
    };
    parsed.unwrap_or(TransportHeader::Other)
}

impl FlowKey {
    /// Extracts the key the OF1.0 way. Layers the frame does not have (or that were cut
    /// short) leave their fields 0.
    pub fn from_headers(h: &Headers, in_port: u16) -> FlowKey {
        let mut key = FlowKey {
            in_port,
            dl_src: [0; 6],
            dl_dst: [0; 6],
            dl_vlan: VLAN_NONE,
            dl_vlan_pcp: 0,
            dl_type: 0,
            nw_tos: 0,
            nw_proto: 0,
            nw_src: Ipv4Addr::UNSPECIFIED,
            nw_dst: Ipv4Addr::UNSPECIFIED,
            tp_src: 0,
            tp_dst: 0,
        };
        let Some(eth) = h.eth else {
            return key;
        };
        key.dl_src = eth.src;
        key.dl_dst = eth.dst;
        // OF1.0 sees one tag: the type is whatever follows the outer tag.
        key.dl_type = match h.vlan {
            Some(tag) => {
                key.dl_vlan = tag.vid;
                key.dl_vlan_pcp = tag.pcp;
                tag.ethertype
            }
            None => eth.ethertype,
        };
        if key.dl_type < 0x600 {
            key.dl_type = DL_TYPE_NOT_ETH_TYPE;
        }
        if h.vlan_tags > 1 {
            return key;
        }
        match h.network {
            NetworkHeader::Arp(arp) => {
                key.nw_proto = u8::try_from(arp.op).unwrap_or(0);
                key.nw_src = arp.spa;
                key.nw_dst = arp.tpa;
            }
            NetworkHeader::Ipv4 {
                tos,
                protocol,
                src,
                dst,
            } => {
                key.nw_tos = tos;
                key.nw_proto = protocol;
                key.nw_src = src;
                key.nw_dst = dst;
                (key.tp_src, key.tp_dst) = match h.transport {
                    TransportHeader::Tcp { src_port, dst_port }
                    | TransportHeader::Udp { src_port, dst_port } => (src_port, dst_port),
                    TransportHeader::Icmp {
                        icmp_type, code, ..
                    } => (icmp_type.into(), code.into()),
                    _ => (0, 0),
                };
            }
            _ => {}
        }
        key
    }

    /// The key of a decoded frame.
    pub fn from_frame(frame: &Frame, in_port: u16) -> FlowKey {
        FlowKey::from_headers(&Headers::of_frame(frame), in_port)
    }

    /// The key of a frame's bytes, decoding only the headers (no allocation).
    pub fn from_bytes(data: &[u8], in_port: u16) -> FlowKey {
        FlowKey::from_headers(&Headers::parse(data), in_port)
    }
}

/// Whether two addresses agree on their first `len` bits.
fn same_prefix(a: Ipv4Addr, b: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(len.min(32)))
        .unwrap_or(0);
    u32::from(a) & mask == u32::from(b) & mask
}

/// The plain (non-address) fields, each with its wildcard bit.
fn plain_fields(m: &Match) -> [(u32, u64); 10] {
    [
        (ofpfw::IN_PORT, m.in_port.into()),
        (ofpfw::DL_SRC, mac_value(&m.dl_src)),
        (ofpfw::DL_DST, mac_value(&m.dl_dst)),
        (ofpfw::DL_VLAN, m.dl_vlan.into()),
        (ofpfw::DL_VLAN_PCP, m.dl_vlan_pcp.into()),
        (ofpfw::DL_TYPE, m.dl_type.into()),
        (ofpfw::NW_TOS, (m.nw_tos & TOS_DSCP_MASK).into()),
        (ofpfw::NW_PROTO, m.nw_proto.into()),
        (ofpfw::TP_SRC, m.tp_src.into()),
        (ofpfw::TP_DST, m.tp_dst.into()),
    ]
}

fn mac_value(mac: &[u8; 6]) -> u64 {
    mac.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

impl Match {
    /// The all-exact match of a frame (wildcards 0), as a controller builds it with
    /// `from_packet(frame, in_port)`.
    pub fn from_frame(frame: &Frame, in_port: u16) -> Match {
        Match::exact(&FlowKey::from_frame(frame, in_port))
    }

    /// The all-exact match of a key.
    pub fn exact(key: &FlowKey) -> Match {
        Match {
            wildcards: 0,
            in_port: key.in_port,
            dl_src: key.dl_src,
            dl_dst: key.dl_dst,
            dl_vlan: key.dl_vlan,
            dl_vlan_pcp: key.dl_vlan_pcp,
            dl_type: key.dl_type,
            nw_tos: key.nw_tos,
            nw_proto: key.nw_proto,
            nw_src: key.nw_src,
            nw_dst: key.nw_dst,
            tp_src: key.tp_src,
            tp_dst: key.tp_dst,
        }
    }

    /// Whether a packet with this key is selected by the match, honouring every wildcard
    /// bit and the address prefixes. The match is normalised first (OF1.0.1): a field that
    /// cannot apply to its dl_type/nw_proto is ignored, as the switch ignores it.
    pub fn matches(&self, key: &FlowKey) -> bool {
        let m = self.normalize();
        let k = Match::exact(key);
        plain_fields(&m)
            .iter()
            .zip(plain_fields(&k).iter())
            .all(|((bit, want), (_, got))| !m.is_exact(*bit) || want == got)
            && same_prefix(m.nw_src, key.nw_src, m.nw_src_prefix())
            && same_prefix(m.nw_dst, key.nw_dst, m.nw_dst_prefix())
    }

    /// Whether every packet `other` selects is also selected by `self`: the non-strict
    /// rule by which MODIFY, DELETE and flow stats requests pick flows.
    pub fn covers(&self, other: &Match) -> bool {
        let (g, s) = (self.normalize(), other.normalize());
        let (src_g, src_s) = (g.nw_src_prefix(), s.nw_src_prefix());
        let (dst_g, dst_s) = (g.nw_dst_prefix(), s.nw_dst_prefix());
        plain_fields(&g)
            .iter()
            .zip(plain_fields(&s).iter())
            .all(|((bit, gv), (_, sv))| !g.is_exact(*bit) || (s.is_exact(*bit) && gv == sv))
            && src_s >= src_g
            && same_prefix(g.nw_src, s.nw_src, src_g)
            && dst_s >= dst_g
            && same_prefix(g.nw_dst, s.nw_dst, dst_g)
    }

    /// Whether some packet could be selected by both matches (CHECK_OVERLAP).
    pub fn overlaps(&self, other: &Match) -> bool {
        let (a, b) = (self.normalize(), other.normalize());
        plain_fields(&a)
            .iter()
            .zip(plain_fields(&b).iter())
            .all(|((bit, av), (_, bv))| !a.is_exact(*bit) || !b.is_exact(*bit) || av == bv)
            && same_prefix(a.nw_src, b.nw_src, a.nw_src_prefix().min(b.nw_src_prefix()))
            && same_prefix(a.nw_dst, b.nw_dst, a.nw_dst_prefix().min(b.nw_dst_prefix()))
    }

    /// Strict equality (MODIFY_STRICT, DELETE_STRICT): the same fields after normalisation.
    pub fn same_as(&self, other: &Match) -> bool {
        self.identity() == other.identity()
    }

    /// What strict equality compares, as a value a table can be keyed by: the normalised
    /// match with only the DSCP bits of nw_tos.
    pub fn identity(&self) -> Match {
        let m = self.normalize();
        Match {
            nw_tos: m.nw_tos & TOS_DSCP_MASK,
            ..m
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::ethernet::ethertype;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// ARP who-has 10.0.0.2 tell 10.0.0.1, untagged.
    fn arp_request() -> Vec<u8> {
        hex("ffffffffffff 000000000001 0806 0001 0800 06 04 0001
             000000000001 0a000001 000000000000 0a000002")
    }

    /// ICMP echo request 10.0.0.1 -> 10.0.0.2 in VLAN 10 pcp 3, TOS 0x2e.
    fn tagged_ping() -> Vec<u8> {
        hex("000000000002 000000000001 8100 600a 0800
             45 2e 001c 0001 0000 40 01 0000 0a000001 0a000002
             08 00 0000 1234 0001")
    }

    #[test]
    fn extracts_arp_the_from_packet_way() {
        let k = FlowKey::from_bytes(&arp_request(), 3);
        assert_eq!(k.in_port, 3);
        assert_eq!(k.dl_vlan, VLAN_NONE);
        assert_eq!(k.dl_type, ethertype::ARP);
        assert_eq!(k.nw_proto, 1);
        assert_eq!(k.nw_src, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(k.nw_dst, Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!((k.tp_src, k.tp_dst, k.nw_tos), (0, 0, 0));
        assert_eq!(
            Match::exact(&k).to_string(),
            "arp,in_port=3,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,\
             arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1,nw_tos=0,tp_src=0,tp_dst=0"
        );
    }

    #[test]
    fn extracts_icmp_and_vlan() {
        let k = FlowKey::from_bytes(&tagged_ping(), 1);
        assert_eq!((k.dl_vlan, k.dl_vlan_pcp), (10, 3));
        assert_eq!(k.dl_type, ethertype::IPV4);
        assert_eq!((k.nw_proto, k.nw_tos), (1, 0x2e));
        assert_eq!((k.tp_src, k.tp_dst), (8, 0));
    }

    #[test]
    fn exact_match_selects_its_own_frame_only() {
        let frame = Frame::parse(&arp_request());
        let m = Match::from_frame(&frame, 3);
        assert_eq!(m.wildcards, 0);
        assert!(m.matches(&FlowKey::from_frame(&frame, 3)));
        assert!(!m.matches(&FlowKey::from_frame(&frame, 4)));
        assert!(!m.matches(&FlowKey::from_bytes(&tagged_ping(), 3)));
    }

    #[test]
    fn wildcards_and_prefixes() {
        let key = FlowKey::from_bytes(&tagged_ping(), 1);
        let any = Match::default();
        assert!(any.matches(&key));
        let net = Match {
            wildcards: (ofpfw::ALL & !ofpfw::DL_TYPE & !ofpfw::NW_DST_MASK) | (8 << 14),
            dl_type: ethertype::IPV4,
            nw_dst: Ipv4Addr::new(10, 0, 0, 99),
            ..Match::default()
        };
        assert_eq!(net.nw_dst_prefix(), 24);
        assert!(net.matches(&key));
        let other_net = Match {
            nw_dst: Ipv4Addr::new(10, 0, 1, 2),
            ..net
        };
        assert!(!other_net.matches(&key));
        // nw_dst without dl_type cannot apply: the switch ignores it.
        let loose = Match {
            wildcards: ofpfw::ALL & !ofpfw::NW_DST_MASK,
            nw_dst: Ipv4Addr::new(192, 168, 0, 1),
            ..Match::default()
        };
        assert!(loose.matches(&key));
        // Only the DSCP bits of the TOS byte count.
        let tos = Match {
            wildcards: ofpfw::ALL & !ofpfw::DL_TYPE & !ofpfw::NW_TOS,
            dl_type: ethertype::IPV4,
            nw_tos: 0x2c,
            ..Match::default()
        };
        assert!(tos.matches(&key));
    }

    #[test]
    fn covers_overlaps_and_strict() {
        let key = FlowKey::from_bytes(&tagged_ping(), 1);
        let exact = Match::exact(&key);
        let by_dst = Match {
            wildcards: ofpfw::ALL & !ofpfw::DL_DST,
            dl_dst: key.dl_dst,
            ..Match::default()
        };
        let by_src = Match {
            wildcards: ofpfw::ALL & !ofpfw::DL_SRC,
            dl_src: key.dl_src,
            ..Match::default()
        };
        assert!(Match::default().covers(&exact));
        assert!(by_dst.covers(&exact));
        assert!(!exact.covers(&by_dst));
        assert!(!by_dst.covers(&by_src));
        assert!(by_dst.overlaps(&by_src));
        let elsewhere = Match {
            dl_dst: [2, 0, 0, 0, 0, 9],
            ..by_dst
        };
        assert!(!elsewhere.overlaps(&exact));
        assert!(by_dst.same_as(&by_dst));
        assert!(!by_dst.same_as(&exact));
        // Garbage in a wildcarded field does not make two matches differ.
        let noisy = Match {
            in_port: 77,
            ..by_dst
        };
        assert!(noisy.same_as(&by_dst));
    }

    #[test]
    fn prefix_covering() {
        let net = |len: u32, a: [u8; 4]| Match {
            wildcards: (ofpfw::ALL & !ofpfw::DL_TYPE & !ofpfw::NW_SRC_MASK) | ((32 - len) << 8),
            dl_type: ethertype::IPV4,
            nw_src: Ipv4Addr::from(a),
            ..Match::default()
        };
        assert!(net(16, [10, 1, 0, 0]).covers(&net(24, [10, 1, 2, 0])));
        assert!(!net(24, [10, 1, 2, 0]).covers(&net(16, [10, 1, 0, 0])));
        assert!(net(24, [10, 1, 2, 0]).overlaps(&net(16, [10, 1, 0, 0])));
        assert!(!net(24, [10, 2, 2, 0]).overlaps(&net(16, [10, 1, 0, 0])));
    }

    #[test]
    fn never_panics_on_short_frames() {
        for len in 0..tagged_ping().len() {
            let k = FlowKey::from_bytes(&tagged_ping()[..len], 1);
            assert!(Match::default().matches(&k));
        }
    }

    /// Frames of every layer [`Headers`] knows: double tags, TCP, UDP, ICMPv6, LLDP and a
    /// non-first fragment besides the ARP request and the tagged ping.
    fn assorted_frames() -> Vec<Vec<u8>> {
        let eth = "000000000002 000000000001";
        let ip = |proto: &str, frag: &str| {
            format!("45 00 0030 0001 {frag} 40 {proto} 0000 0a000001 0a000002")
        };
        vec![
            arp_request(),
            tagged_ping(),
            hex(&format!(
                "{eth} 88a8 0064 8100 600a 0800 {} 0800 0000 1234 0001",
                ip("01", "0000")
            )),
            hex(&format!(
                "{eth} 0800 {} 0050 1f90 00000001 00000000 5002 2000 0000 0000 aabb",
                ip("06", "0000")
            )),
            hex(&format!(
                "{eth} 0800 {} 0035 0035 0010 0000 01020304",
                ip("11", "0000")
            )),
            hex(&format!(
                "{eth} 0800 {} 0035 0035 0010 0000",
                ip("11", "2001")
            )),
            hex(&format!(
                "{eth} 86dd 60000000 0008 3a 40 {} {} 8000 0000 0001 0002",
                "fe800000000000000000000000000001", "ff020000000000000000000000000001"
            )),
            hex(&format!(
                "{eth} 88cc 0207 04 000000000001 0403 02 0001 0000"
            )),
            hex(&format!("{eth} 0026 4242 03 0000")),
        ]
    }

    #[test]
    fn headers_decode_as_the_frame_does() {
        // Every frame, every prefix of it, and every single-byte change to a few values:
        // the allocation-free decode must agree with the full one.
        for f in assorted_frames() {
            let mut variants: Vec<Vec<u8>> = (0..=f.len()).map(|n| f[..n].to_vec()).collect();
            for i in 0..f.len() {
                for v in [0x00, 0x05, 0x45, 0x81, 0xff] {
                    let mut g = f.clone();
                    g[i] = v;
                    variants.push(g);
                }
            }
            for g in variants {
                let frame = Frame::parse(&g);
                assert_eq!(Headers::parse(&g), Headers::of_frame(&frame), "{g:02x?}");
                assert_eq!(FlowKey::from_bytes(&g, 3), FlowKey::from_frame(&frame, 3));
            }
        }
    }

    #[test]
    fn headers_of_a_tcp_frame() {
        let f = &assorted_frames()[3];
        let h = Headers::parse(f);
        assert_eq!(
            h.transport,
            TransportHeader::Tcp {
                src_port: 80,
                dst_port: 8080
            }
        );
        let k = FlowKey::from_bytes(f, 1);
        assert_eq!((k.nw_proto, k.tp_src, k.tp_dst), (6, 80, 8080));
    }
}
