//! What an emulated switch says of itself: its FEATURES_REPLY, and the STATS_REPLYs it
//! owes, from its owner ([`Answers`]: a replay's recorded replies) or, failing that, the
//! correct empty or minimal ones of a switch with no flows and idle ports.

use ofscope_dissectors::openflow::config::{ACTION_BIT_NAMES, CAPABILITY_NAMES};
use ofscope_dissectors::openflow::flow_match::ofpfw;
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::stats::{
    AggregateStats, DescStats, PortStats, StatsReplyBody, StatsRequestBody, TableStats,
};
use ofscope_dissectors::openflow::{FeaturesReply, Message, PhyPort, StatsReply, StatsRequest};

use crate::session::format_dpid;

/// The owner's say in what the switch answers.
pub trait Answers {
    /// The replies to a STATS_REQUEST (several when the reply is split with REPLY_MORE),
    /// or `None` to leave it to [`minimal_stats`].
    fn stats(&mut self, _request: &Message) -> Option<Vec<StatsReply>> {
        None
    }
}

/// No say: every answer is the switch's own.
pub struct Minimal;

impl Answers for Minimal {}

/// Buffers a switch says it has: PacketIns carry a buffer id.
const N_BUFFERS: u32 = 256;
/// The single table's capacity, as TABLE stats give it.
const TABLE_ENTRIES: u32 = 1 << 20;

/// A plain switch: datapath `dpid`, ports 1 to `n_ports` (named `ofs<dpid>-<n>`, with
/// locally administered addresses made of the dpid and the port), one table, the
/// flow, table and port statistics, and every OpenFlow 1.0 action.
pub fn features(dpid: u64, n_ports: u16) -> FeaturesReply {
    let ports = (1..=n_ports)
        .map(|port_no| {
            let [_, _, _, _, d4, d5, _, d7] = dpid.to_be_bytes();
            let [p0, p1] = port_no.to_be_bytes();
            PhyPort {
                port_no,
                hw_addr: [0x02, d4 ^ d5, d7, p0, p1, 0x01],
                name: format!("ofs{dpid}-{port_no}"),
                ..PhyPort::default()
            }
        })
        .collect();
    FeaturesReply {
        datapath_id: dpid,
        n_buffers: N_BUFFERS,
        n_tables: 1,
        capabilities: bits_named(
            CAPABILITY_NAMES,
            &["FLOW_STATS", "TABLE_STATS", "PORT_STATS"],
        ),
        actions: ACTION_BIT_NAMES
            .iter()
            .fold(0, |all, (bit, _)| all | *bit as u32),
        ports,
    }
}

fn bits_named(names: &[(u64, &str)], wanted: &[&str]) -> u32 {
    names
        .iter()
        .filter(|(_, name)| wanted.contains(name))
        .fold(0, |all, (bit, _)| all | *bit as u32)
}

/// What a switch with no flows, no queues and idle ports replies: DESC naming ofscope,
/// no FLOW entries, a zero AGGREGATE, its tables empty, zero counters for the ports asked
/// (all with OFPP_NONE), no QUEUE entries, its ports for PORT_DESC. Empty for a vendor or
/// unknown stats type (the switch then answers BAD_STAT).
pub fn minimal_stats(request: &StatsRequest, features: &FeaturesReply) -> Vec<StatsReply> {
    let body = match &request.body {
        StatsRequestBody::Desc => StatsReplyBody::Desc(DescStats {
            mfr_desc: "ofscope".into(),
            hw_desc: "emulated OpenFlow 1.0 switch".into(),
            sw_desc: concat!("ofscope ", env!("CARGO_PKG_VERSION")).into(),
            serial_num: "none".into(),
            dp_desc: format!("ofscope switch {}", format_dpid(features.datapath_id)),
        }),
        StatsRequestBody::Flow(_) => StatsReplyBody::Flow(Vec::new()),
        StatsRequestBody::Aggregate(_) => StatsReplyBody::Aggregate(AggregateStats::default()),
        StatsRequestBody::Table => StatsReplyBody::Table(
            (0..features.n_tables)
                .map(|table_id| TableStats {
                    table_id,
                    name: format!("table{table_id}"),
                    wildcards: ofpfw::ALL,
                    max_entries: TABLE_ENTRIES,
                    ..TableStats::default()
                })
                .collect(),
        ),
        StatsRequestBody::Port { port_no } => StatsReplyBody::Port(
            features
                .ports
                .iter()
                .filter(|p| *port_no == ofpp::NONE || p.port_no == *port_no)
                .map(|p| PortStats {
                    port_no: p.port_no,
                    ..PortStats::default()
                })
                .collect(),
        ),
        StatsRequestBody::Queue { .. } => StatsReplyBody::Queue(Vec::new()),
        StatsRequestBody::PortDesc => StatsReplyBody::PortDesc(features.ports.clone()),
        StatsRequestBody::Vendor(_) | StatsRequestBody::Other { .. } => return Vec::new(),
    };
    vec![StatsReply { flags: 0, body }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::Body;

    #[test]
    fn features_and_stats_round_trip_through_the_codec() {
        let features = features(0x2a, 3);
        let reply = Message::new(9, Body::FeaturesReply(features.clone()));
        assert_eq!(Message::parse(&reply.emit()), reply);
        assert!(
            reply.summary().contains("ports=1,2,3"),
            "{}",
            reply.summary()
        );
        let port_one = StatsRequest {
            flags: 0,
            body: StatsRequestBody::Port { port_no: 1 },
        };
        let replies = minimal_stats(&port_one, &features);
        assert!(
            matches!(&replies[0].body, StatsReplyBody::Port(p) if p.len() == 1 && p[0].port_no == 1)
        );
        let vendor = StatsRequest {
            flags: 0,
            body: StatsRequestBody::Other {
                stats_type: 77,
                data: Vec::new(),
            },
        };
        assert!(minimal_stats(&vendor, &features).is_empty());
    }
}
