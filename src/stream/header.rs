//! The 8-byte OpenFlow header, and what it alone tells: framing, plausibility, the sender.
//!
//! Deliberately independent of the OpenFlow codec: framing must work for any version.

/// Every OpenFlow message starts with this header.
pub const HEADER_LEN: usize = 8;

/// Message types numbered alike in 1.0 to 1.5 (the codec is not used here on purpose).
const HELLO: u8 = 0;
const ECHO_REQUEST: u8 = 2;
const ECHO_REPLY: u8 = 3;
const FEATURES_REQUEST: u8 = 5;
const FEATURES_REPLY: u8 = 6;
const PACKET_IN: u8 = 10;
const FLOW_REMOVED: u8 = 11;
const PORT_STATUS: u8 = 12;
const PACKET_OUT: u8 = 13;
const FLOW_MOD: u8 = 14;

/// OpenFlow 1.0 only: types and the lengths of fixed-size messages.
const GET_CONFIG_REQUEST_V10: u8 = 7;
const GET_CONFIG_REPLY_V10: u8 = 8;
const SET_CONFIG_V10: u8 = 9;
const PORT_MOD_V10: u8 = 15;
const BARRIER_REQUEST_V10: u8 = 18;
const BARRIER_REPLY_V10: u8 = 19;
const CONFIG_LEN_V10: usize = 12;
const FLOW_REMOVED_LEN_V10: usize = 88;
const PORT_STATUS_LEN_V10: usize = 64;
const PORT_MOD_LEN_V10: usize = 32;
const FLOW_MOD_LEN_V10: u16 = 72;
/// Wildcard bits defined in OpenFlow 1.0's match (bits 22 and up are unused).
const WILDCARDS_V10: u32 = (1 << 22) - 1;

/// The OpenFlow header: version, type, total length, transaction id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfHeader {
    pub version: u8,
    pub msg_type: u8,
    pub length: u16,
    pub xid: u32,
}

/// Which end of an OpenFlow connection sent something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Switch,
    Controller,
}

impl OfHeader {
    /// Reads the header at the start of `bytes`, if there are 8 bytes.
    pub fn parse(bytes: &[u8]) -> Option<OfHeader> {
        let b: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        Some(OfHeader {
            version: b[0],
            msg_type: b[1],
            length: u16::from_be_bytes([b[2], b[3]]),
            xid: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// True for a header that could start a real message: a known version (1.0 to 1.5),
    /// a type that version defines, and a length no smaller than that type needs.
    pub fn is_plausible(&self) -> bool {
        let Some(max_type) = max_type(self.version) else {
            return false;
        };
        self.msg_type <= max_type
            && usize::from(self.length) >= self.min_length()
            && self
                .fixed_length()
                .is_none_or(|fixed| usize::from(self.length) == fixed)
    }

    /// The length of a type that has no variable part. Only OpenFlow 1.0 is known here.
    fn fixed_length(&self) -> Option<usize> {
        if self.version != 1 {
            return None;
        }
        match self.msg_type {
            FEATURES_REQUEST | GET_CONFIG_REQUEST_V10 | BARRIER_REQUEST_V10 | BARRIER_REPLY_V10 => {
                Some(HEADER_LEN)
            }
            GET_CONFIG_REPLY_V10 | SET_CONFIG_V10 => Some(CONFIG_LEN_V10),
            FLOW_REMOVED => Some(FLOW_REMOVED_LEN_V10),
            PORT_STATUS => Some(PORT_STATUS_LEN_V10),
            PORT_MOD_V10 => Some(PORT_MOD_LEN_V10),
            _ => None,
        }
    }

    /// True when the version byte names an OpenFlow version at all (1.0 to 1.5). A framer
    /// that meets anything else has lost the message boundaries.
    pub fn is_openflow_version(&self) -> bool {
        max_type(self.version).is_some()
    }

    /// True for a HELLO, the first message of every session.
    pub fn is_hello(&self) -> bool {
        self.msg_type == HELLO
    }

    /// The smallest valid length for this type. Only OpenFlow 1.0 is known in detail.
    fn min_length(&self) -> usize {
        if self.version != 1 {
            return HEADER_LEN;
        }
        match self.msg_type {
            1 | 4 | 8 | 9 | 16 | 17 | 20 => 12, // error, vendor, config, stats, queue request
            6 => 32,                            // features reply
            10 => 18,                           // packet in
            11 => 88,                           // flow removed
            12 => 64,                           // port status
            13 => 16,                           // packet out
            14 => 72,                           // flow mod
            15 => 32,                           // port mod
            21 => 16,                           // queue get config reply
            _ => HEADER_LEN,
        }
    }

    /// Who must have sent a message of this type, when the type alone says so.
    pub fn sender(&self) -> Option<Role> {
        match self.msg_type {
            FEATURES_REPLY | PACKET_IN | FLOW_REMOVED | PORT_STATUS => Some(Role::Switch),
            FEATURES_REQUEST | PACKET_OUT | FLOW_MOD => Some(Role::Controller),
            // get-config reply, stats reply, barrier reply, queue-config reply (1.0 only)
            8 | 17 | 19 | 21 if self.version == 1 => Some(Role::Switch),
            7 | 9 | 15 | 16 | 18 | 20 if self.version == 1 => Some(Role::Controller),
            _ => None,
        }
    }
}

/// The highest message type each wire version defines.
fn max_type(version: u8) -> Option<u8> {
    match version {
        1 => Some(21),
        2 => Some(23),
        3 => Some(25),
        4 => Some(29),
        5 => Some(34),
        6 => Some(35),
        _ => None,
    }
}

/// Whether `bytes`, found where no message boundary is known and followed by bytes the
/// capture lost, start an OpenFlow 1.0 message by the body fields they keep: a header
/// alone is too weak there (payloads such as ping's counting pattern hold
/// `01 02 03 04`, a well-formed ECHO_REQUEST header). Only types whose length or first
/// body fields are tightly constrained qualify; anything else is left unlisted rather
/// than made up.
pub fn is_cut_message_start_v10(bytes: &[u8]) -> bool {
    let Some(header) = OfHeader::parse(bytes) else {
        return false;
    };
    if header.version != 1 || !header.is_plausible() {
        return false;
    }
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    // Physical ports, and the reserved ones from IN_PORT (0xfff8) to NONE (0xffff).
    let port_ok = |port: u16| !(0xff00..0xfff8).contains(&port);
    match header.msg_type {
        // Their length is fixed, and `is_plausible` checked it.
        BARRIER_REQUEST_V10 | BARRIER_REPLY_V10 | FLOW_REMOVED | PORT_STATUS => true,
        // OpenFlow switches and controllers send empty echoes.
        ECHO_REQUEST | ECHO_REPLY => header.length == HEADER_LEN as u16,
        // Each body field the capture kept must make sense; the frames inside do not
        // form such a header (their MACs and IP addresses give `01 0a 00 00`: length 0).
        // buffer_id, total_len, in_port, reason, pad
        PACKET_IN => {
            u16_at(12).is_none_or(|total_len| header.length - 18 <= total_len)
                && u16_at(14).is_none_or(port_ok)
                && bytes.get(16).is_none_or(|&reason| reason <= 2)
                && bytes.get(17).is_none_or(|&pad| pad == 0)
        }
        // buffer_id, in_port, actions_len
        PACKET_OUT => {
            u16_at(12).is_none_or(port_ok)
                && u16_at(14).is_none_or(|actions_len| {
                    actions_len % 8 == 0 && 16 + u32::from(actions_len) <= u32::from(header.length)
                })
        }
        FLOW_MOD => {
            (header.length - FLOW_MOD_LEN_V10) % 8 == 0
                && u32_at(8).is_some_and(|wildcards| wildcards & !WILDCARDS_V10 == 0)
        }
        _ => false,
    }
}

/// True when `payload`, the first bytes a connection carries in one direction, looks like
/// OpenFlow: a HELLO, or one or more whole plausible messages and nothing implausible.
/// Used to find OpenFlow on ports nobody told us about, so it errs on the strict side.
pub fn looks_like_openflow(payload: &[u8]) -> bool {
    let Some(first) = OfHeader::parse(payload) else {
        return false;
    };
    if !first.is_plausible() {
        return false;
    }
    if first.is_hello() && first.length <= 256 {
        return true;
    }
    let mut at = 0usize;
    let mut whole = 0usize;
    while let Some(header) = payload.get(at..).and_then(OfHeader::parse) {
        if !header.is_plausible() {
            return false;
        }
        at += usize::from(header.length);
        if at > payload.len() {
            break;
        }
        whole += 1;
    }
    whole > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_judges_headers() {
        let hello = OfHeader::parse(&[1, 0, 0, 8, 0, 0, 0, 7]).unwrap();
        assert_eq!(hello.xid, 7);
        assert!(hello.is_plausible() && hello.is_hello());
        // type 22 does not exist in 1.0; a FLOW_MOD cannot be 20 bytes long.
        assert!(!OfHeader::parse(&[1, 22, 0, 8, 0, 0, 0, 0])
            .unwrap()
            .is_plausible());
        assert!(!OfHeader::parse(&[1, 14, 0, 20, 0, 0, 0, 0])
            .unwrap()
            .is_plausible());
        assert!(OfHeader::parse(&[4, 29, 0, 16, 0, 0, 0, 0])
            .unwrap()
            .is_plausible());
        assert!(!OfHeader::parse(&[7, 0, 0, 8, 0, 0, 0, 0])
            .unwrap()
            .is_plausible());
        assert_eq!(OfHeader::parse(&[1, 0, 0]), None);
    }

    #[test]
    fn recognises_openflow_starts() {
        assert!(looks_like_openflow(&[1, 0, 0, 8, 0, 0, 0, 1]));
        let echo_twice = [[2u8, 2, 0, 8, 0, 0, 0, 1], [2, 3, 0, 8, 0, 0, 0, 1]].concat();
        assert!(looks_like_openflow(&echo_twice));
        // One plausible header but not a whole message, then garbage.
        assert!(!looks_like_openflow(&[1, 2, 0, 200, 0, 0, 0, 0, 9, 9]));
        assert!(!looks_like_openflow(b"GET / HTTP/1.1\r\n"));
    }
}
