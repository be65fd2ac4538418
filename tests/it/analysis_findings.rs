//! Every finding kind: a crafted session (or a real sample) that triggers it, and one where
//! it must not fire. Also: memory stays bounded while PacketIns pile up.

use crate::common::{analyse, hex, sample, temp_dir, tools_present, ROOT};
use ofscope::analysis::bounds::{Bounds, Table};
use ofscope::analysis::findings::{Kind, KINDS};
use ofscope::analysis::{Analyzer, Config};
use ofscope::session::{OfRecord, Session, SessionEvent};
use ofscope::stream::{ConnId, Direction, GapReason, RoleSource, StreamConfig, StreamEvent};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{
    Action, Body, ErrorMsg, FeaturesReply, FlowMod, Hello, Match, Message, PacketIn, PacketOut,
    NO_BUFFER,
};

const MS: u64 = 1_000_000;
const DPID: u64 = 1;

/// Builds a session message by message; time in ms.
struct Script {
    events: Vec<SessionEvent>,
    index: u64,
    /// The connection the next messages go on (switch `DPID + conn`).
    conn: u32,
    /// Each connection's dpid as the session binds it: from its FEATURES_REPLY (of any
    /// version) on.
    dpids: std::collections::HashMap<u32, u64>,
}

impl Script {
    fn new() -> Script {
        Script {
            events: Vec::new(),
            index: 0,
            conn: 0,
            dpids: std::collections::HashMap::new(),
        }
    }

    /// The next messages go on connection `conn`.
    fn on(&mut self, conn: u32) -> &mut Script {
        self.conn = conn;
        self
    }

    fn msg(&mut self, ms: u64, from_switch: bool, message: Message) -> &mut Script {
        let bytes = message.emit();
        self.cut_msg(ms, from_switch, message, bytes)
    }

    /// A message of which the capture kept only `bytes` (fewer than its header says when
    /// the capture cut it).
    fn cut_msg(
        &mut self,
        ms: u64,
        from_switch: bool,
        message: Message,
        bytes: Vec<u8>,
    ) -> &mut Script {
        self.index += 1;
        if let Some(dpid) = message.datapath_id() {
            self.dpids.insert(self.conn, dpid);
        }
        self.events.push(SessionEvent::Record(OfRecord {
            index: self.index,
            frames: vec![self.index],
            frame: self.index,
            ts_ns: 1_000_000 * MS + ms * MS,
            conn: ConnId(self.conn),
            direction: if from_switch {
                Direction::SwitchToController
            } else {
                Direction::ControllerToSwitch
            },
            dpid: self.dpids.get(&self.conn).copied(),
            bytes,
            message,
        }));
        self
    }

    fn switch(&mut self, ms: u64, body: Body) -> &mut Script {
        self.msg(ms, true, Message::new(0, body))
    }

    fn controller(&mut self, ms: u64, body: Body) -> &mut Script {
        self.msg(ms, false, Message::new(0, body))
    }

    /// HELLO both ways and FEATURES_REPLY: the switch is known from message 4 on.
    fn handshake(&mut self) -> &mut Script {
        let dpid = DPID + u64::from(self.conn);
        self.switch(0, Body::Hello(Hello::default()))
            .controller(0, Body::Hello(Hello::default()))
            .controller(1, Body::FeaturesRequest)
            .switch(
                2,
                Body::FeaturesReply(FeaturesReply {
                    datapath_id: dpid,
                    ..FeaturesReply::default()
                }),
            )
    }

    fn stream(&mut self, e: StreamEvent) -> &mut Script {
        self.events.push(SessionEvent::Stream(e));
        self
    }

    fn run(&self) -> Analyzer {
        let mut a = Analyzer::new(Config::default());
        for e in &self.events {
            a.feed(e);
        }
        a.finish();
        a
    }
}

fn count(a: &Analyzer, kind: &str) -> u64 {
    a.findings()
        .total(Kind::named(kind).expect("a finding kind"))
}

/// ICMP echo request from `src` (last MAC byte) to host 2.
fn ping_from(src: u8) -> Vec<u8> {
    hex(&format!(
        "000000000002 0000000000{src:02x} 0800
         45 00 001c 0001 0000 40 01 0000 0a0000{src:02x} 0a000002
         08 00 0000 1234 0001"
    ))
}

fn packet_in(data: Vec<u8>, in_port: u16, buffer_id: u32) -> Body {
    Body::PacketIn(PacketIn {
        buffer_id,
        total_len: data.len() as u16,
        in_port,
        reason: 0,
        data,
    })
}

fn packet_out(data: Vec<u8>, in_port: u16, port: u16, buffer_id: u32) -> Body {
    Body::PacketOut(PacketOut {
        buffer_id,
        in_port,
        actions: vec![Action::output(port)],
        data,
    })
}

#[test]
fn clean_session_has_no_findings() {
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(11, packet_out(ping_from(1), 1, 2, NO_BUFFER))
        .controller(20, Body::EchoRequest(vec![1]))
        .switch(21, Body::EchoReply(vec![1]));
    let a = s.run();
    assert!(a.findings().list().is_empty(), "{:?}", a.findings().list());
    let sw = &a.switches().values().next().unwrap();
    assert_eq!(sw.packet_in.summary().pairs, 1);
    assert_eq!(sw.packet_in.summary().min_ns, MS);
    assert_eq!(sw.echo.summary().pairs, 1);
}

#[test]
fn malformed() {
    let mut s = Script::new();
    s.handshake();
    // A FLOW_MOD whose header says 8 bytes: no room for the match.
    s.msg(5, false, Message::parse(&hex("010e0008 00000001")));
    assert_eq!(count(&s.run(), "malformed"), 1);
    let mut ok = Script::new();
    ok.handshake()
        .controller(5, Body::FlowMod(FlowMod::default()));
    assert_eq!(count(&ok.run(), "malformed"), 0);
}

#[test]
fn tcp_gap_and_truncated_message() {
    let mut s = Script::new();
    s.handshake().stream(StreamEvent::Gap {
        conn: ConnId(0),
        direction: Direction::SwitchToController,
        frame: 9,
        skipped_bytes: 100,
        reason: GapReason::Lost,
    });
    // A PACKET_IN whose header says 100 bytes, of which the capture kept 10.
    s.msg(10, true, Message::parse(&[1, 10, 0, 100, 0, 0, 0, 0, 0, 0]));
    let a = s.run();
    assert_eq!(count(&a, "tcp_gap"), 1);
    assert_eq!(count(&a, "truncated_message"), 1);
    let mut ok = Script::new();
    ok.handshake().stream(StreamEvent::Retransmission {
        conn: ConnId(0),
        direction: Direction::SwitchToController,
        frame: 9,
        bytes: 100,
    });
    let a = ok.run();
    assert_eq!(count(&a, "tcp_gap"), 0);
    assert_eq!(count(&a, "truncated_message"), 0);
    // Real: the 96-byte snaplen sample cuts messages; a whole capture does not.
    assert!(count(&analyse(sample("snap96.pcap")), "truncated_message") > 0);
    assert_eq!(count(&analyse(sample("basic.pcap")), "tcp_gap"), 0);
}

#[test]
fn unanswered_packet_in() {
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        // Answered too late: 1.5 s after.
        .controller(1510, packet_out(ping_from(1), 1, 2, NO_BUFFER));
    let a = s.run();
    assert_eq!(count(&a, "unanswered_packet_in"), 1);
    let sw = a.switches().values().next().unwrap();
    assert_eq!(sw.packet_in.summary().unanswered, 1);
    // The noflow sample: every PacketIn is answered.
    assert_eq!(
        count(&analyse(sample("noflow.pcap")), "unanswered_packet_in"),
        0
    );
}

#[test]
fn truncated_packet_in_with_miss_send_len_hint() {
    let mut s = Script::new();
    let frame = ping_from(1);
    s.handshake().controller(
        3,
        Body::SetConfig(ofscope_dissectors::openflow::SwitchConfig {
            flags: 0,
            miss_send_len: 20,
        }),
    );
    s.switch(
        10,
        Body::PacketIn(PacketIn {
            buffer_id: 7,
            total_len: frame.len() as u16,
            in_port: 1,
            reason: 0,
            data: frame[..20].to_vec(),
        }),
    )
    .controller(11, packet_out(Vec::new(), 1, 2, 7));
    let a = s.run();
    assert_eq!(count(&a, "truncated_packet_in"), 1);
    let f = a.findings().list();
    let t = f
        .iter()
        .find(|f| f.kind.name() == "truncated_packet_in")
        .unwrap();
    assert!(t.text.contains("miss_send_len=20"), "{}", t.text);
    assert_eq!(count(&a, "unknown_buffer_id"), 0);
    assert_eq!(
        count(&analyse(sample("basic.pcap")), "truncated_packet_in"),
        0
    );
}

#[test]
fn unknown_buffer_id() {
    let mut s = Script::new();
    s.handshake()
        .controller(5, packet_out(Vec::new(), 1, 2, 42))
        .switch(6, packet_in(ping_from(1), 1, 43))
        .controller(
            7,
            Body::FlowMod(FlowMod {
                buffer_id: 43,
                ..FlowMod::default()
            }),
        )
        // The same buffer twice: the second use is unknown.
        .controller(8, packet_out(Vec::new(), 1, 2, 43));
    assert_eq!(count(&s.run(), "unknown_buffer_id"), 2);
}

#[test]
fn flood_used_and_all_is_fine() {
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(11, packet_out(ping_from(1), 1, ofpp::FLOOD, NO_BUFFER))
        .switch(12, packet_in(ping_from(3), 1, NO_BUFFER))
        .controller(13, packet_out(ping_from(3), 1, ofpp::FLOOD, NO_BUFFER));
    let a = s.run();
    assert_eq!(count(&a, "flood_used"), 2);
    // Folded into one finding per switch.
    assert_eq!(a.findings().list().len(), 1);
    let mut ok = Script::new();
    ok.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(11, packet_out(ping_from(1), 1, ofpp::ALL, NO_BUFFER));
    assert_eq!(count(&ok.run(), "flood_used"), 0);
}

#[test]
fn mac_flapping_and_a_single_move() {
    let mut s = Script::new();
    s.handshake();
    for (i, port) in [1u16, 2, 1, 2, 1].iter().enumerate() {
        let ms = 10 + 100 * i as u64;
        s.switch(ms, packet_in(ping_from(1), *port, NO_BUFFER))
            .controller(ms + 1, packet_out(ping_from(1), *port, 3, NO_BUFFER));
    }
    let a = s.run();
    assert_eq!(count(&a, "mac_flapping"), 2);
    let f = a
        .findings()
        .list()
        .into_iter()
        .find(|f| f.kind.name() == "mac_flapping")
        .unwrap();
    assert!(f.text.contains("4 moves"), "{}", f.text);
    // A host that moves once (re-plugged) is not flapping.
    let mut ok = Script::new();
    ok.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        .switch(20, packet_in(ping_from(1), 2, NO_BUFFER))
        .switch(30, packet_in(ping_from(1), 2, NO_BUFFER));
    assert_eq!(count(&ok.run(), "mac_flapping"), 0);
}

#[test]
fn error_messages() {
    let mut s = Script::new();
    s.handshake().switch(
        5,
        Body::Error(ErrorMsg {
            err_type: 3,
            code: 0,
            data: hex("010e0048 00000009"),
        }),
    );
    let a = s.run();
    assert_eq!(count(&a, "error_message"), 1);
    let f = a.findings().list()[0].clone();
    assert!(f.text.contains("FLOW_MOD"), "{}", f.text);
    assert_eq!(count(&analyse(sample("basic.pcap")), "error_message"), 0);
}

#[test]
fn a_capture_that_ends_within_the_windows_leaves_nothing_unanswered() {
    // Cut right after a PacketIn and an ECHO_REQUEST (as `editcap -r basic.pcap 1-15`):
    // their answers may have come just after the capture.
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(11, Body::EchoRequest(Vec::new()));
    let a = s.run();
    assert_eq!(count(&a, "unanswered_packet_in"), 0);
    assert_eq!(count(&a, "echo_timeout"), 0);
    // Real: basic.pcap's first 15 frames end 0.1 ms after a PacketIn, its first 63 just
    // after an ECHO_REQUEST.
    let (header, frames) = pcap_frames("basic.pcap");
    for n in [15, 63] {
        let a = analyse_frames(&format!("first-{n}"), &header, &frames[..n]);
        assert_eq!(count(&a, "unanswered_packet_in"), 0, "1-{n}");
        assert_eq!(count(&a, "echo_timeout"), 0, "1-{n}");
    }
    // Once the connection closes, what waits is unanswered.
    s.stream(StreamEvent::ConnClosed {
        conn: ConnId(0),
        reason: ofscope::stream::CloseReason::Fin,
        frame: 9,
    });
    let a = s.run();
    assert_eq!(count(&a, "unanswered_packet_in"), 1);
    assert_eq!(count(&a, "echo_timeout"), 1);
}

#[test]
fn echo_timeout() {
    let mut s = Script::new();
    s.handshake()
        .switch(5, Body::EchoRequest(Vec::new()))
        .controller(20_000, Body::BarrierRequest);
    assert_eq!(count(&s.run(), "echo_timeout"), 1);
    assert_eq!(count(&analyse(sample("basic.pcap")), "echo_timeout"), 0);
}

#[test]
fn flow_churn() {
    let add = |ms: u64, s: &mut Script| {
        s.controller(
            ms,
            Body::FlowMod(FlowMod {
                match_: Match::from_frame(
                    &ofscope_dissectors::frame::Frame::parse(&ping_from(1)),
                    1,
                ),
                actions: vec![Action::output(2)],
                ..FlowMod::default()
            }),
        );
    };
    let mut s = Script::new();
    s.handshake();
    for i in 0..6 {
        add(10 + 1000 * i, &mut s);
    }
    assert_eq!(count(&s.run(), "flow_churn"), 2);
    // The same flow re-added every 30 s (hard timeout) is normal.
    let mut ok = Script::new();
    ok.handshake();
    for i in 0..6 {
        add(10 + 30_000 * i, &mut ok);
    }
    assert_eq!(count(&ok.run(), "flow_churn"), 0);
}

#[test]
fn handshake_stall() {
    let mut s = Script::new();
    s.switch(0, Body::Hello(Hello::default()))
        .controller(0, Body::Hello(Hello::default()))
        .controller(1, Body::FeaturesRequest)
        .controller(6000, Body::EchoRequest(Vec::new()));
    let stalled = s.run();
    assert_eq!(count(&stalled, "handshake_stall"), 1);
    let mut ok = Script::new();
    ok.handshake().controller(6000, Body::BarrierRequest);
    assert_eq!(count(&ok.run(), "handshake_stall"), 0);
}

#[test]
fn many_hello_only_connections_stall_each_once_at_their_deadline() {
    // Connection i says HELLO at i ms and nothing more; connection N completes its
    // handshake first. At 20,000 waiting connections the old walk of every connection on
    // every message was 4e8 steps; the deadline queue looks only at those whose time is up.
    const N: u32 = 20_000;
    let mut s = Script::new();
    s.on(N).handshake();
    for i in 0..N {
        s.on(i).switch(u64::from(i), Body::Hello(Hello::default()));
    }
    // The last one closes without a FEATURES_REPLY: a stall at the end, though not 5 s old.
    s.stream(StreamEvent::ConnClosed {
        conn: ConnId(N - 1),
        reason: ofscope::stream::CloseReason::Fin,
        frame: u64::from(N) + 10,
    });
    let mut a = Analyzer::new(Config {
        findings_cap: 2 * N as usize,
        ..Config::default()
    });
    for e in &s.events {
        a.feed(e);
    }
    a.finish();
    // The capture ends at N - 1 ms: those that began 5 s before that timed out.
    let last_ms = u64::from(N - 1);
    let timed_out: Vec<u32> = (0..N).filter(|i| u64::from(*i) + 5000 <= last_ms).collect();
    let stalls: Vec<_> = a
        .findings()
        .list()
        .into_iter()
        .filter(|f| f.kind.name() == "handshake_stall")
        .collect();
    assert_eq!(count(&a, "handshake_stall"), timed_out.len() as u64 + 1);
    assert_eq!(stalls.len(), timed_out.len() + 1);
    let expected = timed_out.iter().copied().chain([N - 1]);
    for (f, conn) in stalls.iter().zip(expected) {
        assert!(f.text.starts_with(&format!("conn {conn}: ")), "{}", f.text);
        let when = if conn == N - 1 {
            "before the connection closed"
        } else {
            "5 s after its first message"
        };
        assert!(f.text.contains(when), "{}", f.text);
        assert_eq!(f.ts_ns, 1_000_000 * MS + u64::from(conn) * MS);
        assert_eq!(f.frame, None);
    }
}

#[test]
fn version_mismatch() {
    // Real: the controller offers 1.0-1.5 (HELLO 0x06), the switch 1.0.
    let a = analyse(sample("negotiate.pcap"));
    assert_eq!(count(&a, "version_mismatch"), 1);
    assert_eq!(count(&analyse(sample("basic.pcap")), "version_mismatch"), 0);
    let mut s = Script::new();
    s.msg(0, true, Message::parse(&hex("04000008 00000001")))
        .controller(0, Body::Hello(Hello::default()));
    let f = s.run();
    assert_eq!(count(&f, "version_mismatch"), 1);
}

#[test]
fn pairing_memory_is_bounded() {
    let mut a = Analyzer::new(Config {
        max_pending: 100,
        ..Config::default()
    });
    let mut s = Script::new();
    s.handshake();
    for e in &s.events {
        a.feed(e);
    }
    // 10,000 distinct PacketIns within one window, none answered.
    for i in 0..10_000u64 {
        let mut frame = ping_from(1);
        frame.extend_from_slice(&i.to_be_bytes());
        let mut one = Script::new();
        one.index = 10 + i;
        one.dpids.insert(0, DPID);
        one.switch(10, packet_in(frame, 1, NO_BUFFER));
        a.feed(&one.events[0]);
        assert!(a.waiting_packet_ins() <= 100);
    }
    // The last 100 are given up when the window has passed.
    let mut later = Script::new();
    later.index = 20_000;
    later.dpids.insert(0, DPID);
    later.controller(2000, Body::BarrierRequest);
    a.feed(&later.events[0]);
    a.finish();
    assert_eq!(a.waiting_packet_ins(), 0);
    let sw = a.switches().values().next().unwrap();
    assert_eq!(sw.packet_in.summary().unanswered, 10_000);
    // Kept findings are capped; the total still counts every one.
    assert_eq!(count(&a, "unanswered_packet_in"), 10_000);
    assert_eq!(
        a.findings()
            .kept(Kind::named("unanswered_packet_in").unwrap()),
        1000
    );
}

/// `switches` sessions, each on its own connection with its handshake and a PacketIn.
fn switches_with_a_packet_in(switches: u32) -> Script {
    let mut s = Script::new();
    for conn in 0..switches {
        s.on(conn)
            .handshake()
            .switch(3, packet_in(ping_from(conn as u8 + 1), 1, NO_BUFFER));
    }
    s
}

fn run_with(s: &Script, bounds: Bounds) -> Analyzer {
    let mut a = Analyzer::new(Config {
        bounds,
        ..Config::default()
    });
    for e in &s.events {
        a.feed(e);
    }
    a.finish();
    a
}

fn table_full(a: &Analyzer) -> Vec<&ofscope::analysis::findings::Finding> {
    let kind = Kind::named("table_full");
    a.findings()
        .list()
        .into_iter()
        .filter(|f| Some(f.kind) == kind)
        .collect()
}

#[test]
fn a_table_at_its_bound_says_so_once_at_the_first_frame_refused() {
    let s = switches_with_a_packet_in(4);
    // With the default bounds nothing is refused.
    let all = run_with(&s, Bounds::default());
    assert_eq!(count(&all, "table_full"), 0);
    assert_eq!(all.switches().len(), 4);
    // Two connections kept: the third one's first message (5 per session) is refused.
    let a = run_with(&s, Bounds::default().with(Table::Connections, 2));
    assert_eq!(a.switches().len(), 2);
    let full = table_full(&a);
    assert_eq!(full.len(), 1, "{full:?}");
    assert_eq!(full[0].frame, Some(11));
    assert!(full[0].text.contains("connection table") && full[0].text.contains(" 2 "));
    // Every message of the two connections refused is counted on it.
    assert_eq!((full[0].count, count(&a, "table_full")), (10, 10));
    // A switch's own table: said per switch, with its dpid.
    let mut s = Script::new();
    s.handshake();
    for (ms, src) in [(3, 1), (4, 2), (5, 3), (6, 2)] {
        s.switch(ms, packet_in(ping_from(src), 1, NO_BUFFER));
    }
    let a = run_with(&s, Bounds::default().with(Table::Macs, 1));
    let full = table_full(&a);
    assert_eq!(full.len(), 1, "{full:?}");
    assert_eq!(
        (full[0].frame, full[0].dpid, full[0].count),
        (Some(6), Some(DPID), 3)
    );
}

#[test]
fn a_full_flow_table_says_so_once_at_the_first_flow_refused() {
    // Five FLOW_MODs adding distinct flows (by in_port) to a table bound at three.
    let mut s = Script::new();
    s.handshake();
    for port in 1..=5u16 {
        let match_ = Match {
            wildcards: ofscope_dissectors::openflow::flow_match::ofpfw::ALL & !1,
            in_port: port,
            ..Match::default()
        };
        let add = FlowMod {
            match_,
            ..FlowMod::default()
        };
        s.controller(10 + u64::from(port), Body::FlowMod(add));
    }
    let a = run_with(&s, Bounds::default().with(Table::Flows, 3));
    assert_eq!(a.switches().values().next().unwrap().table.len(), 3);
    let full = table_full(&a);
    assert_eq!(full.len(), 1, "{full:?}");
    assert!(full[0].text.contains("flow table"), "{}", full[0].text);
    // The fourth FLOW_MOD is the first refused; the fifth is counted on the same finding.
    let fourth = s.index - 1;
    assert_eq!(
        (full[0].frame, full[0].dpid, full[0].count),
        (Some(fourth), Some(DPID), 2)
    );
    assert_eq!(count(&run_with(&s, Bounds::default()), "table_full"), 0);
}

/// A capture of bench/hostile_capture.py's `shape` at size `n`, in `dir`.
fn hostile_capture(dir: &std::path::Path, shape: &str, n: u32) -> std::path::PathBuf {
    let path = dir.join(format!("{shape}-{n}.pcap"));
    let made = std::process::Command::new("python3")
        .arg(format!("{ROOT}/bench/hostile_capture.py"))
        .args([shape, &n.to_string()])
        .arg(&path)
        .status()
        .expect("run bench/hostile_capture.py");
    assert!(made.success());
    path
}

#[test]
fn latency_histograms_grow_with_their_delays_not_with_switches_or_reconnections() {
    if !tools_present("latency histograms", &["python3"]) {
        return;
    }
    let dir = temp_dir("histograms");
    for (shape, n, switches) in [("switches", 200, 200), ("reconnects", 200, 1)] {
        let a = analyse(hostile_capture(&dir, shape, n));
        assert_eq!(a.switches().len(), switches as usize, "{shape}");
        for sw in a.switches().values() {
            // Each series holds three distinct delays (n times over for the reconnecting
            // switch): a few buckets, where a whole histogram to a minute took 110 KB.
            for series in [&sw.packet_in, &sw.echo] {
                assert!(series.count() >= 3, "{shape}");
                assert!(
                    series.histogram_bytes() <= 256,
                    "{shape}: {}",
                    series.histogram_bytes()
                );
            }
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn latency_percentiles_keep_three_significant_digits() {
    // One switch, 300 PacketIns each answered by buffer_id after 1 to 997 ms, in a
    // scrambled order.
    let mut s = Script::new();
    s.handshake();
    let mut t = 10;
    for i in 0..300u32 {
        let delay = u64::from(i * 617 % 997 + 1);
        s.switch(t, packet_in(ping_from(1), 1, i))
            .controller(t + delay, packet_out(Vec::new(), 1, 2, i));
        t += delay + 1;
    }
    let mut a = Analyzer::new(Config {
        keep_pairs: true,
        ..Config::default()
    });
    for e in &s.events {
        a.feed(e);
    }
    a.finish();
    let mut exact: Vec<u64> = a.pairs().iter().map(|p| p.latency_ns()).collect();
    assert_eq!(exact.len(), 300);
    exact.sort_unstable();
    let summary = a.switches().values().next().unwrap().packet_in.summary();
    for (q, shown) in [
        (0.50, summary.p50_ns),
        (0.90, summary.p90_ns),
        (0.99, summary.p99_ns),
    ] {
        // The nearest rank, and the top of its bucket: at most 1/1024 above.
        let want = exact[((q * exact.len() as f64).ceil() as usize).max(1) - 1];
        assert!(
            shown >= want && shown - want <= want / 1024,
            "p{q}: {shown} for {want}"
        );
    }
}

#[test]
fn the_stream_tracks_connections_up_to_its_bound_and_says_where_it_stopped() {
    if !tools_present("stream connection bound", &["python3"]) {
        return;
    }
    let dir = temp_dir("stream-bound");
    let path = hostile_capture(&dir, "switches", 5);
    let tracked = |max_connections| {
        let config = StreamConfig {
            max_connections,
            ..StreamConfig::default()
        };
        let mut session = Session::open(&path, config).expect("open the capture");
        let messages = session.by_ref().flatten().count();
        let tracker = session.tracker();
        let firsts: Vec<u64> = tracker
            .connections()
            .iter()
            .map(|c| c.first_frame)
            .collect();
        (messages, firsts, tracker.refused())
    };
    let (all, firsts, refused) = tracked(5);
    assert_eq!((firsts.len(), refused), (5, None));
    let (some, kept, refused) = tracked(3);
    assert_eq!(kept, firsts[..3]);
    let refused = refused.expect("two connections refused");
    assert_eq!(
        (refused.bound, refused.connections, refused.frame),
        (3, 2, firsts[3])
    );
    assert!(some < all);
    std::fs::remove_dir_all(dir).ok();
}

/// The frames of a classic little-endian microsecond pcap: (timestamp in µs, the record's
/// caplen, len and data).
fn pcap_frames(name: &str) -> (Vec<u8>, Vec<(u64, Vec<u8>)>) {
    let bytes = std::fs::read(sample(name)).unwrap();
    assert_eq!(
        bytes[..4],
        [0xd4, 0xc3, 0xb2, 0xa1],
        "{name}: not a LE µs pcap"
    );
    let u32_at = |i: usize| u64::from(u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()));
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let ts_us = u32_at(at) * 1_000_000 + u32_at(at + 4);
        let end = at + 16 + u32_at(at + 8) as usize;
        frames.push((ts_us, bytes[at + 8..end].to_vec()));
        at = end;
    }
    (bytes[..24].to_vec(), frames)
}

/// Analyses a pcap made of `header` and `frames` (written to a scratch file).
fn analyse_frames(name: &str, header: &[u8], frames: &[(u64, Vec<u8>)]) -> Analyzer {
    let path = std::env::temp_dir().join(format!("ofscope-{}-{name}.pcap", std::process::id()));
    let mut out = header.to_vec();
    for (ts_us, rest) in frames {
        out.extend_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(rest);
    }
    std::fs::write(&path, out).unwrap();
    let mut a = Analyzer::new(Config::default());
    for e in Session::open(&path, StreamConfig::default())
        .unwrap()
        .flatten()
    {
        a.feed(&e);
    }
    a.finish();
    std::fs::remove_file(&path).unwrap();
    a
}

fn conn_opened(conn: u32) -> StreamEvent {
    StreamEvent::ConnOpened {
        conn: ConnId(conn),
        switch: format!("127.0.0.1:{}", 40000 + conn).parse().unwrap(),
        controller: "127.0.0.1:6633".parse().unwrap(),
        roles: RoleSource::Handshake,
        frame: u64::from(conn) + 1,
        via: None,
    }
}

#[test]
fn interleaved_handshakes_of_two_switches_do_not_stall() {
    // Both TCP connections open before either says HELLO, then their handshakes interleave
    // message by message; the session goes on past the 5 s of the stall rule.
    let mut s = Script::new();
    s.stream(conn_opened(0)).stream(conn_opened(1));
    let hello = || Body::Hello(Hello::default());
    s.on(0).switch(0, hello()).on(1).switch(0, hello());
    s.on(0).controller(1, hello()).on(1).controller(1, hello());
    s.on(0)
        .controller(2, Body::FeaturesRequest)
        .on(1)
        .controller(2, Body::FeaturesRequest);
    for conn in [0, 1] {
        s.on(conn).switch(
            3,
            Body::FeaturesReply(FeaturesReply {
                datapath_id: DPID + u64::from(conn),
                ..FeaturesReply::default()
            }),
        );
    }
    s.on(1).controller(6000, Body::EchoRequest(Vec::new()));
    s.on(0).controller(6000, Body::EchoRequest(Vec::new()));
    let a = s.run();
    assert_eq!(count(&a, "handshake_stall"), 0);
    assert_eq!(count(&a, "mid_session_start"), 0);
    let keys: Vec<_> = a.switches().keys().filter_map(|k| k.dpid()).collect();
    assert_eq!(keys, [DPID, DPID + 1]);
    // A third connection that says HELLO and never FEATURES_REPLY still stalls.
    s.stream(conn_opened(2)).on(2).switch(6001, hello());
    s.on(0).controller(12_000, Body::EchoRequest(Vec::new()));
    assert_eq!(count(&s.run(), "handshake_stall"), 1);
}

#[test]
fn a_real_two_switch_capture_has_no_phantom_stall() {
    // basic.pcap and vlan.pcap (two connections, other client ports) merged with vlan's
    // first frame 1 µs after basic's: their handshakes interleave frame by frame.
    let (header, basic) = pcap_frames("basic.pcap");
    let (_, vlan) = pcap_frames("vlan.pcap");
    let shift = vlan[0].0 - basic[0].0 - 1;
    let mut frames: Vec<_> = basic
        .into_iter()
        .chain(vlan.into_iter().map(|(ts, f)| (ts - shift, f)))
        .collect();
    frames.sort_by_key(|(ts, _)| *ts);
    let a = analyse_frames("two-switches", &header, &frames);
    assert_eq!(
        a.findings()
            .totals()
            .map(|(k, _)| k.name())
            .collect::<Vec<_>>(),
        ["flood_used"]
    );
}

#[test]
fn a_capture_started_mid_session_says_so_once_and_no_stall() {
    // basic.pcap from frame 20 on (as `editcap -r basic.pcap out.pcap 20-`): no HELLO,
    // no FEATURES_REPLY, 24 s of PacketIns.
    let (header, frames) = pcap_frames("basic.pcap");
    let a = analyse_frames("mid-session", &header, &frames[19..]);
    assert_eq!(count(&a, "handshake_stall"), 0);
    assert_eq!(count(&a, "mid_session_start"), 1);
    assert_eq!(count(&a, "unanswered_packet_in"), 0);
    let f = a
        .findings()
        .list()
        .into_iter()
        .find(|f| f.kind.name() == "mid_session_start")
        .unwrap()
        .clone();
    assert!(f.text.contains("not a HELLO"), "{}", f.text);
    // Its flow table lacks what was installed before the capture, and says so.
    let key = *a.switches().keys().next().unwrap();
    assert!(a.table_caveat(key).unwrap().contains("mid-session"));
    // A PACKET_OUT naming a buffer offered before the capture is not an unknown buffer.
    let mut s = Script::new();
    s.switch(0, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(1, packet_out(Vec::new(), 1, 2, 77))
        .controller(6000, Body::EchoRequest(Vec::new()));
    let a = s.run();
    assert_eq!(count(&a, "unknown_buffer_id"), 0);
    assert_eq!(count(&a, "handshake_stall"), 0);
    assert_eq!(count(&a, "mid_session_start"), 1);
}

#[test]
fn a_capture_ending_inside_a_handshake_is_no_stall() {
    // The capture ends 1 s after the HELLOs: the handshake may have ended just after.
    let mut s = Script::new();
    s.switch(0, Body::Hello(Hello::default()))
        .controller(1000, Body::Hello(Hello::default()));
    assert_eq!(count(&s.run(), "handshake_stall"), 0);
    // ... unless its connection closed without one.
    s.stream(StreamEvent::ConnClosed {
        conn: ConnId(0),
        reason: ofscope::stream::CloseReason::Fin,
        frame: 3,
    });
    assert_eq!(count(&s.run(), "handshake_stall"), 1);
}

/// An OpenFlow 1.3 message (version byte 4) of type `msg_type` with `body`.
fn of13(msg_type: u8, xid: u32, body: &[u8]) -> Message {
    let mut bytes = vec![4, msg_type];
    bytes.extend_from_slice(&(8 + body.len() as u16).to_be_bytes());
    bytes.extend_from_slice(&xid.to_be_bytes());
    bytes.extend_from_slice(body);
    Message::parse(&bytes)
}

#[test]
fn an_openflow_13_handshake_completes() {
    // HELLO, FEATURES_REQUEST (5), FEATURES_REPLY (6: dpid, n_buffers, n_tables,
    // auxiliary_id, pad, capabilities, reserved: 32 bytes, no ports), then MULTIPART
    // (18/19) and ECHO (2/3) well past 5 s.
    let mut features = 0x0000_0000_0000_00abu64.to_be_bytes().to_vec();
    features.extend_from_slice(&hex("00000100 fe 00 0000 0000004f 00000000"));
    let mut s = Script::new();
    s.msg(0, true, of13(0, 1, &[]))
        .msg(0, false, of13(0, 2, &[]))
        .msg(1, false, of13(5, 3, &[]))
        .msg(2, true, of13(6, 3, &features))
        .msg(3, false, of13(18, 4, &hex("0000 0000 00000000")))
        .msg(4, true, of13(19, 4, &hex("0000 0000 00000000")))
        .msg(7000, false, of13(2, 5, &[]))
        .msg(7001, true, of13(3, 5, &[]));
    let a = s.run();
    // No stall and no echo timeout; only that the six messages past the HELLOs are not
    // decoded, said once.
    let kinds: Vec<_> = a.findings().list().iter().map(|f| f.kind.name()).collect();
    assert_eq!(kinds, ["other_version"]);
    assert_eq!(count(&a, "other_version"), 6);
    let keys: Vec<_> = a.switches().keys().filter_map(|k| k.dpid()).collect();
    assert_eq!(keys, [0xab]);
    // Bytes framed by mistake as a "1.4 type 6" of 1800 bytes are no FEATURES_REPLY: a
    // 1.4 one is 32 bytes.
    let mut bogus = vec![5, 6, 0x07, 0x08, 0, 0, 0, 9];
    bogus.resize(100, 0xee);
    let mut s = Script::new();
    s.msg(0, true, of13(0, 1, &[]))
        .msg(0, false, of13(0, 2, &[]))
        .cut_msg(2, true, Message::parse(&bogus), bogus.clone())
        .msg(7000, false, of13(2, 5, &[]));
    let a = s.run();
    assert_eq!(count(&a, "handshake_stall"), 1);
    assert!(a.switches().keys().all(|k| k.dpid().is_none()));
}

#[test]
fn a_cut_message_is_truncated_never_malformed() {
    // A FLOW_MOD of 80 bytes of which the capture kept 30 (the snaplen sample's case).
    let mut fm = Message::new(5, Body::FlowMod(FlowMod::default())).emit();
    fm.truncate(30);
    let mut s = Script::new();
    s.handshake();
    let cut = Message::parse(&fm);
    s.cut_msg(5, false, cut, fm);
    // A SET_CONFIG cut after its flags: the miss_send_len a decoder would fill in is not
    // the one sent, so it is not taken.
    let set = Message::new(
        6,
        Body::SetConfig(ofscope_dissectors::openflow::SwitchConfig {
            flags: 0,
            miss_send_len: 0,
        }),
    );
    let kept = set.emit()[..10].to_vec();
    s.cut_msg(6, false, set, kept);
    let a = s.run();
    assert_eq!(count(&a, "truncated_message"), 2);
    assert_eq!(count(&a, "malformed"), 0);
    let sw = a.switches().values().next().unwrap();
    assert_eq!(sw.info.miss_send_len(), None);
    // Real: the snaplen sample cuts its FEATURES_REPLY and FLOW_MODs; none is malformed,
    // the dpid is known from the 16 bytes kept, the handshake completes, and its PacketIns
    // are whole as the switch sent them (only the capture cut them).
    let snap = analyse(sample("snap96.pcap"));
    assert_eq!(count(&snap, "malformed"), 0);
    assert_eq!(count(&snap, "handshake_stall"), 0);
    only_snaplen_notes(&snap);
    assert_eq!(
        snap.switches().keys().map(|k| k.dpid()).collect::<Vec<_>>(),
        [Some(DPID)]
    );
}

#[test]
fn cut_packet_ins_of_a_snaplen_capture_are_paired_with_their_cut_answers() {
    // snap96: each PacketIn kept 12 bytes of its frame, each PACKET_OUT 6, each FLOW_MOD
    // lost its command; each of the 13 PacketIns has its PACKET_OUT (same in_port, frame
    // length and destination), and none of them is ambiguous.
    let a = analyse(sample("snap96.pcap"));
    assert_eq!(count(&a, "unanswered_packet_in"), 0);
    assert_eq!(count(&a, "ambiguous_answer"), 0);
    let sw = a.switches().values().next().unwrap();
    assert_eq!(sw.packet_in.summary().pairs, 13);
    // Its cut FEATURES_REPLY still answers the FEATURES_REQUEST (by its header's xid).
    let features = sw.requests["FEATURES"].summary();
    assert_eq!((features.pairs, features.unanswered), (1, 0));
    // The cut FLOW_MODs are not applied (their actions are lost), and the table says so.
    assert!(sw.table.is_empty());
    let key = *a.switches().keys().next().unwrap();
    let why = a.table_caveat(key).unwrap();
    assert!(why.contains("9 FLOW_MODs cut"), "{why}");
    let basic = analyse(sample("basic.pcap"));
    assert_eq!(
        basic.table_caveat(*basic.switches().keys().next().unwrap()),
        None
    );
}

#[test]
fn a_96_byte_snaplen_copy_of_segmented_has_no_false_alarm() {
    // segmented.pcap cut as `editcap -s 96` would: the PacketIns to the VIP are answered by
    // the responder's replies, of which the capture kept the destination MAC only.
    let (header, frames) = pcap_frames("segmented.pcap");
    let cut: Vec<(u64, Vec<u8>)> = frames
        .into_iter()
        .map(|(ts, rest)| {
            let caplen = u32::from_le_bytes(rest[..4].try_into().unwrap()).min(96);
            let mut r = caplen.to_le_bytes().to_vec();
            r.extend_from_slice(&rest[4..8 + caplen as usize]);
            (ts, r)
        })
        .collect();
    let a = analyse_frames("segmented-96", &header, &cut);
    for kind in ["handshake_stall", "unanswered_packet_in", "malformed"] {
        assert_eq!(count(&a, kind), 0, "{kind}");
    }
    only_snaplen_notes(&a);
    let sw = a.switches().values().next().unwrap();
    assert!(sw.packet_in.summary().pairs >= 10);
}

/// PacketIns that the capture cut are a note of the capture's snaplen, never a warning
/// about the switch's miss_send_len.
fn only_snaplen_notes(a: &Analyzer) {
    for f in a.findings().list() {
        if f.kind.name() == "truncated_packet_in" {
            assert_eq!(f.severity.name(), "note", "{}", f.text);
            assert!(
                f.text.starts_with("the capture cut PacketIns"),
                "{}",
                f.text
            );
        }
    }
    assert_eq!(count(a, "miss_send_len_ignored"), 0);
}

/// The lab's recordings of the unusual cases raise no alarm the session does not deserve:
/// two switches whose handshakes interleave, a capture started mid-session, an OpenFlow 1.3
/// session, segments recorded out of order, and a `-s 96` recording whose full-snaplen
/// twin (recorded beside it) has no finding but a FLOOD note.
#[test]
fn the_lab_recordings_of_unusual_captures_raise_no_false_alarm() {
    for name in [
        "two-switch.pcap",
        "midsession.pcap",
        "of13.pcap",
        "reorder.pcap",
        "segmented-s96.pcap",
        "segmented-full.pcap",
    ] {
        let a = analyse(sample(name));
        for kind in [
            "handshake_stall",
            "unanswered_packet_in",
            "malformed",
            "echo_timeout",
        ] {
            assert_eq!(count(&a, kind), 0, "{name}: {kind}");
        }
        only_snaplen_notes(&a);
        let mid_session = count(&a, "mid_session_start");
        assert_eq!(mid_session, u64::from(name == "midsession.pcap"), "{name}");
    }
    // The cut recording still knows its switch by the dpid in its cut FEATURES_REPLY.
    let cut = analyse(sample("segmented-s96.pcap"));
    assert_eq!(cut.switches().len(), 1);
    assert!(cut.switches().keys().all(|key| key.dpid() == Some(1)));
}

/// docs/analysis.md lists every kind of the table, each once, with its declared severity
/// first (a rule that grades its occurrences says how after it).
#[test]
fn docs_list_every_kind_with_its_severity() {
    let docs = include_str!("../../docs/analysis.md");
    let section = docs
        .split("\n## ")
        .find(|s| s.starts_with("Findings\n"))
        .expect("a Findings section");
    let rows: Vec<(&str, &str)> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| {
            let (kind, rest) = l.split_once("` | ")?;
            Some((kind, rest.split(" |").next()?))
        })
        .collect();
    let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), names);
    for (row, kind) in rows.iter().zip(KINDS) {
        assert!(
            row.1.starts_with(kind.severity.name()),
            "{}: docs say {:?}, the rule {}",
            kind.name,
            row.1,
            kind.severity.name()
        );
    }
}

/// Each kind has its test here: one that counts it.
#[test]
fn every_kind_is_tested() {
    let tests = include_str!("analysis_findings.rs");
    for kind in KINDS {
        assert!(
            tests.contains(&format!("\"{}\")", kind.name)),
            "{} has no test in tests/analysis_findings.rs",
            kind.name
        );
    }
}

/// An IPv4 packet from host `src` to host `dst` (last MAC and IP bytes), ICMP of
/// `icmp_type` (8 echo request, 0 echo reply) with `payload` bytes of data, behind a VLAN
/// tag when `vlan` is given.
fn icmp(src: u8, dst: u8, icmp_type: u8, payload: usize, vlan: Option<u16>) -> Vec<u8> {
    let tag = vlan.map_or(String::new(), |v| format!("8100 {v:04x}"));
    let mut f = hex(&format!(
        "0000000000{dst:02x} 0000000000{src:02x} {tag} 0800
         45 00 {:04x} 0001 0000 40 01 0000 0a0000{src:02x} 0a0000{dst:02x}
         {icmp_type:02x} 00 0000 1234 0001",
        28 + payload
    ));
    f.resize(f.len() + payload, 0);
    f
}

/// An ARP request from host `src` for `target` (broadcast), or (`reply`) the answer of
/// `target`'s owner, MAC `from`, to host `src`.
fn arp(src: u8, target: &str, reply: Option<u8>, vlan: Option<u16>) -> Vec<u8> {
    let tag = vlan.map_or(String::new(), |v| format!("8100 {v:04x}"));
    let ip: Vec<u8> = target.split('.').map(|b| b.parse().unwrap()).collect();
    let t = format!("{:02x}{:02x}{:02x}{:02x}", ip[0], ip[1], ip[2], ip[3]);
    hex(&match reply {
        None => format!(
            "ffffffffffff 0000000000{src:02x} {tag} 0806 0001 0800 06 04 0001
             0000000000{src:02x} 0a0000{src:02x} 000000000000 {t}"
        ),
        Some(from) => format!(
            "0000000000{src:02x} 0200000000{from:02x} {tag} 0806 0001 0800 06 04 0002
             0200000000{from:02x} {t} 0000000000{src:02x} 0a0000{src:02x}"
        ),
    })
}

fn finding<'a>(a: &'a Analyzer, kind: &str) -> &'a ofscope::analysis::findings::Finding {
    a.findings()
        .list()
        .into_iter()
        .find(|f| f.kind.name() == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", a.findings().list()))
}

#[test]
fn host_never_learned() {
    // Host 1 pings host 3, whose replies all match flows: every request floods.
    let mut s = Script::new();
    s.handshake();
    for i in 0..6 {
        let ms = 10 + 100 * i;
        s.switch(ms, packet_in(icmp(1, 3, 8, 56, None), 1, NO_BUFFER))
            .controller(
                ms + 1,
                packet_out(icmp(1, 3, 8, 56, None), 1, ofpp::FLOOD, NO_BUFFER),
            );
    }
    let a = s.run();
    assert_eq!(count(&a, "host_never_learned"), 1);
    let f = finding(&a, "host_never_learned");
    assert!(
        f.text
            .contains("MAC 00:00:00:00:00:03 is never learned: 6 unicast frames"),
        "{}",
        f.text
    );
    assert!(
        f.text.contains("(10.0/s) from 00:00:00:00:00:01"),
        "{}",
        f.text
    );
    assert_eq!(f.frame, Some(6));
    // Once a PacketIn shows host 3 as a source, it is learnable: no finding.
    s.switch(700, packet_in(icmp(3, 1, 0, 56, None), 3, NO_BUFFER));
    assert_eq!(count(&s.run(), "host_never_learned"), 0);
    // Floods to ALL count too; fewer than 5 are a host not heard from yet.
    let mut few = Script::new();
    few.handshake();
    for i in 0..4 {
        few.switch(10 + i, packet_in(icmp(1, 3, 8, 56, None), 1, NO_BUFFER))
            .controller(
                11 + i,
                packet_out(icmp(1, 3, 8, 56, None), 1, ofpp::ALL, NO_BUFFER),
            );
    }
    assert_eq!(count(&few.run(), "host_never_learned"), 0);
}

#[test]
fn unanswered_address() {
    // Hosts 1 and 2 ask for 10.0.0.254; the controller floods every request.
    let mut s = Script::new();
    s.handshake();
    for (i, src) in [1u8, 1, 2, 1].iter().enumerate() {
        let ms = 10 + 1000 * i as u64;
        let who_has = arp(*src, "10.0.0.254", None, None);
        s.switch(ms, packet_in(who_has.clone(), u16::from(*src), NO_BUFFER))
            .controller(
                ms + 1,
                packet_out(who_has, u16::from(*src), ofpp::FLOOD, NO_BUFFER),
            );
    }
    let a = s.run();
    assert_eq!(count(&a, "unanswered_address"), 1);
    let f = finding(&a, "unanswered_address");
    assert!(
        f.text
            .starts_with("nobody answers 10.0.0.254: 4 ARP requests from 10.0.0.1, 10.0.0.2"),
        "{}",
        f.text
    );
    // The controller answers for it: no finding.
    let mut answered = Script::new();
    answered.handshake();
    for i in 0..4 {
        answered
            .switch(
                10 + i,
                packet_in(arp(1, "10.0.0.254", None, None), 1, NO_BUFFER),
            )
            .controller(
                11 + i,
                packet_out(
                    arp(1, "10.0.0.254", Some(0xfe), None),
                    1,
                    ofpp::IN_PORT,
                    NO_BUFFER,
                ),
            );
    }
    assert_eq!(count(&answered.run(), "unanswered_address"), 0);
    // Echo requests whose replies a flow may carry past the controller are not judged.
    let mut flows = Script::new();
    flows
        .handshake()
        .controller(5, Body::FlowMod(FlowMod::default()));
    for i in 0..4 {
        flows.switch(10 + i, packet_in(icmp(1, 3, 8, 56, None), 1, NO_BUFFER));
    }
    assert_eq!(count(&flows.run(), "unanswered_address"), 0);
}

#[test]
fn host_moved_with_its_stale_flow() {
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(icmp(1, 2, 8, 56, None), 1, NO_BUFFER))
        .controller(
            11,
            Body::FlowMod(FlowMod {
                match_: Match {
                    wildcards: ofscope_dissectors::openflow::flow_match::ofpfw::ALL
                        & !ofscope_dissectors::openflow::flow_match::ofpfw::DL_DST,
                    dl_dst: [0, 0, 0, 0, 0, 1],
                    ..Match::default()
                },
                actions: vec![Action::output(1)],
                ..FlowMod::default()
            }),
        )
        .switch(2010, packet_in(icmp(1, 2, 8, 56, None), 4, NO_BUFFER));
    let a = s.run();
    assert_eq!(count(&a, "host_moved"), 1);
    assert_eq!(count(&a, "mac_flapping"), 0);
    let f = finding(&a, "host_moved");
    assert_eq!(f.severity.name(), "note");
    assert!(
        f.text.starts_with("MAC 00:00:00:00:00:01 moved from port 1 to port 4 (last seen on port 1 2.000s before); 1 flows still send its traffic to port 1"),
        "{}",
        f.text
    );
    // The same port again is no move.
    let mut ok = Script::new();
    ok.handshake()
        .switch(10, packet_in(icmp(1, 2, 8, 56, None), 1, NO_BUFFER))
        .switch(20, packet_in(icmp(1, 2, 8, 56, None), 1, NO_BUFFER));
    assert_eq!(count(&ok.run(), "host_moved"), 0);
}

#[test]
fn flow_not_seen() {
    let action_packet_in = || {
        let data = icmp(1, 2, 8, 56, None);
        Body::PacketIn(PacketIn {
            buffer_id: NO_BUFFER,
            total_len: data.len() as u16,
            in_port: 1,
            reason: 1,
            data,
        })
    };
    let mut s = Script::new();
    s.handshake().switch(10, action_packet_in());
    let a = s.run();
    assert_eq!(count(&a, "flow_not_seen"), 1);
    let f = finding(&a, "flow_not_seen");
    assert!(f.text.contains("in_port=1"), "{}", f.text);
    // A flow sending ICMP to the controller, installed over the connection, explains it.
    let mut ok = Script::new();
    ok.handshake()
        .controller(
            5,
            Body::FlowMod(FlowMod {
                match_: Match {
                    wildcards: ofscope_dissectors::openflow::flow_match::ofpfw::ALL
                        & !ofscope_dissectors::openflow::flow_match::ofpfw::DL_TYPE,
                    dl_type: 0x0800,
                    ..Match::default()
                },
                actions: vec![Action::Output {
                    port: ofpp::CONTROLLER,
                    max_len: 128,
                }],
                ..FlowMod::default()
            }),
        )
        .switch(10, action_packet_in());
    assert_eq!(count(&ok.run(), "flow_not_seen"), 0);
    // A capture started mid-session cannot tell.
    let mut mid = Script::new();
    mid.switch(10, action_packet_in());
    assert_eq!(count(&mid.run(), "flow_not_seen"), 0);
}

#[test]
fn reply_vlan_mismatch() {
    let request = arp(1, "10.0.0.254", None, Some(10));
    let answer = |reply: Vec<u8>, actions: Vec<Action>| {
        let mut s = Script::new();
        s.handshake()
            .switch(10, packet_in(request.clone(), 1, NO_BUFFER))
            .controller(
                11,
                Body::PacketOut(PacketOut {
                    buffer_id: NO_BUFFER,
                    in_port: 1,
                    actions,
                    data: reply,
                }),
            );
        s.run()
    };
    let out = vec![Action::output(ofpp::IN_PORT)];
    let untagged = answer(arp(1, "10.0.0.254", Some(0xfe), None), out.clone());
    assert_eq!(count(&untagged, "reply_vlan_mismatch"), 1);
    let f = finding(&untagged, "reply_vlan_mismatch");
    assert!(
        f.text.starts_with("ARP reply 10.0.0.254 > 10.0.0.1 sent untagged, but the request it answers (frame 5) came VLAN 10"),
        "{}",
        f.text
    );
    let tagged = answer(arp(1, "10.0.0.254", Some(0xfe), Some(10)), out);
    assert_eq!(count(&tagged, "reply_vlan_mismatch"), 0);
    let set_vid = vec![Action::SetVlanVid(10), Action::output(ofpp::IN_PORT)];
    let retagged = answer(arp(1, "10.0.0.254", Some(0xfe), None), set_vid);
    assert_eq!(count(&retagged, "reply_vlan_mismatch"), 0);
    // The VIP sample answers tagged requests on their VLAN.
    assert_eq!(
        count(&analyse(sample("osken-vip.pcap")), "reply_vlan_mismatch"),
        0
    );
}

#[test]
fn reply_from_truncated_frame() {
    // A 1000-byte ping to the VIP reaches the controller cut at 128 bytes; the controller
    // turns those 128 bytes into the reply.
    let request = icmp(1, 0xfe, 8, 1000, None);
    let mut reply = icmp(0xfe, 1, 0, 1000, None);
    let build = |reply: Vec<u8>| {
        let mut s = Script::new();
        s.handshake()
            .switch(
                10,
                Body::PacketIn(PacketIn {
                    buffer_id: NO_BUFFER,
                    total_len: request.len() as u16,
                    in_port: 1,
                    reason: 0,
                    data: request[..128].to_vec(),
                }),
            )
            .controller(11, packet_out(reply, 1, ofpp::IN_PORT, NO_BUFFER));
        s.run()
    };
    assert_eq!(
        count(&build(reply.clone()), "reply_from_truncated_frame"),
        0
    );
    reply.truncate(128);
    let a = build(reply);
    assert_eq!(count(&a, "reply_from_truncated_frame"), 1);
    let f = finding(&a, "reply_from_truncated_frame");
    assert!(
        f.text
            .contains("holds 114 bytes of an IP packet whose header says 1028"),
        "{}",
        f.text
    );
}

#[test]
fn an_unanswered_link_local_frame_is_a_note() {
    let mut lldp = hex("0180c200000e 020000000001 88cc");
    lldp.resize(60, 0);
    let mut s = Script::new();
    s.handshake()
        .switch(10, packet_in(lldp, 1, NO_BUFFER))
        .switch(2000, packet_in(ping_from(1), 1, NO_BUFFER))
        .controller(4000, Body::BarrierRequest);
    let a = s.run();
    assert_eq!(count(&a, "unanswered_packet_in"), 2);
    let severities: Vec<(&str, bool)> = a
        .findings()
        .list()
        .iter()
        .filter(|f| f.kind.name() == "unanswered_packet_in")
        .map(|f| (f.severity.name(), f.text.contains("link-local")))
        .collect();
    assert_eq!(severities, [("note", true), ("warning", false)]);
}

/// A session whose switch keeps cutting PacketIns at 128 bytes after SET_CONFIG asked for
/// 1400, written as a capture (TCP segments between real endpoints) by the recorder
/// `ofscope control` uses: (the pcap header, its frames as `analyse_frames` takes them).
fn miss_send_len_session() -> (Vec<u8>, Vec<(u64, Vec<u8>)>) {
    use ofscope::capture::{LinkType, PcapWriter};
    use ofscope::control::segments::Segments;
    let header = {
        let mut w = Vec::new();
        PcapWriter::new(&mut w, LinkType::ETHERNET, false, 65_535).unwrap();
        w
    };
    let mut seg = Segments::new(
        "127.0.0.1:40000".parse().unwrap(),
        "127.0.0.1:6633".parse().unwrap(),
    );
    let mut frames: Vec<Vec<u8>> = seg.open();
    let mut send = |from_switch: bool, body: Body, frames: &mut Vec<Vec<u8>>| {
        frames.extend(seg.data(from_switch, &Message::new(0, body).emit()));
    };
    send(true, Body::Hello(Hello::default()), &mut frames);
    send(false, Body::Hello(Hello::default()), &mut frames);
    send(false, Body::FeaturesRequest, &mut frames);
    send(
        false,
        Body::SetConfig(ofscope_dissectors::openflow::SwitchConfig {
            flags: 0,
            miss_send_len: 1400,
        }),
        &mut frames,
    );
    send(
        true,
        Body::FeaturesReply(FeaturesReply {
            datapath_id: DPID,
            ..FeaturesReply::default()
        }),
        &mut frames,
    );
    for seq in 0..5u16 {
        let ping = icmp(1, 2, 8, 1000, None);
        send(
            true,
            Body::PacketIn(PacketIn {
                buffer_id: 100 + u32::from(seq),
                total_len: ping.len() as u16,
                in_port: 1,
                reason: 0,
                data: ping[..128].to_vec(),
            }),
            &mut frames,
        );
        send(
            false,
            packet_out(Vec::new(), 1, 2, 100 + u32::from(seq)),
            &mut frames,
        );
    }
    let records = frames
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut r = (f.len() as u32).to_le_bytes().to_vec();
            r.extend_from_slice(&(f.len() as u32).to_le_bytes());
            r.extend_from_slice(&f);
            (1_700_000_000_000_000 + 10_000 * i as u64, r)
        })
        .collect();
    (header, records)
}

/// The frames as `tcpdump -s SNAPLEN` would have kept them.
fn cut_to(frames: &[(u64, Vec<u8>)], snaplen: u32) -> Vec<(u64, Vec<u8>)> {
    frames
        .iter()
        .map(|(ts, rest)| {
            let caplen = u32::from_le_bytes(rest[..4].try_into().unwrap()).min(snaplen);
            let mut r = caplen.to_le_bytes().to_vec();
            r.extend_from_slice(&rest[4..8 + caplen as usize]);
            (*ts, r)
        })
        .collect()
}

#[test]
fn miss_send_len_ignored_and_not_on_a_capture_cut_by_its_snaplen() {
    let (header, frames) = miss_send_len_session();
    let a = analyse_frames("msl-full", &header, &frames);
    assert_eq!(count(&a, "miss_send_len_ignored"), 5);
    assert_eq!(count(&a, "truncated_packet_in"), 0);
    let f = finding(&a, "miss_send_len_ignored");
    assert!(
        f.text.starts_with("the switch cut a PacketIn's frame to 128 of 1042 bytes, though the controller set miss_send_len=1400 (SET_CONFIG, frame 7)"),
        "{}",
        f.text
    );
    // The same session captured with -s 96: the capture cut the PacketIns, so the
    // switch's cut cannot be judged; a note says why.
    let cut = analyse_frames("msl-s96", &header, &cut_to(&frames, 96));
    assert_eq!(count(&cut, "miss_send_len_ignored"), 0);
    let note = finding(&cut, "truncated_packet_in");
    assert_eq!(note.severity.name(), "note");
    assert!(
        note.text
            .starts_with("the capture cut PacketIns (its snaplen"),
        "{}",
        note.text
    );
}

/// The diagnoses, and the lab recording of each story that has one (`tests/lab/record.sh
/// NAME`; the others are shown on constructed sessions above).
const DIAGNOSES: &[(&str, Option<&str>)] = &[
    ("host_never_learned", Some("pc-c-dst-only.pcap")),
    ("unanswered_address", Some("vip-flood.pcap")),
    ("host_moved", Some("host-move.pcap")),
    ("flow_not_seen", Some("ofctl-flows.pcap")),
    ("miss_send_len_ignored", None),
    ("mac_flapping", None),
    ("reply_vlan_mismatch", None),
    ("reply_from_truncated_frame", None),
];

/// Every diagnosis over every sample: each fires on its story and on no other sample.
#[test]
fn each_diagnosis_fires_on_its_story_and_on_no_other_sample() {
    let all = crate::common::samples();
    for (_, story) in DIAGNOSES.iter() {
        if let Some(story) = story {
            assert!(
                all.iter().any(|p| p.ends_with(story)),
                "{story} is not in samples/"
            );
        }
    }
    for path in all {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let a = analyse(&path);
        for (kind, story) in DIAGNOSES {
            let fires = count(&a, kind) > 0;
            assert_eq!(fires, *story == Some(name.as_str()), "{kind} on {name}");
        }
    }
}
