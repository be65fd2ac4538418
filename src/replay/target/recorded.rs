//! The switches of a recording, as `replay --into` plays them to a live controller: per
//! recorded connection its datapath id and FEATURES_REPLY (with the ports), the replies it
//! gave to the controller's requests, and the switch→controller messages a controller
//! reacts to (the replay engine's triggers), with their timestamps.
//!
//! The capture is read as `replay` reads it (the session's records, in capture order); every
//! record is kept, so that `--against-recording` compares with the recorded controller by
//! the very rules app replay uses.

use std::collections::HashMap;

use ofscope_dissectors::openflow::stats::{StatsReply, StatsRequest};
use ofscope_dissectors::openflow::{Body, Message};

use super::super::engine::is_trigger;
use crate::session::OfRecord;
use crate::switch::Answers;

/// One recorded switch connection.
#[derive(Debug, Clone)]
pub struct RecordedSwitch {
    /// The capture's connection id.
    pub conn: u32,
    pub dpid: u64,
    /// When the connection's first message was recorded: the emulated switch connects then.
    pub opened_ns: u64,
    /// The FEATURES_REPLY record (index into [`Recording::records`]): sent in answer to the
    /// controller's FEATURES_REQUEST, and the trigger of its "connection up" decision.
    pub features: usize,
    /// The answers it gave.
    pub replies: RecordedReplies,
}

/// What a recorded switch answered to the controller's STATS_REQUESTs, to answer a live
/// controller's equal requests the same way (the emulated switch answers the others, and
/// these when the recording has no equal request, by itself).
#[derive(Debug, Clone, Default)]
pub struct RecordedReplies {
    /// Each STATS_REQUEST with every STATS_REPLY message that answered it (several when the
    /// reply came in parts), the first recorded of each request.
    stats: Vec<(StatsRequest, Vec<StatsReply>)>,
}

impl Answers for RecordedReplies {
    fn stats(&mut self, request: &Message) -> Option<Vec<StatsReply>> {
        let Body::StatsRequest(request) = &request.body else {
            return None;
        };
        self.stats
            .iter()
            .find(|(r, _)| r == request)
            .map(|(_, replies)| replies.clone())
    }
}

/// A recorded connection before its FEATURES_REPLY is known, with the requests waiting for
/// their replies (by xid).
#[derive(Default)]
struct Building {
    opened_ns: u64,
    features: Option<usize>,
    replies: RecordedReplies,
    requests: HashMap<u32, StatsRequest>,
    answered: HashMap<u32, usize>,
}

/// Every record of a capture, and its switches.
#[derive(Default)]
pub struct Recording {
    pub records: Vec<OfRecord>,
    conns: Vec<(u32, Building)>,
}

/// What `replay --into` plays: the switches, and the triggers in capture order.
pub struct Script {
    pub records: Vec<OfRecord>,
    pub switches: Vec<RecordedSwitch>,
    /// Per trigger to send: the switch (index into `switches`) and the record.
    pub triggers: Vec<(usize, usize)>,
    /// Connections that sent triggers but no FEATURES_REPLY (the capture began after the
    /// handshake): no switch can be emulated without its datapath id and ports. Each with
    /// the number of its triggers, which are not played.
    pub headless: Vec<(u32, usize)>,
}

impl Recording {
    /// Takes the next record of the capture.
    pub fn push(&mut self, record: OfRecord) {
        let at = self.records.len();
        let conn = record.conn.0;
        let building = match self.conns.iter().position(|(c, _)| *c == conn) {
            Some(i) => &mut self.conns[i].1,
            None => {
                self.conns.push((
                    conn,
                    Building {
                        opened_ns: record.ts_ns,
                        ..Building::default()
                    },
                ));
                &mut self.conns.last_mut().expect("just pushed").1
            }
        };
        let xid = record.message.header.xid;
        match &record.message.body {
            Body::FeaturesReply(_) if building.features.is_none() => {
                building.features = Some(at);
            }
            Body::StatsRequest(request) if !record.from_switch() => {
                building.requests.insert(xid, request.clone());
            }
            Body::StatsReply(reply) if record.from_switch() => {
                if let Some(request) = building.requests.get(&xid) {
                    let replies = &mut building.replies.stats;
                    match building.answered.get(&xid) {
                        Some(&i) => replies[i].1.push(reply.clone()),
                        None if replies.iter().all(|(r, _)| r != request) => {
                            building.answered.insert(xid, replies.len());
                            replies.push((request.clone(), vec![reply.clone()]));
                        }
                        None => {}
                    }
                    if !reply.more() {
                        building.requests.remove(&xid);
                        building.answered.remove(&xid);
                    }
                }
            }
            _ => {}
        }
        self.records.push(record);
    }

    /// The switches and what each plays. A trigger is every switch→controller message
    /// the replay engine reacts to, after the connection's FEATURES_REPLY.
    pub fn into_script(self) -> Script {
        let mut switches = Vec::new();
        let mut of_conn = HashMap::new();
        let mut headless = Vec::new();
        for (conn, building) in self.conns {
            let Some(features) = building.features else {
                let triggers = self
                    .records
                    .iter()
                    .filter(|r| r.conn.0 == conn && r.from_switch() && is_trigger(&r.message.body))
                    .count();
                if triggers > 0 {
                    headless.push((conn, triggers));
                }
                continue;
            };
            let Body::FeaturesReply(reply) = &self.records[features].message.body else {
                continue;
            };
            of_conn.insert(conn, switches.len());
            switches.push(RecordedSwitch {
                conn,
                dpid: reply.datapath_id,
                opened_ns: building.opened_ns,
                features,
                replies: building.replies,
            });
        }
        let triggers = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.from_switch() && is_trigger(&r.message.body))
            .filter_map(|(at, r)| {
                let switch = *of_conn.get(&r.conn.0)?;
                (at > switches[switch].features).then_some((switch, at))
            })
            .collect();
        Script {
            records: self.records,
            switches,
            triggers,
            headless,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Session, SessionEvent};
    use crate::stream::StreamConfig;

    fn script(sample: &str) -> Script {
        let path = format!("{}/samples/{sample}", env!("CARGO_MANIFEST_DIR"));
        let mut recording = Recording::default();
        for event in Session::open(path, StreamConfig::default()).unwrap() {
            if let SessionEvent::Record(record) = event.unwrap() {
                recording.push(record);
            }
        }
        recording.into_script()
    }

    #[test]
    fn a_switch_with_its_ports_replies_and_triggers() {
        let s = script("osken-idle.pcap");
        assert_eq!(s.switches.len(), 1);
        let switch = &s.switches[0];
        assert_eq!(switch.dpid, 1);
        let Body::FeaturesReply(features) = &s.records[switch.features].message.body else {
            panic!("not a FEATURES_REPLY");
        };
        assert_eq!(features.ports.len(), 4);
        // refctl --connect-probes asked for DESC, FLOW, AGGREGATE, TABLE and PORT stats.
        let kinds: Vec<u16> = switch
            .replies
            .stats
            .iter()
            .map(|(r, _)| r.stats_type())
            .collect();
        assert_eq!(kinds, [0, 1, 2, 3, 4]);
        // Every trigger follows the handshake, and none is a reply.
        assert!(!s.triggers.is_empty());
        for &(sw, at) in &s.triggers {
            assert_eq!(sw, 0);
            assert!(at > switch.features);
            assert!(is_trigger(&s.records[at].message.body));
        }
        assert!(s.headless.is_empty());
    }

    #[test]
    fn a_capture_without_the_handshake_has_no_switch_to_play() {
        let s = script("midsession.pcap");
        assert!(s.switches.is_empty());
        assert!(s.triggers.is_empty());
        assert_eq!(s.headless.len(), 1);
        assert!(s.headless[0].1 > 0);
    }

    #[test]
    fn two_switches_two_connections() {
        let s = script("two-switch.pcap");
        let mut dpids: Vec<u64> = s.switches.iter().map(|w| w.dpid).collect();
        dpids.sort_unstable();
        assert_eq!(dpids, [1, 2]);
    }
}
