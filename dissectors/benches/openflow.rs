//! Decode and tree-building speed for the messages a busy controller sees most.
//! `cargo bench -p ofscope-dissectors --bench openflow`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ofscope_dissectors::openflow::{
    self, Action, FlowMod, IntoMessage, Match, PacketIn, NO_BUFFER,
};
use ofscope_dissectors::tree::Tree;

/// A PACKET_IN carrying a 60-byte ARP request (padded to the Ethernet minimum).
fn packet_in() -> Vec<u8> {
    let mut frame = vec![0xff; 6];
    frame.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    frame.extend_from_slice(&[0, 0, 0, 0, 0, 3, 10, 0, 0, 3, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1]);
    frame.resize(60, 0);
    PacketIn {
        buffer_id: NO_BUFFER,
        total_len: 60,
        in_port: 3,
        reason: 0,
        data: frame,
    }
    .with_xid(1)
    .emit()
}

/// A FLOW_MOD ADD with an exact 12-field match and two actions.
fn flow_mod() -> Vec<u8> {
    FlowMod {
        match_: Match {
            wildcards: 0,
            in_port: 1,
            dl_src: [0, 0, 0, 0, 0, 1],
            dl_dst: [0, 0, 0, 0, 0, 2],
            dl_vlan: 0xffff,
            dl_type: 0x0800,
            nw_proto: 1,
            ..Match::default()
        },
        idle_timeout: 10,
        hard_timeout: 30,
        actions: vec![Action::SetVlanVid(10), Action::output(2)],
        ..FlowMod::default()
    }
    .with_xid(2)
    .emit()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("openflow");
    g.throughput(Throughput::Elements(1));
    for (name, bytes) in [
        ("packet_in_arp60", packet_in()),
        ("flow_mod_2_actions", flow_mod()),
    ] {
        g.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| openflow::parse(black_box(&bytes)))
        });
        let msg = openflow::parse(&bytes);
        assert!(!msg.is_malformed());
        g.bench_function(format!("tree/{name}"), |b| {
            b.iter(|| {
                let mut t = Tree::new();
                black_box(&msg).build_tree(&mut t);
                t
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
