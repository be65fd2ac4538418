//! `replay --into`: a recording played to a live controller on loopback. Against `ofscope
//! control` running the apps that model the recorded controller, it decides as app replay
//! does, decision for decision; a golden of it round-trips, and another logic fails it.
//! Faulty controllers (silent, hung, gone, garbage) end the run with what was compared,
//! exit 2, within the timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::thread;
use std::time::{Duration, Instant};

use ofscope_dissectors::openflow::action::Action;
use ofscope_dissectors::openflow::header::HEADER_LEN;
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{Body, Hello, Message, PacketOut, NO_BUFFER};

use crate::common::{ofscope, sample, stderr, stdout, temp_dir};
use crate::control_support::Control;

const VIP: &str = "ip=10.0.0.254,mac=02:00:00:00:00:fe";

/// The apps that model each sample's recorded controller (docs/replay.md).
fn apps_of(name: &str) -> Vec<String> {
    match name {
        "basic" => vec!["learning:variant=ovs".into()],
        _ => vec![
            format!("arp:{VIP}"),
            format!("ping:{VIP}"),
            "learning:variant=simple,idle=5".into(),
        ],
    }
}

fn into(capture: &str, control: &Control, extra: &[&str]) -> Output {
    let target = format!("tcp:{}", control.addr);
    let mut args = vec!["replay", capture, "--into", &target, "--speed", "inf"];
    args.extend_from_slice(extra);
    ofscope(&args)
}

#[test]
fn against_control_with_the_same_apps_every_decision_is_the_apps_own() {
    let dir = temp_dir("replay-into-apps");
    for name in ["basic", "osken-vip"] {
        let capture = sample(&format!("{name}.pcap"));
        let apps = apps_of(name);
        let golden = dir.join(format!("{name}.apps.golden.json"));
        let golden = golden.to_str().unwrap();
        let mut args = vec!["replay", &capture, "--update", golden];
        for app in &apps {
            args.extend(["--app", app]);
        }
        let made = ofscope(&args);
        assert!(made.status.success(), "{}", stderr(&made));

        let app_refs: Vec<&str> = apps.iter().map(String::as_str).collect();
        let control = Control::with_apps(&app_refs, &["-q"]);
        let checked = into(&capture, &control, &["--lockstep", "--assert", golden]);
        assert_eq!(
            checked.status.code(),
            Some(0),
            "{name}: {}{}",
            stdout(&checked),
            stderr(&checked)
        );
        assert!(
            stdout(&checked).contains("decisions match"),
            "{}",
            stdout(&checked)
        );

        // The same controller against the recording: what app replay finds (100 %).
        let against = into(&capture, &control, &["--lockstep", "--against-recording"]);
        let text = stdout(&against);
        assert!(
            text.starts_with("agreement with the recorded controller: 100.00% ("),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_golden_of_a_controller_round_trips_and_another_logic_fails_it() {
    let dir = temp_dir("replay-into-golden");
    let golden = dir.join("basic.ctl.golden.json");
    let golden = golden.to_str().unwrap();
    let capture = sample("basic.pcap");
    let control = Control::with_apps(&["learning:variant=ovs"], &["-q"]);
    let made = into(&capture, &control, &["--lockstep", "--update", golden]);
    assert!(made.status.success(), "{}", stderr(&made));
    let text = std::fs::read_to_string(golden).unwrap();
    let target = format!("\"target\": \"tcp:{}\"", control.addr);
    assert!(text.contains(&target), "{text}");
    assert!(!text.contains("\"apps\""), "{text}");
    assert!(text.contains("\"capture\": \""), "{text}");

    // The golden names its capture and controller: --assert alone replays it.
    let again = ofscope(&["replay", "--assert", golden, "--lockstep", "--speed", "inf"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));

    // The same switch without flows (ovs-testcontroller --noflow): exit 1 and a diff that
    // shows the FLOW_MODs gone.
    let noflow = Control::with_apps(&["learning:variant=ovs,flows=none"], &["-q"]);
    let changed = into(&capture, &noflow, &["--lockstep", "--assert", golden]);
    let report = stdout(&changed);
    assert_eq!(
        changed.status.code(),
        Some(1),
        "{report}{}",
        stderr(&changed)
    );
    assert!(
        report.contains("replay differs from the golden file"),
        "{report}"
    );
    assert!(report.contains("\n-     FLOW_MOD ADD "), "{report}");
    assert!(report.contains("(- golden, + replay)"), "{report}");
}

#[test]
fn text_and_jsonl_decisions_are_app_replays_format() {
    let capture = sample("basic.pcap");
    let control = Control::with_apps(&["learning:variant=ovs"], &["-q"]);
    let live = into(&capture, &control, &["--lockstep", "-T", "jsonl"]);
    let apps = ofscope(&[
        "replay",
        &capture,
        "--app",
        "learning:variant=ovs",
        "-T",
        "jsonl",
    ]);
    assert!(live.status.success(), "{}", stderr(&live));
    assert_eq!(stdout(&live), stdout(&apps));
    assert!(stderr(&live).contains("replay: 18 PacketIns reached the controller"));
    let text = into(&capture, &control, &["--lockstep"]);
    let text = stdout(&text);
    assert!(
        text.contains("PACKET_IN dpid 00:00:00:00:00:00:00:01 in_port 2 | ARP reply 10.0.0.2 is-at 00:00:00:00:00:02\n    FLOW_MOD ADD "),
        "{text}"
    );
}

#[test]
fn closed_loop_sends_only_what_the_controllers_flows_miss() {
    // pc-c-noflow was recorded with no flows: every frame reached the controller. Played
    // to a controller that installs flows, most of them are forwarded by the emulated
    // switch, as app replay's closed loop finds.
    let capture = sample("pc-c-noflow.pcap");
    let control = Control::with_apps(&["learning:variant=pyswitch-all"], &["-q"]);
    let live = into(&capture, &control, &["--lockstep", "--closed-loop", "-q"]);
    let apps = ofscope(&[
        "replay",
        &capture,
        "--app",
        "learning:variant=pyswitch-all",
        "--closed-loop",
        "-q",
    ]);
    assert!(live.status.success(), "{}", stderr(&live));
    assert_eq!(
        stdout(&live),
        "replay: 8 PacketIns reached the controller, 5 flows installed, 4 floods, 38 frames forwarded by flows\n"
    );
    assert_eq!(stdout(&live), stdout(&apps));
}

// ---------------------------------------------------------------- faults

/// How a fake controller misbehaves.
#[derive(Clone, Copy)]
enum Fault {
    /// Accepts and says nothing, not even HELLO.
    Mute,
    /// Does the handshake, reads PacketIns, then reads and answers nothing.
    Hangs,
    /// Does the handshake, floods this many PacketIns, then closes the connection.
    ClosesAfter(usize),
    /// Does the handshake, then sends text that is not OpenFlow.
    Garbage,
}

fn read_message(stream: &mut TcpStream) -> Option<Message> {
    let mut header = [0u8; HEADER_LEN];
    stream.read_exact(&mut header).ok()?;
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let mut bytes = header.to_vec();
    bytes.resize(len.max(HEADER_LEN), 0);
    stream.read_exact(&mut bytes[HEADER_LEN..]).ok()?;
    Some(Message::parse(&bytes))
}

fn send(stream: &mut TcpStream, xid: u32, body: Body) {
    let _ = stream.write_all(&Message::new(xid, body).emit());
}

/// A controller on a loopback port of its own, serving one connection with `fault`; it
/// holds the connection at most `hold`.
fn fake_controller(fault: Fault, hold: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        stream.set_read_timeout(Some(hold)).unwrap();
        if let Fault::Mute = fault {
            thread::sleep(hold);
            return;
        }
        send(&mut stream, 1, Body::Hello(Hello::default()));
        send(&mut stream, 2, Body::FeaturesRequest);
        let mut packet_ins = 0;
        while let Some(message) = read_message(&mut stream) {
            match (&message.body, fault) {
                (Body::FeaturesReply(_), Fault::Garbage) => {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n<html>");
                }
                (Body::PacketIn(pin), Fault::ClosesAfter(n)) => {
                    let flood = PacketOut {
                        buffer_id: NO_BUFFER,
                        in_port: pin.in_port,
                        actions: vec![Action::Output {
                            port: ofpp::FLOOD,
                            max_len: 0,
                        }],
                        data: pin.data.clone(),
                    };
                    send(&mut stream, 9, Body::PacketOut(flood));
                    packet_ins += 1;
                    if packet_ins == n {
                        return;
                    }
                }
                (Body::PacketIn(_), Fault::Hangs) => {
                    thread::sleep(hold);
                    return;
                }
                _ => {}
            }
        }
    });
    addr
}

/// `replay basic.pcap --into ADDR --timeout 1 --against-recording`, with how long it took.
fn into_fake(addr: SocketAddr) -> (Output, Duration) {
    let started = Instant::now();
    let out = ofscope(&[
        "replay",
        &sample("basic.pcap"),
        "--into",
        &format!("tcp:{addr}"),
        "--speed",
        "inf",
        "--lockstep",
        "--timeout",
        "1",
        "--against-recording",
    ]);
    (out, started.elapsed())
}

/// Exit 2 within a few seconds, one line saying why, and the comparison of what was sent.
fn assert_stopped(out: &Output, took: Duration, why: &str) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{}{err}", stdout(out));
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(err.contains("replay --into tcp:127.0.0.1:"), "{err}");
    assert!(err.contains(why), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let text = stdout(out);
    assert!(
        text.starts_with("agreement with the recorded controller: "),
        "{text}"
    );
    text
}

#[test]
fn a_controller_that_dies_mid_replay_ends_it_with_what_was_compared() {
    let (out, took) = into_fake(fake_controller(
        Fault::ClosesAfter(3),
        Duration::from_secs(10),
    ));
    let text = assert_stopped(
        &out,
        took,
        "the controller closed the connection (the last message sent to it: PACKET_IN",
    );
    // The FEATURES_REPLY and the three PacketIns it answered, at least, were compared; the
    // rest of the recording was not.
    let compared: usize = text
        .split(" of ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!((4..21).contains(&compared), "{text}");
}

#[test]
fn a_controller_that_says_nothing_ends_the_run_at_the_timeout() {
    let (out, took) = into_fake(fake_controller(Fault::Mute, Duration::from_secs(10)));
    assert_stopped(&out, took, "did not finish the handshake");
    let (out, took) = into_fake(fake_controller(Fault::Hangs, Duration::from_secs(10)));
    assert_stopped(
        &out,
        took,
        "stopped answering: no reply to an ECHO_REQUEST in 1 s",
    );
}

#[test]
fn a_controller_that_sends_garbage_ends_the_run() {
    let (out, took) = into_fake(fake_controller(Fault::Garbage, Duration::from_secs(10)));
    assert_stopped(&out, took, "the controller sent ");
}

#[test]
fn no_controller_is_said_after_the_timeout() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (out, took) = into_fake(addr);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot connect to tcp:127.0.0.1:"), "{err}");
    assert!(err.contains("tried for 1 s"), "{err}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
