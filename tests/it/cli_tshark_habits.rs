//! What tshark and tcpdump users type without thinking: a capture on standard input
//! (`tcpdump -w - | ofscope pcap -`), `-T json` as one document, and exit 2 after printing
//! what a cut capture holds.
use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{command, ofscope, sample, samples, stdout, temp_dir, tools_present};

/// Runs ofscope with `input` on its standard input.
fn with_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from another thread: a large input would fill the pipe while ofscope's
    // output fills the other one.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn tcpdump_piped_into_ofscope_lists_what_the_file_lists() {
    if !tools_present("stdin from tcpdump", &["tcpdump"]) {
        return;
    }
    let basic = sample("basic.pcap");
    let piped = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "tcpdump -r {basic} -w - 2>/dev/null | {} pcap -",
            env!("CARGO_BIN_EXE_ofscope")
        ))
        .output()
        .unwrap();
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let file = ofscope(&["pcap", &basic]);
    assert_eq!(stdout(&piped), stdout(&file));
    assert!(stdout(&file).lines().count() > 20);
}

#[test]
fn every_sample_reads_the_same_from_stdin_with_dash_and_dash_r() {
    for path in samples() {
        let path = path.to_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        let file = ofscope(&["pcap", path, "-T", "jsonl"]);
        for args in [
            &["pcap", "-", "-T", "jsonl"][..],
            &["pcap", "-r", "-", "-T", "jsonl"],
        ] {
            let piped = with_stdin(args, &bytes);
            assert_eq!(piped.status.code(), file.status.code(), "{path} {args:?}");
            assert_eq!(stdout(&piped), stdout(&file), "{path} read with {args:?}");
        }
        // Reports too: the relative times (`--at`, first/last) count from stdin's first frame.
        let stats = |out: std::process::Output| stdout(&out).replace(path, "-");
        assert_eq!(
            stats(with_stdin(&["pcap", "-", "--stats"], &bytes)),
            stats(ofscope(&["pcap", path, "--stats"])),
            "{path}: --stats from stdin"
        );
    }
}

#[test]
fn stdin_refuses_what_needs_a_second_read_with_one_line() {
    let bytes = std::fs::read(sample("basic.pcap")).unwrap();
    let out_path = temp_dir("stdin-w").join("out.pcap");
    for (args, says) in [
        (
            vec!["pcap", "-", "-w", out_path.to_str().unwrap()],
            "-w cannot copy frames from standard input",
        ),
        (
            vec!["pcap", "-", &sample("basic.pcap")],
            "standard input (-) must be the only capture",
        ),
    ] {
        let out = with_stdin(&args, &bytes);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!out_path.exists());
    }
}

#[test]
fn json_is_one_array_of_the_jsonl_objects() {
    for args in [
        vec!["pcap".to_string(), sample("basic.pcap")],
        vec![
            "pcap".into(),
            sample("basic.pcap"),
            "-Y".into(),
            "of.type == 99".into(),
        ],
        vec![
            "decode".into(),
            "0100000800000001 0102000800000002 00".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let lines: Vec<serde_json::Value> =
            stdout(&ofscope(&[&args[..], &["-T", "jsonl"]].concat()))
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        let out = ofscope(&[&args[..], &["-T", "json"]].concat());
        assert!(out.status.success(), "{args:?}");
        let document: serde_json::Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{args:?}: -T json is not one document: {e}"));
        assert_eq!(document, serde_json::Value::Array(lines), "{args:?}");
    }
}

#[test]
fn json_tool_reads_json_output() {
    if !tools_present("python3 -m json.tool", &["python3"]) {
        return;
    }
    let out = Command::new("bash")
        .arg("-o")
        .arg("pipefail")
        .arg("-c")
        .arg(format!(
            "{} pcap {} -T json | python3 -m json.tool",
            env!("CARGO_BIN_EXE_ofscope"),
            sample("basic.pcap")
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).starts_with("[\n"));
}

#[test]
fn a_cut_capture_prints_what_it_holds_then_exits_2_as_tshark_does() {
    let whole = std::fs::read(sample("basic.pcap")).unwrap();
    let full_lines = stdout(&ofscope(&["pcap", &sample("basic.pcap")]));
    let dir = temp_dir("cut-capture");
    // Cuts inside the file header's successors: in a record header, and inside a frame.
    for cut in [whole.len() / 3, whole.len() / 2 + 7, whole.len() - 5] {
        let path = dir.join(format!("cut-{cut}.pcap"));
        std::fs::write(&path, &whole[..cut]).unwrap();
        let out = ofscope(&["pcap", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "cut at {cut}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cut in the middle of frame"), "{err}");
        let printed = stdout(&out);
        assert!(
            !printed.is_empty() && full_lines.starts_with(&printed),
            "cut at {cut}"
        );
        if tools_present("tshark on a cut capture", &["tshark"]) {
            let tshark = Command::new("tshark")
                .arg("-r")
                .arg(&path)
                .output()
                .unwrap();
            assert_eq!(
                tshark.status.code(),
                out.status.code(),
                "tshark's exit on the cut at {cut}"
            );
        }
    }
}

#[test]
fn fields_columns_are_the_jsonl_values_on_every_sample() {
    for path in samples() {
        let path = path.to_str().unwrap();
        let jsonl = stdout(&ofscope(&["pcap", path, "-T", "jsonl"]));
        let expected: Vec<String> = jsonl
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let dpid = v["dpid"].as_str().unwrap_or("");
                format!(
                    "{}\t{}\t{}\t{dpid}",
                    v["frame"],
                    v["type"].as_str().unwrap(),
                    v["xid"]
                )
            })
            .collect();
        let out = ofscope(&[
            "pcap",
            path,
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "of.type",
            "-e",
            "of.xid",
            "-e",
            "of.dpid",
        ]);
        let fields: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(fields, expected, "{path}");
    }
}

#[test]
fn fields_options_are_tsharks() {
    let basic = sample("basic.pcap");
    let run = |extra: &[&str]| {
        let args = [
            &[
                "pcap",
                basic.as_str(),
                "-T",
                "fields",
                "-Y",
                "of.type == PACKET_IN",
                "-c",
                "2",
            ],
            extra,
        ]
        .concat();
        stdout(&ofscope(&args))
    };
    // Header, separator and quotes.
    assert_eq!(
        run(&[
            "-e",
            "frame.number",
            "-e",
            "of.packet_in.in_port",
            "-E",
            "header=y",
            "-E",
            "separator=,",
            "-E",
            "quote=d"
        ]),
        "frame.number,of.packet_in.in_port\n\"14\",\"1\"\n\"17\",\"2\"\n"
    );
    // Every occurrence, joined by the aggregator, or the first or the last only: the channel's
    // two ends are two occurrences of ofchan.addr and ofchan.port.
    assert_eq!(
        run(&["-e", "ofchan.addr", "-E", "aggregator=/s"])
            .lines()
            .next(),
        Some("127.0.0.1 127.0.0.1")
    );
    assert_eq!(
        run(&["-e", "ofchan.port", "-E", "occurrence=f"])
            .lines()
            .count(),
        2
    );
    let all = run(&["-e", "ofchan.port"]);
    let first = run(&["-e", "ofchan.port", "-E", "occurrence=f"]);
    let last = run(&["-e", "ofchan.port", "-E", "occurrence=l"]);
    for ((all, first), last) in all.lines().zip(first.lines()).zip(last.lines()) {
        assert_eq!(format!("{first},{last}"), all);
        assert_ne!(first, last);
    }
}

#[test]
fn fields_mistakes_are_one_line_each() {
    let basic = sample("basic.pcap");
    for (args, says) in [
        (vec!["-T", "fields"], "needs at least one -e"),
        (vec!["-T", "fields", "-e", "of.typ"], "did you mean of.type"),
        (
            vec!["-T", "fields", "-e", "of.packet_in"],
            "names a group of fields",
        ),
        (vec!["-e", "of.type"], "add -T fields"),
        (
            vec!["-T", "fields", "-e", "of.type", "-E", "quote=x"],
            "bad -E option",
        ),
        (
            vec!["-T", "fields", "-e", "of.type", "--stats"],
            "-T fields prints messages",
        ),
    ] {
        let out = ofscope(&[&["pcap", basic.as_str()], &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn hex_dump_holds_each_message_whose_decode_is_its_line() {
    let basic = sample("basic.pcap");
    let out = stdout(&ofscope(&["pcap", &basic, "-x"]));
    let plain = stdout(&ofscope(&["pcap", &basic]));
    // Blocks: the message's line, its dump lines, a blank line.
    let blocks: Vec<&str> = out.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), plain.lines().count());
    for (block, line) in blocks.iter().zip(plain.lines()) {
        let mut lines = block.lines();
        assert_eq!(lines.next(), Some(line));
        // Offset, then the 16 hex columns (up to the ASCII column).
        let hex: String = lines
            .map(|l| l[6..6 + 16 * 3 + 1].split_whitespace().collect::<String>())
            .collect();
        let summary = line
            .split_once(" -> ")
            .or(line.split_once(" <- "))
            .unwrap()
            .1;
        let decoded = stdout(&ofscope(&["decode", &hex]));
        assert_eq!(decoded.lines().next(), Some(summary), "{hex}");
    }
}

#[test]
fn jobs_give_the_output_of_one_job() {
    let all: Vec<String> = samples()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let files: Vec<&str> = all.iter().map(String::as_str).collect();
    for report in [
        &["--stats"][..],
        &["--flows"],
        &["--latency", "-T", "jsonl"],
        &["--findings", "-T", "json"],
    ] {
        let one = ofscope(&[&["pcap"], &files[..], report, &["-j", "1"]].concat());
        let three = ofscope(&[&["pcap"], &files[..], report, &["-j", "3"]].concat());
        assert_eq!(one.status.code(), three.status.code(), "{report:?}");
        assert!(stdout(&one).len() > 1000, "{report:?}");
        assert_eq!(stdout(&three), stdout(&one), "{report:?}");
    }
    // -q -w: the same merged capture.
    let dir = temp_dir("jobs-w");
    let ethernet: Vec<&str> = files
        .iter()
        .copied()
        // any and gre were captured on "any" (LINUX_SLL2): one file holds one link type.
        .filter(|f| !f.ends_with("any.pcap") && !f.ends_with("gre.pcap"))
        .collect();
    let written = |jobs: &str| {
        let path = dir.join(format!("j{jobs}.pcap"));
        let out = ofscope(
            &[
                &["pcap"],
                &ethernet[..],
                &["-q", "-Y", "arp", "-j", jobs, "-w", path.to_str().unwrap()],
            ]
            .concat(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(path).unwrap()
    };
    assert_eq!(written("2"), written("1"));
    // A listing needs one job: said in one line.
    let out = ofscope(&["pcap", files[0], files[1], "-j", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("-j reads files in parallel for the reports")
    );
}

#[test]
fn report_jsonl_is_one_item_a_line_and_json_one_document() {
    let parse = |out: &std::process::Output| -> Vec<serde_json::Value> {
        stdout(out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let mut flows_seen = 0;
    for path in samples() {
        let path = path.to_str().unwrap();
        let document = |report: &str| -> serde_json::Value {
            serde_json::from_str(&stdout(&ofscope(&["pcap", path, report, "-T", "json"]))).unwrap()
        };
        let lines = |report: &str| parse(&ofscope(&["pcap", path, report, "-T", "jsonl"]));

        // --flows: a flow a line, with its switch's dpid and instant.
        let tables = document("--flows");
        let flows: Vec<&serde_json::Value> = tables
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["flows"].as_array().unwrap().iter().map(move |f| (t, f)))
            .map(|(_, f)| f)
            .collect();
        let flow_lines = lines("--flows");
        assert_eq!(flow_lines.len(), flows.len(), "{path}");
        for (line, flow) in flow_lines.iter().zip(&flows) {
            assert_eq!(line["match"], flow["match"], "{path}");
            assert!(
                line.get("dpid").is_some() && line.get("at_ns").is_some(),
                "{path}: {line}"
            );
        }
        flows_seen += flows.len();

        // --latency: a series a line, switches then host pairs.
        let latency = document("--latency");
        let series = lines("--latency");
        let switches = latency["switches"].as_array().unwrap().len();
        let pairs = latency["host_pairs"].as_array().unwrap().len();
        assert_eq!(series.len(), switches + pairs, "{path}");
        assert!(
            series[..switches].iter().all(|s| s["series"] == "switch"),
            "{path}"
        );
        assert!(
            series[switches..]
                .iter()
                .all(|s| s["series"] == "host_pair"),
            "{path}"
        );

        // --findings: every finding of the document, a line each, in its order.
        let findings = document("--findings");
        assert_eq!(
            &serde_json::Value::Array(lines("--findings")),
            &findings["findings"],
            "{path}"
        );

        // --stats: one document, on one line.
        assert_eq!(lines("--stats"), vec![document("--stats")], "{path}");
    }
    assert!(flows_seen > 20, "the samples have flows");
}
