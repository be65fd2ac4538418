//! Tunnels: a header (GRE with or without ERSPAN, VXLAN, Geneve, or none for IP in IP)
//! and the frame it carries. [`decapsulate`] is shared by the frames inside PACKET_INs and
//! by a capture's outer path to the control channel, so both read a tunnel alike.

use super::{
    erspan::{self, ErspanRepr},
    ethertype,
    geneve::GeneveRepr,
    gre::GreRepr,
    ipv4::protocol,
    vxlan::VxlanRepr,
    Frame, HeaderError, Layer,
};
use crate::tree::Tree;
use std::fmt::Write;

/// Tunnels inside tunnels are decoded this deep; a deeper one stays undecoded bytes.
pub const MAX_DEPTH: usize = 8;

/// What announced a tunnel: the IP protocol, or the UDP port the caller knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encap {
    Gre,
    /// IP in IP (protocol 4) or IPv6 in IP (41): the ethertype of the carried packet.
    Ip(u16),
    Vxlan,
    Geneve,
}

impl Encap {
    /// The tunnel an IP protocol number announces.
    pub fn of_ip_protocol(number: u8) -> Option<Encap> {
        match number {
            protocol::GRE => Some(Encap::Gre),
            protocol::IPIP => Some(Encap::Ip(ethertype::IPV4)),
            protocol::IPV6 => Some(Encap::Ip(ethertype::IPV6)),
            _ => None,
        }
    }
}

/// A tunnel's own header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelHeader {
    /// IP in IP: no header of its own; the outer IP header's protocol (4 or 41) says it.
    Ip,
    /// GRE, with the ERSPAN header of types II and III.
    Gre {
        gre: GreRepr,
        erspan: Option<ErspanRepr>,
    },
    Vxlan(VxlanRepr),
    Geneve(GeneveRepr),
}

/// A tunnel header decoded: the header, the ethertype of what it carries
/// ([`ethertype::TEB`] for an Ethernet frame) and where that starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decapsulated {
    pub header: TunnelHeader,
    pub inner_type: u16,
    pub header_len: usize,
}

/// Decodes the tunnel header at the start of `bytes`; on failure, the layer that could not
/// be decoded and why.
pub fn decapsulate(encap: Encap, bytes: &[u8]) -> Result<Decapsulated, (Layer, HeaderError)> {
    let (header, inner_type) = match encap {
        Encap::Ip(inner_type) => (TunnelHeader::Ip, inner_type),
        Encap::Gre => {
            let gre = GreRepr::parse(bytes).map_err(|e| (Layer::Gre, e))?;
            let erspan = if erspan::follows(&gre) {
                let rest = bytes.get(gre.buffer_len()..).unwrap_or_default();
                Some(ErspanRepr::parse(rest).map_err(|e| (Layer::Erspan, e))?)
            } else {
                None
            };
            // ERSPAN of every type carries an Ethernet frame.
            let inner_type = match gre.protocol {
                ethertype::ERSPAN | ethertype::ERSPAN_III => ethertype::TEB,
                other => other,
            };
            (TunnelHeader::Gre { gre, erspan }, inner_type)
        }
        Encap::Vxlan => {
            let vxlan = VxlanRepr::parse(bytes).map_err(|e| (Layer::Vxlan, e))?;
            (TunnelHeader::Vxlan(vxlan), ethertype::TEB)
        }
        Encap::Geneve => {
            let geneve = GeneveRepr::parse(bytes).map_err(|e| (Layer::Geneve, e))?;
            let inner_type = geneve.protocol;
            (TunnelHeader::Geneve(geneve), inner_type)
        }
    };
    Ok(Decapsulated {
        header_len: header.buffer_len(),
        header,
        inner_type,
    })
}

impl TunnelHeader {
    pub fn buffer_len(&self) -> usize {
        match self {
            TunnelHeader::Ip => 0,
            TunnelHeader::Gre { gre, erspan } => {
                gre.buffer_len() + erspan.map_or(0, |e| e.buffer_len())
            }
            TunnelHeader::Vxlan(v) => v.buffer_len(),
            TunnelHeader::Geneve(g) => g.buffer_len(),
        }
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            TunnelHeader::Ip => {}
            TunnelHeader::Gre { gre, erspan } => {
                gre.emit(out);
                if let Some(erspan) = erspan {
                    erspan.emit(out);
                }
            }
            TunnelHeader::Vxlan(v) => v.emit(out),
            TunnelHeader::Geneve(g) => g.emit(out),
        }
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        match self {
            TunnelHeader::Ip => {}
            TunnelHeader::Gre { gre, erspan } => {
                gre.build_tree(tree, at);
                if let Some(erspan) = erspan {
                    erspan.build_tree(tree, at + gre.buffer_len());
                }
            }
            TunnelHeader::Vxlan(v) => v.build_tree(tree, at),
            TunnelHeader::Geneve(g) => g.build_tree(tree, at),
        }
    }

    /// The tunnel's kind for a summary: `GRE`, `ERSPAN II`, `VXLAN`, `IPIP`.
    pub fn kind(&self) -> &'static str {
        match self {
            TunnelHeader::Ip => "IPIP",
            TunnelHeader::Gre {
                erspan: Some(e), ..
            } if e.kind() == 3 => "ERSPAN III",
            TunnelHeader::Gre {
                erspan: Some(_), ..
            } => "ERSPAN II",
            TunnelHeader::Gre { gre, .. } if gre.protocol == ethertype::ERSPAN => "ERSPAN I",
            TunnelHeader::Gre { .. } => "GRE",
            TunnelHeader::Vxlan(_) => "VXLAN",
            TunnelHeader::Geneve(_) => "Geneve",
        }
    }

    /// The id that tells the tunnel or session apart: ERSPAN's session, else GRE's key,
    /// else the VNI.
    pub fn id(&self) -> Option<u32> {
        match self {
            TunnelHeader::Ip => None,
            TunnelHeader::Gre { gre, erspan } => erspan.map(|e| e.session().into()).or(gre.key),
            TunnelHeader::Vxlan(v) => Some(v.vni),
            TunnelHeader::Geneve(g) => Some(g.vni),
        }
    }

    /// The tunnel's ids for a summary, each after a space: ` session 7`, ` key 5`,
    /// ` vni 42`; nothing when it has none.
    pub fn write_ids(&self, s: &mut String) {
        match self {
            TunnelHeader::Ip => {}
            TunnelHeader::Gre { gre, erspan } => {
                if let Some(e) = erspan {
                    let _ = write!(s, " session {}", e.session());
                }
                if let Some(key) = gre.key {
                    let _ = write!(s, " key {key}");
                }
            }
            TunnelHeader::Vxlan(v) => {
                let _ = write!(s, " vni {}", v.vni);
            }
            TunnelHeader::Geneve(g) => {
                let _ = write!(s, " vni {}", g.vni);
            }
        }
    }
}

/// A tunnel inside a frame: its header and the frame it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Tunnel {
    pub header: TunnelHeader,
    pub inner: Frame,
}

impl Tunnel {
    pub fn buffer_len(&self) -> usize {
        self.header.buffer_len() + self.inner.buffer_len()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        self.header.emit(out);
        out.extend_from_slice(&self.inner.emit());
    }

    /// The header's groups, then the carried frame in the group `inner`.
    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        self.header.build_tree(tree, at);
        let start = at + self.header.buffer_len();
        tree.open(&super::hf::INNER, start..start + self.inner.buffer_len());
        tree.with_base(start, |tree| self.inner.build_tree(tree));
        tree.close();
    }
}
