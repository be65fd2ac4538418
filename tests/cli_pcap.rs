//! `ofscope pcap` as a user runs it: bad input, filters, counts, JSON keys and -w.
use std::path::PathBuf;
use std::process::{Command, Output};

fn ofscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofscope"))
        .args(args)
        .output()
        .expect("run ofscope")
}

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ofscope-cli-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn missing_file_is_one_line_and_exit_2() {
    let out = ofscope(&["pcap", "no-such-file.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-file.pcap"), "{err}");
}

#[test]
fn not_a_capture_is_one_line_and_exit_2() {
    let path = tmp("not-a-capture.pcap");
    std::fs::write(&path, b"this is plain text, not a capture at all").unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a pcap or pcapng"), "{err}");
}

#[test]
fn file_cut_mid_packet_keeps_what_came_before() {
    let whole = std::fs::read(sample("basic.pcap")).unwrap();
    let full = ofscope(&["pcap", &sample("basic.pcap")]);
    let path = tmp("cut.pcap");
    std::fs::write(&path, &whole[..whole.len() * 2 / 3]).unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning") && err.contains("frame"), "{err}");
    let cut_lines = stdout(&out).lines().count();
    let full_lines = stdout(&full).lines().count();
    assert!(
        cut_lines > full_lines / 3 && cut_lines < full_lines,
        "{cut_lines} of {full_lines}"
    );
}

#[test]
fn no_openflow_hints_at_port() {
    // A valid capture with no packets at all.
    let path = tmp("empty.pcap");
    let mut header = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    std::fs::write(&path, header).unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
}

#[test]
fn bad_filter_points_at_the_column() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "-Y", "of.type == "]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn json_has_the_contract_keys() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "-T", "jsonl"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let objects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect();
    assert!(objects.len() > 10);
    for o in &objects {
        for key in [
            "frame", "ts_ns", "conn", "from", "dpid", "version", "type", "xid", "length",
        ] {
            assert!(o.get(key).is_some(), "missing {key} in {o}");
        }
        assert!(o["from"] == "switch" || o["from"] == "controller");
    }
    let features = objects
        .iter()
        .position(|o| o["type"] == "FEATURES_REPLY")
        .unwrap();
    assert!(objects[..features].iter().all(|o| o["dpid"].is_null()));
    assert!(objects[features..]
        .iter()
        .all(|o| o["dpid"] == "00:00:00:00:00:00:00:01"));
    let packet_in = objects.iter().find(|o| o["type"] == "PACKET_IN").unwrap();
    assert_eq!(packet_in["from"], "switch");
    assert!(packet_in["packet_in"]["data"]["eth"]["src"].is_string());
}

#[test]
fn filter_count_and_write_select_the_same_messages() {
    let out_pcap = tmp("arp.pcap");
    let filter = "of.type == PACKET_IN && arp";
    let out = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        "-Y",
        filter,
        "-w",
        out_pcap.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let selected = stdout(&out);
    assert!(selected.lines().count() >= 2);
    assert!(
        selected
            .lines()
            .all(|l| l.contains("PACKET_IN") && l.contains("ARP")),
        "{selected}"
    );
    // The written file holds exactly those messages.
    let again = ofscope(&["pcap", out_pcap.to_str().unwrap(), "-Y", filter]);
    assert_eq!(stdout(&again).lines().count(), selected.lines().count());
    let limited = ofscope(&["pcap", &sample("basic.pcap"), "-Y", filter, "-c", "1"]);
    assert_eq!(stdout(&limited).lines().count(), 1);
}

#[test]
fn stats_count_per_type_and_direction() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "--stats", "-T", "json"]);
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let lines = stdout(&ofscope(&["pcap", &sample("basic.pcap")]));
    let count = |ty: &str, arrow: &str| {
        lines
            .lines()
            .filter(|l| l.contains(arrow) && l.contains(&format!(" {ty} ")))
            .count() as u64
    };
    assert_eq!(
        stats["types"]["PACKET_IN"]["switch"],
        count("PACKET_IN", " -> ")
    );
    assert_eq!(
        stats["types"]["FLOW_MOD"]["controller"],
        count("FLOW_MOD", " <- ")
    );
    assert_eq!(stats["messages"], lines.lines().count() as u64);
    assert_eq!(stats["switches"][0], "00:00:00:00:00:00:00:01");
}

#[test]
fn count_stops_the_reading_at_the_last_message_shown() {
    // `ofscope pcap` decodes a few messages ahead of the rest of its work; with -c it must
    // not, or the counts would cover frames beyond the last message shown.
    let basic = sample("basic.pcap");
    // The last JSON line the run prints.
    let json = |args: &[&str]| -> serde_json::Value {
        let out = ofscope(&[&["pcap", basic.as_str(), "-T", "json"], args].concat());
        assert!(out.status.success());
        serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap()
    };
    let last_frame = json(&["-c", "3"])["frame"].clone();
    let counted = json(&["-c", "3", "--stats"]);
    assert_eq!(counted["messages"], 3);
    assert_eq!(counted["frames"], last_frame);
    let whole = json(&["--stats"]);
    assert!(whole["frames"].as_u64() > last_frame.as_u64(), "{whole}");
}
