//! The field registry seen from outside: `ofscope fields`, docs/fields.md, the examples of
//! docs/filters.md, and the fields of where a message came from, checked against tshark's
//! reading of the same samples.

use std::collections::{BTreeSet, HashSet};
use std::process::Command;

use crate::common::{json_lines, ofscope, sample};
use ofscope::session::{Session, SessionEvent};
use ofscope::stream::StreamConfig;
use ofscope_dissectors::fields;
use ofscope_dissectors::tree::Tree;

const SAMPLES: &[&str] = &[
    "any.pcap",
    "basic.pcap",
    "ipv6.pcap",
    "midsession.pcap",
    "negotiate.pcap",
    "noflow.pcap",
    "of13.pcap",
    "osken-idle.pcap",
    "osken-vip.pcap",
    "pc-c-noflow.pcap",
    "pc-c.pcap",
    "pcapng.pcapng",
    "reorder.pcap",
    "segmented-full.pcap",
    "segmented-s96.pcap",
    "segmented.pcap",
    "snap96.pcap",
    "two-switch.pcap",
    "vlan.pcap",
];

fn stdout(args: &[&str]) -> String {
    let out = ofscope(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn docs_fields_md_is_what_ofscope_fields_generates() {
    let docs = std::fs::read_to_string(format!("{}/docs/fields.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/fields.md");
    let generated = stdout(&["fields", "--markdown"]);
    assert!(
        docs == generated,
        "docs/fields.md is stale: run `ofscope fields --markdown > docs/fields.md`"
    );
}

#[test]
fn ofscope_fields_lists_every_field_a_sample_shows_with_its_type() {
    let listing = stdout(&["fields"]);
    let mut listed = HashSet::new();
    for line in listing.lines() {
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 5, "{line}");
        assert!(columns[..4].iter().all(|c| !c.is_empty()), "{line}");
        assert!(
            listed.insert(columns[0].to_string()),
            "{} twice",
            columns[0]
        );
    }
    for def in fields::all() {
        assert!(listed.contains(def.key), "{} is not listed", def.key);
    }
    for key in [
        "frame.number",
        "frame.time",
        "of.dpid",
        "conn",
        "ofchan.srcport",
    ] {
        assert!(listed.contains(key), "{key} is not listed");
    }

    // Every field the dissectors put in a tree of any sample is listed, and its value has
    // the type the listing gives.
    let mut seen = BTreeSet::new();
    let mut tree = Tree::new();
    for name in SAMPLES {
        for event in Session::open(sample(name), StreamConfig::default()).expect("sample") {
            let Ok(SessionEvent::Record(record)) = event else {
                continue;
            };
            tree.fields.clear();
            record.message.build_tree(&mut tree);
            for field in &tree.fields {
                assert!(listed.contains(field.key()), "{} unlisted", field.key());
                assert!(
                    field.def.ty.admits(&field.value),
                    "{name}: {} is declared {} but holds {:?}",
                    field.key(),
                    field.def.ty.name(),
                    field.value
                );
                seen.insert(field.key());
            }
        }
    }
    assert!(seen.len() > 150, "only {} keys seen", seen.len());
}

/// The lines of the ```filter blocks of docs/filters.md.
fn documented_filters() -> Vec<String> {
    let docs = std::fs::read_to_string(format!("{}/docs/filters.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/filters.md");
    let mut examples = Vec::new();
    let mut inside = false;
    for line in docs.lines() {
        match line.trim() {
            "```filter" => inside = true,
            l if l.starts_with("```") => inside = false,
            "" => {}
            l if inside => examples.push(l.to_string()),
            _ => {}
        }
    }
    examples
}

#[test]
fn every_example_of_docs_filters_md_selects_a_message_of_some_sample() {
    let examples = documented_filters();
    assert!(examples.len() >= 10, "{examples:?}");
    for example in &examples {
        let selected = SAMPLES.iter().any(|name| {
            let out = ofscope(&["pcap", &sample(name), "-Y", example, "-c", "1", "--print"]);
            assert!(
                out.status.success(),
                "{example}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            !out.stdout.is_empty()
        });
        assert!(selected, "{example} selects nothing on any sample");
    }
}

#[test]
fn an_unknown_field_exits_2_with_a_suggestion() {
    for (expression, suggestion) in [
        ("of.pakcet_in", "did you mean of.packet_in?"),
        ("ip.srcc == 10.0.0.1", "did you mean ip.src?"),
        ("frame.numbr == 18", "did you mean frame.number?"),
    ] {
        let out = ofscope(&["pcap", &sample("basic.pcap"), "-Y", expression]);
        assert_eq!(out.status.code(), Some(2), "{expression}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(suggestion), "{expression}: {err}");
    }
    let out = ofscope(&["live", "-i", "lo", "-Y", "of.pakcet_in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean of.packet_in?"));
}

/// tshark's reading of a sample's OpenFlow 1.0 messages: the given fields, one row per frame.
fn tshark(name: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec![
        "-r".to_string(),
        sample(name),
        "-o".into(),
        "tcp.reassemble_out_of_order:TRUE".into(),
        "-Y".into(),
        "openflow_v1".into(),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "occurrence=a".into(),
        "-E".into(),
        "aggregator=,".into(),
    ];
    for f in fields {
        args.extend(["-e".to_string(), (*f).to_string()]);
    }
    let out = Command::new("tshark")
        .args(&args)
        .env("TZ", "UTC")
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark on {name}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The frames of the messages a filter selects.
fn frames(name: &str, filter: &str) -> Vec<u64> {
    json_lines(&ofscope(&[
        "pcap",
        &sample(name),
        "-Y",
        filter,
        "-T",
        "jsonl",
    ]))
    .iter()
    .map(|m| m["frame"].as_u64().expect("frame"))
    .collect()
}

#[test]
fn frame_number_and_time_select_the_frame_tshark_numbers_so() {
    let mut checked = 0;
    for name in ["basic.pcap", "noflow.pcap", "vlan.pcap", "two-switch.pcap"] {
        let rows = tshark(name, &["frame.number", "openflow_1_0.type"]);
        let in_18 = rows
            .iter()
            .find(|r| r[0] == "18")
            .map_or(0, |r| r[1].split(',').count());
        // Frame 18 holds as many messages as tshark finds there, and no other frame.
        let selected = frames(name, "frame.number == 18");
        assert_eq!(selected.len(), in_18, "{name}");
        assert!(selected.iter().all(|&f| f == 18), "{name}: {selected:?}");
        checked += usize::from(in_18 > 0);
    }
    assert!(checked >= 3);

    // Its time: the epoch as tshark gives it, and the UTC date tshark prints.
    let rows = tshark(
        "basic.pcap",
        &["frame.number", "frame.time_epoch", "frame.time"],
    );
    let row = rows.iter().find(|r| r[0] == "18").expect("frame 18");
    assert_eq!(
        frames("basic.pcap", &format!("frame.time_epoch == {}", row[1])),
        [18]
    );
    let iso = iso_from_tshark(&row[2]);
    let filter = format!("frame.time >= \"{iso}\" && frame.time <= \"{iso}\"");
    assert_eq!(frames("basic.pcap", &filter), [18], "{filter}");
    assert_eq!(
        frames("basic.pcap", "frame.time_relative < 0.000001"),
        Vec::<u64>::new()
    );
}

/// `Nov 21, 2026 12:03:04.250000000 UTC` → `2026-11-21 12:03:04.250000000`.
fn iso_from_tshark(time: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let words: Vec<&str> = time.split_whitespace().collect();
    let month = MONTHS.iter().position(|m| *m == words[0]).expect("month") + 1;
    let day: u32 = words[1].trim_end_matches(',').parse().expect("day");
    format!("{}-{month:02}-{day:02} {}", words[2], words[3])
}

#[test]
fn of_dpid_selects_a_switchs_messages_from_its_features_reply_on() {
    let rows = tshark(
        "two-switch.pcap",
        &["frame.number", "tcp.stream", "openflow.datapath_id"],
    );
    let mut checked = 0;
    for (dpid_hex, dpid) in [
        ("0x0000000000000002", "00:00:00:00:00:00:00:02"),
        ("0x0000000000000001", "1"),
    ] {
        let reply = rows
            .iter()
            .find(|r| r[2] == dpid_hex)
            .expect("its FEATURES_REPLY");
        let reply_frame: u64 = reply[0].parse().unwrap();
        let expected: BTreeSet<u64> = rows
            .iter()
            .filter(|r| r[1] == reply[1])
            .map(|r| r[0].parse().unwrap())
            .filter(|&f| f >= reply_frame)
            .collect();
        let selected: BTreeSet<u64> = frames("two-switch.pcap", &format!("of.dpid == {dpid}"))
            .into_iter()
            .collect();
        assert_eq!(selected, expected, "{dpid}");
        // The messages before it (HELLO, FEATURES_REQUEST) have no dpid.
        let before: BTreeSet<u64> = rows
            .iter()
            .filter(|r| r[1] == reply[1])
            .map(|r| r[0].parse().unwrap())
            .filter(|&f| f < reply_frame)
            .collect();
        assert!(!before.is_empty());
        let without: BTreeSet<u64> = frames("two-switch.pcap", "!of.dpid").into_iter().collect();
        assert!(before.is_subset(&without), "{before:?} {without:?}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn channel_ports_and_addresses_select_by_the_tcp_ones() {
    // The first occurrence is the channel's: a PACKET_IN's frame has its own `ip.src` and
    // maybe `tcp.srcport`, which tshark lists after it (and ofscope keeps apart).
    let rows: Vec<Vec<String>> = tshark(
        "two-switch.pcap",
        &["frame.number", "tcp.srcport", "tcp.dstport", "ip.src"],
    )
    .into_iter()
    .map(|r| {
        r.iter()
            .map(|c| c.split(',').next().unwrap_or("").to_owned())
            .collect()
    })
    .collect();
    let by = |pick: &dyn Fn(&Vec<String>) -> bool| -> BTreeSet<u64> {
        rows.iter()
            .filter(|r| pick(r))
            .map(|r| r[0].parse().unwrap())
            .collect()
    };
    let switch_port = rows[0][1].clone();
    let controller_port = rows[0][2].clone();
    assert_ne!(switch_port, controller_port);
    for (filter, expected) in [
        (
            format!("ofchan.srcport == {switch_port}"),
            by(&|r| r[1] == switch_port),
        ),
        (
            format!("ofchan.dstport == {switch_port}"),
            by(&|r| r[2] == switch_port),
        ),
        (
            format!("ofchan.port == {switch_port}"),
            by(&|r| r[1] == switch_port || r[2] == switch_port),
        ),
        (
            format!("ofchan.dstport == {controller_port}"),
            by(&|r| r[2] == controller_port),
        ),
        (
            format!("ofchan.src == {}", rows[0][3]),
            by(&|r| r[3] == rows[0][3]),
        ),
    ] {
        let selected: BTreeSet<u64> = frames("two-switch.pcap", &filter).into_iter().collect();
        assert!(!expected.is_empty(), "{filter}");
        assert_eq!(selected, expected, "{filter}");
    }
}
