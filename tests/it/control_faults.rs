//! `ofscope control` against switches good and bad: a test client speaks raw OpenFlow 1.0
//! over TCP to a control process of the test's own on a free loopback port. Bad clients
//! (garbage, a stalled message, one that never reads) are dropped with one log line while a
//! good switch connected at the same time keeps being answered; 200 switches at once are
//! served in bounded memory; a datapath that reconnects replaces its old connection; SIGTERM
//! ends the session with its summary. Each case takes a few seconds.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ofscope_dissectors::openflow::error::{hfc, ofpet};
use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::header::HEADER_LEN;
use ofscope_dissectors::openflow::{Body, FeaturesReply, Hello, Message};

use ofscope::session::format_dpid;

use crate::common::ROOT;

/// How long any single expected thing may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(5);

/// A control process of this test, killed (by its PID) at the end if still running.
struct Control {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Control {
    /// `ofscope control --app learning:variant=pox --listen 127.0.0.1:0 EXTRA...`, once it
    /// says where it listens.
    fn start(extra: &[&str]) -> Control {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ofscope"))
            .current_dir(ROOT)
            .args(["control", "--app", "learning:variant=pox"])
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ofscope control");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = BufReader::new(child.stderr.take().unwrap());
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in pipe.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut control = Control {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        let line = control.wait_for_line(|l| l.contains("listening on"));
        let addr = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split([' ', ',']).next())
            .and_then(|a| a.parse().ok());
        control.addr = addr.unwrap_or_else(|| panic!("no address in: {line}"));
        control
    }

    fn lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// The first stderr line that `pred` accepts, waiting up to [`PATIENCE`] for it.
    fn wait_for_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| pred(l)) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("control exited ({status}): {:?}", self.lines());
            }
            assert!(Instant::now() < deadline, "not said: {:?}", self.lines());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The one line that says the connection from ADDR (a client's address) was dropped,
    /// once it is said.
    fn drop_line(&mut self, addr: SocketAddr) -> String {
        let about = |l: &str| l.contains(&addr.to_string()) && l.contains("dropped");
        let line = self.wait_for_line(about);
        let lines: Vec<String> = self.lines().into_iter().filter(|l| about(l)).collect();
        assert_eq!(lines, std::slice::from_ref(&line));
        line
    }

    /// Its resident memory, in KiB, from /proc.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// SIGTERM, then its exit status and everything it said.
    fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(kill.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "control did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader thread has the rest once the pipe closes.
        let deadline = Instant::now() + PATIENCE;
        while !self.lines().iter().any(|l| l.contains("control: ")) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        (status, self.lines())
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("control said: {:#?}", self.lines());
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A switch of the test: OpenFlow 1.0 framing over a blocking socket, reads bounded by a
/// deadline. It answers control's ECHO_REQUEST and BARRIER_REQUEST wherever it reads.
struct Switch {
    stream: TcpStream,
    next_xid: u32,
}

impl Switch {
    fn connect(control: &Control) -> Switch {
        let stream = TcpStream::connect(control.addr).expect("connect to control");
        stream.set_nodelay(true).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        Switch {
            stream,
            next_xid: 0x5000,
        }
    }

    fn local(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    fn send(&mut self, body: Body) -> u32 {
        self.next_xid += 1;
        let xid = self.next_xid;
        self.send_xid(xid, body);
        xid
    }

    fn send_xid(&mut self, xid: u32, body: Body) {
        self.stream
            .write_all(&Message::new(xid, body).emit())
            .unwrap();
    }

    /// The next message, `Ok(None)` when control closed the connection.
    fn recv(&mut self, deadline: Instant) -> io::Result<Option<Message>> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let mut header = [0u8; HEADER_LEN];
        match self.stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if is_closed(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let mut bytes = header.to_vec();
        bytes.resize(len.max(HEADER_LEN), 0);
        match self.stream.read_exact(&mut bytes[HEADER_LEN..]) {
            Ok(()) => Ok(Some(Message::parse(&bytes))),
            Err(e) if is_closed(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The first message `pred` accepts, answering keepalives and barriers on the way.
    fn expect(&mut self, what: &str, pred: impl Fn(&Message) -> bool) -> Message {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let message = match self.recv(deadline) {
                Ok(Some(message)) => message,
                Ok(None) => panic!("control closed the connection while we waited for {what}"),
                Err(e) => panic!("no {what} within {PATIENCE:?}: {e}"),
            };
            if pred(&message) {
                return message;
            }
            self.answer(&message);
        }
    }

    fn answer(&mut self, message: &Message) {
        let xid = message.header.xid;
        match &message.body {
            Body::EchoRequest(data) => self.send_xid(xid, Body::EchoReply(data.clone())),
            Body::BarrierRequest => self.send_xid(xid, Body::BarrierReply),
            _ => {}
        }
    }

    /// HELLO both ways, FEATURES_REQUEST answered with DPID, and the app's connect messages
    /// (learning:variant=pox: SET_CONFIG, a FLOW_MOD deleting every flow, a BARRIER).
    fn handshake(control: &Control, dpid: u64) -> Switch {
        let mut switch = Switch::connect(control);
        switch.send(Body::Hello(Hello::default()));
        let hello = switch.expect("HELLO", |m| matches!(m.body, Body::Hello(_)));
        assert_eq!(hello.header.version, 1);
        let request = switch.expect("FEATURES_REQUEST", |m| {
            matches!(m.body, Body::FeaturesRequest)
        });
        let features = FeaturesReply {
            datapath_id: dpid,
            n_buffers: 256,
            n_tables: 1,
            ..FeaturesReply::default()
        };
        switch.send_xid(request.header.xid, Body::FeaturesReply(features));
        switch.expect("SET_CONFIG", |m| matches!(m.body, Body::SetConfig(_)));
        let delete = switch.expect("FLOW_MOD", |m| matches!(m.body, Body::FlowMod(_)));
        assert!(matches!(delete.body, Body::FlowMod(f) if f.command == ofpfc::DELETE));
        let barrier = switch.expect("BARRIER_REQUEST", |m| {
            matches!(m.body, Body::BarrierRequest)
        });
        switch.answer(&barrier);
        switch
    }

    /// ECHO_REQUEST with a payload of its own; the reply has its xid and payload.
    fn echo(&mut self) {
        let payload = format!("ofscope-test {}", self.next_xid).into_bytes();
        let xid = self.send(Body::EchoRequest(payload.clone()));
        let reply = self.expect("ECHO_REPLY", |m| matches!(m.body, Body::EchoReply(_)));
        assert_eq!(reply.header.xid, xid);
        assert_eq!(reply.body, Body::EchoReply(payload));
    }

    /// Whether control has closed this connection, looking for up to `wait`; messages it
    /// sent before are skipped.
    fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            match self.recv(deadline) {
                Ok(None) => return true,
                Ok(Some(_)) => {}
                Err(_) => return false,
            }
        }
    }
}

/// Whether a read failed because the peer closed (a reset when it closed with our bytes
/// unread).
fn is_closed(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
    )
}

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
