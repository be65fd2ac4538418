//! `ofscope control` against switches good and bad: a test client speaks raw OpenFlow 1.0
//! over TCP to a control process of the test's own on a free loopback port. Bad clients
//! (garbage, a stalled message, one that never reads) are dropped with one log line while a
//! good switch connected at the same time keeps being answered; 200 switches at once are
//! served in bounded memory; a datapath that reconnects replaces its old connection; SIGTERM
//! ends the session with its summary. Each case takes a few seconds.

use std::io::Write;
use std::time::{Duration, Instant};

use ofscope_dissectors::openflow::error::{hfc, ofpet};
use ofscope_dissectors::openflow::header::HEADER_LEN;
use ofscope_dissectors::openflow::{Body, Message};

use ofscope::session::format_dpid;

use crate::control_support::{Control, Switch, PATIENCE};

/// Waits for control to close `bad` while `good` goes on trading echoes with it; the time
/// the drop took.
fn dropped_while_good_works(
    what: &str,
    bad: &mut Switch,
    good: &mut Switch,
    wait: Duration,
) -> Duration {
    let start = Instant::now();
    while !bad.closed_within(Duration::from_millis(50)) {
        assert!(
            start.elapsed() < wait,
            "{what}: not dropped within {wait:?}"
        );
        good.echo();
    }
    let took = start.elapsed();
    good.echo();
    took
}

#[test]
fn handshake_then_echo_with_the_same_xid_and_payload() {
    let mut control = Control::start(&[]);
    let mut switch = Switch::handshake(&control, 0x00ab_cdef_0102_0304);
    let line = control.wait_for_line(|l| l.contains("connected from"));
    assert!(line.contains("00:ab:cd:ef:01:02:03:04"), "{line}");
    assert!(line.contains(&switch.local().to_string()), "{line}");
    switch.send_xid(0xfeed_beef, Body::EchoRequest(b"payload \x00\xff".to_vec()));
    let reply = switch.expect("ECHO_REPLY", |m| matches!(m.body, Body::EchoReply(_)));
    assert_eq!(reply.header.xid, 0xfeed_beef);
    assert_eq!(reply.body, Body::EchoReply(b"payload \x00\xff".to_vec()));
    switch.echo();
}

/// Sends each case on a connection of its own and checks that control drops it, with one
/// line naming its address, within `wait`, while `good` keeps trading echoes.
fn each_is_dropped(control: &mut Control, cases: &[(&str, Vec<u8>)], wait: Duration) {
    let mut good = Switch::handshake(control, 1);
    for (what, bytes) in cases {
        let mut bad = Switch::connect(control);
        bad.stream.write_all(bytes).unwrap();
        let took = dropped_while_good_works(what, &mut bad, &mut good, wait);
        let line = control.drop_line(bad.local());
        eprintln!("{what}: dropped in {took:?}: {line}");
    }
}

/// A 16-byte HELLO of version 4 whose version bitmap offers 1.3 only (bit 4).
fn hello_13_only(xid: u8) -> Vec<u8> {
    vec![4, 0, 0, 16, 0, 0, 0, xid, 0, 1, 0, 8, 0, 0, 0, 0x10]
}

#[test]
fn bad_openflow_is_dropped_and_the_good_switch_keeps_working() {
    let mut control = Control::start(&[]);
    let cases = [
        ("a header of length 4", vec![1, 0, 0, 4, 0, 0, 0, 1]),
        ("an ECHO_REQUEST before HELLO", vec![1, 2, 0, 8, 0, 0, 0, 1]),
        ("a version 4 HELLO without 1.0", hello_13_only(2)),
    ];
    each_is_dropped(&mut control, &cases, PATIENCE);
    // The version 4 HELLO is told why before it goes.
    let mut bad = Switch::connect(&control);
    bad.stream.write_all(&hello_13_only(3)).unwrap();
    let error = bad.expect("ERROR", |m| matches!(m.body, Body::Error(_)));
    let Body::Error(error) = error.body else {
        unreachable!()
    };
    assert_eq!(
        (error.err_type, error.code),
        (ofpet::HELLO_FAILED, hfc::INCOMPATIBLE)
    );
    assert!(bad.closed_within(PATIENCE));
}

/// Bytes that are not OpenFlow at all are dropped on their first header, not after the idle
/// timeout (15 s here) spent waiting for the rest of a "message" whose length is whatever
/// those bytes happen to say.
#[test]
fn garbage_is_dropped_at_once_and_the_good_switch_keeps_working() {
    let mut control = Control::start(&[]);
    let cases = [
        // "GET " is version 0x47, type 0x45, length 0x5420: 27 bytes announcing 21,536.
        (
            "an HTTP request",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("pseudo-random bytes", pseudo_random(512)),
    ];
    each_is_dropped(&mut control, &cases, Duration::from_secs(1));
}

/// Bytes from a fixed xorshift sequence.
fn pseudo_random(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_be_bytes()[0]
        })
        .collect();
    // Not HELLO, announcing more than is sent: only content can tell it is not OpenFlow.
    bytes[1] |= 0x80;
    bytes[2] = 0xf0;
    bytes
}

#[test]
fn a_message_that_never_ends_is_dropped_within_the_idle_timeout() {
    // Silent for three echo intervals (1.5 s) is gone.
    let mut control = Control::start(&["--echo-interval", "0.5"]);
    let mut good = Switch::handshake(&control, 1);
    let mut stalled = Switch::connect(&control);
    stalled
        .stream
        .write_all(&[1, 0, 0xff, 0xff, 0, 0, 0, 1])
        .unwrap();
    let took = dropped_while_good_works(
        "a stalled message",
        &mut stalled,
        &mut good,
        Duration::from_secs(4),
    );
    assert!(
        took >= Duration::from_millis(1_400),
        "dropped before the timeout: {took:?}"
    );
    let line = control.drop_line(stalled.local());
    assert!(line.contains("65535"), "{line}");
}

#[test]
fn a_switch_that_never_reads_is_dropped_and_memory_stays_bounded() {
    let mut control = Control::start(&[]);
    let mut good = Switch::handshake(&control, 1);
    let before = control.rss_kib();
    let mut hog = Switch::handshake(&control, 2);
    // Echo requests of the largest size, each answered with as many bytes it never reads:
    // at most 64 MiB, far past what control may queue for it plus the sockets' buffers.
    let payload = vec![0x5a; usize::from(u16::MAX) - HEADER_LEN];
    let request = Message::new(9, Body::EchoRequest(payload)).emit();
    let start = Instant::now();
    let mut peak = before;
    let mut sent = 0usize;
    while sent < 64 << 20 && start.elapsed() < Duration::from_secs(10) {
        if let Err(e) = hog.stream.write_all(&request) {
            eprintln!("hog: {e}");
            break;
        }
        sent += request.len();
        if sent % (4 << 20) < request.len() {
            peak = peak.max(control.rss_kib());
            good.echo();
        }
    }
    assert!(
        hog.closed_within(PATIENCE),
        "not dropped after {sent} bytes"
    );
    let line = control.drop_line(hog.local());
    assert!(line.contains("stopped reading"), "{line}");
    good.echo();
    peak = peak.max(control.rss_kib());
    // What control holds for the hog is its send queue (MAX_OUTBOX, 4 MiB, which a
    // growing Vec may double) and a read chunk; the recording of what went by is decoded
    // as it comes (measured: 2 to 10 MiB over the start, dropped after 8 to 12 MB). 48 MiB
    // leaves room for the decoder lagging behind on a loaded machine; a queue without a
    // bound would let the hog go on to 64 MiB and hold nearly all of the answers.
    let grew = peak.saturating_sub(before);
    eprintln!("RSS {before} KiB before, peak {peak} KiB, {sent} bytes sent by the hog");
    assert!(
        grew < 48 << 10,
        "RSS grew by {grew} KiB: {before} -> {peak}"
    );
}

#[test]
fn two_hundred_switches_at_once_in_bounded_memory() {
    const SWITCHES: u64 = 200;
    // No keepalive traffic in the few seconds this takes.
    let mut control = Control::start(&["--echo-interval", "60"]);
    let idle = control.rss_kib();
    let mut switches: Vec<Switch> = (1..=SWITCHES)
        .map(|dpid| Switch::handshake(&control, dpid))
        .collect();
    for switch in &mut switches {
        switch.echo();
    }
    let serving = control.rss_kib();
    control.wait_for_line(|l| l.contains(&format!("switch {} connected", format_dpid(SWITCHES))));
    let connected = control
        .lines()
        .iter()
        .filter(|l| l.contains(" connected from "))
        .count();
    assert_eq!(connected, SWITCHES as usize);
    // An idle connection holds its socket, its app state (an empty MAC table) and at most a
    // read chunk (64 KiB) of buffer: 200 of them stay under 200 × 64 KiB = 12.5 MiB.
    let per_switch = serving.saturating_sub(idle) / SWITCHES;
    eprintln!(
        "RSS {idle} KiB idle, {serving} KiB with {SWITCHES} switches ({per_switch} KiB each)"
    );
    assert!(
        per_switch < 64,
        "{per_switch} KiB per switch: {idle} -> {serving} KiB"
    );
    drop(switches);
    let (status, lines) = control.terminate();
    assert!(status.success(), "{status}: {lines:?}");
}

#[test]
fn a_datapath_that_reconnects_replaces_its_old_connection() {
    let mut control = Control::start(&[]);
    let mut old = Switch::handshake(&control, 7);
    let mut new = Switch::handshake(&control, 7);
    assert!(
        old.closed_within(PATIENCE),
        "the old connection is still open"
    );
    let line = control.drop_line(old.local());
    assert!(line.contains(&new.local().to_string()), "{line}");
    new.echo();
}

#[test]
fn sigterm_closes_the_switches_and_prints_the_summary() {
    let control = Control::start(&[]);
    let mut switch = Switch::handshake(&control, 3);
    switch.echo();
    let (status, lines) = control.terminate();
    assert_eq!(status.code(), Some(0), "{lines:?}");
    let summary = lines
        .iter()
        .find(|l| l.contains("control: "))
        .expect("a summary");
    assert!(summary.contains("1 switch"), "{summary}");
    assert!(switch.closed_within(PATIENCE));
}

#[test]
fn a_bad_invocation_is_one_line_and_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    for (args, says) in [
        (vec!["control"], "missing --app"),
        (vec!["control", "--app", "nope"], "unknown app 'nope'"),
        (
            vec!["control", "--app", "learning", "--listen", "foo:bar"],
            "not a port or ADDR:PORT",
        ),
        (
            vec!["control", "--app", "learning", "--listen", &taken],
            "another controller has it",
        ),
        (
            vec!["control", "--app", "learning", "--echo-interval", "0"],
            "0.001",
        ),
    ] {
        let o = crate::common::command().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
