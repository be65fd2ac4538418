//! Losing one frame costs only the messages that needed it.
//!
//! For every frame of two real recordings in turn, the capture is decoded without that frame.
//! Every message whose bytes did not come from it must keep its frame number, timestamp,
//! direction and bytes, the output must stay in frame order, and nothing may be invented.
//! This is what a capture that dropped a segment (kernel drops, an oversubscribed SPAN)
//! looks like; before the reassembly gave up holes the peer had acknowledged, one lost
//! segment held its whole direction back to the end of the capture.

use crate::stream_support::read_sample;
use ofscope::capture::OwnedFrame;
use ofscope::stream::{ConnId, Direction, StreamConfig, StreamEvent, Tracker};

/// What must survive the loss of a frame the message did not need.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    frame: u64,
    ts_ns: u64,
    conn: ConnId,
    direction: Direction,
    bytes: Vec<u8>,
    truncated: bool,
}

/// The messages of the capture without frame `dropped`, each with the frames it came from.
fn decode(frames: &[OwnedFrame], dropped: Option<u64>) -> Vec<(Seen, Vec<u64>)> {
    let mut tracker = Tracker::new(StreamConfig::default());
    let mut events = Vec::new();
    for frame in frames.iter().filter(|f| Some(f.number) != dropped) {
        tracker.push_frame(&frame.raw(), &mut events);
    }
    tracker.finish(&mut events);
    events
        .into_iter()
        .filter_map(|event| {
            let (chunk, truncated) = match event {
                StreamEvent::Message(chunk) => (chunk, false),
                StreamEvent::Truncated(chunk) => (chunk, true),
                _ => return None,
            };
            let seen = Seen {
                frame: chunk.frame,
                ts_ns: chunk.ts_ns,
                conn: chunk.conn,
                direction: chunk.direction,
                bytes: chunk.bytes,
                truncated,
            };
            Some((seen, chunk.frames))
        })
        .collect()
}

/// Whether `damaged` is the message `whole` (whose bytes came from `from`), kept as it was.
/// A message completed by a late segment is credited to that segment (as tshark does); when
/// a loss before it changes how its hole is settled, it may be credited to any frame from
/// its own last byte to that segment, the bytes and the rest unchanged.
fn same_message(whole: &Seen, from: &[u64], damaged: &Seen) -> bool {
    let last_byte = from.last().copied().unwrap_or_default();
    let credit_ok = if whole.frame == last_byte {
        damaged.frame == whole.frame && damaged.ts_ns == whole.ts_ns
    } else {
        (last_byte..=whole.frame).contains(&damaged.frame)
    };
    credit_ok
        && damaged.conn == whole.conn
        && damaged.direction == whole.direction
        && damaged.bytes == whole.bytes
        && damaged.truncated == whole.truncated
}

fn check_every_single_loss(sample: &str) {
    let frames = read_sample(sample);
    let whole = decode(&frames, None);
    assert!(whole.len() > 10, "{sample}: too few messages to test");
    assert!(whole.iter().all(|(seen, _)| !seen.truncated));
    let mut failures = Vec::new();
    for dropped in frames.iter().map(|f| f.number) {
        let damaged = decode(&frames, Some(dropped));
        let order: Vec<u64> = damaged.iter().map(|(seen, _)| seen.frame).collect();
        if !order.is_sorted() {
            failures.push(format!(
                "without frame {dropped}: out of frame order: {order:?}"
            ));
        }
        for (seen, from) in &whole {
            let kept = damaged.iter().any(|(d, _)| same_message(seen, from, d));
            if !from.contains(&dropped) && !kept {
                failures.push(format!(
                    "without frame {dropped}: lost or changed the message of frame {} ({} bytes)",
                    seen.frame,
                    seen.bytes.len()
                ));
            }
        }
        for (seen, _) in &damaged {
            // A message that needed the dropped frame may still come whole from a
            // retransmission of it, credited to that.
            let known = whole.iter().any(|(w, from)| {
                let same_stream = w.conn == seen.conn && w.direction == seen.direction;
                if seen.truncated {
                    same_stream && w.bytes.starts_with(&seen.bytes)
                } else if from.contains(&dropped) {
                    same_stream && w.bytes == seen.bytes
                } else {
                    same_message(w, from, seen)
                }
            });
            if !known {
                failures.push(format!(
                    "without frame {dropped}: invented a message at frame {}",
                    seen.frame
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{sample}: {} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

#[test]
fn basic_loses_only_what_the_dropped_frame_carried() {
    check_every_single_loss("basic.pcap");
}

#[test]
fn segmented_loses_only_what_the_dropped_frame_carried() {
    check_every_single_loss("segmented.pcap");
}

#[test]
fn reordered_loses_only_what_the_dropped_frame_carried() {
    check_every_single_loss("reorder.pcap");
}

#[test]
fn two_switches_lose_only_what_the_dropped_frame_carried() {
    check_every_single_loss("two-switch.pcap");
}
