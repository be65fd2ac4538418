//! A small snaplen: every message whose header the capture kept is listed, and none is made up.
//!
//! Each sample is cut to a snaplen here, as `tcpdump -s N` would have recorded it. The truth
//! comes from the whole recording: each direction's bytes in order give every message's
//! stream offset, and the cut capture's segments say which bytes were kept. A message whose
//! 8-byte header lies in kept bytes must be listed with its type and xid; every message
//! listed must be a message of the whole recording (its captured prefix).
use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::stream_support::read_sample;
use ofscope::capture::OwnedFrame;
use ofscope::stream::{decode_tcp, OuterPath, Role, StreamConfig, StreamEvent, Tracker};

fn cut(frames: &[OwnedFrame], snaplen: usize) -> Vec<OwnedFrame> {
    frames
        .iter()
        .map(|f| OwnedFrame {
            data: f.data.get(..snaplen).unwrap_or(&f.data).to_vec(),
            ..*f
        })
        .collect()
}

/// A direction: the sending end and the receiving end.
type Way = (SocketAddr, SocketAddr);

/// Per direction, the stream offset of each captured payload byte range, from the SYN.
fn kept_ranges(frames: &[OwnedFrame]) -> BTreeMap<Way, Vec<(u64, u64)>> {
    let mut isn: BTreeMap<Way, u32> = BTreeMap::new();
    let mut ranges: BTreeMap<Way, Vec<(u64, u64)>> = BTreeMap::new();
    for f in frames {
        let Ok(seg) = decode_tcp(f.linktype, &f.data, f.orig_len, &OuterPath::default()) else {
            continue;
        };
        let way = (seg.src, seg.dst);
        if seg.flags.syn() {
            isn.insert(way, seg.seq.wrapping_add(1));
            continue;
        }
        let Some(&start) = isn.get(&way) else {
            continue;
        };
        if !seg.payload.is_empty() {
            let at = u64::from(seg.seq.wrapping_sub(start));
            ranges
                .entry(way)
                .or_default()
                .push((at, at + seg.payload.len() as u64));
        }
    }
    ranges
}

/// One message as the tracker gave it.
struct Seen {
    msg_type: u8,
    xid: u32,
    bytes: Vec<u8>,
    whole: bool,
}

/// Per direction, the messages (whole or cut) of a capture, in stream order.
fn decode(frames: &[OwnedFrame]) -> BTreeMap<Way, Vec<Seen>> {
    let mut tracker = Tracker::new(StreamConfig::default());
    let mut events = Vec::new();
    for f in frames {
        tracker.push_frame(&f.raw(), &mut events);
    }
    tracker.finish(&mut events);
    let mut out: BTreeMap<Way, Vec<Seen>> = BTreeMap::new();
    for event in events {
        let (chunk, whole) = match event {
            StreamEvent::Message(chunk) => (chunk, true),
            StreamEvent::Truncated(chunk) => (chunk, false),
            _ => continue,
        };
        let conn = &tracker.connections()[chunk.conn.0 as usize];
        let way = match chunk.direction.sender() {
            Role::Switch => (conn.switch, conn.controller),
            Role::Controller => (conn.controller, conn.switch),
        };
        out.entry(way).or_default().push(Seen {
            msg_type: chunk.header.msg_type,
            xid: chunk.header.xid,
            bytes: chunk.bytes,
            whole,
        });
    }
    out
}

/// Checks one sample at one snaplen; returns (headers kept, messages listed).
fn check(sample: &str, snaplen: usize) -> (usize, usize) {
    let whole = read_sample(sample);
    let cut = cut(&whole, snaplen);
    let (expected, unlisted, listed) = compare(&whole, &cut, sample);
    assert!(
        unlisted.is_empty(),
        "{sample} -s {snaplen}: headers captured but not listed (type, xid, offset): {unlisted:?}"
    );
    (expected, listed)
}

/// Compares the cut capture's messages with the whole one's: panics on a message the whole
/// recording lacks; returns the count of kept headers, those not listed, and the count listed.
fn compare(
    whole: &[OwnedFrame],
    cut: &[OwnedFrame],
    name: &str,
) -> (usize, Vec<(u8, u32, u64)>, usize) {
    let truth = decode(whole);
    let kept = kept_ranges(cut);
    let listed = decode(cut);
    let mut expected = 0;
    let mut unlisted = Vec::new();
    for (way, sent) in &truth {
        assert!(
            sent.iter().all(|m| m.whole),
            "{name}: the whole recording lost bytes"
        );
        let ranges = kept.get(way).map(Vec::as_slice).unwrap_or_default();
        let shown = listed.get(way).map(Vec::as_slice).unwrap_or_default();
        // Every listed message is a message of the whole recording, in stream order.
        let mut next = 0;
        for m in shown {
            let found = sent.iter().skip(next).position(|s| {
                s.msg_type == m.msg_type && s.xid == m.xid && s.bytes.starts_with(&m.bytes)
            });
            let Some(found) = found else {
                panic!(
                    "{name}: type {} xid {:#x} is not in the whole recording",
                    m.msg_type, m.xid
                );
            };
            next += found + 1;
        }
        let mut offset = 0;
        for s in sent {
            let header_kept = ranges
                .iter()
                .any(|&(from, to)| from <= offset && offset + 8 <= to);
            if header_kept {
                expected += 1;
                if !shown
                    .iter()
                    .any(|m| m.msg_type == s.msg_type && m.xid == s.xid)
                {
                    unlisted.push((s.msg_type, s.xid, offset));
                }
            }
            offset += s.bytes.len() as u64;
        }
    }
    let count = listed.values().map(Vec::len).sum();
    (expected, unlisted, count)
}

#[test]
fn every_message_whose_header_was_kept_is_listed() {
    for sample in [
        "basic.pcap",
        "pc-c.pcap",
        "vlan.pcap",
        "osken-vip.pcap",
        "ipv6.pcap",
    ] {
        for snaplen in [96, 100, 128] {
            let (expected, listed) = check(sample, snaplen);
            assert!(expected > 10, "{sample} -s {snaplen}: too few headers kept");
            assert!(listed >= expected);
        }
    }
}

/// The lab's low-MTU session recorded by two tcpdumps at once, one at `-s 96`. Messages
/// span segments there, so most kept headers sit at no known boundary. ofscope lists every
/// kept header it can place (by the lengths before it, at a segment start by its length, or
/// by the OpenFlow 1.0 body fields kept after it), and never one the session did not send.
#[test]
fn the_recorded_s96_session_lists_the_kept_headers_and_invents_none() {
    let whole = read_sample("segmented-full.pcap");
    let cut = read_sample("segmented-s96.pcap");
    let (expected, unlisted, listed) = compare(&whole, &cut, "segmented-s96");
    println!("segmented-s96: {expected} headers kept, {listed} listed, unlisted: {unlisted:?}");
    assert!(expected > 300);
    assert!(
        unlisted.is_empty(),
        "unlisted (type, xid, offset): {unlisted:?}"
    );
}
