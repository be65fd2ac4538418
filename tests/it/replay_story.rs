//! The seeds' "PC C" story in closed loop, on a recording where every data-plane frame went
//! to the controller (`ovs-testcontroller --noflow`). PC C (h3, 00:00:00:00:00:03) has static
//! ARP entries, so its own frames all go to MACs that are already known.

use crate::common::sample;
use ofscope::replay::run::{replay_all, Mode};
use ofscope::replay::{AppSpec, Decision, Summary};
use ofscope::session::{OfRecord, Session, SessionEvent};
use ofscope::stream::StreamConfig;

const PC_C: &str = "00:00:00:00:00:03";

fn records() -> Vec<OfRecord> {
    Session::open(sample("pc-c-noflow.pcap"), StreamConfig::default())
        .expect("sample")
        .filter_map(|e| match e.expect("readable") {
            SessionEvent::Record(r) => Some(r),
            SessionEvent::Stream(_) => None,
        })
        .collect()
}

fn closed_loop(variant: &str) -> (Vec<Decision>, Summary) {
    let spec: AppSpec = format!("learning:variant={variant}").parse().unwrap();
    replay_all(&records(), &[spec], Mode::ClosedLoop, Vec::new())
}

/// PacketIns for frames to PC C that the controller flooded.
fn floods_to_pc_c(decisions: &[Decision]) -> usize {
    decisions
        .iter()
        .filter(|d| d.trigger.kind == "PACKET_IN" && d.trigger.summary.contains("> 10.0.0.3"))
        .filter(|d| {
            d.emit.iter().any(|e| {
                e.actions
                    .as_deref()
                    .is_some_and(|a| a == "FLOOD" || a == "ALL")
            })
        })
        .count()
}

fn flows_to_pc_c(decisions: &[Decision]) -> usize {
    decisions
        .iter()
        .flat_map(|d| &d.emit)
        .filter(|e| e.command.as_deref() == Some("ADD"))
        .filter(|e| e.match_.as_deref() == Some(&format!("dl_dst={PC_C}")))
        .count()
}

#[test]
fn dst_only_never_learns_pc_c_and_keeps_flooding_to_it() {
    let (decisions, summary) = closed_loop("dst-only");
    // PC C's own frames all hit the flows for the MACs it talks to, so it is never learned.
    assert!(
        !decisions.iter().any(|d| d.trigger.in_port == Some(3)),
        "a frame from PC C reached the controller"
    );
    assert_eq!(flows_to_pc_c(&decisions), 0);
    // Every reply to it comes back to the controller and is flooded.
    let floods = floods_to_pc_c(&decisions);
    assert!(floods >= 10, "{floods} floods to PC C; {summary}");
    assert!(summary.floods >= 10, "{summary}");
}

#[test]
fn pyswitch_all_learns_pc_c_with_a_few_packet_ins_and_linear_flows() {
    let (broken, broken_summary) = closed_loop("dst-only");
    let (decisions, summary) = closed_loop("pyswitch-all");
    assert_eq!(
        flows_to_pc_c(&decisions),
        1,
        "PC C is learned and gets its flow"
    );
    // The source-capture flow brought PC C's next frame to the controller.
    assert!(decisions.iter().any(|d| d.trigger.in_port == Some(3)));
    assert!(decisions.iter().flat_map(|d| &d.emit).any(|e| {
        e.match_.as_deref() == Some(&format!("dl_src={PC_C}"))
            && e.actions.as_deref() == Some("CONTROLLER:65535")
            && e.priority == Some(0x8001)
    }));
    assert!(floods_to_pc_c(&decisions) <= 2, "{summary}");
    // About 3 PacketIns per new flow, and one destination flow per host: O(N), not N².
    let per_flow = summary.packet_ins as f64 / summary.flows as f64;
    assert!(
        per_flow <= 3.0,
        "{per_flow:.1} PacketIns per flow; {summary}"
    );
    let destinations: std::collections::BTreeSet<&str> = decisions
        .iter()
        .flat_map(|d| &d.emit)
        .filter(|e| {
            e.command.as_deref() == Some("ADD") && e.actions.as_deref() != Some("CONTROLLER:65535")
        })
        .filter_map(|e| e.match_.as_deref())
        .collect();
    assert_eq!(destinations.len(), 3, "{destinations:?}");
    assert!(
        summary.packet_ins * 2 <= broken_summary.packet_ins,
        "{summary} vs {broken_summary}"
    );
    assert!(
        summary.floods * 4 <= broken_summary.floods,
        "{summary} vs {broken_summary}"
    );
    assert!(floods_to_pc_c(&broken) > 5 * floods_to_pc_c(&decisions).max(1));
}

#[test]
fn open_loop_sees_every_recorded_packet_in() {
    let spec: AppSpec = "learning:variant=dst-only".parse().unwrap();
    let (_, open) = replay_all(&records(), &[spec], Mode::OpenLoop, Vec::new());
    let (_, closed) = closed_loop("dst-only");
    assert_eq!(open.packet_ins, 46);
    assert_eq!(open.forwarded, None);
    assert_eq!(closed.packet_ins + closed.forwarded.unwrap(), 46);
}
