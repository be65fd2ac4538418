//! FLOW and AGGREGATE stats: the request both share, the flow entries of a FLOW reply and
//! the counters of an AGGREGATE reply.

use std::fmt;

use crate::openflow::action::{
    actions_len, actions_tree, emit_actions, parse_actions, Action, Actions,
};
use crate::openflow::flow_match::{Match, MATCH_LEN};
use crate::openflow::port::{ofpp, port_value, PortDisplay};
use crate::openflow::wire::{DecodeError, Put, Reader, Result};
use crate::tree::{Tree, Value};

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
    pub(super) fn parse(r: &mut Reader) -> Result<FlowStatsRequest> {
        let match_ = Match::parse(r)?;
        let table_id = r.u8("table_id")?;
        r.pad(1)?;
        Ok(FlowStatsRequest {
            match_,
            table_id,
            out_port: r.u16("out_port")?,
        })
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        self.match_.emit(out);
        out.put_u8(self.table_id);
        out.put_zeros(1);
        out.put_u16(self.out_port);
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
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

    pub(super) fn parse(r: &mut Reader) -> Result<FlowStats> {
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

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
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

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
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

/// The FLOW reply's list, from `at` to the body's `end`.
pub(super) fn list_tree(v: &[FlowStats], t: &mut Tree, at: usize, end: usize) {
    t.open(&hf::OF_FLOWS, at..end);
    let mut off = at;
    for e in v {
        e.build_tree(t, off);
        off += e.wire_len();
    }
    t.close();
}

impl AggregateStats {
    pub(super) fn parse(r: &mut Reader) -> Result<AggregateStats> {
        let packet_count = r.u64("packet_count")?;
        let byte_count = r.u64("byte_count")?;
        let flow_count = r.u32("flow_count")?;
        r.pad(4)?;
        Ok(AggregateStats {
            packet_count,
            byte_count,
            flow_count,
        })
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
        out.put_u32(self.flow_count);
        out.put_zeros(4);
    }

    pub(super) fn build_tree(&self, t: &mut Tree, b: usize) {
        t.open(&hf::OF_AGGREGATE, b..b + 24);
        t.leaf(
            &hf::OF_AGGREGATE_PACKET_COUNT,
            Value::Uint(self.packet_count),
            b..b + 8,
        );
        t.leaf(
            &hf::OF_AGGREGATE_BYTE_COUNT,
            Value::Uint(self.byte_count),
            b + 8..b + 16,
        );
        t.leaf(
            &hf::OF_AGGREGATE_FLOW_COUNT,
            Value::Uint(self.flow_count.into()),
            b + 16..b + 20,
        );
        t.close();
    }
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "FLOW and AGGREGATE stats", "";
        OF_STATS_TABLE_ID = "of.stats.table_id", Uint, "Table", "FLOW and AGGREGATE requests (with `of.match`)";
        OF_STATS_OUT_PORT = "of.stats.out_port", Named, "Out port", "FLOW and AGGREGATE requests (with `of.match`)";
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
        OF_FLOWS = "of.flows", List, "Flows", "of `of.flow_stats` (FLOW reply)";
        OF_AGGREGATE = "of.aggregate", Group, "Aggregate", "AGGREGATE reply";
        OF_AGGREGATE_PACKET_COUNT = "of.aggregate.packet_count", Uint, "Packets", "packets counted";
        OF_AGGREGATE_BYTE_COUNT = "of.aggregate.byte_count", Uint, "Bytes", "bytes counted";
        OF_AGGREGATE_FLOW_COUNT = "of.aggregate.flow_count", Uint, "Flows", "flows counted";
    }
}
