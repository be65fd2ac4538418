//! `ofscope pcap` as a user runs it: bad input, filters, counts, JSON keys and -w.

use crate::common::{command, keep_for_fuzzing, ofscope, sample, stderr, stdout, temp_dir};

#[test]
fn missing_file_is_one_line_and_exit_2() {
    let out = ofscope(&["pcap", "no-such-file.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no-such-file.pcap"), "{err}");
    // What, where and what to do, the system's reason said once.
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("check the file name"), "{err}");
}

#[test]
fn count_zero_is_refused_as_tshark_and_tcpdump_do() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "-c", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("at least 1"), "{err}");
}

#[test]
fn not_a_capture_is_one_line_and_exit_2() {
    let path = temp_dir("cli-pcap").join("not-a-capture.pcap");
    let text = b"this is plain text, not a capture at all";
    keep_for_fuzzing("capture_file", text);
    std::fs::write(&path, text).unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a pcap or pcapng"), "{err}");
}

#[test]
fn file_cut_mid_packet_keeps_what_came_before() {
    let whole = std::fs::read(sample("basic.pcap")).unwrap();
    let full = ofscope(&["pcap", &sample("basic.pcap")]);
    let path = temp_dir("cli-pcap").join("cut.pcap");
    let cut = &whole[..whole.len() * 2 / 3];
    keep_for_fuzzing("capture_file", cut);
    std::fs::write(&path, cut).unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    // Exit 2 after what came before, as tshark (cli_tshark_habits checks against it).
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("warning") && err.contains("frame"), "{err}");
    let cut_lines = stdout(&out).lines().count();
    let full_lines = stdout(&full).lines().count();
    assert!(
        cut_lines > full_lines / 3 && cut_lines < full_lines,
        "{cut_lines} of {full_lines}"
    );
}

#[test]
fn no_openflow_in_an_empty_capture_says_it_has_no_frames() {
    // A valid capture with no packets at all: --port would be the wrong advice
    // (tunnels.rs checks the advice where TCP was seen).
    let path = temp_dir("cli-pcap").join("empty.pcap");
    let mut header = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    keep_for_fuzzing("capture_file", &header);
    std::fs::write(&path, header).unwrap();
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("holds no frames") && !err.contains("--port"),
        "{err}"
    );
}

#[test]
fn bad_filter_points_at_the_column() {
    let out = ofscope(&["pcap", &sample("basic.pcap"), "-Y", "of.type == "]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
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
    let out_pcap = temp_dir("cli-pcap").join("arp.pcap");
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
        let out = ofscope(&[&["pcap", basic.as_str(), "-T", "jsonl"], args].concat());
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

/// Frame 14 of basic.pcap (its first PACKET_IN) as tshark shows it with each -t format.
const FRAME_14: [(&str, &str); 5] = [
    ("r", "    14    1.099622 "),
    ("a", "    14 01:41:10.593659 "),
    ("ad", "    14 2026-11-21 01:41:10.593659 "),
    ("e", "    14 1795225270.593659 "),
    // The first line shown: 0 since no message was shown before it.
    ("d", "    14    0.000000 "),
];

#[test]
fn times_are_tsharks_and_the_filter_does_not_move_them() {
    let basic = sample("basic.pcap");
    let packet_ins = |format: &str| {
        stdout(&ofscope(&[
            "pcap",
            &basic,
            "-t",
            format,
            "-Y",
            "of.type == PACKET_IN",
        ]))
    };
    for (format, line_start) in FRAME_14 {
        let first = packet_ins(format);
        let first = first.lines().next().unwrap_or_default();
        assert!(first.starts_with(line_start), "-t {format}: {first}");
    }
    // Relative times count from the first frame (a TCP SYN), not the first message.
    let unfiltered = stdout(&ofscope(&["pcap", &basic]));
    assert!(
        unfiltered.starts_with("     4    0.000667 "),
        "{unfiltered}"
    );
    assert!(unfiltered.contains(FRAME_14[0].1));
    // -t d: since the previous message shown (tshark's dd): PacketIn 17 came 0.000567
    // after PacketIn 14.
    let deltas = packet_ins("d");
    assert!(deltas
        .lines()
        .nth(1)
        .unwrap_or_default()
        .starts_with("    17    0.000567 "));
}

#[test]
fn absolute_times_are_utc_whatever_tz_says() {
    let in_tokyo = command()
        .args(["pcap", &sample("basic.pcap"), "-t", "a", "-c", "1"])
        .env("TZ", "JST-9")
        .output()
        .unwrap();
    assert!(
        stdout(&in_tokyo).starts_with("     4 01:41:09.494704 "),
        "{}",
        stdout(&in_tokyo)
    );
    let help = stdout(&ofscope(&["pcap", "--help"]));
    assert!(help.contains("Absolute UTC time of day"), "{help}");
}

#[test]
fn several_files_count_from_the_first_frame_of_them_all() {
    // vlan.pcap is read first, but basic.pcap starts 66 s earlier.
    let out = stdout(&ofscope(&[
        "pcap",
        &sample("vlan.pcap"),
        &sample("basic.pcap"),
    ]));
    assert!(out.starts_with("     4   66.159414 "), "{out}");
    assert!(out.contains(FRAME_14[0].1), "{out}");
}

#[test]
fn flows_at_counts_from_the_first_frame_as_the_list_does() {
    let basic = sample("basic.pcap");
    // The first FLOW_MOD's time, as the list shows it.
    let list = stdout(&ofscope(&[
        "pcap",
        &basic,
        "-Y",
        "of.type == FLOW_MOD",
        "-c",
        "1",
    ]));
    let at: f64 = list.split_whitespace().nth(1).unwrap().parse().unwrap();
    let flows_at = |seconds: f64| {
        let at = format!("{seconds:.6}");
        let out = stdout(&ofscope(&["pcap", &basic, "--flows", "--at", &at]));
        out.lines().filter(|l| l.contains("actions=")).count()
    };
    assert_eq!(flows_at(at - 0.000001), 0);
    assert_eq!(flows_at(at), 1);
}

#[test]
fn analysis_covers_every_message_whatever_the_filter() {
    let basic = sample("basic.pcap");
    for flag in ["--stats", "--latency", "--flows", "--findings"] {
        let whole = stdout(&ofscope(&["pcap", &basic, flag]));
        let filtered = stdout(&ofscope(&[
            "pcap",
            &basic,
            flag,
            "-Y",
            "of.type == PACKET_IN",
        ]));
        assert_eq!(whole, filtered, "{flag}");
    }
    let help = stdout(&ofscope(&["pcap", "--help"]));
    assert!(help.contains("covers every message"), "{help}");
}

/// (timestamp in ns, captured length) of each frame of a pcap file as ofscope writes it
/// (little-endian, µs or ns).
fn pcap_frames(path: &std::path::Path) -> Vec<(u64, u32)> {
    let bytes = std::fs::read(path).unwrap();
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let frac_ns = if word(0) == 0xa1b2_3c4d { 1 } else { 1000 };
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let ts = u64::from(word(at)) * 1_000_000_000 + u64::from(word(at + 4)) * frac_ns;
        let caplen = word(at + 8);
        frames.push((ts, caplen));
        at += 16 + caplen as usize;
    }
    frames
}

#[test]
fn write_merges_several_files_in_time_order() {
    let flow_mods = |inputs: &[&str], name: &str| {
        let out_pcap = temp_dir("cli-pcap").join(name);
        let mut args = vec!["pcap"];
        args.extend(inputs);
        args.extend([
            "-Y",
            "of.type == FLOW_MOD",
            "-q",
            "-w",
            out_pcap.to_str().unwrap(),
        ]);
        assert!(ofscope(&args).status.success());
        pcap_frames(&out_pcap)
    };
    let (basic, vlan) = (sample("basic.pcap"), sample("vlan.pcap"));
    let from_basic = flow_mods(&[&basic], "basic-fm.pcap");
    let from_vlan = flow_mods(&[&vlan], "vlan-fm.pcap");
    let merged = flow_mods(&[&basic, &vlan], "merged-fm.pcap");
    // As mergecap then tshark -Y 'openflow_1_0.type == 14' find: 13 + 9 frames (before,
    // only the last file's 9 were written).
    assert_eq!((from_basic.len(), from_vlan.len()), (13, 9));
    let mut expected = [from_basic, from_vlan].concat();
    expected.sort();
    assert_eq!(merged, expected);
    // The order of the inputs does not matter.
    assert_eq!(flow_mods(&[&vlan, &basic], "merged-2.pcap"), merged);
}

#[test]
fn write_refuses_inputs_of_two_link_types_before_writing() {
    let out_pcap = temp_dir("cli-pcap").join("two-linktypes.pcap");
    let out = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        &sample("any.pcap"),
        "-q",
        "-w",
        out_pcap.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("EN10MB") && err.contains("LINUX_SLL2"),
        "{err}"
    );
    assert!(!out_pcap.exists(), "a partial file was left");
}

/// A record carries the dpid that its connection's latest FEATURES_REPLY announced, in
/// whatever version: the first 8 bytes after the header in every version, read here from
/// the JSON's `body` hex when ofscope does not decode that version. `--stats` counts those
/// switches. An OpenFlow 1.3 session had `"dpid": null` on every record and `Switches: 0`
/// while its analysis named the switch.
#[test]
fn records_carry_the_dpid_their_connections_features_reply_announced_in_any_version() {
    use std::collections::{BTreeSet, HashMap};
    let mut other_versions_seen = 0;
    for (path, records) in crate::common::samples_with_records() {
        let mut announced: HashMap<u64, String> = HashMap::new();
        for r in &records {
            let conn = r["conn"].as_u64().expect("conn");
            if r["from"] == "switch" && r["type"] == "FEATURES_REPLY" {
                let dpid = match r["features"]["datapath_id"].as_str() {
                    Some(dpid) => dpid.to_owned(),
                    None => {
                        other_versions_seen += 1;
                        let body = r["body"].as_str().expect("an undecoded body's hex");
                        let hex = body.get(..16).expect("the dpid's 8 bytes");
                        let pairs: Vec<&str> = (0..8).map(|i| &hex[2 * i..2 * i + 2]).collect();
                        pairs.join(":")
                    }
                };
                announced.insert(conn, dpid);
            }
            let expected = announced
                .get(&conn)
                .map_or(serde_json::Value::Null, |d| d.as_str().into());
            assert_eq!(r["dpid"], expected, "{path}, frame {}", r["frame"]);
        }
        // The filter field is the record's dpid: `of.dpid` matches the records that have one.
        let with_dpid: Vec<_> = records.iter().filter(|r| !r["dpid"].is_null()).collect();
        let filtered =
            crate::common::json_lines(&ofscope(&["pcap", &path, "-Y", "of.dpid", "-T", "jsonl"]));
        assert_eq!(filtered.len(), with_dpid.len(), "{path}");
        let stats: serde_json::Value =
            serde_json::from_str(&stdout(&ofscope(&["pcap", &path, "--stats", "-T", "json"])))
                .expect("--stats JSON");
        let stats = stats.as_array().map_or(&stats, |files| &files[0]);
        let switches: BTreeSet<&str> = stats["switches"]
            .as_array()
            .expect("switches")
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        let announced: BTreeSet<&str> = announced.values().map(String::as_str).collect();
        assert_eq!(switches, announced, "{path}");
    }
    assert!(
        other_versions_seen > 0,
        "no sample has another version's FEATURES_REPLY"
    );
}

/// Latency pairing reads OpenFlow 1.0 only; a switch's messages of another version are
/// counted beside its series (`not_paired`, and a line under its rows), so that an
/// OpenFlow 1.3 switch's zero pairs do not read as a controller that answered nothing. On
/// every sample: the count is the records of another version than 1.0, HELLOs aside (they
/// are decoded in every version).
#[test]
fn latency_counts_the_messages_of_other_versions_it_does_not_pair() {
    let mut samples_with_others = 0;
    for (path, records) in crate::common::samples_with_records() {
        let others = records
            .iter()
            .filter(|r| crate::common::undecoded_other_version(r))
            .count() as u64;
        let latency: serde_json::Value = serde_json::from_str(&stdout(&ofscope(&[
            "pcap",
            &path,
            "--latency",
            "-T",
            "json",
        ])))
        .expect("--latency JSON");
        let not_paired: u64 = latency["switches"]
            .as_array()
            .expect("switches")
            .iter()
            .map(|s| s["not_paired"].as_u64().expect("not_paired"))
            .sum();
        assert_eq!(not_paired, others, "{path}");
        let text = stdout(&ofscope(&["pcap", &path, "--latency"]));
        let said = text.contains("messages of another OpenFlow version than 1.0");
        assert_eq!(said, others > 0, "{path}: {text}");
        samples_with_others += u64::from(others > 0);
    }
    assert!(
        samples_with_others > 0,
        "no sample has another version's messages"
    );
}
