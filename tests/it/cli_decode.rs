//! `ofscope decode` as a user runs it: exit codes, error lines and JSON.

use crate::common::{command, json_lines, tools_present};
use std::process::{Command, Output};

fn decode(args: &[&str]) -> Output {
    command()
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
    let out = decode(&["-T", "jsonl", &format!("{hex}{barrier}")]);
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

/// Issue 12: an OpenFlow 1.3 MULTIPART_REPLY cut short was printed as a 1.0 BARRIER_REPLY.
/// `ovs-ofctl ofp-print 0413001800000001` and tshark name type 19 of 1.3 MULTIPART_REPLY.
#[test]
fn other_versions_get_their_own_type_names() {
    let out = decode(&["0413001800000001"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("OpenFlow 1.3 type 19 (MULTIPART_REPLY) xid=0x1 "),
        "{text}"
    );
    assert!(!text.contains("BARRIER"), "{text}");
    assert!(text.contains("[truncated: 8 of 24 bytes]"), "{text}");
    assert!(!text.to_lowercase().contains("malformed"), "{text}");

    let json = json_lines(&decode(&["-T", "jsonl", "0415000800000007"]));
    assert_eq!(json[0]["type"], "BARRIER_REPLY");
    assert_eq!(json[0]["type_code"], 21);
    assert_eq!(json[0]["version"], 4);
}

/// Issue 12: version 0 was decoded as a 1.0 HELLO.
#[test]
fn unknown_version_says_so() {
    let out = decode(&["0000000800000001"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("unknown OpenFlow version 0 type 0 xid=0x1"),
        "{text}"
    );
    assert!(!text.contains("HELLO"), "{text}");
    let json = json_lines(&decode(&["-T", "jsonl", "0700000800000001"]));
    assert_eq!(json[0]["type"], "UNKNOWN");
    assert_eq!(json[0]["type_code"], 0);
}

/// Issue 12: `type` was a string for 1.0 and a number for other versions.
#[test]
fn json_type_is_always_a_string_with_type_code_beside() {
    for hex in ["0112000800000001", "040a000800000001", "06ff000800000001"] {
        let json = json_lines(&decode(&["-T", "jsonl", hex]));
        assert!(json[0]["type"].is_string(), "{hex}: {}", json[0]);
        assert!(json[0]["type_code"].is_u64(), "{hex}: {}", json[0]);
    }
}

/// HELLO is type 0 in every version, and its bitmap is how versions are negotiated.
#[test]
fn hello_of_another_version_is_still_a_hello() {
    let json = json_lines(&decode(&[
        "-T",
        "jsonl",
        "04000010000000020001000800000012",
    ]));
    assert_eq!(json[0]["type"], "HELLO");
    assert!(json[0]["hello"].is_object(), "{}", json[0]);
}

/// The names `ovs-ofctl ofp-print` gives every type of OpenFlow 1.1 to 1.5 are ours, where
/// it gives one (it rejects some 8-byte bodies before naming them, and does not know 1.5's
/// CONTROLLER_STATUS, which tshark names as we do).
#[test]
fn type_names_agree_with_ovs_ofctl() {
    if !tools_present("type_names_agree_with_ovs_ofctl", &["ovs-ofctl"]) {
        return;
    }
    let mut compared = 0;
    for version in 2..=6u8 {
        for msg_type in 0..=36u8 {
            let hex = format!("{version:02x}{msg_type:02x}000800000001");
            let ovs = Command::new("ovs-ofctl")
                .args(["ofp-print", &hex])
                .output()
                .expect("run ovs-ofctl");
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&ovs.stdout),
                String::from_utf8_lossy(&ovs.stderr)
            );
            let ovs_name = said
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .find_map(|word| word.strip_prefix("OFPT_"));
            let ours = &json_lines(&decode(&["-T", "jsonl", &hex]))[0]["type"];
            match ovs_name {
                Some(name) => {
                    assert_eq!(ours, name, "version {version} type {msg_type}");
                    compared += 1;
                }
                None if said.contains("unknown OpenFlow message")
                    && (version, msg_type) != (6, 35) =>
                {
                    assert_eq!(ours, "UNKNOWN", "version {version} type {msg_type}")
                }
                None => {}
            }
        }
    }
    assert!(compared > 100, "only {compared} names compared");
}

/// Issue 12: the datapath id was a JSON number, which loses digits past 2^53.
#[test]
fn features_reply_dpid_is_a_string() {
    let hex = format!("0106002000000002{}{}", "8000000000000001", "0".repeat(32));
    let json = json_lines(&decode(&["-T", "jsonl", &hex]));
    assert_eq!(
        json[0]["features"]["datapath_id"],
        "80:00:00:00:00:00:00:01"
    );
}

/// Issue 12: a cut FEATURES_REPLY was "malformed" and its dpid lost.
#[test]
fn cut_features_reply_shows_its_dpid_truncated_not_malformed() {
    let json = json_lines(&decode(&[
        "-T",
        "jsonl",
        "010600b0000000020000505400000001",
    ]));
    assert_eq!(json[0]["type"], "FEATURES_REPLY");
    assert_eq!(json[0]["truncated"], 16);
    assert!(json[0].get("malformed").is_none(), "{}", json[0]);
    assert_eq!(
        json[0]["features"]["datapath_id"],
        "00:00:50:54:00:00:00:01"
    );
}

/// Issue 12: a message plus one stray byte invented a second HELLO.
#[test]
fn a_stray_byte_is_trailing_bytes_not_a_message() {
    let out = decode(&["0100000800000001ff"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("HELLO xid").count(), 1, "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("1 trailing byte(s) at offset 8") && last.ends_with(": ff"),
        "{text}"
    );
    let json = json_lines(&decode(&["-T", "jsonl", "0100000800000001ff"]));
    assert_eq!(json.len(), 2);
    assert_eq!(json[1]["offset"], 8);
    assert_eq!(json[1]["trailing_bytes"], "ff");
    assert!(json[1].get("type").is_none());
}
