//! UDP header.

use super::{be16, checksum, HeaderError};
use crate::tree::{Tree, Value};

pub const HEADER_LEN: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    /// Header plus data, as declared.
    pub length: u16,
    pub checksum: u16,
}

impl UdpRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        Ok(UdpRepr {
            src_port: be16([h[0], h[1]]),
            dst_port: be16([h[2], h[3]]),
            length: be16([h[4], h[5]]),
            checksum: be16([h[6], h[7]]),
        })
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        for word in [self.src_port, self.dst_port, self.length, self.checksum] {
            out.extend_from_slice(&word.to_be_bytes());
        }
    }

    /// The checksum given the IP pseudo-header sum and the data; 0 is sent as 0xffff.
    pub fn compute_checksum(&self, pseudo_header: u64, data: &[u8]) -> u16 {
        let mut header = Vec::with_capacity(HEADER_LEN);
        UdpRepr {
            checksum: 0,
            ..*self
        }
        .emit(&mut header);
        match checksum::finish(pseudo_header + checksum::sum(&header) + checksum::sum(data)) {
            0 => 0xffff,
            sum => sum,
        }
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        tree.open(&hf::UDP, r(0, HEADER_LEN));
        tree.leaf(&hf::UDP_SRCPORT, Value::Uint(self.src_port.into()), r(0, 2));
        tree.leaf(&hf::UDP_DSTPORT, Value::Uint(self.dst_port.into()), r(2, 2));
        tree.leaf(&hf::UDP_LENGTH, Value::Uint(self.length.into()), r(4, 2));
        tree.leaf(
            &hf::UDP_CHECKSUM,
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(6, 2),
        );
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "UDP", "";
        UDP = "udp", Group, "User Datagram Protocol", "the UDP header";
        UDP_SRCPORT = "udp.srcport", Uint, "Source port", "ports";
        UDP_DSTPORT = "udp.dstport", Uint, "Destination port", "ports";
        UDP_LENGTH = "udp.length", Uint, "Length", "length field (header + data)";
        UDP_CHECKSUM = "udp.checksum", Hex, "Checksum", "checksum as sent";
    }
}
