//! proptest: emit then parse gives back every protocol's Repr and whole frames, and any
//! bytes parse and emit back unchanged.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn mac() -> impl Strategy<Value = [u8; 6]> {
    any::<[u8; 6]>()
}

fn options() -> impl Strategy<Value = Options> {
    (0..=10usize)
        .prop_flat_map(|words| vec(any::<u8>(), words * 4))
        .prop_map(|b| Options::new(&b).unwrap())
}

fn vlan_tag() -> impl Strategy<Value = VlanTag> {
    (0..8u8, any::<bool>(), 0..4096u16, any::<u16>()).prop_map(|(pcp, dei, vid, ethertype)| {
        VlanTag {
            pcp,
            dei,
            vid,
            ethertype,
        }
    })
}

fn arp() -> impl Strategy<Value = ArpRepr> {
    (any::<[u16; 3]>(), mac(), any::<u32>(), mac(), any::<u32>()).prop_map(
        |([htype, ptype, op], sha, spa, tha, tpa)| ArpRepr {
            htype,
            ptype,
            op,
            sha,
            spa: Ipv4Addr::from(spa),
            tha,
            tpa: Ipv4Addr::from(tpa),
        },
    )
}

fn ipv4() -> impl Strategy<Value = Ipv4Repr> {
    (
        any::<[u16; 3]>(),
        any::<[u8; 4]>(),
        any::<[u32; 2]>(),
        options(),
    )
        .prop_map(
            |([total_len, ident, checksum], [tos, flags, ttl, protocol], [src, dst], options)| {
                Ipv4Repr {
                    tos,
                    total_len,
                    ident,
                    flags: flags & 7,
                    frag_offset: total_len & 0x1fff,
                    ttl,
                    protocol,
                    checksum,
                    src: Ipv4Addr::from(src),
                    dst: Ipv4Addr::from(dst),
                    options,
                }
            },
        )
}

fn ipv6() -> impl Strategy<Value = Ipv6Repr> {
    (
        any::<[u8; 3]>(),
        0..0x10_0000u32,
        any::<u16>(),
        any::<[u128; 2]>(),
    )
        .prop_map(
            |([traffic_class, next_header, hop_limit], flow_label, payload_len, [src, dst])| {
                // Extension-header numbers would be walked; this strategy has none.
                let next_header = if matches!(
                    next_header,
                    0 | 43 | 44 | 51 | 60 | 135 | 139 | 140 | 253 | 254
                ) {
                    59
                } else {
                    next_header
                };
                Ipv6Repr {
                    traffic_class,
                    flow_label,
                    hop_limit,
                    ..Ipv6Repr::new(
                        Ipv6Addr::from(src),
                        Ipv6Addr::from(dst),
                        next_header,
                        payload_len,
                    )
                }
            },
        )
}

fn icmp(types: &'static [u8]) -> impl Strategy<Value = (u8, u8, u16, [u8; 4])> {
    (
        proptest::sample::select(types),
        any::<u8>(),
        any::<u16>(),
        any::<[u8; 4]>(),
    )
}

fn tcp() -> impl Strategy<Value = TcpRepr> {
    (any::<[u16; 5]>(), any::<[u32; 2]>(), options()).prop_map(
        |([src_port, dst_port, flags, window, checksum], [seq, ack], options)| TcpRepr {
            src_port,
            dst_port,
            seq,
            ack,
            flags: flags & 0x0fff,
            window,
            checksum,
            urgent: checksum.rotate_left(3),
            options,
        },
    )
}

fn udp() -> impl Strategy<Value = UdpRepr> {
    any::<[u16; 4]>().prop_map(|[src_port, dst_port, length, checksum]| UdpRepr {
        src_port,
        dst_port,
        length,
        checksum,
    })
}

fn lldp() -> impl Strategy<Value = LldpRepr> {
    vec((1..128u8, vec(any::<u8>(), 0..64)), 0..6).prop_map(|tlvs| {
        let mut tlvs: Vec<_> = tlvs
            .into_iter()
            .map(|(tlv_type, value)| LldpTlv { tlv_type, value })
            .collect();
        tlvs.push(LldpTlv {
            tlv_type: lldp::tlv::END,
            value: Vec::new(),
        });
        LldpRepr { tlvs }
    })
}

fn emitted(emit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    emit(&mut out);
    out
}

proptest! {
    #[test]
    fn ethernet_round_trip(dst in mac(), src in mac(), ethertype in any::<u16>()) {
        let r = EthernetRepr { dst, src, ethertype };
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(EthernetRepr::parse(&b), Ok(r));
    }

    #[test]
    fn vlan_round_trip(r in vlan_tag()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(VlanTag::parse(&b), Ok(r));
    }

    #[test]
    fn arp_round_trip(r in arp()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(ArpRepr::parse(&b), Ok(r));
    }

    #[test]
    fn ipv4_round_trip(r in ipv4()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Ipv4Repr::parse(&b), Ok(r));
    }

    #[test]
    fn ipv6_round_trip(mut r in ipv6()) {
        r.payload_len = 0;
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Ipv6Repr::parse(&b), Ok(r));
    }

    #[test]
    fn icmp_round_trip((icmp_type, code, checksum, rest) in icmp(&[0, 3, 8, 11, 13, 200])) {
        let r = IcmpRepr { icmp_type, code, checksum, rest, embedded: None };
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(IcmpRepr::parse(&b), Ok(r));
    }

    #[test]
    fn icmpv6_round_trip((icmp_type, code, checksum, rest) in icmp(&[1, 128, 129, 135, 136])) {
        let r = Icmpv6Repr { icmp_type, code, checksum, rest, nd: None };
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Icmpv6Repr::parse(&b), Ok(r));
    }

    #[test]
    fn tcp_round_trip(r in tcp()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(TcpRepr::parse(&b), Ok(r));
    }

    #[test]
    fn udp_round_trip(r in udp()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(UdpRepr::parse(&b), Ok(r));
    }

    #[test]
    fn lldp_round_trip(r in lldp()) {
        let b = emitted(|o| r.emit(o));
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(LldpRepr::parse(&b), (r, true));
    }

    #[test]
    fn whole_frames_round_trip(frame in frame()) {
        let bytes = frame.emit();
        prop_assert_eq!(bytes.len(), frame.buffer_len());
        let parsed = Frame::parse(&bytes);
        prop_assert_eq!(&parsed, &frame);
        prop_assert!(!parsed.summary().is_empty());
    }

    #[test]
    fn any_bytes_emit_back(bytes in vec(any::<u8>(), 0..200)) {
        let frame = Frame::parse(&bytes);
        prop_assert_eq!(frame.emit(), bytes);
        let mut tree = crate::tree::Tree::new();
        frame.build_tree(&mut tree);
        let _ = frame.summary();
    }

    #[test]
    fn mutated_fixtures_emit_back(
        which in 0..2usize,
        flips in vec((any::<usize>(), any::<u8>()), 1..4),
        cut in any::<usize>(),
    ) {
        let mut bytes = super::tests::hex([super::tests::ARP_REQUEST, super::tests::ICMP_VLAN][which]);
        for (at, v) in flips {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let frame = Frame::parse(&bytes);
        prop_assert_eq!(frame.emit(), bytes);
        let mut tree = crate::tree::Tree::new();
        frame.build_tree(&mut tree);
        let len = frame.buffer_len();
        prop_assert!(tree.fields.iter().all(|f| f.range.end <= len));
    }
}

/// The network layer with its transport and payload, lengths made consistent, plus the
/// ethertype that announces it.
fn network() -> impl Strategy<Value = (u16, Network, Transport, Vec<u8>, Vec<u8>)> {
    let payload = || vec(any::<u8>(), 0..40);
    let padding = || vec(any::<u8>(), 0..20);
    prop_oneof![
        (arp(), padding()).prop_map(|(a, pad)| {
            (
                ethertype::ARP,
                Network::Arp(a),
                Transport::None,
                Vec::new(),
                pad,
            )
        }),
        (lldp(), padding()).prop_map(|(l, pad)| {
            (
                ethertype::LLDP,
                Network::Lldp(l),
                Transport::None,
                Vec::new(),
                pad,
            )
        }),
        (ipv4(), transport(false), payload(), padding()).prop_map(
            |(mut ip, (proto, t), data, pad)| {
                ip.protocol = proto;
                ip.frag_offset = 0;
                let t = with_udp_length(t, data.len());
                ip.total_len = (ip.header_len() + t.buffer_len() + data.len()) as u16;
                (ethertype::IPV4, Network::Ipv4(ip), t, data, pad)
            }
        ),
        (ipv6(), transport(true), payload(), padding()).prop_map(
            |(mut ip, (proto, t), data, pad)| {
                ip.next_header = proto;
                ip.protocol = proto;
                let t = with_udp_length(t, data.len());
                ip.payload_len = (t.buffer_len() + data.len()) as u16;
                (ethertype::IPV6, Network::Ipv6(ip), t, data, pad)
            }
        ),
        (0x0600..0xffffu16, payload()).prop_filter_map("a decoded ethertype", |(et, data)| {
            let decoded = matches!(
                et,
                ethertype::ARP | ethertype::LLDP | ethertype::IPV4 | ethertype::IPV6
            );
            (!decoded && !vlan::is_tpid(et)).then(|| {
                (
                    et,
                    Network::Other { ethertype: et },
                    Transport::None,
                    data,
                    Vec::new(),
                )
            })
        }),
    ]
}

fn with_udp_length(t: Transport, data_len: usize) -> Transport {
    match t {
        Transport::Udp(u) => Transport::Udp(UdpRepr {
            length: (u.buffer_len() + data_len) as u16,
            ..u
        }),
        t => t,
    }
}

/// A transport header and its protocol number: echo only for ICMP (other types would decode
/// their data), and an undecoded protocol for `Other`.
fn transport(v6: bool) -> impl Strategy<Value = (u8, Transport)> {
    let echo = if v6 { &[128u8, 129][..] } else { &[0u8, 8][..] };
    prop_oneof![
        icmp(echo).prop_map(move |(icmp_type, code, checksum, rest)| {
            if v6 {
                let r = Icmpv6Repr {
                    icmp_type,
                    code,
                    checksum,
                    rest,
                    nd: None,
                };
                (ipv4::protocol::ICMPV6, Transport::Icmpv6(r))
            } else {
                let r = IcmpRepr {
                    icmp_type,
                    code,
                    checksum,
                    rest,
                    embedded: None,
                };
                (ipv4::protocol::ICMP, Transport::Icmp(r))
            }
        }),
        tcp().prop_map(|t| (ipv4::protocol::TCP, Transport::Tcp(t))),
        // Tunnels (GRE, VXLAN and Geneve ports) are the tests' of tunnels.
        udp()
            .prop_filter("a tunnel port", |u| ![4789, 6081].contains(&u.dst_port))
            .prop_map(|u| (ipv4::protocol::UDP, Transport::Udp(u))),
        proptest::sample::select(&[2u8, 50, 89, 103, 132][..])
            .prop_map(|p| (p, Transport::Other { protocol: p })),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    (mac(), mac(), vec(vlan_tag(), 0..3), network()).prop_map(
        |(dst, src, mut vlans, (inner, network, transport, payload, trailer))| {
            // Chain the type fields: Ethernet -> tag TPIDs -> the network's ethertype.
            let tpids = [ethertype::VLAN, ethertype::QINQ];
            let mut next = inner;
            for (i, tag) in vlans.iter_mut().enumerate().rev() {
                tag.ethertype = next;
                next = tpids[i % 2];
            }
            Frame {
                eth: Some(EthernetRepr {
                    dst,
                    src,
                    ethertype: next,
                }),
                vlans,
                mpls: Vec::new(),
                tunnel: None,
                network,
                transport,
                payload,
                trailer,
                truncated: None,
            }
        },
    )
}
