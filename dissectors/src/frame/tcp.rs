//! TCP header with options.

use super::{be16, checksum, HeaderError, Options};
use crate::tree::{Tree, Value};

pub const MIN_HEADER_LEN: usize = 20;

named_numbers! {
    /// TCP header flags.
    pub mod flag: u16, [flags FLAG_NAMES] {
        FIN = 0x001,
        SYN = 0x002,
        RST = 0x004,
        PSH = 0x008,
        ACK = 0x010,
        URG = 0x020,
        ECE = 0x040,
        CWR = 0x080,
        NS = 0x100,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRepr {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// The 12 bits after the data offset: 3 reserved bits, then NS ... FIN (`flag::*`).
    pub flags: u16,
    pub window: u16,
    pub checksum: u16,
    pub urgent: u16,
    /// Options; their length is a multiple of 4 (the data offset is derived from it).
    pub options: Options,
}

impl TcpRepr {
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let h: [u8; MIN_HEADER_LEN] = bytes
            .get(..MIN_HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(HeaderError::Truncated)?;
        let header_len = usize::from(h[12] >> 4) * 4;
        if header_len < MIN_HEADER_LEN {
            return Err(HeaderError::Malformed);
        }
        let options = bytes
            .get(MIN_HEADER_LEN..header_len)
            .ok_or(HeaderError::Truncated)?;
        Ok(TcpRepr {
            src_port: be16([h[0], h[1]]),
            dst_port: be16([h[2], h[3]]),
            seq: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
            ack: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
            flags: be16([h[12], h[13]]) & 0x0fff,
            window: be16([h[14], h[15]]),
            checksum: be16([h[16], h[17]]),
            urgent: be16([h[18], h[19]]),
            options: Options::new(options).ok_or(HeaderError::Malformed)?,
        })
    }

    pub fn header_len(&self) -> usize {
        MIN_HEADER_LEN + self.options.len()
    }

    pub fn buffer_len(&self) -> usize {
        self.header_len()
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ack.to_be_bytes());
        let offset = (self.header_len() / 4) as u16;
        out.extend_from_slice(&((offset << 12) | (self.flags & 0x0fff)).to_be_bytes());
        for word in [self.window, self.checksum, self.urgent] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.extend_from_slice(self.options.as_slice());
    }

    /// The checksum given the IP pseudo-header sum and the data.
    pub fn compute_checksum(&self, pseudo_header: u64, data: &[u8]) -> u16 {
        let mut header = Vec::with_capacity(self.header_len());
        TcpRepr {
            checksum: 0,
            ..*self
        }
        .emit(&mut header);
        checksum::finish(pseudo_header + checksum::sum(&header) + checksum::sum(data))
    }

    /// tcpdump's flag letters: `S`, `S.`, `P.`, `F.`, `R`, ...
    pub fn flag_letters(&self) -> String {
        let letters = [
            (flag::FIN, 'F'),
            (flag::SYN, 'S'),
            (flag::RST, 'R'),
            (flag::PSH, 'P'),
            (flag::URG, 'U'),
            (flag::ECE, 'E'),
            (flag::CWR, 'W'),
        ];
        let mut s: String = letters
            .iter()
            .filter(|(bit, _)| self.flags & bit != 0)
            .map(|&(_, c)| c)
            .collect();
        if self.flags & flag::ACK != 0 {
            s.push('.');
        }
        if s.is_empty() {
            s.push_str("none");
        }
        s
    }

    pub fn build_tree(&self, tree: &mut Tree, at: usize) {
        let r = |from: usize, len: usize| at + from..at + from + len;
        let hl = self.header_len();
        tree.open(&hf::TCP, r(0, hl));
        tree.leaf(&hf::TCP_SRCPORT, Value::Uint(self.src_port.into()), r(0, 2));
        tree.leaf(&hf::TCP_DSTPORT, Value::Uint(self.dst_port.into()), r(2, 2));
        tree.leaf(&hf::TCP_SEQ, Value::Uint(self.seq.into()), r(4, 4));
        tree.leaf(&hf::TCP_ACK, Value::Uint(self.ack.into()), r(8, 4));
        tree.leaf(&hf::TCP_HDR_LEN, Value::Uint(hl as u64), r(12, 1));
        tree.leaf(
            &hf::TCP_FLAGS,
            Value::Flags {
                value: self.flags.into(),
                names: FLAG_NAMES,
            },
            r(12, 2),
        );
        tree.leaf(
            &hf::TCP_WINDOW_SIZE,
            Value::Uint(self.window.into()),
            r(14, 2),
        );
        tree.leaf(
            &hf::TCP_CHECKSUM,
            Value::Hex {
                value: self.checksum.into(),
                digits: 4,
            },
            r(16, 2),
        );
        tree.leaf(
            &hf::TCP_URGENT_POINTER,
            Value::Uint(self.urgent.into()),
            r(18, 2),
        );
        if !self.options.is_empty() {
            let opts = r(MIN_HEADER_LEN, self.options.len());
            tree.leaf(&hf::TCP_OPTIONS, Value::Bytes(opts.clone()), opts);
        }
        tree.close();
    }
}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "TCP", "";
        TCP = "tcp", Group, "Transmission Control Protocol", "the TCP header";
        TCP_SRCPORT = "tcp.srcport", Uint, "Source port", "ports";
        TCP_DSTPORT = "tcp.dstport", Uint, "Destination port", "ports";
        TCP_SEQ = "tcp.seq", Uint, "Sequence number", "raw sequence and acknowledgment numbers (`tcp.seq_raw`, `tcp.ack_raw`: no relative numbering)";
        TCP_ACK = "tcp.ack", Uint, "Acknowledgment number", "raw sequence and acknowledgment numbers (`tcp.seq_raw`, `tcp.ack_raw`: no relative numbering)";
        TCP_HDR_LEN = "tcp.hdr_len", Uint, "Header length", "header length in bytes";
        TCP_FLAGS = "tcp.flags", Flags, "Flags", "flags";
        TCP_WINDOW_SIZE = "tcp.window_size", Uint, "Window", "window, unscaled (Wireshark: `tcp.window_size_value`)";
        TCP_CHECKSUM = "tcp.checksum", Hex, "Checksum", "checksum as sent";
        TCP_URGENT_POINTER = "tcp.urgent_pointer", Uint, "Urgent pointer", "urgent pointer";
        TCP_OPTIONS = "tcp.options", Bytes, "Options", "options, when present";
    }
}
