//! A script of switch messages driven through each app of the registry (`apps::APPS`),
//! alone and all chained, with any option string. Nothing may panic, every message an app
//! sends parses back to itself, and each reaction makes a decision as a golden records it.
//!
//! The input is the option string (`variant=pox,idle=5`, given to every app), a NUL, then
//! records `[op, len, len bytes]`:
//! - `op & 3`: 0 the bytes are an OpenFlow message from the switch (a PACKET_IN, a
//!   FLOW_REMOVED, ...; whatever they parse as), 1 a PACKET_IN of the bytes as its frame
//!   (`in_port` from `op >> 5`), 2 a FEATURES_REPLY (datapath id `op`), 3 a frame read
//!   from the TAP;
//! - `(op >> 2) & 1`: the connection;
//! - `op >> 3`: the virtual clock moves on by `2^(op >> 3)` ms first (timers, hold-downs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope::replay::apps::{Output, APPS};
use ofscope::replay::decision::{packet_ref, Trigger};
use ofscope::replay::{AppSpec, Decision, Engine, Input};
use ofscope_dissectors::openflow::{self, Body, FeaturesReply, Message, PacketIn, NO_BUFFER};

enum Event {
    Switch { conn: u32, message: Message },
    Tap(Vec<u8>),
}

fuzz_target!(|input: &[u8]| {
    let Some(nul) = input.iter().position(|&b| b == 0) else {
        return;
    };
    let Ok(options) = std::str::from_utf8(&input[..nul]) else {
        return;
    };
    let script = events_of(&input[nul + 1..]);
    let specs: Vec<AppSpec> = APPS
        .iter()
        .filter_map(|app| format!("{}:{options}", app.name).parse().ok())
        .collect();
    for spec in &specs {
        drive(std::slice::from_ref(spec), &script);
    }
    if specs.len() > 1 {
        drive(&specs, &script);
    }
});

fn drive(apps: &[AppSpec], script: &[(u64, Event)]) {
    let mut engine = Engine::new(apps);
    for (frame, (ts_ns, event)) in (1..).zip(script) {
        let (trigger, message, outputs) = match event {
            Event::Switch { conn, message } => {
                let input = Input {
                    ts_ns: *ts_ns,
                    conn: *conn,
                    message,
                };
                let dpid = engine.dpid(*conn);
                let Some(outputs) = engine.feed(&input) else {
                    continue;
                };
                let trigger = Trigger::from_message(frame, *ts_ns, dpid, message);
                (trigger, Some(message), outputs)
            }
            Event::Tap(data) => {
                let dpid = engine.tap_conn().and_then(|c| engine.dpid(c));
                let outputs = engine.tap_frame(*ts_ns, data);
                (Trigger::tap(frame, *ts_ns, data, dpid), None, outputs)
            }
        };
        for output in outputs {
            if let Output::Send(body) = output {
                let bytes = Message::new(7, body.clone()).emit();
                let back = openflow::parse(&bytes);
                assert_eq!(&back.body, body, "a sent message parses back to itself");
                assert_eq!(back.emit(), bytes);
            }
        }
        let _ = Decision::new(trigger, packet_ref(message), outputs);
    }
    let _ = engine.summary();
}

fn events_of(mut script: &[u8]) -> Vec<(u64, Event)> {
    let mut ts_ns = 1_700_000_000_000_000_000u64;
    let mut events = Vec::new();
    while let [op, len, rest @ ..] = script {
        let (bytes, tail) = rest.split_at(usize::from(*len).min(rest.len()));
        script = tail;
        ts_ns = ts_ns.saturating_add((1u64 << (op >> 3)) * 1_000_000);
        let conn = u32::from((op >> 2) & 1);
        let message = match op & 3 {
            0 => openflow::parse(bytes),
            1 => Message::new(
                u32::from(*len),
                Body::PacketIn(PacketIn {
                    buffer_id: NO_BUFFER,
                    total_len: bytes.len() as u16,
                    in_port: u16::from(op >> 5) + 1,
                    reason: 0,
                    data: bytes.to_vec(),
                }),
            ),
            2 => Message::new(
                0,
                Body::FeaturesReply(FeaturesReply {
                    datapath_id: u64::from(*op),
                    n_buffers: 256,
                    n_tables: 1,
                    capabilities: 0xc7,
                    actions: 0xfff,
                    ports: Vec::new(),
                }),
            ),
            _ => {
                events.push((ts_ns, Event::Tap(bytes.to_vec())));
                continue;
            }
        };
        events.push((ts_ns, Event::Switch { conn, message }));
    }
    events
}
