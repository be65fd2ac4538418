//! What one emulated switch sends and how it knows an answer: its PacketIns, made once
//! with the codecs and patched per send (xid, buffer id, source host), and the test
//! that a FLOW_MOD or PACKET_OUT refers to one of them.
//!
//! cbench's frames: each switch has a pool of `macs` source hosts behind port 1, every
//! frame goes to one destination host behind port 2, and `--learn-macs` announces that
//! host first (a gratuitous ARP reply from port 2), so that a learning controller knows
//! where it is and installs flows instead of flooding.

use std::net::Ipv4Addr;

use ofscope_dissectors::frame::arp::{self, ArpRepr};
use ofscope_dissectors::frame::udp::UdpRepr;
use ofscope_dissectors::frame::{
    ethertype, ipv4, EthernetRepr, Frame, Ipv4Repr, Network, Options, Transport,
};
use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::types::ofpt;
use ofscope_dissectors::openflow::{Body, Message, PacketIn, NO_BUFFER};

/// Where fields sit in the messages the hot path reads or patches, by the OpenFlow 1.0
/// structures (checked against the codec by the tests below): the header's xid, a
/// PACKET_IN's and a PACKET_OUT's buffer id and in_port, a FLOW_MOD's buffer id, and the
/// source address of a PACKET_IN's frame.
pub const XID_AT: usize = 4;
pub const PACKET_IN_BUFFER_AT: usize = 8;
pub const PACKET_IN_PORT_AT: usize = 14;
const PACKET_IN_FRAME_SRC_AT: usize = 18 + 6;
pub const PACKET_OUT_BUFFER_AT: usize = 8;
pub const PACKET_OUT_PORT_AT: usize = 12;
const FLOW_MOD_BUFFER_AT: usize = 64;

/// Ports of the emulated switch: sources behind the first, the destination behind the
/// second.
pub const SOURCE_PORT: u16 = 1;
pub const DESTINATION_PORT: u16 = 2;
/// The frames' length, as cbench's.
const FRAME_LEN: usize = 64;
/// Buffer ids in flight per switch at most; they are reused after this many.
pub const RING: usize = 1 << 17;
/// Hosts per switch at most: a host's index is three bytes of its address.
pub const MAX_MACS: u32 = (1 << 24) - 1;

/// Host `index` of switch `switch` (0-based): `02:SS:SS:II:II:II`, locally administered.
pub fn host_mac(switch: u16, index: u32) -> [u8; 6] {
    let [s0, s1] = switch.to_be_bytes();
    let [_, i0, i1, i2] = index.to_be_bytes();
    [0x02, s0, s1, i0, i1, i2]
}

fn host_ip(switch: u16, index: u32) -> Ipv4Addr {
    let [s0, s1] = switch.to_be_bytes();
    Ipv4Addr::new(10, s0.wrapping_add(s1), (index >> 8) as u8, index as u8)
}

/// One switch's probes and the PacketIns it has in flight.
pub struct Probes {
    switch: u16,
    macs: u32,
    /// The PACKET_IN from host 0, patched per send.
    template: Vec<u8>,
    next: u64,
    /// Per buffer id in flight: the source host's index + 1 (0: free).
    ring: Vec<u32>,
    /// Per source host: its PacketIns in flight.
    per_mac: Vec<u32>,
    in_flight: u64,
    /// The controller answers with our buffer ids: then a response without one only
    /// goes with a buffered one (a FLOW_MOD beside its PACKET_OUT) and is not counted.
    uses_buffers: bool,
}

impl Probes {
    pub fn new(switch: u16, macs: u32) -> Probes {
        let frame = udp_frame(
            host_mac(switch, 0),
            host_mac(switch, macs),
            host_ip(switch, 0),
            host_ip(switch, macs),
        );
        Probes {
            switch,
            macs,
            template: packet_in(0, SOURCE_PORT, frame),
            next: 0,
            ring: vec![0; RING],
            per_mac: vec![0; macs as usize],
            in_flight: 0,
            uses_buffers: false,
        }
    }

    /// The announcement of the destination host (`--learn-macs`): a gratuitous ARP reply
    /// from port 2, unbuffered.
    pub fn announcement(&self) -> Body {
        let mac = host_mac(self.switch, self.macs);
        let ip = host_ip(self.switch, self.macs);
        let frame = Frame {
            eth: Some(EthernetRepr {
                dst: [0xff; 6],
                src: mac,
                ethertype: ethertype::ARP,
            }),
            vlans: Vec::new(),
            mpls: Vec::new(),
            network: Network::Arp(ArpRepr {
                htype: 1,
                ptype: ethertype::IPV4,
                op: arp::op::REPLY,
                sha: mac,
                spa: ip,
                tha: mac,
                tpa: ip,
            }),
            transport: Transport::None,
            payload: Vec::new(),
            trailer: Vec::new(),
            tunnel: None,
            truncated: None,
        }
        .emit();
        packet_in_body(NO_BUFFER, DESTINATION_PORT, frame)
    }

    pub fn packet_in_len(&self) -> usize {
        self.template.len()
    }

    /// Forgets every PacketIn in flight (latency mode, at a loop's end): an answer that
    /// comes later is not counted.
    pub fn forget_all(&mut self) {
        self.ring.fill(0);
        self.per_mac.fill(0);
        self.in_flight = 0;
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Appends the next PacketIn to `out`.
    pub fn push_next(&mut self, out: &mut Vec<u8>) {
        let seq = self.next;
        self.next += 1;
        let slot = (seq % RING as u64) as usize;
        let mac = (seq % u64::from(self.macs)) as u32;
        if let Some(old) = self.ring[slot].checked_sub(1) {
            // Never answered: forgotten.
            self.forget(old as usize);
        }
        self.ring[slot] = mac + 1;
        self.per_mac[mac as usize] += 1;
        self.in_flight += 1;
        let at = out.len();
        out.extend_from_slice(&self.template);
        let m = &mut out[at..];
        m[XID_AT..XID_AT + 4].copy_from_slice(&(seq as u32).to_be_bytes());
        m[PACKET_IN_BUFFER_AT..PACKET_IN_BUFFER_AT + 4]
            .copy_from_slice(&(slot as u32).to_be_bytes());
        let src = host_mac(self.switch, mac);
        m[PACKET_IN_FRAME_SRC_AT..PACKET_IN_FRAME_SRC_AT + 6].copy_from_slice(&src);
    }

    /// Whether `message` (one whole message from the controller) answers one of our
    /// PacketIns in flight: a FLOW_MOD or PACKET_OUT with its buffer id, or, from a
    /// controller that does not use buffer ids, whose match or frame names its source
    /// host. Each PacketIn is answered once.
    pub fn answers(&mut self, message: &[u8]) -> bool {
        let buffer_at = match message[1] {
            ofpt::PACKET_OUT => PACKET_OUT_BUFFER_AT,
            ofpt::FLOW_MOD => FLOW_MOD_BUFFER_AT,
            _ => return false,
        };
        let Some(&buffer) = message[buffer_at..].first_chunk::<4>() else {
            return false;
        };
        let buffer = u32::from_be_bytes(buffer);
        if buffer != NO_BUFFER {
            let Some(mac) = self
                .ring
                .get(buffer as usize)
                .and_then(|m| m.checked_sub(1))
            else {
                return false;
            };
            self.ring[buffer as usize] = 0;
            self.forget(mac as usize);
            self.uses_buffers = true;
            return true;
        }
        if self.uses_buffers {
            return false;
        }
        let named = match Message::parse(message).body {
            Body::FlowMod(f)
                if matches!(f.command, ofpfc::ADD | ofpfc::MODIFY | ofpfc::MODIFY_STRICT) =>
            {
                [f.match_.dl_src, f.match_.dl_dst]
            }
            Body::PacketOut(p) => match Frame::parse(&p.data).eth {
                Some(eth) => [eth.src, eth.dst],
                None => return false,
            },
            _ => return false,
        };
        for mac in named {
            if let Some(i) = self.source_index(mac) {
                if self.per_mac[i] > 0 {
                    // Which of its PacketIns is not known: the count is what matters.
                    self.forget(i);
                    return true;
                }
            }
        }
        false
    }

    /// One PacketIn from source host `mac` is no longer in flight. (Counts saturate: a
    /// PacketIn answered by its host and later by its buffer id was counted once.)
    fn forget(&mut self, mac: usize) {
        self.per_mac[mac] = self.per_mac[mac].saturating_sub(1);
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn source_index(&self, mac: [u8; 6]) -> Option<usize> {
        let [_, _, _, i0, i1, i2] = mac;
        let index = u32::from_be_bytes([0, i0, i1, i2]);
        (index < self.macs && host_mac(self.switch, index) == mac).then_some(index as usize)
    }
}

fn udp_frame(src: [u8; 6], dst: [u8; 6], src_ip: Ipv4Addr, dst_ip: Ipv4Addr) -> Vec<u8> {
    const UDP_HEADER: usize = 8;
    let ip_len = FRAME_LEN - 14;
    let payload = vec![0u8; ip_len - ipv4::MIN_HEADER_LEN - UDP_HEADER];
    let mut ip = Ipv4Repr {
        tos: 0,
        total_len: ip_len as u16,
        ident: 0,
        flags: 0,
        frag_offset: 0,
        ttl: 64,
        protocol: ipv4::protocol::UDP,
        checksum: 0,
        src: src_ip,
        dst: dst_ip,
        options: Options::default(),
    };
    ip.fill_checksum();
    Frame {
        eth: Some(EthernetRepr {
            dst,
            src,
            ethertype: ethertype::IPV4,
        }),
        vlans: Vec::new(),
        mpls: Vec::new(),
        network: Network::Ipv4(ip),
        transport: Transport::Udp(UdpRepr {
            src_port: 5001,
            dst_port: 5001,
            length: (UDP_HEADER + payload.len()) as u16,
            checksum: 0,
        }),
        payload,
        trailer: Vec::new(),
        tunnel: None,
        truncated: None,
    }
    .emit()
}

fn packet_in_body(buffer_id: u32, in_port: u16, frame: Vec<u8>) -> Body {
    Body::PacketIn(PacketIn {
        buffer_id,
        total_len: frame.len() as u16,
        in_port,
        reason: 0,
        data: frame,
    })
}

fn packet_in(buffer_id: u32, in_port: u16, frame: Vec<u8>) -> Vec<u8> {
    Message::new(0, packet_in_body(buffer_id, in_port, frame)).emit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::{Action, FlowMod, Match, PacketOut};

    #[test]
    fn patched_packet_ins_decode_as_meant() {
        let mut probes = Probes::new(3, 5);
        let mut out = Vec::new();
        for _ in 0..7 {
            probes.push_next(&mut out);
        }
        let one = out.len() / 7;
        let sixth = Message::parse(&out[6 * one..]);
        assert_eq!(sixth.header.xid, 6);
        let Body::PacketIn(p) = sixth.body else {
            panic!("{sixth:?}")
        };
        assert_eq!(
            (p.buffer_id, p.in_port, p.data.len()),
            (6, SOURCE_PORT, FRAME_LEN)
        );
        let frame = Frame::parse(&p.data);
        assert_eq!(frame.eth.unwrap().src, host_mac(3, 1));
        assert_eq!(frame.eth.unwrap().dst, host_mac(3, 5));
        assert!(frame.summary().contains("UDP"), "{}", frame.summary());
        assert_eq!(probes.in_flight(), 7);
    }

    #[test]
    fn answers_by_buffer_id_once_or_by_source_host() {
        let mut probes = Probes::new(1, 4);
        let mut out = Vec::new();
        probes.push_next(&mut out);
        probes.push_next(&mut out);
        let flow_mod = |buffer_id, dl_src| {
            Message::new(
                0,
                Body::FlowMod(FlowMod {
                    match_: Match {
                        dl_src,
                        ..Match::default()
                    },
                    buffer_id,
                    ..FlowMod::default()
                }),
            )
            .emit()
        };
        // Unbuffered, naming the second PacketIn's source host.
        assert!(probes.answers(&flow_mod(NO_BUFFER, host_mac(1, 1))));
        assert!(!probes.answers(&flow_mod(NO_BUFFER, host_mac(1, 1))));
        let packet_out = Message::new(
            0,
            Body::PacketOut(PacketOut {
                buffer_id: 0,
                in_port: SOURCE_PORT,
                actions: vec![Action::output(3)],
                data: Vec::new(),
            }),
        )
        .emit();
        assert!(probes.answers(&packet_out));
        assert!(!probes.answers(&packet_out), "answered twice");
        assert_eq!(probes.in_flight(), 0);
    }
}
