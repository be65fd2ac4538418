//! The 8-byte `ofp_header` (the message types are in [`super::types`]).

use super::wire::Put;

/// The only version this codec decodes past the header.
pub const OFP_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 8;

/// `ofp_header`. `length` is as read from the wire; `emit` writes the real length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub version: u8,
    pub msg_type: u8,
    pub length: u16,
    pub xid: u32,
}

impl Header {
    /// Reads the header from the first 8 bytes, or `None` if there are fewer.
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let &[version, msg_type, l0, l1, x0, x1, x2, x3] = bytes.first_chunk::<HEADER_LEN>()?;
        Some(Header {
            version,
            msg_type,
            length: u16::from_be_bytes([l0, l1]),
            xid: u32::from_be_bytes([x0, x1, x2, x3]),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u8(self.version);
        out.put_u8(self.msg_type);
        out.put_u16(self.length);
        out.put_u32(self.xid);
    }
}
