//! The 8-byte `ofp_header` and the OFPT message type numbers.

use super::wire::{lookup, Put};

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
        let h = bytes.get(..HEADER_LEN)?;
        Some(Header {
            version: h[0],
            msg_type: h[1],
            length: u16::from_be_bytes([h[2], h[3]]),
            xid: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.put_u8(self.version);
        out.put_u8(self.msg_type);
        out.put_u16(self.length);
        out.put_u32(self.xid);
    }
}

/// OFPT numbers (OpenFlow 1.0).
pub mod ofpt {
    pub const HELLO: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const ECHO_REQUEST: u8 = 2;
    pub const ECHO_REPLY: u8 = 3;
    pub const VENDOR: u8 = 4;
    pub const FEATURES_REQUEST: u8 = 5;
    pub const FEATURES_REPLY: u8 = 6;
    pub const GET_CONFIG_REQUEST: u8 = 7;
    pub const GET_CONFIG_REPLY: u8 = 8;
    pub const SET_CONFIG: u8 = 9;
    pub const PACKET_IN: u8 = 10;
    pub const FLOW_REMOVED: u8 = 11;
    pub const PORT_STATUS: u8 = 12;
    pub const PACKET_OUT: u8 = 13;
    pub const FLOW_MOD: u8 = 14;
    pub const PORT_MOD: u8 = 15;
    pub const STATS_REQUEST: u8 = 16;
    pub const STATS_REPLY: u8 = 17;
    pub const BARRIER_REQUEST: u8 = 18;
    pub const BARRIER_REPLY: u8 = 19;
    pub const QUEUE_GET_CONFIG_REQUEST: u8 = 20;
    pub const QUEUE_GET_CONFIG_REPLY: u8 = 21;
}

const TYPE_NAMES: &[(u8, &str)] = &[
    (ofpt::HELLO, "HELLO"),
    (ofpt::ERROR, "ERROR"),
    (ofpt::ECHO_REQUEST, "ECHO_REQUEST"),
    (ofpt::ECHO_REPLY, "ECHO_REPLY"),
    (ofpt::VENDOR, "VENDOR"),
    (ofpt::FEATURES_REQUEST, "FEATURES_REQUEST"),
    (ofpt::FEATURES_REPLY, "FEATURES_REPLY"),
    (ofpt::GET_CONFIG_REQUEST, "GET_CONFIG_REQUEST"),
    (ofpt::GET_CONFIG_REPLY, "GET_CONFIG_REPLY"),
    (ofpt::SET_CONFIG, "SET_CONFIG"),
    (ofpt::PACKET_IN, "PACKET_IN"),
    (ofpt::FLOW_REMOVED, "FLOW_REMOVED"),
    (ofpt::PORT_STATUS, "PORT_STATUS"),
    (ofpt::PACKET_OUT, "PACKET_OUT"),
    (ofpt::FLOW_MOD, "FLOW_MOD"),
    (ofpt::PORT_MOD, "PORT_MOD"),
    (ofpt::STATS_REQUEST, "STATS_REQUEST"),
    (ofpt::STATS_REPLY, "STATS_REPLY"),
    (ofpt::BARRIER_REQUEST, "BARRIER_REQUEST"),
    (ofpt::BARRIER_REPLY, "BARRIER_REPLY"),
    (ofpt::QUEUE_GET_CONFIG_REQUEST, "QUEUE_GET_CONFIG_REQUEST"),
    (ofpt::QUEUE_GET_CONFIG_REPLY, "QUEUE_GET_CONFIG_REPLY"),
];

/// The OFPT name without its prefix (`PACKET_IN`), for OpenFlow 1.0 type numbers.
pub fn type_name(msg_type: u8) -> Option<&'static str> {
    lookup(TYPE_NAMES, msg_type)
}

/// The OpenFlow version name for a header version byte (`OpenFlow 1.3`).
pub fn version_name(version: u8) -> Option<&'static str> {
    lookup(
        &[
            (1, "OpenFlow 1.0"),
            (2, "OpenFlow 1.1"),
            (3, "OpenFlow 1.2"),
            (4, "OpenFlow 1.3"),
            (5, "OpenFlow 1.4"),
            (6, "OpenFlow 1.5"),
        ],
        version,
    )
}
