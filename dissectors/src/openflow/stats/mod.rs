//! STATS_REQUEST and STATS_REPLY: DESC, FLOW, AGGREGATE, TABLE, PORT, QUEUE and VENDOR
//! bodies, multi-entry replies and the REPLY_MORE flag. This file holds the stats numbers,
//! the request and reply with their dispatch, and the helpers they share; each body is its
//! own file with its own fields.

use std::fmt;

use super::port::{named_or_unknown, port_value, ports_tree, PhyPort, PortDisplay};
use super::wire::{lookup, DecodeError, Put, Reader, Result};
use crate::tree::{FlagNames, Tree, Value};

pub mod desc;
pub mod flow;
pub mod port;
pub mod queue;
pub mod table;
pub mod vendor;

pub use desc::DescStats;
pub use flow::{AggregateStats, FlowStats, FlowStatsRequest};
pub use port::PortStats;
pub use queue::QueueStats;
pub use table::TableStats;
pub use vendor::VendorStats;

named_numbers! {
    /// `OFPST_*` stats types.
    pub mod ofpst: u16, [names STATS_NAMES] {
        DESC = 0,
        FLOW = 1,
        AGGREGATE = 2,
        TABLE = 3,
        PORT = 4,
        QUEUE = 5,
        /// Open vSwitch's OpenFlow 1.0 extension (the OF1.3 number).
        PORT_DESC = 13,
        VENDOR = 0xffff,
    }
}

/// The name of a stats type (`FLOW`).
pub fn stats_type_name(stats_type: u16) -> Option<&'static str> {
    lookup(STATS_NAMES, stats_type)
}

named_numbers! {
    /// `OFPSF_*` stats reply flags.
    pub mod ofpsf: u16, [flags REPLY_FLAG_NAMES] {
        REPLY_MORE = 1,
    }
}
/// `OFPQ_ALL`: every queue.
pub const QUEUE_ALL: u32 = 0xffff_ffff;

/// What a STATS_REQUEST asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsRequestBody {
    Desc,
    Flow(FlowStatsRequest),
    Aggregate(FlowStatsRequest),
    Table,
    Port {
        port_no: u16,
    },
    Queue {
        port_no: u16,
        queue_id: u32,
    },
    PortDesc,
    Vendor(VendorStats),
    /// A stats type this codec does not know: its body as is.
    Other {
        stats_type: u16,
        data: Vec<u8>,
    },
}

/// STATS_REQUEST body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRequest {
    pub flags: u16,
    pub body: StatsRequestBody,
}

impl StatsRequest {
    pub fn stats_type(&self) -> u16 {
        match &self.body {
            StatsRequestBody::Desc => ofpst::DESC,
            StatsRequestBody::Flow(_) => ofpst::FLOW,
            StatsRequestBody::Aggregate(_) => ofpst::AGGREGATE,
            StatsRequestBody::Table => ofpst::TABLE,
            StatsRequestBody::Port { .. } => ofpst::PORT,
            StatsRequestBody::Queue { .. } => ofpst::QUEUE,
            StatsRequestBody::PortDesc => ofpst::PORT_DESC,
            StatsRequestBody::Vendor(_) => ofpst::VENDOR,
            StatsRequestBody::Other { stats_type, .. } => *stats_type,
        }
    }

    pub(crate) fn parse(r: &mut Reader) -> Result<StatsRequest> {
        let stats_type = r.u16("stats type")?;
        let flags = r.u16("stats flags")?;
        let body = match stats_type {
            ofpst::DESC => StatsRequestBody::Desc,
            ofpst::FLOW => StatsRequestBody::Flow(FlowStatsRequest::parse(r)?),
            ofpst::AGGREGATE => StatsRequestBody::Aggregate(FlowStatsRequest::parse(r)?),
            ofpst::TABLE => StatsRequestBody::Table,
            ofpst::PORT => {
                let port_no = r.u16("port stats port")?;
                r.pad(6)?;
                StatsRequestBody::Port { port_no }
            }
            ofpst::QUEUE => {
                let port_no = r.u16("queue stats port")?;
                r.pad(2)?;
                StatsRequestBody::Queue {
                    port_no,
                    queue_id: r.u32("queue stats queue_id")?,
                }
            }
            ofpst::PORT_DESC => StatsRequestBody::PortDesc,
            ofpst::VENDOR => StatsRequestBody::Vendor(VendorStats::parse(r)?),
            _ => StatsRequestBody::Other {
                stats_type,
                data: r.rest().to_vec(),
            },
        };
        Ok(StatsRequest { flags, body })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsRequestBody::Desc | StatsRequestBody::Table | StatsRequestBody::PortDesc => {}
            StatsRequestBody::Flow(b) | StatsRequestBody::Aggregate(b) => b.emit(out),
            StatsRequestBody::Port { port_no } => {
                out.put_u16(*port_no);
                out.put_zeros(6);
            }
            StatsRequestBody::Queue { port_no, queue_id } => {
                out.put_u16(*port_no);
                out.put_zeros(2);
                out.put_u32(*queue_id);
            }
            StatsRequestBody::Vendor(v) => v.emit(out),
            StatsRequestBody::Other { data, .. } => out.extend_from_slice(data),
        }
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let mut body = Vec::new();
        self.emit(&mut body);
        t.open(&hf::OF_STATS_REQUEST, at..at + body.len());
        stats_header_tree(t, at, self.stats_type(), self.flags, None);
        let b = at + 4;
        match &self.body {
            StatsRequestBody::Flow(req) | StatsRequestBody::Aggregate(req) => req.build_tree(t, b),
            StatsRequestBody::Port { port_no } => {
                t.leaf(&hf::OF_STATS_PORT_NO, port_value(*port_no), b..b + 2)
            }
            StatsRequestBody::Queue { port_no, queue_id } => {
                t.leaf(&hf::OF_STATS_PORT_NO, port_value(*port_no), b..b + 2);
                t.leaf(&hf::OF_STATS_QUEUE_ID, queue_value(*queue_id), b + 4..b + 8);
            }
            StatsRequestBody::Vendor(v) => v.build_tree(t, b),
            StatsRequestBody::Other { data, .. } => t.leaf(
                &hf::OF_STATS_DATA,
                Value::Bytes(b..b + data.len()),
                b..b + data.len(),
            ),
            StatsRequestBody::Desc | StatsRequestBody::Table | StatsRequestBody::PortDesc => {}
        }
        t.close();
    }
}

fn queue_value(id: u32) -> Value {
    if id == QUEUE_ALL {
        Value::Named {
            value: id.into(),
            name: "ALL",
        }
    } else {
        Value::Uint(id.into())
    }
}

fn stats_header_tree(
    t: &mut Tree,
    at: usize,
    stats_type: u16,
    flags: u16,
    names: Option<FlagNames>,
) {
    t.leaf(
        &hf::OF_STATS_TYPE,
        named_or_unknown(stats_type.into(), stats_type_name(stats_type)),
        at..at + 2,
    );
    t.leaf(
        &hf::OF_STATS_FLAGS,
        Value::Flags {
            value: flags.into(),
            names: names.unwrap_or(&[]),
        },
        at + 2..at + 4,
    );
}

impl fmt::Display for StatsRequest {
    /// `FLOW in_port=1 out_port=NONE`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match stats_type_name(self.stats_type()) {
            Some(n) => f.write_str(n)?,
            None => write!(f, "type={}", self.stats_type())?,
        }
        match &self.body {
            StatsRequestBody::Flow(r) | StatsRequestBody::Aggregate(r) => write!(f, " {r}"),
            StatsRequestBody::Port { port_no } => write!(f, " port_no={}", PortDisplay(*port_no)),
            StatsRequestBody::Queue { port_no, queue_id } => {
                write!(f, " port={} queue=", PortDisplay(*port_no))?;
                match *queue_id {
                    QUEUE_ALL => f.write_str("ALL"),
                    q => write!(f, "{q}"),
                }
            }
            StatsRequestBody::Vendor(v) => write!(f, " {v}"),
            _ => Ok(()),
        }
    }
}

/// What a STATS_REPLY carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsReplyBody {
    Desc(DescStats),
    Flow(Vec<FlowStats>),
    Aggregate(AggregateStats),
    Table(Vec<TableStats>),
    Port(Vec<PortStats>),
    Queue(Vec<QueueStats>),
    PortDesc(Vec<PhyPort>),
    Vendor(VendorStats),
    Other { stats_type: u16, data: Vec<u8> },
}

/// STATS_REPLY body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsReply {
    /// `ofpsf::REPLY_MORE` (1) when more replies follow.
    pub flags: u16,
    pub body: StatsReplyBody,
}

/// Reads fixed-size entries that must fill the rest of the body exactly.
fn entries<T>(
    r: &mut Reader,
    size: usize,
    what: &'static str,
    parse: fn(&mut Reader) -> Result<T>,
) -> Result<Vec<T>> {
    if !r.remaining().is_multiple_of(size) {
        return Err(DecodeError::invalid(
            "OFPBRC_BAD_LEN",
            format!(
                "{} bytes of {what} is not a multiple of {size}",
                r.remaining()
            ),
        ));
    }
    let mut out = Vec::with_capacity(r.remaining() / size);
    r.items(&mut out, parse)?;
    Ok(out)
}

impl StatsReply {
    pub fn stats_type(&self) -> u16 {
        match &self.body {
            StatsReplyBody::Desc(_) => ofpst::DESC,
            StatsReplyBody::Flow(_) => ofpst::FLOW,
            StatsReplyBody::Aggregate(_) => ofpst::AGGREGATE,
            StatsReplyBody::Table(_) => ofpst::TABLE,
            StatsReplyBody::Port(_) => ofpst::PORT,
            StatsReplyBody::Queue(_) => ofpst::QUEUE,
            StatsReplyBody::PortDesc(_) => ofpst::PORT_DESC,
            StatsReplyBody::Vendor(_) => ofpst::VENDOR,
            StatsReplyBody::Other { stats_type, .. } => *stats_type,
        }
    }

    /// How many entries a multi-entry reply holds (1 for single-body replies).
    pub fn entry_count(&self) -> usize {
        match &self.body {
            StatsReplyBody::Flow(v) => v.len(),
            StatsReplyBody::Table(v) => v.len(),
            StatsReplyBody::Port(v) => v.len(),
            StatsReplyBody::Queue(v) => v.len(),
            StatsReplyBody::PortDesc(v) => v.len(),
            _ => 1,
        }
    }

    pub fn more(&self) -> bool {
        self.flags & ofpsf::REPLY_MORE != 0
    }

    pub(crate) fn parse(r: &mut Reader) -> Result<StatsReply> {
        let stats_type = r.u16("stats type")?;
        let flags = r.u16("stats flags")?;
        let body = match stats_type {
            ofpst::DESC => StatsReplyBody::Desc(DescStats::parse(r)?),
            ofpst::FLOW => {
                let mut flows = Vec::new();
                r.items(&mut flows, FlowStats::parse)?;
                StatsReplyBody::Flow(flows)
            }
            ofpst::AGGREGATE => StatsReplyBody::Aggregate(AggregateStats::parse(r)?),
            ofpst::TABLE => StatsReplyBody::Table(entries(
                r,
                table::TABLE_STATS_LEN,
                "table stats",
                TableStats::parse,
            )?),
            ofpst::PORT => StatsReplyBody::Port(entries(
                r,
                port::PORT_STATS_LEN,
                "port stats",
                PortStats::parse,
            )?),
            ofpst::QUEUE => StatsReplyBody::Queue(entries(
                r,
                queue::QUEUE_STATS_LEN,
                "queue stats",
                QueueStats::parse,
            )?),
            ofpst::PORT_DESC => StatsReplyBody::PortDesc(entries(
                r,
                super::port::PHY_PORT_LEN,
                "port descriptions",
                PhyPort::parse,
            )?),
            ofpst::VENDOR => StatsReplyBody::Vendor(VendorStats::parse(r)?),
            _ => StatsReplyBody::Other {
                stats_type,
                data: r.rest().to_vec(),
            },
        };
        Ok(StatsReply { flags, body })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsReplyBody::Desc(d) => d.emit(out),
            StatsReplyBody::Flow(v) => v.iter().for_each(|e| e.emit(out)),
            StatsReplyBody::Aggregate(a) => a.emit(out),
            StatsReplyBody::Table(v) => v.iter().for_each(|e| e.emit(out)),
            StatsReplyBody::Port(v) => v.iter().for_each(|e| e.emit(out)),
            StatsReplyBody::Queue(v) => v.iter().for_each(|e| e.emit(out)),
            StatsReplyBody::PortDesc(v) => v.iter().for_each(|e| e.emit(out)),
            StatsReplyBody::Vendor(v) => v.emit(out),
            StatsReplyBody::Other { data, .. } => out.extend_from_slice(data),
        }
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let mut body = Vec::new();
        self.emit(&mut body);
        let end = at + body.len();
        t.open(&hf::OF_STATS_REPLY, at..end);
        stats_header_tree(t, at, self.stats_type(), self.flags, Some(REPLY_FLAG_NAMES));
        let b = at + 4;
        match &self.body {
            StatsReplyBody::Desc(d) => d.build_tree(t, b),
            StatsReplyBody::Flow(v) => flow::list_tree(v, t, b, end),
            StatsReplyBody::Aggregate(a) => a.build_tree(t, b),
            StatsReplyBody::Table(v) => table::list_tree(v, t, b, end),
            StatsReplyBody::Port(v) => port::list_tree(v, t, b, end),
            StatsReplyBody::Queue(v) => queue::list_tree(v, t, b, end),
            StatsReplyBody::PortDesc(v) => ports_tree(v, t, b),
            StatsReplyBody::Vendor(v) => v.build_tree(t, b),
            StatsReplyBody::Other { data, .. } => t.leaf(
                &hf::OF_STATS_DATA,
                Value::Bytes(b..b + data.len()),
                b..b + data.len(),
            ),
        }
        t.close();
    }
}

impl fmt::Display for StatsReply {
    /// `FLOW 3 flows more` / `AGGREGATE packet_count=386 byte_count=37752 flow_count=4`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match stats_type_name(self.stats_type()) {
            Some(n) => f.write_str(n)?,
            None => write!(f, "type={}", self.stats_type())?,
        }
        match &self.body {
            StatsReplyBody::Desc(d) => write!(
                f,
                " mfr=\"{}\" hw=\"{}\" sw=\"{}\" serial=\"{}\" dp=\"{}\"",
                d.mfr_desc, d.hw_desc, d.sw_desc, d.serial_num, d.dp_desc
            )?,
            StatsReplyBody::Flow(v) => {
                write!(f, " {} flows", v.len())?;
                if let [one] = v.as_slice() {
                    write!(f, ": {one}")?;
                }
            }
            StatsReplyBody::Aggregate(a) => write!(
                f,
                " packet_count={} byte_count={} flow_count={}",
                a.packet_count, a.byte_count, a.flow_count
            )?,
            StatsReplyBody::Table(v) => write!(f, " {} tables", v.len())?,
            StatsReplyBody::Port(v) => write!(f, " {} ports", v.len())?,
            StatsReplyBody::Queue(v) => write!(f, " {} queues", v.len())?,
            StatsReplyBody::PortDesc(v) => write!(f, " {} ports", v.len())?,
            StatsReplyBody::Vendor(v) => write!(f, " {v}")?,
            StatsReplyBody::Other { data, .. } => write!(f, " {} bytes", data.len())?,
        }
        if self.more() {
            f.write_str(" more")?;
        }
        Ok(())
    }
}

super::types::body_codec!(StatsRequest, StatsReply);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "STATS_REQUEST, STATS_REPLY", "";
        OF_STATS_DATA = "of.stats.data", Bytes, "Data", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
        OF_STATS_REQUEST = "of.stats_request", Group, "Stats request", "STATS_REQUEST body";
        OF_STATS_PORT_NO = "of.stats.port_no", Named, "Port", "PORT and QUEUE requests (`queue_id` `ALL` = 0xffffffff)";
        OF_STATS_QUEUE_ID = "of.stats.queue_id", Named, "Queue id", "PORT and QUEUE requests (`queue_id` `ALL` = 0xffffffff)";
        OF_STATS_TYPE = "of.stats.type", Named, "Stats type", "`DESC`, `FLOW`, `AGGREGATE`, `TABLE`, `PORT`, `QUEUE`, `PORT_DESC` (an Open vSwitch extension), `VENDOR`";
        OF_STATS_FLAGS = "of.stats.flags", Flags, "Flags", "`REPLY_MORE` in replies";
        OF_STATS_REPLY = "of.stats_reply", Group, "Stats reply", "STATS_REPLY body";
    }
}
