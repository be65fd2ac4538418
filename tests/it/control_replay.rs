//! The proof of `ofscope control`: what it decided live, `replay --against-recording`
//! decides again on its recording, and the recording decodes to the messages that went over
//! the wire. Two switches and four hosts each; one switch reconnects midway (fresh apps for
//! its new connection, in both).

use std::path::Path;

use ofscope::capture::{FileSource, FrameSource};
use ofscope_dissectors::frame::{Frame, Network, Transport};
use ofscope_dissectors::openflow::Message;

use crate::common::{command, temp_dir};
use crate::control_support::{packet_in, Control, Switch};

const HOSTS: u8 = 4;

/// Sends `count` PacketIns between the hosts; the echo after them returns once control has
/// answered them all (it answers in order).
fn traffic(switch: &mut Switch, count: u8, seed: u8) {
    for i in 0..count {
        let src = 1 + (i + seed) % HOSTS;
        let dst = 1 + (i * 3 + seed + 1) % HOSTS;
        if src != dst {
            switch.send(packet_in(src, dst));
        }
    }
    switch.echo();
}

fn stdout_of(args: &[&str]) -> String {
    let o = command().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_recorded_session_replays_with_every_decision_the_same() {
    let dir = temp_dir("control-replay");
    let recording = dir.join("session.pcap");
    let rec = recording.to_str().unwrap();
    let control = Control::start(&["-w", rec, "-q"]);
    let port = control.addr.port().to_string();
    let mut one = Switch::handshake(&control, 1);
    let mut two = Switch::handshake(&control, 2);
    traffic(&mut one, 20, 0);
    traffic(&mut two, 20, 1);
    drop(one);
    let mut again = Switch::handshake(&control, 1);
    traffic(&mut again, 20, 2);
    traffic(&mut two, 10, 3);
    drop((two, again));
    let (status, lines) = control.terminate();
    assert!(status.success(), "{lines:?}");

    let replay = stdout_of(&[
        "replay",
        rec,
        "--app",
        "learning:variant=pox",
        "--against-recording",
        "--port",
        &port,
    ]);
    assert!(
        replay.contains("agreement with the recorded controller: 100.00%"),
        "{replay}"
    );
    // Every PacketIn sent is in the recording, and every one got its decision.
    let messages: Vec<serde_json::Value> =
        stdout_of(&["pcap", rec, "--port", &port, "-T", "jsonl"])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let of_type = |t: &str| messages.iter().filter(|m| m["type"] == t).count();
    let sent = (0..20)
        .filter(|i| (i % HOSTS) != ((i * 3 + 1) % HOSTS))
        .count();
    assert!(of_type("PACKET_IN") > 2 * sent, "{}", of_type("PACKET_IN"));
    assert!(
        replay.contains(&format!(
            "{} PacketIns reached the controller",
            of_type("PACKET_IN")
        )),
        "{replay}"
    );
    assert_eq!(of_type("FEATURES_REPLY"), 3);
    assert!(of_type("PACKET_OUT") + of_type("FLOW_MOD") >= of_type("PACKET_IN"));
    assert_no_leftovers(&dir);
}

/// No TAP was used: nothing is written beside the recording.
fn assert_no_leftovers(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["session.pcap"]);
    std::fs::remove_dir_all(dir).ok();
}

/// The frame each message went in carries it whole, between the real endpoints.
#[test]
fn the_recording_holds_the_messages_as_sent() {
    let dir = temp_dir("control-bytes");
    let recording = dir.join("session.pcap");
    let control = Control::start(&["-w", recording.to_str().unwrap(), "-q"]);
    let controller = control.addr;
    let mut switch = Switch::handshake(&control, 9);
    let local = switch.local();
    let sent = Message::new(0x77, packet_in(1, 2));
    switch.send_xid(0x77, sent.body.clone());
    switch.echo();
    drop(switch);
    let (status, lines) = control.terminate();
    assert!(status.success(), "{lines:?}");
    // The frames whose TCP payload is the message, byte for byte.
    let mut source = FileSource::open(&recording).unwrap();
    let mut found = Vec::new();
    while let Some(frame) = source.next_frame() {
        let frame = Frame::parse(frame.unwrap().data);
        if let (Network::Ipv4(ip), Transport::Tcp(tcp)) = (&frame.network, &frame.transport) {
            if frame.payload == sent.emit() {
                found.push((ip.src, tcp.src_port, ip.dst, tcp.dst_port));
            }
        }
    }
    let loopback = std::net::Ipv4Addr::LOCALHOST;
    assert_eq!(
        found,
        [(loopback, local.port(), loopback, controller.port())]
    );
    std::fs::remove_dir_all(dir).ok();
}
