//! QUEUE_GET_CONFIG request and reply, with queue properties.

use std::fmt;

use super::port::{port_value, PortDisplay};
use super::wire::{lookup, DecodeError, Put, Reader, Result};
use crate::tree::{Tree, Value};

const OFPQT_MIN_RATE: u16 = 1;
const PROP_NAMES: &[(u16, &str)] = &[(0, "NONE"), (1, "MIN_RATE"), (2, "MAX_RATE")];

/// QUEUE_GET_CONFIG_REQUEST body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueGetConfigRequest {
    pub port: u16,
}

impl QueueGetConfigRequest {
    pub(crate) fn parse(r: &mut Reader) -> Result<QueueGetConfigRequest> {
        let port = r.u16("queue config port")?;
        r.pad(2)?;
        Ok(QueueGetConfigRequest { port })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port);
        out.put_zeros(2);
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_QUEUE_GET_CONFIG, at..at + 4);
        t.leaf(
            &hf::OF_QUEUE_GET_CONFIG_PORT,
            port_value(self.port),
            at..at + 2,
        );
        t.close();
    }
}

impl fmt::Display for QueueGetConfigRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "port={}", PortDisplay(self.port))
    }
}

/// A queue property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueProperty {
    /// Minimum rate in tenths of a percent; above 1000 means disabled.
    MinRate(u16),
    /// Any other property: its type and the bytes after its 8-byte header.
    Other { property: u16, data: Vec<u8> },
}

impl QueueProperty {
    fn wire_len(&self) -> usize {
        match self {
            QueueProperty::MinRate(_) => 16,
            QueueProperty::Other { data, .. } => 8 + data.len(),
        }
    }

    fn property(&self) -> u16 {
        match self {
            QueueProperty::MinRate(_) => OFPQT_MIN_RATE,
            QueueProperty::Other { property, .. } => *property,
        }
    }

    fn parse(r: &mut Reader) -> Result<QueueProperty> {
        let property = r.u16("queue property type")?;
        let len = usize::from(r.u16("queue property length")?);
        if len < 8 || len - 4 > r.remaining() {
            return Err(DecodeError::invalid(
                "OFPBRC_BAD_LEN",
                format!("queue property of length {len}"),
            ));
        }
        r.pad(4)?;
        if property == OFPQT_MIN_RATE && len == 16 {
            let rate = r.u16("min rate")?;
            r.pad(6)?;
            return Ok(QueueProperty::MinRate(rate));
        }
        Ok(QueueProperty::Other {
            property,
            data: r.take(len - 8, "queue property")?.to_vec(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.property());
        out.put_u16(self.wire_len() as u16);
        out.put_zeros(4);
        match self {
            QueueProperty::MinRate(rate) => {
                out.put_u16(*rate);
                out.put_zeros(6);
            }
            QueueProperty::Other { data, .. } => out.extend_from_slice(data),
        }
    }
}

fn rate_text(rate: u16) -> String {
    if rate > 1000 {
        "disabled".to_owned()
    } else {
        format!("{}.{}%", rate / 10, rate % 10)
    }
}

impl fmt::Display for QueueProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueProperty::MinRate(rate) => write!(f, "min_rate:{}", rate_text(*rate)),
            QueueProperty::Other { property, data } => match (property, data.first_chunk()) {
                (2, Some(&rate)) => write!(f, "max_rate:{}", rate_text(u16::from_be_bytes(rate))),
                _ => write!(f, "property{}:{} bytes", property, data.len()),
            },
        }
    }
}

/// `ofp_packet_queue`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PacketQueue {
    pub queue_id: u32,
    pub properties: Vec<QueueProperty>,
}

impl PacketQueue {
    pub fn wire_len(&self) -> usize {
        8 + self
            .properties
            .iter()
            .map(QueueProperty::wire_len)
            .sum::<usize>()
    }

    fn parse(r: &mut Reader) -> Result<PacketQueue> {
        let queue_id = r.u32("queue id")?;
        let len = usize::from(r.u16("queue length")?);
        if len < 8 || len - 6 > r.remaining() {
            return Err(DecodeError::invalid(
                "OFPBRC_BAD_LEN",
                format!("queue of length {len}"),
            ));
        }
        r.pad(2)?;
        let mut props = r.sub(len - 8, "queue properties")?;
        let mut properties = Vec::new();
        while !props.is_empty() {
            properties.push(QueueProperty::parse(&mut props)?);
        }
        Ok(PacketQueue {
            queue_id,
            properties,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.queue_id);
        out.put_u16(self.wire_len() as u16);
        out.put_zeros(2);
        for p in &self.properties {
            p.emit(out);
        }
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open_with(
            &hf::OF_QUEUE,
            Value::Text(self.to_string()),
            at..at + self.wire_len(),
        );
        t.leaf(
            &hf::OF_QUEUE_QUEUE_ID,
            Value::Uint(self.queue_id.into()),
            at..at + 4,
        );
        t.open(&hf::OF_QUEUE_PROPERTIES, at + 8..at + self.wire_len());
        let mut off = at + 8;
        for p in &self.properties {
            let end = off + p.wire_len();
            t.open_with(&hf::OF_QUEUE_PROPERTY, Value::Text(p.to_string()), off..end);
            t.leaf(
                &hf::OF_QUEUE_PROPERTY_TYPE,
                super::port::named_or_unknown(
                    p.property().into(),
                    lookup(PROP_NAMES, p.property()),
                ),
                off..off + 2,
            );
            match p {
                QueueProperty::MinRate(rate) => t.leaf(
                    &hf::OF_QUEUE_PROPERTY_RATE,
                    Value::Uint((*rate).into()),
                    off + 8..off + 10,
                ),
                QueueProperty::Other { .. } => t.leaf(
                    &hf::OF_QUEUE_PROPERTY_DATA,
                    Value::Bytes(off + 8..end),
                    off + 8..end,
                ),
            }
            t.close();
            off = end;
        }
        t.close();
        t.close();
    }
}

impl fmt::Display for PacketQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "queue {}:", self.queue_id)?;
        for p in &self.properties {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

/// QUEUE_GET_CONFIG_REPLY body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueGetConfigReply {
    pub port: u16,
    pub queues: Vec<PacketQueue>,
}

impl QueueGetConfigReply {
    pub(crate) fn parse(r: &mut Reader) -> Result<QueueGetConfigReply> {
        let port = r.u16("queue config port")?;
        r.pad(6)?;
        let mut queues = Vec::new();
        r.items(&mut queues, PacketQueue::parse)?;
        Ok(QueueGetConfigReply { port, queues })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port);
        out.put_zeros(6);
        for q in &self.queues {
            q.emit(out);
        }
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let end = at + 8 + self.queues.iter().map(PacketQueue::wire_len).sum::<usize>();
        t.open(&hf::OF_QUEUE_CONFIG, at..end);
        t.leaf(&hf::OF_QUEUE_CONFIG_PORT, port_value(self.port), at..at + 2);
        t.open(&hf::OF_QUEUES, at + 8..end);
        let mut off = at + 8;
        for q in &self.queues {
            q.build_tree(t, off);
            off += q.wire_len();
        }
        t.close();
        t.close();
    }
}

impl fmt::Display for QueueGetConfigReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "port={}", PortDisplay(self.port))?;
        for q in &self.queues {
            write!(f, " {q}")?;
        }
        Ok(())
    }
}

super::types::body_codec!(QueueGetConfigRequest, QueueGetConfigReply);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "QUEUE_GET_CONFIG", "";
        OF_QUEUE_GET_CONFIG = "of.queue_get_config", Group, "Queue config request", "request";
        OF_QUEUE_GET_CONFIG_PORT = "of.queue_get_config.port", Named, "Port", "request";
        OF_QUEUE = "of.queue", Group, "Queue", "one queue and its properties";
        OF_QUEUE_QUEUE_ID = "of.queue.queue_id", Uint, "Queue id", "queue number";
        OF_QUEUE_PROPERTIES = "of.queue.properties", List, "Properties", "of `of.queue.property`";
        OF_QUEUE_PROPERTY = "of.queue.property", Group, "Property", "one property";
        OF_QUEUE_PROPERTY_TYPE = "of.queue.property.type", Named, "Type", "`NONE`, `MIN_RATE`, `MAX_RATE`";
        OF_QUEUE_PROPERTY_RATE = "of.queue.property.rate", Uint, "Rate (1/10 %)", "MIN_RATE in tenths of a percent";
        OF_QUEUE_PROPERTY_DATA = "of.queue.property.data", Bytes, "Data", "other properties";
        OF_QUEUE_CONFIG = "of.queue_config", Group, "Queue config", "reply";
        OF_QUEUE_CONFIG_PORT = "of.queue_config.port", Named, "Port", "reply";
        OF_QUEUES = "of.queues", List, "Queues", "of `of.queue`";
    }
}
