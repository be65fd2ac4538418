//! Real frames: the PACKET_IN and PACKET_OUT data in the tcpdump and pcap corpora.

use super::{Frame, Network, Transport};
use std::collections::BTreeMap;

const PCAP_DIRS: [&str; 2] = [
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpora/pcaps/tcpdump_of10"
    ),
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpora/pcaps"),
];

/// The Ethernet frames of a classic little-endian pcap file (all the corpus pcaps are).
fn pcap_records(bytes: &[u8]) -> Vec<&[u8]> {
    assert_eq!(
        bytes.get(..4),
        Some(&[0xd4, 0xc3, 0xb2, 0xa1][..]),
        "pcap magic"
    );
    let mut out = Vec::new();
    let mut at = 24;
    while let Some(h) = bytes.get(at..at + 16) {
        let incl = u32::from_le_bytes(h[8..12].try_into().unwrap()) as usize;
        out.push(&bytes[at + 16..at + 16 + incl]);
        at += 16 + incl;
    }
    out
}

/// A nested frame: the message type, the OpenFlow total_len (PACKET_IN only) and the data.
struct Nested<'a> {
    of_type: u8,
    total_len: Option<usize>,
    data: &'a [u8],
}

/// The frames inside the whole OpenFlow 1.0 PACKET_IN/PACKET_OUT messages of a TCP payload.
fn nested_frames(mut tcp: &[u8]) -> Vec<Nested<'_>> {
    let mut out = Vec::new();
    while let [1, of_type, l0, l1, ..] = *tcp {
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let Some(msg) = tcp.get(..len).filter(|_| len >= 8) else {
            break;
        };
        match (of_type, msg.get(16..18), msg.get(14..16)) {
            (10, Some(total), _) => out.push(Nested {
                of_type,
                total_len: Some(usize::from(u16::from_be_bytes([total[0], total[1]]))),
                data: &msg[18.min(len)..],
            }),
            (13, _, Some(alen)) => {
                let start = 16 + usize::from(u16::from_be_bytes([alen[0], alen[1]]));
                if let Some(data) = msg.get(start..).filter(|d| !d.is_empty()) {
                    out.push(Nested {
                        of_type,
                        total_len: None,
                        data,
                    });
                }
            }
            _ => {}
        }
        tcp = &tcp[len..];
    }
    out
}

#[test]
fn corpus_packet_in_and_out_frames() {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let (mut frames, mut truncated) = (0, 0);
    for dir in PCAP_DIRS {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{dir}: {e} (is ../shared linked beside the repo?)"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            for record in pcap_records(&bytes) {
                let outer = Frame::parse(record);
                if !matches!(outer.transport, Transport::Tcp(_)) {
                    continue;
                }
                for nested in nested_frames(&outer.payload) {
                    let frame = Frame::parse(nested.data);
                    frames += 1;
                    assert_eq!(frame.emit(), nested.data, "{path:?}");
                    let mut tree = crate::tree::Tree::new();
                    frame.build_tree(&mut tree);
                    for f in &tree.fields {
                        assert!(f.range.end <= nested.data.len(), "{path:?} {}", f.key());
                    }
                    let whole = nested.total_len.is_none_or(|t| t == nested.data.len());
                    if frame.is_truncated() {
                        truncated += 1;
                        assert!(!whole, "{path:?}: whole frame marked truncated: {frame:?}");
                    } else if let Network::Ipv4(ip) = &frame.network {
                        let ip_end = 14 + 4 * frame.vlans.len() + usize::from(ip.total_len);
                        assert!(ip_end <= nested.data.len(), "{path:?}: cut IPv4 not marked");
                    }
                    let summary = frame.summary();
                    let kind = summary.split([' ', ',']).next().unwrap_or_default();
                    *kinds
                        .entry(format!("{} {kind}", nested.of_type))
                        .or_default() += 1;
                }
            }
        }
    }
    println!(
        "nested frames: {frames}, truncated: {truncated}, by (OF type, summary head): {kinds:?}"
    );
    assert!(frames >= 10, "too few nested frames found: {frames}");
    assert!(
        truncated >= 1,
        "the aiengine capture has PACKET_INs cut to 128 bytes"
    );
}
