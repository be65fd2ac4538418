//! A decision: one trigger and what the controller emitted for it, rendered in the
//! normalised form that goldens store and comparisons use (STS-style): xid and cookie left
//! out, buffer ids by reference to the PacketIn, matches after OF1.0.1 normalisation, match
//! and actions in ovs-ofctl syntax, frames as their one-line summary.

use std::fmt;

use ofscope_dissectors::frame::Frame;
use ofscope_dissectors::openflow::flow_mod::{ofpfc, FLOW_MOD_FLAG_NAMES};
use ofscope_dissectors::openflow::port::{flag_text, PortDisplay};
use ofscope_dissectors::openflow::types::type_name;
use ofscope_dissectors::openflow::{Actions, Body, Message, NO_BUFFER};
use ofscope_dissectors::printable::Printable;
use serde::{Deserialize, Serialize};

use super::apps::Output;
use crate::session::format_dpid;

/// The trigger type of a frame read from the TAP.
pub const TAP: &str = "TAP";

/// What triggered a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The capture frame that completed the message (for TAP input: the frame number in the
    /// TAP capture).
    pub frame: u64,
    pub ts_ns: u64,
    /// As ovs writes it: 16 hex digits in colon-separated pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpid: Option<String>,
    /// The OFPT name (`PACKET_IN`), or `TAP` for a frame read from the TAP.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_port: Option<u16>,
    pub summary: String,
}

/// One emitted message. Fields that do not apply to its type are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emit {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub match_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_timeout: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u16>,
    /// `none`, `packet_in` (the trigger's own buffer), or the id in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<String>,
    /// PACKET_OUT's in_port, as ovs-ofctl writes ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// The frame's summary; a frame that is not the PacketIn's own also gets its length and
    /// a digest of its bytes, so that any byte change shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub trigger: Trigger,
    pub emit: Vec<Emit>,
    pub tap: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

/// Per-run totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// PacketIns that reached the controller's apps.
    pub packet_ins: u64,
    /// FLOW_MOD ADDs sent.
    pub flows: u64,
    /// PACKET_OUTs to FLOOD or ALL.
    pub floods: u64,
    pub tap_writes: u64,
    /// Closed loop only: recorded frames the simulated flow tables forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<u64>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} PacketIns reached the controller, {} flows installed, {} floods",
            self.packet_ins, self.flows, self.floods
        )?;
        if let Some(n) = self.forwarded {
            write!(f, ", {n} frames forwarded by flows")?;
        }
        if self.tap_writes > 0 {
            write!(f, ", {} TAP writes", self.tap_writes)?;
        }
        Ok(())
    }
}

/// The PacketIn a decision refers to, for buffer and data references.
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketRef<'a> {
    pub buffer_id: Option<u32>,
    pub data: &'a [u8],
}

impl Trigger {
    /// The trigger for a switch→controller message.
    pub fn from_message(frame: u64, ts_ns: u64, dpid: Option<u64>, message: &Message) -> Trigger {
        let (in_port, summary) = match &message.body {
            Body::PacketIn(pin) => (Some(pin.in_port), Frame::parse(&pin.data).summary()),
            _ => (None, summary_detail(&message.summary())),
        };
        Trigger {
            frame,
            ts_ns,
            dpid: dpid.map(format_dpid),
            kind: message.type_name().to_owned(),
            in_port,
            summary,
        }
    }

    /// The trigger for a frame read from the TAP, with the switch whose tunnel took it.
    pub fn tap(frame: u64, ts_ns: u64, data: &[u8], dpid: Option<u64>) -> Trigger {
        Trigger {
            frame,
            ts_ns,
            dpid: dpid.map(format_dpid),
            kind: TAP.to_owned(),
            in_port: None,
            summary: Frame::parse(data).summary(),
        }
    }
}

/// The PacketIn fields a trigger's emitted messages may refer to.
pub fn packet_ref(message: Option<&Message>) -> PacketRef<'_> {
    match message.map(|m| &m.body) {
        Some(Body::PacketIn(pin)) => PacketRef {
            buffer_id: Some(pin.buffer_id),
            data: &pin.data,
        },
        _ => PacketRef::default(),
    }
}

impl Decision {
    pub fn new(trigger: Trigger, packet: PacketRef, outputs: &[Output]) -> Decision {
        let mut d = Decision {
            trigger,
            emit: Vec::new(),
            tap: Vec::new(),
            findings: Vec::new(),
        };
        for output in outputs {
            match output {
                Output::Send(body) => d.emit.push(Emit::new(body, packet)),
                Output::Tap(frame) => d.tap.push(frame_text(frame, &[])),
                Output::Finding(text) => d.findings.push(text.clone()),
            }
        }
        d
    }
}

impl Emit {
    pub fn new(body: &Body, packet: PacketRef) -> Emit {
        let mut e = Emit {
            // As `Message::new` would head it, without copying and encoding the body.
            kind: type_name(body.msg_type().unwrap_or(0))
                .unwrap_or("UNKNOWN")
                .to_owned(),
            command: None,
            match_: None,
            actions: None,
            idle_timeout: None,
            hard_timeout: None,
            priority: None,
            buffer: None,
            in_port: None,
            out_port: None,
            flags: None,
            data: None,
        };
        let buffer = |id: u32| match id {
            NO_BUFFER => "none".to_owned(),
            id if Some(id) == packet.buffer_id => "packet_in".to_owned(),
            id => format!("0x{id:08x}"),
        };
        match body {
            Body::FlowMod(fm) => {
                e.command = Some(
                    fm.command_name()
                        .map_or_else(|| fm.command.to_string(), str::to_owned),
                );
                e.match_ = Some(fm.match_.normalize().to_string());
                // A delete ignores what only an added flow has; a non-strict one also
                // ignores the priority.
                let delete = matches!(fm.command, ofpfc::DELETE | ofpfc::DELETE_STRICT);
                if delete {
                    e.out_port = Some(PortDisplay(fm.out_port).to_string());
                } else {
                    e.actions = Some(Actions(&fm.actions).to_string());
                    e.idle_timeout = Some(fm.idle_timeout);
                    e.hard_timeout = Some(fm.hard_timeout);
                    e.buffer = Some(buffer(fm.buffer_id));
                }
                if fm.command != ofpfc::DELETE {
                    e.priority = Some(fm.priority);
                }
                if fm.flags != 0 {
                    e.flags = Some(flag_text(fm.flags.into(), FLOW_MOD_FLAG_NAMES));
                }
            }
            Body::PacketOut(po) => {
                e.actions = Some(Actions(&po.actions).to_string());
                e.buffer = Some(buffer(po.buffer_id));
                e.in_port = Some(PortDisplay(po.in_port).to_string());
                if !po.data.is_empty() {
                    e.data = Some(frame_text(&po.data, packet.data));
                }
            }
            Body::SetConfig(c) => {
                e.flags = Some(c.flags.to_string());
                e.data = Some(format!("miss_send_len={}", c.miss_send_len));
            }
            Body::EchoReply(data) | Body::EchoRequest(data) if !data.is_empty() => {
                e.data = Some(bytes_text(data));
            }
            Body::EchoReply(_) | Body::EchoRequest(_) | Body::BarrierRequest => {}
            _ => {
                let detail = summary_detail(&Message::new(0, body.clone()).summary());
                if !detail.is_empty() {
                    e.data = Some(detail);
                }
            }
        }
        e
    }
}

/// A message summary without its type name and xid, which the decision already says or
/// ignores.
fn summary_detail(summary: &str) -> String {
    summary
        .split(' ')
        .skip(1)
        .filter(|word| !word.starts_with("xid="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A frame's summary; when it is not `own` (the PacketIn's frame), also its length and a
/// digest of its bytes.
fn frame_text(data: &[u8], own: &[u8]) -> String {
    let summary = Frame::parse(data).summary();
    if data == own {
        summary
    } else {
        format!("{summary} [{}]", bytes_text(data))
    }
}

fn bytes_text(data: &[u8]) -> String {
    format!("{} bytes, fnv1a {:08x}", data.len(), fnv1a(data))
}

/// 32-bit FNV-1a: a stable digest, so goldens stay small but a changed byte still shows.
fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5, |h: u32, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

impl fmt::Display for Emit {
    /// ovs-ofctl-like: `FLOW_MOD ADD in_port=1,dl_dst=... idle=5 hard=0 priority=32768
    /// buffer=none actions=output:2`.
    /// Its text comes from a capture or a golden file, which anyone may have written: it is
    /// shown escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Printable(&self.kind))?;
        if let Some(c) = &self.command {
            write!(f, " {}", Printable(c))?;
        }
        if let Some(m) = &self.match_ {
            write!(f, " {}", Printable(if m.is_empty() { "(all)" } else { m }))?;
        }
        let num = |v: Option<u16>| v.map(|n| n.to_string());
        let items = [
            ("in_port", self.in_port.clone()),
            ("idle", num(self.idle_timeout)),
            ("hard", num(self.hard_timeout)),
            ("priority", num(self.priority)),
            ("buffer", self.buffer.clone()),
            ("out_port", self.out_port.clone()),
            ("flags", self.flags.clone()),
            ("actions", self.actions.clone()),
        ];
        for (key, value) in items {
            if let Some(v) = value {
                write!(f, " {key}={}", Printable(&v))?;
            }
        }
        if let Some(d) = &self.data {
            write!(f, " | {}", Printable(d))?;
        }
        Ok(())
    }
}

impl fmt::Display for Trigger {
    /// `frame 12 PACKET_IN dpid 0000000000000001 in_port 1 | ARP who-has ...`
    /// Escaped, as an [`Emit`] is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame {} {}", self.frame, Printable(&self.kind))?;
        if let Some(d) = &self.dpid {
            write!(f, " dpid {}", Printable(d))?;
        }
        if let Some(p) = self.in_port {
            write!(f, " in_port {p}")?;
        }
        if !self.summary.is_empty() {
            write!(f, " | {}", Printable(&self.summary))?;
        }
        Ok(())
    }
}

impl crate::output::report::Report for Decision {}

impl fmt::Display for Decision {
    /// The trigger, then one indented line per emitted message, TAP write and finding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.trigger)?;
        if self.emit.is_empty() && self.tap.is_empty() && self.findings.is_empty() {
            writeln!(f, "    (nothing)")?;
        }
        for e in &self.emit {
            writeln!(f, "    {e}")?;
        }
        for t in &self.tap {
            writeln!(f, "    TAP {}", Printable(t))?;
        }
        for x in &self.findings {
            writeln!(f, "    finding: {}", Printable(x))?;
        }
        Ok(())
    }
}
