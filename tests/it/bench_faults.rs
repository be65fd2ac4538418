//! `ofscope bench` against controllers that fail: each ends with one clear line on stderr,
//! exit 2, within the `--timeout` it was given. The controllers are the test's own
//! listeners on free loopback ports.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ofscope_dissectors::openflow::{Body, Hello, Message};

use crate::common::{command, stderr};

/// A one-connection controller that runs `behave` on the switch's socket.
fn controller(behave: fn(TcpStream)) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp:{}", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            behave(stream);
        }
    });
    (target, thread)
}

/// Reads and drops what the switch sends until it hangs up.
fn drain(mut stream: TcpStream) {
    let mut buf = [0u8; 65536];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

fn handshake(stream: &mut TcpStream) {
    let mut hello = [0u8; 8];
    stream.read_exact(&mut hello).unwrap();
    stream
        .write_all(&Message::new(1, Body::Hello(Hello::default())).emit())
        .unwrap();
    stream
        .write_all(&Message::new(2, Body::FeaturesRequest).emit())
        .unwrap();
}

/// Runs the bench with `--timeout 1` (loops of 3 s in all) and returns its one stderr line.
fn fails(target: &str) -> String {
    let started = Instant::now();
    let out = command()
        .args([
            "bench",
            target,
            "--switches",
            "1",
            "--loops",
            "30",
            "--ms",
            "100",
        ])
        .args(["--warmup", "0", "--timeout", "1"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "bounded by --timeout"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].starts_with("ofscope: bench stopped after "),
        "{err}"
    );
    lines[0].to_string()
}

#[test]
fn a_refused_connection_says_so() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let line = fails(&format!("tcp:{port}"));
    assert!(line.contains("cannot connect to tcp:127.0.0.1:"), "{line}");
    assert!(line.contains("is the controller running"), "{line}");
}

#[test]
fn a_controller_that_closes_names_the_last_message_sent() {
    let (target, thread) = controller(|mut s| {
        let mut hello = [0u8; 8];
        let _ = s.read_exact(&mut hello);
    });
    let line = fails(&target);
    thread.join().unwrap();
    assert!(
        line.contains(
            "the controller closed the connection (the last message sent to it: HELLO xid 1"
        ),
        "{line}"
    );
}

#[test]
fn garbage_is_not_openflow() {
    let (target, thread) = controller(|mut s| {
        s.write_all(&[1, 0, 0, 3, 0, 0, 0, 0]).unwrap();
        drain(s);
    });
    let line = fails(&target);
    thread.join().unwrap();
    assert!(
        line.contains(
            "the controller sent not OpenFlow: a message header says its length is 3 bytes"
        ),
        "{line}"
    );
}

#[test]
fn an_openflow_13_only_controller_is_refused_by_version() {
    let (target, thread) = controller(|mut s| {
        // HELLO version 4 with a version bitmap of {1.3} only.
        s.write_all(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10])
            .unwrap();
        drain(s);
    });
    let line = fails(&target);
    thread.join().unwrap();
    assert!(
        line.contains("offers OpenFlow 1.3 and no OpenFlow 1.0"),
        "{line}"
    );
}

#[test]
fn a_controller_that_never_takes_the_switch_on_times_out() {
    let (target, thread) = controller(drain);
    let line = fails(&target);
    thread.join().unwrap();
    assert!(
        line.contains("1 of 1 switches got no FEATURES_REQUEST within 1.0 s"),
        "{line}"
    );
}

#[test]
fn a_controller_that_never_answers_times_out() {
    let (target, thread) = controller(|mut s| {
        handshake(&mut s);
        drain(s);
    });
    let line = fails(&target);
    thread.join().unwrap();
    // Latency mode sends one PacketIn per loop of 100 ms: about ten in the second it
    // waited. (It said "none of 0 PacketIns in flight" when the second ended just as a
    // loop began, which forgets the ones in flight.)
    let sent: u64 = line
        .split("answered none of the ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((1..=12).contains(&sent), "{line}");
    assert!(
        line.contains(" PacketIns sent for 1.0 s (--timeout)"),
        "{line}"
    );
}
