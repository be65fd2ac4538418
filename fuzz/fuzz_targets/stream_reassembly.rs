//! Random segment streams, in random order, with duplicates, overlaps, holes, snaplen cuts
//! and flags, through connection tracking, reassembly and framing.
//!
//! Input layout: two direction streams (each a length byte then bytes), then 8-byte
//! operations: direction and flags, start offset (u16), length (u16), missing (u8),
//! a sequence-number twist (u16).
#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use ofscope::stream::{StreamConfig, StreamEvent, TcpFlags, TcpSegment, Tracker};

fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, rest) = data.split_at(n.min(data.len()));
    *data = rest;
    head
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let mut streams = Vec::new();
    for _ in 0..2 {
        let len = usize::from(take(&mut data, 1).first().copied().unwrap_or(0)) * 8;
        streams.push(take(&mut data, len).to_vec());
    }
    let ends: [SocketAddr; 2] = [
        "10.0.0.1:40000".parse().unwrap(),
        "10.0.0.2:6653".parse().unwrap(),
    ];
    let isn = [0xffff_ff00u32, 7];
    let config = StreamConfig::default();
    let limits = config.limits;
    let mut tracker = Tracker::new(config);
    let mut events = Vec::new();
    let mut frame = 0;
    while data.len() >= 8 {
        let op = take(&mut data, 8);
        let side = usize::from(op[0] & 1);
        let stream = &streams[side];
        let start = usize::from(u16::from_be_bytes([op[1], op[2]]));
        let len = usize::from(u16::from_be_bytes([op[3], op[4]]) % 1600);
        let payload = stream
            .get(start.min(stream.len())..(start + len).min(stream.len()))
            .unwrap_or(&[]);
        let twist = u32::from(u16::from_be_bytes([op[6], op[7]]));
        // Mostly the true sequence number; sometimes far off, to test wrap and sanity.
        let seq = if op[0] & 0x80 != 0 {
            twist << 16
        } else {
            isn[side].wrapping_add(1 + start as u32)
        };
        let segment = TcpSegment {
            src: ends[side],
            dst: ends[1 - side],
            seq: if op[0] & 2 != 0 { isn[side] } else { seq },
            ack: 0,
            flags: TcpFlags {
                syn: op[0] & 2 != 0,
                ack: op[0] & 4 != 0,
                fin: op[0] & 8 != 0,
                rst: op[0] & 0x40 != 0 && op[5] == 0,
            },
            payload: if op[0] & 2 != 0 { &[] } else { payload },
            missing: u32::from(op[5] & 0x3f),
            via: None,
            ip_id: 0,
        };
        frame += 1;
        tracker.push_segment(&segment, frame, frame * 1000, &mut events);
        // Two directions, each: held segments (one may overshoot), a partial message or
        // resync window, and events waiting for roles.
        let bound = 2 * (limits.max_held_bytes + 1600 + 2 * 65_544 + 1600) + (1 << 20) + 65_544;
        assert!(
            tracker.held_bytes() <= bound,
            "held {}",
            tracker.held_bytes()
        );
        check(&mut events);
    }
    tracker.finish(&mut events);
    check(&mut events);
    assert_eq!(tracker.held_bytes(), 0);
});

fn check(events: &mut Vec<StreamEvent>) {
    for event in events.drain(..) {
        match event {
            StreamEvent::Message(m) => assert_eq!(m.bytes.len(), usize::from(m.header.length)),
            StreamEvent::Truncated(m) => {
                assert!(m.bytes.len() >= 8 && m.bytes.len() < usize::from(m.header.length))
            }
            _ => {}
        }
    }
}
