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
    assert_eq!((ip.total_len, ip.ttl, ip.flags), (84, 64, ipv4::FLAG_DF));
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
    assert_eq!(t.first("vlan").unwrap().kind, crate::tree::Kind::List);
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
                field.key,
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
    let _ = Ipv6Addr::LOCALHOST;
}
