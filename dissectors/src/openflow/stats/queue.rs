//! QUEUE stats: one entry of counters per queue.

use crate::openflow::port::port_value;
use crate::openflow::wire::{Put, Reader, Result};
use crate::tree::{Tree, Value};

/// One `ofp_queue_stats` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueStats {
    pub port_no: u16,
    pub queue_id: u32,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
}

pub(super) const QUEUE_STATS_LEN: usize = 32;

impl QueueStats {
    pub(super) fn parse(r: &mut Reader) -> Result<QueueStats> {
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

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_zeros(2);
        out.put_u32(self.queue_id);
        out.put_u64(self.tx_bytes);
        out.put_u64(self.tx_packets);
        out.put_u64(self.tx_errors);
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
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

/// The QUEUE reply's list, from `at` to the body's `end`.
pub(super) fn list_tree(v: &[QueueStats], t: &mut Tree, at: usize, end: usize) {
    t.open(&hf::OF_QUEUE_STATS_LIST, at..end);
    for (i, e) in v.iter().enumerate() {
        e.build_tree(t, at + i * QUEUE_STATS_LEN);
    }
    t.close();
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "QUEUE stats", "";
        OF_QUEUE_STATS = "of.queue_stats", Group, "Queue", "one queue's counters";
        OF_QUEUE_STATS_PORT_NO = "of.queue_stats.port_no", Named, "Port", "port number (a reserved port by its name)";
        OF_QUEUE_STATS_QUEUE_ID = "of.queue_stats.queue_id", Uint, "Queue id", "queue number";
        OF_QUEUE_STATS_TX_BYTES = "of.queue_stats.tx_bytes", Uint, "Sent bytes", "bytes sent";
        OF_QUEUE_STATS_TX_PACKETS = "of.queue_stats.tx_packets", Uint, "Sent packets", "packets sent";
        OF_QUEUE_STATS_TX_ERRORS = "of.queue_stats.tx_errors", Uint, "Send errors", "send errors";
        OF_QUEUE_STATS_LIST = "of.queue_stats_list", List, "Queues", "of `of.queue_stats`";
    }
}
