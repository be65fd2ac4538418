//! OpenFlow 1.0 actions (`ofp_action_*`): the 12 standard ones plus vendor actions.
//!
//! Decoding checks what Open vSwitch checks, and reports it with the same error names
//! (`OFPBAC_BAD_LEN`, `OFPBAC_BAD_OUT_PORT`, ...), so "malformed" means the same thing
//! here as in `ovs-ofctl`.

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

use super::port::{ofpp, port_value, PortDisplay};
use super::vendor::VendorAction;
use super::wire::{be16, be32, bytes_at, fmt_mac, lookup, DecodeError, Put, Reader, Result};
use crate::tree::{Tree, Value};

named_numbers! {
    /// `OFPAT_*` action type numbers.
    pub mod ofpat: u16, [names ACTION_NAMES] {
        OUTPUT = 0,
        SET_VLAN_VID = 1,
        SET_VLAN_PCP = 2,
        STRIP_VLAN = 3,
        SET_DL_SRC = 4,
        SET_DL_DST = 5,
        SET_NW_SRC = 6,
        SET_NW_DST = 7,
        SET_NW_TOS = 8,
        SET_TP_SRC = 9,
        SET_TP_DST = 10,
        ENQUEUE = 11,
        VENDOR = 0xffff,
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `max_len` only matters for `CONTROLLER`.
    Output {
        port: u16,
        max_len: u16,
    },
    SetVlanVid(u16),
    SetVlanPcp(u8),
    StripVlan,
    SetDlSrc([u8; 6]),
    SetDlDst([u8; 6]),
    SetNwSrc(Ipv4Addr),
    SetNwDst(Ipv4Addr),
    SetNwTos(u8),
    SetTpSrc(u16),
    SetTpDst(u16),
    Enqueue {
        port: u16,
        queue_id: u32,
    },
    Vendor(VendorAction),
}

impl Action {
    /// An `output:port` action (max_len 0; use `Output` directly for CONTROLLER).
    pub fn output(port: u16) -> Action {
        Action::Output { port, max_len: 0 }
    }

    pub fn action_type(&self) -> u16 {
        match self {
            Action::Output { .. } => ofpat::OUTPUT,
            Action::SetVlanVid(_) => ofpat::SET_VLAN_VID,
            Action::SetVlanPcp(_) => ofpat::SET_VLAN_PCP,
            Action::StripVlan => ofpat::STRIP_VLAN,
            Action::SetDlSrc(_) => ofpat::SET_DL_SRC,
            Action::SetDlDst(_) => ofpat::SET_DL_DST,
            Action::SetNwSrc(_) => ofpat::SET_NW_SRC,
            Action::SetNwDst(_) => ofpat::SET_NW_DST,
            Action::SetNwTos(_) => ofpat::SET_NW_TOS,
            Action::SetTpSrc(_) => ofpat::SET_TP_SRC,
            Action::SetTpDst(_) => ofpat::SET_TP_DST,
            Action::Enqueue { .. } => ofpat::ENQUEUE,
            Action::Vendor(_) => ofpat::VENDOR,
        }
    }

    /// `OUTPUT`, `SET_VLAN_VID`, ... (the OFPAT name without prefix).
    pub fn type_name(&self) -> &'static str {
        lookup(ACTION_NAMES, self.action_type()).unwrap_or("VENDOR")
    }

    /// Bytes on the wire.
    pub fn wire_len(&self) -> usize {
        match self {
            Action::SetDlSrc(_) | Action::SetDlDst(_) | Action::Enqueue { .. } => 16,
            Action::Vendor(v) => 8 + v.data.len(),
            _ => 8,
        }
    }

    /// Decodes one action at the reader's position.
    fn parse(r: &mut Reader, nesting: Nesting) -> Result<Action> {
        let at = r.pos();
        let remaining = r.remaining();
        let head: [u8; 4] = r.clone().array("action header")?;
        let kind = be16(&head, 0);
        let len = usize::from(be16(&head, 2));
        if len < 8 || len % 8 != 0 || len > remaining {
            return Err(DecodeError::invalid(
                "OFPBAC_BAD_LEN",
                format!("action at offset {at} has length {len} ({remaining} bytes left)"),
            ));
        }
        if kind == ofpat::VENDOR {
            let mut a = r.sub(len, "vendor action")?;
            a.take(4, "action header")?;
            return Ok(Action::Vendor(VendorAction::parse(&mut a, nesting)?));
        }
        let fixed = match kind {
            ofpat::SET_DL_SRC | ofpat::SET_DL_DST | ofpat::ENQUEUE => 16,
            k if k <= ofpat::ENQUEUE => 8,
            k => {
                return Err(DecodeError::invalid(
                    "OFPBAC_BAD_TYPE",
                    format!("unknown action type {k}"),
                ))
            }
        };
        if len != fixed {
            return Err(DecodeError::invalid(
                "OFPBAC_BAD_LEN",
                format!(
                    "{} action has length {len}, expected {fixed}",
                    lookup(ACTION_NAMES, kind).unwrap_or("?")
                ),
            ));
        }
        // Every standard action fits in 16 bytes: decode at constant offsets.
        let mut b = [0u8; 16];
        let bytes = r.take(len, "action")?;
        if let Some(dst) = b.get_mut(..len) {
            dst.copy_from_slice(bytes);
        }
        let bad_argument = |what: &str| DecodeError::invalid("OFPBAC_BAD_ARGUMENT", what);
        let action = match kind {
            ofpat::OUTPUT => {
                let port = be16(&b, 4);
                check_output_port(port)?;
                Action::Output {
                    port,
                    max_len: be16(&b, 6),
                }
            }
            ofpat::SET_VLAN_VID => {
                let vid = be16(&b, 4);
                if vid > 0x0fff {
                    return Err(bad_argument("VLAN id above 4095"));
                }
                Action::SetVlanVid(vid)
            }
            ofpat::SET_VLAN_PCP => {
                if b[4] > 7 {
                    return Err(bad_argument("VLAN priority above 7"));
                }
                Action::SetVlanPcp(b[4])
            }
            ofpat::STRIP_VLAN => Action::StripVlan,
            ofpat::SET_DL_SRC => Action::SetDlSrc(bytes_at(&b, 4)),
            ofpat::SET_DL_DST => Action::SetDlDst(bytes_at(&b, 4)),
            ofpat::SET_NW_SRC => Action::SetNwSrc(Ipv4Addr::from(be32(&b, 4))),
            ofpat::SET_NW_DST => Action::SetNwDst(Ipv4Addr::from(be32(&b, 4))),
            ofpat::SET_NW_TOS => {
                if b[4] & 0x03 != 0 {
                    return Err(bad_argument("ToS has ECN bits set"));
                }
                Action::SetNwTos(b[4])
            }
            ofpat::SET_TP_SRC => Action::SetTpSrc(be16(&b, 4)),
            ofpat::SET_TP_DST => Action::SetTpDst(be16(&b, 4)),
            _ => {
                let port = be16(&b, 4);
                if port >= ofpp::MAX && port != ofpp::IN_PORT && port != ofpp::LOCAL {
                    return Err(DecodeError::invalid(
                        "OFPBAC_BAD_OUT_PORT",
                        format!("enqueue to port {port}"),
                    ));
                }
                let queue_id = be32(&b, 12);
                Action::Enqueue { port, queue_id }
            }
        };
        Ok(action)
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.action_type());
        out.put_u16(self.wire_len() as u16);
        match self {
            Action::Output { port, max_len } => {
                out.put_u16(*port);
                out.put_u16(*max_len);
            }
            Action::SetVlanVid(v) => {
                out.put_u16(*v);
                out.put_zeros(2);
            }
            Action::SetVlanPcp(v) | Action::SetNwTos(v) => {
                out.put_u8(*v);
                out.put_zeros(3);
            }
            Action::StripVlan => out.put_zeros(4),
            Action::SetDlSrc(m) | Action::SetDlDst(m) => {
                out.extend_from_slice(m);
                out.put_zeros(6);
            }
            Action::SetNwSrc(a) | Action::SetNwDst(a) => out.extend_from_slice(&a.octets()),
            Action::SetTpSrc(p) | Action::SetTpDst(p) => {
                out.put_u16(*p);
                out.put_zeros(2);
            }
            Action::Enqueue { port, queue_id } => {
                out.put_u16(*port);
                out.put_zeros(6);
                out.put_u32(*queue_id);
            }
            Action::Vendor(v) => v.emit(out),
        }
    }

    /// Adds one `of.action` group at message offset `at`.
    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let end = at + self.wire_len();
        // The group shows its type; the list above it carries the ovs-ofctl text, so a
        // tree is not formatted twice.
        t.open_with(
            &hf::OF_ACTION,
            Value::Named {
                value: self.action_type().into(),
                name: self.type_name(),
            },
            at..end,
        );
        t.leaf(
            &hf::OF_ACTION_TYPE,
            Value::Named {
                value: self.action_type().into(),
                name: self.type_name(),
            },
            at..at + 2,
        );
        t.leaf(
            &hf::OF_ACTION_LEN,
            Value::Uint(self.wire_len() as u64),
            at + 2..at + 4,
        );
        let v = at + 4;
        match self {
            Action::Output { port, max_len } => {
                t.leaf(&hf::OF_OUTPUT_PORT, port_value(*port), v..v + 2);
                t.leaf(
                    &hf::OF_OUTPUT_MAX_LEN,
                    Value::Uint((*max_len).into()),
                    v + 2..v + 4,
                );
            }
            Action::SetVlanVid(vid) => t.leaf(
                &hf::OF_ACTION_VLAN_VID,
                Value::Uint((*vid).into()),
                v..v + 2,
            ),
            Action::SetVlanPcp(pcp) => t.leaf(
                &hf::OF_ACTION_VLAN_PCP,
                Value::Uint((*pcp).into()),
                v..v + 1,
            ),
            Action::StripVlan => {}
            Action::SetDlSrc(m) | Action::SetDlDst(m) => {
                t.leaf(&hf::OF_ACTION_DL_ADDR, Value::Mac(*m), v..v + 6)
            }
            Action::SetNwSrc(a) | Action::SetNwDst(a) => {
                t.leaf(&hf::OF_ACTION_NW_ADDR, Value::Ipv4(*a), v..v + 4)
            }
            Action::SetNwTos(tos) => {
                t.leaf(&hf::OF_ACTION_NW_TOS, Value::Uint((*tos).into()), v..v + 1)
            }
            Action::SetTpSrc(p) | Action::SetTpDst(p) => {
                t.leaf(&hf::OF_ACTION_TP_PORT, Value::Uint((*p).into()), v..v + 2)
            }
            Action::Enqueue { port, queue_id } => {
                t.leaf(&hf::OF_ENQUEUE_PORT, port_value(*port), v..v + 2);
                t.leaf(
                    &hf::OF_ENQUEUE_QUEUE_ID,
                    Value::Uint((*queue_id).into()),
                    v + 8..v + 12,
                );
            }
            Action::Vendor(va) => va.build_tree(t, v),
        }
        t.close();
    }
}

/// The output ports Open vSwitch accepts in an OF1.0 OUTPUT action.
fn check_output_port(port: u16) -> Result<()> {
    if port < ofpp::MAX || (ofpp::IN_PORT..=ofpp::LOCAL).contains(&port) {
        Ok(())
    } else {
        Err(DecodeError::invalid(
            "OFPBAC_BAD_OUT_PORT",
            format!("output to port {port}"),
        ))
    }
}

impl fmt::Display for Action {
    /// ovs-ofctl syntax for one action (`output:2`, `mod_vlan_vid:10`, `CONTROLLER:65535`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Output { port, max_len } => match *port {
                ofpp::CONTROLLER => write!(f, "CONTROLLER:{max_len}"),
                p if p < ofpp::MAX => write!(f, "output:{p}"),
                p => write!(f, "{}", PortDisplay(p)),
            },
            Action::SetVlanVid(v) => write!(f, "mod_vlan_vid:{v}"),
            Action::SetVlanPcp(v) => write!(f, "mod_vlan_pcp:{v}"),
            Action::StripVlan => f.write_str("strip_vlan"),
            Action::SetDlSrc(m) => write!(f, "mod_dl_src:{}", fmt_mac(m)),
            Action::SetDlDst(m) => write!(f, "mod_dl_dst:{}", fmt_mac(m)),
            Action::SetNwSrc(a) => write!(f, "mod_nw_src:{a}"),
            Action::SetNwDst(a) => write!(f, "mod_nw_dst:{a}"),
            Action::SetNwTos(v) => write!(f, "mod_nw_tos:{v}"),
            Action::SetTpSrc(v) => write!(f, "mod_tp_src:{v}"),
            Action::SetTpDst(v) => write!(f, "mod_tp_dst:{v}"),
            Action::Enqueue { port, queue_id } => {
                write!(f, "enqueue:{}:{queue_id}", PortDisplay(*port))
            }
            Action::Vendor(v) => write!(f, "{v}"),
        }
    }
}

/// Where an action list sits: some extension actions are valid only inside others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nesting {
    /// A message's own list (or inside `clone(...)`).
    TopLevel,
    /// Inside Nicira's `ct(exec(...))`, where ct_mark and ct_label may be written.
    CtExec,
    /// Formatting an action that was already checked where it was decoded.
    Unchecked,
}

/// Decodes the action list that fills the reader.
pub fn parse_actions(r: &mut Reader) -> Result<Vec<Action>> {
    parse_actions_in(r, Nesting::TopLevel)
}

pub(crate) fn parse_actions_in(r: &mut Reader, nesting: Nesting) -> Result<Vec<Action>> {
    // Most actions are 8 bytes: one allocation in the common case.
    let mut out = Vec::with_capacity(r.remaining() / 8);
    r.items(&mut out, |r| Action::parse(r, nesting))?;
    Ok(out)
}

/// Decodes a bare action list (as in ovs-ofctl's `ofp-actions` test vectors).
pub fn actions_from_bytes(bytes: &[u8]) -> Result<Vec<Action>> {
    parse_actions(&mut Reader::new(bytes))
}

pub fn emit_actions(actions: &[Action], out: &mut Vec<u8>) {
    for a in actions {
        a.emit(out);
    }
}

pub fn actions_len(actions: &[Action]) -> usize {
    actions.iter().map(Action::wire_len).sum()
}

/// Adds the `of.actions` list laid out from `at`.
pub fn actions_tree(actions: &[Action], t: &mut Tree, at: usize) {
    let mut text = String::with_capacity(16 * actions.len().max(1));
    let _ = write!(text, "{}", Actions(actions));
    t.open_with(
        &hf::OF_ACTIONS,
        Value::Text(text),
        at..at + actions_len(actions),
    );
    let mut off = at;
    for a in actions {
        a.build_tree(t, off);
        off += a.wire_len();
    }
    t.close();
}

/// An action list displayed as ovs-ofctl does after `actions=`: comma-separated, or `drop`.
#[derive(Debug, Clone, Copy)]
pub struct Actions<'a>(pub &'a [Action]);

impl fmt::Display for Actions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("drop");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Actions", "";
        OF_ACTION_VENDOR = "of.action.vendor", Named, "Vendor", "vendor of a VENDOR action";
        OF_ACTION_SUBTYPE = "of.action.subtype", Named, "Subtype", "Nicira `NXAST_*` (shown lower case: `resubmit`, `learn`, `ct`, ...) or Big Switch subtype";
        OF_ACTION_DATA = "of.action.data", Bytes, "Data", "the vendor action body";
        OF_ACTION = "of.action", Group, "Action", "one action; its value is its type (the list above carries the text)";
        OF_ACTION_TYPE = "of.action.type", Named, "Type", "`OUTPUT`, `SET_VLAN_VID`, `SET_VLAN_PCP`, `STRIP_VLAN`, `SET_DL_SRC`, `SET_DL_DST`, `SET_NW_SRC`, `SET_NW_DST`, `SET_NW_TOS`, `SET_TP_SRC`, `SET_TP_DST`, `ENQUEUE`, `VENDOR`";
        OF_ACTION_LEN = "of.action.len", Uint, "Length", "length of the action in bytes";
        OF_OUTPUT_PORT = "of.output.port", Named, "Port", "OUTPUT's port";
        OF_OUTPUT_MAX_LEN = "of.output.max_len", Uint, "Max length", "bytes sent to the controller";
        OF_ACTION_VLAN_VID = "of.action.vlan_vid", Uint, "VLAN id", "SET_VLAN_VID's VLAN id";
        OF_ACTION_VLAN_PCP = "of.action.vlan_pcp", Uint, "VLAN priority", "SET_VLAN_PCP's priority";
        OF_ACTION_DL_ADDR = "of.action.dl_addr", Mac, "Ethernet address", "SET_DL_SRC / SET_DL_DST";
        OF_ACTION_NW_ADDR = "of.action.nw_addr", Ipv4, "IP address", "SET_NW_SRC / SET_NW_DST";
        OF_ACTION_NW_TOS = "of.action.nw_tos", Uint, "IP ToS", "SET_NW_TOS's ToS byte";
        OF_ACTION_TP_PORT = "of.action.tp_port", Uint, "Transport port", "SET_TP_SRC / SET_TP_DST";
        OF_ENQUEUE_PORT = "of.enqueue.port", Named, "Port", "ENQUEUE's port";
        OF_ENQUEUE_QUEUE_ID = "of.enqueue.queue_id", Uint, "Queue id", "ENQUEUE's queue";
        OF_ACTIONS = "of.actions", List, "Actions", "of `of.action`; its value is the ovs-ofctl text (`output:2,mod_vlan_vid:10`)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn formats_and_round_trips() {
        let bytes = hex("00000008fffd04d20001000800090000000b0010000a00000000000000000037");
        let actions = actions_from_bytes(&bytes).unwrap();
        assert_eq!(
            Actions(&actions).to_string(),
            "CONTROLLER:1234,mod_vlan_vid:9,enqueue:10:55"
        );
        let mut out = Vec::new();
        emit_actions(&actions, &mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn rejects_what_ovs_rejects() {
        let code = |h: &str| match actions_from_bytes(&hex(h)) {
            Err(DecodeError::Invalid { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code("00000010fffeffff0000000000000000"), "OFPBAC_BAD_LEN");
        assert_eq!(code("000000f000000000"), "OFPBAC_BAD_LEN");
        assert_eq!(code("00000008ffff0000"), "OFPBAC_BAD_OUT_PORT");
        assert_eq!(code("000c000800000000"), "OFPBAC_BAD_TYPE");
    }
}
