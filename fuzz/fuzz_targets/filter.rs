//! Any string as a display filter. If it parses, it is evaluated on OpenFlow messages, from
//! either end of a known channel and from a connection whose ends are not known yet. Nothing
//! may panic, and a filter that does not parse gets a one-line error with no control
//! character.
//!
//! The input is the filter, then optionally a NUL and the messages, back to back as on the
//! wire (each as long as its header says, the last one possibly cut short). Without a NUL
//! the filter is evaluated on a small built-in set: HELLO, ECHO_REQUEST, FEATURES_REPLY and a
//! PACKET_IN carrying an ARP request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope::filter::{Channel, Context, Filter};
use ofscope::stream::ConnId;
use ofscope_dissectors::openflow::{self, Body, FeaturesReply, Hello, Message, PacketIn};
use ofscope_dissectors::tree::Tree;

fuzz_target!(|input: &[u8]| {
    let (expression, wire) = match input.iter().position(|&b| b == 0) {
        Some(nul) => (&input[..nul], Some(&input[nul + 1..])),
        None => (input, None),
    };
    let Ok(expression) = std::str::from_utf8(expression) else {
        return;
    };
    let filter = match Filter::parse(expression) {
        Ok(filter) => filter,
        Err(err) => {
            // One line, with the expression's own control characters shown escaped.
            let text = err.to_string();
            assert!(!text.contains(char::is_control), "{text:?}");
            assert!(!err.caret_line().contains(char::is_control));
            return;
        }
    };
    assert_eq!(filter.as_str(), expression);
    let messages = match wire {
        Some(wire) => split(wire),
        None => built_in(),
    };
    let channel = Channel {
        switch: "10.0.0.1:40000".parse().unwrap(),
        controller: "[2001:db8::2]:6653".parse().unwrap(),
        via: None,
    };
    let mut tree = Tree::new();
    for (i, bytes) in messages.iter().enumerate() {
        let message = openflow::parse(bytes);
        tree.fields.clear();
        message.build_tree(&mut tree);
        for (from_switch, channel) in [
            (true, Some(&channel)),
            (false, Some(&channel)),
            (true, None),
        ] {
            let context = Context {
                frame: i as u64 + 1,
                ts_ns: 1_700_000_000_000_000_000 + i as u64 * 1_000_000,
                origin_ns: 1_700_000_000_000_000_000,
                conn: ConnId(i as u32),
                dpid: message.datapath_id(),
                from_switch,
                channel,
            };
            let _ = filter.matches(&context, &tree, bytes);
        }
    }
});

/// The messages of a byte stream, as far as their headers frame them.
fn split(mut wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !wire.is_empty() {
        let length = wire
            .get(2..4)
            .map_or(0, |l| usize::from(u16::from_be_bytes([l[0], l[1]])));
        let (message, rest) = wire.split_at(length.max(8).min(wire.len()));
        out.push(message.to_vec());
        wire = rest;
    }
    out
}

fn built_in() -> Vec<Vec<u8>> {
    let host = [0, 0, 0, 0, 0, 1];
    let mut arp = vec![0xff; 6];
    arp.extend(host);
    arp.extend([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1]);
    arp.extend(host);
    arp.extend([10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    let bodies = [
        Body::Hello(Hello { data: Vec::new() }),
        Body::EchoRequest(b"ping".to_vec()),
        Body::FeaturesReply(FeaturesReply {
            datapath_id: 2,
            n_buffers: 256,
            n_tables: 1,
            capabilities: 0xc7,
            actions: 0xfff,
            ports: Vec::new(),
        }),
        Body::PacketIn(PacketIn {
            buffer_id: 0xffff_ffff,
            total_len: arp.len() as u16,
            in_port: 1,
            reason: 0,
            data: arp,
        }),
    ];
    bodies
        .into_iter()
        .zip(1..)
        .map(|(body, xid)| Message::new(xid, body).emit())
        .collect()
}
