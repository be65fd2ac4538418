//! Issue 12 through `ofscope pcap`: a capture's cut messages keep what they carry (the dpid
//! of a cut FEATURES_REPLY above all), and BDDP discovery frames are LLDP to `-Y`.

use crate::common::{json_lines, ofscope, sample};
use crate::stream_support::Session;
use ofscope::capture::LinkType;

/// `samples/snap96.pcap` was recorded with `-s 96`: its FEATURES_REPLY is cut at 30 of
/// 224 bytes. It was "malformed" and the switch had no dpid.
#[test]
fn snaplen_cut_features_reply_is_truncated_and_gives_the_dpid() {
    let records = json_lines(&ofscope(&["pcap", &sample("snap96.pcap"), "-T", "jsonl"]));
    let features = records
        .iter()
        .find(|r| r["type"] == "FEATURES_REPLY")
        .expect("a FEATURES_REPLY");
    assert_eq!(features["truncated"], 30);
    assert!(features.get("malformed").is_none(), "{features}");
    assert_eq!(
        features["features"]["datapath_id"],
        "00:00:00:00:00:00:00:01"
    );
    let after = records
        .iter()
        .filter(|r| r["frame"].as_u64() > features["frame"].as_u64());
    for record in after {
        assert_eq!(record["dpid"], "00:00:00:00:00:00:00:01", "{record}");
    }
    assert!(
        records.iter().all(|r| r.get("malformed").is_none()),
        "a cut message is truncated, not malformed"
    );
    // The cut FLOW_MODs show their match as far as it was captured.
    let flow_mod = records
        .iter()
        .find(|r| r["type"] == "FLOW_MOD")
        .expect("a FLOW_MOD");
    assert!(
        flow_mod["flow_mod"]["match"]["in_port"].is_u64(),
        "{flow_mod}"
    );
}

/// A PACKET_IN of ONOS's BDDP probe (ethertype 0x8942, LLDP's TLVs).
fn bddp_packet_in() -> Vec<u8> {
    let mut frame = vec![0xff; 6];
    frame.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x89, 0x42]);
    frame.extend_from_slice(&[2, 7, 4, 0, 0, 0, 0, 0, 1]); // chassis id: a MAC
    frame.extend_from_slice(&[4, 5, 5, b'e', b't', b'h', b'1']); // port id: "eth1"
    frame.extend_from_slice(&[6, 2, 0, 120, 0, 0]); // ttl 120, End
    let mut message = vec![1, 10, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    message.extend_from_slice(&(frame.len() as u16).to_be_bytes());
    message.extend_from_slice(&[0, 2, 0, 0]); // in_port 2, NO_MATCH, pad
    message.extend_from_slice(&frame);
    let len = message.len() as u16;
    message[2..4].copy_from_slice(&len.to_be_bytes());
    message
}

#[test]
fn bddp_discovery_frames_match_lldp() {
    let mut session = Session::new("127.0.0.1:40000", "127.0.0.1:6653", LinkType::ETHERNET);
    session
        .handshake()
        .send(true, &[1, 0, 0, 8, 0, 0, 0, 1])
        .send(false, &[1, 0, 0, 8, 0, 0, 0, 1])
        .send(true, &bddp_packet_in());
    let dir = std::env::temp_dir().join(format!("ofscope-bddp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bddp.pcap");
    std::fs::write(&path, session.bytes()).expect("write capture");
    let path = path.to_string_lossy().into_owned();

    for filter in ["lldp", "lldp.bddp"] {
        let records = json_lines(&ofscope(&["pcap", &path, "-Y", filter, "-T", "jsonl"]));
        assert_eq!(records.len(), 1, "-Y {filter}");
        let lldp = &records[0]["packet_in"]["data"]["lldp"];
        assert_eq!(lldp["bddp"], true, "{}", records[0]);
        assert_eq!(lldp["port_id"], "eth1");
    }
    let text = ofscope(&["pcap", &path, "-Y", "lldp"]);
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("| BDDP chassis 00:00:00:00:00:01 port eth1 ttl 120"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
