//! The replay engine: per-connection app chains driven by the capture's own clock.
//!
//! It takes the switch→controller messages in capture order. FEATURES_REPLY brings a
//! connection up (fresh app instances, so state is per switch); PACKET_IN goes down the
//! chain until an app consumes it; FLOW_REMOVED and PORT_STATUS go to every app; ECHO_REQUEST
//! is answered by the engine itself. Everything the apps emit is returned with the call that
//! caused it, so the caller pairs it with its trigger.

use std::collections::BTreeMap;

use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{Action, Body, FeaturesReply, Message, SwitchConfig};

use super::apps::{App, Ctx, Output, Packet, Verdict};
use super::decision::Summary;
use super::spec::AppSpec;

/// One switch→controller message as the engine needs it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub ts_ns: u64,
    /// The connection it arrived on (the stream's connection id).
    pub conn: u32,
    pub message: &'a Message,
}

struct Switch {
    dpid: Option<u64>,
    connected_ns: u64,
    apps: Vec<Box<dyn App>>,
}

pub struct Engine {
    apps: Vec<AppSpec>,
    /// Per app of the chain: the PacketIns it decided (it emitted something or consumed it).
    decided: Vec<u64>,
    switches: BTreeMap<u32, Switch>,
    out: Vec<Output>,
    summary: Summary,
}

impl Engine {
    pub fn new(apps: &[AppSpec]) -> Engine {
        Engine {
            apps: apps.to_vec(),
            decided: vec![0; apps.len()],
            switches: BTreeMap::new(),
            out: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// The datapath id of a connection, once its FEATURES_REPLY was seen.
    pub fn dpid(&self, conn: u32) -> Option<u64> {
        self.switches.get(&conn).and_then(|s| s.dpid)
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Each app of the chain with the PacketIns it decided.
    pub fn decisions_per_app(&self) -> Vec<(&'static str, u64)> {
        self.apps
            .iter()
            .map(AppSpec::name)
            .zip(self.decided.iter().copied())
            .collect()
    }

    /// Handles one switch→controller message. `None` when the message is not something a
    /// controller reacts to (replies, HELLO, ...); otherwise what was emitted, possibly
    /// nothing (a PacketIn that was dropped is still a decision).
    pub fn feed(&mut self, input: &Input) -> Option<&[Output]> {
        self.out.clear();
        if !is_trigger(&input.message.body) {
            return None;
        }
        let conn = input.conn;
        if let Body::FeaturesReply(features) = &input.message.body {
            self.connect(conn, input.ts_ns, features);
            return Some(self.finish());
        }
        let apps = &self.apps;
        let switch = self.switches.entry(conn).or_insert_with(|| Switch {
            dpid: None,
            connected_ns: input.ts_ns,
            apps: apps.iter().map(AppSpec::instantiate).collect(),
        });
        let mut ctx = Ctx {
            now_ns: input.ts_ns,
            connected_ns: switch.connected_ns,
            out: &mut self.out,
        };
        match &input.message.body {
            Body::PacketIn(pin) => {
                self.summary.packet_ins += 1;
                if !is_ingress_port(pin.in_port) {
                    ctx.finding(format!(
                        "PacketIn from port {}, which no frame arrives on; not handled",
                        pin.in_port
                    ));
                } else if let Some(packet) = Packet::new(pin.in_port, pin.buffer_id, &pin.data) {
                    for (app, decided) in switch.apps.iter_mut().zip(&mut self.decided) {
                        let before = ctx.out.len();
                        let verdict = app.packet_in(&mut ctx, &packet);
                        if verdict == Verdict::Consumed || ctx.out.len() > before {
                            *decided += 1;
                        }
                        if verdict == Verdict::Consumed {
                            break;
                        }
                    }
                } else {
                    ctx.finding(format!(
                        "frame of {} bytes is shorter than an Ethernet header; not handled",
                        pin.data.len()
                    ));
                }
            }
            Body::FlowRemoved(removed) => {
                for app in &mut switch.apps {
                    app.flow_removed(&mut ctx, removed);
                }
            }
            Body::PortStatus(status) => {
                for app in &mut switch.apps {
                    app.port_status(&mut ctx, status);
                }
            }
            Body::EchoRequest(data) => ctx.send(Body::EchoReply(data.clone())),
            _ => {}
        }
        Some(self.finish())
    }

    /// The connection has ended: its apps' state goes with it (a reconnecting switch
    /// starts afresh at its FEATURES_REPLY, as in a recording).
    pub fn disconnect(&mut self, conn: u32) {
        self.switches.remove(&conn);
    }

    /// The connection the TAP's frames go to: the first switch connected.
    pub fn tap_conn(&self) -> Option<u32> {
        self.switches.keys().next().copied()
    }

    /// A frame read from the controller's TAP, handed to the first connected switch's apps.
    pub fn tap_frame(&mut self, ts_ns: u64, frame: &[u8]) -> &[Output] {
        self.out.clear();
        if let Some(switch) = self.switches.values_mut().next() {
            let mut ctx = Ctx {
                now_ns: ts_ns,
                connected_ns: switch.connected_ns,
                out: &mut self.out,
            };
            for app in &mut switch.apps {
                app.tap_frame(&mut ctx, frame);
            }
        }
        self.finish()
    }

    fn connect(&mut self, conn: u32, ts_ns: u64, features: &FeaturesReply) {
        let mut switch = Switch {
            dpid: Some(features.datapath_id),
            connected_ns: ts_ns,
            apps: self.apps.iter().map(AppSpec::instantiate).collect(),
        };
        let mut ctx = Ctx {
            now_ns: ts_ns,
            connected_ns: ts_ns,
            out: &mut self.out,
        };
        // The switch keeps only the last SET_CONFIG: an app that sets another config than
        // an earlier app of the chain overrides it, which is said.
        let mut config_set: Option<(&'static str, SwitchConfig)> = None;
        for (app, spec) in switch.apps.iter_mut().zip(&self.apps) {
            let before = ctx.out.len();
            app.connected(&mut ctx, features);
            let set = ctx.out[before..].iter().rev().find_map(|o| match o {
                Output::Send(Body::SetConfig(c)) => Some(*c),
                _ => None,
            });
            let Some(set) = set else {
                continue;
            };
            if let Some((earlier, was)) = config_set.filter(|(_, was)| *was != set) {
                ctx.finding(format!(
                    "{}'s SET_CONFIG (miss_send_len={}, flags={:#x}) overrides {earlier}'s (miss_send_len={}, flags={:#x}): the switch keeps only the last",
                    spec.name(),
                    set.miss_send_len,
                    set.flags,
                    was.miss_send_len,
                    was.flags
                ));
            }
            config_set = Some((spec.name(), set));
        }
        self.switches.insert(conn, switch);
    }

    /// Hands over what the last [`Engine::feed`] or [`Engine::tap_frame`] emitted, without a
    /// copy: swapped with `spare`, which is cleared first. For a caller that carries the
    /// outputs out while it drives the engine again (control).
    pub fn swap_outputs(&mut self, spare: &mut Vec<Output>) {
        spare.clear();
        std::mem::swap(&mut self.out, spare);
    }

    fn finish(&mut self) -> &[Output] {
        for output in &self.out {
            self.summary.count(output);
        }
        &self.out
    }
}

/// A port a switch reports a frame arriving on: a physical port, or LOCAL. Apps that learned
/// any other (0xff00 and up) would send it output actions that the switch rejects.
fn is_ingress_port(port: u16) -> bool {
    port < ofpp::MAX || port == ofpp::LOCAL
}

/// The switch→controller messages a controller reacts to; each makes a decision.
pub fn is_trigger(body: &Body) -> bool {
    matches!(
        body,
        Body::FeaturesReply(_)
            | Body::PacketIn(_)
            | Body::FlowRemoved(_)
            | Body::PortStatus(_)
            | Body::EchoRequest(_)
            | Body::Error(_)
    )
}

impl Summary {
    fn count(&mut self, output: &Output) {
        match output {
            Output::Send(body) => self.count_sent(body),
            Output::Tap(_) => self.tap_writes += 1,
            Output::Finding(_) => {}
        }
    }

    /// Counts a message the controller sent (the apps, or a live one under `--into`).
    pub fn count_sent(&mut self, body: &Body) {
        match body {
            Body::FlowMod(fm) if fm.command == ofpfc::ADD => self.flows += 1,
            Body::PacketOut(po) if po.actions.iter().any(is_flood) => self.floods += 1,
            _ => {}
        }
    }
}

fn is_flood(action: &Action) -> bool {
    matches!(action, Action::Output { port, .. } if *port == ofpp::FLOOD || *port == ofpp::ALL)
}

#[cfg(test)]
mod tests {
    use ofscope_dissectors::openflow::{PacketIn, NO_BUFFER};

    use super::*;

    fn packet_in(in_port: u16, dst: u8, src: u8) -> Message {
        let mut data = vec![0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x00];
        data.resize(60, 0);
        let total_len = data.len() as u16;
        Message::new(
            0,
            Body::PacketIn(PacketIn {
                buffer_id: NO_BUFFER,
                total_len,
                in_port,
                reason: 0,
                data,
            }),
        )
    }

    /// Found by the replay_apps fuzz target: a host learned at port 0xff00 was sent a
    /// FLOW_MOD whose output action no switch accepts.
    #[test]
    fn a_packet_in_from_no_ingress_port_is_a_finding_and_teaches_nothing() {
        let spec: AppSpec = "learning:variant=simple".parse().unwrap();
        let mut engine = Engine::new(&[spec]);
        let mut feed = |message: &Message| {
            let input = Input {
                ts_ns: 1,
                conn: 0,
                message,
            };
            engine.feed(&input).unwrap().to_vec()
        };
        feed(&Message::new(
            0,
            Body::FeaturesReply(FeaturesReply::default()),
        ));
        let outputs = feed(&packet_in(ofpp::MAX, 2, 1));
        assert!(
            matches!(&outputs[..], [Output::Finding(text)] if text.contains("65280")),
            "{outputs:?}"
        );
        for output in feed(&packet_in(2, 1, 2)) {
            if let Output::Send(body) = output {
                let bytes = Message::new(0, body.clone()).emit();
                assert_eq!(ofscope_dissectors::openflow::parse(&bytes).body, body);
            }
        }
    }
}
