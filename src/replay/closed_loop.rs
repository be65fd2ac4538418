//! Closed loop: the switch modelled by a flow table per connection, built from the apps' own
//! FLOW_MODs with the OF1.0 matching and the timeouts of the analysis' reconstruction, on
//! the virtual clock. A recorded frame reaches the apps only when it misses the table or hits
//! an entry that sends it to the controller; otherwise the simulated switch forwards it.
//!
//! The frames come from the capture's PacketIns, so a capture where every data-plane frame
//! went to the controller (`ovs-testcontroller --noflow`) replays the whole traffic.

use std::collections::BTreeMap;

use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{Action, Body, FlowKey, FlowMod};

use super::apps::Output;
use crate::flow_table::FlowTable;
use crate::session::OfRecord;
use ofscope_dissectors::openflow::flow_mod::ofpff;

/// Flow events are not kept: replay needs the table, not its history.
const NO_HISTORY: usize = 0;

#[derive(Default)]
pub struct Switches {
    tables: BTreeMap<u32, FlowTable>,
    forwarded: u64,
}

impl Switches {
    /// Frames the simulated tables forwarded without the controller.
    pub fn forwarded(&self) -> u64 {
        self.forwarded
    }

    /// Whether a switch→controller record still reaches the apps in closed loop.
    pub fn reaches_controller(&mut self, record: &OfRecord) -> bool {
        match &record.message.body {
            Body::PacketIn(pin) => {
                let table = self
                    .tables
                    .entry(record.conn.0)
                    .or_insert_with(|| FlowTable::new(NO_HISTORY));
                let key = FlowKey::from_bytes(&pin.data, pin.in_port);
                let len = u64::from(pin.total_len);
                match table.hit(&key, len, record.ts_ns) {
                    Some(flow) if !flow.actions.iter().any(to_controller) => {
                        self.forwarded += 1;
                        false
                    }
                    _ => true,
                }
            }
            // The recorded ones describe the recorded controller's flows, not the apps'.
            Body::FlowRemoved(_) => false,
            _ => true,
        }
    }

    /// Applies the FLOW_MODs the apps just sent.
    pub fn apply(&mut self, conn: u32, ts_ns: u64, outputs: &[Output]) {
        for output in outputs {
            if let Output::Send(Body::FlowMod(fm)) = output {
                self.apply_flow_mod(conn, ts_ns, fm);
            }
        }
    }

    /// Applies one FLOW_MOD the controller sent on a connection.
    pub fn apply_flow_mod(&mut self, conn: u32, ts_ns: u64, fm: &FlowMod) {
        // No switch answers with FLOW_REMOVED here, so an idle timeout must expire the
        // entry by itself.
        let mut fm = fm.clone();
        fm.flags &= !ofpff::SEND_FLOW_REM;
        self.tables
            .entry(conn)
            .or_insert_with(|| FlowTable::new(NO_HISTORY))
            .apply(&fm, ts_ns, 0);
    }
}

fn to_controller(action: &Action) -> bool {
    matches!(action, Action::Output { port, .. } if *port == ofpp::CONTROLLER)
}
