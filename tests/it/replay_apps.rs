//! The replay apps on hand-built sessions: every variant's published behaviour, the
//! responders, the tunnel and the engine's chaining, checked in the normalised rendering.

use crate::common::hex;
use ofscope::replay::decision::{packet_ref, Trigger};
use ofscope::replay::{AppSpec, Decision, Engine, Input};
use ofscope_dissectors::openflow::{Body, FeaturesReply, Message, PacketIn, NO_BUFFER};

const H1: &str = "000000000001";
const H2: &str = "000000000002";
const H3: &str = "000000000003";
const VMAC: &str = "0200000000fe";
const BROADCAST: &str = "ffffffffffff";

/// An IPv4/UDP frame from `src` to `dst` (MACs as hex), padded to 60 bytes.
fn udp(dst: &str, src: &str) -> Vec<u8> {
    hex(&format!(
        "{dst}{src}0800 4500001c00004000401100000a0000010a000002 0035003500080000 000000000000000000000000000000000000"
    ))
}

fn arp_request(src: &str, spa: &str, tpa: &str, tag: &str) -> Vec<u8> {
    hex(&format!(
        "{BROADCAST}{src}{tag}0806 0001080006040001 {src}{spa} 000000000000{tpa} 000000000000000000000000000000000000"
    ))
}

/// ICMP echo request 10.0.0.1 > 10.0.0.254, id 1 seq 1, 8 data bytes, IP id 0x1234.
fn ping_request(tag: &str) -> Vec<u8> {
    hex(&format!(
        "{VMAC}{H1}{tag}0800 450000241234400040010000 0a000001 0a0000fe 08000000 00010001 0001020304050607"
    ))
}

struct Run {
    engine: Engine,
    ts_ns: u64,
    frame: u64,
}

impl Run {
    fn new(apps: &[&str]) -> Run {
        let specs: Vec<AppSpec> = apps.iter().map(|a| a.parse().unwrap()).collect();
        Run {
            engine: Engine::new(&specs),
            ts_ns: 1_000_000_000,
            frame: 0,
        }
    }

    fn feed(&mut self, body: Body) -> Option<Decision> {
        self.frame += 1;
        let message = Message::new(0, body);
        let input = Input {
            ts_ns: self.ts_ns,
            conn: 0,
            message: &message,
        };
        let outputs = self.engine.feed(&input)?.to_vec();
        let trigger = Trigger::from_message(self.frame, self.ts_ns, self.engine.dpid(0), &message);
        Some(Decision::new(trigger, packet_ref(Some(&message)), &outputs))
    }

    fn connect(&mut self) -> Vec<String> {
        lines(&self.feed(Body::FeaturesReply(FeaturesReply {
            datapath_id: 1,
            ..FeaturesReply::default()
        })))
    }

    fn packet_in(&mut self, in_port: u16, data: Vec<u8>) -> Vec<String> {
        lines(&self.feed(Body::PacketIn(PacketIn {
            buffer_id: NO_BUFFER,
            total_len: data.len() as u16,
            in_port,
            reason: 0,
            data,
        })))
    }

    fn after(&mut self, seconds: u64) -> &mut Run {
        self.ts_ns += seconds * 1_000_000_000;
        self
    }
}

/// What was emitted, one line per message / TAP write / finding.
fn lines(d: &Option<Decision>) -> Vec<String> {
    let text = d.as_ref().expect("a decision").to_string();
    text.lines().skip(1).map(|l| l.trim().to_owned()).collect()
}

#[test]
fn simple_switch_floods_then_installs_in_port_src_dst_flows() {
    let mut r = Run::new(&["learning:variant=simple,idle=5"]);
    assert_eq!(r.connect(), ["(nothing)"]);
    let first = r.packet_in(1, udp(H2, H1));
    assert_eq!(first.len(), 1);
    assert!(
        first[0].starts_with("PACKET_OUT in_port=1 buffer=none actions=FLOOD | "),
        "{first:?}"
    );
    assert!(
        !first[0].contains("fnv1a"),
        "the PacketIn's own frame is not digested: {first:?}"
    );
    let second = r.packet_in(2, udp(H1, H2));
    assert_eq!(
        second[0],
        "FLOW_MOD ADD in_port=2,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01 idle=5 hard=0 \
         priority=32768 buffer=none flags=SEND_FLOW_REM actions=output:1"
    );
    assert!(second[1].starts_with("PACKET_OUT in_port=2 buffer=none actions=output:1"));
    assert_eq!(r.engine.summary().flows, 1);
    assert_eq!(r.engine.summary().floods, 1);
    assert_eq!(r.engine.summary().packet_ins, 2);
}

#[test]
fn pox_handshake_exact_flows_barrier_and_drop() {
    let mut r = Run::new(&["learning:variant=pox"]);
    assert_eq!(
        r.connect(),
        [
            "SET_CONFIG flags=0 | miss_send_len=128",
            "FLOW_MOD DELETE (all) out_port=NONE",
            "BARRIER_REQUEST"
        ]
    );
    r.packet_in(1, udp(H2, H1));
    let known = r.packet_in(2, udp(H1, H2));
    assert_eq!(known.len(), 3, "{known:?}");
    assert!(
        known[0].starts_with("FLOW_MOD ADD udp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,tp_src=53,tp_dst=53 idle=10 hard=30 priority=32768 buffer=none actions=output:1"),
        "{known:?}"
    );
    assert_eq!(known[1], "BARRIER_REQUEST");
    assert!(known[2].starts_with("PACKET_OUT in_port=2 buffer=none actions=TABLE"));
    // H1 talks to H2 from H2's own port: drop for 10 s, without in_port in the match.
    let same = r.packet_in(2, udp(H2, H1));
    assert_eq!(same.len(), 1);
    assert!(
        same[0].starts_with("FLOW_MOD ADD udp,vlan_tci=0x0000,"),
        "{same:?}"
    );
    assert!(same[0].contains("idle=10 hard=10") && same[0].ends_with("actions=drop"));
    // LLDP and bridge-filtered destinations, unbuffered: nothing at all.
    let lldp = hex(&format!("0180c200000e{H1}88cc 0000"));
    assert_eq!(r.packet_in(1, lldp), ["(nothing)"]);
}

#[test]
fn pox_hold_down_sends_floods_without_actions() {
    let mut r = Run::new(&["learning:variant=pox,hold_down=5"]);
    r.connect();
    assert!(r.packet_in(1, udp(H2, H1))[0].contains("actions=drop"));
    assert!(r.after(6).packet_in(1, udp(H2, H1))[0].contains("actions=FLOOD"));
}

#[test]
fn nox_forgets_macs_after_five_seconds() {
    let mut r = Run::new(&["learning:variant=nox"]);
    r.connect();
    r.packet_in(1, udp(H2, H1));
    let known = r.packet_in(2, udp(H1, H2));
    assert!(known[0].contains("idle=5 hard=0") && known[0].contains("in_port=2,"));
    assert!(known[1].starts_with("PACKET_OUT in_port=2 buffer=none actions=output:1"));
    // H1 was learned at t=1 s and not refreshed since: at t=7 s it is gone.
    let later = r.after(6).packet_in(2, udp(H1, H2));
    assert!(later[0].contains("actions=FLOOD"), "{later:?}");
    // Multicast sources are never learned.
    r.packet_in(3, udp(H1, "010000000003"));
    assert!(r.packet_in(1, udp("010000000003", H1))[0].contains("actions=FLOOD"));
}

/// `mac_age` sets how long a learned MAC lasts: NOX's 5 s by default, POX's for ever (0).
#[test]
fn mac_age_overrides_each_variants_default() {
    let floods_after = |app: &str, seconds: u64| {
        let mut r = Run::new(&[app]);
        r.connect();
        r.packet_in(1, udp(H2, H1));
        r.after(seconds).packet_in(2, udp(H1, H2))[0].contains("actions=FLOOD")
    };
    assert!(floods_after("learning:variant=nox", 6));
    assert!(!floods_after("learning:variant=nox,mac_age=0", 600));
    assert!(!floods_after("learning:variant=pox", 600));
    assert!(floods_after("learning:variant=pox,mac_age=2", 3));
    assert!(!floods_after("learning:variant=pox,mac_age=2", 1));
}

/// Two chained apps that both set the switch's config: the later one's SET_CONFIG
/// overrides the earlier one's, and the replay says so.
#[test]
fn a_chained_apps_set_config_overriding_anothers_is_a_finding() {
    let mut r = Run::new(&[
        "learning:variant=pox,miss_send_len=1400",
        "learning:variant=pox",
    ]);
    let connect = r.connect();
    let said: Vec<&String> = connect.iter().filter(|l| l.contains("overrides")).collect();
    assert_eq!(said.len(), 1, "{connect:?}");
    assert!(
        said[0].contains("(miss_send_len=128, flags=0x0) overrides learning's (miss_send_len=1400"),
        "{}",
        said[0]
    );
    let mut same = Run::new(&["learning:variant=pox", "learning:variant=pox"]);
    assert!(same.connect().iter().all(|l| !l.contains("overrides")));
}

#[test]
fn dst_only_matches_the_destination_alone() {
    let mut r = Run::new(&["learning:variant=dst-only"]);
    r.connect();
    r.packet_in(1, udp(H2, H1));
    let known = r.packet_in(2, udp(H1, H2));
    assert!(
        known[0].starts_with("FLOW_MOD ADD dl_dst=00:00:00:00:00:01 idle=5 hard=0 priority=32768"),
        "{known:?}"
    );
}

#[test]
fn pyswitch_all_captures_unknown_destinations_and_uses_all() {
    let mut r = Run::new(&["learning:variant=pyswitch-all"]);
    r.connect();
    let unknown = r.packet_in(1, udp(H3, H1));
    assert_eq!(unknown.len(), 2);
    assert!(unknown[0].starts_with("PACKET_OUT in_port=1 buffer=none actions=ALL"));
    assert_eq!(
        unknown[1],
        "FLOW_MOD ADD dl_src=00:00:00:00:00:03 idle=5 hard=1 priority=32769 buffer=none actions=CONTROLLER:65535"
    );
    let learned = r.packet_in(3, udp(H1, H3));
    assert_eq!(
        learned[0],
        "FLOW_MOD DELETE dl_src=00:00:00:00:00:01 out_port=NONE"
    );
    assert!(learned[1]
        .starts_with("FLOW_MOD ADD dl_dst=00:00:00:00:00:01 idle=5 hard=0 priority=32768"));
    assert!(learned[2].starts_with("PACKET_OUT in_port=3 buffer=none actions=output:1"));
    // Broadcast: ALL, and no capture flow.
    assert_eq!(r.packet_in(1, udp(BROADCAST, H1)).len(), 1);
}

#[test]
fn options_override_variant_defaults() {
    let mut r = Run::new(&["learning:variant=simple,flood=all,idle=7,hard=9,priority=100"]);
    r.connect();
    assert!(r.packet_in(1, udp(H2, H1))[0].contains("actions=ALL"));
    assert!(r.packet_in(2, udp(H1, H2))[0].contains("idle=7 hard=9 priority=100"));
}

const VIP_APPS: [&str; 3] = [
    "arp:ip=10.0.0.254,mac=02:00:00:00:00:fe",
    "ping:ip=10.0.0.254,mac=02:00:00:00:00:fe",
    "learning:variant=simple,idle=5",
];

#[test]
fn arp_reply_keeps_the_tag_and_is_not_learned_from() {
    let mut r = Run::new(&VIP_APPS);
    r.connect();
    let tagged = r.packet_in(3, arp_request(H1, "0a000001", "0a0000fe", "8100400a"));
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    assert!(
        tagged[0].starts_with(
            "PACKET_OUT in_port=3 buffer=none actions=IN_PORT | 802.1Q vlan 10 p 2, ARP reply 10.0.0.254 is-at 02:00:00:00:00:fe [46 bytes"
        ),
        "{tagged:?}"
    );
    // The request was consumed before learning: H1 is still unknown.
    assert!(r.packet_in(2, udp(H1, H2))[0].contains("actions=FLOOD"));
    // Requests for other addresses go on to learning.
    assert!(
        r.packet_in(1, arp_request(H1, "0a000001", "0a000002", ""))[0].contains("actions=FLOOD")
    );
}

#[test]
fn ping_reply_and_truncated_request() {
    let mut r = Run::new(&VIP_APPS);
    r.connect();
    let reply = r.packet_in(1, ping_request(""));
    assert_eq!(reply.len(), 1);
    assert!(
        reply[0].starts_with("PACKET_OUT in_port=1 buffer=none actions=IN_PORT | IP 10.0.0.254 > 10.0.0.1: ICMP echo reply, id 1, seq 1"),
        "{reply:?}"
    );
    let mut cut = ping_request("8100000a");
    cut.truncate(cut.len() - 4);
    let answer = r.packet_in(1, cut);
    assert!(answer
        .iter()
        .any(|l| l.starts_with("finding: echo request from 10.0.0.1 to 10.0.0.254 is cut short")));
    assert!(
        answer.iter().any(|l| l.contains("actions=FLOOD")),
        "falls through to learning: {answer:?}"
    );
}

#[test]
fn echo_requests_are_answered_with_their_data() {
    let mut r = Run::new(&["learning"]);
    let d = lines(&r.feed(Body::EchoRequest(vec![1, 2, 3])));
    assert_eq!(d.len(), 1);
    assert!(d[0].starts_with("ECHO_REPLY | 3 bytes"));
    assert!(r.feed(Body::BarrierReply).is_none());
}

#[test]
fn tunnel_taps_its_mac_and_multicast_and_sends_tap_frames() {
    let mut r = Run::new(&["tunnel:mac=02:00:00:00:00:fe", "learning:variant=simple"]);
    assert_eq!(r.connect(), ["SET_CONFIG flags=0 | miss_send_len=1400"]);
    let to_us = r.packet_in(1, udp(VMAC, &format!("{H1}8100000a")));
    assert_eq!(to_us.len(), 1, "consumed: {to_us:?}");
    assert!(to_us[0].starts_with("TAP IP "), "untagged: {to_us:?}");
    let multicast = r.packet_in(2, udp(BROADCAST, H2));
    assert_eq!(multicast.len(), 2, "written and flooded: {multicast:?}");
    let out = r.engine.tap_frame(5, &udp(H1, VMAC)).to_vec();
    let d = Decision::new(
        Trigger::tap(1, 5, &udp(H1, VMAC), None),
        packet_ref(None),
        &out,
    );
    assert!(d.emit[0]
        .to_string()
        .starts_with("PACKET_OUT in_port=NONE buffer=none actions=output:1"));
    let out = r.engine.tap_frame(6, &udp(H3, VMAC)).to_vec();
    let d = Decision::new(
        Trigger::tap(2, 6, &udp(H3, VMAC), None),
        packet_ref(None),
        &out,
    );
    assert!(d.emit[0].to_string().contains("actions=ALL"));
}

#[test]
fn state_is_per_switch() {
    let specs: Vec<AppSpec> = vec!["learning:variant=simple".parse().unwrap()];
    let mut engine = Engine::new(&specs);
    let pin = |in_port, data: Vec<u8>| {
        Message::new(
            0,
            Body::PacketIn(PacketIn {
                buffer_id: NO_BUFFER,
                total_len: 60,
                in_port,
                reason: 0,
                data,
            }),
        )
    };
    let learn = pin(1, udp(H2, H1));
    let ask = pin(2, udp(H1, H2));
    engine.feed(&Input {
        ts_ns: 0,
        conn: 0,
        message: &learn,
    });
    let other_switch = engine
        .feed(&Input {
            ts_ns: 0,
            conn: 1,
            message: &ask,
        })
        .unwrap()
        .len();
    let same_switch = engine
        .feed(&Input {
            ts_ns: 0,
            conn: 0,
            message: &ask,
        })
        .unwrap()
        .len();
    assert_eq!((other_switch, same_switch), (1, 2));
}
