//! PACKET_IN and PACKET_OUT. The frame they carry is decoded by [`crate::frame`].
//!
//! `sizeof(ofp_packet_in)` is 20 because of trailing struct padding, but the frame starts
//! at offset 18 of the message: there is no padding before `data` on the wire.

use std::fmt;

use super::action::{actions_len, actions_tree, emit_actions, parse_actions, Action, Actions};
use super::port::{named_or_unknown, port_value, PortDisplay};
use super::wire::{be16, be32, lookup, DecodeError, Put, Reader, Result};
use crate::frame::Frame;
use crate::tree::{Tree, Value};

/// `buffer_id` meaning "not buffered: the whole frame is in `data`".
pub const NO_BUFFER: u32 = 0xffff_ffff;

/// Where the frame starts in a PACKET_IN message.
pub const PACKET_IN_DATA_OFFSET: usize = 18;
const PACKET_OUT_FIXED_LEN: usize = 8;

const REASON_NAMES: &[(u8, &str)] = &[(0, "NO_MATCH"), (1, "ACTION")];

/// A buffer id for the tree: `NONE` for 0xffffffff.
pub fn buffer_value(id: u32) -> Value {
    if id == NO_BUFFER {
        Value::Named {
            value: id.into(),
            name: "NONE",
        }
    } else {
        Value::Hex {
            value: id.into(),
            digits: 8,
        }
    }
}

/// `buffer=none` or `buffer=0x00000111`.
pub struct BufferDisplay(pub u32);

impl fmt::Display for BufferDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            NO_BUFFER => f.write_str("none"),
            id => write!(f, "0x{id:08x}"),
        }
    }
}

/// Adds the `data` group: the decoded frame, its ranges relative to the message.
fn frame_tree(data: &[u8], t: &mut Tree, at: usize) {
    t.open(&hf::DATA, at..at + data.len());
    t.with_base(at, |t| Frame::parse(data).build_tree(t));
    t.close();
}

/// ` | <frame summary>` when the frame decoder has something to say.
fn frame_summary(data: &[u8], out: &mut fmt::Formatter<'_>) -> fmt::Result {
    let summary = Frame::parse(data).summary();
    if summary.is_empty() {
        Ok(())
    } else {
        write!(out, " | {summary}")
    }
}

/// PACKET_IN body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PacketIn {
    pub buffer_id: u32,
    /// Length of the frame as the switch saw it; `data` may be shorter (miss_send_len).
    pub total_len: u16,
    pub in_port: u16,
    /// `OFPR_NO_MATCH` 0, `OFPR_ACTION` 1.
    pub reason: u8,
    pub data: Vec<u8>,
}

impl PacketIn {
    pub(crate) fn parse(r: &mut Reader) -> Result<PacketIn> {
        let f: [u8; 10] = r.array("ofp_packet_in")?;
        Ok(PacketIn {
            buffer_id: be32(&f, 0),
            total_len: be16(&f, 4),
            in_port: be16(&f, 6),
            reason: f[8],
            data: r.rest().to_vec(),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.buffer_id);
        out.put_u16(self.total_len);
        out.put_u16(self.in_port);
        out.put_u8(self.reason);
        out.put_zeros(1);
        out.extend_from_slice(&self.data);
    }

    pub fn reason_name(&self) -> Option<&'static str> {
        lookup(REASON_NAMES, self.reason)
    }

    /// Whether the switch sent less of the frame than it received.
    pub fn is_truncated(&self) -> bool {
        self.data.len() < usize::from(self.total_len)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_PACKET_IN, at..at + 10 + self.data.len());
        t.leaf(
            &hf::OF_PACKET_IN_BUFFER_ID,
            buffer_value(self.buffer_id),
            at..at + 4,
        );
        t.leaf(
            &hf::OF_PACKET_IN_TOTAL_LEN,
            Value::Uint(self.total_len.into()),
            at + 4..at + 6,
        );
        t.leaf(
            &hf::OF_PACKET_IN_IN_PORT,
            port_value(self.in_port),
            at + 6..at + 8,
        );
        t.leaf(
            &hf::OF_PACKET_IN_REASON,
            named_or_unknown(self.reason.into(), self.reason_name()),
            at + 8..at + 9,
        );
        let data_at = at + 10;
        t.leaf(
            &hf::OF_PACKET_IN_DATA_LEN,
            Value::Uint(self.data.len() as u64),
            data_at..data_at + self.data.len(),
        );
        if self.is_truncated() {
            t.leaf(
                &hf::OF_PACKET_IN_TRUNCATED,
                Value::Bool(true),
                data_at..data_at + self.data.len(),
            );
        }
        frame_tree(&self.data, t, data_at);
        t.close();
    }
}

impl fmt::Display for PacketIn {
    /// `in_port=3 NO_MATCH buffer=none total_len=42 | ARP who-has 10.0.0.1 tell 10.0.0.3`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in_port={} ", PortDisplay(self.in_port))?;
        match self.reason_name() {
            Some(n) => f.write_str(n)?,
            None => write!(f, "reason={}", self.reason)?,
        }
        write!(
            f,
            " buffer={} total_len={}",
            BufferDisplay(self.buffer_id),
            self.total_len
        )?;
        if self.is_truncated() {
            write!(f, " data_len={}", self.data.len())?;
        }
        frame_summary(&self.data, f)
    }
}

/// PACKET_OUT body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PacketOut {
    pub buffer_id: u32,
    pub in_port: u16,
    pub actions: Vec<Action>,
    /// The frame to send when `buffer_id` is NO_BUFFER (else normally empty).
    pub data: Vec<u8>,
}

impl PacketOut {
    pub(crate) fn parse(r: &mut Reader) -> Result<PacketOut> {
        let buffer_id = r.u32("packet_out buffer_id")?;
        let in_port = r.u16("packet_out in_port")?;
        let actions_len = usize::from(r.u16("packet_out actions_len")?);
        if actions_len > r.remaining() {
            return Err(DecodeError::invalid(
                "OFPBRC_BAD_LEN",
                format!(
                    "actions_len {actions_len} exceeds the {} bytes left",
                    r.remaining()
                ),
            ));
        }
        let mut list = r.sub(actions_len, "packet_out actions")?;
        let actions = parse_actions(&mut list)?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            actions,
            data: r.rest().to_vec(),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.buffer_id);
        out.put_u16(self.in_port);
        out.put_u16(actions_len(&self.actions) as u16);
        emit_actions(&self.actions, out);
        out.extend_from_slice(&self.data);
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let alen = actions_len(&self.actions);
        let data_at = at + PACKET_OUT_FIXED_LEN + alen;
        t.open(&hf::OF_PACKET_OUT, at..data_at + self.data.len());
        t.leaf(
            &hf::OF_PACKET_OUT_BUFFER_ID,
            buffer_value(self.buffer_id),
            at..at + 4,
        );
        t.leaf(
            &hf::OF_PACKET_OUT_IN_PORT,
            port_value(self.in_port),
            at + 4..at + 6,
        );
        t.leaf(
            &hf::OF_PACKET_OUT_ACTIONS_LEN,
            Value::Uint(alen as u64),
            at + 6..at + 8,
        );
        actions_tree(&self.actions, t, at + PACKET_OUT_FIXED_LEN);
        if !self.data.is_empty() {
            frame_tree(&self.data, t, data_at);
        }
        t.close();
    }
}

impl fmt::Display for PacketOut {
    /// `in_port=CONTROLLER actions=FLOOD buffer=none data_len=60 | <frame>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in_port={} actions={} buffer={}",
            PortDisplay(self.in_port),
            Actions(&self.actions),
            BufferDisplay(self.buffer_id)
        )?;
        if !self.data.is_empty() {
            write!(f, " data_len={}", self.data.len())?;
            frame_summary(&self.data, f)?;
        }
        Ok(())
    }
}

super::types::body_codec!(PacketIn, PacketOut);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "PACKET_IN, PACKET_OUT", "";
        DATA = "data", Group, "Frame", "the carried frame, decoded by the frame dissector (its keys: see the frame section). It starts at message offset 18 in a PACKET_IN";
        OF_PACKET_IN = "of.packet_in", Group, "Packet in", "PACKET_IN body";
        OF_PACKET_IN_BUFFER_ID = "of.packet_in.buffer_id", Named, "Buffer id", "the switch buffer holding the packet; `NONE` (0xffffffff) when it is not buffered";
        OF_PACKET_IN_TOTAL_LEN = "of.packet_in.total_len", Uint, "Total length", "frame length on the switch";
        OF_PACKET_IN_IN_PORT = "of.packet_in.in_port", Named, "In port", "the port the packet came in on (a reserved port by its name)";
        OF_PACKET_IN_REASON = "of.packet_in.reason", Named, "Reason", "`NO_MATCH`, `ACTION`";
        OF_PACKET_IN_DATA_LEN = "of.packet_in.data_len", Uint, "Data length", "bytes of frame carried (may be less than total_len)";
        OF_PACKET_IN_TRUNCATED = "of.packet_in.truncated", Bool, "Truncated", "present when the switch sent less than total_len";
        OF_PACKET_OUT = "of.packet_out", Group, "Packet out", "PACKET_OUT body";
        OF_PACKET_OUT_BUFFER_ID = "of.packet_out.buffer_id", Named, "Buffer id", "the switch buffer holding the packet; `NONE` (0xffffffff) when it is not buffered";
        OF_PACKET_OUT_IN_PORT = "of.packet_out.in_port", Named, "In port", "the port the packet is treated as having come in on (`NONE` for none)";
        OF_PACKET_OUT_ACTIONS_LEN = "of.packet_out.actions_len", Uint, "Actions length", "bytes of actions";
    }
}
