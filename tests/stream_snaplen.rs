//! A small snaplen: every message whose header the capture kept is listed, and none is made up.
//!
//! Each sample is cut to a snaplen here, as `tcpdump -s N` would have recorded it. The truth
//! comes from the whole recording: each direction's bytes in order give every message's
//! stream offset, and the cut capture's segments say which bytes were kept. A message whose
//! 8-byte header lies in kept bytes must be listed with its type and xid; every message
//! listed must be a message of the whole recording (its captured prefix).
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use ofscope::capture::{FileSource, FrameSource, LinkType, RawFrame};
use ofscope::stream::{decode_tcp, StreamConfig, StreamEvent, Tracker};

struct Frame {
    number: u64,
    ts_ns: u64,
    data: Vec<u8>,
    orig_len: u32,
    linktype: LinkType,
}

fn read(sample: &str) -> Vec<Frame> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(sample);
    let mut source = FileSource::open(path).expect("sample opens");
    let mut frames = Vec::new();
    while let Some(frame) = source.next_frame() {
        let frame = frame.expect("sample reads");
        frames.push(Frame {
            number: frame.number,
            ts_ns: frame.ts_ns,
            data: frame.data.to_vec(),
            orig_len: frame.orig_len,
            linktype: frame.linktype,
        });
    }
    frames
}

fn cut(frames: &[Frame], snaplen: usize) -> Vec<Frame> {
    frames
        .iter()
        .map(|f| Frame {
            data: f.data.get(..snaplen).unwrap_or(&f.data).to_vec(),
            ..*f
        })
        .collect()
}

/// A direction: the sending end and the receiving end.
type Way = (SocketAddr, SocketAddr);

/// Per direction, the stream offset of each captured payload byte range, from the SYN.
fn kept_ranges(frames: &[Frame]) -> BTreeMap<Way, Vec<(u64, u64)>> {
    let mut isn: BTreeMap<Way, u32> = BTreeMap::new();
    let mut ranges: BTreeMap<Way, Vec<(u64, u64)>> = BTreeMap::new();
    for f in frames {
        let Some(seg) = decode_tcp(f.linktype, &f.data, f.orig_len) else {
            continue;
        };
        let way = (seg.src, seg.dst);
        if seg.flags.syn {
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

/// Per direction, the messages of the whole recording: (offset, type, xid, bytes).
fn messages(frames: &[Frame]) -> BTreeMap<Way, Vec<(u64, u8, u32, Vec<u8>)>> {
    let mut tracker = Tracker::new(StreamConfig::default());
    let mut events = Vec::new();
    for f in frames {
        tracker.push_frame(&as_raw(f), &mut events);
    }
    tracker.finish(&mut events);
    let mut offsets: BTreeMap<Way, u64> = BTreeMap::new();
    let mut out: BTreeMap<Way, Vec<_>> = BTreeMap::new();
    for event in events {
        let chunk = match event {
            StreamEvent::Message(chunk) => chunk,
            StreamEvent::Gap { .. } | StreamEvent::Truncated(_) => {
                panic!("the whole recording must have no loss: {event:?}")
            }
            _ => continue,
        };
        let conn = &tracker.connections()[chunk.conn.0 as usize];
        let way = match chunk.direction.sender() {
            ofscope::stream::Role::Switch => (conn.switch, conn.controller),
            ofscope::stream::Role::Controller => (conn.controller, conn.switch),
        };
        let offset = offsets.entry(way).or_default();
        let header = chunk.header;
        out.entry(way).or_default().push((
            *offset,
            header.msg_type,
            header.xid,
            chunk.bytes.clone(),
        ));
        *offset += chunk.bytes.len() as u64;
    }
    out
}

fn as_raw(f: &Frame) -> RawFrame<'_> {
    RawFrame {
        number: f.number,
        ts_ns: f.ts_ns,
        data: &f.data,
        orig_len: f.orig_len,
        linktype: f.linktype,
    }
}

/// What ofscope lists from the cut capture, per direction: (type, xid, captured bytes).
fn listed(frames: &[Frame]) -> BTreeMap<Way, Vec<(u8, u32, Vec<u8>)>> {
    let mut tracker = Tracker::new(StreamConfig::default());
    let mut events = Vec::new();
    for f in frames {
        tracker.push_frame(&as_raw(f), &mut events);
    }
    tracker.finish(&mut events);
    let mut out: BTreeMap<Way, Vec<_>> = BTreeMap::new();
    for event in events {
        let (StreamEvent::Message(chunk) | StreamEvent::Truncated(chunk)) = event else {
            continue;
        };
        let conn = &tracker.connections()[chunk.conn.0 as usize];
        let way = match chunk.direction.sender() {
            ofscope::stream::Role::Switch => (conn.switch, conn.controller),
            ofscope::stream::Role::Controller => (conn.controller, conn.switch),
        };
        out.entry(way)
            .or_default()
            .push((chunk.header.msg_type, chunk.header.xid, chunk.bytes));
    }
    out
}

/// Checks one sample at one snaplen; returns (headers kept, messages listed).
fn check(sample: &str, snaplen: usize) -> (usize, usize) {
    let whole = read(sample);
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
fn compare(whole: &[Frame], cut: &[Frame], name: &str) -> (usize, Vec<(u8, u32, u64)>, usize) {
    let truth = messages(whole);
    let kept = kept_ranges(cut);
    let listed = listed(cut);
    let mut expected = 0;
    let mut unlisted = Vec::new();
    for (way, msgs) in &truth {
        let ranges = kept.get(way).map(Vec::as_slice).unwrap_or_default();
        let shown = listed.get(way).map(Vec::as_slice).unwrap_or_default();
        // Every listed message is a message of the whole recording, in stream order.
        let mut next = 0;
        for (msg_type, xid, bytes) in shown {
            let found = msgs.iter().skip(next).position(|(_, t, x, whole_bytes)| {
                t == msg_type && x == xid && whole_bytes.starts_with(bytes)
            });
            let Some(found) = found else {
                panic!("{name}: type {msg_type} xid {xid:#x} is not in the whole recording");
            };
            next += found + 1;
        }
        for (offset, msg_type, xid, _) in msgs {
            let header_kept = ranges
                .iter()
                .any(|&(from, to)| from <= *offset && offset + 8 <= to);
            if header_kept {
                expected += 1;
                if !shown.iter().any(|(t, x, _)| t == msg_type && x == xid) {
                    unlisted.push((*msg_type, *xid, *offset));
                }
            }
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
    let whole = read("segmented-full.pcap");
    let cut = read("segmented-s96.pcap");
    let (expected, unlisted, listed) = compare(&whole, &cut, "segmented-s96");
    println!("segmented-s96: {expected} headers kept, {listed} listed, unlisted: {unlisted:?}");
    assert!(expected > 300);
    assert!(
        unlisted.is_empty(),
        "unlisted (type, xid, offset): {unlisted:?}"
    );
}
