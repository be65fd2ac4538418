//! Round trips: typed message → emit → parse gives the same message, for every message
//! type, action and stats body; and any bytes → parse → emit gives canonical bytes that
//! decode to the same message and re-emit exactly.

use std::net::Ipv4Addr;

use ofscope_dissectors::openflow::{
    self,
    stats::{
        AggregateStats, DescStats, FlowStats, FlowStatsRequest, PortStats, QueueStats, TableStats,
        VendorStats,
    },
    Action, Body, ErrorMsg, FeaturesReply, FlowMod, FlowRemoved, Hello, Match, Message, PacketIn,
    PacketOut, PacketQueue, PhyPort, PortMod, PortStatus, QueueGetConfigReply,
    QueueGetConfigRequest, QueueProperty, StatsReply, StatsReplyBody, StatsRequest,
    StatsRequestBody, SwitchConfig, VendorAction, VendorMsg,
};
use ofscope_dissectors::tree::Tree;
use proptest::collection::vec;
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

/// Bytes whose length is a multiple of 8 (vendor action bodies, queue properties).
fn bytes8(max_words: usize) -> impl Strategy<Value = Vec<u8>> {
    (0..max_words).prop_flat_map(|n| vec(any::<u8>(), n * 8))
}

fn mac() -> impl Strategy<Value = [u8; 6]> {
    any::<[u8; 6]>()
}

fn ip() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9 ._-]{{0,{max}}}")).expect("regex")
}

fn arb_match() -> impl Strategy<Value = Match> {
    (
        any::<u32>(),
        any::<u16>(),
        mac(),
        mac(),
        any::<u16>(),
        any::<u8>(),
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        ip(),
        ip(),
        any::<(u16, u16)>(),
    )
        .prop_map(
            |(
                wildcards,
                in_port,
                dl_src,
                dl_dst,
                dl_vlan,
                dl_vlan_pcp,
                dl_type,
                nw_tos,
                nw_proto,
                nw_src,
                nw_dst,
                (tp_src, tp_dst),
            )| Match {
                wildcards,
                in_port,
                dl_src,
                dl_dst,
                dl_vlan,
                dl_vlan_pcp,
                dl_type,
                nw_tos,
                nw_proto,
                nw_src,
                nw_dst,
                tp_src,
                tp_dst,
            },
        )
}

/// Output ports Open vSwitch accepts: physical ports and the special ports but NONE.
fn out_port() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..0xff00, 0xfff8u16..=0xfffe]
}

/// Nicira action bodies (after the vendor id) that are valid on their own.
const NICIRA_BODIES: &[&str] = &[
    "0001000500000000",                 // resubmit:5
    "0002000012345678",                 // set_tunnel
    "000811e99aad67f3",                 // note
    "0012000000000000",                 // dec_ttl
    "00060010000000000000000200000802", // move
    "0007000f00000802000000000000f009", // load
    "00230001000000000000ff0000000000", // ct(commit)
];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn vendor_action() -> impl Strategy<Value = VendorAction> {
    prop_oneof![
        (0..NICIRA_BODIES.len()).prop_map(|i| {
            let mut data = unhex(NICIRA_BODIES[i]);
            data.resize(data.len().div_ceil(8) * 8, 0);
            VendorAction {
                vendor: openflow::vendor::NICIRA,
                data,
            }
        }),
        (
            any::<u32>().prop_filter("not Nicira", |v| *v != openflow::vendor::NICIRA),
            bytes8(4)
        )
            .prop_map(|(vendor, data)| VendorAction { vendor, data }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (out_port(), any::<u16>()).prop_map(|(port, max_len)| Action::Output { port, max_len }),
        (0u16..4096).prop_map(Action::SetVlanVid),
        (0u8..8).prop_map(Action::SetVlanPcp),
        Just(Action::StripVlan),
        mac().prop_map(Action::SetDlSrc),
        mac().prop_map(Action::SetDlDst),
        ip().prop_map(Action::SetNwSrc),
        ip().prop_map(Action::SetNwDst),
        any::<u8>().prop_map(|t| Action::SetNwTos(t & 0xfc)),
        any::<u16>().prop_map(Action::SetTpSrc),
        any::<u16>().prop_map(Action::SetTpDst),
        (
            prop_oneof![0u16..0xff00, Just(0xfff8), Just(0xfffe)],
            any::<u32>()
        )
            .prop_map(|(port, queue_id)| Action::Enqueue { port, queue_id }),
        vendor_action().prop_map(Action::Vendor),
    ]
}

fn actions() -> impl Strategy<Value = Vec<Action>> {
    vec(action(), 0..5)
}

fn phy_port() -> impl Strategy<Value = PhyPort> {
    (any::<u16>(), mac(), text(16), any::<[u32; 6]>()).prop_map(|(port_no, hw_addr, name, f)| {
        PhyPort {
            port_no,
            hw_addr,
            name,
            config: f[0],
            state: f[1],
            curr: f[2],
            advertised: f[3],
            supported: f[4],
            peer: f[5],
        }
    })
}

fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        any::<u8>(),
        arb_match(),
        any::<[u32; 2]>(),
        any::<[u16; 3]>(),
        any::<[u64; 3]>(),
        actions(),
    )
        .prop_map(|(table_id, match_, d, t, c, actions)| FlowStats {
            table_id,
            match_,
            duration_sec: d[0],
            duration_nsec: d[1],
            priority: t[0],
            idle_timeout: t[1],
            hard_timeout: t[2],
            cookie: c[0],
            packet_count: c[1],
            byte_count: c[2],
            actions,
        })
}

fn flow_stats_request() -> impl Strategy<Value = FlowStatsRequest> {
    (arb_match(), any::<u8>(), any::<u16>()).prop_map(|(match_, table_id, out_port)| {
        FlowStatsRequest {
            match_,
            table_id,
            out_port,
        }
    })
}

/// Stats types this codec does not decode, kept raw.
fn other_stats_type() -> impl Strategy<Value = u16> {
    prop_oneof![6u16..13, 14u16..0xffff]
}

fn stats_request() -> impl Strategy<Value = StatsRequest> {
    let body = prop_oneof![
        Just(StatsRequestBody::Desc),
        flow_stats_request().prop_map(StatsRequestBody::Flow),
        flow_stats_request().prop_map(StatsRequestBody::Aggregate),
        Just(StatsRequestBody::Table),
        any::<u16>().prop_map(|port_no| StatsRequestBody::Port { port_no }),
        any::<(u16, u32)>()
            .prop_map(|(port_no, queue_id)| StatsRequestBody::Queue { port_no, queue_id }),
        Just(StatsRequestBody::PortDesc),
        (any::<u32>(), bytes(32))
            .prop_map(|(vendor, data)| StatsRequestBody::Vendor(VendorStats { vendor, data })),
        (other_stats_type(), bytes(32))
            .prop_map(|(stats_type, data)| StatsRequestBody::Other { stats_type, data }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsRequest { flags, body })
}

fn stats_reply() -> impl Strategy<Value = StatsReply> {
    let desc =
        (text(255), text(255), text(255), text(31), text(255)).prop_map(|(a, b, c, d, e)| {
            DescStats {
                mfr_desc: a,
                hw_desc: b,
                sw_desc: c,
                serial_num: d,
                dp_desc: e,
            }
        });
    let table = (any::<u8>(), text(32), any::<[u32; 3]>(), any::<[u64; 2]>()).prop_map(
        |(table_id, name, w, c)| TableStats {
            table_id,
            name,
            wildcards: w[0],
            max_entries: w[1],
            active_count: w[2],
            lookup_count: c[0],
            matched_count: c[1],
        },
    );
    let port = (any::<u16>(), any::<[u64; 12]>()).prop_map(|(port_no, c)| PortStats {
        port_no,
        rx_packets: c[0],
        tx_packets: c[1],
        rx_bytes: c[2],
        tx_bytes: c[3],
        rx_dropped: c[4],
        tx_dropped: c[5],
        rx_errors: c[6],
        tx_errors: c[7],
        rx_frame_err: c[8],
        rx_over_err: c[9],
        rx_crc_err: c[10],
        collisions: c[11],
    });
    let queue =
        (any::<u16>(), any::<u32>(), any::<[u64; 3]>()).prop_map(|(port_no, queue_id, c)| {
            QueueStats {
                port_no,
                queue_id,
                tx_bytes: c[0],
                tx_packets: c[1],
                tx_errors: c[2],
            }
        });
    let body = prop_oneof![
        desc.prop_map(StatsReplyBody::Desc),
        vec(flow_stats(), 0..3).prop_map(StatsReplyBody::Flow),
        any::<(u64, u64, u32)>().prop_map(|(packet_count, byte_count, flow_count)| {
            StatsReplyBody::Aggregate(AggregateStats {
                packet_count,
                byte_count,
                flow_count,
            })
        }),
        vec(table, 0..3).prop_map(StatsReplyBody::Table),
        vec(port, 0..3).prop_map(StatsReplyBody::Port),
        vec(queue, 0..3).prop_map(StatsReplyBody::Queue),
        vec(phy_port(), 0..3).prop_map(StatsReplyBody::PortDesc),
        (any::<u32>(), bytes(32))
            .prop_map(|(vendor, data)| StatsReplyBody::Vendor(VendorStats { vendor, data })),
        (other_stats_type(), bytes(32))
            .prop_map(|(stats_type, data)| StatsReplyBody::Other { stats_type, data }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsReply { flags, body })
}

fn queue_property() -> impl Strategy<Value = QueueProperty> {
    prop_oneof![
        any::<u16>().prop_map(QueueProperty::MinRate),
        // Type 1 with exactly 8 bytes of data is a MIN_RATE, so keep clear of it.
        (2u16..=0xffff, bytes8(3))
            .prop_map(|(property, data)| QueueProperty::Other { property, data }),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    let config = any::<(u16, u16)>().prop_map(|(flags, miss_send_len)| SwitchConfig {
        flags,
        miss_send_len,
    });
    prop_oneof![
        bytes(24).prop_map(|data| Body::Hello(Hello { data })),
        (any::<u16>(), any::<u16>(), bytes(64)).prop_map(|(err_type, code, data)| Body::Error(
            ErrorMsg {
                err_type,
                code,
                data
            }
        )),
        bytes(32).prop_map(Body::EchoRequest),
        bytes(32).prop_map(Body::EchoReply),
        (any::<u32>(), bytes(32))
            .prop_map(|(vendor, data)| Body::Vendor(VendorMsg { vendor, data })),
        Just(Body::FeaturesRequest),
        (
            any::<u64>(),
            any::<u32>(),
            any::<u8>(),
            any::<[u32; 2]>(),
            vec(phy_port(), 0..4)
        )
            .prop_map(
                |(datapath_id, n_buffers, n_tables, c, ports)| Body::FeaturesReply(FeaturesReply {
                    datapath_id,
                    n_buffers,
                    n_tables,
                    capabilities: c[0],
                    actions: c[1],
                    ports,
                })
            ),
        Just(Body::GetConfigRequest),
        config.clone().prop_map(Body::GetConfigReply),
        config.prop_map(Body::SetConfig),
        (
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u8>(),
            bytes(128)
        )
            .prop_map(
                |(buffer_id, total_len, in_port, reason, data)| Body::PacketIn(PacketIn {
                    buffer_id,
                    total_len,
                    in_port,
                    reason,
                    data
                })
            ),
        (
            arb_match(),
            any::<u64>(),
            any::<u16>(),
            any::<u8>(),
            any::<[u32; 2]>(),
            any::<u16>(),
            any::<[u64; 2]>()
        )
            .prop_map(|(match_, cookie, priority, reason, d, idle_timeout, c)| {
                Body::FlowRemoved(FlowRemoved {
                    match_,
                    cookie,
                    priority,
                    reason,
                    duration_sec: d[0],
                    duration_nsec: d[1],
                    idle_timeout,
                    packet_count: c[0],
                    byte_count: c[1],
                })
            }),
        (any::<u8>(), phy_port())
            .prop_map(|(reason, desc)| Body::PortStatus(PortStatus { reason, desc })),
        (any::<u32>(), any::<u16>(), actions(), bytes(64)).prop_map(
            |(buffer_id, in_port, actions, data)| Body::PacketOut(PacketOut {
                buffer_id,
                in_port,
                actions,
                data
            })
        ),
        (
            arb_match(),
            any::<u64>(),
            any::<[u16; 6]>(),
            any::<u32>(),
            actions()
        )
            .prop_map(|(match_, cookie, h, buffer_id, actions)| {
                Body::FlowMod(FlowMod {
                    match_,
                    cookie,
                    command: h[0],
                    idle_timeout: h[1],
                    hard_timeout: h[2],
                    priority: h[3],
                    buffer_id,
                    out_port: h[4],
                    flags: h[5],
                    actions,
                })
            }),
        (any::<u16>(), mac(), any::<[u32; 3]>()).prop_map(|(port_no, hw_addr, c)| Body::PortMod(
            PortMod {
                port_no,
                hw_addr,
                config: c[0],
                mask: c[1],
                advertise: c[2],
            }
        )),
        stats_request().prop_map(Body::StatsRequest),
        stats_reply().prop_map(Body::StatsReply),
        Just(Body::BarrierRequest),
        Just(Body::BarrierReply),
        any::<u16>().prop_map(|port| Body::QueueGetConfigRequest(QueueGetConfigRequest { port })),
        (
            any::<u16>(),
            vec((any::<u32>(), vec(queue_property(), 0..3)), 0..3)
        )
            .prop_map(|(port, qs)| {
                Body::QueueGetConfigReply(QueueGetConfigReply {
                    port,
                    queues: qs
                        .into_iter()
                        .map(|(queue_id, properties)| PacketQueue {
                            queue_id,
                            properties,
                        })
                        .collect(),
                })
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn typed_messages_round_trip(xid in any::<u32>(), body in body()) {
        let msg = Message::new(xid, body);
        let wire = msg.emit();
        prop_assert_eq!(usize::from(msg.header.length), wire.len());
        let back = openflow::parse(&wire);
        prop_assert!(!back.is_malformed(), "{}", back.summary());
        prop_assert_eq!(&back, &msg);
        prop_assert_eq!(back.emit(), wire);
    }

    #[test]
    fn any_bytes_re_emit_canonically(data in bytes(200)) {
        let msg = openflow::parse(&data);
        emits_canonically(&msg)?;
        let _ = msg.summary();
        msg.build_tree(&mut Tree::new());
    }

    /// Plausible headers reach every body decoder with arbitrary contents.
    #[test]
    fn any_body_re_emits_canonically(msg_type in 0u8..24, xid in any::<u32>(), body in bytes(300)) {
        let mut data = vec![1, msg_type, 0, 0];
        data.extend_from_slice(&xid.to_be_bytes());
        data.extend_from_slice(&body);
        let len = (data.len() as u16).to_be_bytes();
        data[2] = len[0];
        data[3] = len[1];
        let msg = openflow::parse(&data);
        emits_canonically(&msg)?;
        let _ = msg.summary();
        msg.build_tree(&mut Tree::new());
    }
}

/// `parse(emit(parse(b))) == parse(b)` for any `b`, and `emit(parse(c)) == c` for the
/// canonical `c = emit(parse(b))`.
fn emits_canonically(msg: &Message) -> Result<(), TestCaseError> {
    let canonical = msg.emit();
    let back = openflow::parse(&canonical);
    prop_assert_eq!(&back, msg);
    prop_assert_eq!(back.emit(), canonical);
    Ok(())
}
