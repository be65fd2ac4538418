//! Replies the replay apps send: an ARP reply and an ICMP echo reply, both keeping the
//! VLAN tags of the request.

use super::ArpRepr;
use super::{
    arp, icmp, ipv4, EthernetRepr, Frame, IcmpRepr, Ipv4Repr, Network, Options, Transport,
};

/// The TTL of the replies we build, as Linux uses.
pub const REPLY_TTL: u8 = 64;

impl Frame {
    /// The reply to an ARP request: `mac` answers for the requested address. `None` if this
    /// frame is not an ARP request.
    pub fn arp_reply(&self, mac: [u8; 6]) -> Option<Frame> {
        let (Some(eth), Network::Arp(req)) = (self.eth, &self.network) else {
            return None;
        };
        if req.op != arp::op::REQUEST {
            return None;
        }
        Some(Frame {
            eth: Some(EthernetRepr {
                dst: req.sha,
                src: mac,
                ethertype: eth.ethertype,
            }),
            vlans: self.vlans.clone(),
            mpls: self.mpls.clone(),
            tunnel: None,
            network: Network::Arp(ArpRepr {
                op: arp::op::REPLY,
                sha: mac,
                spa: req.tpa,
                tha: req.sha,
                tpa: req.spa,
                ..*req
            }),
            transport: Transport::None,
            payload: Vec::new(),
            trailer: Vec::new(),
            truncated: None,
        })
    }

    /// The reply to a whole ICMP echo request: addresses swapped, same id, sequence and
    /// data, IP id copied from the request (so replays are deterministic), TTL 64, no IP
    /// options, checksums computed. `None` if this frame is not such a request.
    pub fn icmp_echo_reply(&self) -> Option<Frame> {
        let (Some(eth), Network::Ipv4(ip), Transport::Icmp(req)) =
            (self.eth, &self.network, &self.transport)
        else {
            return None;
        };
        if req.icmp_type != icmp::kind::ECHO_REQUEST || self.truncated.is_some() {
            return None;
        }
        let mut echo = IcmpRepr::echo(icmp::kind::ECHO_REPLY, req.echo_id(), req.echo_seq());
        echo.checksum = echo.compute_checksum(&self.payload);
        let total_len = ipv4::MIN_HEADER_LEN + echo.buffer_len() + self.payload.len();
        let mut reply_ip = Ipv4Repr {
            tos: ip.tos,
            total_len: u16::try_from(total_len).ok()?,
            ident: ip.ident,
            flags: 0,
            frag_offset: 0,
            ttl: REPLY_TTL,
            protocol: ipv4::protocol::ICMP,
            checksum: 0,
            src: ip.dst,
            dst: ip.src,
            options: Options::default(),
        };
        reply_ip.fill_checksum();
        Some(Frame {
            eth: Some(EthernetRepr {
                dst: eth.src,
                src: eth.dst,
                ethertype: eth.ethertype,
            }),
            vlans: self.vlans.clone(),
            mpls: self.mpls.clone(),
            tunnel: None,
            network: Network::Ipv4(reply_ip),
            transport: Transport::Icmp(echo),
            payload: self.payload.clone(),
            trailer: Vec::new(),
            truncated: None,
        })
    }
}
