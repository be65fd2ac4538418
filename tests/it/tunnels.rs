//! Issue 19: the control channel through the tunnels of capture points, and tunnel packets
//! inside PACKET_INs. `tests/lab/encap.py` writes the headers; each re-encapsulated sample
//! must decode to the plain sample's message list, tshark agreeing on the count, and the
//! PACKET_INs' tunnel fields must be tshark's.
//!
//! Needs python3 and tshark: under `CI=true` a missing tool fails, elsewhere the tests that
//! need tshark are skipped with a notice.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{
    json_lines, ofscope, sample, stderr, temp_dir, tools_present, tshark_fields, ROOT,
};

/// (encap.py kind, sample, ofscope's extra arguments, tshark's extra arguments).
const KINDS: &[(&str, &str, &[&str], &[&str])] = &[
    ("gre", "basic.pcap", &[], &[]),
    ("gretap", "basic.pcap", &[], &[]),
    ("erspan1", "basic.pcap", &[], &[]),
    ("erspan2", "basic.pcap", &[], &[]),
    ("erspan3", "basic.pcap", &[], &[]),
    ("vxlan", "basic.pcap", &[], &[]),
    (
        "vxlan-8472",
        "basic.pcap",
        &["--vxlan-port", "8472"],
        &["-d", "udp.port==8472,vxlan"],
    ),
    ("geneve", "basic.pcap", &[], &[]),
    ("mpls", "basic.pcap", &[], &[]),
    ("qinq", "basic.pcap", &[], &[]),
    ("tags-any-order", "basic.pcap", &[], &[]),
    ("ipip", "basic.pcap", &[], &[]),
    ("ipip", "ipv6.pcap", &[], &[]),
    ("double", "basic.pcap", &[], &[]),
    ("gre", "two-switch.pcap", &[], &[]),
];

/// Runs tests/lab/encap.py with `args`.
fn encap(args: &[&str]) {
    let out = Command::new("python3")
        .arg(Path::new(ROOT).join("tests/lab/encap.py"))
        .args(args)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "encap.py {args:?}: {}", stderr(&out));
}

/// `sample` wrapped as `kind` says, in a scratch directory.
fn wrapped(kind: &str, sample_name: &str) -> PathBuf {
    let dir = temp_dir("tunnels");
    let out = dir.join(format!("{kind}-{sample_name}"));
    encap(&[kind, &sample(sample_name), out.to_str().unwrap()]);
    out
}

/// The messages of a capture as (frame, time, type, xid).
fn messages(path: &Path, extra: &[&str]) -> Vec<(u64, u64, String, u64)> {
    let mut args = vec!["pcap", path.to_str().unwrap(), "-T", "jsonl"];
    args.extend_from_slice(extra);
    json_lines(&ofscope(&args))
        .iter()
        .map(|m| {
            (
                m["frame"].as_u64().unwrap(),
                m["ts_ns"].as_u64().unwrap(),
                m["type"].as_str().unwrap().to_owned(),
                m["xid"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// How many OpenFlow messages tshark decodes.
fn tshark_count(path: &Path, extra: &[&str]) -> usize {
    let mut args = extra.to_vec();
    args.extend([
        "-e",
        "openflow.xid",
        "-e",
        "openflow_v4.xid",
        "-e",
        "openflow_v5.xid",
    ]);
    tshark_fields(path, &args)
        .split(['\n', '\t', ','])
        .filter(|xid| !xid.is_empty())
        .count()
}

/// How many messages a display filter selects.
fn selected(path: &Path, filter: &str) -> usize {
    json_lines(&ofscope(&[
        "pcap",
        path.to_str().unwrap(),
        "-T",
        "jsonl",
        "-Y",
        filter,
    ]))
    .len()
}

#[test]
fn reencapsulated_samples_decode_to_the_plain_message_list() {
    let tshark = tools_present("tunnels", &["tshark"]);
    for (kind, sample_name, ours, theirs) in KINDS {
        let plain = messages(Path::new(&sample(sample_name)), &[]);
        assert!(plain.len() > 10, "{sample_name}: {} messages", plain.len());
        let path = wrapped(kind, sample_name);
        assert_eq!(messages(&path, ours), plain, "{kind} of {sample_name}");
        if tshark {
            let count = tshark_count(&path, theirs);
            assert_eq!(count, plain.len(), "tshark on {kind} of {sample_name}");
        }
    }
}

#[test]
fn vxlan_elsewhere_than_4789_needs_its_port() {
    let path = wrapped("vxlan-8472", "basic.pcap");
    let out = ofscope(&["pcap", path.to_str().unwrap()]);
    assert!(
        stderr(&out).contains("UDP packets (IP protocol 17)"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("--port"), "{}", stderr(&out));
}

#[test]
fn the_capture_point_is_a_field() {
    let all = messages(Path::new(&sample("basic.pcap")), &[]).len();
    // (kind, a filter on its capture point).
    let cases = [
        (
            "gre",
            "ofchan.tunnel == \"GRE\" && ofchan.tunnel_id == 5 && ofchan.outer_src == 192.0.2.1 && ofchan.outer_dst == 192.0.2.2",
        ),
        ("erspan2", "ofchan.tunnel == \"ERSPAN II\" && ofchan.tunnel_id == 7"),
        ("erspan3", "ofchan.tunnel == \"ERSPAN III\" && ofchan.tunnel_id == 7"),
        ("vxlan", "ofchan.tunnel == \"VXLAN\" && ofchan.tunnel_id == 42"),
        ("geneve", "ofchan.tunnel == \"Geneve\" && ofchan.tunnel_id == 42"),
        ("ipip", "ofchan.tunnel == \"IPIP\" && !ofchan.tunnel_id"),
        // The outermost tunnel is the capture point.
        ("double", "ofchan.tunnel == \"GRE\" && !ofchan.tunnel_id"),
        // The channel's own addresses stay the innermost.
        ("vxlan", "ofchan.addr == 127.0.0.1 && ofchan.port == 6633"),
    ];
    for (kind, filter) in cases {
        assert_eq!(
            selected(&wrapped(kind, "basic.pcap"), filter),
            all,
            "{kind}: {filter}"
        );
    }
    for kind in ["mpls", "qinq"] {
        assert_eq!(
            selected(&wrapped(kind, "basic.pcap"), "ofchan.tunnel"),
            0,
            "{kind}"
        );
    }
    let path = wrapped("erspan2", "basic.pcap");
    let out = ofscope(&["pcap", path.to_str().unwrap(), "-q", "--stats"]);
    let text = crate::common::stdout(&out);
    assert!(
        text.contains("captured via ERSPAN II 192.0.2.1 > 192.0.2.2 id 7"),
        "{text}"
    );
}

#[test]
fn the_same_connection_seen_twice_is_reported_once() {
    // Each frame bare, then its ERSPAN II copy: frame n is now frame 2n - 1.
    let plain = messages(Path::new(&sample("basic.pcap")), &[]);
    let path = wrapped("twice", "basic.pcap");
    let twice = messages(&path, &[]);
    let expected: Vec<_> = plain
        .iter()
        .map(|(frame, ts, ty, xid)| (2 * frame - 1, *ts, ty.clone(), *xid))
        .collect();
    assert_eq!(twice, expected);
    let conns: Vec<u64> = json_lines(&ofscope(&["pcap", path.to_str().unwrap(), "-T", "jsonl"]))
        .iter()
        .map(|m| m["conn"].as_u64().unwrap())
        .collect();
    assert!(conns.iter().all(|c| *c == 0), "{conns:?}");
    // The second copies are copies: no retransmission, loss or reordering, the same
    // findings and latencies as the plain capture, and the report says so.
    let stats = |path: &str| -> Value {
        let out = ofscope(&["pcap", path, "-q", "--stats", "-T", "json"]);
        serde_json::from_str(&crate::common::stdout(&out)).unwrap()
    };
    let (once, twice) = (stats(&sample("basic.pcap")), stats(path.to_str().unwrap()));
    for key in [
        "retransmissions",
        "overlap_conflicts",
        "out_of_order",
        "gaps",
        "segments",
    ] {
        assert_eq!(twice[key], once[key], "{key}");
    }
    assert_eq!(once["retransmissions"], 0);
    assert_eq!(once["copies"], 0);
    // Every frame came again; the copies of the last two come after the connection closed
    // (the FIN that closed it, the last ACK), when there is nothing left to copy.
    assert_eq!(twice["copies"], plain_frames("basic.pcap") - 2);
    assert_eq!(
        twice["analysis"]["findings"]["totals"],
        once["analysis"]["findings"]["totals"]
    );
    assert_eq!(twice["analysis"]["latency"], once["analysis"]["latency"]);
    let conn = &twice["analysis"]["switches"][0]["connections"][0];
    assert_eq!(conn["seen_twice"], true, "{conn}");
    let text = crate::common::stdout(&ofscope(&["pcap", path.to_str().unwrap(), "-q", "--stats"]));
    assert!(
        text.contains("seen twice (again via ERSPAN II 192.0.2.1 > 192.0.2.2 id 7)"),
        "{text}"
    );
}

/// How many frames a sample holds.
fn plain_frames(name: &str) -> u64 {
    let out = ofscope(&["pcap", &sample(name), "-q", "--stats", "-T", "json"]);
    let stats: Value = serde_json::from_str(&crate::common::stdout(&out)).unwrap();
    stats["frames"].as_u64().unwrap()
}

/// A pcap (Ethernet) of these frames.
fn pcap_of(name: &str, frames: &[Vec<u8>]) -> PathBuf {
    let mut pcap = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    pcap.extend([0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    for (i, frame) in frames.iter().enumerate() {
        pcap.extend([1, 0, 0, 0]);
        pcap.extend((i as u32).to_le_bytes());
        pcap.extend((frame.len() as u32).to_le_bytes());
        pcap.extend((frame.len() as u32).to_le_bytes());
        pcap.extend(frame);
    }
    let path = temp_dir("tunnels").join(name);
    std::fs::write(&path, pcap).unwrap();
    path
}

/// Ethernet and IPv4 (checksum left 0) around `payload` of IP protocol `protocol`.
fn ipv4_frame(protocol: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let len = (20 + payload.len()) as u16;
    frame.extend([
        0x45,
        0,
        (len >> 8) as u8,
        len as u8,
        0,
        1,
        0,
        0,
        64,
        protocol,
        0,
        0,
    ]);
    frame.extend([192, 0, 2, 1, 192, 0, 2, 2]);
    frame.extend(payload);
    frame
}

/// A capture without OpenFlow messages says what it saw instead: on the command line, and
/// the same line in the viewer's empty list.
#[test]
fn no_messages_says_what_was_seen() {
    // GRE of protocol type 0x88b5 (local experimental): nothing to advise about ports.
    let gre = [&[0, 0, 0x88, 0xb5][..], &[0xab; 20]].concat();
    // TCP that is not OpenFlow (HTTP on 80), bare and inside GRE: the port may be the cause.
    let mut tcp = vec![
        0xc0, 0x00, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff,
    ];
    tcp.extend([0, 0, 0, 0]);
    tcp.extend(b"GET / HTTP/1.0\r\n\r\n");
    let bare = ipv4_frame(6, &tcp);
    let inside_gre = ipv4_frame(47, &[&[0, 0, 0x08, 0x00][..], &bare[14..]].concat());
    let port_advice =
        "if the controller listens on a port other than 6633 or 6653, give it with --port N";
    let cases = [
        (
            "gre-88b5.pcap",
            ipv4_frame(47, &gre),
            "no frame carried a TCP segment: frames of GRE protocol 0x88b5 not decoded (1 frame)",
        ),
        ("http.pcap", bare, port_advice),
        ("http-in-gre.pcap", inside_gre, port_advice),
    ];
    for (name, frame, reason) in cases {
        let path = pcap_of(name, &[frame]);
        let cli = stderr(&ofscope(&["pcap", path.to_str().unwrap()]));
        let expected = format!(
            "no OpenFlow messages found in {}; {reason}\n",
            path.display()
        );
        assert!(cli.ends_with(&expected), "{name}: {cli}");
        let feeds =
            ofscope::tui::index::index_file(&path, ofscope::stream::StreamConfig::default())
                .unwrap();
        let mut app = ofscope::tui::App::new(name, false);
        for feed in feeds {
            app.feed(feed);
        }
        let screen = crate::tui_support::draw(&mut app, 200, 10);
        assert!(
            screen.contains(&format!("no OpenFlow messages found; {reason}")),
            "{name}: {screen}"
        );
    }
}

/// The PACKET_INs of `encap.py packet-ins`, in its order: the tunnel of each.
const PACKET_INS: [&str; 9] = [
    "gre", "vxlan", "gretap", "erspan2", "erspan3", "geneve", "mpls", "ipip", "double",
];

fn packet_ins() -> PathBuf {
    let path = temp_dir("tunnels").join("packet-ins.pcap");
    encap(&["packet-ins", path.to_str().unwrap()]);
    path
}

#[test]
fn packet_ins_carrying_tunnels_are_filtered_and_shown_layer_by_layer() {
    let path = packet_ins();
    let p = path.to_str().unwrap();
    let xids = |filter: &str| -> Vec<u64> {
        json_lines(&ofscope(&["pcap", p, "-T", "jsonl", "-Y", filter]))
            .iter()
            .map(|m| m["xid"].as_u64().unwrap())
            .collect()
    };
    // xid = 2 + the index in PACKET_INS.
    assert_eq!(xids("gre && icmp"), [2, 5]);
    assert_eq!(xids("vxlan.vni == 42 && arp.tpa == 10.1.0.2"), [3, 10]);
    assert_eq!(xids("gre.key == 5"), [2]);
    assert_eq!(xids("erspan.spanid == 7"), [5, 6]);
    assert_eq!(xids("geneve.vni == 42 && icmp.type == 8"), [7]);
    assert_eq!(xids("mpls.label == 200 && mpls.bottom"), [8]);
    // Any occurrence: the outer and the inner IP header both answer.
    assert_eq!(
        xids("ip.src == 172.16.0.1 && ip.src == 192.0.2.1"),
        [2, 5, 7, 9]
    );
    let out = ofscope(&["pcap", p, "-V", "-Y", "of.xid == 2"]);
    let text = crate::common::stdout(&out);
    let layers = [
        "Packet in",
        "Frame",
        "Ethernet II",
        "Internet Protocol version 4",
        "Generic Routing Encapsulation",
        "Key: 5",
        "Encapsulated frame",
        "Internet Protocol version 4",
        "Source: 172.16.0.1",
        "Internet Control Message Protocol",
    ];
    let mut rest = text.as_str();
    for layer in layers {
        let at = rest
            .find(layer)
            .unwrap_or_else(|| panic!("{layer} in order in\n{text}"));
        rest = &rest[at + layer.len()..];
    }
    let summary = crate::common::stdout(&ofscope(&["pcap", p, "-Y", "of.xid == 2"]));
    assert!(
        summary.contains(
            "| GRE 192.0.2.1 > 192.0.2.2 key 5 | IP 172.16.0.1 > 172.16.0.2: ICMP echo request"
        ),
        "{summary}"
    );
}

/// Every value of `member` inside groups named `group` under `value`, outer layers first
/// (an object's own group before those of the frames it nests).
fn occurrences(value: &Value, group: &str, member: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let groups = match map.get(group) {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(other) => vec![other],
                None => Vec::new(),
            };
            for g in groups {
                if let Some(v) = g.get(member) {
                    out.push(v.to_string().trim_matches('"').to_owned());
                }
            }
            for inner in map.values() {
                occurrences(inner, group, member, out);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| occurrences(i, group, member, out)),
        _ => {}
    }
}

/// A field compared: ofscope's group and member, tshark's field, and how to read tshark's
/// value as ofscope writes it.
type Compared = (&'static str, &'static str, &'static str, fn(&str) -> String);

#[test]
fn packet_in_tunnel_fields_agree_with_tshark() {
    if !tools_present("tunnels", &["tshark"]) {
        return;
    }
    let path = packet_ins();
    let ours = json_lines(&ofscope(&[
        "pcap",
        path.to_str().unwrap(),
        "-T",
        "jsonl",
        "-Y",
        "of.type == PACKET_IN",
    ]));
    let fields: &[Compared] = &[
        ("gre", "key", "gre.key", hex_to_decimal),
        ("gre", "proto", "gre.proto", hex_to_decimal),
        ("vxlan", "vni", "vxlan.vni", same),
        ("geneve", "vni", "geneve.vni", hex_to_decimal),
        ("erspan", "spanid", "erspan.spanid", same),
        ("erspan", "version", "erspan.version", same),
        ("mpls", "label", "mpls.label", same),
        ("mpls", "ttl", "mpls.ttl", same),
        ("ip", "src", "ip.src", same),
        ("ip", "dst", "ip.dst", same),
        ("ip", "proto", "ip.proto", same),
        ("icmp", "type", "icmp.type", same),
        ("arp", "tpa", "arp.dst.proto_ipv4", same),
        ("eth", "src", "eth.src", same),
        ("udp", "dstport", "udp.dstport", same),
    ];
    let mut args = vec!["-Y", "openflow_1_0.type == 10"];
    for (_, _, field, _) in fields {
        args.extend(["-e", field]);
    }
    let theirs = tshark_fields(&path, &args);
    let rows: Vec<Vec<&str>> = theirs.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), PACKET_INS.len(), "{theirs}");
    assert_eq!(ours.len(), PACKET_INS.len());
    for ((tunnel, row), message) in PACKET_INS.iter().zip(&rows).zip(&ours) {
        for ((group, member, field, convert), column) in fields.iter().zip(row) {
            let mut mine = Vec::new();
            occurrences(&message["packet_in"]["data"], group, member, &mut mine);
            let mut expected: Vec<String> = column
                .split(',')
                .filter(|v| !v.is_empty())
                .map(convert)
                .collect();
            // tshark's first ip/eth occurrence is the channel's own frame.
            if ["ip.src", "ip.dst", "ip.proto", "eth.src"].contains(field) {
                expected.remove(0);
            }
            assert_eq!(mine, expected, "{tunnel}: {field}");
        }
    }
}

fn same(v: &str) -> String {
    v.to_owned()
}

fn hex_to_decimal(v: &str) -> String {
    u64::from_str_radix(v.trim_start_matches("0x"), 16)
        .map_or_else(|_| v.to_owned(), |n| n.to_string())
}

/// `samples/gre.pcap` (tests/lab/record.sh gre): two Open vSwitch switches joined by GRE
/// ports of the userspace datapath. Each tunnel port is named where the switch names its
/// ports: in dpid 1's FEATURES_REPLY (tshark's reading of it, the same) and in dpid 2's
/// PORT_STATUS (the switch's own log of what it sent, `gre.vconn.log`). Its flows against
/// the switches' dump-flows are checked with every sample's
/// (analysis_samples.rs, `flow_tables_match_the_real_switch`); the ones through the tunnel
/// must be there.
#[test]
fn the_gre_lab_sample_names_its_tunnel_ports() {
    let path = sample("gre.pcap");
    let ports = |filter: &str| -> Vec<(u64, String)> {
        let out = ofscope(&["pcap", &path, "-T", "jsonl", "-Y", filter]);
        json_lines(&out)
            .iter()
            .flat_map(|m| {
                let body = &m["features"]["ports"];
                let list = match body {
                    Value::Array(ports) => ports.clone(),
                    _ => vec![m["port_status"]["port"].clone()],
                };
                list.into_iter().map(|p| {
                    (
                        p["port_no"].as_u64().unwrap(),
                        p["name"].as_str().unwrap().to_owned(),
                    )
                })
            })
            .collect()
    };
    let features = ports("of.type == FEATURES_REPLY && of.dpid == 00:00:00:00:00:00:00:01");
    assert!(
        features.contains(&(10, "gre-sw2".to_owned())),
        "{features:?}"
    );
    let status = ports("of.type == PORT_STATUS && of.dpid == 00:00:00:00:00:00:00:02");
    assert_eq!(status, [(10, "gre-sw1".to_owned())]);
    let log = std::fs::read_to_string(Path::new(ROOT).join("samples/gre.vconn.log")).unwrap();
    assert!(log.contains("OFPT_PORT_STATUS (xid=0x0): ADD: 10(gre-sw1)"));
    if tools_present("tunnels", &["tshark"]) {
        let theirs = tshark_fields(
            Path::new(&path),
            &[
                "-Y",
                "openflow_1_0.type == 6",
                "-e",
                "openflow.port_no",
                "-e",
                "openflow.port_name",
            ],
        );
        let dpid1 = theirs.lines().next().unwrap_or_default();
        let (numbers, names) = dpid1.split_once('\t').unwrap();
        let theirs: Vec<(u64, String)> = numbers
            .split(',')
            .zip(names.split(','))
            .map(|(n, name)| (n.parse().unwrap(), name.to_owned()))
            .collect();
        assert_eq!(features, theirs);
    }
    // Through the tunnel: both switches' tables hold flows in from and out to port 10.
    let flows = crate::common::stdout(&ofscope(&["pcap", &path, "-q", "--flows"]));
    let dumped = std::fs::read_to_string(Path::new(ROOT).join("samples/gre.flows.txt")).unwrap();
    for through in ["in_port=10,", "actions=output:10"] {
        let count = |text: &str| text.lines().filter(|l| l.contains(through)).count();
        assert!(count(&dumped) >= 4, "{through} in gre.flows.txt");
        assert_eq!(count(&flows), count(&dumped), "{through}\n{flows}");
    }
}

/// A mirror of both directions holds each packet twice, bare, byte for byte: copies, told
/// from retransmissions by the IPv4 identification, which a retransmission renews.
#[test]
fn a_mirrored_copy_is_not_a_retransmission() {
    let plain = messages(Path::new(&sample("basic.pcap")), &[]);
    let stats = |kind: &str| -> Value {
        let path = wrapped(kind, "basic.pcap");
        let twice = messages(&path, &[]);
        assert_eq!(twice.len(), plain.len(), "{kind}");
        let out = ofscope(&[
            "pcap",
            path.to_str().unwrap(),
            "-q",
            "--stats",
            "-T",
            "json",
        ]);
        serde_json::from_str(&crate::common::stdout(&out)).unwrap()
    };
    let mirrored = stats("mirrored");
    assert_eq!(mirrored["retransmissions"], 0);
    assert!(
        mirrored["copies"].as_u64().unwrap() > 80,
        "{}",
        mirrored["copies"]
    );
    let resent = stats("resent");
    assert_eq!(resent["copies"], 0);
    // Each of the segments that carry data, sent again.
    assert_eq!(resent["retransmissions"], 58);
}
