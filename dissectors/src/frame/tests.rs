//! Byte fixtures that construct and deconstruct each protocol, truncation at every length,
//! and the reply builders.

use super::*;
use crate::tree::Tree;
use std::net::{Ipv4Addr, Ipv6Addr};

pub(super) fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// ARP request from 10.0.0.3 for 10.0.0.1, padded to 60 bytes as a switch delivers it.
pub(super) const ARP_REQUEST: &str = "ffffffffffff 000000000003 0806
    0001 0800 06 04 0001 000000000003 0a000003 000000000000 0a000001
    000000000000000000000000000000000000";

/// ICMP echo request 10.0.0.1 > 10.0.0.2 (id 1, seq 1, 56 data bytes) in VLAN 10, PCP 3.
pub(super) const ICMP_VLAN: &str = "000000000002 000000000001 8100 600a 0800
    4500 0054 1234 4000 4001 1473 0a000001 0a000002
    0800 00eb 0001 0001
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    202122232425262728292a2b2c2d2e2f3031323334353637";

fn tree_of(frame: &Frame) -> Tree {
    let mut t = Tree::new();
    frame.build_tree(&mut t);
    t
}

fn value(t: &Tree, key: &str) -> String {
    t.first(key)
        .unwrap_or_else(|| panic!("no field {key}"))
        .value
        .to_string()
}

#[test]
fn arp_request_fixture() {
    let bytes = hex(ARP_REQUEST);
    assert_eq!(bytes.len(), 60);
    let f = Frame::parse(&bytes);
    let Network::Arp(arp) = f.network else {
        panic!("not ARP: {f:?}")
    };
    assert_eq!(arp.op, arp::op::REQUEST);
    assert_eq!(arp.spa, Ipv4Addr::new(10, 0, 0, 3));
    assert_eq!(arp.tpa, Ipv4Addr::new(10, 0, 0, 1));
    assert_eq!(arp.sha, [0, 0, 0, 0, 0, 3]);
    assert_eq!(f.trailer.len(), 18);
    assert!(f.payload.is_empty());
    assert_eq!(f.truncated, None);
    assert_eq!(f.summary(), "ARP who-has 10.0.0.1 tell 10.0.0.3");
    assert_eq!(f.emit(), bytes);

    let t = tree_of(&f);
    assert_eq!(value(&t, "eth.dst"), "ff:ff:ff:ff:ff:ff");
    assert_eq!(value(&t, "eth.type"), "ARP (2054)");
    assert_eq!(value(&t, "arp.op"), "REQUEST (1)");
    assert_eq!(value(&t, "arp.spa"), "10.0.0.3");
    assert_eq!(t.first("arp.tpa").unwrap().range, 38..42);
    assert_eq!(t.first("eth.trailer").unwrap().range, 42..60);
    assert!(t.first("frame.truncated").is_none());
}

#[test]
fn icmp_in_vlan_fixture() {
    let bytes = hex(ICMP_VLAN);
    let f = Frame::parse(&bytes);
    assert_eq!(
        f.vlans,
        vec![VlanTag {
            pcp: 3,
            dei: false,
            vid: 10,
            ethertype: ethertype::IPV4
        }]
    );
    let Network::Ipv4(ip) = f.network else {
        panic!("not IPv4")
    };
    assert_eq!((ip.total_len, ip.ttl, ip.flags), (84, 64, ipv4::flag::DF));
    assert_eq!(ip.compute_checksum(), ip.checksum);
    let Transport::Icmp(icmp) = f.transport else {
        panic!("not ICMP")
    };
    assert_eq!((icmp.echo_id(), icmp.echo_seq()), (1, 1));
    assert_eq!(icmp.compute_checksum(&f.payload), icmp.checksum);
    assert_eq!(f.payload.len(), 56);
    assert_eq!(
        f.summary(),
        "802.1Q vlan 10 p 3, IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64"
    );
    assert_eq!(f.emit(), bytes);

    let t = tree_of(&f);
    assert_eq!(value(&t, "vlan.id"), "10");
    assert_eq!(value(&t, "vlan.pcp"), "3");
    assert_eq!(value(&t, "vlan.tpid"), "802.1Q (33024)");
    assert_eq!(t.first("vlan").unwrap().kind(), crate::tree::Kind::List);
    assert_eq!(value(&t, "ip.proto"), "ICMP (1)");
    assert_eq!(value(&t, "ip.flags"), "0x2 (DF)");
    assert_eq!(t.first("ip.src").unwrap().range, 30..34);
    assert_eq!(value(&t, "icmp.type"), "ECHO_REQUEST (8)");
    assert_eq!(value(&t, "icmp.seq"), "1");
    assert_eq!(t.first("payload").unwrap().range, 46..102);
}

/// Every prefix of a frame decodes without panicking, emits back to itself, and is marked
/// truncated exactly when it is shorter than the frame minus its padding.
fn check_every_prefix(bytes: &[u8], unpadded_len: usize) {
    for len in 0..=bytes.len() {
        let prefix = &bytes[..len];
        let f = Frame::parse(prefix);
        assert_eq!(f.emit(), prefix, "round trip at {len}");
        assert_eq!(f.is_truncated(), len < unpadded_len, "at {len}: {f:?}");
        let summary = f.summary();
        assert_eq!(
            summary.ends_with("[truncated]"),
            len < unpadded_len,
            "{summary}"
        );
        let t = tree_of(&f);
        assert_eq!(t.first("frame.truncated").is_some(), len < unpadded_len);
        for field in &t.fields {
            assert!(
                field.range.end <= len,
                "{} {:?} past {len}",
                field.key(),
                field.range
            );
        }
    }
}

#[test]
fn every_prefix_of_arp() {
    check_every_prefix(&hex(ARP_REQUEST), 42);
    let f = Frame::parse(&hex(ARP_REQUEST)[..30]);
    assert_eq!(f.truncated, Some(Layer::Arp));
    let f = Frame::parse(&hex(ARP_REQUEST)[..10]);
    assert_eq!(f.truncated, Some(Layer::Ethernet));
}

#[test]
fn every_prefix_of_icmp_in_vlan() {
    let bytes = hex(ICMP_VLAN);
    check_every_prefix(&bytes, bytes.len());
    assert_eq!(Frame::parse(&bytes[..16]).truncated, Some(Layer::Vlan));
    assert_eq!(Frame::parse(&bytes[..30]).truncated, Some(Layer::Ipv4));
    assert_eq!(Frame::parse(&bytes[..45]).truncated, Some(Layer::Icmp));
    let cut = Frame::parse(&bytes[..60]);
    assert_eq!(cut.truncated, Some(Layer::Icmp));
    assert!(matches!(cut.transport, Transport::Icmp(_)));
    assert_eq!(
        cut.summary(),
        "802.1Q vlan 10 p 3, IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64 [truncated]"
    );
}

#[test]
fn arp_reply_builder() {
    let mut req = Frame::parse(&hex(ARP_REQUEST));
    req.vlans.push(VlanTag {
        pcp: 0,
        dei: false,
        vid: 7,
        ethertype: ethertype::ARP,
    });
    req.eth.as_mut().unwrap().ethertype = ethertype::VLAN;
    let mac = [0x02, 0, 0, 0, 0, 0x99];
    let reply = Frame::parse(&req.arp_reply(mac).unwrap().emit());
    assert_eq!(reply.vlans, req.vlans);
    assert_eq!(reply.eth.unwrap().dst, [0, 0, 0, 0, 0, 3]);
    let Network::Arp(arp) = reply.network else {
        panic!("not ARP")
    };
    assert_eq!(arp.op, arp::op::REPLY);
    assert_eq!((arp.sha, arp.spa), (mac, Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(arp.tpa, Ipv4Addr::new(10, 0, 0, 3));
    assert_eq!(
        reply.summary(),
        "802.1Q vlan 7 p 0, ARP reply 10.0.0.1 is-at 02:00:00:00:00:99"
    );
    assert!(reply.arp_reply(mac).is_none(), "a reply is not answered");
}

#[test]
fn icmp_echo_reply_builder() {
    let req = Frame::parse(&hex(ICMP_VLAN));
    let bytes = req.icmp_echo_reply().unwrap().emit();
    let reply = Frame::parse(&bytes);
    assert_eq!(reply.vlans, req.vlans);
    assert_eq!(reply.eth.unwrap().dst, req.eth.unwrap().src);
    let (Network::Ipv4(ip), Transport::Icmp(icmp)) = (&reply.network, &reply.transport) else {
        panic!("not ICMP: {reply:?}")
    };
    assert_eq!(
        (ip.src, ip.dst),
        (Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1))
    );
    assert_eq!((ip.ttl, ip.ident), (reply::REPLY_TTL, 0x1234));
    assert!(checksum::verifies(0, &bytes[18..38]), "IP checksum");
    assert!(checksum::verifies(0, &bytes[38..]), "ICMP checksum");
    assert_eq!(icmp.icmp_type, icmp::kind::ECHO_REPLY);
    assert_eq!((icmp.echo_id(), icmp.echo_seq()), (1, 1));
    assert_eq!(reply.payload, req.payload);
    assert!(reply
        .summary()
        .ends_with("ICMP echo reply, id 1, seq 1, length 64"));
    assert!(reply.icmp_echo_reply().is_none(), "a reply is not answered");
    let cut = Frame::parse(&hex(ICMP_VLAN)[..80]);
    assert!(
        cut.icmp_echo_reply().is_none(),
        "a cut request is not answered"
    );
}

#[test]
fn not_ethernet_at_all() {
    let f = Frame::parse(&[]);
    assert_eq!(f.truncated, Some(Layer::Ethernet));
    assert!(f.emit().is_empty());
    assert_eq!(f.summary(), "Ethernet, length 0 [truncated]");
}

#[test]
fn stacked_qinq_tags() {
    let arp = hex(ARP_REQUEST);
    let mut bytes = arp[..12].to_vec();
    bytes.extend(hex("88a8 2064 8100 000a 0806"));
    bytes.extend(&arp[14..42]);
    let f = Frame::parse(&bytes);
    assert_eq!(f.vlans.len(), 2);
    assert_eq!((f.vlans[0].vid, f.vlans[0].pcp), (100, 1));
    assert_eq!((f.vlans[1].vid, f.vlans[1].ethertype), (10, ethertype::ARP));
    assert_eq!(
        f.summary(),
        "802.1ad vlan 100 p 1, 802.1Q vlan 10 p 0, ARP who-has 10.0.0.1 tell 10.0.0.3"
    );
    assert_eq!(f.emit(), bytes);
    let t = tree_of(&f);
    let tags: Vec<_> = t.find("vlan.tag").collect();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].depth, tags[1].depth);
    let tpids: Vec<_> = t.find("vlan.tpid").map(|f| f.value.to_string()).collect();
    assert_eq!(tpids, ["802.1ad (34984)", "802.1Q (33024)"]);
    assert_eq!(t.find("vlan.tpid").nth(1).unwrap().range, 16..18);
    check_every_prefix(&bytes, bytes.len());
}

#[test]
fn tcp_syn_with_mss() {
    let bytes = hex(
        "000000000002000000000001 0800 4500002c12344000400614960a0000010a000002
        9c40 0050 000003e8 00000000 6002 ffff e3ab 0000 020405b4",
    );
    let f = Frame::parse(&bytes);
    let (Network::Ipv4(ip), Transport::Tcp(tcp)) = (&f.network, &f.transport) else {
        panic!("not TCP: {f:?}")
    };
    assert_eq!((tcp.src_port, tcp.dst_port, tcp.seq), (40000, 80, 1000));
    assert_eq!(tcp.flags, tcp::flag::SYN);
    assert_eq!(tcp.options.as_slice(), [2, 4, 5, 0xb4]);
    let pseudo = ip.pseudo_header_sum(tcp.header_len());
    assert_eq!(tcp.compute_checksum(pseudo, &f.payload), tcp.checksum);
    assert_eq!(
        f.summary(),
        "IP 10.0.0.1 > 10.0.0.2: TCP 40000 > 80, Flags [S], seq 1000, win 65535, length 0"
    );
    assert_eq!(f.emit(), bytes);
    let t = tree_of(&f);
    assert_eq!(value(&t, "tcp.flags"), "0x2 (SYN)");
    assert_eq!(value(&t, "tcp.hdr_len"), "24");
    assert_eq!(t.first("tcp.options").unwrap().range, 54..58);
    check_every_prefix(&bytes, bytes.len());
    assert_eq!(Frame::parse(&bytes[..55]).truncated, Some(Layer::Tcp));
}

#[test]
fn udp_with_ip_options() {
    let bytes = hex("000000000002000000000001 0800
        46000025123400004011bf8d0a0000010a000002 94040000
        14e9 0035 000d 92e1 68656c6c6f");
    let f = Frame::parse(&bytes);
    let (Network::Ipv4(ip), Transport::Udp(udp)) = (&f.network, &f.transport) else {
        panic!("not UDP: {f:?}")
    };
    assert_eq!(ip.options.as_slice(), [0x94, 4, 0, 0]);
    assert_eq!(ip.compute_checksum(), ip.checksum);
    assert_eq!((udp.src_port, udp.dst_port, udp.length), (5353, 53, 13));
    assert_eq!(
        udp.compute_checksum(ip.pseudo_header_sum(13), &f.payload),
        udp.checksum
    );
    assert_eq!(f.payload, b"hello");
    assert_eq!(
        f.summary(),
        "IP 10.0.0.1 > 10.0.0.2: UDP 5353 > 53, length 5"
    );
    let t = tree_of(&f);
    assert_eq!(value(&t, "ip.hdr_len"), "24");
    assert_eq!(t.first("ip.options").unwrap().range, 34..38);
    assert_eq!(value(&t, "udp.dstport"), "53");
    check_every_prefix(&bytes, bytes.len());
}

#[test]
fn icmp_port_unreachable_quotes_the_datagram() {
    let bytes = hex("000000000002000000000001 0800
        4500003800070000400166bc0a0000020a000001
        030354f000000000
        4500002112340000401154960a0000010a000002 14e90035000d92e1");
    let f = Frame::parse(&bytes);
    let Transport::Icmp(icmp) = &f.transport else {
        panic!("not ICMP: {f:?}")
    };
    let quoted = icmp.embedded.expect("quoted IP header");
    assert_eq!(
        (quoted.src, quoted.dst),
        (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
    );
    assert_eq!(icmp.compute_checksum(&f.payload), icmp.checksum);
    assert_eq!(
        f.summary(),
        "IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 53 unreachable, length 36"
    );
    let t = tree_of(&f);
    assert_eq!(value(&t, "icmp.code"), "PORT_UNREACH (3)");
    let srcs: Vec<_> = t
        .find("ip.src")
        .map(|f| (f.depth, f.range.clone()))
        .collect();
    assert_eq!(srcs, [(1, 26..30), (2, 54..58)], "outer and quoted headers");
    assert_eq!(f.emit(), bytes);
    check_every_prefix(&bytes, bytes.len());
}

#[test]
fn icmpv6_neighbor_solicitation() {
    let bytes = hex("3333ff000002 000000000001 86dd
        6000000000203aff fe800000000000000000000000000001 ff0200000000000000000001ff000002
        87007c9700000000 fe800000000000000000000000000002 0101000000000001");
    let f = Frame::parse(&bytes);
    let (Network::Ipv6(ip), Transport::Icmpv6(icmp)) = (&f.network, &f.transport) else {
        panic!("not ICMPv6: {f:?}")
    };
    assert_eq!((ip.hop_limit, ip.payload_len), (255, 32));
    assert_eq!(icmp.compute_checksum(ip, &f.payload), icmp.checksum);
    let nd = icmp.nd.expect("ND decoded");
    assert_eq!(nd.target, "fe80::2".parse::<Ipv6Addr>().unwrap());
    assert_eq!(
        nd.lladdr.map(|o| (o.opt_type, o.mac)),
        Some((1, [0, 0, 0, 0, 0, 1]))
    );
    assert_eq!(
        f.summary(),
        "IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fe80::2, length 32"
    );
    let t = tree_of(&f);
    assert_eq!(value(&t, "ipv6.nxt"), "ICMPV6 (58)");
    assert_eq!(value(&t, "icmpv6.type"), "NEIGHBOR_SOLICIT (135)");
    assert_eq!(t.first("icmpv6.nd.lladdr").unwrap().range, 80..86);
    assert_eq!(f.emit(), bytes);
    check_every_prefix(&bytes, bytes.len());
}

#[test]
fn ipv6_extension_headers_are_walked() {
    // Hop-by-hop (8 bytes: router alert + padding) then ICMPv6 echo request.
    let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let dst: Ipv6Addr = "2001:db8::2".parse().unwrap();
    let mut ip = Ipv6Repr::new(src, dst, ipv4::protocol::HOP_BY_HOP, 8 + 8 + 4);
    ip.extensions = hex("3a00 0502 0000 0100");
    ip.protocol = ipv4::protocol::ICMPV6;
    let mut echo = Icmpv6Repr {
        icmp_type: icmpv6::kind::ECHO_REQUEST,
        code: 0,
        checksum: 0,
        rest: [0, 9, 0, 2],
        nd: None,
    };
    echo.checksum = echo.compute_checksum(&ip, b"ping");
    let frame = Frame {
        eth: Some(EthernetRepr {
            dst: [0x33, 0x33, 0, 0, 0, 2],
            src: [0, 0, 0, 0, 0, 1],
            ethertype: ethertype::IPV6,
        }),
        vlans: Vec::new(),
        mpls: Vec::new(),
        tunnel: None,
        network: Network::Ipv6(ip),
        transport: Transport::Icmpv6(echo),
        payload: b"ping".to_vec(),
        trailer: Vec::new(),
        truncated: None,
    };
    let bytes = frame.emit();
    assert_eq!(Frame::parse(&bytes), frame);
    assert!(checksum::verifies(
        checksum::pseudo_header_v6(src, dst, 58, 12),
        &bytes[62..]
    ));
    assert_eq!(
        frame.summary(),
        "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 9, seq 2, length 12"
    );
    check_every_prefix(&bytes, bytes.len());
}

#[test]
fn lldp_fixture() {
    let bytes = hex("0180c200000e 000000000001 88cc
        0207 04000000000001  0405 0565746831  0602 0078  0a03 737731
        fe0b 0026e10000000000000001  0000");
    let f = Frame::parse(&bytes);
    let Network::Lldp(lldp) = &f.network else {
        panic!("not LLDP: {f:?}")
    };
    assert_eq!(lldp.tlvs.len(), 6);
    assert_eq!(lldp.chassis_id().as_deref(), Some("00:00:00:00:00:01"));
    assert_eq!(lldp.port_id().as_deref(), Some("eth1"));
    assert_eq!(lldp.ttl(), Some(120));
    assert_eq!(lldp.system_name().as_deref(), Some("sw1"));
    assert_eq!(
        f.summary(),
        "LLDP chassis 00:00:00:00:00:01 port eth1 ttl 120 system sw1"
    );
    assert_eq!(f.emit(), bytes);
    let t = tree_of(&f);
    assert_eq!(value(&t, "lldp.port_id"), "eth1");
    assert_eq!(t.first("lldp.ttl").unwrap().range, 32..34);
    assert_eq!(t.find("lldp.tlv").count(), 6);
    assert_eq!(value(&t, "lldp.tlv.type"), "CHASSIS_ID (1)");
    check_every_prefix(&bytes, bytes.len());
}

/// Issue 12: ONOS's broadcast discovery (ethertype 0x8942, LLDP's format) was raw bytes,
/// so `-Y lldp` missed it.
#[test]
fn bddp_is_decoded_as_lldp_and_marked() {
    let bytes = hex("ffffffffffff 000000000001 8942
        0207 04000000000001  0405 0565746831  0602 0078  0000");
    let f = Frame::parse(&bytes);
    let Network::Lldp(lldp) = &f.network else {
        panic!("not decoded as LLDP: {f:?}")
    };
    assert_eq!(lldp.port_id().as_deref(), Some("eth1"));
    assert_eq!(
        f.summary(),
        "BDDP chassis 00:00:00:00:00:01 port eth1 ttl 120"
    );
    assert_eq!(f.emit(), bytes);
    let t = tree_of(&f);
    assert!(t.has_protocol("lldp"));
    assert_eq!(value(&t, "lldp.bddp"), "true");
    assert!(
        tree_of(&Frame::parse(&hex("0180c200000e 000000000001 88cc 0000")))
            .first("lldp.bddp")
            .is_none()
    );
    check_every_prefix(&bytes, bytes.len());
}
