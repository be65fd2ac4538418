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
    holds: Holds,
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

/// What a row holds, as bits: a column that needs none of what a row holds is null there
/// without being read (most columns are, in most rows).
type Holds = u16;
const EVERY_ROW: Holds = 0;
const PACKET_IN: Holds = 1 << 0;
const PACKET_OUT: Holds = 1 << 1;
const FLOW_MOD: Holds = 1 << 2;
const ETH: Holds = 1 << 3;
const VLAN: Holds = 1 << 4;
const ARP: Holds = 1 << 5;
const IPV4: Holds = 1 << 6;
const IPV6: Holds = 1 << 7;
const ICMP: Holds = 1 << 8;
const TCP: Holds = 1 << 9;
const UDP: Holds = 1 << 10;

impl<'a> Row<'a> {
    fn new(
        place: &'a Place,
        message: &'a Message,
        frame: Option<&'a Headers>,
        dpid: Option<&'a str>,
    ) -> Row<'a> {
        let mut row = Row {
            place,
            message,
            frame,
            dpid,
            holds: EVERY_ROW,
        };
        row.holds = row.holds();
        row
    }

    /// What the row holds, read through the same ways as the columns read it.
    fn holds(&self) -> Holds {
        let body = match &self.message.body {
            Body::PacketIn(_) => PACKET_IN,
            Body::PacketOut(_) => PACKET_OUT,
            Body::FlowMod(_) => FLOW_MOD,
            _ => 0,
        };
        let Some(frame) = self.frame else {
            return body;
        };
        let network = match frame.network {
            NetworkHeader::Arp(_) => ARP,
            NetworkHeader::Ipv4 { .. } => IPV4,
            NetworkHeader::Ipv6 { .. } => IPV6,
            _ => 0,
        };
        let transport = match frame.transport {
            TransportHeader::Icmp { .. } => ICMP,
            TransportHeader::Tcp { .. } => TCP,
            TransportHeader::Udp { .. } => UDP,
            _ => 0,
        };
        let eth = if frame.eth.is_some() { ETH } else { 0 };
        let vlan = if frame.vlan.is_some() { VLAN } else { 0 };
        body | eth | vlan | network | transport
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

/// A column: its name, how it reads its value, and what a row must hold for it to have
/// one (see [`Row::holds`]).
struct Spec {
    name: Name,
    read: Read,
    needs: Holds,
}

impl Spec {
    /// A column that has a value only in rows that hold one of `needs`.
    const fn only(self, needs: Holds) -> Spec {
        Spec { needs, ..self }
    }
}

const fn int64_col(name: Name, read: fn(&Row) -> Option<i64>) -> Spec {
    Spec {
        name,
        read: Read::Int64(read),
        needs: EVERY_ROW,
    }
}

const fn int32_col(name: Name, read: fn(&Row) -> Option<i32>) -> Spec {
    Spec {
        name,
        read: Read::Int32(read),
        needs: EVERY_ROW,
    }
}

const fn text_col(name: Name, read: fn(&Row, &mut Vec<u8>) -> bool) -> Spec {
    Spec {
        name,
        read: Read::Text(read),
        needs: EVERY_ROW,
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
    })
    .only(PACKET_IN),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_TOTAL_LEN), |r| {
        r.packet_in().map(|p| p.total_len.into())
    })
    .only(PACKET_IN),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_IN_PORT), |r| {
        r.packet_in().map(|p| p.in_port.into())
    })
    .only(PACKET_IN),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_REASON), |r| {
        r.packet_in().map(|p| p.reason.into())
    })
    .only(PACKET_IN),
    int32_col(Name::Field(&packet::hf::OF_PACKET_IN_DATA_LEN), |r| {
        r.packet_in().and_then(|p| i32::try_from(p.data.len()).ok())
    })
    .only(PACKET_IN),
    int64_col(Name::Field(&packet::hf::OF_PACKET_OUT_BUFFER_ID), |r| {
        r.packet_out().map(|p| p.buffer_id.into())
    })
    .only(PACKET_OUT),
    int32_col(Name::Field(&packet::hf::OF_PACKET_OUT_IN_PORT), |r| {
        r.packet_out().map(|p| p.in_port.into())
    })
    .only(PACKET_OUT),
    Spec {
        name: Name::Field(&flow_mod::hf::OF_FLOW_MOD_COOKIE),
        read: Read::UInt64(|r| r.flow_mod().map(|f| f.cookie)),
        needs: FLOW_MOD,
    },
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_COMMAND), |r| {
        r.flow_mod().map(|f| f.command.into())
    })
    .only(FLOW_MOD),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_IDLE_TIMEOUT), |r| {
        r.flow_mod().map(|f| f.idle_timeout.into())
    })
    .only(FLOW_MOD),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_HARD_TIMEOUT), |r| {
        r.flow_mod().map(|f| f.hard_timeout.into())
    })
    .only(FLOW_MOD),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_PRIORITY), |r| {
        r.flow_mod().map(|f| f.priority.into())
    })
    .only(FLOW_MOD),
    int64_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_BUFFER_ID), |r| {
        r.flow_mod().map(|f| f.buffer_id.into())
    })
    .only(FLOW_MOD),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_OUT_PORT), |r| {
        r.flow_mod().map(|f| f.out_port.into())
    })
    .only(FLOW_MOD),
    int32_col(Name::Field(&flow_mod::hf::OF_FLOW_MOD_FLAGS), |r| {
        r.flow_mod().map(|f| f.flags.into())
    })
    .only(FLOW_MOD),
    text_col(Name::Field(&flow_match::hf::OF_MATCH), |r, out| {
        display(out, r.flow_mod().map(|f| &f.match_))
    })
    .only(FLOW_MOD),
    text_col(Name::Field(&action::hf::OF_ACTIONS), |r, out| {
        let actions = match &r.message.body {
            Body::FlowMod(f) => &f.actions,
            Body::PacketOut(p) => &p.actions,
            _ => return false,
        };
        display(out, Some(Actions(actions)))
    })
    .only(PACKET_OUT | FLOW_MOD),
    text_col(Name::Field(&frame::ethernet::hf::ETH_SRC), |r, out| {
        mac(out, r.eth().map(|e| &e.src))
    })
    .only(ETH),
    text_col(Name::Field(&frame::ethernet::hf::ETH_DST), |r, out| {
        mac(out, r.eth().map(|e| &e.dst))
    })
    .only(ETH),
    int32_col(Name::Field(&frame::ethernet::hf::ETH_TYPE), |r| {
        r.eth().map(|e| e.ethertype.into())
    })
    .only(ETH),
    int32_col(Name::Field(&frame::vlan::hf::VLAN_ID), |r| {
        r.frame?.vlan.map(|tag| tag.vid.into())
    })
    .only(VLAN),
    int32_col(Name::Field(&frame::arp::hf::ARP_OP), |r| {
        match r.network()? {
            NetworkHeader::Arp(arp) => Some(arp.op.into()),
            _ => None,
        }
    })
    .only(ARP),
    text_col(Name::Field(&frame::arp::hf::ARP_SPA), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Arp(arp)) => Some(arp.spa),
                _ => None,
            },
        )
    })
    .only(ARP),
    text_col(Name::Field(&frame::arp::hf::ARP_TPA), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Arp(arp)) => Some(arp.tpa),
                _ => None,
            },
        )
    })
    .only(ARP),
    text_col(Name::Field(&frame::ipv4::hf::IP_SRC), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv4 { src, .. }) => Some(*src),
                _ => None,
            },
        )
    })
    .only(IPV4),
    text_col(Name::Field(&frame::ipv4::hf::IP_DST), |r, out| {
        ipv4(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv4 { dst, .. }) => Some(*dst),
                _ => None,
            },
        )
    })
    .only(IPV4),
    int32_col(Name::Field(&frame::ipv4::hf::IP_PROTO), |r| {
        match r.network()? {
            NetworkHeader::Ipv4 { protocol, .. } => Some((*protocol).into()),
            _ => None,
        }
    })
    .only(IPV4),
    text_col(Name::Field(&frame::ipv6::hf::IPV6_SRC), |r, out| {
        display(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv6 { src, .. }) => Some(src),
                _ => None,
            },
        )
    })
    .only(IPV6),
    text_col(Name::Field(&frame::ipv6::hf::IPV6_DST), |r, out| {
        display(
            out,
            match r.network() {
                Some(NetworkHeader::Ipv6 { dst, .. }) => Some(dst),
                _ => None,
            },
        )
    })
    .only(IPV6),
    int32_col(Name::Field(&frame::icmp::hf::ICMP_TYPE), |r| {
        match r.transport()? {
            TransportHeader::Icmp { icmp_type, .. } => Some((*icmp_type).into()),
            _ => None,
        }
    })
    .only(ICMP),
    int32_col(Name::Field(&frame::icmp::hf::ICMP_CODE), |r| {
        match r.transport()? {
            TransportHeader::Icmp { code, .. } => Some((*code).into()),
            _ => None,
        }
    })
    .only(ICMP),
    int32_col(Name::Field(&frame::tcp::hf::TCP_SRCPORT), |r| {
        match r.transport()? {
            TransportHeader::Tcp { src_port, .. } => Some((*src_port).into()),
            _ => None,
        }
    })
    .only(TCP),
    int32_col(Name::Field(&frame::tcp::hf::TCP_DSTPORT), |r| {
        match r.transport()? {
            TransportHeader::Tcp { dst_port, .. } => Some((*dst_port).into()),
            _ => None,
        }
    })
    .only(TCP),
    int32_col(Name::Field(&frame::udp::hf::UDP_SRCPORT), |r| {
        match r.transport()? {
            TransportHeader::Udp { src_port, .. } => Some((*src_port).into()),
            _ => None,
        }
    })
    .only(UDP),
    int32_col(Name::Field(&frame::udp::hf::UDP_DSTPORT), |r| {
        match r.transport()? {
            TransportHeader::Udp { dst_port, .. } => Some((*dst_port).into()),
            _ => None,
        }
    })
    .only(UDP),
];

pub struct Rows {
    /// Each column, with the way it reads its value.
    columns: Vec<(&'static Spec, Column)>,
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
            .map(|c| (c, Column::new(c.read.kind())))
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
                .map(|((place, message), frame)| {
                    Row::new(place, message, frame.as_ref(), self.dpids.get(place.dpid))
                })
                .collect();
            gather(&mut self.columns, &rows);
            self.len += rows.len();
        }
    }
}

/// Each column's values of `rows`. A column that needs what no row holds takes its nulls
/// at once; one that needs what some rows hold reads only those.
fn gather(columns: &mut [(&'static Spec, Column)], rows: &[Row]) {
    let held = rows.iter().fold(EVERY_ROW, |held, r| held | r.holds);
    for (spec, column) in columns {
        let needs = spec.needs;
        if needs != EVERY_ROW && held & needs == 0 {
            column.nulls(rows.len());
            continue;
        }
        let has = |r: &Row| needs == EVERY_ROW || r.holds & needs != 0;
        match spec.read {
            Read::Int64(read) => rows
                .iter()
                .for_each(|r| column.number(if has(r) { read(r) } else { None })),
            Read::Int32(read) => rows
                .iter()
                .for_each(|r| column.number(if has(r) { read(r).map(i64::from) } else { None })),
            Read::UInt64(read) => rows
                .iter()
                .for_each(|r| column.unsigned(if has(r) { read(r) } else { None })),
            Read::Text(read) => rows
                .iter()
                .for_each(|r| column.text_from(|out| has(r) && read(r, out))),
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

    fn columns(&mut self) -> Vec<&mut Column> {
        self.len = 0;
        self.columns.iter_mut().map(|(_, c)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Session, SessionEvent};
    use crate::stream::StreamConfig;

    /// A column is skipped where a row holds none of what it needs: on every message of
    /// every sample, such a column reads no value there (else a value would be lost).
    #[test]
    fn a_column_needs_what_its_rows_with_a_value_hold() {
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut checked = 0;
        let mut skipped = 0;
        for entry in std::fs::read_dir(samples).unwrap() {
            let Ok(session) = Session::open(entry.unwrap().path(), StreamConfig::default()) else {
                continue;
            };
            for event in session {
                let Ok(SessionEvent::Record(record)) = event else {
                    continue;
                };
                let mut copied = Copied::default();
                copied.add(&record);
                let message = openflow::parse(&copied.bytes);
                let headers = carried_frame(&message).map(Headers::parse);
                let row = Row::new(&copied.places[0], &message, headers.as_ref(), None);
                for spec in COLUMNS {
                    if spec.needs == EVERY_ROW || row.holds & spec.needs != 0 {
                        continue;
                    }
                    let value = match spec.read {
                        Read::Int64(read) => read(&row).is_some(),
                        Read::Int32(read) => read(&row).is_some(),
                        Read::UInt64(read) => read(&row).is_some(),
                        Read::Text(read) => read(&row, &mut Vec::new()),
                    };
                    assert!(
                        !value,
                        "{} has a value in message {} of type {}",
                        spec.name.text(),
                        record.index,
                        message.type_name()
                    );
                    skipped += 1;
                }
                checked += 1;
            }
        }
        // Every kind of row came by: messages, frames, ARP, IPv4 and v6, ICMP, TCP, UDP.
        assert!(checked > 1000 && skipped > 10_000, "{checked} {skipped}");
    }
}
