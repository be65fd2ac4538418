//! FLOW_REMOVED: a flow expired or was deleted.

use std::fmt;

use super::flow_match::{Match, MATCH_LEN};
use super::port::named_or_unknown;
use super::wire::{lookup, Put, Reader, Result};
use crate::tree::{Tree, Value};

const REASON_NAMES: &[(u8, &str)] = &[(0, "IDLE_TIMEOUT"), (1, "HARD_TIMEOUT"), (2, "DELETE")];
const BODY_LEN: usize = 80;

/// FLOW_REMOVED body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowRemoved {
    pub match_: Match,
    pub cookie: u64,
    pub priority: u16,
    /// `OFPRR_IDLE_TIMEOUT` 0, `HARD_TIMEOUT` 1, `DELETE` 2.
    pub reason: u8,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub idle_timeout: u16,
    pub packet_count: u64,
    pub byte_count: u64,
}

impl FlowRemoved {
    pub(crate) fn parse(r: &mut Reader) -> Result<FlowRemoved> {
        let match_ = Match::parse(r)?;
        let cookie = r.u64("flow_removed cookie")?;
        let priority = r.u16("flow_removed priority")?;
        let reason = r.u8("flow_removed reason")?;
        r.pad(1)?;
        let duration_sec = r.u32("flow_removed duration_sec")?;
        let duration_nsec = r.u32("flow_removed duration_nsec")?;
        let idle_timeout = r.u16("flow_removed idle_timeout")?;
        r.pad(2)?;
        Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            duration_sec,
            duration_nsec,
            idle_timeout,
            packet_count: r.u64("flow_removed packet_count")?,
            byte_count: r.u64("flow_removed byte_count")?,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        self.match_.emit(out);
        out.put_u64(self.cookie);
        out.put_u16(self.priority);
        out.put_u8(self.reason);
        out.put_zeros(1);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        out.put_u16(self.idle_timeout);
        out.put_zeros(2);
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
    }

    pub fn reason_name(&self) -> Option<&'static str> {
        lookup(REASON_NAMES, self.reason)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        t.open(&hf::OF_FLOW_REMOVED, at..at + BODY_LEN);
        self.match_.build_tree(t, at);
        let f = at + MATCH_LEN;
        let leaves = [
            (
                &hf::OF_FLOW_REMOVED_COOKIE,
                Value::Hex {
                    value: self.cookie,
                    digits: 1,
                },
                0,
                8,
            ),
            (
                &hf::OF_FLOW_REMOVED_PRIORITY,
                Value::Uint(self.priority.into()),
                8,
                10,
            ),
            (
                &hf::OF_FLOW_REMOVED_REASON,
                named_or_unknown(self.reason.into(), self.reason_name()),
                10,
                11,
            ),
            (
                &hf::OF_FLOW_REMOVED_DURATION_SEC,
                Value::Uint(self.duration_sec.into()),
                12,
                16,
            ),
            (
                &hf::OF_FLOW_REMOVED_DURATION_NSEC,
                Value::Uint(self.duration_nsec.into()),
                16,
                20,
            ),
            (
                &hf::OF_FLOW_REMOVED_IDLE_TIMEOUT,
                Value::Uint(self.idle_timeout.into()),
                20,
                22,
            ),
            (
                &hf::OF_FLOW_REMOVED_PACKET_COUNT,
                Value::Uint(self.packet_count),
                24,
                32,
            ),
            (
                &hf::OF_FLOW_REMOVED_BYTE_COUNT,
                Value::Uint(self.byte_count),
                32,
                40,
            ),
        ];
        for (field, value, from, to) in leaves {
            t.leaf(field, value, f + from..f + to);
        }
        t.close();
    }
}

impl fmt::Display for FlowRemoved {
    /// `priority=65535,arp,in_port=3,... reason=IDLE_TIMEOUT duration=5.820s idle=5 pkts=1 bytes=60`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "priority={}", self.priority)?;
        let m = self.match_.to_string();
        if !m.is_empty() {
            write!(f, ",{m}")?;
        }
        match self.reason_name() {
            Some(n) => write!(f, " reason={n}")?,
            None => write!(f, " reason={}", self.reason)?,
        }
        if self.cookie != 0 {
            write!(f, " cookie=0x{:x}", self.cookie)?;
        }
        write!(
            f,
            " duration={}.{:03}s idle={} pkts={} bytes={}",
            self.duration_sec,
            self.duration_nsec / 1_000_000,
            self.idle_timeout,
            self.packet_count,
            self.byte_count
        )
    }
}

super::types::body_codec!(FlowRemoved);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "FLOW_REMOVED", "";
        OF_FLOW_REMOVED = "of.flow_removed", Group, "Flow removed", "contains `of.match`";
        OF_FLOW_REMOVED_COOKIE = "of.flow_removed.cookie", Hex, "Cookie", "opaque identifier the controller gave the flow";
        OF_FLOW_REMOVED_PRIORITY = "of.flow_removed.priority", Uint, "Priority", "the flow's priority (higher wins)";
        OF_FLOW_REMOVED_REASON = "of.flow_removed.reason", Named, "Reason", "`IDLE_TIMEOUT`, `HARD_TIMEOUT`, `DELETE`";
        OF_FLOW_REMOVED_DURATION_SEC = "of.flow_removed.duration_sec", Uint, "Duration (s)", "how long the flow has been in the table, whole seconds";
        OF_FLOW_REMOVED_DURATION_NSEC = "of.flow_removed.duration_nsec", Uint, "Duration (ns)", "and the nanoseconds beyond them";
        OF_FLOW_REMOVED_IDLE_TIMEOUT = "of.flow_removed.idle_timeout", Uint, "Idle timeout", "seconds without a matching packet before the flow expires (0: never)";
        OF_FLOW_REMOVED_PACKET_COUNT = "of.flow_removed.packet_count", Uint, "Packets", "packets counted";
        OF_FLOW_REMOVED_BYTE_COUNT = "of.flow_removed.byte_count", Uint, "Bytes", "bytes counted";
    }
}
