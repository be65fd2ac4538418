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

/// Wire versions of OpenFlow 1.1 to 1.5, for the table below.
const V11: u8 = 2;
const V12: u8 = 3;
const V13: u8 = 4;
const V14: u8 = 5;
const V15: u8 = 6;

/// OFPT names of OpenFlow 1.1 to 1.5 as `(type, first version, last version, name)`:
/// each name once, with the versions that define it (the specifications' `ofp_type`, as
/// tshark and `ovs-ofctl ofp-print` name them).
const LATER_TYPE_NAMES: &[(u8, u8, u8, &str)] = &[
    (0, V11, V15, "HELLO"),
    (1, V11, V15, "ERROR"),
    (2, V11, V15, "ECHO_REQUEST"),
    (3, V11, V15, "ECHO_REPLY"),
    (4, V11, V15, "EXPERIMENTER"),
    (5, V11, V15, "FEATURES_REQUEST"),
    (6, V11, V15, "FEATURES_REPLY"),
    (7, V11, V15, "GET_CONFIG_REQUEST"),
    (8, V11, V15, "GET_CONFIG_REPLY"),
    (9, V11, V15, "SET_CONFIG"),
    (10, V11, V15, "PACKET_IN"),
    (11, V11, V15, "FLOW_REMOVED"),
    (12, V11, V15, "PORT_STATUS"),
    (13, V11, V15, "PACKET_OUT"),
    (14, V11, V15, "FLOW_MOD"),
    (15, V11, V15, "GROUP_MOD"),
    (16, V11, V15, "PORT_MOD"),
    (17, V11, V15, "TABLE_MOD"),
    (18, V11, V12, "STATS_REQUEST"),
    (18, V13, V15, "MULTIPART_REQUEST"),
    (19, V11, V12, "STATS_REPLY"),
    (19, V13, V15, "MULTIPART_REPLY"),
    (20, V11, V15, "BARRIER_REQUEST"),
    (21, V11, V15, "BARRIER_REPLY"),
    (22, V11, V13, "QUEUE_GET_CONFIG_REQUEST"),
    (23, V11, V13, "QUEUE_GET_CONFIG_REPLY"),
    (24, V12, V15, "ROLE_REQUEST"),
    (25, V12, V15, "ROLE_REPLY"),
    (26, V13, V15, "GET_ASYNC_REQUEST"),
    (27, V13, V15, "GET_ASYNC_REPLY"),
    (28, V13, V15, "SET_ASYNC"),
    (29, V13, V15, "METER_MOD"),
    (30, V14, V15, "ROLE_STATUS"),
    (31, V14, V15, "TABLE_STATUS"),
    (32, V14, V15, "REQUESTFORWARD"),
    (33, V14, V15, "BUNDLE_CONTROL"),
    (34, V14, V15, "BUNDLE_ADD_MESSAGE"),
    (35, V15, V15, "CONTROLLER_STATUS"),
];

/// The OFPT name (without prefix) that `version` gives to `msg_type`: OpenFlow 1.0's own
/// names for version 1, the later specifications' for 2 to 6, `None` when that version
/// defines no such type or the version is unknown.
pub fn versioned_type_name(version: u8, msg_type: u8) -> Option<&'static str> {
    if version == OFP_VERSION {
        return type_name(msg_type);
    }
    LATER_TYPE_NAMES
        .iter()
        .find(|&&(t, first, last, _)| t == msg_type && (first..=last).contains(&version))
        .map(|&(.., name)| name)
}

/// The OpenFlow version name for a header version byte (`OpenFlow 1.3`).
pub fn version_name(version: u8) -> Option<&'static str> {
    lookup(
        &[
            (OFP_VERSION, "OpenFlow 1.0"),
            (V11, "OpenFlow 1.1"),
            (V12, "OpenFlow 1.2"),
            (V13, "OpenFlow 1.3"),
            (V14, "OpenFlow 1.4"),
            (V15, "OpenFlow 1.5"),
        ],
        version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names tshark (OpenFlow 1.3 to 1.5) and `ovs-ofctl ofp-print` (1.1, 1.2) give.
    #[test]
    fn each_version_names_its_own_types() {
        for (version, msg_type, name) in [
            (1, 19, Some("BARRIER_REPLY")),
            (2, 4, Some("EXPERIMENTER")),
            (2, 18, Some("STATS_REQUEST")),
            (3, 24, Some("ROLE_REQUEST")),
            (2, 24, None),
            (4, 19, Some("MULTIPART_REPLY")),
            (4, 20, Some("BARRIER_REQUEST")),
            (4, 21, Some("BARRIER_REPLY")),
            (4, 23, Some("QUEUE_GET_CONFIG_REPLY")),
            (5, 22, None),
            (5, 34, Some("BUNDLE_ADD_MESSAGE")),
            (6, 35, Some("CONTROLLER_STATUS")),
            (6, 36, None),
            (0, 0, None),
            (7, 0, None),
        ] {
            assert_eq!(
                versioned_type_name(version, msg_type),
                name,
                "version {version} type {msg_type}"
            );
        }
    }
}
