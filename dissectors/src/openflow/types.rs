//! The message types, one table per OpenFlow version, keyed by (version, type) as Open
//! vSwitch's `ofpraw` table is. A row gives the type's number and name, its body, the
//! smallest length a message of it can have (and whether every one has that length),
//! who sends it and, for a reply, the request it answers.
//!
//! OpenFlow 1.0's table is also the dispatch: [`Body`] has one variant per row, and
//! decoding, encoding, the one-line summary and the field tree of a body go through the
//! row's body type, which implements [`BodyCodec`]. A new message type is its body file
//! plus one row. The stream's plausibility checks, the filter's type names, latency's
//! request/reply pairs and the viewer's colours read the table too.

use std::fmt::Write as _;

use super::config::{FeaturesReply, SwitchConfig};
use super::error::ErrorMsg;
use super::flow_mod::FlowMod;
use super::flow_removed::FlowRemoved;
use super::header::OFP_VERSION;
use super::hello::Hello;
use super::packet::{PacketIn, PacketOut};
use super::port::{PortMod, PortStatus};
use super::queue::{QueueGetConfigReply, QueueGetConfigRequest};
use super::stats::{StatsReply, StatsRequest};
use super::vendor::VendorMsg;
use super::wire::{DecodeError, Reader, Result};
use crate::tree::Tree;

/// Which end of an OpenFlow connection sends a message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Switch,
    Controller,
    Either,
}

impl Sender {
    /// Whether a message of this type may come from the switch (`from_switch`) or the
    /// controller (`!from_switch`).
    pub fn may_send(self, from_switch: bool) -> bool {
        match self {
            Sender::Switch => from_switch,
            Sender::Controller => !from_switch,
            Sender::Either => true,
        }
    }
}

/// What a message type is about, which the viewer shows by colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A packet to or from the datapath (PACKET_IN, PACKET_OUT).
    Packet,
    /// A flow table change or its news (FLOW_MOD, FLOW_REMOVED).
    Flow,
    /// A port change or its news.
    Port,
    Error,
    /// Liveness and ordering: echoes and barriers.
    Keepalive,
    Other,
}

/// One message type of one OpenFlow version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgType {
    pub code: u8,
    /// The OFPT name without its prefix (`PACKET_IN`).
    pub name: &'static str,
    /// The smallest length of a whole message of this type, header included.
    pub min_len: u16,
    /// Whether every message of this type is `min_len` bytes long.
    pub fixed: bool,
    pub sender: Sender,
    pub purpose: Purpose,
    /// For a reply, the type of the request it answers (same version).
    pub answers: Option<u8>,
}

impl MsgType {
    /// The length every message of this type has, if it has no variable part.
    pub fn fixed_len(&self) -> Option<u16> {
        self.fixed.then_some(self.min_len)
    }

    /// The kind of exchange a request opens or a reply closes, as latency reports it: the
    /// request's name without `_REQUEST` (`ECHO`, `GET_CONFIG`).
    pub fn exchange(&self) -> &'static str {
        self.name.strip_suffix("_REQUEST").unwrap_or(self.name)
    }
}

/// A message body's behaviour, one implementation per body type named in the table.
pub trait BodyCodec: Sized {
    /// Decodes the body from the bytes after the header.
    fn parse(r: &mut Reader) -> Result<Self>;
    /// Appends the body's wire bytes in canonical form.
    fn emit(&self, out: &mut Vec<u8>);
    /// Appends the body's fields, laid out from `at` (the end of the header).
    fn build_tree(&self, t: &mut Tree, at: usize);
    /// Appends the body's part of the one-line summary.
    fn summary(&self, s: &mut String);
}

/// `BodyCodec` for a body type whose own `parse`, `emit`, `build_tree` and `Display` are
/// the codec.
macro_rules! body_codec {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::openflow::types::BodyCodec for $ty {
            fn parse(r: &mut $crate::openflow::wire::Reader) -> $crate::openflow::wire::Result<Self> {
                <$ty>::parse(r)
            }
            fn emit(&self, out: &mut Vec<u8>) {
                <$ty>::emit(self, out)
            }
            fn build_tree(&self, t: &mut $crate::tree::Tree, at: usize) {
                <$ty>::build_tree(self, t, at)
            }
            fn summary(&self, s: &mut String) {
                use std::fmt::Write as _;
                let _ = write!(s, "{self}");
            }
        }
    )*};
}
pub(crate) use body_codec;

/// Binds a body variant's payload in a pattern (`$ty` only says that there is one).
macro_rules! payload {
    ($bind:ident, $ty:ty) => {
        $bind
    };
}

/// Whether the row says `fixed`.
macro_rules! is_fixed {
    () => {
        false
    };
    (fixed) => {
        true
    };
}

/// The request a row answers, if it names one.
macro_rules! answers {
    () => {
        None
    };
    ($request:ident) => {
        Some(ofpt::$request)
    };
}

/// OpenFlow 1.0's table: the `ofpt` numbers, the rows and the [`Body`] enum with its
/// dispatch, from one list.
macro_rules! message_types {
    (
        $(
            $code:ident = $num:literal => $variant:ident $(($ty:ty))?,
            min $min:literal $($fixed:ident)?, $sender:ident, $purpose:ident
            $(, answers $request:ident)?;
        )*
        $(#[$body_doc:meta])*
        pub enum Body { $($other:tt)* }
    ) => {
        /// OFPT numbers (OpenFlow 1.0).
        pub mod ofpt {
            $(pub const $code: u8 = $num;)*
        }

        /// OpenFlow 1.0's message types, indexed by type number.
        pub static OF10: &[MsgType] = &[$(MsgType {
            code: ofpt::$code,
            name: stringify!($code),
            min_len: $min,
            fixed: is_fixed!($($fixed)?),
            sender: Sender::$sender,
            purpose: Purpose::$purpose,
            answers: answers!($($request)?),
        }),*];

        $(#[$body_doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Body {
            $($variant $(($ty))?,)*
            $($other)*
        }

        impl Body {
            /// The OFPT number this body is sent as (`None` for a body not decoded).
            pub fn msg_type(&self) -> Option<u8> {
                match self {
                    $(Body::$variant { .. } => Some(ofpt::$code),)*
                    _ => None,
                }
            }

            /// Decodes the body of OpenFlow 1.0 type `msg_type`; `None` for a type the
            /// table does not have.
            pub(crate) fn parse_decoded(msg_type: u8, r: &mut Reader) -> Result<Option<Body>> {
                Ok(Some(match msg_type {
                    $(ofpt::$code => Body::$variant $((<$ty as BodyCodec>::parse(r)?))?,)*
                    _ => return Ok(None),
                }))
            }

            /// Appends a decoded body's bytes (nothing for the variants outside the table).
            pub(crate) fn emit_decoded(&self, out: &mut Vec<u8>) {
                match self {
                    $(Body::$variant $((payload!(b, $ty)))? => {
                        $(<$ty as BodyCodec>::emit(b, out);)?
                    })*
                    _ => {}
                }
            }

            /// Appends a decoded body's fields (nothing for the variants outside the table).
            pub(crate) fn build_decoded_tree(&self, t: &mut Tree, at: usize) {
                match self {
                    $(Body::$variant $((payload!(b, $ty)))? => {
                        $(<$ty as BodyCodec>::build_tree(b, t, at);)?
                    })*
                    _ => {}
                }
            }

            /// Appends a decoded body's summary (nothing for the variants outside the table).
            pub(crate) fn decoded_summary(&self, s: &mut String) {
                match self {
                    $(Body::$variant $((payload!(b, $ty)))? => {
                        $(<$ty as BodyCodec>::summary(b, s);)?
                    })*
                    _ => {}
                }
            }
        }
    };
}

message_types! {
    HELLO = 0 => Hello(Hello), min 8, Either, Other;
    ERROR = 1 => Error(ErrorMsg), min 12, Either, Error;
    ECHO_REQUEST = 2 => EchoRequest(Vec<u8>), min 8, Either, Keepalive;
    ECHO_REPLY = 3 => EchoReply(Vec<u8>), min 8, Either, Keepalive, answers ECHO_REQUEST;
    VENDOR = 4 => Vendor(VendorMsg), min 12, Either, Other;
    FEATURES_REQUEST = 5 => FeaturesRequest, min 8 fixed, Controller, Other;
    FEATURES_REPLY = 6 => FeaturesReply(FeaturesReply), min 32, Switch, Other, answers FEATURES_REQUEST;
    GET_CONFIG_REQUEST = 7 => GetConfigRequest, min 8 fixed, Controller, Other;
    GET_CONFIG_REPLY = 8 => GetConfigReply(SwitchConfig), min 12 fixed, Switch, Other,
        answers GET_CONFIG_REQUEST;
    SET_CONFIG = 9 => SetConfig(SwitchConfig), min 12 fixed, Controller, Other;
    PACKET_IN = 10 => PacketIn(PacketIn), min 18, Switch, Packet;
    FLOW_REMOVED = 11 => FlowRemoved(FlowRemoved), min 88 fixed, Switch, Flow;
    PORT_STATUS = 12 => PortStatus(PortStatus), min 64 fixed, Switch, Port;
    PACKET_OUT = 13 => PacketOut(PacketOut), min 16, Controller, Packet;
    FLOW_MOD = 14 => FlowMod(FlowMod), min 72, Controller, Flow;
    PORT_MOD = 15 => PortMod(PortMod), min 32 fixed, Controller, Port;
    STATS_REQUEST = 16 => StatsRequest(StatsRequest), min 12, Controller, Other;
    STATS_REPLY = 17 => StatsReply(StatsReply), min 12, Switch, Other, answers STATS_REQUEST;
    BARRIER_REQUEST = 18 => BarrierRequest, min 8 fixed, Controller, Keepalive;
    BARRIER_REPLY = 19 => BarrierReply, min 8 fixed, Switch, Keepalive, answers BARRIER_REQUEST;
    QUEUE_GET_CONFIG_REQUEST = 20 => QueueGetConfigRequest(QueueGetConfigRequest), min 12,
        Controller, Other;
    QUEUE_GET_CONFIG_REPLY = 21 => QueueGetConfigReply(QueueGetConfigReply), min 16, Switch, Other,
        answers QUEUE_GET_CONFIG_REQUEST;

    /// The body of a message, one variant per OpenFlow 1.0 type (above), plus the ones
    /// that are not decoded.
    pub enum Body {
        /// A version other than 1.0: the bytes after the header (those captured), not decoded.
        OtherVersion(Vec<u8>),
        /// An OpenFlow 1.0 message the capture cut (snaplen, lost segment) inside a structure:
        /// the body decoded with the missing bytes read as zeros, so only its fields within the
        /// captured bytes are real (the tree shows only those; see [`Message::has_bytes`]), or
        /// why even that failed. A cut message whose decoded fields are all real keeps its own
        /// variant instead (a PACKET_IN cut inside its frame is a `PacketIn`). `bytes` are the
        /// captured bytes after the header: the body cannot be re-encoded without the missing
        /// ones, so it is emitted as these.
        ///
        /// [`Message::has_bytes`]: super::Message::has_bytes
        Cut {
            decoded: std::result::Result<Box<Body>, DecodeError>,
            bytes: Vec<u8>,
        },
        /// Could not be decoded; `raw` is the whole message as given.
        Malformed {
            reason: DecodeError,
            raw: Vec<u8>,
        },
    }
}

/// Wire versions of OpenFlow 1.1 to 1.5, for the table below and the layouts all versions
/// share.
pub(crate) const V11: u8 = 2;
pub(crate) const V12: u8 = 3;
pub(crate) const V13: u8 = 4;
pub(crate) const V14: u8 = 5;
pub(crate) const V15: u8 = 6;

/// A row of a version whose bodies this codec does not decode: its name and sender
/// (their lengths, purposes and replies are not known here).
const fn named(code: u8, name: &'static str, sender: Sender) -> MsgType {
    MsgType {
        code,
        name,
        min_len: super::header::HEADER_LEN as u16,
        fixed: false,
        sender,
        purpose: Purpose::Other,
        answers: None,
    }
}

/// OpenFlow 1.1 to 1.5 as `(first version, last version, row)`: each type once, with the
/// versions that define it (the specifications' `ofp_type`, as tshark and
/// `ovs-ofctl ofp-print` name them).
static LATER: &[(u8, u8, MsgType)] = {
    use Sender::{Controller, Either, Switch};
    &[
        (V11, V15, named(0, "HELLO", Either)),
        (V11, V15, named(1, "ERROR", Either)),
        (V11, V15, named(2, "ECHO_REQUEST", Either)),
        (V11, V15, named(3, "ECHO_REPLY", Either)),
        (V11, V15, named(4, "EXPERIMENTER", Either)),
        (V11, V15, named(5, "FEATURES_REQUEST", Controller)),
        (V11, V15, named(6, "FEATURES_REPLY", Switch)),
        (V11, V15, named(7, "GET_CONFIG_REQUEST", Controller)),
        (V11, V15, named(8, "GET_CONFIG_REPLY", Switch)),
        (V11, V15, named(9, "SET_CONFIG", Controller)),
        (V11, V15, named(10, "PACKET_IN", Switch)),
        (V11, V15, named(11, "FLOW_REMOVED", Switch)),
        (V11, V15, named(12, "PORT_STATUS", Switch)),
        (V11, V15, named(13, "PACKET_OUT", Controller)),
        (V11, V15, named(14, "FLOW_MOD", Controller)),
        (V11, V15, named(15, "GROUP_MOD", Controller)),
        (V11, V15, named(16, "PORT_MOD", Controller)),
        (V11, V15, named(17, "TABLE_MOD", Controller)),
        (V11, V12, named(18, "STATS_REQUEST", Controller)),
        (V13, V15, named(18, "MULTIPART_REQUEST", Controller)),
        (V11, V12, named(19, "STATS_REPLY", Switch)),
        (V13, V15, named(19, "MULTIPART_REPLY", Switch)),
        (V11, V15, named(20, "BARRIER_REQUEST", Controller)),
        (V11, V15, named(21, "BARRIER_REPLY", Switch)),
        (V11, V13, named(22, "QUEUE_GET_CONFIG_REQUEST", Controller)),
        (V11, V13, named(23, "QUEUE_GET_CONFIG_REPLY", Switch)),
        (V12, V15, named(24, "ROLE_REQUEST", Controller)),
        (V12, V15, named(25, "ROLE_REPLY", Switch)),
        (V13, V15, named(26, "GET_ASYNC_REQUEST", Controller)),
        (V13, V15, named(27, "GET_ASYNC_REPLY", Switch)),
        (V13, V15, named(28, "SET_ASYNC", Controller)),
        (V13, V15, named(29, "METER_MOD", Controller)),
        (V14, V15, named(30, "ROLE_STATUS", Switch)),
        (V14, V15, named(31, "TABLE_STATUS", Switch)),
        (V14, V15, named(32, "REQUESTFORWARD", Switch)),
        (V14, V15, named(33, "BUNDLE_CONTROL", Either)),
        (V14, V15, named(34, "BUNDLE_ADD_MESSAGE", Controller)),
        (V15, V15, named(35, "CONTROLLER_STATUS", Switch)),
    ]
};

/// The row of `msg_type` in `version`'s table: `None` when that version defines no such
/// type or the version is unknown.
pub fn msg_type(version: u8, msg_type: u8) -> Option<&'static MsgType> {
    if version == OFP_VERSION {
        return OF10.get(usize::from(msg_type));
    }
    LATER
        .iter()
        .find(|(first, last, row)| row.code == msg_type && (*first..=*last).contains(&version))
        .map(|(.., row)| row)
}

/// The OFPT name without its prefix (`PACKET_IN`), for OpenFlow 1.0 type numbers.
pub fn type_name(msg_type: u8) -> Option<&'static str> {
    versioned_type_name(OFP_VERSION, msg_type)
}

/// The OFPT name (without prefix) that `version` gives to `msg_type`: OpenFlow 1.0's own
/// names for version 1, the later specifications' for 2 to 6, `None` when that version
/// defines no such type or the version is unknown.
pub fn versioned_type_name(version: u8, code: u8) -> Option<&'static str> {
    msg_type(version, code).map(|row| row.name)
}

/// [`versioned_type_name`], or `UNKNOWN` when `version` has no such type or is unknown.
pub fn versioned_type_name_or_unknown(version: u8, code: u8) -> &'static str {
    versioned_type_name(version, code).unwrap_or("UNKNOWN")
}

/// The OpenFlow version name for a header version byte (`OpenFlow 1.3`).
pub fn version_name(version: u8) -> Option<&'static str> {
    super::wire::lookup(
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

/// The unknown-type error of a 1.0 message whose type the table does not have.
pub(crate) fn unknown_type(msg_type: u8) -> DecodeError {
    DecodeError::invalid(
        "OFPBRC_BAD_TYPE",
        format!("unknown message type {msg_type}"),
    )
}

/// An echo's body is its payload.
impl BodyCodec for Vec<u8> {
    fn parse(r: &mut Reader) -> Result<Self> {
        Ok(r.rest().to_vec())
    }
    fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn build_tree(&self, t: &mut Tree, at: usize) {
        super::message::echo_tree(self, t, at);
    }
    fn summary(&self, s: &mut String) {
        let _ = write!(s, "{} bytes of payload", self.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of10_rows_sit_at_their_type_number() {
        for (i, row) in OF10.iter().enumerate() {
            assert_eq!(usize::from(row.code), i, "{}", row.name);
        }
    }

    #[test]
    fn replies_answer_a_request_the_other_side_sends() {
        for reply in OF10.iter().filter(|r| r.answers.is_some()) {
            let request = msg_type(OFP_VERSION, reply.answers.unwrap()).unwrap();
            assert!(request.name.ends_with("_REQUEST"), "{}", request.name);
            assert_eq!(request.exchange(), reply.name.trim_end_matches("_REPLY"));
            assert!(request.sender != reply.sender || reply.sender == Sender::Either);
        }
    }

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
