//! A whole OpenFlow message: header plus typed body, with parse/emit dispatch, the
//! one-line summary and the field tree.

use std::fmt::Write as _;

use super::config::{features_reply_fits, FeaturesReply};
use super::error::ErrorMsg;
use super::flow_mod::FlowMod;
use super::flow_removed::FlowRemoved;
use super::header::{Header, HEADER_LEN, OFP_VERSION};
use super::hello::Hello;
use super::packet::{PacketIn, PacketOut};
use super::port::{named_or_unknown, PortMod, PortStatus};
use super::queue::{QueueGetConfigReply, QueueGetConfigRequest};
use super::stats::{StatsReply, StatsRequest};
use super::types::{
    ofpt, type_name, unknown_type, version_name, versioned_type_name,
    versioned_type_name_or_unknown, Body,
};
use super::vendor::VendorMsg;
use super::wire::{len16, patch_u16, DecodeError, Reader, Result};
use crate::tree::{Kind, Tree, Value};

impl Body {
    fn parse(msg_type: u8, r: &mut Reader) -> Result<Body> {
        let body = Body::parse_decoded(msg_type, r)?.ok_or_else(|| unknown_type(msg_type))?;
        if !r.is_empty() {
            return Err(DecodeError::Trailing {
                what: type_name(msg_type).unwrap_or("message"),
                extra: r.remaining(),
            });
        }
        Ok(body)
    }

    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Body::OtherVersion(d) | Body::Cut { bytes: d, .. } => out.extend_from_slice(d),
            // `Message::emit` writes a malformed message as its bytes, header and all.
            Body::Malformed { .. } => {}
            body => body.emit_decoded(out),
        }
    }
}

/// One OpenFlow message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub body: Body,
    /// For a message the capture cut: how many of its bytes the capture holds, fewer than
    /// the header's length (which `emit` then keeps). The bytes themselves are the
    /// caller's (the stream's chunk); the message is only what they decode to.
    cut_at: Option<usize>,
}

/// Decodes one whole message (as framed by its header length). Never fails: see [`Body`].
pub fn parse(bytes: &[u8]) -> Message {
    Message::parse(bytes)
}

impl Message {
    /// A new OpenFlow 1.0 message; the header's type and length follow from the body.
    pub fn new(xid: u32, body: Body) -> Message {
        let mut m = Message::unmeasured(xid, body);
        m.header.length = len16(m.emit().len());
        m
    }

    /// A new OpenFlow 1.0 message whose header length is still 0 (`emit` writes the right
    /// one).
    fn unmeasured(xid: u32, body: Body) -> Message {
        Message {
            header: Header {
                version: OFP_VERSION,
                msg_type: body.msg_type().unwrap_or(0),
                length: 0,
                xid,
            },
            body,
            cut_at: None,
        }
    }

    pub fn parse(bytes: &[u8]) -> Message {
        let Some(header) = Header::parse(bytes) else {
            let mut h = [0u8; HEADER_LEN];
            h.iter_mut().zip(bytes).for_each(|(h, b)| *h = *b);
            return Message {
                header: Header::parse(&h).unwrap_or_default(),
                body: Body::Malformed {
                    reason: DecodeError::Short {
                        what: "OpenFlow header",
                        need: HEADER_LEN,
                        have: bytes.len(),
                    },
                    raw: bytes.to_vec(),
                },
                cut_at: None,
            };
        };
        // The header parsed, so there are at least its 8 bytes: the fallback is never taken.
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        let malformed = |reason| Message {
            header,
            body: Body::Malformed {
                reason,
                raw: bytes.to_vec(),
            },
            cut_at: None,
        };
        let length = usize::from(header.length);
        if bytes.len() > length {
            return malformed(DecodeError::Length {
                header: length,
                actual: bytes.len(),
            });
        }
        let cut = bytes.len() < length;
        // HELLO's layout is the same in every version, and its version bitmap is what
        // version negotiation is about, so it is decoded whatever the (known) version.
        let decodable = header.version == OFP_VERSION
            || (header.msg_type == ofpt::HELLO && version_name(header.version).is_some());
        if !decodable {
            return Message {
                header,
                body: Body::OtherVersion(body.to_vec()),
                cut_at: cut.then_some(bytes.len()),
            };
        }
        if cut {
            return Message::parse_cut(header, body);
        }
        let mut r = Reader::new(body);
        match Body::parse(header.msg_type, &mut r) {
            Ok(body) => Message {
                header,
                body,
                cut_at: None,
            },
            Err(reason) => malformed(reason),
        }
    }

    /// A message the capture cut: fewer bytes than its header's length. Never malformed for
    /// that alone: the body is decoded as far as the captured bytes go (see [`Body::Cut`]).
    /// `captured` is what the capture holds after the header.
    fn parse_cut(header: Header, captured: &[u8]) -> Message {
        let mut zero_filled = captured.to_vec();
        zero_filled.resize(usize::from(header.length) - HEADER_LEN, 0);
        let mut r = Reader::cut(&zero_filled, captured.len());
        let body = match Body::parse(header.msg_type, &mut r) {
            // Every field real and only trailing data cut (a PACKET_IN's frame, say).
            Ok(body) if r.all_real() => body,
            decoded => Body::Cut {
                decoded: decoded.map(Box::new),
                bytes: captured.to_vec(),
            },
        };
        Message {
            header,
            body,
            cut_at: Some(HEADER_LEN + captured.len()),
        }
    }

    /// The wire bytes in canonical form (zero padding, text NUL-padded), written from the
    /// header and body as they are now: for a parsed message in canonical form, exactly
    /// the bytes parsed. The length is the bytes written, except for a message the
    /// capture cut, which keeps the length its header declared. A malformed message is
    /// its bytes.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::from(self.header.length).max(HEADER_LEN));
        self.emit_into(&mut out);
        out
    }

    /// Appends the message's bytes to `out` (a connection's send queue, say): what
    /// [`Message::emit`] returns.
    pub fn emit_into(&self, out: &mut Vec<u8>) {
        if let Body::Malformed { raw, .. } = &self.body {
            out.extend_from_slice(raw);
            return;
        }
        let start = out.len();
        let mut h = self.header;
        if let Some(t) = self.body.msg_type() {
            h.msg_type = t;
        }
        h.emit(out);
        self.body.emit(out);
        if self.cut_at.is_none() {
            let len = len16(out.len() - start);
            patch_u16(out, start + 2, len);
        }
    }

    /// Appends a new OpenFlow 1.0 message to `out`: the bytes of
    /// `Message::new(xid, body).emit()`, emitted once (`new` emits to learn its length).
    pub fn emit_new(xid: u32, body: Body, out: &mut Vec<u8>) {
        Message::unmeasured(xid, body).emit_into(out);
    }

    /// The OFPT name without prefix (`PACKET_IN`) that the message's own version gives its
    /// type (`MULTIPART_REPLY` for OpenFlow 1.3 type 19); `UNKNOWN` when that version has no
    /// such type or the version is unknown.
    pub fn type_name(&self) -> &'static str {
        versioned_type_name_or_unknown(self.header.version, self.header.msg_type)
    }

    /// The type as the summary shows it: the bare name for OpenFlow 1.0 (`PACKET_IN`),
    /// `OpenFlow 1.3 type 19 (MULTIPART_REPLY)` for other versions, so that no other
    /// version's message reads as a 1.0 one.
    fn write_type(&self, s: &mut String) {
        let h = &self.header;
        let name = versioned_type_name(h.version, h.msg_type);
        let _ = match (version_name(h.version), name) {
            _ if h.version == OFP_VERSION => write!(s, "{}", self.type_name()),
            (Some(version), Some(name)) => write!(s, "{version} type {} ({name})", h.msg_type),
            (Some(version), None) => write!(s, "{version} type {}", h.msg_type),
            (None, _) => write!(
                s,
                "unknown OpenFlow version {} type {}",
                h.version, h.msg_type
            ),
        };
    }

    /// How many bytes of the message there are: fewer than the header's length when the
    /// capture cut it.
    pub fn captured_len(&self) -> usize {
        match (self.cut_at, &self.body) {
            (Some(len), _) => len,
            (None, Body::Malformed { raw, .. }) => raw.len(),
            _ => usize::from(self.header.length),
        }
    }

    /// Whether the capture holds the bytes `range` of the message (offsets from its start):
    /// a field of a [`Body::Cut`] body is real only if this holds for its bytes.
    pub fn has_bytes(&self, range: std::ops::Range<usize>) -> bool {
        range.end <= self.captured_len()
    }

    /// Whether the header is a FEATURES_REPLY's of its version: the type, and a length that
    /// fits that version's layout, whether or not the body is decoded.
    pub fn is_features_reply(&self) -> bool {
        self.header.msg_type == ofpt::FEATURES_REPLY
            && features_reply_fits(self.header.version, self.header.length)
    }

    /// The switch's datapath id from a FEATURES_REPLY of any version, whole or cut after
    /// its first 16 bytes: the first field after the header in every version, so it is
    /// known where the capture holds it, even when the version is not decoded.
    pub fn datapath_id(&self) -> Option<u64> {
        const DATAPATH_ID: std::ops::Range<usize> = HEADER_LEN..HEADER_LEN + 8;
        if !self.is_features_reply() || !self.has_bytes(DATAPATH_ID) {
            return None;
        }
        let body_bytes = match &self.body {
            Body::FeaturesReply(f) => return Some(f.datapath_id),
            Body::OtherVersion(body) | Body::Cut { bytes: body, .. } => body.as_slice(),
            Body::Malformed { raw, .. } => raw.get(HEADER_LEN..).unwrap_or_default(),
            _ => return None,
        };
        let dpid: [u8; 8] = body_bytes.get(..8)?.try_into().ok()?;
        Some(u64::from_be_bytes(dpid))
    }

    /// Whether the body could not be decoded.
    pub fn is_malformed(&self) -> bool {
        matches!(self.body, Body::Malformed { .. })
    }

    /// Whether the message was cut short (by a capture's snaplen, say) and its body was
    /// decoded from the bytes there were.
    pub fn is_truncated(&self) -> bool {
        self.cut_at.is_some()
    }

    /// One line in ovs-ofctl style: `FLOW_MOD xid=0x5 ADD priority=...`.
    pub fn summary(&self) -> String {
        // Written straight into one string sized for a PACKET_IN with its frame: the
        // summary is in every text line and JSON object, so growth and copies show.
        let mut s = String::with_capacity(160);
        self.write_type(&mut s);
        let _ = write!(s, " xid=0x{:x} ", self.header.xid);
        let before_detail = s.len();
        let _ = match &self.body {
            Body::OtherVersion(_) => write!(s, "length={}, body not decoded", self.header.length),
            Body::Cut {
                decoded: Ok(body),
                bytes,
            } => {
                write_cut_fields(body, bytes, &mut s);
                Ok(())
            }
            Body::Cut {
                decoded: Err(reason),
                ..
            } => write!(s, "body not decoded ({reason})"),
            Body::Malformed { reason, raw } => {
                write!(s, "MALFORMED ({reason}, {} bytes)", raw.len())
            }
            body => {
                body.decoded_summary(&mut s);
                Ok(())
            }
        };
        if s.len() == before_detail {
            s.pop();
        }
        if let Some(len) = self.cut_at {
            let _ = write!(s, " [truncated: {len} of {} bytes]", self.header.length);
        }
        s
    }

    /// Appends this message's fields: header leaves, then one group for the body.
    pub fn build_tree(&self, t: &mut Tree) {
        // Most messages need a few dozen fields: one allocation instead of several.
        t.fields.reserve(64);
        let h = &self.header;
        let version = match version_name(h.version) {
            Some(name) => Value::Named {
                value: h.version.into(),
                name,
            },
            None => Value::Unknown(h.version.into()),
        };
        // A message cut inside its header has no bytes for the rest of it: the header
        // fields' ranges stop at the bytes there are.
        let have = self.captured_len();
        let within = |r: std::ops::Range<usize>| r.start.min(have)..r.end.min(have);
        t.leaf(&hf::OF_VERSION, version, within(0..1));
        let msg_type = named_or_unknown(
            h.msg_type.into(),
            versioned_type_name(h.version, h.msg_type),
        );
        t.leaf(&hf::OF_TYPE, msg_type, within(1..2));
        t.leaf(&hf::OF_LENGTH, Value::Uint(h.length.into()), within(2..4));
        t.leaf(
            &hf::OF_XID,
            Value::Hex {
                value: h.xid.into(),
                digits: 1,
            },
            within(4..8),
        );
        if let Some(len) = self.cut_at {
            t.leaf(&hf::OF_TRUNCATED, Value::Uint(len as u64), 0..len);
        }
        match &self.body {
            Body::Cut {
                decoded: Ok(body),
                bytes,
            } => {
                let mut whole = Tree::new();
                body.build_tree(&mut whole, HEADER_LEN);
                t.fields.extend(captured_fields(whole, bytes));
            }
            Body::Cut {
                decoded: Err(_), ..
            } => {
                let end = self.captured_len();
                t.leaf_labelled(
                    &hf::OF_BODY,
                    "Body (cut by the capture, not decoded)",
                    Value::Bytes(HEADER_LEN..end),
                    HEADER_LEN..end,
                );
            }
            body => body.build_tree(t, HEADER_LEN),
        }
    }
}

/// The captured fields of a cut body, for the summary: `name=value` of its first few
/// leaves (the body's own `Display` would show the fields read as zeros).
fn write_cut_fields(body: &Body, captured: &[u8], s: &mut String) {
    const SHOWN: usize = 8;
    let mut whole = Tree::new();
    body.build_tree(&mut whole, HEADER_LEN);
    let leaves = captured_fields(whole, captured).filter(|f| f.kind() == Kind::Leaf);
    for (i, field) in leaves.take(SHOWN).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = match &field.value {
            Value::Named { name, .. } => write!(s, "{}={name}", field.json_name()),
            value => write!(s, "{}={value}", field.json_name()),
        };
    }
}

/// The fields of `tree` that lie within `captured`, the body's bytes the capture holds
/// (after the header): leaves wholly inside, groups that start inside (their range cut to the captured
/// bytes). An OpenFlow number that is not the one its bytes hold is left out too: a length
/// the tree computes from a list that the cut shortened (PACKET_OUT's actions_len) would be
/// wrong, and the few fields whose value is a part of their bytes (a port's STP state) are
/// given up with it. A frame's fields are decoded from captured bytes only.
fn captured_fields(tree: Tree, captured: &[u8]) -> impl Iterator<Item = crate::tree::Field> + '_ {
    let len = HEADER_LEN + captured.len();
    let wire_number = |range: &std::ops::Range<usize>| {
        let bytes = captured
            .get(range.start.checked_sub(HEADER_LEN)?..range.end.saturating_sub(HEADER_LEN))?;
        matches!(bytes.len(), 1 | 2 | 4 | 8)
            .then(|| bytes.iter().fold(0u64, |n, &b| n << 8 | u64::from(b)))
    };
    tree.fields.into_iter().filter_map(move |mut field| {
        let as_on_the_wire = || match (field.value.as_u64(), wire_number(&field.range)) {
            (Some(value), Some(wire)) => value == wire,
            _ => true,
        };
        let inside = match field.kind() {
            Kind::Leaf => {
                field.range.start < len
                    && field.range.end <= len
                    && (!field.key().starts_with("of.") || as_on_the_wire())
            }
            Kind::Group | Kind::List => field.range.start < len,
        };
        field.range.end = field.range.end.min(len);
        if let Value::Bytes(bytes) = &mut field.value {
            bytes.end = bytes.end.min(len);
        }
        inside.then_some(field)
    })
}

impl Body {
    /// Appends the body's fields, laid out from `at` (the end of the header).
    fn build_tree(&self, t: &mut Tree, at: usize) {
        match self {
            Body::OtherVersion(d) => {
                let end = at + d.len();
                t.leaf(&hf::OF_BODY, Value::Bytes(at..end), at..end);
            }
            Body::Malformed { reason, raw } => {
                let end = raw.len();
                t.open_with(&hf::OF_MALFORMED, Value::Text(reason.to_string()), 0..end);
                t.leaf(
                    &hf::OF_MALFORMED_REASON,
                    Value::Text(reason.to_string()),
                    0..end,
                );
                t.leaf(&hf::OF_MALFORMED_DATA, Value::Bytes(0..end), 0..end);
                t.close();
            }
            // A cut body is laid out by its message, which knows where the capture ended.
            Body::Cut { .. } => {}
            body => body.build_decoded_tree(t, at),
        }
    }
}

/// An echo's fields (its payload, as [`BodyCodec`](super::types::BodyCodec) for the
/// echo bodies lays it out).
pub(crate) fn echo_tree(d: &[u8], t: &mut Tree, at: usize) {
    let end = at + d.len();
    t.open(&hf::OF_ECHO, at..end);
    t.leaf(&hf::OF_ECHO_DATA, Value::Bytes(at..end), at..end);
    t.close();
}

/// A vendor message's fields sit in their own group.
impl super::types::BodyCodec for VendorMsg {
    fn parse(r: &mut Reader) -> Result<Self> {
        VendorMsg::parse(r)
    }
    fn emit(&self, out: &mut Vec<u8>) {
        VendorMsg::emit(self, out)
    }
    fn build_tree(&self, t: &mut Tree, at: usize) {
        let b = self;
        let end = at + 4 + b.data.len();
        t.open(&super::vendor::hf::OF_VENDOR, at..end);
        b.build_tree(t, at);
        t.close();
    }
    fn summary(&self, s: &mut String) {
        let _ = write!(s, "{self}");
    }
}

macro_rules! into_message {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for Body {
            fn from(b: $ty) -> Body {
                Body::$variant(b)
            }
        }
    )*};
}

into_message!(
    Hello => Hello,
    ErrorMsg => Error,
    VendorMsg => Vendor,
    FeaturesReply => FeaturesReply,
    PacketIn => PacketIn,
    FlowRemoved => FlowRemoved,
    PortStatus => PortStatus,
    PacketOut => PacketOut,
    FlowMod => FlowMod,
    PortMod => PortMod,
    StatsRequest => StatsRequest,
    StatsReply => StatsReply,
    QueueGetConfigRequest => QueueGetConfigRequest,
    QueueGetConfigReply => QueueGetConfigReply,
);

/// `FlowMod { .. }.with_xid(5)`: any body (or body struct) as a message.
pub trait IntoMessage: Into<Body> {
    fn with_xid(self, xid: u32) -> Message {
        Message::new(xid, self.into())
    }
}

impl<T: Into<Body>> IntoMessage for T {}

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "Header (every message)", "The header of every message, and what stands in for a body that cannot be decoded.";
        OF_VERSION = "of.version", Named, "Version", "`OpenFlow 1.0` (1) to `OpenFlow 1.5` (6); other versions are named and not decoded further (only their HELLO is); 0 or above 6 is unknown";
        OF_TYPE = "of.type", Named as NameAndCode, "Type", "OFPT type without prefix, as the message's own version names it: `HELLO`, `PACKET_IN`, `FLOW_MOD`, ...; `MULTIPART_REPLY` for OpenFlow 1.3 type 19, `BARRIER_REPLY` for 1.3 type 21; unknown when that version has no such type. `of.type == BARRIER_REPLY` therefore matches a 1.3 type 21 as well as a 1.0 type 19; add `of.version == 1` to keep to 1.0";
        OF_LENGTH = "of.length", Uint, "Length", "length from the header";
        OF_XID = "of.xid", Hex, "Transaction id", "transaction id";
        OF_TRUNCATED = "of.truncated", Uint, "Captured length (message truncated)", "present when the capture cut the message (snaplen, lost segment): the bytes captured, fewer than `of.length`. The body then shows only the fields the capture holds";
        OF_BODY = "of.body", Bytes, "Body (not decoded)", "the undecoded body of a message whose version is not 1 (the captured part of it), or of a cut message that could not be decoded even as far as its bytes go";
        OF_ECHO = "of.echo", Group, "Echo", "ECHO_REQUEST and ECHO_REPLY payload";
        OF_ECHO_DATA = "of.echo.data", Bytes, "Data", "ECHO_REQUEST and ECHO_REPLY payload";
        OF_MALFORMED = "of.malformed", Group, "Malformed", "a message that could not be decoded; its value is the reason";
        OF_MALFORMED_REASON = "of.malformed.reason", Text, "Reason", "why (e.g. `OFPBAC_BAD_LEN: ...`, `header says 60 bytes, message has 58`)";
        OF_MALFORMED_DATA = "of.malformed.data", Bytes, "Bytes", "the whole message";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `emit_new` and `emit_into` append exactly what `new` and `emit` give, after what the
    /// buffer held, with the length patched at the message's own offset.
    #[test]
    fn emitting_in_place_gives_the_same_bytes() {
        let bodies = [
            Body::Hello(Hello::default()),
            Body::FeaturesRequest,
            Body::EchoRequest(vec![7; 300]),
            Body::Error(ErrorMsg {
                err_type: 0,
                code: 1,
                data: b"why".to_vec(),
            }),
        ];
        for body in bodies {
            let expected = Message::new(42, body.clone()).emit();
            let mut out = vec![0xee; 5];
            Message::emit_new(42, body.clone(), &mut out);
            assert_eq!(out[..5], [0xee; 5]);
            assert_eq!(out[5..], expected[..], "{body:?}");
            let mut again = vec![0xee; 3];
            parse(&expected).emit_into(&mut again);
            assert_eq!(again[3..], expected[..], "{body:?}");
        }
    }

    /// Found by the openflow_parse fuzz target: an empty message's tree pointed at bytes
    /// 0..8 that do not exist.
    #[test]
    fn a_message_cut_inside_its_header_has_ranges_within_its_bytes() {
        let header = [1u8, 0, 0, 8, 0, 0, 0, 1];
        for len in 0..HEADER_LEN {
            let mut t = Tree::new();
            parse(&header[..len]).build_tree(&mut t);
            assert!(t.fields.len() >= 4);
            for f in &t.fields {
                assert!(
                    f.range.end <= len,
                    "{len} bytes: {} at {:?}",
                    f.key(),
                    f.range
                );
            }
        }
    }
}
