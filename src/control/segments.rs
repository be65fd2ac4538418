//! The frames of a control session as a capture of it would show them: each OpenFlow
//! message in a TCP segment between the real endpoints, with sequence numbers that add up,
//! the handshake at the start and the FINs at the end. `ofscope pcap`, tshark and
//! `ovs-ofctl ofp-parse-pcap` read the recording like any capture, without privilege.

use std::net::{IpAddr, SocketAddr};

use ofscope_dissectors::frame::checksum;
use ofscope_dissectors::frame::ipv4::{self, protocol};
use ofscope_dissectors::frame::tcp::flag;
use ofscope_dissectors::frame::{ethertype, EthernetRepr, Ipv4Repr, Ipv6Repr, TcpRepr};

/// The recording's Ethernet addresses: the capture has no real link layer, so these say
/// which side is which (locally administered, like the lab's).
const SWITCH_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x0f, 0x01];
const CONTROLLER_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x0f, 0xc0];
/// Initial sequence numbers: any will do, fixed so recordings are reproducible.
const SWITCH_ISN: u32 = 1_000;
const CONTROLLER_ISN: u32 = 2_000;
/// Bytes of one segment at most, so that any message fits an IPv4 datagram.
const MAX_SEGMENT: usize = 65_000;
const WINDOW: u16 = 65_535;
const TTL: u8 = 64;

/// One TCP connection between a switch and the controller.
pub struct Segments {
    switch: SocketAddr,
    controller: SocketAddr,
    /// The next sequence number of each side.
    switch_seq: u32,
    controller_seq: u32,
}

impl Segments {
    /// Addresses are taken as the OS gives them; an IPv4 peer on an IPv6 listener comes as
    /// a mapped address and is written as IPv4.
    pub fn new(switch: SocketAddr, controller: SocketAddr) -> Segments {
        let canonical = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
        Segments {
            switch: canonical(switch),
            controller: canonical(controller),
            switch_seq: SWITCH_ISN,
            controller_seq: CONTROLLER_ISN,
        }
    }

    /// The three-way handshake (the switch connects).
    pub fn open(&mut self) -> Vec<Vec<u8>> {
        let syn = self.segment(true, flag::SYN, &[]);
        self.switch_seq = self.switch_seq.wrapping_add(1);
        let syn_ack = self.segment(false, flag::SYN | flag::ACK, &[]);
        self.controller_seq = self.controller_seq.wrapping_add(1);
        let ack = self.segment(true, flag::ACK, &[]);
        vec![syn, syn_ack, ack]
    }

    /// One message's bytes from one side, in as many segments as it needs.
    pub fn data(&mut self, from_switch: bool, bytes: &[u8]) -> Vec<Vec<u8>> {
        bytes
            .chunks(MAX_SEGMENT)
            .map(|chunk| {
                let frame = self.segment(from_switch, flag::PSH | flag::ACK, chunk);
                let seq = self.seq(from_switch);
                *seq = seq.wrapping_add(chunk.len() as u32);
                frame
            })
            .collect()
    }

    /// The close: a FIN each way, the last acknowledged.
    pub fn close(&mut self, by_switch: bool) -> Vec<Vec<u8>> {
        let first = self.segment(by_switch, flag::FIN | flag::ACK, &[]);
        *self.seq(by_switch) = self.seq(by_switch).wrapping_add(1);
        let second = self.segment(!by_switch, flag::FIN | flag::ACK, &[]);
        *self.seq(!by_switch) = self.seq(!by_switch).wrapping_add(1);
        let last = self.segment(by_switch, flag::ACK, &[]);
        vec![first, second, last]
    }

    fn seq(&mut self, from_switch: bool) -> &mut u32 {
        if from_switch {
            &mut self.switch_seq
        } else {
            &mut self.controller_seq
        }
    }

    fn segment(&self, from_switch: bool, flags: u16, payload: &[u8]) -> Vec<u8> {
        let (src, dst, seq, ack, src_mac, dst_mac) = if from_switch {
            let ack = self.controller_seq;
            (
                self.switch,
                self.controller,
                self.switch_seq,
                ack,
                SWITCH_MAC,
                CONTROLLER_MAC,
            )
        } else {
            let ack = self.switch_seq;
            (
                self.controller,
                self.switch,
                self.controller_seq,
                ack,
                CONTROLLER_MAC,
                SWITCH_MAC,
            )
        };
        let mut tcp = TcpRepr {
            src_port: src.port(),
            dst_port: dst.port(),
            seq,
            ack: if flags & flag::ACK != 0 { ack } else { 0 },
            flags,
            window: WINDOW,
            checksum: 0,
            urgent: 0,
            options: Default::default(),
        };
        let upper_len = tcp.header_len() + payload.len();
        let mut frame = Vec::with_capacity(60 + upper_len);
        let pseudo = match (src.ip(), dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                EthernetRepr {
                    dst: dst_mac,
                    src: src_mac,
                    ethertype: ethertype::IPV4,
                }
                .emit(&mut frame);
                let mut ip = Ipv4Repr {
                    tos: 0,
                    total_len: (ipv4::MIN_HEADER_LEN + upper_len) as u16,
                    ident: 0,
                    flags: ipv4::flag::DF,
                    frag_offset: 0,
                    ttl: TTL,
                    protocol: protocol::TCP,
                    checksum: 0,
                    src: s,
                    dst: d,
                    options: Default::default(),
                };
                ip.fill_checksum();
                ip.emit(&mut frame);
                ip.pseudo_header_sum(upper_len)
            }
            (s, d) => {
                EthernetRepr {
                    dst: dst_mac,
                    src: src_mac,
                    ethertype: ethertype::IPV6,
                }
                .emit(&mut frame);
                let ip = Ipv6Repr::new(v6(s), v6(d), protocol::TCP, upper_len as u16);
                ip.emit(&mut frame);
                checksum::pseudo_header_v6(ip.src, ip.dst, protocol::TCP, upper_len)
            }
        };
        tcp.checksum = tcp.compute_checksum(pseudo, payload);
        tcp.emit(&mut frame);
        frame.extend_from_slice(payload);
        frame
    }
}

fn v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

#[cfg(test)]
mod tests {
    use ofscope_dissectors::frame::{Frame, Network, Transport};

    use super::*;

    fn tcp(frame: &[u8]) -> (TcpRepr, Vec<u8>) {
        let parsed = Frame::parse(frame);
        assert!(!parsed.is_truncated(), "{parsed:?}");
        match parsed.transport {
            Transport::Tcp(t) => (t, parsed.payload),
            other => panic!("not TCP: {other:?}"),
        }
    }

    #[test]
    fn sequence_numbers_add_up_both_ways_and_checksums_verify() {
        let switch: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let controller: SocketAddr = "10.0.0.2:6633".parse().unwrap();
        let mut s = Segments::new(switch, controller);
        let mut frames = s.open();
        frames.extend(s.data(true, &[1; 8]));
        frames.extend(s.data(false, &[2; 100_000]));
        frames.extend(s.data(true, &[3; 20]));
        frames.extend(s.close(false));
        let mut next = std::collections::HashMap::new();
        for frame in &frames {
            let parsed = Frame::parse(frame);
            let Network::Ipv4(ip) = parsed.network else {
                panic!("not IPv4")
            };
            assert_eq!(ip.checksum, ip.compute_checksum());
            let (t, payload) = tcp(frame);
            let pseudo = ip.pseudo_header_sum(t.header_len() + payload.len());
            assert_eq!(t.checksum, t.compute_checksum(pseudo, &payload));
            if let Some(&expected) = next.get(&t.src_port) {
                assert_eq!(t.seq, expected, "{t:?}");
            }
            let consumed = payload.len() as u32 + u32::from(t.flags & (flag::SYN | flag::FIN) != 0);
            next.insert(t.src_port, t.seq.wrapping_add(consumed));
            if t.flags & flag::ACK != 0 {
                let other = if t.src_port == 6633 { 40000 } else { 6633 };
                assert_eq!(Some(&t.ack), next.get(&other), "{t:?}");
            }
        }
        // 100,000 bytes went in two segments.
        assert_eq!(frames.len(), 3 + 1 + 2 + 1 + 3);
    }

    #[test]
    fn an_ipv4_peer_of_an_ipv6_listener_is_written_as_ipv4() {
        let switch: SocketAddr = "[::ffff:127.0.0.1]:40000".parse().unwrap();
        let controller: SocketAddr = "[::ffff:127.0.0.1]:6653".parse().unwrap();
        let frame = &Segments::new(switch, controller).open()[0];
        assert!(matches!(Frame::parse(frame).network, Network::Ipv4(_)));
        let v6: SocketAddr = "[::1]:6653".parse().unwrap();
        let frame = &Segments::new("[::1]:1".parse().unwrap(), v6).open()[0];
        assert!(matches!(Frame::parse(frame).network, Network::Ipv6(_)));
    }
}
