//! `ofscope decode` as a user runs it: exit codes, error lines and JSON.
use std::process::{Command, Output};

fn decode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofscope"))
        .arg("decode")
        .args(args)
        .output()
        .expect("run ofscope")
}

#[test]
fn hello_decodes_with_summary_and_tree() {
    let out = decode(&["01 00 00 08 00 00 00 ab"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HELLO xid=0xab\n"), "{text}");
    assert!(text.contains("Transaction id: 0xab"), "{text}");
}

#[test]
fn bad_hex_is_one_line_and_exit_2() {
    let out = decode(&["01zz"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("character 3"), "{err}");
}

#[test]
fn short_message_is_reported_malformed_not_fatal() {
    let out = decode(&["0110ccddeeff0011"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        text.contains("malformed") || text.contains("truncated"),
        "{text}"
    );
}

#[test]
fn json_is_one_object_per_message() {
    // A FLOW_MOD then a BARRIER_REQUEST, back to back.
    let hex = format!("010e004800000005003820ff{}", "00".repeat(60));
    let barrier = "0112000800000006";
    let out = decode(&["-T", "json", &format!("{hex}{barrier}")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "FLOW_MOD");
    assert_eq!(lines[0]["xid"], 5);
    assert_eq!(lines[1]["type"], "BARRIER_REQUEST");
    assert_eq!(lines[1]["offset"], 72);
}

#[test]
fn help_shows_an_example() {
    let out = decode(&["--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ofscope decode 01000008000000ab"));
}
