//! Random TCP segment streams, in random order, through the pipeline after the file
//! reader: frame decoding, TCP reassembly and OpenFlow framing, the decode stage, then the
//! summary and field tree of every message. It asserts what `common/pipeline.rs` says:
//! nothing panics, every message is what its bytes parse as and round-trips through
//! `emit`, and the bytes held for the connection stay within the reassembly limits.
//!
//! The frames are handed over from memory: a pcap written and read back here would only
//! ever be well-formed, and the file reader's 1 MiB buffer, zeroed for every input, cost
//! most of each run. `capture_file` fuzzes the reader.
//!
//! The input is a script of records `[op, len, len bytes]`:
//! - `op & 1`: the sender (0 switch, 1 controller);
//! - `(op >> 1) & 7`: 0..=3 data in sequence, 4 a retransmission over the previous `len`
//!   bytes (conflicting or not), 5 data after a hole, 6 a SYN, 7 a FIN (even `len`) or RST;
//! - `op >> 4`: how many frames earlier the frame is put (out-of-order delivery).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ofscope::capture::{CaptureError, FrameSource, LinkType, RawFrame};

#[path = "common/pipeline.rs"]
mod pipeline;

const SWITCH: ([u8; 4], u16) = ([10, 0, 0, 1], 40000);
const CONTROLLER: ([u8; 4], u16) = ([10, 0, 0, 2], 6633);
const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH_ACK: u8 = 0x18;

fuzz_target!(|script: &[u8]| {
    pipeline::check(Frames {
        frames: frames_of(script),
        next: 0,
    });
});

/// The script's frames, as a capture file would give them.
struct Frames {
    frames: Vec<Vec<u8>>,
    next: usize,
}

impl FrameSource for Frames {
    fn next_frame(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>> {
        let i = self.next;
        let data = self.frames.get(i)?;
        self.next += 1;
        Some(Ok(RawFrame {
            number: i as u64 + 1,
            ts_ns: 1_700_000_000_000_000_000 + i as u64 * 1000,
            data,
            orig_len: data.len() as u32,
            linktype: LinkType::ETHERNET,
        }))
    }
}

/// Turns the script into Ethernet frames, in capture order.
fn frames_of(mut script: &[u8]) -> Vec<Vec<u8>> {
    let mut next_seq = [1_000u32, 50_000u32];
    let mut frames: Vec<Vec<u8>> = Vec::new();
    while let [op, len, rest @ ..] = script {
        let len = usize::from(*len).min(rest.len());
        let (payload, tail) = rest.split_at(len);
        script = tail;
        let dir = usize::from(op & 1);
        let next = &mut next_seq[dir];
        let (seq, flags, payload) = match (op >> 1) & 7 {
            0..=3 => {
                let seq = *next;
                *next = next.wrapping_add(len as u32);
                (seq, PSH_ACK, payload)
            }
            4 => (next.wrapping_sub(len as u32), PSH_ACK, payload),
            5 => {
                let seq = next.wrapping_add(1 + len as u32 * 8);
                *next = seq.wrapping_add(len as u32);
                (seq, PSH_ACK, payload)
            }
            6 => {
                let seq = next.wrapping_sub(1);
                (seq, if dir == 0 { SYN } else { SYN | 0x10 }, &[][..])
            }
            _ => {
                let flags = if len % 2 == 0 { FIN | 0x10 } else { RST };
                let seq = *next;
                *next = next.wrapping_add(u32::from(flags & FIN));
                (seq, flags, &[][..])
            }
        };
        let frame = ethernet_frame(dir == 0, seq, flags, payload);
        let at = frames.len() - usize::from(op >> 4).min(frames.len());
        frames.insert(at, frame);
    }
    frames
}

fn ethernet_frame(from_switch: bool, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = if from_switch {
        (SWITCH, CONTROLLER)
    } else {
        (CONTROLLER, SWITCH)
    };
    let mut f = Vec::with_capacity(54 + payload.len());
    f.extend_from_slice(&[2, 0, 0, 0, 0, if from_switch { 1 } else { 2 }]);
    f.extend_from_slice(&[2, 0, 0, 0, 0, if from_switch { 2 } else { 1 }]);
    f.extend_from_slice(&[0x08, 0x00]);
    let ip_len = (40 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0]);
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.1.to_be_bytes());
    f.extend_from_slice(&dst.1.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&1u32.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}
