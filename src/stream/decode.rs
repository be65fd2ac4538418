//! From a captured frame to a TCP segment: link layer, VLAN tags, MPLS, IPv4/IPv6, the
//! tunnels a capture point wraps the channel in (GRE, ERSPAN, VXLAN, Geneve, IP in IP), TCP
//! (etherparse's lax IP slicing, so frames cut by the snaplen still give their headers).
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use etherparse::{
    EtherType, IpNumber, LaxIpSlice, LaxNetSlice, LaxSlicedPacket, TcpSlice, TransportSlice,
};
use ofscope_dissectors::frame::{
    ethertype, geneve,
    ipv4::protocol as ip_protocol,
    mpls,
    tcp::flag as tcp_flag,
    tunnel::{self, Encap},
    MplsEntry, UdpRepr,
};

use crate::capture::LinkType;

/// The TCP flags the tracker acts on (SYN, ACK, FIN, RST), as the header's bits
/// (`frame::tcp::flag`), the others left out. Not four `bool`s: the copy check (in the
/// tracker) takes the bits as they are, for every segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags(u16);

impl TcpFlags {
    pub fn new(syn: bool, ack: bool, fin: bool, rst: bool) -> TcpFlags {
        let bit = |set: bool, mask: u16| if set { mask } else { 0 };
        TcpFlags(
            bit(syn, tcp_flag::SYN)
                | bit(ack, tcp_flag::ACK)
                | bit(fin, tcp_flag::FIN)
                | bit(rst, tcp_flag::RST),
        )
    }

    /// The header's bits: only those of SYN, ACK, FIN and RST can be set.
    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn syn(self) -> bool {
        self.0 & tcp_flag::SYN != 0
    }

    pub fn ack(self) -> bool {
        self.0 & tcp_flag::ACK != 0
    }

    pub fn fin(self) -> bool {
        self.0 & tcp_flag::FIN != 0
    }

    pub fn rst(self) -> bool {
        self.0 & tcp_flag::RST != 0
    }
}

/// One TCP segment as captured.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The outermost tunnel the segment came through, `None` when it came bare. Boxed:
    /// every segment is moved a few times, and a bare one should not carry its room.
    pub via: Option<Box<CapturePoint>>,
    /// The IPv4 header's identification, 0 over IPv6: with the rest of the segment, a
    /// non-zero one tells a copy of a packet (the capture saw it twice) from a
    /// retransmission.
    pub ip_id: u16,
}

/// Where a tunnelled channel was captured: the outermost tunnel's kind (`GRE`,
/// `ERSPAN II`, `VXLAN`, ...), its outer IP addresses and its id (ERSPAN session, GRE key,
/// VNI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CapturePoint {
    pub kind: &'static str,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: Option<u32>,
}

impl fmt::Display for CapturePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} > {}", self.kind, self.src, self.dst)?;
        match self.id {
            Some(id) => write!(f, " id {id}"),
            None => Ok(()),
        }
    }
}

/// What a frame that gave no TCP segment was, as far as the outer path can tell: for the
/// line that says why a capture gave no OpenFlow messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skipped {
    /// Cut, malformed, a fragment, or a link type ofscope does not decode.
    Undecoded,
    /// A network layer other than IP (ARP, LLDP, ...).
    EtherType(u16),
    /// An IP packet of a protocol that is neither TCP nor a tunnel.
    IpProtocol(u8),
    /// A tunnel carrying a type the outer path does not decode.
    Carried {
        tunnel: &'static str,
        ethertype: u16,
    },
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Skipped::Undecoded => f.write_str("frames cut short or of a kind not decoded"),
            Skipped::EtherType(t) => match ethertype::name(t) {
                Some(name) => write!(f, "{name} frames (ethertype 0x{t:04x})"),
                None => write!(f, "frames of ethertype 0x{t:04x} not decoded"),
            },
            Skipped::IpProtocol(p) => match ip_protocol::name(p) {
                Some(name) => write!(f, "{name} packets (IP protocol {p})"),
                None => write!(f, "packets of IP protocol {p} not decoded"),
            },
            Skipped::Carried { tunnel, ethertype } => {
                write!(
                    f,
                    "frames of {tunnel} protocol 0x{ethertype:04x} not decoded"
                )
            }
        }
    }
}

/// `?` for the outer path's reads: a missing piece makes the frame [`Skipped::Undecoded`].
trait OrSkip<T> {
    fn or_skip(self) -> Result<T, Skipped>;
}

impl<T> OrSkip<T> for Option<T> {
    #[inline]
    fn or_skip(self) -> Result<T, Skipped> {
        self.ok_or(Skipped::Undecoded)
    }
}

/// What the outer path looks for besides IP and TCP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OuterPath {
    /// UDP ports that carry VXLAN (4789 and the user's `--vxlan-port`s).
    pub vxlan_ports: Vec<u16>,
}

impl Default for OuterPath {
    fn default() -> Self {
        OuterPath {
            vxlan_ports: vec![ofscope_dissectors::frame::vxlan::PORT],
        }
    }
}

/// Decodes a TCP segment from a frame, or says what else it was (ARP, UDP, a fragment,
/// a header cut by the snaplen, an unknown link type). Tunnels are taken off down to the
/// segment (at most `tunnel::MAX_DEPTH` of them); a plain frame pays one branch for them.
///
/// The link layer is walked by hand and the IP and TCP headers sliced directly: this is
/// run on every frame, and etherparse's whole-packet slicer moves a large struct through
/// each layer. Its rules are kept (no transport after an IP extension-header error or in a
/// fragment) but one: any number of VLAN tags is walked, where the slicer stops at three and a
/// control channel behind a fourth would vanish without a word. MACsec, rare on a control
/// channel, takes the whole-packet slicer.
pub fn decode_tcp<'a>(
    linktype: LinkType,
    data: &'a [u8],
    orig_len: u32,
    outer: &OuterPath,
) -> Result<TcpSegment<'a>, Skipped> {
    let link = |at: usize, from: usize| -> Result<IpStart<'a>, Skipped> {
        after_ether_type(ether_type(data, at).or_skip()?, data.get(from..).or_skip()?)
    };
    let ip = match linktype {
        LinkType::ETHERNET => link(12, 14)?,
        // 16-byte cooked header; the protocol is its last two bytes.
        LinkType::LINUX_SLL => link(14, 16)?,
        // 20-byte cooked header v2; the protocol comes first.
        LinkType::LINUX_SLL2 => link(0, 20)?,
        // The address family (4 bytes, in either byte order) is redundant with the IP
        // version nibble, which the IP slicer reads.
        LinkType::NULL | LinkType::LOOP => IpStart::Ip(data.get(4..).or_skip()?),
        LinkType::RAW
        | LinkType::RAW_BSD_12
        | LinkType::RAW_BSD_14
        | LinkType::IPV4
        | LinkType::IPV6 => IpStart::Ip(data),
        _ => return Err(Skipped::Undecoded),
    };
    let found = match ip {
        IpStart::Ip(bytes) => tcp_in_ip(bytes, outer)?,
        IpStart::Macsec => tcp_in_packet(&whole_packet(linktype, data).or_skip()?).or_skip()?,
    };
    Ok(segment(found, data, orig_len))
}

/// The segment of a TCP header found in a frame of `data` (as captured) that was `orig_len`
/// bytes on the wire.
fn segment<'a>(
    Found {
        src: src_ip,
        dst: dst_ip,
        tcp,
        incomplete,
        via,
        ip_id,
    }: Found<'a>,
    data: &[u8],
    orig_len: u32,
) -> TcpSegment<'a> {
    let cut = orig_len.saturating_sub(u32::try_from(data.len()).unwrap_or(u32::MAX));
    TcpSegment {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags: TcpFlags::new(tcp.syn(), tcp.ack(), tcp.fin(), tcp.rst()),
        payload: tcp.payload(),
        // The snaplen cuts the end of the frame, which is the end of the TCP payload.
        missing: if incomplete { cut } else { 0 },
        via,
        ip_id,
    }
}

/// Where the IP header starts, or a MACsec frame left to the whole-packet slicer.
enum IpStart<'a> {
    Ip(&'a [u8]),
    Macsec,
}

/// The TCP header found: source and destination addresses, the header, whether the IP
/// payload is cut short, and the tunnel it came through.
struct Found<'a> {
    src: IpAddr,
    dst: IpAddr,
    tcp: TcpSlice<'a>,
    incomplete: bool,
    via: Option<Box<CapturePoint>>,
    ip_id: u16,
}

fn ether_type(data: &[u8], at: usize) -> Option<EtherType> {
    Some(EtherType(u16::from_be_bytes(
        data.get(at..at + 2)?.try_into().ok()?,
    )))
}

/// Walks VLAN tags and MPLS labels, as many as the frame holds (each takes 4 of its bytes,
/// so the walk is bounded by its length), to an IPv4 or IPv6 header.
fn after_ether_type(mut ether_type: EtherType, mut payload: &[u8]) -> Result<IpStart<'_>, Skipped> {
    loop {
        match ether_type {
            EtherType::VLAN_TAGGED_FRAME
            | EtherType::PROVIDER_BRIDGING
            | EtherType::VLAN_DOUBLE_TAGGED_FRAME => {
                // A tag is 4 bytes: TCI, then the next ether type.
                ether_type = self::ether_type(payload, 2).or_skip()?;
                payload = payload.get(4..).or_skip()?;
            }
            EtherType::IPV4 | EtherType::IPV6 => return Ok(IpStart::Ip(payload)),
            EtherType::MACSEC => return Ok(IpStart::Macsec),
            EtherType(t) if mpls::is_mpls(t) => return after_mpls(payload).or_skip(),
            EtherType(other) => return Err(Skipped::EtherType(other)),
        }
    }
}

/// The IP packet after an MPLS label stack: its first nibble says IPv4 or IPv6.
#[cold]
fn after_mpls(mut payload: &[u8]) -> Option<IpStart<'_>> {
    loop {
        let entry = MplsEntry::parse(payload).ok()?;
        payload = payload.get(mpls::ENTRY_LEN..)?;
        if entry.bottom {
            mpls::payload_ethertype(payload)?;
            return Some(IpStart::Ip(payload));
        }
    }
}

fn tcp_in_ip<'a>(bytes: &'a [u8], outer: &OuterPath) -> Result<Found<'a>, Skipped> {
    match ip_carries(bytes)? {
        IpCarries::Tcp(found) => Ok(found),
        IpCarries::Other {
            ends,
            number,
            payload,
        } => tcp_in_tunnel(ends, number, payload, outer),
    }
}

/// What an IP packet carries: a TCP segment, or something else (a tunnel, maybe).
enum IpCarries<'a> {
    Tcp(Found<'a>),
    Other {
        ends: (IpAddr, IpAddr),
        number: IpNumber,
        payload: &'a [u8],
    },
}

#[inline(always)]
fn ip_carries(bytes: &[u8]) -> Result<IpCarries<'_>, Skipped> {
    let (ip, stop) = LaxIpSlice::from_slice(bytes).ok().or_skip()?;
    let payload = ip.payload();
    if stop.is_some() || payload.fragmented {
        return Err(Skipped::Undecoded);
    }
    if payload.ip_number != IpNumber::TCP {
        return Ok(IpCarries::Other {
            ends: (ip.source_addr(), ip.destination_addr()),
            number: payload.ip_number,
            payload: payload.payload,
        });
    }
    let tcp = TcpSlice::from_slice(payload.payload).ok().or_skip()?;
    let ip_id = match &ip {
        LaxIpSlice::Ipv4(v4) => v4.header().identification(),
        LaxIpSlice::Ipv6(_) => 0,
    };
    Ok(IpCarries::Tcp(Found {
        src: ip.source_addr(),
        dst: ip.destination_addr(),
        tcp,
        incomplete: payload.incomplete,
        via: None,
        ip_id,
    }))
}

/// The segment inside the tunnels that IP protocol `number` (GRE, IP in IP) or a UDP port
/// (VXLAN, Geneve) announces, at most `tunnel::MAX_DEPTH` deep, with the outermost tunnel
/// as its capture point. The tunnel headers are the frame dissector's
/// ([`tunnel::decapsulate`]). A loop, not a recursion, so that the plain path inlines.
#[cold]
#[inline(never)]
fn tcp_in_tunnel<'a>(
    mut ends: (IpAddr, IpAddr),
    mut number: IpNumber,
    mut payload: &'a [u8],
    outer: &OuterPath,
) -> Result<Found<'a>, Skipped> {
    let mut via = None;
    for _ in 0..tunnel::MAX_DEPTH {
        let (ip, point) = decapsulate(ends, number, payload, outer)?;
        let via = *via.get_or_insert(point);
        match ip_carries(ip)? {
            IpCarries::Tcp(mut found) => {
                found.via = Some(Box::new(via));
                return Ok(found);
            }
            IpCarries::Other {
                ends: e,
                number: n,
                payload: p,
            } => (ends, number, payload) = (e, n, p),
        }
    }
    Err(Skipped::Undecoded)
}

/// One tunnel taken off: the IP packet inside it, and the tunnel as a capture point.
fn decapsulate<'a>(
    (src, dst): (IpAddr, IpAddr),
    number: IpNumber,
    payload: &'a [u8],
    outer: &OuterPath,
) -> Result<(&'a [u8], CapturePoint), Skipped> {
    let not_a_tunnel = Skipped::IpProtocol(number.0);
    let (encap, bytes) = match Encap::of_ip_protocol(number.0) {
        Some(encap) => (encap, payload),
        None if number == IpNumber::UDP => {
            let udp = UdpRepr::parse(payload).ok().or_skip()?;
            let encap = if outer.vxlan_ports.contains(&udp.dst_port) {
                Encap::Vxlan
            } else if udp.dst_port == geneve::PORT {
                Encap::Geneve
            } else {
                return Err(not_a_tunnel);
            };
            (encap, payload.get(udp.buffer_len()..).or_skip()?)
        }
        None => return Err(not_a_tunnel),
    };
    let found = tunnel::decapsulate(encap, bytes).ok().or_skip()?;
    let kind = found.header.kind();
    let inner = bytes.get(found.header_len..).or_skip()?;
    let ip = if found.inner_type == ethertype::TEB {
        after_ether_type(ether_type(inner, 12).or_skip()?, inner.get(14..).or_skip()?)
    } else {
        // What the tunnel says it carries is not decoded: say so in the tunnel's terms.
        after_ether_type(EtherType(found.inner_type), inner).map_err(|skipped| match skipped {
            Skipped::EtherType(ethertype) if ethertype == found.inner_type => Skipped::Carried {
                tunnel: kind,
                ethertype,
            },
            other => other,
        })
    };
    let IpStart::Ip(ip) = ip? else {
        return Err(Skipped::Undecoded);
    };
    let point = CapturePoint {
        kind,
        src,
        dst,
        id: found.header.id(),
    };
    Ok((ip, point))
}

/// etherparse's whole-packet slicer, for the link layers that carry an ether type.
fn whole_packet(linktype: LinkType, data: &[u8]) -> Option<LaxSlicedPacket<'_>> {
    match linktype {
        LinkType::ETHERNET => LaxSlicedPacket::from_ethernet(data).ok(),
        LinkType::LINUX_SLL => Some(LaxSlicedPacket::from_ether_type(
            ether_type(data, 14)?,
            data.get(16..)?,
        )),
        LinkType::LINUX_SLL2 => Some(LaxSlicedPacket::from_ether_type(
            ether_type(data, 0)?,
            data.get(20..)?,
        )),
        _ => None,
    }
}

fn tcp_in_packet<'a>(packet: &LaxSlicedPacket<'a>) -> Option<Found<'a>> {
    let (src, dst, ip_id) = match &packet.net {
        Some(LaxNetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
            ip.header().identification(),
        ),
        Some(LaxNetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
            0,
        ),
        _ => return None,
    };
    let Some(TransportSlice::Tcp(tcp)) = &packet.transport else {
        return None;
    };
    let incomplete = packet.ip_payload().is_some_and(|p| p.incomplete);
    Some(Found {
        src,
        dst,
        tcp: tcp.clone(),
        incomplete,
        via: None,
        ip_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;
    use proptest::prelude::*;

    /// The decoding as etherparse's whole-packet slicer does it on every link layer: the
    /// hand-walked link layer must agree with it on any frame, once the tags past the
    /// slicer's third are taken out.
    fn reference(linktype: LinkType, data: &[u8], orig_len: u32) -> Option<TcpSegment<'static>> {
        let stripped = without_tags_past_the_third(linktype, data).leak();
        let orig_len = orig_len - (data.len() - stripped.len()) as u32;
        let data = stripped;
        let packet = match linktype {
            LinkType::NULL | LinkType::LOOP => LaxSlicedPacket::from_ip(data.get(4..)?).ok()?,
            LinkType::RAW
            | LinkType::RAW_BSD_12
            | LinkType::RAW_BSD_14
            | LinkType::IPV4
            | LinkType::IPV6 => LaxSlicedPacket::from_ip(data).ok()?,
            _ => whole_packet(linktype, data)?,
        };
        Some(segment(tcp_in_packet(&packet)?, data, orig_len))
    }

    /// `data` with its VLAN tags past the third removed: the third tag then carries the last
    /// tag's next ether type.
    fn without_tags_past_the_third(linktype: LinkType, data: &[u8]) -> Vec<u8> {
        let type_at = match linktype {
            LinkType::ETHERNET => 12,
            LinkType::LINUX_SLL => 14,
            LinkType::LINUX_SLL2 => 0,
            _ => return data.to_vec(),
        };
        let first_tag = if linktype == LinkType::LINUX_SLL2 {
            20
        } else {
            type_at + 2
        };
        // Where each ether type of the chain sits: the link header's, then each tag's.
        let mut types = vec![type_at];
        while let Some(ty) = ether_type(data, *types.last().unwrap()) {
            if !matches!(
                ty,
                EtherType::VLAN_TAGGED_FRAME
                    | EtherType::PROVIDER_BRIDGING
                    | EtherType::VLAN_DOUBLE_TAGGED_FRAME
            ) {
                break;
            }
            types.push(first_tag + 4 * (types.len() - 1) + 2);
        }
        if types.len() <= 4 {
            return data.to_vec();
        }
        // Keep the header and three tags up to the third's ether type, then the last one's
        // (none when the frame is cut inside the tags).
        let last = *types.last().unwrap();
        [&data[..types[3]], data.get(last..).unwrap_or_default()].concat()
    }

    /// IPv4 and IPv6 packets carrying TCP, and one carrying UDP.
    fn ip_packets() -> Vec<Vec<u8>> {
        let payload = [1u8, 10, 0, 8, 0, 0, 0, 7, 0xaa, 0xbb];
        let mut packets = Vec::new();
        for builder in [
            PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).tcp(6633, 40000, 7, 1024),
            PacketBuilder::ipv6([1; 16], [2; 16], 64).tcp(40000, 6653, 9, 1024),
        ] {
            let mut packet = Vec::new();
            builder.ack(3).write(&mut packet, &payload).unwrap();
            packets.push(packet);
        }
        let mut udp = Vec::new();
        PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(6633, 6633)
            .write(&mut udp, &payload)
            .unwrap();
        packets.push(udp);
        packets
    }

    const LINK_TYPES: [LinkType; 9] = [
        LinkType::ETHERNET,
        LinkType::LINUX_SLL,
        LinkType::LINUX_SLL2,
        LinkType::NULL,
        LinkType::LOOP,
        LinkType::RAW,
        LinkType::RAW_BSD_12,
        LinkType::IPV4,
        LinkType::IPV6,
    ];

    /// Ether types worth walking through: tags, MACsec, IP and something else.
    const ETHER_TYPES: [u16; 7] = [0x8100, 0x88a8, 0x9100, 0x88e5, 0x0800, 0x86dd, 0x0806];

    /// A frame of `linktype`: its link header, `tags` (ether type and 4 tag bytes each),
    /// then `ip` behind the given ether type.
    fn frame(linktype: LinkType, tags: &[(u16, [u8; 4])], ether_type: u16, ip: &[u8]) -> Vec<u8> {
        let mut inner = Vec::new();
        let mut next = ether_type;
        for &(tpid, bytes) in tags.iter().rev() {
            let mut tag = bytes.to_vec();
            tag[2..4].copy_from_slice(&next.to_be_bytes());
            tag.extend_from_slice(&inner);
            inner = tag;
            next = tpid;
        }
        inner.extend_from_slice(ip);
        let mut frame = match linktype {
            LinkType::ETHERNET => [[2u8; 12].as_slice(), &next.to_be_bytes()].concat(),
            LinkType::LINUX_SLL => [[0u8; 14].as_slice(), &next.to_be_bytes()].concat(),
            LinkType::LINUX_SLL2 => [next.to_be_bytes().as_slice(), &[0; 18]].concat(),
            LinkType::NULL | LinkType::LOOP => vec![2, 0, 0, 0],
            _ => Vec::new(),
        };
        frame.extend_from_slice(&inner);
        frame
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8192))]
        #[test]
        fn agrees_with_the_whole_packet_slicer(
            link in 0..LINK_TYPES.len(),
            packet in 0..3usize,
            // Tags are drawn from the first four: VLAN kinds and MACsec.
            tags in prop::collection::vec((0..4usize, any::<[u8; 4]>()), 0..6),
            ether_type in 0..ETHER_TYPES.len(),
            flips in prop::collection::vec((0..96usize, any::<u8>()), 0..3),
            cut in 0..140usize,
        ) {
            let linktype = LINK_TYPES[link];
            let tags: Vec<_> = tags.into_iter().map(|(t, b)| (ETHER_TYPES[t], b)).collect();
            let mut data = frame(linktype, &tags, ETHER_TYPES[ether_type], &ip_packets()[packet]);
            for (at, byte) in flips {
                if let Some(b) = data.get_mut(at) {
                    *b ^= byte;
                }
            }
            let orig_len = data.len() as u32;
            data.truncate(cut);
            prop_assert_eq!(
                decode_tcp(linktype, &data, orig_len, &OuterPath::default()).ok(),
                reference(linktype, &data, orig_len)
            );
        }
    }

    #[test]
    fn tunnels_are_taken_off_to_a_bound() {
        // IPv4 in IPv4, `depth` times, around the TCP packet.
        let wrap = |depth: usize| {
            let mut packet = ip_packets()[0].clone();
            for _ in 0..depth {
                let mut outer = Vec::new();
                PacketBuilder::ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
                    .write(&mut outer, IpNumber::IPV4, &packet)
                    .unwrap();
                packet = outer;
            }
            frame(LinkType::ETHERNET, &[], 0x0800, &packet)
        };
        let outer = OuterPath::default();
        for depth in [1, tunnel::MAX_DEPTH] {
            let data = wrap(depth);
            let seg = decode_tcp(LinkType::ETHERNET, &data, data.len() as u32, &outer).unwrap();
            let via = seg.via.expect("a capture point");
            assert_eq!(
                (via.kind, via.src.to_string()),
                ("IPIP", "192.0.2.1".into())
            );
            assert_eq!(seg.dst.port(), 40000, "{depth}");
        }
        let data = wrap(tunnel::MAX_DEPTH + 1);
        let decoded = decode_tcp(LinkType::ETHERNET, &data, data.len() as u32, &outer);
        assert_eq!(decoded, Err(Skipped::Undecoded));
    }

    #[test]
    fn walks_any_number_of_tags() {
        let ip = &ip_packets()[0];
        let untagged = frame(LinkType::ETHERNET, &[], 0x0800, ip);
        let expected = decode_tcp(
            LinkType::ETHERNET,
            &untagged,
            untagged.len() as u32,
            &OuterPath::default(),
        );
        assert!(expected.is_ok());
        for count in [1, 3, 4, 16_000] {
            let tags = vec![(0x8100, [0, 10, 0, 0]); count];
            let data = frame(LinkType::ETHERNET, &tags, 0x0800, ip);
            let decoded = decode_tcp(
                LinkType::ETHERNET,
                &data,
                data.len() as u32,
                &OuterPath::default(),
            );
            assert_eq!(decoded, expected, "{count} tags");
        }
    }
}
