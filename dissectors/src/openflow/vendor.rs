//! Vendor (experimenter) messages and actions: Nicira (`0x00002320`) and Big Switch
//! (`0x005c16c7`) subtypes are named; every body is kept as raw bytes so it re-emits
//! exactly. Nicira actions are shown and checked by [`super::nicira`].

use std::fmt;

use super::action::Nesting;
use super::nicira;
use super::wire::{lookup, DecodeError, Put, Reader, Result};
use crate::tree::{Tree, Value};

named_numbers! {
    /// Vendor ids this crate names (`vendor_id::name`).
    pub mod vendor_id: u32, [fn name] {
        NICIRA = 0x0000_2320,
        BIG_SWITCH = 0x005c_16c7,
    }
}
pub use vendor_id::{BIG_SWITCH, NICIRA};

/// A vendor id for the tree: named when known.
pub fn vendor_value(vendor: u32) -> Value {
    match vendor_id::name(vendor) {
        Some(name) => Value::Named {
            value: vendor.into(),
            name,
        },
        None => Value::Hex {
            value: vendor.into(),
            digits: 8,
        },
    }
}

const NXT_NAMES: &[(u32, &str)] = &[
    (10, "NXT_ROLE_REQUEST"),
    (11, "NXT_ROLE_REPLY"),
    (12, "NXT_SET_FLOW_FORMAT"),
    (13, "NXT_FLOW_MOD"),
    (14, "NXT_FLOW_REMOVED"),
    (15, "NXT_FLOW_MOD_TABLE_ID"),
    (16, "NXT_SET_PACKET_IN_FORMAT"),
    (17, "NXT_PACKET_IN"),
    (18, "NXT_FLOW_AGE"),
    (19, "NXT_SET_ASYNC_CONFIG"),
    (20, "NXT_SET_CONTROLLER_ID"),
    (21, "NXT_FLOW_MONITOR_CANCEL"),
    (22, "NXT_FLOW_MONITOR_PAUSED"),
    (23, "NXT_FLOW_MONITOR_RESUMED"),
    (24, "NXT_TLV_TABLE_MOD"),
    (25, "NXT_TLV_TABLE_REQUEST"),
    (26, "NXT_TLV_TABLE_REPLY"),
    (27, "NXT_SET_ASYNC_CONFIG2"),
    (28, "NXT_RESUME"),
    (29, "NXT_CT_FLUSH_ZONE"),
    (30, "NXT_PACKET_IN2"),
    (31, "NXT_GROUP_MOD"),
    (32, "NXT_CT_FLUSH"),
    (132, "NXT_REQUESTFORWARD"),
];

const BSN_NAMES: &[(u32, &str)] = &[
    (0, "BSN_SET_IP_MASK"),
    (1, "BSN_GET_IP_MASK_REQUEST"),
    (2, "BSN_GET_IP_MASK_REPLY"),
    (3, "BSN_SET_MIRRORING"),
    (4, "BSN_GET_MIRRORING_REQUEST"),
    (5, "BSN_GET_MIRRORING_REPLY"),
    (6, "BSN_SHELL_COMMAND"),
    (7, "BSN_SHELL_OUTPUT"),
    (8, "BSN_SHELL_STATUS"),
    (9, "BSN_GET_INTERFACES_REQUEST"),
    (10, "BSN_GET_INTERFACES_REPLY"),
    (11, "BSN_SET_PKTIN_SUPPRESSION_REQUEST"),
    (12, "BSN_SET_L2_TABLE_REQUEST"),
    (13, "BSN_GET_L2_TABLE_REQUEST"),
    (14, "BSN_GET_L2_TABLE_REPLY"),
    (15, "BSN_VIRTUAL_PORT_CREATE_REQUEST"),
    (16, "BSN_VIRTUAL_PORT_CREATE_REPLY"),
    (17, "BSN_VIRTUAL_PORT_REMOVE_REQUEST"),
    (18, "BSN_BW_ENABLE_SET_REQUEST"),
    (19, "BSN_BW_ENABLE_GET_REQUEST"),
    (20, "BSN_BW_ENABLE_GET_REPLY"),
    (21, "BSN_BW_CLEAR_DATA_REQUEST"),
    (22, "BSN_BW_CLEAR_DATA_REPLY"),
    (23, "BSN_BW_ENABLE_SET_REPLY"),
    (24, "BSN_SET_L2_TABLE_REPLY"),
    (25, "BSN_SET_PKTIN_SUPPRESSION_REPLY"),
    (26, "BSN_VIRTUAL_PORT_REMOVE_REPLY"),
    (27, "BSN_HYBRID_GET_REQUEST"),
    (28, "BSN_HYBRID_GET_REPLY"),
    (31, "BSN_PDU_TX_REQUEST"),
    (32, "BSN_PDU_TX_REPLY"),
    (33, "BSN_PDU_RX_REQUEST"),
    (34, "BSN_PDU_RX_REPLY"),
    (35, "BSN_PDU_RX_TIMEOUT"),
];

/// Nicira vendor stats subtypes.
const NXST_NAMES: &[(u32, &str)] = &[
    (0, "NXST_FLOW"),
    (1, "NXST_AGGREGATE"),
    (2, "NXST_FLOW_MONITOR"),
    (3, "NXST_IPFIX_BRIDGE"),
    (4, "NXST_IPFIX_FLOW"),
    (7, "NXST_GROUP"),
    (8, "NXST_GROUP_DESC"),
    (9, "NXST_GROUP_FEATURES"),
];

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(*data.get(at..)?.first_chunk()?))
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(*data.get(at..)?.first_chunk()?))
}

/// The subtype name of a vendor message (`NXT_ROLE_REQUEST`, `BSN_SHELL_COMMAND`).
pub fn message_subtype_name(vendor: u32, subtype: u32) -> Option<&'static str> {
    match vendor {
        NICIRA => lookup(NXT_NAMES, subtype),
        BIG_SWITCH => lookup(BSN_NAMES, subtype),
        _ => None,
    }
}

/// The subtype name of a vendor stats body (`NXST_FLOW`).
pub fn stats_subtype_name(vendor: u32, subtype: u32) -> Option<&'static str> {
    match vendor {
        NICIRA => lookup(NXST_NAMES, subtype),
        _ => None,
    }
}

/// An OFPT_VENDOR message body: the vendor id and everything after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorMsg {
    pub vendor: u32,
    pub data: Vec<u8>,
}

impl VendorMsg {
    pub(crate) fn parse(r: &mut Reader) -> Result<VendorMsg> {
        Ok(VendorMsg {
            vendor: r.u32("vendor id")?,
            data: r.rest().to_vec(),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.vendor);
        out.extend_from_slice(&self.data);
    }

    /// Nicira and Big Switch messages start with a 32-bit subtype.
    pub fn subtype(&self) -> Option<u32> {
        vendor_id::name(self.vendor).and(be32(&self.data, 0))
    }

    pub fn subtype_name(&self) -> Option<&'static str> {
        message_subtype_name(self.vendor, self.subtype()?)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.leaf(&hf::OF_VENDOR_VENDOR, vendor_value(self.vendor), at..at + 4);
        if let Some(sub) = self.subtype() {
            t.leaf(
                &hf::OF_VENDOR_SUBTYPE,
                super::port::named_or_unknown(sub.into(), self.subtype_name()),
                at + 4..at + 8,
            );
        }
        let end = at + 4 + self.data.len();
        t.leaf(&hf::OF_VENDOR_DATA, Value::Bytes(at + 4..end), at + 4..end);
    }
}

impl fmt::Display for VendorMsg {
    /// `NXT_ROLE_REQUEST role=primary`, or `vendor=0x... N bytes` when unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(name) = self.subtype_name() else {
            return write!(
                f,
                "vendor=0x{:08x} subtype={} {} bytes",
                self.vendor,
                self.subtype().map_or("?".to_owned(), |s| s.to_string()),
                self.data.len()
            );
        };
        f.write_str(name)?;
        let d = &self.data;
        match (self.vendor, self.subtype()) {
            (NICIRA, Some(10 | 11)) => {
                let role = match be32(d, 4) {
                    Some(0) => "other",
                    Some(1) => "primary",
                    Some(2) => "secondary",
                    _ => "?",
                };
                write!(f, " role={role}")
            }
            (NICIRA, Some(12)) => match be32(d, 4) {
                Some(0) => f.write_str(" format=openflow10"),
                Some(2) => f.write_str(" format=nxm"),
                other => write!(f, " format={other:?}"),
            },
            (NICIRA, Some(16)) => match be32(d, 4) {
                Some(0) => f.write_str(" format=standard"),
                Some(1) => f.write_str(" format=nxt_packet_in"),
                Some(2) => f.write_str(" format=nxt_packet_in2"),
                other => write!(f, " format={other:?}"),
            },
            (NICIRA, Some(15)) => match d.get(4) {
                Some(0) => f.write_str(" disable"),
                _ => f.write_str(" enable"),
            },
            (NICIRA, Some(20)) => write!(f, " id={}", be16(d, 10).unwrap_or(0)),
            (NICIRA, Some(21)) => write!(f, " id={}", be32(d, 4).unwrap_or(0)),
            (NICIRA, Some(29)) => write!(f, " zone_id={}", be16(d, 10).unwrap_or(0)),
            _ => Ok(()),
        }
    }
}

/// A vendor action (`OFPAT_VENDOR`): the vendor id and the bytes after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorAction {
    pub vendor: u32,
    /// Everything after the vendor id; a Nicira action starts with its 16-bit subtype.
    pub data: Vec<u8>,
}

const NXAST_NAMES: &[(u16, &str)] = &[
    (1, "resubmit"),
    (2, "set_tunnel"),
    (4, "set_queue"),
    (5, "pop_queue"),
    (6, "reg_move"),
    (7, "reg_load"),
    (8, "note"),
    (9, "set_tunnel64"),
    (10, "multipath"),
    (12, "bundle"),
    (13, "bundle_load"),
    (14, "resubmit_table"),
    (15, "output_reg"),
    (16, "learn"),
    (17, "exit"),
    (18, "dec_ttl"),
    (19, "fin_timeout"),
    (20, "controller"),
    (21, "dec_ttl_cnt_ids"),
    (22, "write_metadata"),
    (23, "push_mpls"),
    (24, "pop_mpls"),
    (25, "set_mpls_ttl"),
    (26, "dec_mpls_ttl"),
    (27, "stack_push"),
    (28, "stack_pop"),
    (29, "sample"),
    (30, "set_mpls_label"),
    (31, "set_mpls_tc"),
    (32, "output_reg2"),
    (33, "reg_load2"),
    (34, "conjunction"),
    (35, "ct"),
    (36, "nat"),
    (37, "controller2"),
    (38, "sample2"),
    (39, "output_trunc"),
    (40, "group"),
    (41, "sample3"),
    (42, "clone"),
    (43, "ct_clear"),
    (44, "resubmit_table_ct"),
    (45, "learn2"),
    (46, "encap"),
    (47, "decap"),
    (48, "dec_nsh_ttl"),
    (49, "check_pkt_larger"),
    (50, "delete_field"),
    (51, "sample4"),
];

const BSN_ACTION_NAMES: &[(u32, &str)] = &[(1, "bsn_mirror"), (2, "bsn_set_tunnel_dst")];

impl VendorAction {
    /// `r` covers the whole action after its type and length.
    pub(crate) fn parse(r: &mut Reader, nesting: Nesting) -> Result<VendorAction> {
        let vendor = r.u32("vendor action id")?;
        let data = r.rest().to_vec();
        if vendor == NICIRA {
            // Every Nicira action has at least the 16-byte nx_action_header.
            if data.len() < 8 {
                return Err(DecodeError::invalid(
                    "OFPBAC_BAD_LEN",
                    "Nicira action shorter than 16 bytes",
                ));
            }
            nicira::decode(&data, nesting)?;
        }
        Ok(VendorAction { vendor, data })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.vendor);
        out.extend_from_slice(&self.data);
    }

    pub fn subtype(&self) -> Option<u32> {
        match self.vendor {
            NICIRA => be16(&self.data, 0).map(u32::from),
            BIG_SWITCH => be32(&self.data, 0),
            _ => None,
        }
    }

    /// `resubmit`, `set_tunnel`, `bsn_set_tunnel_dst`, ...
    pub fn subtype_name(&self) -> Option<&'static str> {
        let sub = self.subtype()?;
        match self.vendor {
            NICIRA => lookup(NXAST_NAMES, u16::try_from(sub).ok()?),
            _ => lookup(BSN_ACTION_NAMES, sub),
        }
    }

    /// `at` is the offset of the vendor id in the message.
    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.leaf(
            &super::action::hf::OF_ACTION_VENDOR,
            vendor_value(self.vendor),
            at..at + 4,
        );
        if let Some(sub) = self.subtype() {
            let width = if self.vendor == NICIRA { 2 } else { 4 };
            t.leaf(
                &super::action::hf::OF_ACTION_SUBTYPE,
                super::port::named_or_unknown(sub.into(), self.subtype_name()),
                at + 4..at + 4 + width,
            );
        }
        let end = at + 4 + self.data.len();
        t.leaf(
            &super::action::hf::OF_ACTION_DATA,
            Value::Bytes(at + 4..end),
            at + 4..end,
        );
    }
}

impl fmt::Display for VendorAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.vendor == NICIRA {
            if let Ok(Some(text)) = nicira::decode(&self.data, Nesting::Unchecked) {
                return f.write_str(&text);
            }
        }
        if self.vendor == BIG_SWITCH && self.subtype() == Some(2) {
            if let Some(dst) = be32(&self.data, 4) {
                return write!(f, "bsn_set_tunnel_dst:0x{dst:08x}");
            }
        }
        let hex: String = self.data.iter().map(|b| format!("{b:02x}")).collect();
        match self.subtype_name() {
            Some(name) => write!(f, "{name}(vendor=0x{:08x},data=0x{hex})", self.vendor),
            None => write!(f, "vendor(0x{:08x},data=0x{hex})", self.vendor),
        }
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "VENDOR", "";
        OF_VENDOR = "of.vendor", Group, "Vendor", "OFPT_VENDOR body";
        OF_VENDOR_VENDOR = "of.vendor.vendor", Named, "Vendor", "vendor id: `NICIRA` (0x00002320), `BIG_SWITCH` (0x005c16c7), else hex";
        OF_VENDOR_SUBTYPE = "of.vendor.subtype", Named, "Subtype", "Nicira `NXT_*` / Big Switch `BSN_*` subtype";
        OF_VENDOR_DATA = "of.vendor.data", Bytes, "Data", "the body after the vendor id";
    }
}
