//! The analysis flags of `ofscope pcap` as a user runs them.

use crate::common::{ofscope, sample, stdout};

#[test]
fn flows_print_like_dump_flows() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "--flows"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(
        head.starts_with("00:00:00:00:00:00:00:01: 13 flows at"),
        "{head}"
    );
    let flows: Vec<&str> = lines.collect();
    assert_eq!(flows.len(), 13, "{text}");
    assert!(flows.iter().all(|l| l.starts_with(" cookie=0x0, duration=")
        && l.contains(" actions=")
        && l.contains("idle_timeout=60, priority=")));
    // Highest priority first.
    assert!(flows[0].contains("priority=65535,icmp,"));
    assert!(flows[12].contains("priority=1,arp,"));
}

/// Every report of the sample, as JSON.
fn every_report_as_json(name: &str) -> String {
    let out = ofscope(&[
        "pcap",
        &sample(name),
        "--stats",
        "--flows",
        "--latency",
        "--findings",
        "-T",
        "json",
    ]);
    assert!(out.status.success(), "{name}");
    stdout(&out)
}

#[test]
fn json_sections_one_per_line() {
    let text = every_report_as_json("osken-idle.pcap");
    let docs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert_eq!(docs.len(), 4);
    assert_eq!(
        docs[0]["analysis"]["switches"][0]["dpid"],
        "00:00:00:00:00:00:00:01"
    );
    assert!(docs[1].is_array());
    let lat = &docs[2]["switches"][0];
    assert_eq!(lat["packet_in"]["pairs"], 10);
    assert_eq!(lat["packet_in"]["unanswered"], 0);
    assert!(lat["requests"]["STATS"]["pairs"].as_u64() == Some(5));
    assert!(docs[3]["totals"].is_object());
}

#[test]
fn bad_analysis_flags_are_usage_errors() {
    let at_alone = ofscope(&["pcap", &sample("basic.pcap"), "--at", "3"]);
    assert_eq!(at_alone.status.code(), Some(2));
    let bad_time = ofscope(&["pcap", &sample("basic.pcap"), "--flows", "--at", "later"]);
    assert_eq!(bad_time.status.code(), Some(2));
    let bad_window = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        "--latency",
        "--pair-window",
        "x",
    ]);
    assert_eq!(bad_window.status.code(), Some(2));
}

#[test]
fn a_short_pair_window_leaves_packet_ins_unanswered() {
    let out = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        "--latency",
        "--pair-window",
        "1us",
        "-T",
        "json",
    ]);
    assert!(out.status.success());
    let lat: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let pin = &lat["switches"][0]["packet_in"];
    // Every delay in the sample is above 1 µs.
    assert_eq!(pin["pairs"], 0);
    assert_eq!(pin["unanswered"], 18);
}

/// The analysis' JSON objects list their members in alphabetical order, as they always have
/// (its views declare them so): re-serialized, whose objects sort their keys, each reads the
/// same. The counts of `--stats` keep their own order, with `analysis` last.
#[test]
fn analysis_json_members_in_alphabetical_order() {
    for name in ["basic.pcap", "two-switch.pcap", "snap96.pcap"] {
        let text = every_report_as_json(name);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{name}");
        let stats: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert!(lines[0].starts_with(r#"{"file":"#), "{name}");
        let analysis = format!(r#","analysis":{}}}"#, stats["analysis"]);
        assert!(lines[0].ends_with(&analysis), "{name}");
        for line in &lines[1..] {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(&v.to_string(), line, "{name}");
        }
    }
}

/// `--findings` lists warnings before notes, each kind once with its count and its first
/// five occurrences; `-T jsonl` lists every occurrence kept, in capture order.
#[test]
fn findings_most_severe_first_each_kind_once() {
    let text = stdout(&ofscope(&["pcap", &sample("snap96.pcap"), "--findings"]));
    let groups: Vec<(&str, &str, u64)> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("    "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0], f[1], f[2].parse().unwrap())
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("warning", "truncated_message", 36),
            ("warning", "tcp_gap", 36),
            ("note", "truncated_packet_in", 13),
            ("note", "flood_used", 4),
        ],
        "{text}"
    );
    let occurrences = text.lines().filter(|l| l.starts_with("    frame")).count();
    assert_eq!(occurrences, 5 + 5 + 1 + 1, "{text}");
    let json = stdout(&ofscope(&[
        "pcap",
        &sample("snap96.pcap"),
        "--findings",
        "-T",
        "jsonl",
    ]));
    let listed: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 36 + 36 + 1 + 1);
    let frames: Vec<u64> = listed
        .iter()
        .map(|f| f["frame"].as_u64().unwrap())
        .collect();
    assert!(
        frames.windows(2).all(|w| w[0] <= w[1]),
        "capture order: {frames:?}"
    );
}

#[test]
fn throughput_after_lost_segments_is_called_a_lower_bound() {
    let lower = |name: &str| {
        stdout(&ofscope(&["pcap", &sample(name), "--stats"]))
            .contains("(lower bounds: segments were lost")
    };
    assert!(lower("segmented-s96.pcap"));
    assert!(!lower("basic.pcap"));
}
