//! The message list kept in memory: one small row per message plus its bytes in one arena.
//!
//! Decoded trees are not kept: a large capture has close to a million messages, and a tree
//! is tens of fields each. A row keeps what the list columns need; the message itself is
//! parsed again from its bytes when it is shown, filtered or selected.

use ofscope_dissectors::openflow::{self, Message};

use crate::session::OfRecord;
use crate::stream::{ConnId, Direction};

/// What the message list shows of one message without decoding it again.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based message number in the capture.
    pub index: u64,
    /// The frame that completed the message.
    pub frame: u64,
    pub ts_ns: u64,
    pub dpid: Option<u64>,
    pub conn: ConnId,
    pub direction: Direction,
    pub type_name: &'static str,
    pub xid: u32,
    offset: usize,
    len: u32,
}

/// Every message seen so far, in capture order.
#[derive(Debug, Default)]
pub struct Store {
    rows: Vec<Row>,
    bytes: Vec<u8>,
}

impl Store {
    pub fn push(&mut self, record: &OfRecord) {
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(&record.bytes);
        self.rows.push(Row {
            index: record.index,
            frame: record.frame(),
            ts_ns: record.ts_ns,
            dpid: record.dpid,
            conn: record.conn,
            direction: record.direction,
            type_name: record.message.type_name(),
            xid: record.message.header.xid,
            offset,
            len: u32::try_from(record.bytes.len()).unwrap_or(u32::MAX),
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, i: usize) -> Option<&Row> {
        self.rows.get(i)
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The message bytes of row `i` (empty if there is no such row).
    pub fn bytes(&self, i: usize) -> &[u8] {
        self.rows
            .get(i)
            .and_then(|r| self.bytes.get(r.offset..r.offset + r.len as usize))
            .unwrap_or_default()
    }

    /// Row `i` decoded again.
    pub fn message(&self, i: usize) -> Message {
        openflow::parse(self.bytes(i))
    }

    /// Bytes held, for the status bar and memory checks.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.rows.capacity() * std::mem::size_of::<Row>()
    }
}
