//! Reassembly and framing on synthetic captures: every way a real capture is messy.

use crate::stream_support::*;
use ofscope::capture::LinkType;
use ofscope::stream::{CloseReason, Direction, GapReason, RoleSource, StreamConfig, StreamEvent};

const HELLO: u8 = 0;
const FEATURES_REQUEST: u8 = 5;
const FEATURES_REPLY: u8 = 6;
const PACKET_IN: u8 = 10;
const PACKET_OUT: u8 = 13;
const ECHO_REQUEST: u8 = 2;

fn session() -> Session {
    let mut s = Session::new("127.0.0.1:40000", "127.0.0.1:6633", LinkType::ETHERNET);
    s.handshake();
    s
}

fn count(run: &Run, pred: impl Fn(&StreamEvent) -> bool) -> usize {
    run.events.iter().filter(|e| pred(e)).count()
}

#[test]
fn handshake_roles_messages_and_close() {
    let mut s = session();
    s.send(true, &of_msg(1, HELLO, 8, 1))
        .send(false, &of_msg(1, HELLO, 8, 2))
        .send(false, &of_msg(1, FEATURES_REQUEST, 8, 3))
        .send(true, &of_msg(1, FEATURES_REPLY, 80, 3))
        .close();
    let run = analyse(s.bytes());
    let StreamEvent::ConnOpened {
        switch,
        controller,
        roles,
        frame,
        ..
    } = &run.events[0]
    else {
        panic!("{:?}", run.events[0]);
    };
    assert_eq!(
        (switch.to_string(), controller.to_string(), *roles, *frame),
        (
            "127.0.0.1:40000".into(),
            "127.0.0.1:6633".into(),
            RoleSource::Handshake,
            1
        )
    );
    let messages = run.messages();
    assert_eq!(run.xids(), vec![1, 2, 3, 3]);
    assert_eq!(messages[0].direction, Direction::SwitchToController);
    assert_eq!(messages[1].direction, Direction::ControllerToSwitch);
    assert_eq!(messages[3].frames, vec![6]);
    assert_eq!(messages[3].bytes, of_msg(1, FEATURES_REPLY, 80, 3));
    assert!(matches!(
        run.events.last(),
        Some(StreamEvent::ConnClosed {
            reason: CloseReason::Fin,
            ..
        })
    ));
    let conn = &run.tracker.connections()[0];
    assert_eq!(conn.closed, Some(CloseReason::Fin));
    assert_eq!(run.counters.messages, 4);
}

#[test]
fn a_message_split_over_segments_and_several_in_one_segment() {
    let mut s = session();
    let big = of_msg(1, PACKET_IN, 1500, 9);
    let small = [
        of_msg(1, ECHO_REQUEST, 8, 10),
        of_msg(1, ECHO_REQUEST, 12, 11),
    ]
    .concat();
    // Segment boundaries cut the big message three times and glue the small ones to it.
    let stream = [big.clone(), small].concat();
    for chunk in [
        &stream[..3],
        &stream[3..700],
        &stream[700..1499],
        &stream[1499..],
    ] {
        s.send(true, chunk);
    }
    let run = analyse(s.bytes());
    assert_eq!(run.xids(), vec![9, 10, 11]);
    let messages = run.messages();
    assert_eq!(messages[0].bytes, big);
    assert_eq!(messages[0].frames, vec![3, 4, 5, 6]);
    assert_eq!(messages[1].frames, vec![6]);
    // The timestamp is that of the completing frame.
    assert_eq!(messages[0].ts_ns, messages[1].ts_ns);
}

#[test]
fn out_of_order_segments_are_put_back_in_order() {
    let mut s = session();
    let frames: Vec<Vec<u8>> = (0..4)
        .map(|i| s.next(true, PSH_ACK, &of_msg(1, PACKET_IN, 100, i)))
        .collect();
    // Recorded 0, 2, 3, 1: like a loopback capture on two CPUs.
    for i in [0, 2, 3, 1] {
        s.record(&frames[i]);
    }
    let run = analyse(s.bytes());
    assert_eq!(run.xids(), vec![0, 1, 2, 3]);
    assert_eq!(run.counters.out_of_order, 2);
    assert_eq!(run.counters.gaps, 0);
    assert_eq!(run.tracker.held_bytes(), 0);
}

#[test]
fn retransmissions_are_dropped_and_conflicting_overlaps_reported() {
    let mut s = session();
    let first = of_msg(1, PACKET_IN, 100, 1);
    let frame = s.next(true, PSH_ACK, &first);
    s.record(&frame).record(&frame); // exact retransmission
    let seq_of_second = 1001; // after the SYN (ISN 1000) the data starts at 1001
    let mut altered = first.clone();
    altered[50] ^= 0xff;
    let second = of_msg(1, PACKET_IN, 100, 2);
    // A resend of the first message with one byte changed, plus the second message.
    let overlapping = s.frame_at(true, seq_of_second, PSH_ACK, &[altered, second].concat());
    s.record(&overlapping);
    let run = analyse(s.bytes());
    assert_eq!(run.xids(), vec![1, 2]);
    assert_eq!(run.messages()[0].bytes, first, "the first copy is kept");
    assert_eq!(run.counters.retransmissions, 2);
    assert_eq!(run.counters.retransmitted_bytes, 200);
    let conflicts: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::OverlapConflict {
                frame,
                stream_offset,
                ..
            } => Some((*frame, *stream_offset)),
            _ => None,
        })
        .collect();
    assert_eq!(conflicts, vec![(5, 50)]);
}

#[test]
fn a_lost_segment_gives_a_gap_then_resync_on_the_next_message() {
    let mut s = session();
    s.send(true, &of_msg(1, PACKET_IN, 60, 1));
    let lost_message = of_msg(1, PACKET_IN, 300, 2);
    let _lost = s.next(true, PSH_ACK, &lost_message[..200]);
    // The rest of the lost message and two more arrive; the capture never saw 200 bytes.
    s.send(
        true,
        &[
            &lost_message[200..],
            &of_msg(1, PACKET_IN, 60, 3),
            &of_msg(1, PACKET_IN, 70, 4),
        ]
        .concat(),
    );
    let mut config = StreamConfig::default();
    config.limits.max_held_segments = 0; // declare the hole lost at once
    let run = analyse_with(s.bytes(), config);
    assert_eq!(run.xids(), vec![1, 3, 4]);
    let gaps: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Gap {
                skipped_bytes,
                reason,
                ..
            } => Some((*skipped_bytes, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(gaps, vec![(300, GapReason::Lost)]);
}

#[test]
fn a_hole_never_filled_is_declared_at_the_end_of_the_capture() {
    let mut s = session();
    s.send(true, &of_msg(1, PACKET_IN, 60, 1));
    let _lost = s.next(true, PSH_ACK, &of_msg(1, PACKET_IN, 60, 2));
    s.send(true, &of_msg(1, PACKET_IN, 60, 3));
    let run = analyse(s.bytes());
    assert_eq!(run.xids(), vec![1, 3]);
    assert_eq!(run.counters.gaps, 1);
    assert_eq!(run.counters.gap_bytes, 60);
}

#[test]
fn a_capture_started_mid_session_resyncs_and_infers_roles_from_types() {
    // No SYN, no known port: roles come from the message types.
    let mut s = Session::new("10.0.0.5:50123", "10.0.0.9:7000", LinkType::ETHERNET);
    let packet_in = of_msg(1, PACKET_IN, 120, 5);
    s.send(true, &packet_in[40..]) // the tail of a message begun before the capture
        .send(true, &of_msg(1, PACKET_IN, 120, 6))
        .send(false, &of_msg(1, PACKET_OUT, 90, 7));
    let config = StreamConfig {
        ports: vec![7000],
        ..StreamConfig::default()
    };
    let run = analyse_with(s.bytes(), config);
    assert_eq!(run.xids(), vec![6, 7]);
    let StreamEvent::ConnOpened { switch, roles, .. } = &run.events[0] else {
        panic!("{:?}", run.events[0]);
    };
    // The known port says 7000 is the controller.
    assert_eq!((switch.port(), *roles), (50123, RoleSource::Port));
    let gap = run.events.iter().find_map(|e| match e {
        StreamEvent::Gap {
            skipped_bytes,
            reason,
            ..
        } => Some((*skipped_bytes, *reason)),
        _ => None,
    });
    assert_eq!(gap, Some((80, GapReason::MidStream)));

    // The same on unknown ports: the heuristic finds it, the types decide the roles, and
    // the controller is the side that sends PACKET_OUT even though it has the higher port.
    let mut s = Session::new("10.0.0.9:61000", "10.0.0.5:50123", LinkType::ETHERNET);
    s.send(false, &of_msg(1, PACKET_IN, 120, 6))
        .send(true, &of_msg(1, ECHO_REQUEST, 8, 8))
        .send(true, &of_msg(1, PACKET_OUT, 90, 7));
    let run = analyse(s.bytes());
    let StreamEvent::ConnOpened {
        switch,
        controller,
        roles,
        ..
    } = &run.events[0]
    else {
        panic!("{:?}", run.events[0]);
    };
    assert_eq!(
        (switch.port(), controller.port(), *roles),
        (50123, 61000, RoleSource::MessageType)
    );
    let directions: Vec<_> = run.messages().iter().map(|m| m.direction).collect();
    assert_eq!(
        directions,
        vec![
            Direction::SwitchToController,
            Direction::ControllerToSwitch,
            Direction::ControllerToSwitch
        ]
    );
}

#[test]
fn heuristic_finds_openflow_on_any_port_and_ignores_other_traffic() {
    let mut of = Session::new("192.168.1.2:33000", "192.168.1.1:9999", LinkType::ETHERNET);
    of.handshake()
        .send(false, &of_msg(4, HELLO, 16, 1)) // the server speaks first
        .send(true, &of_msg(4, HELLO, 8, 2));
    let run = analyse(of.bytes());
    assert_eq!(run.xids(), vec![1, 2]);
    assert_eq!(run.tracker.connections()[0].switch.port(), 33000);

    let mut http = Session::new("192.168.1.2:33001", "192.168.1.1:80", LinkType::ETHERNET);
    http.handshake()
        .send(true, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .send(false, &of_msg(1, HELLO, 8, 1)); // looks like OF, but the flow is known not to be
    let run = analyse(http.bytes());
    assert!(run.events.is_empty(), "{:?}", run.events);
    assert!(run.tracker.connections().is_empty());

    let config = StreamConfig {
        heuristic: false,
        ..StreamConfig::default()
    };
    let run = analyse_with(of.bytes(), config);
    assert!(run.events.is_empty());
}

#[test]
fn ipv6_on_6653_over_linux_sll2() {
    let mut s = Session::new("[fd00::2]:51000", "[fd00::1]:6653", LinkType::LINUX_SLL2);
    s.pcap = PcapBuilder::new(LinkType::LINUX_SLL2);
    s.handshake()
        .send(true, &of_msg(1, HELLO, 8, 1))
        .send(false, &of_msg(1, HELLO, 8, 2));
    let run = analyse(s.bytes());
    assert_eq!(run.xids(), vec![1, 2]);
    let conn = &run.tracker.connections()[0];
    assert_eq!(conn.switch.to_string(), "[fd00::2]:51000");
    assert_eq!(conn.controller.to_string(), "[fd00::1]:6653");
}

#[test]
fn a_new_syn_on_the_same_ports_starts_a_new_connection() {
    let mut s = session();
    s.send(true, &of_msg(1, HELLO, 8, 1)).close();
    // Same four-tuple, new ISNs (the builder keeps counting).
    s.handshake().send(true, &of_msg(1, HELLO, 8, 2));
    // A reset ends it.
    let rst = s.next(true, RST, &[]);
    s.record(&rst);
    let run = analyse(s.bytes());
    let conns: Vec<_> = run.messages().iter().map(|m| m.conn.0).collect();
    assert_eq!(conns, vec![0, 1]);
    let closes: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ConnClosed { conn, reason, .. } => Some((conn.0, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(closes, vec![(0, CloseReason::Fin), (1, CloseReason::Reset)]);
    assert_eq!(run.tracker.connections().len(), 2);

    // Port reuse without a FIN: the second SYN (new ISN) closes the first incarnation.
    let mut s = session();
    s.send(true, &of_msg(1, HELLO, 8, 1));
    let syn = s.frame_at(true, 5_000_000, SYN, &[]);
    s.record(&syn);
    let run = analyse(s.bytes());
    assert_eq!(
        count(&run, |e| matches!(
            e,
            StreamEvent::ConnClosed {
                reason: CloseReason::PortReuse,
                ..
            }
        )),
        1
    );
}

#[test]
fn snaplen_cut_messages_are_truncated_and_framing_continues() {
    let mut s = Session::with_pcap(
        "127.0.0.1:40000",
        "127.0.0.1:6633",
        PcapBuilder::with(LinkType::ETHERNET, false, false, 96),
        LinkType::ETHERNET,
    );
    s.handshake();
    for xid in 1..=3 {
        s.send(true, &of_msg(1, PACKET_IN, 200, xid));
    }
    s.send(
        true,
        &[of_msg(1, ECHO_REQUEST, 8, 4), of_msg(1, PACKET_IN, 100, 5)].concat(),
    );
    let run = analyse(s.bytes());
    let truncated: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Truncated(m) => Some((m.header.xid, m.bytes.len())),
            _ => None,
        })
        .collect();
    // 96 - 14 (Ethernet) - 20 (IP) - 20 (TCP) = 42 bytes of payload survive per segment.
    assert_eq!(truncated, vec![(1, 42), (2, 42), (3, 42), (5, 34)]);
    assert_eq!(run.xids(), vec![4]);
    assert_eq!(run.counters.gaps, 4);
    assert_eq!(run.counters.gap_bytes, 3 * 158 + 66);
}

#[test]
fn sixty_four_mib_of_random_bytes_on_6633_stay_bounded() {
    let mut s = session();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rng = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let total = 64 << 20;
    let mut sent = 0usize;
    let mut frames = Vec::new();
    while sent < total {
        let len = 1 + (rng() % 1460) as usize;
        let payload: Vec<u8> = (0..len).map(|_| rng() as u8).collect();
        frames.push(s.next(rng() % 2 == 0, PSH_ACK, &payload));
        sent += len;
        // Shuffle a little: swap with a recent frame now and then.
        if rng() % 16 == 0 && frames.len() > 2 {
            let n = frames.len();
            frames.swap(n - 1, n - 2 - (rng() % (n as u64 - 2).min(8)) as usize);
        }
        if frames.len() > 64 {
            for f in frames.drain(..) {
                s.record(&f);
            }
        }
    }
    for f in frames.drain(..) {
        s.record(&f);
    }
    let run = analyse(s.bytes());
    let limits = StreamConfig::default().limits;
    // Per direction: held segments, plus a partial message or resync window (< 2 x 64 KiB).
    let bound = 2 * (limits.max_held_bytes + 1460 + 2 * 65_536 + 1460);
    assert!(run.max_held <= bound, "held {} > {bound}", run.max_held);
    assert_eq!(run.tracker.held_bytes(), 0, "all released at the end");
    assert!(run.counters.stream_bytes + run.counters.gap_bytes >= total as u64);
}
