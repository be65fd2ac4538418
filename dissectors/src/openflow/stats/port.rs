//! PORT stats: one entry of counters per port.

use crate::openflow::port::port_value;
use crate::openflow::wire::{Put, Reader, Result};
use crate::tree::{FieldDef, Tree, Value};

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

pub(super) const PORT_STATS_LEN: usize = 104;

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

    pub(super) fn parse(r: &mut Reader) -> Result<PortStats> {
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

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        out.put_u16(self.port_no);
        out.put_zeros(6);
        for (_, v) in self.counters() {
            out.put_u64(v);
        }
    }

    pub(super) fn build_tree(&self, t: &mut Tree, at: usize) {
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

/// The PORT reply's list, from `at` to the body's `end`.
pub(super) fn list_tree(v: &[PortStats], t: &mut Tree, at: usize, end: usize) {
    t.open(&hf::OF_PORT_STATS_LIST, at..end);
    for (i, e) in v.iter().enumerate() {
        e.build_tree(t, at + i * PORT_STATS_LEN);
    }
    t.close();
}

/// The fields this body puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "PORT stats", "";
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
        OF_PORT_STATS_LIST = "of.port_stats_list", List, "Ports", "of `of.port_stats`";
    }
}
