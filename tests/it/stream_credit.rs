//! Each message is credited to the frame that completed it, as tshark credits it.
//!
//! `samples/reorder.pcap` was recorded with a quarter of the control channel's packets
//! delayed behind later ones: 95 of its 181 messages are completed by a segment that arrived
//! late, so the frame holding a message's last byte is not the frame that completed it.
//! tshark, with out-of-order reassembly on, is the independent reference. Every sample is
//! checked, except the ones cut by a snaplen, where tshark takes payload for headers.

use crate::common::{command, json_lines, samples, tools_present, tshark_fields};
use std::path::{Path, PathBuf};

/// Samples whose snaplen cuts messages: tshark lists messages there that were never sent.
const CUT_BY_SNAPLEN: [&str; 2] = ["snap96.pcap", "segmented-s96.pcap"];

fn uncut_samples() -> Vec<PathBuf> {
    let mut all = samples();
    all.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        !CUT_BY_SNAPLEN.contains(&name)
    });
    all
}

/// tshark's transaction id fields: one dissector for 1.0, one per later version it knows.
const XID_FIELDS: [&str; 4] = [
    "openflow.xid",
    "openflow_v4.xid",
    "openflow_v5.xid",
    "openflow_v6.xid",
];

/// (frame, xid) of every OpenFlow message.
fn tshark(path: &Path) -> Vec<(u64, u64)> {
    let mut args = vec!["-E", "aggregator=;", "-e", "frame.number"];
    for field in XID_FIELDS {
        args.extend(["-e", field]);
    }
    let text = tshark_fields(path, &args);
    let mut messages = Vec::new();
    for line in text.lines() {
        let mut columns = line.split('\t');
        let frame: u64 = columns.next().unwrap_or_default().parse().expect("frame");
        let xids = columns.flat_map(|column| column.split(';'));
        for xid in xids.filter(|x| !x.is_empty()) {
            messages.push((frame, xid.parse().expect("xid")));
        }
    }
    messages
}

fn ofscope(path: &Path) -> Vec<(u64, u64)> {
    json_lines(
        &command()
            .arg("pcap")
            .arg(path)
            .args(["-T", "jsonl"])
            .output()
            .expect("ofscope runs"),
    )
    .iter()
    .map(|v| {
        (
            v["frame"].as_u64().expect("frame"),
            v["xid"].as_u64().expect("xid"),
        )
    })
    .collect()
}

#[test]
fn every_message_is_credited_to_the_frame_tshark_credits() {
    if !tools_present(
        "every_message_is_credited_to_the_frame_tshark_credits",
        &["tshark"],
    ) {
        return;
    }
    let mut checked = 0;
    for path in uncut_samples() {
        let mut theirs = tshark(&path);
        let mut ours = ofscope(&path);
        // Messages completed by one frame come in stream order in both; across directions
        // the order within a frame is not defined.
        theirs.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, theirs, "{}: (frame, xid) differ", path.display());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} samples compared");
}
