//! The issue 2 speed targets, one core: typed decode of a PACKET_IN carrying a 60-byte
//! ARP frame and of a FLOW_MOD with 2 actions (each ≥ 5 M messages/s), and building the
//! full field tree (≥ 1 M messages/s). Run: `cargo bench -p ofscope-dissectors`.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ofscope_dissectors::frame::Frame;
use ofscope_dissectors::openflow::flow_match::ofpfw;
use ofscope_dissectors::openflow::{self, Action, Body, FlowMod, Match, Message, PacketIn};
use ofscope_dissectors::tree::Tree;

/// `ARP who-has 10.0.0.2 tell 10.0.0.1`, padded to the 60 bytes a switch sends up.
fn arp_request() -> Vec<u8> {
    let mut frame = Vec::with_capacity(60);
    frame.extend_from_slice(&[0xff; 6]);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    frame.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01, 10, 0, 0, 1]);
    frame.extend_from_slice(&[0; 6]);
    frame.extend_from_slice(&[10, 0, 0, 2]);
    frame.resize(60, 0);
    frame
}

fn packet_in() -> Vec<u8> {
    let data = arp_request();
    Message::new(
        0,
        Body::PacketIn(PacketIn {
            buffer_id: 0x100,
            total_len: data.len() as u16,
            in_port: 1,
            reason: 0,
            data,
        }),
    )
    .emit()
}

/// What a learning switch installs: an exact ARP match, then tag and forward.
fn flow_mod() -> Vec<u8> {
    let match_ = Match {
        wildcards: ofpfw::NW_TOS | ofpfw::DL_VLAN_PCP,
        in_port: 1,
        dl_src: [0x02, 0, 0, 0, 0, 0x01],
        dl_dst: [0x02, 0, 0, 0, 0, 0x02],
        dl_vlan: 0xffff,
        dl_type: 0x0806,
        nw_proto: 1,
        nw_src: Ipv4Addr::new(10, 0, 0, 1),
        nw_dst: Ipv4Addr::new(10, 0, 0, 2),
        ..Match::default()
    };
    Message::new(
        5,
        Body::FlowMod(FlowMod {
            match_,
            idle_timeout: 10,
            hard_timeout: 30,
            buffer_id: 0x100,
            actions: vec![Action::SetVlanVid(10), Action::output(2)],
            ..FlowMod::default()
        }),
    )
    .emit()
}

fn decode(c: &mut Criterion) {
    let packet_in = packet_in();
    let flow_mod = flow_mod();
    assert!(matches!(
        openflow::parse(&packet_in).body,
        Body::PacketIn(_)
    ));
    assert!(
        matches!(openflow::parse(&flow_mod).body, Body::FlowMod(ref f) if f.actions.len() == 2)
    );

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("packet_in_arp", |b| {
        b.iter(|| openflow::parse(black_box(&packet_in)))
    });
    group.bench_function("packet_in_arp_with_frame", |b| {
        b.iter(|| match openflow::parse(black_box(&packet_in)).body {
            Body::PacketIn(p) => Some(Frame::parse(&p.data)),
            _ => None,
        })
    });
    group.bench_function("flow_mod_2_actions", |b| {
        b.iter(|| openflow::parse(black_box(&flow_mod)))
    });
    group.finish();

    // The tree is rebuilt into one reused Tree, as `ofscope pcap` does per message.
    let mut group = c.benchmark_group("tree");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in [
        ("packet_in_arp", &packet_in),
        ("flow_mod_2_actions", &flow_mod),
    ] {
        let message = openflow::parse(bytes);
        let mut tree = Tree::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                tree.fields.clear();
                black_box(&message).build_tree(&mut tree);
                tree.fields.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
