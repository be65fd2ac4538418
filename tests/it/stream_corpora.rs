//! Differential test: every OpenFlow 1.0 message (by xid) that tshark finds in the real
//! captures, ofscope finds too, and no other. tshark runs here; it is not hard-coded.

use std::path::{Path, PathBuf};

use crate::common::{installed, is_capture, tshark_fields};
use crate::stream_support::analyse_source;
use ofscope::capture::FileSource;
use ofscope::stream::{StreamConfig, StreamEvent};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

/// Captures where tshark and ofscope legitimately disagree, and why.
const ALLOWLIST: &[(&str, &str)] = &[
    // Frame 2 resends frame 1's sequence range with different bytes (a fuzzed file).
    // tshark dissects the retransmitted segment again and counts its two messages twice;
    // ofscope keeps the first copy and reports a retransmission.
    (
        "of10_inv_OFPST_FLOW.pcap",
        "tshark counts retransmitted messages twice",
    ),
];

fn captures() -> Vec<PathBuf> {
    let dirs = [
        format!("{SHARED}/corpora/pcaps/tcpdump_of10"),
        format!("{SHARED}/corpora/pcaps"),
        format!("{SHARED}/lab/captures"),
    ];
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // The large lab capture takes tshark minutes; the bench covers it.
            is_capture(path) && !name.starts_with("large")
        })
        .collect();
    files.sort();
    files
}

/// The xids of the OpenFlow 1.0 messages tshark decodes, or `None` without tshark.
fn tshark_xids(path: &Path) -> Option<Vec<u32>> {
    if !installed("tshark") {
        return None;
    }
    let text = tshark_fields(
        path,
        &[
            "-Y",
            "openflow_v1",
            "-E",
            "aggregator=,",
            "-e",
            "openflow.xid",
        ],
    );
    let mut xids: Vec<u32> = text
        .split([',', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
                None => s.parse().unwrap(),
            }
        })
        .collect();
    xids.sort_unstable();
    Some(xids)
}

fn ofscope_xids(path: &Path) -> Vec<u32> {
    let mut source = FileSource::open(path).unwrap();
    let run = analyse_source(&mut source, StreamConfig::default());
    let mut xids: Vec<u32> = run
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Message(m) | StreamEvent::Truncated(m) if m.header.version == 1 => {
                Some(m.header.xid)
            }
            _ => None,
        })
        .collect();
    xids.sort_unstable();
    xids
}

#[test]
fn every_message_tshark_sees_in_the_real_captures() {
    let files = captures();
    assert!(files.len() >= 10, "corpus not found under {SHARED}");
    let mut mismatches = Vec::new();
    for path in &files {
        let Some(expected) = tshark_xids(path) else {
            eprintln!("tshark is not installed: differential test skipped");
            return;
        };
        let got = ofscope_xids(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let allowed = ALLOWLIST.iter().any(|(file, _)| *file == name);
        eprintln!(
            "{name}: tshark {} ofscope {}{}",
            expected.len(),
            got.len(),
            if allowed { " (allowlisted)" } else { "" }
        );
        if got != expected && !allowed {
            mismatches.push(format!("{name}: tshark {expected:?}\n  ofscope {got:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Every message with its direction and bytes, in a canonical order.
fn messages_of(capture: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let run = crate::stream_support::analyse(capture);
    let mut messages: Vec<(String, Vec<u8>)> = run
        .messages()
        .iter()
        .map(|m| (format!("{:?}", m.direction), m.bytes.clone()))
        .collect();
    messages.sort();
    messages
}

#[test]
fn real_captures_cut_into_small_segments_and_shuffled_give_the_same_messages() {
    use crate::stream_support::{ip_tcp, link, PcapBuilder};
    use ofscope::capture::{FrameSource, LinkType};
    use ofscope::stream::{decode_tcp, OuterPath};

    fn first_difference(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> String {
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let head = |v: &[(String, Vec<u8>)]| v.get(at).map(|(d, m)| (d.clone(), m[..8].to_vec()));
        format!(
            "{} vs {} messages, first difference at {at}: {:?} vs {:?}",
            a.len(),
            b.len(),
            head(a),
            head(b)
        )
    }

    for name in ["of10_s4810.pcap", "of10_p3295.pcap", "of10_pf5240.pcap"] {
        let path = format!("{SHARED}/corpora/pcaps/tcpdump_of10/{name}");
        let original = std::fs::read(&path).unwrap();
        let mut source = FileSource::open(&path).unwrap();
        let mut pcap = PcapBuilder::new(LinkType::ETHERNET);
        let mut pending: Vec<Vec<u8>> = Vec::new();
        let mut n = 0u64;
        while let Some(Ok(frame)) = source.next_frame() {
            let seg = decode_tcp(
                frame.linktype,
                frame.data,
                frame.orig_len,
                &OuterPath::default(),
            )
            .unwrap();
            let f = seg.flags;
            let flags = u8::from(f.fin()) | u8::from(f.syn()) << 1 | u8::from(f.rst()) << 2;
            // Segments of at most 50 bytes, like a capture on a small-MTU link.
            let pieces: Vec<&[u8]> = if seg.payload.is_empty() {
                vec![&[]]
            } else {
                seg.payload.chunks(50).collect()
            };
            let mut offset = 0u32;
            let last = pieces.len() - 1;
            for (i, piece) in pieces.into_iter().enumerate() {
                // A FIN belongs to the last piece only.
                let flags = if i == last { flags } else { flags & !1 };
                let ip = ip_tcp(seg.src, seg.dst, seg.seq.wrapping_add(offset), flags, piece);
                offset += piece.len() as u32;
                pending.push(link(LinkType::ETHERNET, &ip));
            }
            // Record out of order: every third batch is written reversed.
            n += 1;
            if n.is_multiple_of(3) {
                pending.reverse();
            }
            for f in pending.drain(..) {
                pcap.frame(n * 1000, &f);
            }
        }
        let expected = messages_of(original);
        assert!(expected.len() > 50, "{name}");
        let got = messages_of(pcap.bytes());
        assert!(
            got == expected,
            "{name}: {}",
            first_difference(&got, &expected)
        );
    }
}
