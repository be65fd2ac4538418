//! Frames carried inside PACKET_IN and PACKET_OUT: Ethernet, 802.1Q/802.1ad, MPLS, ARP,
//! IPv4, IPv6, ICMP, ICMPv6, TCP, UDP, LLDP, and the tunnels GRE (with ERSPAN), VXLAN,
//! Geneve and IP in IP.
//!
//! Each protocol has a typed `...Repr` with `parse`, `emit` and `buffer_len` (smoltcp style).
//! [`Frame`] stacks them: one Ethernet header, any number of VLAN tags, an MPLS label stack,
//! one network layer, one transport layer, a tunnel with the frame it carries (itself a
//! [`Frame`]), then the bytes no layer claimed (`payload`) and the Ethernet padding after
//! the network layer's own length (`trailer`). A tunnel's header decoder is shared with the
//! capture's outer path ([`tunnel::decapsulate`]).
//!
//! Parsing never fails: a layer whose header is cut or malformed is left undecoded and its
//! bytes stay in `payload`, so `Frame::parse(b).emit() == b` for every input. `truncated`
//! names the innermost layer whose bytes ran out.

pub mod arp;
pub mod checksum;
pub mod erspan;
pub mod ethernet;
pub mod geneve;
pub mod gre;
pub mod icmp;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod lldp;
pub mod mpls;
mod reply;
mod summary;
pub mod tcp;
pub mod tunnel;
pub mod udp;
pub mod vlan;
pub mod vxlan;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_prop;

pub use arp::{ArpRepr, ARP_LEN};
pub use ethernet::{ethertype, EthernetRepr, ETHERNET_LEN};
pub use icmp::IcmpRepr;
pub use icmpv6::{Icmpv6Repr, LinkAddrOption, NdRepr};
pub use ipv4::Ipv4Repr;
pub use ipv6::Ipv6Repr;
pub use lldp::{LldpRepr, LldpTlv};
pub use mpls::MplsEntry;
pub use tcp::TcpRepr;
pub use tunnel::{Tunnel, TunnelHeader};
pub use udp::UdpRepr;
pub use vlan::{VlanTag, VLAN_TAG_LEN};

use crate::tree::{Tree, Value};
use std::fmt;

/// Why a header could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer bytes than the header needs.
    #[error("header cut short")]
    Truncated,
    /// The bytes are there but make no sense (wrong version, length below the minimum, ...).
    #[error("malformed header")]
    Malformed,
}

/// The big-endian 32-bit word at `offset`, or `Truncated` when the bytes end before it.
pub(crate) fn be_u32_at(bytes: &[u8], offset: usize) -> Result<u32, HeaderError> {
    bytes
        .get(offset..offset.saturating_add(4))
        .and_then(|word| <[u8; 4]>::try_from(word).ok())
        .map(u32::from_be_bytes)
        .ok_or(HeaderError::Truncated)
}

/// The protocol layers of a frame; names which one was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Ethernet,
    Vlan,
    Arp,
    Ipv4,
    Ipv6,
    Lldp,
    Icmp,
    Icmpv6,
    Tcp,
    Udp,
    Mpls,
    Gre,
    Erspan,
    Vxlan,
    Geneve,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Ethernet => "Ethernet",
            Layer::Vlan => "VLAN",
            Layer::Arp => "ARP",
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Lldp => "LLDP",
            Layer::Icmp => "ICMP",
            Layer::Icmpv6 => "ICMPv6",
            Layer::Tcp => "TCP",
            Layer::Udp => "UDP",
            Layer::Mpls => "MPLS",
            Layer::Gre => "GRE",
            Layer::Erspan => "ERSPAN",
            Layer::Vxlan => "VXLAN",
            Layer::Geneve => "Geneve",
        }
    }
}

/// Header options (IPv4 and TCP both cap theirs at 40 bytes), kept inline so that parsing
/// a frame allocates nothing for them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Options {
    bytes: [u8; 40],
    len: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl Options {
    pub const MAX: usize = 40;

    /// `None` when `bytes` is longer than 40.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut o = Options::default();
        o.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        o.len = bytes.len() as u8;
        Some(o)
    }

    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len as usize).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Options({:02x?})", self.as_slice())
    }
}

/// The layer after Ethernet, its VLAN tags and MPLS labels.
#[derive(Debug, Clone, PartialEq)]
pub enum Network {
    /// A frame shorter than an Ethernet header: no network layer either.
    None,
    Arp(ArpRepr),
    Ipv4(Ipv4Repr),
    Ipv6(Ipv6Repr),
    Lldp(LldpRepr),
    /// An ethertype we do not decode, or a header that was cut or malformed; its bytes are
    /// in `Frame::payload`.
    Other {
        ethertype: u16,
    },
}

impl Network {
    pub fn buffer_len(&self) -> usize {
        match self {
            Network::None | Network::Other { .. } => 0,
            Network::Arp(a) => a.buffer_len(),
            Network::Ipv4(ip) => ip.buffer_len(),
            Network::Ipv6(ip) => ip.buffer_len(),
            Network::Lldp(l) => l.buffer_len(),
        }
    }
}

/// The layer inside IPv4/IPv6.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// The network layer is not IP (or not decoded).
    None,
    Icmp(IcmpRepr),
    Icmpv6(Icmpv6Repr),
    Tcp(TcpRepr),
    Udp(UdpRepr),
    /// A protocol we do not decode, a later fragment, or a header that was cut or
    /// malformed; its bytes are in `Frame::payload`. Also GRE and IP in IP, whose header
    /// and packet are in `Frame::tunnel`.
    Other {
        protocol: u8,
    },
}

impl Transport {
    pub fn buffer_len(&self) -> usize {
        match self {
            Transport::None | Transport::Other { .. } => 0,
            Transport::Icmp(i) => i.buffer_len(),
            Transport::Icmpv6(i) => i.buffer_len(),
            Transport::Tcp(t) => t.buffer_len(),
            Transport::Udp(u) => u.buffer_len(),
        }
    }
}

/// One decoded frame. See the module documentation for the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// `None` when the frame is shorter than an Ethernet header, or for a packet a tunnel
    /// carries without one (an IP packet in GRE or IP in IP).
    pub eth: Option<EthernetRepr>,
    /// 802.1Q / 802.1ad tags, outermost first (no allocation when untagged).
    pub vlans: Vec<VlanTag>,
    /// MPLS label stack entries, outermost first.
    pub mpls: Vec<MplsEntry>,
    pub network: Network,
    pub transport: Transport,
    /// A tunnel after the transport layer (GRE, IP in IP) or in UDP's payload (VXLAN on
    /// port 4789, Geneve on 6081), with the frame it carries.
    pub tunnel: Option<Box<Tunnel>>,
    /// Bytes after the last decoded header, up to the network layer's declared length.
    pub payload: Vec<u8>,
    /// Bytes after the network layer's declared length (Ethernet padding).
    pub trailer: Vec<u8>,
    /// The innermost layer whose bytes ran out before its declared length.
    pub truncated: Option<Layer>,
}

impl Frame {
    /// Decodes as much as the bytes allow; never fails, never panics.
    /// The ethertype that says what the network layer is: the innermost VLAN tag's, or
    /// Ethernet's when the frame is untagged.
    fn network_ethertype(&self) -> u16 {
        self.vlans
            .last()
            .map(|tag| tag.ethertype)
            .or(self.eth.map(|eth| eth.ethertype))
            .unwrap_or_default()
    }

    pub fn parse(bytes: &[u8]) -> Frame {
        Frame::parse_ethernet(bytes, 0)
    }

    fn empty() -> Frame {
        Frame {
            eth: None,
            vlans: Vec::new(),
            mpls: Vec::new(),
            network: Network::None,
            transport: Transport::None,
            tunnel: None,
            payload: Vec::new(),
            trailer: Vec::new(),
            truncated: None,
        }
    }

    /// `depth` counts the tunnels this frame is inside.
    fn parse_ethernet(bytes: &[u8], depth: usize) -> Frame {
        let mut frame = Frame::empty();
        let Ok(eth) = EthernetRepr::parse(bytes) else {
            frame.truncated = Some(Layer::Ethernet);
            frame.payload = bytes.to_vec();
            return frame;
        };
        frame.eth = Some(eth);
        frame.parse_typed(eth.ethertype, tail(bytes, ETHERNET_LEN), depth);
        frame
    }

    /// The packet of type `ethertype` in `bytes`: VLAN tags, MPLS labels, then the
    /// network layer.
    fn parse_typed(&mut self, mut ethertype: u16, mut rest: &[u8], depth: usize) {
        while vlan::is_tpid(ethertype) {
            let Ok(tag) = VlanTag::parse(rest) else {
                self.network = Network::Other { ethertype };
                self.truncated = Some(Layer::Vlan);
                self.payload = rest.to_vec();
                return;
            };
            self.vlans.push(tag);
            ethertype = tag.ethertype;
            rest = tail(rest, VLAN_TAG_LEN);
        }
        if mpls::is_mpls(ethertype) {
            loop {
                let Ok(entry) = MplsEntry::parse(rest) else {
                    self.network = Network::Other { ethertype };
                    self.truncated = Some(Layer::Mpls);
                    self.payload = rest.to_vec();
                    return;
                };
                self.mpls.push(entry);
                rest = tail(rest, mpls::ENTRY_LEN);
                if entry.bottom {
                    break;
                }
            }
            match mpls::payload_ethertype(rest) {
                Some(inner) => ethertype = inner,
                None => {
                    self.network = Network::Other { ethertype };
                    self.payload = rest.to_vec();
                    return;
                }
            }
        }
        self.parse_network(ethertype, rest, depth);
    }

    fn parse_network(&mut self, ethertype: u16, bytes: &[u8], depth: usize) {
        match ethertype {
            ethertype::ARP => match ArpRepr::parse(bytes) {
                Ok(arp) => {
                    self.network = Network::Arp(arp);
                    self.trailer = tail(bytes, ARP_LEN).to_vec();
                }
                Err(err) => self.undecoded_network(ethertype, Layer::Arp, err, bytes),
            },
            ethertype::LLDP | ethertype::BDDP => {
                let (lldp, complete) = LldpRepr::parse(bytes);
                let rest = tail(bytes, lldp.buffer_len()).to_vec();
                self.network = Network::Lldp(lldp);
                if complete {
                    self.trailer = rest;
                } else {
                    // No End TLV: what is left is a TLV cut short.
                    self.payload = rest;
                    self.truncated = Some(Layer::Lldp);
                }
            }
            ethertype::IPV4 => match Ipv4Repr::parse(bytes) {
                Ok(ip) => {
                    let header_len = ip.buffer_len();
                    let declared = (ip.total_len as usize).max(header_len);
                    let (protocol, first_fragment) = (ip.protocol, ip.frag_offset == 0);
                    self.network = Network::Ipv4(ip);
                    let (body, cut) = self.split_declared(bytes, header_len, declared);
                    let ip_body = IpBody {
                        protocol,
                        layer: Layer::Ipv4,
                        cut,
                        decodable: first_fragment,
                    };
                    self.parse_transport(ip_body, body, depth);
                }
                Err(err) => self.undecoded_network(ethertype, Layer::Ipv4, err, bytes),
            },
            ethertype::IPV6 => match Ipv6Repr::parse(bytes) {
                Ok(ip) => {
                    let header_len = ip.buffer_len();
                    let declared = ipv6::HEADER_LEN + ip.payload_len as usize;
                    let (protocol, decodable) = (ip.protocol, !ip.fragmented);
                    self.network = Network::Ipv6(ip);
                    let (body, cut) = self.split_declared(bytes, header_len, declared);
                    let ip_body = IpBody {
                        protocol,
                        layer: Layer::Ipv6,
                        cut,
                        decodable,
                    };
                    self.parse_transport(ip_body, body, depth);
                }
                Err(err) => self.undecoded_network(ethertype, Layer::Ipv6, err, bytes),
            },
            _ => {
                self.network = Network::Other { ethertype };
                self.payload = bytes.to_vec();
            }
        }
    }

    fn undecoded_network(&mut self, ethertype: u16, layer: Layer, err: HeaderError, bytes: &[u8]) {
        self.network = Network::Other { ethertype };
        self.payload = bytes.to_vec();
        if err == HeaderError::Truncated {
            self.truncated = Some(layer);
        }
    }

    /// Splits a network layer's bytes at its declared length: what lies beyond is the
    /// trailer. Returns the bytes after the header up to the declared length, and whether
    /// they fall short of it.
    fn split_declared<'a>(
        &mut self,
        bytes: &'a [u8],
        header_len: usize,
        declared: usize,
    ) -> (&'a [u8], bool) {
        let end = declared.min(bytes.len());
        self.trailer = tail(bytes, end).to_vec();
        let body = bytes.get(header_len..end).unwrap_or_default();
        (body, declared > bytes.len())
    }

    /// Decodes the IP body: a transport header, or a tunnel.
    fn parse_transport(&mut self, ip: IpBody, body: &[u8], depth: usize) {
        let IpBody {
            protocol,
            layer: ip_layer,
            cut,
            decodable,
        } = ip;
        if let Some(encap) = tunnel::Encap::of_ip_protocol(protocol).filter(|_| decodable) {
            self.transport = Transport::Other { protocol };
            self.parse_tunnel(encap, body, depth);
            if cut && self.truncated.is_none() {
                self.truncated = Some(ip_layer);
            }
            return;
        }
        let (layer, parsed) = match (protocol, ip_layer) {
            _ if !decodable => (ip_layer, Err(HeaderError::Malformed)),
            (ipv4::protocol::ICMP, Layer::Ipv4) => (
                Layer::Icmp,
                IcmpRepr::parse(body).map(|i| (Transport::Icmp(i), i.buffer_len())),
            ),
            (ipv4::protocol::ICMPV6, Layer::Ipv6) => (
                Layer::Icmpv6,
                Icmpv6Repr::parse(body).map(|i| (Transport::Icmpv6(i), i.buffer_len())),
            ),
            (ipv4::protocol::TCP, _) => (
                Layer::Tcp,
                TcpRepr::parse(body).map(|t| (Transport::Tcp(t), t.buffer_len())),
            ),
            (ipv4::protocol::UDP, _) => (
                Layer::Udp,
                UdpRepr::parse(body).map(|u| (Transport::Udp(u), u.buffer_len())),
            ),
            _ => (ip_layer, Err(HeaderError::Malformed)),
        };
        match parsed {
            Ok((transport, header_len)) => {
                let udp_cut =
                    matches!(&transport, Transport::Udp(u) if u.length as usize > body.len());
                let udp_tunnel = match &transport {
                    Transport::Udp(u) if u.dst_port == vxlan::PORT => Some(tunnel::Encap::Vxlan),
                    Transport::Udp(u) if u.dst_port == geneve::PORT => Some(tunnel::Encap::Geneve),
                    _ => None,
                };
                self.transport = transport;
                match udp_tunnel {
                    Some(encap) => self.parse_tunnel(encap, tail(body, header_len), depth),
                    None => self.payload = tail(body, header_len).to_vec(),
                }
                if (cut || udp_cut) && self.truncated.is_none() {
                    self.truncated = Some(layer);
                }
            }
            Err(err) => {
                self.transport = Transport::Other { protocol };
                self.payload = body.to_vec();
                if err == HeaderError::Truncated && layer != ip_layer {
                    self.truncated = Some(layer);
                } else if cut {
                    self.truncated = Some(ip_layer);
                }
            }
        }
    }

    /// Decodes a tunnel's header and the frame it carries; what cannot be decoded (a cut or
    /// malformed header, a tunnel deeper than [`tunnel::MAX_DEPTH`], a carried type this
    /// crate does not know) stays in `payload`.
    fn parse_tunnel(&mut self, encap: tunnel::Encap, bytes: &[u8], depth: usize) {
        if depth >= tunnel::MAX_DEPTH {
            self.payload = bytes.to_vec();
            return;
        }
        match tunnel::decapsulate(encap, bytes) {
            Ok(found) => {
                let rest = tail(bytes, found.header_len);
                let inner = if found.inner_type == ethertype::TEB {
                    Frame::parse_ethernet(rest, depth + 1)
                } else {
                    let mut inner = Frame::empty();
                    inner.parse_typed(found.inner_type, rest, depth + 1);
                    inner
                };
                self.truncated = inner.truncated;
                self.tunnel = Some(Box::new(Tunnel {
                    header: found.header,
                    inner,
                }));
            }
            Err((layer, err)) => {
                self.payload = bytes.to_vec();
                if err == HeaderError::Truncated {
                    self.truncated = Some(layer);
                }
            }
        }
    }

    /// Whether any layer was cut short.
    pub fn is_truncated(&self) -> bool {
        self.truncated.is_some()
    }

    /// The ethertype after all VLAN tags.
    pub fn ethertype(&self) -> Option<u16> {
        let eth = self.eth.as_ref()?;
        Some(self.vlans.last().map_or(eth.ethertype, |t| t.ethertype))
    }

    pub fn buffer_len(&self) -> usize {
        self.eth.map_or(0, |_| ETHERNET_LEN)
            + self.vlans.len() * VLAN_TAG_LEN
            + self.mpls.len() * mpls::ENTRY_LEN
            + self.network.buffer_len()
            + self.transport.buffer_len()
            + self.tunnel.as_ref().map_or(0, |t| t.buffer_len())
            + self.payload.len()
            + self.trailer.len()
    }

    /// The frame's bytes. Checksums and length fields are written as they are stored; the
    /// builders in this module fill them in for new frames.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buffer_len());
        if let Some(eth) = &self.eth {
            eth.emit(&mut out);
        }
        for tag in &self.vlans {
            tag.emit(&mut out);
        }
        for entry in &self.mpls {
            entry.emit(&mut out);
        }
        match &self.network {
            Network::None | Network::Other { .. } => {}
            Network::Arp(a) => a.emit(&mut out),
            Network::Ipv4(ip) => ip.emit(&mut out),
            Network::Ipv6(ip) => ip.emit(&mut out),
            Network::Lldp(l) => l.emit(&mut out),
        }
        match &self.transport {
            Transport::None | Transport::Other { .. } => {}
            Transport::Icmp(i) => i.emit(&mut out),
            Transport::Icmpv6(i) => i.emit(&mut out),
            Transport::Tcp(t) => t.emit(&mut out),
            Transport::Udp(u) => u.emit(&mut out),
        }
        if let Some(tunnel) = &self.tunnel {
            tunnel.emit(&mut out);
        }
        out.extend_from_slice(&self.payload);
        out.extend_from_slice(&self.trailer);
        out
    }

    /// Adds this frame's fields to `tree`, with ranges relative to the frame start (the
    /// caller shifts them with `Tree::with_base`).
    pub fn build_tree(&self, tree: &mut Tree) {
        let mut at = 0;
        if let Some(eth) = &self.eth {
            eth.build_tree(tree, at);
            at += ETHERNET_LEN;
        }
        if !self.vlans.is_empty() {
            let end = at + self.vlans.len() * VLAN_TAG_LEN;
            tree.open(&vlan::hf::VLAN, at..end);
            let mut tpid = self.eth.map_or(0, |e| e.ethertype);
            for tag in &self.vlans {
                tag.build_tree(tree, at, tpid);
                tpid = tag.ethertype;
                at += VLAN_TAG_LEN;
            }
            tree.close();
        }
        if !self.mpls.is_empty() {
            let end = at + self.mpls.len() * mpls::ENTRY_LEN;
            tree.open(&mpls::hf::MPLS, at..end);
            for entry in &self.mpls {
                entry.build_tree(tree, at);
                at += mpls::ENTRY_LEN;
            }
            tree.close();
        }
        match &self.network {
            Network::None | Network::Other { .. } => {}
            Network::Arp(a) => a.build_tree(tree, at),
            Network::Ipv4(ip) => ip.build_tree(tree, at),
            Network::Ipv6(ip) => ip.build_tree(tree, at),
            Network::Lldp(l) => l.build_tree(tree, at, self.network_ethertype()),
        }
        at += self.network.buffer_len();
        match &self.transport {
            Transport::None | Transport::Other { .. } => {}
            Transport::Icmp(i) => i.build_tree(tree, at, self.payload.len()),
            Transport::Icmpv6(i) => i.build_tree(tree, at, self.payload.len()),
            Transport::Tcp(t) => t.build_tree(tree, at),
            Transport::Udp(u) => u.build_tree(tree, at),
        }
        at += self.transport.buffer_len();
        if let Some(tunnel) = &self.tunnel {
            tunnel.build_tree(tree, at);
            at += tunnel.buffer_len();
        }
        if !self.payload.is_empty() {
            let range = at..at + self.payload.len();
            tree.leaf(&hf::PAYLOAD, Value::Bytes(range.clone()), range);
            at += self.payload.len();
        }
        if !self.trailer.is_empty() {
            let range = at..at + self.trailer.len();
            tree.leaf(
                &ethernet::hf::ETH_TRAILER,
                Value::Bytes(range.clone()),
                range,
            );
        }
        if let Some(layer) = self.truncated {
            let range = 0..self.buffer_len();
            tree.leaf(&hf::FRAME_TRUNCATED, Value::Bool(true), range.clone());
            tree.leaf(
                &hf::FRAME_TRUNCATED_LAYER,
                Value::Text(layer.name().to_string()),
                range,
            );
        }
    }
}

/// What the IP header says of its body: the protocol in it, which IP layer it is, whether
/// the bytes fall short of the declared length, and whether the body starts the datagram
/// (a later fragment's bytes are no header).
#[derive(Clone, Copy)]
struct IpBody {
    protocol: u8,
    layer: Layer,
    cut: bool,
    decodable: bool,
}

/// `bytes[from..]`, or empty when `from` is past the end.
fn tail(bytes: &[u8], from: usize) -> &[u8] {
    bytes.get(from..).unwrap_or_default()
}

/// A field value with a symbolic name when the number has one.
fn named(value: u64, name: Option<&'static str>) -> Value {
    match name {
        Some(name) => Value::Named { value, name },
        None => Value::Unknown(value),
    }
}

/// Big-endian reads from fixed-size header arrays (indices are checked at compile time).
fn be16(b: [u8; 2]) -> u16 {
    u16::from_be_bytes(b)
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Whole frame", "Fields of the carried frame as a whole.";
        PAYLOAD = "payload", Bytes, "Data", "bytes after the last decoded header, up to the network layer's length (or all the rest when a layer could not be decoded)";
        FRAME_TRUNCATED = "frame.truncated", Bool, "Truncated", "present (true) when the frame is shorter than a length its headers declare";
        FRAME_TRUNCATED_LAYER = "frame.truncated_layer", Text, "Cut short in", "the innermost layer that was cut: `Ethernet`, `VLAN`, `MPLS`, `ARP`, `IPv4`, `IPv6`, `LLDP`, `ICMP`, `ICMPv6`, `TCP`, `UDP`, `GRE`, `ERSPAN`, `VXLAN`, `Geneve`";
        INNER = "inner", Group, "Encapsulated frame", "the frame a tunnel carries (after `gre`, `erspan`, `vxlan`, `geneve`, or an IP-in-IP header), decoded as a frame of its own: its keys are the same as the outer frame's, and a filter matches either";
    }
}
