//! The `messages` table: one row per OpenFlow message (those `-Y` selects), with where it
//! came from, its header, and the main fields of PACKET_IN, PACKET_OUT, FLOW_MOD and the
//! frame a PACKET_IN or PACKET_OUT carries. Columns are named after the field registry's
//! keys (docs/fields.md): the key without `of.`, dots as underscores (`of.packet_in.in_port`
//! is `packet_in_in_port`, `eth.src` is `eth_src`); where the message came from has the JSON
//! record's names (`frame`, `ts_ns`, `conn`, `from`, `dpid`).

use std::io::Write;

use ofscope_dissectors::frame;
use ofscope_dissectors::openflow::matching::{Headers, NetworkHeader, TransportHeader};
use ofscope_dissectors::openflow::{
    self, action, flow_match, flow_mod, message, packet, Actions, Body, FlowMod, Message, PacketIn,
    PacketOut,
};
use ofscope_dissectors::tree::FieldDef;

use super::column::{Column, ColumnDef, Kind};
use super::{int, Bunch, DpidNames};
use crate::output::json::{ipv4_text, mac_text};
use crate::session::OfRecord;
use crate::stream::{ConnId, Direction};

/// A message, where it came from, and the headers of the frame it carries, decoded once
/// for all the columns (without copying the frame's payload, as `Frame::parse` would).
struct Row<'a> {
    place: &'a Place,
    message: &'a Message,
    frame: Option<&'a Headers>,
    /// The datapath id as text (see [`DpidNames`]).
    dpid: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn packet_in(&self) -> Option<&'a PacketIn> {
        match &self.message.body {
            Body::PacketIn(p) => Some(p),
            _ => None,
        }
    }

    fn packet_out(&self) -> Option<&'a PacketOut> {
        match &self.message.body {
            Body::PacketOut(p) => Some(p),
            _ => None,
        }
    }

    fn flow_mod(&self) -> Option<&'a FlowMod> {
        match &self.message.body {
            Body::FlowMod(f) => Some(f),
            _ => None,
        }
    }

    fn eth(&self) -> Option<&'a frame::EthernetRepr> {
        self.frame?.eth.as_ref()
    }

    fn network(&self) -> Option<&'a NetworkHeader> {
        self.frame.map(|f| &f.network)
    }

    fn transport(&self) -> Option<&'a TransportHeader> {
        self.frame.map(|f| &f.transport)
    }
}

/// What a column is called.
enum Name {
    /// A member of the JSON record, which the registry does not declare.
    Record(&'static str),
    /// A registry field: its key without `of.`, dots as underscores.
    Field(&'static FieldDef),
    /// A named field's number beside its name, as JSON writes `type_code` beside `type`.
    Code(&'static FieldDef),
}

impl Name {
    fn text(&self) -> String {
        let key = |def: &FieldDef| {
            def.key
                .strip_prefix("of.")
                .unwrap_or(def.key)
                .replace('.', "_")
        };
        match self {
            Name::Record(name) => (*name).to_owned(),
            Name::Field(def) => key(def),
            Name::Code(def) => key(def) + "_code",
        }
    }
}

/// How a column reads its value from a row (`None`/`false`: null). Fields of 16 bits or
/// fewer are 32-bit integers: half the bytes to encode and compress of 64-bit ones.
enum Read {
    Int64(fn(&Row) -> Option<i64>),
    Int32(fn(&Row) -> Option<i32>),
    UInt64(fn(&Row) -> Option<u64>),
    /// Appends the value's text (UTF-8) to the column's bytes.
    Text(fn(&Row, &mut Vec<u8>) -> bool),
}

/// A column: its name, and how it reads its value.
struct Spec {
    name: Name,
    read: Read,
}

const fn int64_col(name: Name, read: fn(&Row) -> Option<i64>) -> Spec {
    Spec {
        name,
        read: Read::Int64(read),
    }
}

const fn int32_col(name: Name, read: fn(&Row) -> Option<i32>) -> Spec {
    Spec {
        name,
        read: Read::Int32(read),
    }
}

const fn text_col(name: Name, read: fn(&Row, &mut Vec<u8>) -> bool) -> Spec {
    Spec {
        name,
        read: Read::Text(read),
    }
}

fn mac(out: &mut Vec<u8>, mac: Option<&[u8; 6]>) -> bool {
    mac.map(|m| out.extend_from_slice(&mac_text(m))).is_some()
}

fn ipv4(out: &mut Vec<u8>, addr: Option<std::net::Ipv4Addr>) -> bool {
    addr.map(|a| {
        let (text, len) = ipv4_text(a);
        out.extend_from_slice(&text[..len]);
    })
    .is_some()
}

fn display(out: &mut Vec<u8>, value: Option<impl std::fmt::Display>) -> bool {
    value.map(|v| write!(out, "{v}")).is_some()
}

fn text(out: &mut Vec<u8>, value: &str) -> bool {
    out.extend_from_slice(value.as_bytes());
    true
}

/// Every column after `capture`, in order (`cookie`: unsigned).
static COLUMNS: &[Spec] = &[
    int64_col(Name::Record("message"), |r| Some(int(r.place.index))),
    int64_col(Name::Record("frame"), |r| Some(int(r.place.frame))),
    int64_col(Name::Record("ts_ns"), |r| Some(int(r.place.ts_ns))),
    int64_col(Name::Record("conn"), |r| Some(i64::from(r.place.conn.0))),
    text_col(Name::Record("from"), |r, out| {
        text(
            out,
            if r.place.direction == Direction::SwitchToController {
                "switch"
            } else {
                "controller"
            },
        )
    }),
    text_col(Name::Record("dpid"), |r, out| {
        r.dpid.is_some_and(|d| text(out, d))
    }),
    int32_col(Name::Field(&message::hf::OF_VERSION), |r| {
        Some(r.message.header.version.into())
    }),
    text_col(Name::Field(&message::hf::OF_TYPE), |r, out| {
        text(out, r.message.type_name())
    }),
    int32_col(Name::Code(&message::hf::OF_TYPE), |r| {
        Some(r.message.header.msg_type.into())
    }),
    int32_col(Name::Field(&message::hf::OF_LENGTH), |r| {
        Some(r.message.header.length.into())
    }),
    int64_col(Name::Field(&message::hf::OF_XID), |r| {
        Some(r.message.header.xid.into())
    }),
    int32_col(Name::Field(&message::hf::OF_TRUNCATED), |r| {
        let m = &r.message;
        m.is_truncated()
            .then(|| i32::try_from(m.captured_len()).ok())
            .flatten()
    }),
    int64_col(Name::Field(&packet::hf::OF_PACKET_IN_BUFFER_ID), |r| {
        r.packet_in().map(|p| p.buffer_id.into())
    }),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_TOTAL_LEN), |r| {
        r.packet_in().map(|p| p.total_len.into())
    }),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_IN_PORT), |r| {
        r.packet_in().map(|p| p.in_port.into())
    }),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_REASON), |r| {
        r.packet_in().map(|p| p.reason.into())
    }),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_DATA_LEN), |r| {
        r.packet_in().and_then(|p| i32::try_from(p.data.len()).ok())
    }),
    int64_col(Name::Field(&packet::hf::OF_PACKET_OUT_BUFFER_ID), |r| {
        r.packet_out().map(|p| p.buffer_id.into())
    }),
    int32_col(Name::Field(&packet::hf::OF_PACKET_OUT_IN_PORT), |r| {
        r.packet_out().map(|p| p.in_port.into())
    }),
    Spec {
        name: Name::Field(&flow_mod::hf::OF_FLOW_MOD_COOKIE),
        read: Read::UInt64(|r| r.flow_mod().map(|f| f.cookie)),
    },
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_COMMAND), |r| {
        r.flow_mod().map(|f| f.command.into())
    }),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_IDLE_TIMEOUT), |r| {
        r.flow_mod().map(|f| f.idle_timeout.into())
    }),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_HARD_TIMEOUT), |r| {
        r.flow_mod().map(|f| f.hard_timeout.into())
    }),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_PRIORITY), |r| {
        r.flow_mod().map(|f| f.priority.into())
    }),
    int64_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_BUFFER_ID), |r| {
        r.flow_mod().map(|f| f.buffer_id.into())
    }),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_OUT_PORT), |r| {
        r.flow_mod().map(|f| f.out_port.into())
    }),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_FLAGS), |r| {
        r.flow_mod().map(|f| f.flags.into())
    }),
    text_col(Name::Field(&flow_match::hf::OF_MATCH), |r, out| {
        display(out, r.flow_mod().map(|f| &f.match_))
    }),
    text_col(Name::Field(&action::hf::OF_ACTIONS), |r, out| {
        let actions = match &r.message.body {
            Body::FlowMod(f) => &f.actions,
            Body::PacketOut(p) => &p.actions,
            _ => return false,
        };
        display(out, Some(Actions(actions)))
    }),
    text_col(Name::Field(&frame::ethernet::hf::ETH_SRC), |r, out| {
        mac(out, r.eth().map(|e| &e.src))
    }),
    text_col(Name::Field(&frame::ethernet::hf::ETH_DST), |r, out| {
        mac(out, r.eth().map(|e| &e.dst))
    }),
    int32_col(Name::Field(&frame::ethernet::hf::ETH_TYPE), |r| {
        r.eth().map(|e| e.ethertype.into())
    }),
    int32_col(Name::Field(&frame::vlan::hf::VLAN_ID), |r| {
        r.frame?.vlan.map(|tag| tag.vid.into())
    }),
    int32_col(Name::Field(&frame::arp::hf::ARP_OP), |r| {
        match r.network()? {
            NetworkHeader::Arp(arp) => Some(arp.op.into()),
            _ => None,
        }
    }),
    text_col(Name::Field(&frame::arp::hf::ARP_SPA), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Arp(arp)) => Some(arp.spa),
                _ => None,
            },
        )
    }),
    text_col(Name::Field(&frame::arp::hf::ARP_TPA), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Arp(arp)) => Some(arp.tpa),
                _ => None,
            },
        )
    }),
    text_col(Name::Field(&frame::ipv4::hf::IP_SRC), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv4 { src, .. }) => Some(*src),
                _ => None,
            },
        )
    }),
    text_col(Name::Field(&frame::ipv4::hf::IP_DST), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv4 { dst, .. }) => Some(*dst),
                _ => None,
            },
        )
    }),
    int32_col(Name::Field(&frame::ipv4::hf::IP_PROTO), |r| {
        match r.network()? {
            NetworkHeader::Ipv4 { protocol, .. } => Some((*protocol).into()),
            _ => None,
        }
    }),
    text_col(Name::Field(&frame::ipv6::hf::IPV6_SRC), |r, out| {
        display(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv6 { src, .. }) => Some(src),
                _ => None,
            },
        )
    }),
    text_col(Name::Field(&frame::ipv6::hf::IPV6_DST), |r, out| {
        display(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv6 { dst, .. }) => Some(dst),
                _ => None,
            },
        )
    }),
    int32_col(Name::Field(&frame::icmp::hf::ICMP_TYPE), |r| {
        match r.transport()? {
            TransportHeader::Icmp { icmp_type, .. } => Some((*icmp_type).into()),
            _ => None,
        }
    }),
    int32_col(Name::Field(&frame::icmp::hf::ICMP_CODE), |r| {
        match r.transport()? {
            TransportHeader::Icmp { code, .. } => Some((*code).into()),
            _ => None,
        }
    }),
    int32_col(Name::Field(&frame::tcp::hf::TCP_SRCPORT), |r| {
        match r.transport()? {
            TransportHeader::Tcp { src_port, .. } => Some((*src_port).into()),
            _ => None,
        }
    }),
    int32_col(Name::Field(&frame::tcp::hf::TCP_DSTPORT), |r| {
        match r.transport()? {
            TransportHeader::Tcp { dst_port, .. } => Some((*dst_port).into()),
            _ => None,
        }
    }),
    int32_col(Name::Field(&frame::udp::hf::UDP_SRCPORT), |r| {
        match r.transport()? {
            TransportHeader::Udp { src_port, .. } => Some((*src_port).into()),
            _ => None,
        }
    }),
    int32_col(Name::Field(&frame::udp::hf::UDP_DSTPORT), |r| {
        match r.transport()? {
            TransportHeader::Udp { dst_port, .. } => Some((*dst_port).into()),
            _ => None,
        }
    }),
];

pub struct Rows {
    /// Each column, with the way it reads its value.
    columns: Vec<(&'static Read, Column)>,
    len: usize,
    dpids: DpidNames,
}

impl Read {
    fn kind(&self) -> Kind {
        match self {
            Read::Int64(_) => Kind::Int64,
            Read::Int32(_) => Kind::Int32,
            Read::UInt64(_) => Kind::UInt64,
            Read::Text(_) => Kind::Text,
        }
    }
}

impl Default for Rows {
    fn default() -> Rows {
        let columns = COLUMNS
            .iter()
            .map(|c| (&c.read, Column::new(c.read.kind())))
            .collect();
        Rows {
            columns,
            len: 0,
            dpids: DpidNames::default(),
        }
    }
}

/// The frame a PACKET_IN or PACKET_OUT carries, if it carries one.
fn carried_frame(message: &Message) -> Option<&[u8]> {
    match &message.body {
        Body::PacketIn(p) => Some(&p.data),
        Body::PacketOut(p) if !p.data.is_empty() => Some(&p.data),
        _ => None,
    }
}

/// Messages as the reading thread hands them over: where each came from, and its bytes
/// copied into one buffer. Each is decoded again here from the same bytes, as the session
/// decoded it: copying is what costs the reading thread least (its records are freed as
/// soon as it is done with them, and nothing it allocated waits on this thread).
#[derive(Default)]
pub struct Copied {
    places: Vec<Place>,
    bytes: Vec<u8>,
}

/// Where a message came from, and where its bytes end in [`Copied::bytes`].
struct Place {
    index: u64,
    frame: u64,
    ts_ns: u64,
    conn: ConnId,
    direction: Direction,
    dpid: Option<u64>,
    end: usize,
}

impl Bunch for Copied {
    type Input<'a> = &'a OfRecord;

    fn add(&mut self, record: &OfRecord) {
        self.bytes.extend_from_slice(&record.bytes);
        self.places.push(Place {
            index: record.index,
            frame: record.frame,
            ts_ns: record.ts_ns,
            conn: record.conn,
            direction: record.direction,
            dpid: record.dpid,
            end: self.bytes.len(),
        });
    }

    fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    fn clear(&mut self) {
        self.places.clear();
        self.bytes.clear();
    }
}

/// Messages decoded and gathered at a time: few enough that freeing them lands in
/// glibc's per-thread cache (7 blocks of a size), many enough that each column's loop
/// over them pays for itself.
const DECODED_AT_ONCE: usize = 8;

impl Rows {
    /// Gathers column by column: each column's way of reading a row is called over a few
    /// rows at a time, which costs far less than all the columns row by row.
    fn add_all(&mut self, bunch: &Copied) {
        self.dpids.learn(bunch.places.iter().filter_map(|p| p.dpid));
        let mut start = 0;
        for places in bunch.places.chunks(DECODED_AT_ONCE) {
            let messages: Vec<Message> = places
                .iter()
                .map(|place| {
                    let bytes = &bunch.bytes[start..place.end];
                    start = place.end;
                    openflow::parse(bytes)
                })
                .collect();
            let frames: Vec<Option<Headers>> = messages
                .iter()
                .map(|m| carried_frame(m).map(Headers::parse))
                .collect();
            let rows: Vec<Row> = places
                .iter()
                .zip(&messages)
                .zip(&frames)
                .map(|((place, message), frame)| Row {
                    place,
                    message,
                    frame: frame.as_ref(),
                    dpid: self.dpids.get(place.dpid),
                })
                .collect();
            gather(&mut self.columns, &rows);
            self.len += rows.len();
        }
    }
}

/// Each column's values of `rows`.
fn gather(columns: &mut [(&'static Read, Column)], rows: &[Row]) {
    for (read, column) in columns {
        match read {
            Read::Int64(read) => rows.iter().for_each(|r| column.number(read(r))),
            Read::Int32(read) => rows
                .iter()
                .for_each(|r| column.number(read(r).map(i64::from))),
            Read::UInt64(read) => rows.iter().for_each(|r| column.unsigned(read(r))),
            Read::Text(read) => rows
                .iter()
                .for_each(|r| column.text_from(|out| read(r, out))),
        }
    }
}

impl super::Rows for Rows {
    const NAME: &'static str = "messages";
    type Bunch = Copied;

    fn push(&mut self, bunch: &Copied) {
        self.add_all(bunch);
    }

    fn fields() -> Vec<ColumnDef> {
        COLUMNS
            .iter()
            .map(|c| ColumnDef::new(c.name.text(), c.read.kind()))
            .collect()
    }

    fn len(&self) -> usize {
        self.len
    }

    fn columns(&mut self) -> Vec<Column> {
        self.len = 0;
        self.columns.iter_mut().map(|(_, c)| c.take()).collect()
    }
}
