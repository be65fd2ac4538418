//! `ofp_match` (40 bytes): the OpenFlow 1.0 flow match with its wildcard word.
//!
//! Formatting follows `ovs-ofctl` (`priority` aside): protocol shorthands (`arp`, `ip`,
//! `icmp`, `tcp`, `udp`, `sctp`), `arp_spa`/`arp_tpa`/`arp_op` for ARP, `icmp_type`/
//! `icmp_code` for ICMP, prefixes for partially wildcarded addresses, and `vlan_tci=0x0000`
//! for "no 802.1Q tag". [`Match::normalize`] clears the fields that cannot apply (OF1.0.1).

use std::fmt;
use std::net::Ipv4Addr;

use super::port::{port_value, PortDisplay};
use super::wire::{be16, be32, bytes_at, fmt_mac, Put, Reader, Result};
use crate::frame::ethernet::ethertype;
use crate::frame::ipv4::protocol;
use crate::tree::{Tree, Value};

pub const MATCH_LEN: usize = 40;

named_numbers! {
    /// `OFPFW_*` wildcard bits.
    pub mod ofpfw: u32, [flags WILDCARD_NAMES] {
        IN_PORT = 1 << 0,
        DL_VLAN = 1 << 1,
        DL_SRC = 1 << 2,
        DL_DST = 1 << 3,
        DL_TYPE = 1 << 4,
        NW_PROTO = 1 << 5,
        TP_SRC = 1 << 6,
        TP_DST = 1 << 7,
        NW_SRC_ALL = 32 << NW_SRC_SHIFT,
        NW_DST_ALL = 32 << NW_DST_SHIFT,
        DL_VLAN_PCP = 1 << 20,
        NW_TOS = 1 << 21,
    }
    also {
        pub const NW_SRC_SHIFT: u32 = 8;
        pub const NW_SRC_MASK: u32 = 0x3f << NW_SRC_SHIFT;
        pub const NW_DST_SHIFT: u32 = 14;
        pub const NW_DST_MASK: u32 = 0x3f << NW_DST_SHIFT;
        pub const ALL: u32 = (1 << 22) - 1;
    }
}

/// `OFP_VLAN_NONE`: match packets without an 802.1Q header.
pub const VLAN_NONE: u16 = 0xffff;

/// `ofp_match`. Values of wildcarded fields are kept as read (they are on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    pub wildcards: u32,
    pub in_port: u16,
    pub dl_src: [u8; 6],
    pub dl_dst: [u8; 6],
    pub dl_vlan: u16,
    pub dl_vlan_pcp: u8,
    pub dl_type: u16,
    pub nw_tos: u8,
    pub nw_proto: u8,
    pub nw_src: Ipv4Addr,
    pub nw_dst: Ipv4Addr,
    pub tp_src: u16,
    pub tp_dst: u16,
}

impl Default for Match {
    /// Matches everything.
    fn default() -> Self {
        Match {
            wildcards: ofpfw::ALL,
            in_port: 0,
            dl_src: [0; 6],
            dl_dst: [0; 6],
            dl_vlan: 0,
            dl_vlan_pcp: 0,
            dl_type: 0,
            nw_tos: 0,
            nw_proto: 0,
            nw_src: Ipv4Addr::UNSPECIFIED,
            nw_dst: Ipv4Addr::UNSPECIFIED,
            tp_src: 0,
            tp_dst: 0,
        }
    }
}

/// How many leading bits of an address the wildcard field leaves exact.
fn prefix_len(wildcard_bits: u32) -> u8 {
    32 - wildcard_bits.min(32) as u8
}

fn mask_addr(addr: Ipv4Addr, len: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    Ipv4Addr::from(u32::from(addr) & mask)
}

impl Match {
    pub(crate) fn parse(r: &mut Reader) -> Result<Match> {
        // One bounds check for the whole block, then constant offsets.
        let b: [u8; MATCH_LEN] = r.array("ofp_match")?;
        Ok(Match {
            wildcards: be32(&b, 0),
            in_port: be16(&b, 4),
            dl_src: bytes_at(&b, 6),
            dl_dst: bytes_at(&b, 12),
            dl_vlan: be16(&b, 18),
            dl_vlan_pcp: b[20],
            dl_type: be16(&b, 22),
            nw_tos: b[24],
            nw_proto: b[25],
            nw_src: Ipv4Addr::from(be32(&b, 28)),
            nw_dst: Ipv4Addr::from(be32(&b, 32)),
            tp_src: be16(&b, 36),
            tp_dst: be16(&b, 38),
        })
    }

    /// Decodes a bare 40-byte `ofp_match`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Match> {
        Match::parse(&mut Reader::new(bytes))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.wildcards);
        out.put_u16(self.in_port);
        out.extend_from_slice(&self.dl_src);
        out.extend_from_slice(&self.dl_dst);
        out.put_u16(self.dl_vlan);
        out.put_u8(self.dl_vlan_pcp);
        out.put_zeros(1);
        out.put_u16(self.dl_type);
        out.put_u8(self.nw_tos);
        out.put_u8(self.nw_proto);
        out.put_zeros(2);
        out.extend_from_slice(&self.nw_src.octets());
        out.extend_from_slice(&self.nw_dst.octets());
        out.put_u16(self.tp_src);
        out.put_u16(self.tp_dst);
    }

    /// Whether the field(s) of wildcard bit `bit` must match exactly.
    pub fn is_exact(&self, bit: u32) -> bool {
        self.wildcards & bit == 0
    }

    /// Exact leading bits of nw_src (0 = fully wildcarded).
    pub fn nw_src_prefix(&self) -> u8 {
        prefix_len((self.wildcards & ofpfw::NW_SRC_MASK) >> ofpfw::NW_SRC_SHIFT)
    }

    pub fn nw_dst_prefix(&self) -> u8 {
        prefix_len((self.wildcards & ofpfw::NW_DST_MASK) >> ofpfw::NW_DST_SHIFT)
    }

    /// The Ethernet type as OVS sees it: 0 when wildcarded, 0x05ff for 802.3 lengths.
    fn effective_dl_type(&self) -> u16 {
        match self.is_exact(ofpfw::DL_TYPE) {
            false => 0,
            true if self.dl_type < 0x600 => 0x05ff,
            true => self.dl_type,
        }
    }

    fn effective_nw_proto(&self) -> u8 {
        if self.is_exact(ofpfw::NW_PROTO) {
            self.nw_proto
        } else {
            0
        }
    }

    /// The OF1.0.1 normalisation (as `ovs-ofctl` applies to FLOW_MOD): network fields only
    /// for IP/ARP, transport ports only for TCP/UDP/SCTP/ICMP, nw_tos only for IP; the
    /// fields that cannot apply become wildcarded, and every wildcarded value is zeroed.
    pub fn normalize(&self) -> Match {
        let dl_type = self.effective_dl_type();
        let proto = self.effective_nw_proto();
        let is_ip = dl_type == ethertype::IPV4;
        let is_ipv6 = dl_type == ethertype::IPV6;
        let is_arp = dl_type == ethertype::ARP || dl_type == ethertype::RARP;
        let may_nw_addr = is_ip || is_arp;
        let may_nw_proto = is_ip || is_ipv6 || is_arp;
        let may_tos = is_ip || is_ipv6;
        let may_tp = (is_ip
            && matches!(
                proto,
                protocol::TCP | protocol::UDP | protocol::SCTP | protocol::ICMP
            ))
            || (is_ipv6
                && matches!(
                    proto,
                    protocol::TCP | protocol::UDP | protocol::SCTP | protocol::ICMPV6
                ));

        let mut w = self.wildcards & ofpfw::ALL;
        let clamp = |w: u32, mask: u32, shift: u32| {
            if (w & mask) >> shift > 32 {
                (w & !mask) | (32 << shift)
            } else {
                w
            }
        };
        w = clamp(w, ofpfw::NW_SRC_MASK, ofpfw::NW_SRC_SHIFT);
        w = clamp(w, ofpfw::NW_DST_MASK, ofpfw::NW_DST_SHIFT);
        if !may_nw_addr {
            w = (w & !(ofpfw::NW_SRC_MASK | ofpfw::NW_DST_MASK))
                | ofpfw::NW_SRC_ALL
                | ofpfw::NW_DST_ALL;
        }
        if !may_tp {
            w |= ofpfw::TP_SRC | ofpfw::TP_DST;
        }
        if !may_nw_proto {
            w |= ofpfw::NW_PROTO;
        }
        if !may_tos {
            w |= ofpfw::NW_TOS;
        }

        let mut m = Match {
            wildcards: w,
            ..Match::default()
        };
        let exact = |bit: u32| w & bit == 0;
        if exact(ofpfw::IN_PORT) {
            m.in_port = self.in_port;
        }
        if exact(ofpfw::DL_SRC) {
            m.dl_src = self.dl_src;
        }
        if exact(ofpfw::DL_DST) {
            m.dl_dst = self.dl_dst;
        }
        if exact(ofpfw::DL_VLAN) {
            m.dl_vlan = self.dl_vlan;
        }
        if exact(ofpfw::DL_VLAN_PCP) {
            m.dl_vlan_pcp = self.dl_vlan_pcp;
        }
        if exact(ofpfw::DL_TYPE) {
            m.dl_type = self.dl_type;
        }
        if exact(ofpfw::NW_TOS) {
            m.nw_tos = self.nw_tos;
        }
        if exact(ofpfw::NW_PROTO) {
            m.nw_proto = self.nw_proto;
        }
        m.nw_src = mask_addr(self.nw_src, m.nw_src_prefix());
        m.nw_dst = mask_addr(self.nw_dst, m.nw_dst_prefix());
        if exact(ofpfw::TP_SRC) {
            m.tp_src = self.tp_src;
        }
        if exact(ofpfw::TP_DST) {
            m.tp_dst = self.tp_dst;
        }
        m
    }

    /// The `field=value` items in ovs-ofctl order (no priority).
    pub fn ovs_fields(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let dl_type = self.effective_dl_type();
        let proto = self.effective_nw_proto();
        let proto_exact = self.is_exact(ofpfw::NW_PROTO);
        let is_arp = dl_type == ethertype::ARP || dl_type == ethertype::RARP;

        let shorthand = match dl_type {
            0 => None,
            ethertype::IPV4 if proto_exact => Some(match proto {
                protocol::ICMP => "icmp",
                protocol::IGMP => "igmp",
                protocol::TCP => "tcp",
                protocol::UDP => "udp",
                protocol::SCTP => "sctp",
                _ => "ip",
            }),
            ethertype::IPV4 => Some("ip"),
            ethertype::IPV6 if proto_exact => Some(match proto {
                protocol::ICMPV6 => "icmp6",
                protocol::TCP => "tcp6",
                protocol::UDP => "udp6",
                protocol::SCTP => "sctp6",
                _ => "ipv6",
            }),
            ethertype::IPV6 => Some("ipv6"),
            ethertype::ARP => Some("arp"),
            ethertype::RARP => Some("rarp"),
            _ => None,
        };
        // The shorthand already says the protocol unless it is the generic one.
        let proto_said = matches!(
            shorthand,
            Some("icmp" | "igmp" | "tcp" | "udp" | "sctp" | "icmp6" | "tcp6" | "udp6" | "sctp6")
        );
        if let Some(s) = shorthand {
            out.push((s, String::new()));
        }
        if self.is_exact(ofpfw::IN_PORT) {
            out.push(("in_port", PortDisplay(self.in_port).to_string()));
        }
        self.push_vlan(&mut out);
        if self.is_exact(ofpfw::DL_SRC) {
            out.push(("dl_src", fmt_mac(&self.dl_src)));
        }
        if self.is_exact(ofpfw::DL_DST) {
            out.push(("dl_dst", fmt_mac(&self.dl_dst)));
        }
        if shorthand.is_none() && dl_type != 0 {
            out.push(("dl_type", format!("0x{dl_type:04x}")));
        }
        if dl_type != ethertype::IPV6 {
            let (src, dst) = if is_arp {
                ("arp_spa", "arp_tpa")
            } else {
                ("nw_src", "nw_dst")
            };
            push_prefix(&mut out, src, self.nw_src, self.nw_src_prefix());
            push_prefix(&mut out, dst, self.nw_dst, self.nw_dst_prefix());
        }
        if proto_exact && !proto_said {
            let name = if is_arp { "arp_op" } else { "nw_proto" };
            out.push((name, proto.to_string()));
        }
        if self.is_exact(ofpfw::NW_TOS) {
            out.push(("nw_tos", (self.nw_tos & 0xfc).to_string()));
        }
        let (src, dst) = match (dl_type, proto) {
            (ethertype::IPV4, protocol::ICMP) | (ethertype::IPV6, protocol::ICMPV6) => {
                ("icmp_type", "icmp_code")
            }
            (ethertype::IPV4, protocol::IGMP) => ("igmp_type", "igmp_code"),
            _ => ("tp_src", "tp_dst"),
        };
        if self.is_exact(ofpfw::TP_SRC) {
            out.push((src, self.tp_src.to_string()));
        }
        if self.is_exact(ofpfw::TP_DST) {
            out.push((dst, self.tp_dst.to_string()));
        }
        out
    }

    /// VLAN as OVS shows it: `vlan_tci=0x0000` for untagged, else `dl_vlan`/`dl_vlan_pcp`.
    fn push_vlan(&self, out: &mut Vec<(&'static str, String)>) {
        let vid_exact = self.is_exact(ofpfw::DL_VLAN);
        let pcp_exact = self.is_exact(ofpfw::DL_VLAN_PCP);
        if vid_exact && self.dl_vlan == VLAN_NONE {
            out.push(("vlan_tci", "0x0000".to_owned()));
            return;
        }
        if vid_exact {
            out.push(("dl_vlan", (self.dl_vlan & 0x0fff).to_string()));
        }
        if pcp_exact {
            out.push(("dl_vlan_pcp", (self.dl_vlan_pcp & 7).to_string()));
        }
    }

    /// Adds `of.match` with the wildcard word and every exact field.
    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_MATCH, at..at + MATCH_LEN);
        t.leaf(
            &hf::OF_MATCH_WILDCARDS,
            Value::Flags {
                value: u64::from(self.wildcards),
                names: WILDCARD_NAMES,
            },
            at..at + 4,
        );
        if self.is_exact(ofpfw::IN_PORT) {
            t.leaf(
                &hf::OF_MATCH_IN_PORT,
                port_value(self.in_port),
                at + 4..at + 6,
            );
        }
        if self.is_exact(ofpfw::DL_SRC) {
            t.leaf(
                &hf::OF_MATCH_DL_SRC,
                Value::Mac(self.dl_src),
                at + 6..at + 12,
            );
        }
        if self.is_exact(ofpfw::DL_DST) {
            t.leaf(
                &hf::OF_MATCH_DL_DST,
                Value::Mac(self.dl_dst),
                at + 12..at + 18,
            );
        }
        if self.is_exact(ofpfw::DL_VLAN) {
            let v = match self.dl_vlan {
                VLAN_NONE => Value::Named {
                    value: VLAN_NONE.into(),
                    name: "NONE",
                },
                v => Value::Uint(v.into()),
            };
            t.leaf(&hf::OF_MATCH_DL_VLAN, v, at + 18..at + 20);
        }
        if self.is_exact(ofpfw::DL_VLAN_PCP) {
            t.leaf(
                &hf::OF_MATCH_DL_VLAN_PCP,
                Value::Uint(self.dl_vlan_pcp.into()),
                at + 20..at + 21,
            );
        }
        if self.is_exact(ofpfw::DL_TYPE) {
            t.leaf(
                &hf::OF_MATCH_DL_TYPE,
                Value::Hex {
                    value: self.dl_type.into(),
                    digits: 4,
                },
                at + 22..at + 24,
            );
        }
        if self.is_exact(ofpfw::NW_TOS) {
            t.leaf(
                &hf::OF_MATCH_NW_TOS,
                Value::Uint(self.nw_tos.into()),
                at + 24..at + 25,
            );
        }
        if self.is_exact(ofpfw::NW_PROTO) {
            t.leaf(
                &hf::OF_MATCH_NW_PROTO,
                Value::Uint(self.nw_proto.into()),
                at + 25..at + 26,
            );
        }
        let src_len = self.nw_src_prefix();
        if src_len > 0 {
            t.leaf(
                &hf::OF_MATCH_NW_SRC,
                Value::Ipv4Prefix(mask_addr(self.nw_src, src_len), src_len),
                at + 28..at + 32,
            );
        }
        let dst_len = self.nw_dst_prefix();
        if dst_len > 0 {
            t.leaf(
                &hf::OF_MATCH_NW_DST,
                Value::Ipv4Prefix(mask_addr(self.nw_dst, dst_len), dst_len),
                at + 32..at + 36,
            );
        }
        if self.is_exact(ofpfw::TP_SRC) {
            t.leaf(
                &hf::OF_MATCH_TP_SRC,
                Value::Uint(self.tp_src.into()),
                at + 36..at + 38,
            );
        }
        if self.is_exact(ofpfw::TP_DST) {
            t.leaf(
                &hf::OF_MATCH_TP_DST,
                Value::Uint(self.tp_dst.into()),
                at + 38..at + 40,
            );
        }
        t.close();
    }
}

fn push_prefix(out: &mut Vec<(&'static str, String)>, name: &'static str, a: Ipv4Addr, len: u8) {
    match len {
        0 => {}
        32 => out.push((name, a.to_string())),
        _ => out.push((name, format!("{}/{len}", mask_addr(a, len)))),
    }
}

impl fmt::Display for Match {
    /// ovs-ofctl syntax, e.g. `arp,in_port=1,dl_src=00:00:00:00:00:01,arp_op=1`.
    /// A match of everything is the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.ovs_fields().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(name)?;
            if !value.is_empty() {
                write!(f, "={value}")?;
            }
        }
        Ok(())
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Match (FLOW_MOD, FLOW_REMOVED, flow and aggregate stats)", "Only fields that are not wildcarded appear, so `of.match.dl_src` exists exactly when the flow matches on it.";
        OF_MATCH = "of.match", Group, "Match", "ofp_match: the fields a flow matches on";
        OF_MATCH_WILDCARDS = "of.match.wildcards", Flags, "Wildcards", "`IN_PORT`, `DL_VLAN`, `DL_SRC`, `DL_DST`, `DL_TYPE`, `NW_PROTO`, `TP_SRC`, `TP_DST`, `NW_SRC_ALL`, `NW_DST_ALL`, `DL_VLAN_PCP`, `NW_TOS` (the nw_src/nw_dst prefix bits show as a hex remainder when partial)";
        OF_MATCH_IN_PORT = "of.match.in_port", Named, "In port", "the port the packet came in on (a reserved port by its name)";
        OF_MATCH_DL_SRC = "of.match.dl_src", Mac, "Ethernet source", "Ethernet source";
        OF_MATCH_DL_DST = "of.match.dl_dst", Mac, "Ethernet destination", "Ethernet destination";
        OF_MATCH_DL_VLAN = "of.match.dl_vlan", Named, "VLAN id", "`NONE` (0xffff) means \"no 802.1Q tag\"";
        OF_MATCH_DL_VLAN_PCP = "of.match.dl_vlan_pcp", Uint, "VLAN priority", "VLAN priority";
        OF_MATCH_DL_TYPE = "of.match.dl_type", Hex, "Ethernet type", "ethertype";
        OF_MATCH_NW_TOS = "of.match.nw_tos", Uint, "IP ToS", "IP ToS (DSCP) byte";
        OF_MATCH_NW_PROTO = "of.match.nw_proto", Uint, "IP protocol / ARP opcode", "IP protocol, or ARP opcode";
        OF_MATCH_NW_SRC = "of.match.nw_src", Prefix, "IP source", "with the prefix length the wildcards leave exact";
        OF_MATCH_NW_DST = "of.match.nw_dst", Prefix, "IP destination", "with the prefix length the wildcards leave exact";
        OF_MATCH_TP_SRC = "of.match.tp_src", Uint, "Transport source / ICMP type", "ports, or ICMP type and code";
        OF_MATCH_TP_DST = "of.match.tp_dst", Uint, "Transport destination / ICMP code", "ports, or ICMP type and code";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arp_match() -> Match {
        Match {
            wildcards: 0,
            in_port: 1,
            dl_src: [0x50, 0x54, 0, 0, 0, 6],
            dl_dst: [0x50, 0x54, 0, 0, 0, 5],
            dl_vlan: VLAN_NONE,
            dl_type: ethertype::ARP,
            nw_proto: 2,
            nw_src: Ipv4Addr::new(192, 168, 0, 2),
            nw_dst: Ipv4Addr::new(192, 168, 0, 1),
            ..Match::default()
        }
    }

    #[test]
    fn formats_like_ovs() {
        assert_eq!(
            arp_match().to_string(),
            "arp,in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:06,dl_dst=50:54:00:00:00:05,\
             arp_spa=192.168.0.2,arp_tpa=192.168.0.1,arp_op=2,nw_tos=0,tp_src=0,tp_dst=0"
        );
        assert_eq!(Match::default().to_string(), "");
    }

    #[test]
    fn normalize_drops_what_cannot_apply() {
        let n = arp_match().normalize();
        assert_eq!(
            n.to_string(),
            "arp,in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:06,dl_dst=50:54:00:00:00:05,\
             arp_spa=192.168.0.2,arp_tpa=192.168.0.1,arp_op=2"
        );
        assert!(!n.is_exact(ofpfw::NW_TOS));
        let any = Match {
            wildcards: ofpfw::ALL & !ofpfw::NW_SRC_MASK,
            nw_src: Ipv4Addr::new(10, 0, 0, 1),
            ..Match::default()
        };
        // Without dl_type=ip the address cannot apply: everything is wildcarded, canonically.
        assert_eq!(any.normalize().wildcards, 0x3820ff);
    }

    #[test]
    fn prefixes_round_trip() {
        let m = Match {
            wildcards: (ofpfw::ALL & !ofpfw::NW_SRC_MASK & !ofpfw::DL_TYPE) | (8 << 8),
            dl_type: ethertype::IPV4,
            nw_src: Ipv4Addr::new(192, 168, 128, 85),
            ..Match::default()
        };
        assert_eq!(m.to_string(), "ip,nw_src=192.168.128.0/24");
        let mut bytes = Vec::new();
        m.emit(&mut bytes);
        assert_eq!(bytes.len(), MATCH_LEN);
        assert_eq!(Match::from_bytes(&bytes), Ok(m));
    }
}
