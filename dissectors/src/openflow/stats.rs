//! STATS_REQUEST and STATS_REPLY: DESC, FLOW, AGGREGATE, TABLE, PORT, QUEUE and VENDOR
//! bodies, multi-entry replies and the REPLY_MORE flag.

use std::fmt;

use super::action::{actions_len, actions_tree, emit_actions, parse_actions, Action, Actions};
use super::flow_match::{Match, MATCH_LEN};
use super::port::{named_or_unknown, ofpp, port_value, ports_tree, PhyPort, PortDisplay};
use super::vendor::{stats_subtype_name, vendor_value, NICIRA};
use super::wire::{lookup, DecodeError, Put, Reader, Result};
use crate::tree::{FieldDef, FlagNames, Tree, Value};

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

/// A vendor stats body: the vendor id and the bytes after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VendorStats {
    pub vendor: u32,
    pub data: Vec<u8>,
}

impl VendorStats {
    fn parse(r: &mut Reader) -> Result<VendorStats> {
        Ok(VendorStats {
            vendor: r.u32("stats vendor")?,
            data: r.rest().to_vec(),
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u32(self.vendor);
        out.extend_from_slice(&self.data);
    }

    /// `NXST_FLOW`, ... for Nicira's (32-bit subtype after the vendor id).
    pub fn subtype_name(&self) -> Option<&'static str> {
        if self.vendor != NICIRA {
            return None;
        }
        let b = self.data.get(..4)?;
        stats_subtype_name(self.vendor, u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.leaf(&hf::OF_STATS_VENDOR, vendor_value(self.vendor), at..at + 4);
        if let Some(name) = self.subtype_name() {
            t.leaf(
                &hf::OF_STATS_SUBTYPE,
                Value::Text(name.to_owned()),
                at + 4..at + 8,
            );
        }
        let end = at + 4 + self.data.len();
        t.leaf(&hf::OF_STATS_DATA, Value::Bytes(at + 4..end), at + 4..end);
    }
}

impl fmt::Display for VendorStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.subtype_name() {
            Some(n) => f.write_str(n),
            None => write!(f, "vendor=0x{:08x} {} bytes", self.vendor, self.data.len()),
        }
    }
}

/// The body of a FLOW or AGGREGATE request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStatsRequest {
    pub match_: Match,
    /// 0xff = all tables.
    pub table_id: u8,
    /// Only flows that output to this port (NONE = any).
    pub out_port: u16,
}

impl Default for FlowStatsRequest {
    fn default() -> Self {
        FlowStatsRequest {
            match_: Match::default(),
            table_id: 0xff,
            out_port: ofpp::NONE,
        }
    }
}

impl FlowStatsRequest {
    fn parse(r: &mut Reader) -> Result<FlowStatsRequest> {
        let match_ = Match::parse(r)?;
        let table_id = r.u8("table_id")?;
        r.pad(1)?;
        Ok(FlowStatsRequest {
            match_,
            table_id,
            out_port: r.u16("out_port")?,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        self.match_.emit(out);
        out.put_u8(self.table_id);
        out.put_zeros(1);
        out.put_u16(self.out_port);
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        self.match_.build_tree(t, at);
        let f = at + MATCH_LEN;
        t.leaf(
            &hf::OF_STATS_TABLE_ID,
            Value::Uint(self.table_id.into()),
            f..f + 1,
        );
        t.leaf(
            &hf::OF_STATS_OUT_PORT,
            port_value(self.out_port),
            f + 2..f + 4,
        );
    }
}

impl fmt::Display for FlowStatsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.match_.to_string();
        if !m.is_empty() {
            write!(f, "{m} ")?;
        }
        if self.table_id != 0xff {
            write!(f, "table={} ", self.table_id)?;
        }
        write!(f, "out_port={}", PortDisplay(self.out_port))
    }
}

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

/// `ofp_desc_stats`: five NUL-padded strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescStats {
    pub mfr_desc: String,
    pub hw_desc: String,
    pub sw_desc: String,
    pub serial_num: String,
    pub dp_desc: String,
}

const DESC_LEN: usize = 256;
const SERIAL_LEN: usize = 32;

impl DescStats {
    fn fields(&self) -> [(&'static FieldDef, &str, usize); 5] {
        [
            (&hf::OF_DESC_MFR_DESC, &self.mfr_desc, DESC_LEN),
            (&hf::OF_DESC_HW_DESC, &self.hw_desc, DESC_LEN),
            (&hf::OF_DESC_SW_DESC, &self.sw_desc, DESC_LEN),
            (&hf::OF_DESC_SERIAL_NUM, &self.serial_num, SERIAL_LEN),
            (&hf::OF_DESC_DP_DESC, &self.dp_desc, DESC_LEN),
        ]
    }

    fn parse(r: &mut Reader) -> Result<DescStats> {
        Ok(DescStats {
            mfr_desc: r.text(DESC_LEN, "mfr_desc")?,
            hw_desc: r.text(DESC_LEN, "hw_desc")?,
            sw_desc: r.text(DESC_LEN, "sw_desc")?,
            serial_num: r.text(SERIAL_LEN, "serial_num")?,
            dp_desc: r.text(DESC_LEN, "dp_desc")?,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        for (_, text, len) in self.fields() {
            out.put_text(text, len);
        }
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_DESC, at..at + 4 * DESC_LEN + SERIAL_LEN);
        let mut off = at;
        for (field, text, len) in self.fields() {
            t.leaf(field, Value::Text(text.to_owned()), off..off + len);
            off += len;
        }
        t.close();
    }
}

/// One `ofp_flow_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowStats {
    pub table_id: u8,
    pub match_: Match,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub priority: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub cookie: u64,
    pub packet_count: u64,
    pub byte_count: u64,
    pub actions: Vec<Action>,
}

const FLOW_STATS_FIXED: usize = 88;

impl FlowStats {
    pub fn wire_len(&self) -> usize {
        FLOW_STATS_FIXED + actions_len(&self.actions)
    }

    fn parse(r: &mut Reader) -> Result<FlowStats> {
        let at = r.pos();
        let len = usize::from(r.u16("flow stats length")?);
        if len < FLOW_STATS_FIXED || len - 2 > r.remaining() {
            return Err(DecodeError::invalid(
                "OFPBRC_BAD_LEN",
                format!("flow stats entry at {at} has length {len}"),
            ));
        }
        let mut e = r.sub(len - 2, "flow stats entry")?;
        let table_id = e.u8("table_id")?;
        e.pad(1)?;
        let match_ = Match::parse(&mut e)?;
        let duration_sec = e.u32("duration_sec")?;
        let duration_nsec = e.u32("duration_nsec")?;
        let priority = e.u16("priority")?;
        let idle_timeout = e.u16("idle_timeout")?;
        let hard_timeout = e.u16("hard_timeout")?;
        e.pad(6)?;
        let entry = FlowStats {
            table_id,
            match_,
            duration_sec,
            duration_nsec,
            priority,
            idle_timeout,
            hard_timeout,
            cookie: e.u64("cookie")?,
            packet_count: e.u64("packet_count")?,
            byte_count: e.u64("byte_count")?,
            actions: parse_actions(&mut e)?,
        };
        Ok(entry)
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.wire_len() as u16);
        out.put_u8(self.table_id);
        out.put_zeros(1);
        self.match_.emit(out);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        out.put_u16(self.priority);
        out.put_u16(self.idle_timeout);
        out.put_u16(self.hard_timeout);
        out.put_zeros(6);
        out.put_u64(self.cookie);
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
        emit_actions(&self.actions, out);
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open_with(
            &hf::OF_FLOW_STATS,
            Value::Text(self.to_string()),
            at..at + self.wire_len(),
        );
        t.leaf(
            &hf::OF_FLOW_STATS_LENGTH,
            Value::Uint(self.wire_len() as u64),
            at..at + 2,
        );
        t.leaf(
            &hf::OF_FLOW_STATS_TABLE_ID,
            Value::Uint(self.table_id.into()),
            at + 2..at + 3,
        );
        self.match_.build_tree(t, at + 4);
        let f = at + 4 + MATCH_LEN;
        let leaves = [
            (
                &hf::OF_FLOW_STATS_DURATION_SEC,
                Value::Uint(self.duration_sec.into()),
                0,
                4,
            ),
            (
                &hf::OF_FLOW_STATS_DURATION_NSEC,
                Value::Uint(self.duration_nsec.into()),
                4,
                8,
            ),
            (
                &hf::OF_FLOW_STATS_PRIORITY,
                Value::Uint(self.priority.into()),
                8,
                10,
            ),
            (
                &hf::OF_FLOW_STATS_IDLE_TIMEOUT,
                Value::Uint(self.idle_timeout.into()),
                10,
                12,
            ),
            (
                &hf::OF_FLOW_STATS_HARD_TIMEOUT,
                Value::Uint(self.hard_timeout.into()),
                12,
                14,
            ),
            (
                &hf::OF_FLOW_STATS_COOKIE,
                Value::Hex {
                    value: self.cookie,
                    digits: 1,
                },
                20,
                28,
            ),
            (
                &hf::OF_FLOW_STATS_PACKET_COUNT,
                Value::Uint(self.packet_count),
                28,
                36,
            ),
            (
                &hf::OF_FLOW_STATS_BYTE_COUNT,
                Value::Uint(self.byte_count),
                36,
                44,
            ),
        ];
        for (field, value, from, to) in leaves {
            t.leaf(field, value, f + from..f + to);
        }
        actions_tree(&self.actions, t, at + FLOW_STATS_FIXED);
        t.close();
    }
}

impl fmt::Display for FlowStats {
    /// `cookie=0x0, duration=4.200s, table=0, n_packets=1, n_bytes=60, priority=65535,arp,... actions=output:1`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cookie=0x{:x}, duration={}.{:03}s, table={}, n_packets={}, n_bytes={}, ",
            self.cookie,
            self.duration_sec,
            self.duration_nsec / 1_000_000,
            self.table_id,
            self.packet_count,
            self.byte_count
        )?;
        if self.idle_timeout != 0 {
            write!(f, "idle_timeout={}, ", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, "hard_timeout={}, ", self.hard_timeout)?;
        }
        write!(f, "priority={}", self.priority)?;
        let m = self.match_.to_string();
        if !m.is_empty() {
            write!(f, ",{m}")?;
        }
        write!(f, " actions={}", Actions(&self.actions))
    }
}

/// AGGREGATE reply body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AggregateStats {
    pub packet_count: u64,
    pub byte_count: u64,
    pub flow_count: u32,
}

/// One `ofp_table_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableStats {
    pub table_id: u8,
    pub name: String,
    pub wildcards: u32,
    pub max_entries: u32,
    pub active_count: u32,
    pub lookup_count: u64,
    pub matched_count: u64,
}

const TABLE_STATS_LEN: usize = 64;

impl TableStats {
    fn parse(r: &mut Reader) -> Result<TableStats> {
        let table_id = r.u8("table_id")?;
        r.pad(3)?;
        Ok(TableStats {
            table_id,
            name: r.text(32, "table name")?,
            wildcards: r.u32("wildcards")?,
            max_entries: r.u32("max_entries")?,
            active_count: r.u32("active_count")?,
            lookup_count: r.u64("lookup_count")?,
            matched_count: r.u64("matched_count")?,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u8(self.table_id);
        out.put_zeros(3);
        out.put_text(&self.name, 32);
        out.put_u32(self.wildcards);
        out.put_u32(self.max_entries);
        out.put_u32(self.active_count);
        out.put_u64(self.lookup_count);
        out.put_u64(self.matched_count);
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_TABLE_STATS, at..at + TABLE_STATS_LEN);
        let leaves = [
            (
                &hf::OF_TABLE_STATS_TABLE_ID,
                Value::Uint(self.table_id.into()),
                0,
                1,
            ),
            (
                &hf::OF_TABLE_STATS_NAME,
                Value::Text(self.name.clone()),
                4,
                36,
            ),
            (
                &hf::OF_TABLE_STATS_WILDCARDS,
                Value::Hex {
                    value: self.wildcards.into(),
                    digits: 6,
                },
                36,
                40,
            ),
            (
                &hf::OF_TABLE_STATS_MAX_ENTRIES,
                Value::Uint(self.max_entries.into()),
                40,
                44,
            ),
            (
                &hf::OF_TABLE_STATS_ACTIVE_COUNT,
                Value::Uint(self.active_count.into()),
                44,
                48,
            ),
            (
                &hf::OF_TABLE_STATS_LOOKUP_COUNT,
                Value::Uint(self.lookup_count),
                48,
                56,
            ),
            (
                &hf::OF_TABLE_STATS_MATCHED_COUNT,
                Value::Uint(self.matched_count),
                56,
                64,
            ),
        ];
        for (field, value, from, to) in leaves {
            t.leaf(field, value, at + from..at + to);
        }
        t.close();
    }
}

/// One `ofp_port_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortStats {
    pub port_no: u16,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_frame_err: u64,
    pub rx_over_err: u64,
    pub rx_crc_err: u64,
    pub collisions: u64,
}

const PORT_STATS_LEN: usize = 104;

impl PortStats {
    fn counters(&self) -> [(&'static FieldDef, u64); 12] {
        [
            (&hf::OF_PORT_STATS_RX_PACKETS, self.rx_packets),
            (&hf::OF_PORT_STATS_TX_PACKETS, self.tx_packets),
            (&hf::OF_PORT_STATS_RX_BYTES, self.rx_bytes),
            (&hf::OF_PORT_STATS_TX_BYTES, self.tx_bytes),
            (&hf::OF_PORT_STATS_RX_DROPPED, self.rx_dropped),
            (&hf::OF_PORT_STATS_TX_DROPPED, self.tx_dropped),
            (&hf::OF_PORT_STATS_RX_ERRORS, self.rx_errors),
            (&hf::OF_PORT_STATS_TX_ERRORS, self.tx_errors),
            (&hf::OF_PORT_STATS_RX_FRAME_ERR, self.rx_frame_err),
            (&hf::OF_PORT_STATS_RX_OVER_ERR, self.rx_over_err),
            (&hf::OF_PORT_STATS_RX_CRC_ERR, self.rx_crc_err),
            (&hf::OF_PORT_STATS_COLLISIONS, self.collisions),
        ]
    }

    fn parse(r: &mut Reader) -> Result<PortStats> {
        let port_no = r.u16("port_no")?;
        r.pad(6)?;
        let mut c = [0u64; 12];
        for v in &mut c {
            *v = r.u64("port counter")?;
        }
        let [rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors, tx_errors, rx_frame_err, rx_over_err, rx_crc_err, collisions] =
            c;
        Ok(PortStats {
            port_no,
            rx_packets,
            tx_packets,
            rx_bytes,
            tx_bytes,
            rx_dropped,
            tx_dropped,
            rx_errors,
            tx_errors,
            rx_frame_err,
            rx_over_err,
            rx_crc_err,
            collisions,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_zeros(6);
        for (_, v) in self.counters() {
            out.put_u64(v);
        }
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_PORT_STATS, at..at + PORT_STATS_LEN);
        t.leaf(
            &hf::OF_PORT_STATS_PORT_NO,
            port_value(self.port_no),
            at..at + 2,
        );
        for (i, (field, v)) in self.counters().into_iter().enumerate() {
            let off = at + 8 + 8 * i;
            t.leaf(field, Value::Uint(v), off..off + 8);
        }
        t.close();
    }
}

/// One `ofp_queue_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub port_no: u16,
    pub queue_id: u32,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
}

const QUEUE_STATS_LEN: usize = 32;

impl QueueStats {
    fn parse(r: &mut Reader) -> Result<QueueStats> {
        let port_no = r.u16("port_no")?;
        r.pad(2)?;
        Ok(QueueStats {
            port_no,
            queue_id: r.u32("queue_id")?,
            tx_bytes: r.u64("tx_bytes")?,
            tx_packets: r.u64("tx_packets")?,
            tx_errors: r.u64("tx_errors")?,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_zeros(2);
        out.put_u32(self.queue_id);
        out.put_u64(self.tx_bytes);
        out.put_u64(self.tx_packets);
        out.put_u64(self.tx_errors);
    }

    fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_QUEUE_STATS, at..at + QUEUE_STATS_LEN);
        t.leaf(
            &hf::OF_QUEUE_STATS_PORT_NO,
            port_value(self.port_no),
            at..at + 2,
        );
        t.leaf(
            &hf::OF_QUEUE_STATS_QUEUE_ID,
            Value::Uint(self.queue_id.into()),
            at + 4..at + 8,
        );
        t.leaf(
            &hf::OF_QUEUE_STATS_TX_BYTES,
            Value::Uint(self.tx_bytes),
            at + 8..at + 16,
        );
        t.leaf(
            &hf::OF_QUEUE_STATS_TX_PACKETS,
            Value::Uint(self.tx_packets),
            at + 16..at + 24,
        );
        t.leaf(
            &hf::OF_QUEUE_STATS_TX_ERRORS,
            Value::Uint(self.tx_errors),
            at + 24..at + 32,
        );
        t.close();
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
    if r.remaining() % size != 0 {
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
            ofpst::AGGREGATE => {
                let packet_count = r.u64("packet_count")?;
                let byte_count = r.u64("byte_count")?;
                let flow_count = r.u32("flow_count")?;
                r.pad(4)?;
                StatsReplyBody::Aggregate(AggregateStats {
                    packet_count,
                    byte_count,
                    flow_count,
                })
            }
            ofpst::TABLE => StatsReplyBody::Table(entries(
                r,
                TABLE_STATS_LEN,
                "table stats",
                TableStats::parse,
            )?),
            ofpst::PORT => {
                StatsReplyBody::Port(entries(r, PORT_STATS_LEN, "port stats", PortStats::parse)?)
            }
            ofpst::QUEUE => StatsReplyBody::Queue(entries(
                r,
                QUEUE_STATS_LEN,
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
            StatsReplyBody::Aggregate(a) => {
                out.put_u64(a.packet_count);
                out.put_u64(a.byte_count);
                out.put_u32(a.flow_count);
                out.put_zeros(4);
            }
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
            StatsReplyBody::Flow(v) => {
                t.open(&hf::OF_FLOWS, b..end);
                let mut off = b;
                for e in v {
                    e.build_tree(t, off);
                    off += e.wire_len();
                }
                t.close();
            }
            StatsReplyBody::Aggregate(a) => {
                t.open(&hf::OF_AGGREGATE, b..b + 24);
                t.leaf(
                    &hf::OF_AGGREGATE_PACKET_COUNT,
                    Value::Uint(a.packet_count),
                    b..b + 8,
                );
                t.leaf(
                    &hf::OF_AGGREGATE_BYTE_COUNT,
                    Value::Uint(a.byte_count),
                    b + 8..b + 16,
                );
                t.leaf(
                    &hf::OF_AGGREGATE_FLOW_COUNT,
                    Value::Uint(a.flow_count.into()),
                    b + 16..b + 20,
                );
                t.close();
            }
            StatsReplyBody::Table(v) => {
                t.open(&hf::OF_TABLES, b..end);
                for (i, e) in v.iter().enumerate() {
                    e.build_tree(t, b + i * TABLE_STATS_LEN);
                }
                t.close();
            }
            StatsReplyBody::Port(v) => {
                t.open(&hf::OF_PORT_STATS_LIST, b..end);
                for (i, e) in v.iter().enumerate() {
                    e.build_tree(t, b + i * PORT_STATS_LEN);
                }
                t.close();
            }
            StatsReplyBody::Queue(v) => {
                t.open(&hf::OF_QUEUE_STATS_LIST, b..end);
                for (i, e) in v.iter().enumerate() {
                    e.build_tree(t, b + i * QUEUE_STATS_LEN);
                }
                t.close();
            }
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
        OF_STATS_VENDOR = "of.stats.vendor", Named, "Vendor", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
        OF_STATS_SUBTYPE = "of.stats.subtype", Text, "Subtype", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
        OF_STATS_DATA = "of.stats.data", Bytes, "Data", "vendor stats (`NXST_FLOW`, ...) and unknown stats types";
        OF_STATS_TABLE_ID = "of.stats.table_id", Uint, "Table", "FLOW and AGGREGATE requests (with `of.match`)";
        OF_STATS_OUT_PORT = "of.stats.out_port", Named, "Out port", "FLOW and AGGREGATE requests (with `of.match`)";
        OF_STATS_REQUEST = "of.stats_request", Group, "Stats request", "STATS_REQUEST body";
        OF_STATS_PORT_NO = "of.stats.port_no", Named, "Port", "PORT and QUEUE requests (`queue_id` `ALL` = 0xffffffff)";
        OF_STATS_QUEUE_ID = "of.stats.queue_id", Named, "Queue id", "PORT and QUEUE requests (`queue_id` `ALL` = 0xffffffff)";
        OF_STATS_TYPE = "of.stats.type", Named, "Stats type", "`DESC`, `FLOW`, `AGGREGATE`, `TABLE`, `PORT`, `QUEUE`, `PORT_DESC` (an Open vSwitch extension), `VENDOR`";
        OF_STATS_FLAGS = "of.stats.flags", Flags, "Flags", "`REPLY_MORE` in replies";
        OF_DESC_MFR_DESC = "of.desc.mfr_desc", Text, "Manufacturer", "manufacturer";
        OF_DESC_HW_DESC = "of.desc.hw_desc", Text, "Hardware", "hardware description";
        OF_DESC_SW_DESC = "of.desc.sw_desc", Text, "Software", "software description";
        OF_DESC_SERIAL_NUM = "of.desc.serial_num", Text, "Serial number", "serial number";
        OF_DESC_DP_DESC = "of.desc.dp_desc", Text, "Datapath description", "human-readable datapath description";
        OF_DESC = "of.desc", Group, "Description", "DESC reply";
        OF_FLOW_STATS = "of.flow_stats", Group, "Flow", "contains `of.match` and `of.actions`; value is the ovs-ofctl line";
        OF_FLOW_STATS_LENGTH = "of.flow_stats.length", Uint, "Length", "length of this flow entry in bytes";
        OF_FLOW_STATS_TABLE_ID = "of.flow_stats.table_id", Uint, "Table", "table number";
        OF_FLOW_STATS_DURATION_SEC = "of.flow_stats.duration_sec", Uint, "Duration (s)", "how long the flow has been in the table, whole seconds";
        OF_FLOW_STATS_DURATION_NSEC = "of.flow_stats.duration_nsec", Uint, "Duration (ns)", "and the nanoseconds beyond them";
        OF_FLOW_STATS_PRIORITY = "of.flow_stats.priority", Uint, "Priority", "the flow's priority (higher wins)";
        OF_FLOW_STATS_IDLE_TIMEOUT = "of.flow_stats.idle_timeout", Uint, "Idle timeout", "seconds without a matching packet before the flow expires (0: never)";
        OF_FLOW_STATS_HARD_TIMEOUT = "of.flow_stats.hard_timeout", Uint, "Hard timeout", "seconds before the flow expires whatever its traffic (0: never)";
        OF_FLOW_STATS_COOKIE = "of.flow_stats.cookie", Hex, "Cookie", "opaque identifier the controller gave the flow";
        OF_FLOW_STATS_PACKET_COUNT = "of.flow_stats.packet_count", Uint, "Packets", "packets counted";
        OF_FLOW_STATS_BYTE_COUNT = "of.flow_stats.byte_count", Uint, "Bytes", "bytes counted";
        OF_TABLE_STATS = "of.table_stats", Group, "Table", "one table's counters";
        OF_TABLE_STATS_TABLE_ID = "of.table_stats.table_id", Uint, "Table", "table number";
        OF_TABLE_STATS_NAME = "of.table_stats.name", Text, "Name", "the table's name";
        OF_TABLE_STATS_WILDCARDS = "of.table_stats.wildcards", Hex, "Wildcards", "the wildcards the table supports";
        OF_TABLE_STATS_MAX_ENTRIES = "of.table_stats.max_entries", Uint, "Max entries", "flows the table can hold";
        OF_TABLE_STATS_ACTIVE_COUNT = "of.table_stats.active_count", Uint, "Active", "flows in the table";
        OF_TABLE_STATS_LOOKUP_COUNT = "of.table_stats.lookup_count", Uint, "Lookups", "packets looked up in the table";
        OF_TABLE_STATS_MATCHED_COUNT = "of.table_stats.matched_count", Uint, "Matched", "packets that matched a flow";
        OF_PORT_STATS_RX_PACKETS = "of.port_stats.rx_packets", Uint, "Received packets", "packets received";
        OF_PORT_STATS_TX_PACKETS = "of.port_stats.tx_packets", Uint, "Sent packets", "packets sent";
        OF_PORT_STATS_RX_BYTES = "of.port_stats.rx_bytes", Uint, "Received bytes", "bytes received";
        OF_PORT_STATS_TX_BYTES = "of.port_stats.tx_bytes", Uint, "Sent bytes", "bytes sent";
        OF_PORT_STATS_RX_DROPPED = "of.port_stats.rx_dropped", Uint, "Receive drops", "packets dropped on receive";
        OF_PORT_STATS_TX_DROPPED = "of.port_stats.tx_dropped", Uint, "Send drops", "packets dropped on send";
        OF_PORT_STATS_RX_ERRORS = "of.port_stats.rx_errors", Uint, "Receive errors", "receive errors";
        OF_PORT_STATS_TX_ERRORS = "of.port_stats.tx_errors", Uint, "Send errors", "send errors";
        OF_PORT_STATS_RX_FRAME_ERR = "of.port_stats.rx_frame_err", Uint, "Frame errors", "frame alignment errors";
        OF_PORT_STATS_RX_OVER_ERR = "of.port_stats.rx_over_err", Uint, "Overruns", "receive overruns";
        OF_PORT_STATS_RX_CRC_ERR = "of.port_stats.rx_crc_err", Uint, "CRC errors", "CRC errors";
        OF_PORT_STATS_COLLISIONS = "of.port_stats.collisions", Uint, "Collisions", "collisions";
        OF_PORT_STATS = "of.port_stats", Group, "Port", "one port's counters";
        OF_PORT_STATS_PORT_NO = "of.port_stats.port_no", Named, "Port", "port number (a reserved port by its name)";
        OF_QUEUE_STATS = "of.queue_stats", Group, "Queue", "one queue's counters";
        OF_QUEUE_STATS_PORT_NO = "of.queue_stats.port_no", Named, "Port", "port number (a reserved port by its name)";
        OF_QUEUE_STATS_QUEUE_ID = "of.queue_stats.queue_id", Uint, "Queue id", "queue number";
        OF_QUEUE_STATS_TX_BYTES = "of.queue_stats.tx_bytes", Uint, "Sent bytes", "bytes sent";
        OF_QUEUE_STATS_TX_PACKETS = "of.queue_stats.tx_packets", Uint, "Sent packets", "packets sent";
        OF_QUEUE_STATS_TX_ERRORS = "of.queue_stats.tx_errors", Uint, "Send errors", "send errors";
        OF_STATS_REPLY = "of.stats_reply", Group, "Stats reply", "STATS_REPLY body";
        OF_FLOWS = "of.flows", List, "Flows", "of `of.flow_stats` (FLOW reply)";
        OF_AGGREGATE = "of.aggregate", Group, "Aggregate", "AGGREGATE reply";
        OF_AGGREGATE_PACKET_COUNT = "of.aggregate.packet_count", Uint, "Packets", "packets counted";
        OF_AGGREGATE_BYTE_COUNT = "of.aggregate.byte_count", Uint, "Bytes", "bytes counted";
        OF_AGGREGATE_FLOW_COUNT = "of.aggregate.flow_count", Uint, "Flows", "flows counted";
        OF_TABLES = "of.tables", List, "Tables", "of `of.table_stats`";
        OF_PORT_STATS_LIST = "of.port_stats_list", List, "Ports", "of `of.port_stats`";
        OF_QUEUE_STATS_LIST = "of.queue_stats_list", List, "Queues", "of `of.queue_stats`";
    }
}
