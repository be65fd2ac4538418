//! Names a switch sends (port names, DESC strings) reach the terminal escaped: no control
//! character, no bidirectional override, and one line per message (issue: a port named
//! `ESC]0;PWNED BEL ESC[2J` retitled and cleared the analyst's terminal; a newline forged
//! a line).
use crate::common::{keep_for_fuzzing, ofscope, stdout, temp_dir};
use crate::stream_support::Session;
use ofscope::capture::LinkType;

const HOSTILE: &[u8] = b"\x1b]0;PWNED\x07\x1b[2J\nforged\r\xc2\x9b\xe2\x80\xae";

/// An OpenFlow 1.0 message of `msg_type` with `body`.
fn message(msg_type: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let len = (8 + body.len()) as u16;
    let mut m = vec![1, msg_type];
    m.extend_from_slice(&len.to_be_bytes());
    m.extend_from_slice(&xid.to_be_bytes());
    m.extend_from_slice(body);
    m
}

/// A port (ofp_phy_port, 48 bytes) named with the hostile bytes.
fn port(port_no: u16) -> Vec<u8> {
    let mut p = port_no.to_be_bytes().to_vec();
    p.extend_from_slice(&[2, 0, 0, 0, 0, port_no as u8]);
    let mut name = HOSTILE.to_vec();
    name.resize(16, 0);
    p.extend_from_slice(&name);
    p.resize(48, 0);
    p
}

fn hostile_capture() -> Vec<u8> {
    let mut s = Session::new("10.0.0.1:40000", "10.0.0.2:6633", LinkType::RAW);
    s.handshake();
    s.send(true, &message(0, 1, &[]));
    s.send(false, &message(0, 1, &[]));
    s.send(false, &message(5, 2, &[]));
    let mut features = 1u64.to_be_bytes().to_vec();
    features.extend_from_slice(&[0, 0, 1, 0, 254, 0, 0, 0, 0, 0, 0, 0xc7, 0, 0, 0x0f, 0xff]);
    features.extend(port(1));
    s.send(true, &message(6, 2, &features));
    // PORT_STATUS: reason, 7 bytes of padding, the port.
    let mut status = vec![2, 0, 0, 0, 0, 0, 0, 0];
    status.extend(port(1));
    s.send(true, &message(12, 0, &status));
    // DESC stats reply: type 0, flags 0, then five strings (256, 256, 256, 32, 256).
    let mut desc = vec![0, 0, 0, 0];
    for len in [256, 256, 256, 32, 256] {
        let mut text = HOSTILE.to_vec();
        text.resize(len, 0);
        desc.extend(text);
    }
    s.send(true, &message(17, 3, &desc));
    s.bytes()
}

#[test]
fn names_from_a_switch_are_escaped_in_every_text_mode() {
    let dir = temp_dir("hostile-names");
    let path = dir.join("hostile.pcap");
    let capture = hostile_capture();
    keep_for_fuzzing("capture_file", &capture);
    std::fs::write(&path, capture).unwrap();
    let path = path.to_str().unwrap();
    let messages = 6;
    for (args, lines) in [
        (vec!["pcap", path, "--print"], Some(messages)),
        (vec!["pcap", path, "--print", "-V"], None),
        (vec!["pcap", path, "-q", "--stats"], None),
    ] {
        let out = ofscope(&args);
        assert!(out.status.success(), "{args:?}");
        let text = stdout(&out);
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || ('\u{2028}'..='\u{202e}').contains(&c))
            .collect();
        assert!(bad.is_empty(), "{args:?}: {bad:?} in\n{text}");
        assert!(text.contains("\\x1b]0;PWNED\\x07"), "{args:?}: {text}");
        if let Some(lines) = lines {
            assert_eq!(text.lines().count(), lines, "{text}");
        }
        // No line starts with the forged text.
        assert!(!text.lines().any(|l| l.starts_with("forged")), "{text}");
    }
    std::fs::remove_dir_all(dir).ok();
}
