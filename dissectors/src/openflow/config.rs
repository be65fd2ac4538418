//! FEATURES_REPLY and the switch configuration of GET_CONFIG_REPLY / SET_CONFIG.

use std::fmt;

use super::header::{HEADER_LEN, OFP_VERSION};
use super::port::{flag_text, ports_tree, PhyPort, PHY_PORT_LEN};
use super::types::{V11, V12, V13, V15};
use super::wire::{lookup, DecodeError, Put, Reader, Result};
use crate::tree::{FlagNames, Tree, Value};

const FRAG_NAMES: &[(u16, &str)] = &[(0, "normal"), (1, "drop"), (2, "reassemble")];
const CONFIG_FLAG_NAMES: FlagNames = &[(1, "FRAG_DROP"), (2, "FRAG_REASM")];

/// `ofp_switch_config` (GET_CONFIG_REPLY and SET_CONFIG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` in the low two bits.
    pub flags: u16,
    pub miss_send_len: u16,
}

impl SwitchConfig {
    pub(crate) fn parse(r: &mut Reader) -> Result<SwitchConfig> {
        Ok(SwitchConfig {
            flags: r.u16("config flags")?,
            miss_send_len: r.u16("miss_send_len")?,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.flags);
        out.put_u16(self.miss_send_len);
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_CONFIG, at..at + 4);
        t.leaf(
            &hf::OF_CONFIG_FLAGS,
            Value::Flags {
                value: self.flags.into(),
                names: CONFIG_FLAG_NAMES,
            },
            at..at + 2,
        );
        t.leaf(
            &hf::OF_CONFIG_MISS_SEND_LEN,
            Value::Uint(self.miss_send_len.into()),
            at + 2..at + 4,
        );
        t.close();
    }
}

impl fmt::Display for SwitchConfig {
    /// `frags=normal miss_send_len=128`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(FRAG_NAMES, self.flags & 3) {
            Some(n) => write!(f, "frags={n}")?,
            None => write!(f, "frags={}", self.flags & 3)?,
        }
        if self.flags & !3 != 0 {
            write!(f, " flags=0x{:x}", self.flags)?;
        }
        write!(f, " miss_send_len={}", self.miss_send_len)
    }
}

pub const CAPABILITY_NAMES: FlagNames = &[
    (1 << 0, "FLOW_STATS"),
    (1 << 1, "TABLE_STATS"),
    (1 << 2, "PORT_STATS"),
    (1 << 3, "STP"),
    (1 << 4, "RESERVED"),
    (1 << 5, "IP_REASM"),
    (1 << 6, "QUEUE_STATS"),
    (1 << 7, "ARP_MATCH_IP"),
];

/// Supported actions, one bit per `OFPAT_*` number.
pub const ACTION_BIT_NAMES: FlagNames = &[
    (1 << 0, "OUTPUT"),
    (1 << 1, "SET_VLAN_VID"),
    (1 << 2, "SET_VLAN_PCP"),
    (1 << 3, "STRIP_VLAN"),
    (1 << 4, "SET_DL_SRC"),
    (1 << 5, "SET_DL_DST"),
    (1 << 6, "SET_NW_SRC"),
    (1 << 7, "SET_NW_DST"),
    (1 << 8, "SET_NW_TOS"),
    (1 << 9, "SET_TP_SRC"),
    (1 << 10, "SET_TP_DST"),
    (1 << 11, "ENQUEUE"),
];

const FEATURES_FIXED_LEN: usize = 24;
/// A port of OpenFlow 1.1 and 1.2's FEATURES_REPLY (`ofp_port`).
const OF11_PORT_LEN: usize = 64;

/// Whether a FEATURES_REPLY of `version` can be `length` bytes long: the header and fixed
/// part are the same 32 bytes in every version, then come ports of 48 bytes in 1.0, of 64
/// in 1.1 and 1.2, and none from 1.3 on (ports became a multipart reply).
pub(crate) fn features_reply_fits(version: u8, length: u16) -> bool {
    let ports = usize::from(length).checked_sub(HEADER_LEN + FEATURES_FIXED_LEN);
    match version {
        OFP_VERSION => ports.is_some_and(|p| p % PHY_PORT_LEN == 0),
        V11 | V12 => ports.is_some_and(|p| p % OF11_PORT_LEN == 0),
        V13..=V15 => ports == Some(0),
        _ => false,
    }
}

/// FEATURES_REPLY body (`ofp_switch_features`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeaturesReply {
    pub datapath_id: u64,
    pub n_buffers: u32,
    pub n_tables: u8,
    pub capabilities: u32,
    pub actions: u32,
    pub ports: Vec<PhyPort>,
}

impl FeaturesReply {
    pub(crate) fn parse(r: &mut Reader) -> Result<FeaturesReply> {
        let datapath_id = r.u64("datapath_id")?;
        let n_buffers = r.u32("n_buffers")?;
        let n_tables = r.u8("n_tables")?;
        r.pad(3)?;
        let capabilities = r.u32("capabilities")?;
        let actions = r.u32("actions")?;
        if !r.remaining().is_multiple_of(PHY_PORT_LEN) {
            return Err(DecodeError::invalid(
                "OFPBRC_BAD_LEN",
                format!("{} port bytes is not a multiple of 48", r.remaining()),
            ));
        }
        let mut ports = Vec::with_capacity(r.remaining() / PHY_PORT_LEN);
        while !r.is_empty() {
            ports.push(PhyPort::parse(r)?);
        }
        Ok(FeaturesReply {
            datapath_id,
            n_buffers,
            n_tables,
            capabilities,
            actions,
            ports,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u64(self.datapath_id);
        out.put_u32(self.n_buffers);
        out.put_u8(self.n_tables);
        out.put_zeros(3);
        out.put_u32(self.capabilities);
        out.put_u32(self.actions);
        for p in &self.ports {
            p.emit(out);
        }
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let end = at + FEATURES_FIXED_LEN + self.ports.len() * PHY_PORT_LEN;
        t.open(&hf::OF_FEATURES, at..end);
        t.leaf(
            &hf::OF_FEATURES_DATAPATH_ID,
            Value::Hex {
                value: self.datapath_id,
                digits: 16,
            },
            at..at + 8,
        );
        t.leaf(
            &hf::OF_FEATURES_N_BUFFERS,
            Value::Uint(self.n_buffers.into()),
            at + 8..at + 12,
        );
        t.leaf(
            &hf::OF_FEATURES_N_TABLES,
            Value::Uint(self.n_tables.into()),
            at + 12..at + 13,
        );
        t.leaf(
            &hf::OF_FEATURES_CAPABILITIES,
            Value::Flags {
                value: self.capabilities.into(),
                names: CAPABILITY_NAMES,
            },
            at + 16..at + 20,
        );
        t.leaf(
            &hf::OF_FEATURES_ACTIONS,
            Value::Flags {
                value: self.actions.into(),
                names: ACTION_BIT_NAMES,
            },
            at + 20..at + 24,
        );
        ports_tree(&self.ports, t, at + FEATURES_FIXED_LEN);
        t.close();
    }
}

impl fmt::Display for FeaturesReply {
    /// `dpid:0000505400000001 n_tables:2 n_buffers:256 capabilities=... ports=1,2,LOCAL`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dpid:{:016x} n_tables:{} n_buffers:{} capabilities={} ports=",
            self.datapath_id,
            self.n_tables,
            self.n_buffers,
            flag_text(self.capabilities, CAPABILITY_NAMES)
        )?;
        for (i, p) in self.ports.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", super::port::PortDisplay(p.port_no))?;
        }
        Ok(())
    }
}

super::types::body_codec!(FeaturesReply, SwitchConfig);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "FEATURES_REPLY, GET_CONFIG_REPLY, SET_CONFIG", "";
        OF_CONFIG = "of.config", Group, "Switch config", "GET_CONFIG_REPLY or SET_CONFIG body";
        OF_CONFIG_FLAGS = "of.config.flags", Flags, "Flags", "`FRAG_DROP`, `FRAG_REASM` (0 = normal)";
        OF_CONFIG_MISS_SEND_LEN = "of.config.miss_send_len", Uint, "Miss send length", "bytes of a table-miss packet sent to the controller";
        OF_FEATURES = "of.features", Group, "Features", "FEATURES_REPLY body";
        OF_FEATURES_DATAPATH_ID = "of.features.datapath_id", Hex as Dpid, "Datapath id", "in JSON a string, `\"00:00:00:00:00:00:00:01\"`, as the record's `dpid` (a number past 2^53 would lose digits in JavaScript and jq)";
        OF_FEATURES_N_BUFFERS = "of.features.n_buffers", Uint, "Buffers", "packets the switch can buffer";
        OF_FEATURES_N_TABLES = "of.features.n_tables", Uint, "Tables", "flow tables";
        OF_FEATURES_CAPABILITIES = "of.features.capabilities", Flags, "Capabilities", "`FLOW_STATS`, `TABLE_STATS`, `PORT_STATS`, `STP`, `RESERVED`, `IP_REASM`, `QUEUE_STATS`, `ARP_MATCH_IP`";
        OF_FEATURES_ACTIONS = "of.features.actions", Flags, "Actions", "supported actions, one bit per OFPAT number";
    }
}
