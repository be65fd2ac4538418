//! Port numbers, `ofp_phy_port`, PORT_STATUS and PORT_MOD.

use std::fmt;

use super::wire::{fmt_mac, lookup, Put, Reader, Result};
use crate::tree::{FlagNames, Tree, Value};

named_numbers! {
    /// `OFPP_*` special port numbers.
    pub mod ofpp: u16, [pub names PORT_NAMES] {
        IN_PORT = 0xfff8,
        TABLE = 0xfff9,
        NORMAL = 0xfffa,
        FLOOD = 0xfffb,
        ALL = 0xfffc,
        CONTROLLER = 0xfffd,
        LOCAL = 0xfffe,
        NONE = 0xffff,
    }
    also {
        pub const MAX: u16 = 0xff00;
    }
}

/// The name of a special port (`FLOOD`, `CONTROLLER`, ...), `None` for ordinary ports.
pub fn port_name(port: u16) -> Option<&'static str> {
    lookup(PORT_NAMES, port)
}

/// A port number for the tree: named when special.
pub fn port_value(port: u16) -> Value {
    match port_name(port) {
        Some(name) => Value::Named {
            value: port.into(),
            name,
        },
        None => Value::Uint(port.into()),
    }
}

/// Displays a port as ovs-ofctl does: the number, or the special name.
#[derive(Debug, Clone, Copy)]
pub struct PortDisplay(pub u16);

impl fmt::Display for PortDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match port_name(self.0) {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

pub const PORT_CONFIG_NAMES: FlagNames = &[
    (1 << 0, "PORT_DOWN"),
    (1 << 1, "NO_STP"),
    (1 << 2, "NO_RECV"),
    (1 << 3, "NO_RECV_STP"),
    (1 << 4, "NO_FLOOD"),
    (1 << 5, "NO_FWD"),
    (1 << 6, "NO_PACKET_IN"),
];

/// The STP bits (0x300) are an enumeration, shown by `stp_state`; only LINK_DOWN is a flag.
pub const PORT_STATE_NAMES: FlagNames = &[(1 << 0, "LINK_DOWN")];
const STP_MASK: u32 = 0x300;
const STP_NAMES: &[(u32, &str)] = &[
    (0x000, "STP_LISTEN"),
    (0x100, "STP_LEARN"),
    (0x200, "STP_FORWARD"),
    (0x300, "STP_BLOCK"),
];

pub const PORT_FEATURE_NAMES: FlagNames = &[
    (1 << 0, "10MB_HD"),
    (1 << 1, "10MB_FD"),
    (1 << 2, "100MB_HD"),
    (1 << 3, "100MB_FD"),
    (1 << 4, "1GB_HD"),
    (1 << 5, "1GB_FD"),
    (1 << 6, "10GB_FD"),
    (1 << 7, "COPPER"),
    (1 << 8, "FIBER"),
    (1 << 9, "AUTONEG"),
    (1 << 10, "PAUSE"),
    (1 << 11, "PAUSE_ASYM"),
];

pub const PHY_PORT_LEN: usize = 48;

/// `ofp_phy_port`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhyPort {
    pub port_no: u16,
    pub hw_addr: [u8; 6],
    /// Up to 16 bytes on the wire, NUL-padded.
    pub name: String,
    pub config: u32,
    pub state: u32,
    pub curr: u32,
    pub advertised: u32,
    pub supported: u32,
    pub peer: u32,
}

fn flags(value: u32, names: FlagNames) -> Value {
    Value::Flags {
        value: value.into(),
        names,
    }
}

/// Names of the set bits joined by `|`, or `0`.
pub fn flag_text(value: u32, names: FlagNames) -> String {
    let named: Vec<&str> = names
        .iter()
        .filter(|(m, _)| u64::from(value) & m == *m)
        .map(|(_, n)| *n)
        .collect();
    let rest = names.iter().fold(u64::from(value), |acc, (m, _)| acc & !m);
    let mut out = named.join("|");
    if rest != 0 {
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(&format!("0x{rest:x}"));
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

impl PhyPort {
    pub(crate) fn parse(r: &mut Reader) -> Result<PhyPort> {
        Ok(PhyPort {
            port_no: r.u16("port number")?,
            hw_addr: r.array("port hw_addr")?,
            name: r.text(16, "port name")?,
            config: r.u32("port config")?,
            state: r.u32("port state")?,
            curr: r.u32("port curr")?,
            advertised: r.u32("port advertised")?,
            supported: r.u32("port supported")?,
            peer: r.u32("port peer")?,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.extend_from_slice(&self.hw_addr);
        out.put_text(&self.name, 16);
        for v in [
            self.config,
            self.state,
            self.curr,
            self.advertised,
            self.supported,
            self.peer,
        ] {
            out.put_u32(v);
        }
    }

    /// The STP state name (the 0x300 bits of `state`).
    pub fn stp_state(&self) -> &'static str {
        lookup(STP_NAMES, self.state & STP_MASK).unwrap_or("STP_LISTEN")
    }

    /// Adds one `of.port` group (callers put it inside an `of.ports` list).
    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open_with(
            &hf::OF_PORT,
            Value::Text(self.to_string()),
            at..at + PHY_PORT_LEN,
        );
        t.leaf(&hf::OF_PORT_PORT_NO, port_value(self.port_no), at..at + 2);
        t.leaf(
            &hf::OF_PORT_HW_ADDR,
            Value::Mac(self.hw_addr),
            at + 2..at + 8,
        );
        t.leaf(
            &hf::OF_PORT_NAME,
            Value::Text(self.name.clone()),
            at + 8..at + 24,
        );
        t.leaf(
            &hf::OF_PORT_CONFIG,
            flags(self.config, PORT_CONFIG_NAMES),
            at + 24..at + 28,
        );
        t.leaf(
            &hf::OF_PORT_STATE,
            flags(self.state & !STP_MASK, PORT_STATE_NAMES),
            at + 28..at + 32,
        );
        t.leaf(
            &hf::OF_PORT_STP_STATE,
            Value::Named {
                value: u64::from(self.state & STP_MASK),
                name: self.stp_state(),
            },
            at + 28..at + 32,
        );
        let features = [
            (&hf::OF_PORT_CURR, self.curr),
            (&hf::OF_PORT_ADVERTISED, self.advertised),
            (&hf::OF_PORT_SUPPORTED, self.supported),
            (&hf::OF_PORT_PEER, self.peer),
        ];
        for (i, (field, v)) in features.into_iter().enumerate() {
            let off = at + 32 + 4 * i;
            t.leaf(field, flags(v, PORT_FEATURE_NAMES), off..off + 4);
        }
        t.close();
    }
}

impl fmt::Display for PhyPort {
    /// `3(eth0): addr:50:54:00:00:00:01 config=PORT_DOWN state=LINK_DOWN`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}): addr:{} config={} state={}",
            PortDisplay(self.port_no),
            self.name,
            fmt_mac(&self.hw_addr),
            flag_text(self.config, PORT_CONFIG_NAMES),
            flag_text(self.state & !STP_MASK, PORT_STATE_NAMES),
        )
    }
}

/// Adds an `of.ports` list of `of.port` groups, ports laid out from `at`.
pub fn ports_tree(ports: &[PhyPort], t: &mut Tree, at: usize) {
    t.open(&hf::OF_PORTS, at..at + ports.len() * PHY_PORT_LEN);
    for (i, p) in ports.iter().enumerate() {
        p.build_tree(t, at + i * PHY_PORT_LEN);
    }
    t.close();
}

const PORT_REASON_NAMES: &[(u8, &str)] = &[(0, "ADD"), (1, "DELETE"), (2, "MODIFY")];

/// PORT_STATUS body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortStatus {
    /// `OFPPR_ADD` 0, `DELETE` 1, `MODIFY` 2.
    pub reason: u8,
    pub desc: PhyPort,
}

impl PortStatus {
    pub(crate) fn parse(r: &mut Reader) -> Result<PortStatus> {
        let reason = r.u8("port status reason")?;
        r.pad(7)?;
        Ok(PortStatus {
            reason,
            desc: PhyPort::parse(r)?,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u8(self.reason);
        out.put_zeros(7);
        self.desc.emit(out);
    }

    pub fn reason_name(&self) -> Option<&'static str> {
        lookup(PORT_REASON_NAMES, self.reason)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_PORT_STATUS, at..at + 56);
        t.leaf(
            &hf::OF_PORT_STATUS_REASON,
            named_or_unknown(self.reason.into(), self.reason_name()),
            at..at + 1,
        );
        self.desc.build_tree(t, at + 8);
        t.close();
    }
}

impl fmt::Display for PortStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason_name() {
            Some(n) => write!(f, "{n} {}", self.desc),
            None => write!(f, "reason={} {}", self.reason, self.desc),
        }
    }
}

/// A named enumeration value for the tree, or `Unknown`.
pub fn named_or_unknown(value: u64, name: Option<&'static str>) -> Value {
    match name {
        Some(name) => Value::Named { value, name },
        None => Value::Unknown(value),
    }
}

/// PORT_MOD body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortMod {
    pub port_no: u16,
    pub hw_addr: [u8; 6],
    pub config: u32,
    pub mask: u32,
    pub advertise: u32,
}

impl PortMod {
    pub(crate) fn parse(r: &mut Reader) -> Result<PortMod> {
        let m = PortMod {
            port_no: r.u16("port_mod port")?,
            hw_addr: r.array("port_mod hw_addr")?,
            config: r.u32("port_mod config")?,
            mask: r.u32("port_mod mask")?,
            advertise: r.u32("port_mod advertise")?,
        };
        r.pad(4)?;
        Ok(m)
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.extend_from_slice(&self.hw_addr);
        out.put_u32(self.config);
        out.put_u32(self.mask);
        out.put_u32(self.advertise);
        out.put_zeros(4);
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_PORT_MOD, at..at + 24);
        t.leaf(
            &hf::OF_PORT_MOD_PORT_NO,
            port_value(self.port_no),
            at..at + 2,
        );
        t.leaf(
            &hf::OF_PORT_MOD_HW_ADDR,
            Value::Mac(self.hw_addr),
            at + 2..at + 8,
        );
        t.leaf(
            &hf::OF_PORT_MOD_CONFIG,
            flags(self.config, PORT_CONFIG_NAMES),
            at + 8..at + 12,
        );
        t.leaf(
            &hf::OF_PORT_MOD_MASK,
            flags(self.mask, PORT_CONFIG_NAMES),
            at + 12..at + 16,
        );
        t.leaf(
            &hf::OF_PORT_MOD_ADVERTISE,
            flags(self.advertise, PORT_FEATURE_NAMES),
            at + 16..at + 20,
        );
        t.close();
    }
}

impl fmt::Display for PortMod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "port={} addr:{} config={} mask={} advertise={}",
            PortDisplay(self.port_no),
            fmt_mac(&self.hw_addr),
            flag_text(self.config, PORT_CONFIG_NAMES),
            flag_text(self.mask, PORT_CONFIG_NAMES),
            if self.advertise == 0 {
                "UNCHANGED".to_owned()
            } else {
                flag_text(self.advertise, PORT_FEATURE_NAMES)
            },
        )
    }
}

super::types::body_codec!(PortStatus, PortMod);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Ports: FEATURES_REPLY, PORT_STATUS, PORT_MOD", "";
        OF_PORT = "of.port", Group, "Port", "one `ofp_phy_port`; its value is a one-line summary";
        OF_PORT_PORT_NO = "of.port.port_no", Named, "Port number", "port number (a reserved port by its name)";
        OF_PORT_HW_ADDR = "of.port.hw_addr", Mac, "Hardware address", "the port's MAC address";
        OF_PORT_NAME = "of.port.name", Text, "Name", "the port's name (`s1-eth1`)";
        OF_PORT_CONFIG = "of.port.config", Flags, "Config", "`PORT_DOWN`, `NO_STP`, `NO_RECV`, `NO_RECV_STP`, `NO_FLOOD`, `NO_FWD`, `NO_PACKET_IN`";
        OF_PORT_STATE = "of.port.state", Flags, "State", "`LINK_DOWN` (the STP bits are in `stp_state`)";
        OF_PORT_STP_STATE = "of.port.stp_state", Named, "STP state", "`STP_LISTEN`, `STP_LEARN`, `STP_FORWARD`, `STP_BLOCK`";
        OF_PORT_CURR = "of.port.curr", Flags, "Current features", "`10MB_HD` ... `10GB_FD`, `COPPER`, `FIBER`, `AUTONEG`, `PAUSE`, `PAUSE_ASYM`";
        OF_PORT_ADVERTISED = "of.port.advertised", Flags, "Advertised features", "`10MB_HD` ... `10GB_FD`, `COPPER`, `FIBER`, `AUTONEG`, `PAUSE`, `PAUSE_ASYM`";
        OF_PORT_SUPPORTED = "of.port.supported", Flags, "Supported features", "`10MB_HD` ... `10GB_FD`, `COPPER`, `FIBER`, `AUTONEG`, `PAUSE`, `PAUSE_ASYM`";
        OF_PORT_PEER = "of.port.peer", Flags, "Peer features", "`10MB_HD` ... `10GB_FD`, `COPPER`, `FIBER`, `AUTONEG`, `PAUSE`, `PAUSE_ASYM`";
        OF_PORTS = "of.ports", List, "Ports", "of `of.port` (also in a PORT_DESC stats reply)";
        OF_PORT_STATUS = "of.port_status", Group, "Port status", "PORT_STATUS";
        OF_PORT_STATUS_REASON = "of.port_status.reason", Named, "Reason", "`ADD`, `DELETE`, `MODIFY`; followed by an `of.port` group";
        OF_PORT_MOD = "of.port_mod", Group, "Port mod", "PORT_MOD";
        OF_PORT_MOD_PORT_NO = "of.port_mod.port_no", Named, "Port number", "the port to change";
        OF_PORT_MOD_HW_ADDR = "of.port_mod.hw_addr", Mac, "Hardware address", "the port's hardware address";
        OF_PORT_MOD_CONFIG = "of.port_mod.config", Flags, "Config", "`PORT_DOWN`, `NO_STP`, `NO_RECV`, `NO_RECV_STP`, `NO_FLOOD`, `NO_FWD`, `NO_PACKET_IN`";
        OF_PORT_MOD_MASK = "of.port_mod.mask", Flags, "Mask", "the config bits to change";
        OF_PORT_MOD_ADVERTISE = "of.port_mod.advertise", Flags, "Advertise", "features to advertise; 0 leaves them unchanged";
    }
}
