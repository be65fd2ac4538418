//! The analysis on the lab samples (real Open vSwitch sessions): reconstructed flow tables
//! against the switch's own final `ovs-ofctl dump-flows`, and every latency pair against
//! an independent reading of the capture by tshark.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::{analyse, mac, sample, samples, tools_present, tshark_fields, ROOT};
use ofscope::analysis::latency::AnswerRule;
use ofscope::analysis::{Analyzer, Config};
use ofscope::session::Session;
use ofscope::stream::StreamConfig;

/// The lab samples, at least ten of them.
fn lab_samples() -> Vec<PathBuf> {
    let all = samples();
    assert!(all.len() >= 10, "expected the lab samples in samples/");
    all
}

/// A dump-flows line without what the capture cannot know (counters, ages, durations).
fn rule_of_dump_line(line: &str) -> Option<String> {
    const BOOKKEEPING: &[&str] = &[
        "cookie",
        "duration",
        "table",
        "n_packets",
        "n_bytes",
        "idle_timeout",
        "hard_timeout",
        "idle_age",
        "hard_age",
    ];
    let line = line.trim();
    if !line.starts_with("cookie=") {
        return None;
    }
    let mut timeouts = Vec::new();
    let mut rule = line;
    while let Some((field, tail)) = rule.split_once(", ") {
        let key = field.split('=').next().unwrap_or(field);
        if !BOOKKEEPING.contains(&key) {
            break;
        }
        if key.ends_with("_timeout") {
            timeouts.push(field);
        }
        rule = tail;
    }
    // ovs-ofctl leaves out the default priority.
    let rule = if rule.starts_with("priority=") {
        rule.to_owned()
    } else {
        format!("priority=32768,{rule}")
    };
    Some(format!("{} {}", timeouts.join(" "), rule))
}

/// The flow tables reconstructed from the capture at `path` and the switches' own final
/// dump in `flows_txt`, as rules sorted, with what the analysis says makes its tables
/// incomplete.
fn tables_and_dump(path: &Path, flows_txt: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let a = analyse(path);
    let (at, tables) = a.tables();
    let mut ours: Vec<String> = tables
        .iter()
        .flat_map(|(_, flows)| flows.iter().map(|f| f.dump_line(at)))
        .filter_map(|l| rule_of_dump_line(&l))
        .collect();
    let mut theirs: Vec<String> = flows_txt.lines().filter_map(rule_of_dump_line).collect();
    ours.sort();
    theirs.sort();
    let caveats: Vec<String> = a
        .switches()
        .keys()
        .filter_map(|key| a.table_caveat(*key))
        .collect();
    (ours, theirs, caveats)
}

/// The reconstructed tables equal the switch's own dump at the end. Where the analysis says
/// a table is incomplete (a capture started mid-session, FLOW_MODs cut by the snaplen, a
/// flow added out of band), it
/// must still show only flows the switch has.
#[test]
fn flow_tables_match_the_real_switch() {
    let mut checked = 0;
    let mut incomplete = Vec::new();
    for path in lab_samples() {
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let flows_txt = path.with_file_name(format!("{name}.flows.txt"));
        let Ok(truth) = std::fs::read_to_string(&flows_txt) else {
            continue;
        };
        let (ours, theirs, caveats) = tables_and_dump(&path, &truth);
        if caveats.is_empty() {
            assert_eq!(
                ours, theirs,
                "{name}: flow table differs from ovs-ofctl dump-flows"
            );
        } else {
            let unknown: Vec<&String> = ours.iter().filter(|f| !theirs.contains(f)).collect();
            assert!(
                unknown.is_empty(),
                "{name}: an incomplete table ({caveats:?}) shows flows the switch lacks: {unknown:?}"
            );
            incomplete.push(name);
        }
        checked += 1;
    }
    incomplete.sort();
    assert_eq!(
        incomplete,
        ["midsession", "of13", "ofctl-flows", "segmented-s96", "snap96"],
        "the samples whose tables the capture cannot complete (ofctl-flows: a flow added by ovs-ofctl)"
    );
    assert!(checked >= 10, "only {checked} samples compared");
}

/// The same comparison on a recording just made by a lab script (tests/lab/gre-e2e.sh):
/// `OFSC_LAB_RECORDING=DIR/NAME.pcap`, with `DIR/NAME.flows.txt` beside it. Without the
/// variable there is nothing to compare, and the test says so.
#[test]
fn a_fresh_lab_recording_matches_its_switches() {
    let Some(path) = std::env::var_os("OFSC_LAB_RECORDING") else {
        eprintln!(
            "a_fresh_lab_recording_matches_its_switches: no OFSC_LAB_RECORDING, nothing to compare"
        );
        return;
    };
    let path = PathBuf::from(path);
    let flows_txt = path.with_extension("flows.txt");
    let truth = std::fs::read_to_string(&flows_txt)
        .unwrap_or_else(|e| panic!("{}: {e}", flows_txt.display()));
    let (ours, theirs, caveats) = tables_and_dump(&path, &truth);
    assert!(caveats.is_empty(), "{caveats:?}");
    assert!(!theirs.is_empty(), "{}: no flows", flows_txt.display());
    assert_eq!(
        ours,
        theirs,
        "{}: flow table differs from dump-flows",
        path.display()
    );
}

/// tshark's view of one frame: time, TCP stream, OpenFlow types, inner MACs.
struct TsharkFrame {
    ts_ns: u64,
    stream: String,
    types: Vec<u8>,
    macs: Vec<String>,
    match_macs: Vec<String>,
}

fn epoch_to_ns(s: &str) -> u64 {
    let (sec, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{frac:0<9}");
    sec.parse::<u64>().unwrap() * 1_000_000_000 + frac[..9].parse::<u64>().unwrap()
}

fn tshark_frames(path: &Path) -> HashMap<u64, TsharkFrame> {
    let fields = [
        "frame.number",
        "frame.time_epoch",
        "tcp.stream",
        "openflow_1_0.type",
        "eth.src",
        "eth.dst",
        "openflow.eth_src",
        "openflow.eth_dst",
    ];
    let mut args = vec!["-Y", "openflow_v1", "-E", "aggregator=,"];
    for field in fields {
        args.extend(["-e", field]);
    }
    let text = tshark_fields(path, &args);
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut frames = HashMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| cols.get(i).copied().unwrap_or("");
        let mut macs = split(col(4));
        macs.extend(split(col(5)));
        let mut match_macs = split(col(6));
        match_macs.extend(split(col(7)));
        frames.insert(
            col(0).parse().unwrap(),
            TsharkFrame {
                ts_ns: epoch_to_ns(col(1)),
                stream: col(2).to_owned(),
                types: split(col(3))
                    .iter()
                    .filter_map(|t| t.parse().ok())
                    .collect(),
                macs,
                match_macs,
            },
        );
    }
    frames
}

/// Samples recorded with a small snaplen.
const CUT_BY_SNAPLEN: [&str; 2] = ["snap96", "segmented-s96"];

#[test]
fn latency_pairs_agree_with_tshark() {
    if !tools_present("latency_pairs_agree_with_tshark", &["tshark"]) {
        return;
    }
    let mut report = Vec::new();
    for path in lab_samples() {
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let a = analyse(&path);
        let frames = tshark_frames(&path);
        let packet_ins = frames
            .values()
            .map(|f| f.types.iter().filter(|t| **t == 10).count())
            .sum::<usize>() as u64;
        let (mut pairs, mut unanswered) = (0, 0);
        for s in a.switches().values() {
            let sum = s.packet_in.summary();
            pairs += sum.pairs;
            unanswered += sum.unanswered;
        }
        report.push(format!(
            "{name}: {pairs} pairs, {unanswered} unanswered, tshark PACKET_INs {packet_ins}"
        ));
        assert_eq!(pairs as usize, a.pairs().len());
        // Our pairs plus unanswered cover every PacketIn tshark decodes whole. Where the
        // snaplen cut messages, tshark takes payload for headers, and PacketIns whose answer
        // may be in cut bytes are counted neither way; none is called unanswered.
        if !CUT_BY_SNAPLEN.contains(&name.as_str()) {
            assert_eq!(pairs + unanswered, packet_ins, "{name}: PacketIns counted");
        }
        assert_eq!(
            unanswered, 0,
            "{name}: every PacketIn of the lab sessions is answered"
        );
        for p in a.pairs() {
            let pin = frames.get(&p.packet_in.frame).unwrap_or_else(|| {
                panic!(
                    "{name}: tshark has no OpenFlow in frame {}",
                    p.packet_in.frame
                )
            });
            let ans = frames.get(&p.answer.frame).unwrap_or_else(|| {
                panic!("{name}: tshark has no OpenFlow in frame {}", p.answer.frame)
            });
            let what = format!("{name}: pair {} -> {}", p.packet_in.frame, p.answer.frame);
            assert_eq!(pin.ts_ns, p.packet_in.ts_ns, "{what}: PacketIn time");
            assert_eq!(ans.ts_ns, p.answer.ts_ns, "{what}: answer time");
            assert_eq!(pin.stream, ans.stream, "{what}: same connection");
            assert!(pin.types.contains(&10), "{what}: tshark sees a PACKET_IN");
            assert!(p.latency_ns() <= 1_000_000_000, "{what}: within the window");
            let (src, dst) = (mac(&p.hosts.0), mac(&p.hosts.1));
            assert!(
                pin.macs.contains(&src) && pin.macs.contains(&dst),
                "{what}: PacketIn hosts"
            );
            match p.rule {
                AnswerRule::SameData | AnswerRule::BufferId => {
                    assert!(ans.types.contains(&13), "{what}: a PACKET_OUT");
                    assert!(
                        ans.macs.contains(&src) && ans.macs.contains(&dst),
                        "{what}: same frame"
                    );
                }
                AnswerRule::Reply => {
                    assert!(ans.types.contains(&13), "{what}: a PACKET_OUT");
                    // The reply goes back to the asker.
                    assert!(ans.macs.contains(&src), "{what}: reply to the asker");
                }
                AnswerRule::FlowMod => {
                    assert!(ans.types.contains(&14), "{what}: a FLOW_MOD");
                    assert!(
                        ans.match_macs.contains(&src) || ans.match_macs.contains(&dst),
                        "{what}: the flow matches the hosts"
                    );
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn flows_at_an_instant_and_json_shape() {
    let path = Path::new(ROOT).join("samples/osken-vip.pcap");
    let end = analyse(&path);
    // refctl's flows expire (idle 5) and FLOW_REMOVED says so: flows leave the table...
    let events: Vec<_> = end
        .switches()
        .values()
        .flat_map(|s| s.table.events().iter())
        .collect();
    let installed: Vec<u64> = events
        .iter()
        .filter(|e| e.kind.name() == "added")
        .map(|e| e.ts_ns)
        .collect();
    let removed = events.iter().filter(|e| e.kind.name() == "removed").count();
    assert!(removed > 0);
    let at_end: usize = end.tables().1.iter().map(|(_, f)| f.len()).sum();
    assert_eq!(at_end, installed.len() - removed);
    // ...but just after the first ADD, that flow is there.
    let first = end.origin_ns().unwrap();
    let at = installed[0] - first + 1_000;
    let mut a = Analyzer::new(Config {
        at: Some(ofscope::analysis::TimeSpec::Relative(at)),
        ..Config::default()
    });
    for event in Session::open(&path, StreamConfig::default())
        .unwrap()
        .flatten()
    {
        a.feed(&event);
    }
    a.finish();
    let json = serde_json::to_value(a.flows_report()).unwrap();
    let sw = &json[0];
    assert_eq!(sw["dpid"], "00:00:00:00:00:00:00:01");
    assert_eq!(sw["at_ns"], first + at);
    let flows = sw["flows"].as_array().unwrap();
    assert!(!flows.is_empty());
    for key in [
        "priority",
        "match",
        "actions",
        "idle_timeout",
        "hard_timeout",
        "cookie",
        "installed_ns",
        "expiry",
    ] {
        assert!(flows[0].get(key).is_some(), "flow key {key}");
    }
    assert_eq!(flows[0]["expiry"], "estimated");
    let lat = serde_json::to_value(a.latency_report()).unwrap();
    let pin = &lat["switches"][0]["packet_in"];
    for key in [
        "pairs",
        "unanswered",
        "min_ns",
        "p50_ns",
        "p90_ns",
        "p99_ns",
        "max_ns",
        "mean_ns",
        "jitter_ns",
    ] {
        assert!(pin.get(key).is_some(), "latency key {key}");
        assert!(
            lat["switches"][0]["echo"].get(key).is_some(),
            "echo key {key}"
        );
    }
    assert!(lat["host_pairs"].as_array().is_some_and(|v| !v.is_empty()));
}

#[test]
fn conversations_of_the_vlan_sample() {
    let a = analyse(sample("vlan.pcap"));
    let convs = a.conversations().sorted();
    let vlans: std::collections::BTreeSet<u16> =
        convs.iter().flat_map(|c| c.vlans.iter().copied()).collect();
    // VLAN 10 and 20 (PCP 3) and untagged traffic, per the sample's README.
    assert!(vlans.contains(&10) && vlans.contains(&20), "{vlans:?}");
    assert!(convs.iter().any(|c| c.untagged));
    let h1_h2 = convs
        .iter()
        .find(|c| mac(&c.a) == "00:00:00:00:00:01" && mac(&c.b) == "00:00:00:00:00:02")
        .expect("h1<->h2");
    assert!(h1_h2.protocols.contains("ICMP") && h1_h2.protocols.contains("ARP"));
    // h1 and h2 talk on VLAN 10 and untagged.
    assert!(h1_h2.vlans.contains(&10) && h1_h2.untagged);
    assert_eq!(h1_h2.packet_ins, h1_h2.packet_outs);
    assert!(h1_h2.mean_latency_ns().is_some());
    assert!(h1_h2.first_ns <= h1_h2.last_ns);
}
