//! The 8-byte OpenFlow header, and what it alone tells: framing, plausibility, the sender.
//!
//! Framing must work for any version, so nothing here decodes a body: what a type allows
//! (its length, its sender) comes from the codec's message-type table.

use ofscope_dissectors::openflow::flow_match::ofpfw;
use ofscope_dissectors::openflow::types::{self, ofpt, MsgType, Sender};

/// Every OpenFlow message starts with this header.
pub const HEADER_LEN: usize = 8;

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

    /// The type table's row for this header's version and type.
    fn row(&self) -> Option<&'static MsgType> {
        types::msg_type(self.version, self.msg_type)
    }

    /// True for a header that could start a real message: a known version (1.0 to 1.5),
    /// a type that version defines, and a length that type allows.
    pub fn is_plausible(&self) -> bool {
        self.row().is_some_and(|row| {
            self.length >= row.min_len && row.fixed_len().is_none_or(|fixed| self.length == fixed)
        })
    }

    /// True when the version byte names an OpenFlow version at all (1.0 to 1.5). A framer
    /// that meets anything else has lost the message boundaries.
    pub fn is_openflow_version(&self) -> bool {
        types::version_name(self.version).is_some()
    }

    /// True for a HELLO, the first message of every session.
    pub fn is_hello(&self) -> bool {
        self.msg_type == ofpt::HELLO
    }

    /// Who must have sent a message of this type, when the type alone says so.
    pub fn sender(&self) -> Option<Role> {
        match self.row()?.sender {
            Sender::Switch => Some(Role::Switch),
            Sender::Controller => Some(Role::Controller),
            Sender::Either => None,
        }
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
        ofpt::BARRIER_REQUEST | ofpt::BARRIER_REPLY | ofpt::FLOW_REMOVED | ofpt::PORT_STATUS => {
            true
        }
        // OpenFlow switches and controllers send empty echoes.
        ofpt::ECHO_REQUEST | ofpt::ECHO_REPLY => header.length == HEADER_LEN as u16,
        // Each body field the capture kept must make sense; the frames inside do not
        // form such a header (their MACs and IP addresses give `01 0a 00 00`: length 0).
        // buffer_id, total_len, in_port, reason, pad
        ofpt::PACKET_IN => {
            u16_at(12).is_none_or(|total_len| header.length - 18 <= total_len)
                && u16_at(14).is_none_or(port_ok)
                && bytes.get(16).is_none_or(|&reason| reason <= 2)
                && bytes.get(17).is_none_or(|&pad| pad == 0)
        }
        // buffer_id, in_port, actions_len
        ofpt::PACKET_OUT => {
            u16_at(12).is_none_or(port_ok)
                && u16_at(14).is_none_or(|actions_len| {
                    actions_len % 8 == 0 && 16 + u32::from(actions_len) <= u32::from(header.length)
                })
        }
        ofpt::FLOW_MOD => {
            (header.length - types::OF10[usize::from(ofpt::FLOW_MOD)].min_len).is_multiple_of(8)
                && u32_at(8).is_some_and(|wildcards| wildcards & !ofpfw::ALL == 0)
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
