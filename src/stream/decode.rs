//! From a captured frame to a TCP segment: link layer, IPv4/IPv6, TCP (etherparse's lax
//! slicing, so frames cut by the snaplen still give their headers).
use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

use crate::capture::LinkType;

/// The TCP flags the tracker acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

/// One TCP segment as captured.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// The captured payload.
    pub payload: &'a [u8],
    /// Payload bytes the segment carried on the wire but the snaplen cut off.
    pub missing: u32,
}

/// Decodes a TCP segment from a frame, or `None` for anything else (ARP, UDP, a fragment,
/// a header cut by the snaplen, an unknown link type).
pub fn decode_tcp(linktype: LinkType, data: &[u8], orig_len: u32) -> Option<TcpSegment<'_>> {
    let packet = match linktype {
        LinkType::ETHERNET => LaxSlicedPacket::from_ethernet(data).ok()?,
        LinkType::LINUX_SLL => {
            // 16-byte cooked header; the protocol is its last two bytes.
            let proto = u16::from_be_bytes(data.get(14..16)?.try_into().ok()?);
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(16..)?)
        }
        LinkType::LINUX_SLL2 => {
            // 20-byte cooked header v2; the protocol comes first.
            let proto = u16::from_be_bytes(data.get(0..2)?.try_into().ok()?);
            LaxSlicedPacket::from_ether_type(EtherType(proto), data.get(20..)?)
        }
        // The address family (4 bytes, in either byte order) is redundant with the IP
        // version nibble, which etherparse reads.
        LinkType::NULL | LinkType::LOOP => LaxSlicedPacket::from_ip(data.get(4..)?).ok()?,
        LinkType::RAW
        | LinkType::RAW_BSD_12
        | LinkType::RAW_BSD_14
        | LinkType::IPV4
        | LinkType::IPV6 => LaxSlicedPacket::from_ip(data).ok()?,
        _ => return None,
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match &packet.net {
        Some(LaxNetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        Some(LaxNetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        _ => return None,
    };
    let Some(TransportSlice::Tcp(tcp)) = &packet.transport else {
        return None;
    };
    let cut = orig_len.saturating_sub(u32::try_from(data.len()).unwrap_or(u32::MAX));
    let truncated = packet.ip_payload().is_some_and(|p| p.incomplete);
    Some(TcpSegment {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags: TcpFlags {
            syn: tcp.syn(),
            ack: tcp.ack(),
            fin: tcp.fin(),
            rst: tcp.rst(),
        },
        payload: tcp.payload(),
        // The snaplen cuts the end of the frame, which is the end of the TCP payload.
        missing: if truncated { cut } else { 0 },
    })
}
