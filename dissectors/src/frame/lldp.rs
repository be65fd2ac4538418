//! LLDP (IEEE 802.1AB): a list of type-length-value records ending with an End TLV.
//! etherparse has no LLDP, so this one is ours.

use super::ethertype::BDDP;
use super::{be16, named};
use crate::tree::{Tree, Value};
use std::net::Ipv4Addr;

named_numbers! {
    /// LLDP TLV types.
    pub mod tlv: u8, [fn name] {
        END = 0,
        CHASSIS_ID = 1,
        PORT_ID = 2,
        TTL = 3,
        PORT_DESCRIPTION = 4,
        SYSTEM_NAME = 5,
        SYSTEM_DESCRIPTION = 6,
        SYSTEM_CAPABILITIES = 7,
        MANAGEMENT_ADDRESS = 8,
        ORGANIZATION_SPECIFIC = 127,
    }
}

/// Longest value a 9-bit TLV length can announce.
pub const MAX_TLV_VALUE: usize = 511;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LldpTlv {
    /// 7 bits.
    pub tlv_type: u8,
    /// At most 511 bytes.
    pub value: Vec<u8>,
}

impl LldpTlv {
    fn buffer_len(&self) -> usize {
        2 + self.value.len()
    }
}

/// The TLVs in order, the End TLV included when present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LldpRepr {
    pub tlvs: Vec<LldpTlv>,
}

impl LldpRepr {
    /// Decodes the whole TLVs; the flag says whether an End TLV closed them (if not, the
    /// bytes after the last whole TLV are a cut one).
    pub fn parse(bytes: &[u8]) -> (Self, bool) {
        let mut tlvs = Vec::new();
        let mut rest = bytes;
        while let [hi, lo, ..] = *rest {
            let header = be16([hi, lo]);
            let (tlv_type, len) = ((header >> 9) as u8, usize::from(header & 0x1ff));
            let Some(value) = rest.get(2..2 + len) else {
                break;
            };
            tlvs.push(LldpTlv {
                tlv_type,
                value: value.to_vec(),
            });
            rest = super::tail(rest, 2 + len);
            if tlv_type == tlv::END {
                return (LldpRepr { tlvs }, true);
            }
        }
        (LldpRepr { tlvs }, false)
    }

    pub fn buffer_len(&self) -> usize {
        self.tlvs.iter().map(LldpTlv::buffer_len).sum()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        for t in &self.tlvs {
            let header = (u16::from(t.tlv_type & 0x7f) << 9) | (t.value.len() as u16 & 0x1ff);
            out.extend_from_slice(&header.to_be_bytes());
            out.extend_from_slice(&t.value);
        }
    }

    fn find(&self, tlv_type: u8) -> Option<&LldpTlv> {
        self.tlvs.iter().find(|t| t.tlv_type == tlv_type)
    }

    /// The chassis id, shown by its subtype (MAC, network address or text).
    pub fn chassis_id(&self) -> Option<String> {
        let v = &self.find(tlv::CHASSIS_ID)?.value;
        let (&subtype, id) = v.split_first()?;
        Some(match subtype {
            4 => fmt_mac_or_raw(id),
            5 => fmt_network_address(id),
            _ => fmt_text_or_hex(id),
        })
    }

    /// The port id, shown by its subtype (MAC, network address or text).
    pub fn port_id(&self) -> Option<String> {
        let v = &self.find(tlv::PORT_ID)?.value;
        let (&subtype, id) = v.split_first()?;
        Some(match subtype {
            3 => fmt_mac_or_raw(id),
            4 => fmt_network_address(id),
            _ => fmt_text_or_hex(id),
        })
    }

    pub fn ttl(&self) -> Option<u16> {
        match self.find(tlv::TTL)?.value.as_slice() {
            [hi, lo] => Some(be16([*hi, *lo])),
            _ => None,
        }
    }

    pub fn system_name(&self) -> Option<String> {
        Some(fmt_text_or_hex(&self.find(tlv::SYSTEM_NAME)?.value))
    }

    /// `LLDP chassis .. port ..`; `BDDP` instead of `LLDP` when `ethertype` says so.
    pub fn summary(&self, ethertype: u16) -> String {
        let mut s = String::from(if ethertype == BDDP { "BDDP" } else { "LLDP" });
        if let Some(c) = self.chassis_id() {
            s.push_str(&format!(" chassis {c}"));
        }
        if let Some(p) = self.port_id() {
            s.push_str(&format!(" port {p}"));
        }
        if let Some(t) = self.ttl() {
            s.push_str(&format!(" ttl {t}"));
        }
        if let Some(n) = self.system_name() {
            s.push_str(&format!(" system {n}"));
        }
        s
    }

    /// The `lldp` group; for a BDDP frame (`ethertype` 0x8942) it holds `lldp.bddp`, so that
    /// `-Y lldp` finds both and `-Y lldp.bddp` only the BDDP ones.
    pub fn build_tree(&self, tree: &mut Tree, at: usize, ethertype: u16) {
        let all = at..at + self.buffer_len();
        tree.open(&hf::LLDP, all.clone());
        if ethertype == BDDP {
            tree.leaf(&hf::LLDP_BDDP, Value::Bool(true), all.start..all.start);
        }
        let mut offsets = Vec::with_capacity(self.tlvs.len());
        let mut pos = at;
        for t in &self.tlvs {
            offsets.push(pos);
            pos += t.buffer_len();
        }
        let value_range = |tlv_type: u8| {
            let i = self.tlvs.iter().position(|t| t.tlv_type == tlv_type)?;
            let start = offsets.get(i)? + 2;
            Some(start..start + self.tlvs.get(i)?.value.len())
        };
        let fields = [
            (
                &hf::LLDP_CHASSIS_ID,
                tlv::CHASSIS_ID,
                self.chassis_id().map(Value::Text),
            ),
            (
                &hf::LLDP_PORT_ID,
                tlv::PORT_ID,
                self.port_id().map(Value::Text),
            ),
            (
                &hf::LLDP_TTL,
                tlv::TTL,
                self.ttl().map(|t| Value::Uint(t.into())),
            ),
            (
                &hf::LLDP_SYSTEM_NAME,
                tlv::SYSTEM_NAME,
                self.system_name().map(Value::Text),
            ),
        ];
        for (field, tlv_type, value) in fields {
            if let (Some(value), Some(range)) = (value, value_range(tlv_type)) {
                tree.leaf(field, value, range);
            }
        }
        tree.open(&hf::LLDP_TLVS, all);
        for (t, &start) in self.tlvs.iter().zip(&offsets) {
            let value = start + 2..start + t.buffer_len();
            tree.open(&hf::LLDP_TLV, start..value.end);
            tree.leaf(
                &hf::LLDP_TLV_TYPE,
                named(t.tlv_type.into(), tlv::name(t.tlv_type)),
                start..start + 1,
            );
            tree.leaf(
                &hf::LLDP_TLV_LEN,
                Value::Uint(t.value.len() as u64),
                start..start + 2,
            );
            if !t.value.is_empty() {
                tree.leaf(&hf::LLDP_TLV_VALUE, Value::Bytes(value.clone()), value);
            }
            tree.close();
        }
        tree.close();
        tree.close();
    }
}

fn fmt_mac_or_raw(id: &[u8]) -> String {
    match <[u8; 6]>::try_from(id) {
        Ok(mac) => Value::Mac(mac).to_string(),
        Err(_) => fmt_text_or_hex(id),
    }
}

/// An IANA address-family byte, then the address (only IPv4 is spelled out).
fn fmt_network_address(id: &[u8]) -> String {
    match id {
        [1, a, b, c, d] => Ipv4Addr::new(*a, *b, *c, *d).to_string(),
        _ => fmt_text_or_hex(id),
    }
}

/// Printable ASCII as it is, anything else as hex (Ryu puts a binary port number here).
fn fmt_text_or_hex(bytes: &[u8]) -> String {
    if !bytes.is_empty() && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        let mut s = String::from("0x");
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "LLDP", "LLDP (ethertype 0x88cc) and BDDP (0x8942, the same format, sent by ONOS and Floodlight to find links across non-OpenFlow segments) are both decoded here; a BDDP frame has `lldp.bddp` and its summary says `BDDP` instead of `LLDP`.";
        LLDP = "lldp", Group, "Link Layer Discovery Protocol", "an LLDP or BDDP frame";
        LLDP_BDDP = "lldp.bddp", Bool, "Broadcast domain discovery (BDDP, ethertype 0x8942)", "present (true) when the frame is BDDP (ethertype 0x8942, broadcast domain discovery sent by ONOS and Floodlight in LLDP's format): `-Y lldp` matches both, `-Y lldp.bddp` only BDDP";
        LLDP_CHASSIS_ID = "lldp.chassis_id", Text, "Chassis id", "chassis id: a MAC, an IPv4 address, printable text, or hex (Wireshark: `lldp.chassis.id`)";
        LLDP_PORT_ID = "lldp.port_id", Text, "Port id", "port id, shown the same way (Wireshark: `lldp.port.id`)";
        LLDP_TTL = "lldp.ttl", Uint, "Time to live", "time to live, seconds (Wireshark: `lldp.time_to_live`)";
        LLDP_SYSTEM_NAME = "lldp.system_name", Text, "System name", "system name (Wireshark: `lldp.tlv.system.name`)";
        LLDP_TLVS = "lldp.tlvs", List, "TLVs", "every TLV in order, End included";
        LLDP_TLV = "lldp.tlv", Group, "TLV", "one TLV";
        LLDP_TLV_TYPE = "lldp.tlv.type", Named, "Type", "TLV type";
        LLDP_TLV_LEN = "lldp.tlv.len", Uint, "Length", "value length";
        LLDP_TLV_VALUE = "lldp.tlv.value", Bytes, "Value", "value";
    }
}
