//! `ofscope live`: capture on loopback, bad input, and the message without CAP_NET_RAW.
//! Capturing needs root (or CAP_NET_RAW); without it those tests say so and pass.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::common::{command, hex, is_root, stderr, temp_dir};

fn needs_root(test: &str) -> bool {
    if !is_root() {
        eprintln!("skipping {test}: capturing needs root (CI runs as root)");
    }
    is_root()
}

/// Asserts the documented contract of bad input: one line on stderr, exit 2.
fn assert_one_line_exit_2(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(out.stdout.is_empty());
    err
}

#[test]
fn list_shows_loopback() {
    let out = command().args(["live", "--list"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lo = text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("lo"))
        .unwrap_or_else(|| panic!("no lo in:\n{text}"));
    assert!(lo.contains("loopback"), "{lo}");
}

#[test]
fn without_cap_net_raw_says_how_to_get_it() {
    if !needs_root("without_cap_net_raw_says_how_to_get_it") {
        return;
    }
    // Root with an empty bounding set has no capabilities at all after exec.
    let out = Command::new("setpriv")
        .args(["--inh-caps=-all", "--bounding-set=-all", "--"])
        .arg(env!("CARGO_BIN_EXE_ofscope"))
        .args(["live", "-i", "lo", "-c", "1"])
        .output();
    let out = match out {
        Ok(out) if !stderr(&out).starts_with("setpriv:") => out,
        _ => {
            eprintln!("skipping: setpriv is missing or may not drop capabilities here");
            return;
        }
    };
    let err = assert_one_line_exit_2(&out);
    assert!(err.contains("CAP_NET_RAW"), "{err}");
    assert!(
        err.contains("setcap cap_net_raw,cap_net_admin=eip $(which ofscope)"),
        "{err}"
    );
    assert!(err.contains("sudo ofscope"), "{err}");
}

#[test]
fn unknown_device_lists_the_devices() {
    if !needs_root("unknown_device_lists_the_devices") {
        return;
    }
    let out = command()
        .args(["live", "-i", "ofsl-nosuch0"])
        .output()
        .unwrap();
    let err = assert_one_line_exit_2(&out);
    assert!(err.contains("'ofsl-nosuch0'"), "{err}");
    let devices = err.split("devices here: ").nth(1).unwrap_or_default();
    assert!(devices.split(", ").any(|d| d.trim() == "lo"), "{err}");
}

#[test]
fn unwritable_save_file_says_why_once() {
    if !needs_root("unwritable_save_file_says_why_once") {
        return;
    }
    let out = command()
        .args(["live", "-i", "lo", "-w", "/nonexistent-dir/x.pcap"])
        .output()
        .unwrap();
    let err = assert_one_line_exit_2(&out);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("check the directory"), "{err}");
}

#[test]
fn bad_capture_filter_quotes_the_expression() {
    if !needs_root("bad_capture_filter_quotes_the_expression") {
        return;
    }
    let out = command()
        .args(["live", "-i", "lo", "-f", "tcp prot 6653"])
        .output()
        .unwrap();
    let err = assert_one_line_exit_2(&out);
    assert!(err.contains("-f"), "{err}");
    assert!(err.contains("'tcp prot 6653'"), "{err}");
    assert!(err.contains("syntax error"), "{err}");
}

#[test]
fn bad_display_filter_is_refused_before_capturing() {
    let out = command()
        .args(["live", "-i", "lo", "-Y", "of.type =="])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("-Y"), "{}", stderr(&out));
}

/// Starts a capture and waits for its "capturing on" line, so no frame is missed.
fn start_capture(args: &[&str]) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("capturing on lo"), "{line}");
    (child, err)
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A controller and a switch on loopback: HELLO both ways, FEATURES_REQUEST, an
/// ECHO_REQUEST and its reply, on a port of our own so other traffic stays out.
fn openflow_exchange(listener: TcpListener) {
    let address = listener.local_addr().unwrap();
    let controller = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(&hex("010000080000000a")).unwrap();
        conn.write_all(&hex("010500080000000b")).unwrap();
        let mut buf = [0u8; 16];
        conn.read_exact(&mut buf).unwrap();
        conn.write_all(&hex("010300080000000d")).unwrap();
        // Wait for the switch to close, so the capture sees the whole session.
        let _ = conn.read(&mut buf);
    });
    let mut switch = TcpStream::connect(address).unwrap();
    let mut buf = [0u8; 16];
    switch.read_exact(&mut buf).unwrap();
    switch
        .write_all(&hex("0100000800000014010200080000000c"))
        .unwrap();
    switch.read_exact(&mut buf[..8]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(switch);
    controller.join().unwrap();
}

fn xids_and_types(jsonl: &str) -> Vec<(String, u64, String)> {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["type"].as_str().unwrap().to_owned(),
                v["xid"].as_u64().unwrap(),
                v["from"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What a live capture on loopback printed while `traffic` ran on a listener of its own:
/// its port, stdout and stderr. `extra` options come after the port and filter.
fn capture_while(extra: &[&str], traffic: impl FnOnce(TcpListener)) -> (String, String, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port_arg = listener.local_addr().unwrap().port().to_string();
    let filter = format!("tcp port {port_arg}");
    let mut args = vec!["live", "-i", "lo", "--port", &port_arg, "-f", &filter];
    args.extend_from_slice(extra);
    let (mut child, mut err) = start_capture(&args);
    traffic(listener);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let mut live = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut live)
        .unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    (port_arg, live, rest)
}

/// What a live capture on loopback of one [`openflow_exchange`] printed: its port, stdout
/// and stderr. `extra` options (the format among them) come before `-w saved`.
fn capture_exchange(extra: &[&str], saved: &Path) -> (String, String, String) {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["-w", saved.to_str().unwrap()]);
    capture_while(&args, openflow_exchange)
}

/// What a live capture on loopback printed (stdout, stderr) for `messages` ((from the
/// switch, bytes)) sent between a switch and a controller, with `extra` options.
pub fn capture_session(extra: &[&str], messages: &[(bool, Vec<u8>)]) -> (String, String) {
    let (_, live, rest) = capture_while(extra, |listener| {
        let mut switch = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut controller, _) = listener.accept().unwrap();
        for (from_switch, bytes) in messages {
            let side = if *from_switch {
                &mut switch
            } else {
                &mut controller
            };
            side.write_all(bytes).unwrap();
            // Each message in a segment of its own, in this order.
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    (live, rest)
}

/// `ofscope pcap -T jsonl` of a saved capture.
fn offline_jsonl(port_arg: &str, saved: &Path) -> String {
    let offline = command()
        .args(["pcap", "--port", port_arg, "-T", "jsonl"])
        .arg(saved)
        .output()
        .unwrap();
    assert!(offline.status.success(), "{}", stderr(&offline));
    String::from_utf8(offline.stdout).unwrap()
}

#[test]
fn captures_on_loopback_and_saves_what_it_showed() {
    if !needs_root("captures_on_loopback_and_saves_what_it_showed") {
        return;
    }
    let saved = temp_dir("live").join("loopback.pcap");
    let (port_arg, live, rest) = capture_exchange(&["-T", "jsonl"], &saved);

    let expected = [
        ("HELLO", 0x0a, "controller"),
        ("FEATURES_REQUEST", 0x0b, "controller"),
        ("HELLO", 0x14, "switch"),
        ("ECHO_REQUEST", 0x0c, "switch"),
        ("ECHO_REPLY", 0x0d, "controller"),
    ];
    let got = xids_and_types(&live);
    let want: Vec<(String, u64, String)> = expected
        .iter()
        .map(|(t, x, f)| (t.to_string(), *x, f.to_string()))
        .collect();
    assert_eq!(got, want, "{live}");
    assert!(
        rest.contains("5 OpenFlow messages; 0 dropped by the kernel"),
        "{rest}"
    );

    // The saved file holds the same session, frame numbers and timestamps included.
    assert_eq!(offline_jsonl(&port_arg, &saved), live);
}

#[test]
fn frames_beyond_the_queue_are_saved_and_counted_as_dropped() {
    if !needs_root("frames_beyond_the_queue_are_saved_and_counted_as_dropped") {
        return;
    }
    let saved = temp_dir("live").join("unqueued.pcap");
    // No room in the queue at all: every frame is saved, none decoded.
    let (port_arg, live, rest) = capture_exchange(&["-T", "jsonl", "--queue-size", "0"], &saved);
    assert_eq!(live, "");
    assert_eq!(offline_jsonl(&port_arg, &saved).lines().count(), 5);
    let frames: u64 = rest
        .split(" frames captured")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no frame count in {rest}"));
    assert!(frames >= 5, "{rest}");
    assert!(
        rest.contains(&format!(
            "{frames} frames captured, 0 OpenFlow messages; 0 dropped by the kernel, 0 by the interface, {frames} by the queue"
        )),
        "{rest}"
    );
}

#[test]
fn live_times_count_from_the_first_frame_as_pcap_does() {
    if !needs_root("live_times_count_from_the_first_frame_as_pcap_does") {
        return;
    }
    let saved = temp_dir("live").join("times.pcap");
    // Under a filter that hides the first messages, and in each format of -t, the text
    // lines are those `ofscope pcap` prints of the saved capture: relative times count
    // from its first frame (the TCP SYN), not from the first message shown.
    let filter = "of.type == ECHO_REQUEST || of.type == ECHO_REPLY";
    for format in ["r", "d", "e"] {
        let (port_arg, live, rest) = capture_exchange(&["-Y", filter, "-t", format], &saved);
        assert_eq!(live.lines().count(), 2, "{live}{rest}");
        let offline = command()
            .args(["pcap", "--port", &port_arg, "-Y", filter, "-t", format])
            .arg(&saved)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&offline.stdout),
            live,
            "-t {format}"
        );
        if format == "r" {
            let first = live.split_whitespace().nth(1).unwrap_or_default();
            assert_ne!(first, "0.000000", "{live}");
        }
    }
}
