//! `pcap --parquet DIR`: the tables read back with DuckDB (from PyPI; .ci/run installs it in
//! target/duckdb-venv) agree with the reports the same binary prints: the messages per type
//! and direction with `--stats`, the latency percentiles with `--latency` (within the
//! histogram's precision), and the flow events, replayed in SQL, with `--flows`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{ofscope, sample, samples, stderr, stdout, temp_dir, ROOT};

/// A Python that imports duckdb: `$OFSC_DUCKDB_PYTHON`, the venv .ci/run makes, or
/// python3. `None` (a notice) outside CI when there is none; under `CI=true` a failure.
fn duckdb_python(test: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("OFSC_DUCKDB_PYTHON").map(PathBuf::from),
        Some(Path::new(ROOT).join("target/duckdb-venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    let found = candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "{test}: CI=true but no Python with duckdb (.ci/run installs it)"
        );
        eprintln!("NOTICE {test}: skipped, no Python with duckdb (python3 -m venv target/duckdb-venv && target/duckdb-venv/bin/pip install duckdb)");
    }
    found
}

/// Runs `sql` over DIR's tables (`messages`, `latency`, `findings`, `flow_events`: views
/// of every capture's file) and gives its rows as JSON objects.
fn query(python: &Path, dir: &Path, sql: &str) -> Vec<Value> {
    const SCRIPT: &str = r#"
import duckdb, json, sys
dir, sql = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for table in ["messages", "latency", "findings", "flow_events"]:
    con.execute(f"create view {table} as select * from read_parquet('{dir}/{table}/*.parquet')")
result = con.execute(sql)
names = [d[0] for d in result.description]
print(json.dumps([dict(zip(names, row)) for row in result.fetchall()], default=str))
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(dir)
        .arg(sql)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("JSON rows")
}

/// Every sample written to one DIR by one run (`-j 2`).
fn every_sample_as_tables(name: &str) -> (PathBuf, Vec<PathBuf>) {
    let dir = temp_dir(name);
    let captures = samples();
    let mut args: Vec<&str> = vec!["pcap", "-j", "2", "--parquet"];
    args.push(dir.to_str().expect("utf-8 path"));
    args.extend(captures.iter().map(|p| p.to_str().expect("utf-8 path")));
    let out = ofscope(&args);
    // A sample cut short on purpose exits 2 after writing what it holds.
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "--parquet prints nothing");
    (dir, captures)
}

/// One JSON document of a report of one capture.
fn report(capture: &Path, flag: &str) -> Value {
    let path = capture.to_str().expect("utf-8 path");
    let out = ofscope(&["pcap", path, flag, "-T", "json"]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{path} {flag}: {err}\n{}", stderr(&out)))
}

#[test]
fn message_counts_per_type_equal_stats_on_every_sample() {
    let Some(python) = duckdb_python("message_counts_per_type_equal_stats_on_every_sample") else {
        return;
    };
    let (dir, captures) = every_sample_as_tables("parquet-counts");
    let rows = query(
        &python,
        &dir,
        r#"select capture, type, "from", count(*) as n from messages group by all"#,
    );
    for capture in &captures {
        let stats = report(capture, "--stats");
        let mut expected: Vec<(String, String, u64)> = Vec::new();
        for (kind, by) in stats["types"].as_object().expect("types") {
            for from in ["switch", "controller"] {
                let n = by[from].as_u64().unwrap_or_default();
                if n > 0 {
                    expected.push((kind.clone(), from.to_owned(), n));
                }
            }
        }
        let name = capture.to_string_lossy();
        let mut got: Vec<(String, String, u64)> = rows
            .iter()
            .filter(|r| r["capture"] == name.as_ref())
            .map(|r| {
                (
                    r["type"].as_str().unwrap_or_default().to_owned(),
                    r["from"].as_str().unwrap_or_default().to_owned(),
                    r["n"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{name}");
        assert_eq!(
            got.iter().map(|(_, _, n)| n).sum::<u64>(),
            stats["messages"].as_u64().unwrap_or_default(),
            "{name}"
        );
    }
}

/// The delay at quantile `q` as the histogram reports it, before its bucket rounds it:
/// the ⌈q·n⌉-th smallest (at least the first).
const PERCENTILES_SQL: &str = r#"
with ranked as (
    select capture, dpid, conn, kind, latency_ns,
           row_number() over (partition by capture, dpid, conn, kind order by latency_ns) as rank,
           count(latency_ns) over (partition by capture, dpid, conn, kind) as pairs
    from latency where latency_ns is not null
)
select capture, dpid, conn, kind, any_value(pairs) as pairs,
       min(latency_ns) filter (where rank = greatest(1, ceil(0.50 * pairs))) as p50_ns,
       min(latency_ns) filter (where rank = greatest(1, ceil(0.90 * pairs))) as p90_ns,
       min(latency_ns) filter (where rank = greatest(1, ceil(0.99 * pairs))) as p99_ns,
       min(latency_ns) as min_ns, max(latency_ns) as max_ns
from ranked group by all
"#;

#[test]
fn latency_percentiles_from_sql_equal_the_latency_report() {
    let Some(python) = duckdb_python("latency_percentiles_from_sql_equal_the_latency_report")
    else {
        return;
    };
    let (dir, captures) = every_sample_as_tables("parquet-latency");
    let series = query(&python, &dir, PERCENTILES_SQL);
    let unanswered = query(
        &python,
        &dir,
        "select capture, dpid, conn, kind, count(*) as n from latency where answer_message is null group by all",
    );
    let mut compared = 0;
    for capture in &captures {
        let name = capture.to_string_lossy();
        let latency = report(capture, "--latency");
        for switch in latency["switches"].as_array().expect("switches") {
            let mut summaries = vec![
                ("PACKET_IN", &switch["packet_in"]),
                ("ECHO", &switch["echo"]),
            ];
            if let Some(requests) = switch["requests"].as_object() {
                summaries.extend(requests.iter().map(|(k, v)| (k.as_str(), v)));
            }
            for (kind, summary) in summaries {
                let same = |r: &&Value| {
                    r["capture"] == name.as_ref()
                        && r["dpid"] == switch["dpid"]
                        && r["conn"] == switch["conn"]
                        && r["kind"] == kind
                };
                let what = format!("{name} {} {kind}", switch["dpid"]);
                let lost = unanswered
                    .iter()
                    .find(same)
                    .map_or(0, |r| r["n"].as_u64().unwrap_or(0));
                assert_eq!(
                    Some(lost),
                    summary["unanswered"].as_u64(),
                    "{what}: unanswered"
                );
                let pairs = summary["pairs"].as_u64().unwrap_or_default();
                let Some(row) = series.iter().find(same) else {
                    assert_eq!(pairs, 0, "{what}: no rows in SQL");
                    continue;
                };
                assert_eq!(row["pairs"].as_u64(), Some(pairs), "{what}: pairs");
                for exact in ["min_ns", "max_ns"] {
                    assert_eq!(row[exact], summary[exact], "{what}: {exact}");
                }
                for p in ["p50_ns", "p90_ns", "p99_ns"] {
                    let sql = row[p].as_u64().expect("percentile");
                    let shown = summary[p].as_u64().expect("percentile");
                    // The histogram keeps 3 significant digits: a bucket is at most 1/1024
                    // of its values wide, and the report gives its highest value.
                    assert!(
                        shown >= sql && shown - sql <= sql / 1024,
                        "{what}: {p}: SQL {sql}, --latency {shown}"
                    );
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 20, "only {compared} latency series compared");
}

/// Each switch's table from its events: the last event of each (match, priority), where
/// it leaves the flow in.
const REPLAY_SQL: &str = r#"
select capture, dpid, conn, "match", priority, actions, cookie, idle_timeout, hard_timeout, installed_ns
from (
    select *, row_number() over (partition by capture, dpid, conn, "match", priority order by event desc) as last
    from flow_events
) where last = 1 and in_table
"#;

#[test]
fn flow_events_replayed_in_sql_give_the_tables_of_flows() {
    let Some(python) = duckdb_python("flow_events_replayed_in_sql_give_the_tables_of_flows") else {
        return;
    };
    let (dir, captures) = every_sample_as_tables("parquet-flows");
    let replayed = query(&python, &dir, REPLAY_SQL);
    let keys = [
        "match",
        "priority",
        "actions",
        "cookie",
        "idle_timeout",
        "hard_timeout",
        "installed_ns",
    ];
    let mut flows_compared = 0;
    for capture in &captures {
        let name = capture.to_string_lossy();
        for table in report(capture, "--flows").as_array().expect("tables") {
            let what = format!("{name} {}", table["dpid"]);
            let row = |flow: &Value| -> String {
                keys.iter()
                    .map(|k| flow[*k].to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let mut expected: Vec<String> = table["flows"]
                .as_array()
                .expect("flows")
                .iter()
                .map(row)
                .collect();
            let mut got: Vec<String> = replayed
                .iter()
                .filter(|r| {
                    r["capture"] == name.as_ref()
                        && r["dpid"] == table["dpid"]
                        && r["conn"] == table["conn"]
                })
                .map(row)
                .collect();
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "{what}");
            flows_compared += expected.len();
        }
    }
    assert!(flows_compared >= 50, "only {flows_compared} flows compared");
}

#[test]
fn a_dir_that_cannot_be_made_is_one_line_without_a_panic() {
    let dir = temp_dir("parquet-not-a-dir");
    let file = dir.join("a-file");
    std::fs::write(&file, b"not a folder").expect("write");
    let out = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        "--parquet",
        file.to_str().expect("utf-8 path"),
    ]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot create the Parquet folder"), "{err}");
}

#[test]
fn a_file_that_cannot_be_written_is_one_line_and_the_others_are_written() {
    let dir = temp_dir("parquet-blocked");
    // A folder where the messages of basic.pcap should go: the rename onto it fails.
    std::fs::create_dir_all(dir.join("messages/basic.parquet/blocked")).expect("mkdir");
    let out = ofscope(&[
        "pcap",
        &sample("basic.pcap"),
        &sample("vlan.pcap"),
        "--parquet",
        dir.to_str().expect("utf-8 path"),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot write") && err.contains("basic.parquet"),
        "{err}"
    );
    assert!(dir.join("messages/vlan.parquet").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("messages"))
        .expect("read dir")
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_jobs_write_the_same_files_as_one() {
    let captures = [
        sample("basic.pcap"),
        sample("two-switch.pcap"),
        sample("vlan.pcap"),
    ];
    let write = |jobs: &str| {
        let dir = temp_dir(&format!("parquet-jobs-{jobs}"));
        let mut args = vec![
            "pcap",
            "-j",
            jobs,
            "--parquet",
            dir.to_str().expect("utf-8"),
        ];
        args.extend(captures.iter().map(String::as_str));
        let out = ofscope(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        dir
    };
    let (one, two) = (write("1"), write("2"));
    let mut compared = 0;
    for table in ["messages", "latency", "findings", "flow_events"] {
        for name in ["basic", "two-switch", "vlan"] {
            let file = format!("{table}/{name}.parquet");
            let a = std::fs::read(one.join(&file)).expect("-j 1 file");
            let b = std::fs::read(two.join(&file)).expect("-j 2 file");
            assert!(a == b, "{file} differs between -j 1 and -j 2");
            compared += 1;
        }
    }
    assert_eq!(compared, 12);
}

#[test]
fn a_count_writes_exactly_the_messages_the_count_lists() {
    let Some(python) = duckdb_python("a_count_writes_exactly_the_messages_the_count_lists") else {
        return;
    };
    // More messages than one hand-over to the table's thread holds, fewer than the capture.
    let path = sample("segmented.pcap");
    let path = path.as_str();
    let dir = temp_dir("parquet-count");
    let out = ofscope(&[
        "pcap",
        path,
        "-c",
        "300",
        "--parquet",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<(u64, String, u64)> =
        stdout(&ofscope(&["pcap", path, "-c", "300", "-T", "jsonl"]))
            .lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line).expect("a JSON line");
                (
                    v["frame"].as_u64().unwrap(),
                    v["type"].as_str().unwrap().to_owned(),
                    v["xid"].as_u64().unwrap(),
                )
            })
            .collect();
    assert_eq!(listed.len(), 300);
    let rows: Vec<(u64, String, u64)> = query(
        &python,
        &dir,
        "select frame, type, xid from messages order by message",
    )
    .iter()
    .map(|r| {
        (
            r["frame"].as_u64().unwrap(),
            r["type"].as_str().unwrap().to_owned(),
            r["xid"].as_u64().unwrap(),
        )
    })
    .collect();
    assert_eq!(rows, listed);
}
