//! The L2 learning switch, in the variants of the published controllers (DESIGN.md appendix):
//! POX `forwarding.l2_learning`, NOX `pyswitch`, the seeds' `dst-only` change and their
//! `pyswitch-all` fix for the "PC C" flaw, and Ryu/os-ken `simple_switch` for OF1.0.

use ofscope_dissectors::openflow::action::Action;
use ofscope_dissectors::openflow::flow_match::{ofpfw, Match};
use ofscope_dissectors::openflow::flow_mod::{ofpfc, ofpff, DEFAULT_PRIORITY};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{
    Body, FeaturesReply, FlowKey, FlowMod, PacketOut, SwitchConfig, NO_BUFFER,
};

use super::{mac_key, App, Ctx, MacMap, Packet, Verdict};
use crate::replay::spec::{maker, AppEntry, Opt, Options, SpecError};

pub const ENTRY: AppEntry = AppEntry {
    name: "learning",
    options: &[
        Opt::new("variant", "pox|nox|dst-only|pyswitch-all|simple|ovs"),
        Opt::new("flood", "all|flood"),
        // The flow timeouts, priority and miss_send_len are 16-bit fields of OpenFlow 1.0;
        // hold_down is held to the same span of seconds.
        Opt::new("idle", "SECONDS").range(0, 65_535),
        Opt::new("hard", "SECONDS").range(0, 65_535),
        Opt::new("priority", "N").range(0, 65_535),
        Opt::new("hold_down", "SECONDS").range(0, 65_535),
        Opt::new("connect", "reset|none"),
        Opt::new("miss_send_len", "BYTES").range(0, 65_535),
        Opt::new("mac_age", "SECONDS").range(0, 65_535),
        Opt::new("flows", "exact|l2|none").note("ovs"),
    ],
    build: |o| Ok(maker(Config::parse(o)?, Learning::new)),
};

/// Ryu's default `max_len` for an output action (OF1.0 `OFPActionOutput`).
const RYU_MAX_LEN: u16 = 0xffe5;
/// NOX pyswitch forgets a MAC this long after learning it (its `CACHE_TIMEOUT`, seconds).
const NOX_MAC_AGE_SECS: u64 = 5;
/// Open vSwitch's MAC learning forgets a MAC this long after it was last seen
/// (`MAC_ENTRY_DEFAULT_IDLE_TIME`, seconds).
const OVS_MAC_AGE_SECS: u64 = 300;
/// POX drops a packet whose destination is behind its own input port for this long.
const POX_DROP_SECS: u16 = 10;
/// `pyswitch-all`'s source-capture flow lives at most this long.
const CAPTURE_HARD_SECS: u16 = 1;
const SECOND_NS: u64 = 1_000_000_000;
/// What POX asks the switch to send of a missed packet.
const POX_MISS_SEND_LEN: u16 = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Pox,
    Nox,
    DstOnly,
    PyswitchAll,
    Simple,
    /// `ovs-testcontroller`'s learning switch (Open vSwitch's lswitch).
    Ovs,
}

/// What the `ovs` variant installs for a known destination (ovs-testcontroller's flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flows {
    /// The exact from-packet match (the default).
    Exact,
    /// in_port, VLAN and the two MACs (`--wildcards`).
    L2,
    /// No flows: every frame is sent on by PACKET_OUT (`--noflow`).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub variant: Variant,
    /// FLOOD or ALL.
    pub flood_port: u16,
    pub idle: u16,
    pub hard: u16,
    pub priority: u16,
    /// Seconds after the switch connects during which floods are held down (sent with no
    /// actions), as POX's `hold_down`.
    pub hold_down: u64,
    /// On connect, reset the switch: SET_CONFIG with `miss_send_len`, delete every flow,
    /// BARRIER (POX always does; other controllers when told to).
    pub reset_on_connect: bool,
    pub miss_send_len: u16,
    pub flows: Flows,
    /// How long a learned MAC lasts, in seconds; 0: for ever (POX and Ryu never forget).
    pub mac_age: u64,
}

impl Config {
    pub fn parse(o: &Options) -> Result<Config, SpecError> {
        let variant = match o.get("variant").unwrap_or("pox") {
            "pox" => Variant::Pox,
            "nox" => Variant::Nox,
            "dst-only" => Variant::DstOnly,
            "pyswitch-all" => Variant::PyswitchAll,
            "simple" => Variant::Simple,
            "ovs" => Variant::Ovs,
            v => {
                return Err(o.bad(
                    "variant",
                    v,
                    "pox, nox, dst-only, pyswitch-all, simple or ovs",
                ))
            }
        };
        let (idle, hard, flood) = match variant {
            Variant::Pox => (10, 30, ofpp::FLOOD),
            Variant::Nox | Variant::DstOnly => (5, 0, ofpp::FLOOD),
            Variant::PyswitchAll => (5, 0, ofpp::ALL),
            Variant::Simple => (0, 0, ofpp::FLOOD),
            Variant::Ovs => (60, 0, ofpp::FLOOD),
        };
        let flows = match (o.get("flows"), variant) {
            (None | Some("exact"), Variant::Ovs) => Flows::Exact,
            (Some("l2"), Variant::Ovs) => Flows::L2,
            (Some("none"), Variant::Ovs) => Flows::None,
            (Some(v), Variant::Ovs) => return Err(o.bad("flows", v, "exact, l2 or none")),
            (Some(v), _) => return Err(o.bad("flows", v, "nothing: flows is for variant=ovs")),
            (None, _) => Flows::Exact,
        };
        let flood_port = match o.get("flood") {
            None => flood,
            Some("all") => ofpp::ALL,
            Some("flood") => ofpp::FLOOD,
            Some(v) => return Err(o.bad("flood", v, "all or flood")),
        };
        Ok(Config {
            variant,
            flood_port,
            idle: o.number("idle", idle)?,
            hard: o.number("hard", hard)?,
            // lswitch's flows have priority 1 (above the table-miss entry).
            priority: o.number(
                "priority",
                if variant == Variant::Ovs {
                    1
                } else {
                    DEFAULT_PRIORITY
                },
            )?,
            hold_down: o.number("hold_down", 0)?,
            reset_on_connect: match o.get("connect") {
                None => variant == Variant::Pox,
                Some("reset") => true,
                Some("none") => false,
                Some(v) => return Err(o.bad("connect", v, "reset or none")),
            },
            miss_send_len: o.number("miss_send_len", POX_MISS_SEND_LEN)?,
            flows,
            mac_age: o.number(
                "mac_age",
                match variant {
                    Variant::Nox | Variant::DstOnly | Variant::PyswitchAll => NOX_MAC_AGE_SECS,
                    Variant::Ovs => OVS_MAC_AGE_SECS,
                    Variant::Pox | Variant::Simple => 0,
                },
            )?,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    port: u16,
    learned_ns: u64,
}

pub struct Learning {
    config: Config,
    ports: MacMap<Entry>,
}

impl Learning {
    pub fn new(config: Config) -> Learning {
        Learning {
            config,
            ports: MacMap::default(),
        }
    }

    /// The learned port of `mac`, forgetting it first if the variant lets entries expire.
    fn lookup(&mut self, mac: &[u8; 6], now_ns: u64) -> Option<u16> {
        let key = mac_key(mac);
        let entry = *self.ports.get(&key)?;
        if self
            .mac_lifetime_ns()
            .is_some_and(|life| now_ns.saturating_sub(entry.learned_ns) > life)
        {
            self.ports.remove(&key);
            return None;
        }
        Some(entry.port)
    }

    /// How long a learned MAC lasts (from when it was learned, or last refreshed).
    fn mac_lifetime_ns(&self) -> Option<u64> {
        (self.config.mac_age > 0).then(|| self.config.mac_age * SECOND_NS)
    }

    /// NOX-style learning: multicast sources are not learned, and seeing a MAC again on the
    /// same port does not refresh its age (pyswitch returns early).
    fn learn_unicast(&mut self, p: &Packet, now_ns: u64) {
        if p.src_is_multicast() || self.lookup(&p.src, now_ns) == Some(p.in_port) {
            return;
        }
        let entry = Entry {
            port: p.in_port,
            learned_ns: now_ns,
        };
        self.ports.insert(mac_key(&p.src), entry);
    }

    fn learn_always(&mut self, p: &Packet, now_ns: u64) {
        let entry = Entry {
            port: p.in_port,
            learned_ns: now_ns,
        };
        self.ports.insert(mac_key(&p.src), entry);
    }

    fn flood(&self, ctx: &mut Ctx, p: &Packet, max_len: u16) {
        let held = ctx.now_ns.saturating_sub(ctx.connected_ns) < self.config.hold_down * SECOND_NS;
        let actions = if held {
            Vec::new()
        } else {
            vec![Action::Output {
                port: self.config.flood_port,
                max_len,
            }]
        };
        ctx.send(packet_out(p, actions));
    }

    fn flow(&self, m: Match, buffer_id: u32, actions: Vec<Action>) -> FlowMod {
        FlowMod {
            match_: m,
            idle_timeout: self.config.idle,
            hard_timeout: self.config.hard,
            priority: self.config.priority,
            buffer_id,
            actions,
            ..FlowMod::default()
        }
    }

    fn pox(&mut self, ctx: &mut Ctx, p: &Packet) {
        self.learn_always(p, ctx.now_ns);
        if p.is_lldp() || is_bridge_filtered(&p.dst) {
            if p.buffer_id != NO_BUFFER {
                ctx.send(packet_out(p, Vec::new()));
            }
            return;
        }
        let known = if p.dst_is_multicast() {
            None
        } else {
            self.lookup(&p.dst, ctx.now_ns)
        };
        let Some(port) = known else {
            return self.flood(ctx, p, 0);
        };
        // The exact match, from the frame's headers alone (no decode of the payload).
        let key = FlowKey::from_bytes(p.data, p.in_port);
        if port == p.in_port {
            let mut m = Match::exact(&key);
            m.wildcards |= ofpfw::IN_PORT;
            m.in_port = 0;
            ctx.send(Body::FlowMod(FlowMod {
                idle_timeout: POX_DROP_SECS,
                hard_timeout: POX_DROP_SECS,
                ..self.flow(m, p.buffer_id, Vec::new())
            }));
            return;
        }
        let m = Match::exact(&key);
        ctx.send(Body::FlowMod(self.flow(
            m,
            p.buffer_id,
            vec![Action::output(port)],
        )));
        if p.buffer_id == NO_BUFFER {
            ctx.send(Body::BarrierRequest);
            ctx.send(packet_out(p, vec![Action::output(ofpp::TABLE)]));
        }
    }

    /// NOX pyswitch and the seeds' two changes to it.
    fn pyswitch(&mut self, ctx: &mut Ctx, p: &Packet) {
        if p.is_lldp() {
            return;
        }
        self.learn_unicast(p, ctx.now_ns);
        let known = if p.dst_is_multicast() {
            None
        } else {
            self.lookup(&p.dst, ctx.now_ns)
        };
        let variant = self.config.variant;
        match known {
            Some(port) if port != p.in_port => {
                let output = vec![Action::output(port)];
                match variant {
                    Variant::Nox => {
                        let m = Match::exact(&FlowKey::from_bytes(p.data, p.in_port));
                        ctx.send(Body::FlowMod(self.flow(m, p.buffer_id, output.clone())));
                        if p.buffer_id == NO_BUFFER {
                            ctx.send(packet_out(p, output));
                        }
                    }
                    Variant::DstOnly => {
                        let m = dl_match(ofpfw::DL_DST, p.dst);
                        ctx.send(Body::FlowMod(self.flow(m, p.buffer_id, output.clone())));
                        if p.buffer_id == NO_BUFFER {
                            ctx.send(packet_out(p, output));
                        }
                    }
                    _ => {
                        ctx.send(Body::FlowMod(FlowMod {
                            command: ofpfc::DELETE,
                            ..FlowMod {
                                match_: dl_match(ofpfw::DL_SRC, p.dst),
                                ..FlowMod::default()
                            }
                        }));
                        let m = dl_match(ofpfw::DL_DST, p.dst);
                        ctx.send(Body::FlowMod(self.flow(m, NO_BUFFER, output.clone())));
                        ctx.send(packet_out(p, output));
                    }
                }
            }
            None if variant == Variant::PyswitchAll && !p.dst_is_multicast() => {
                self.flood(ctx, p, 0);
                let capture = vec![Action::Output {
                    port: ofpp::CONTROLLER,
                    max_len: u16::MAX,
                }];
                ctx.send(Body::FlowMod(FlowMod {
                    hard_timeout: CAPTURE_HARD_SECS,
                    priority: self.config.priority.saturating_add(1),
                    ..self.flow(dl_match(ofpfw::DL_SRC, p.dst), NO_BUFFER, capture)
                }));
            }
            _ => self.flood(ctx, p, 0),
        }
    }

    /// Open vSwitch's lswitch: learn unicast sources (refreshed on every sighting); drop
    /// reserved multicast destinations and frames whose destination is behind their input
    /// port (a flow with no actions); flood unknown and multicast destinations without a
    /// flow; otherwise a flow (unless `flows=none`) and, unbuffered, a PACKET_OUT.
    fn ovs(&mut self, ctx: &mut Ctx, p: &Packet) {
        if !p.src_is_multicast() {
            self.learn_always(p, ctx.now_ns);
        }
        let out_port = if is_bridge_filtered(&p.dst) {
            None
        } else if p.dst_is_multicast() {
            Some(ofpp::FLOOD)
        } else {
            match self.lookup(&p.dst, ctx.now_ns) {
                Some(port) if port == p.in_port => None,
                Some(port) => Some(port),
                None => Some(ofpp::FLOOD),
            }
        };
        let actions: Vec<Action> = out_port.map(Action::output).into_iter().collect();
        let flood = out_port == Some(ofpp::FLOOD);
        let m = match self.config.flows {
            _ if flood => None,
            Flows::None => None,
            Flows::Exact => Some(Match::exact(&FlowKey::from_bytes(p.data, p.in_port))),
            Flows::L2 => {
                let mut m = Match::exact(&FlowKey::from_bytes(p.data, p.in_port));
                m.wildcards = ofpfw::ALL
                    & !(ofpfw::IN_PORT
                        | ofpfw::DL_VLAN
                        | ofpfw::DL_VLAN_PCP
                        | ofpfw::DL_SRC
                        | ofpfw::DL_DST);
                Some(m)
            }
        };
        if let Some(m) = m {
            ctx.send(Body::FlowMod(self.flow(m, p.buffer_id, actions.clone())));
            if p.buffer_id == NO_BUFFER && out_port.is_some() {
                ctx.send(packet_out(p, actions));
            }
        } else if p.buffer_id != NO_BUFFER || out_port.is_some() {
            ctx.send(packet_out(p, actions));
        }
    }

    fn simple(&mut self, ctx: &mut Ctx, p: &Packet) {
        if p.is_lldp() {
            return;
        }
        self.learn_always(p, ctx.now_ns);
        let Some(port) = self.lookup(&p.dst, ctx.now_ns) else {
            return self.flood(ctx, p, RYU_MAX_LEN);
        };
        let output = vec![Action::Output {
            port,
            max_len: RYU_MAX_LEN,
        }];
        let m = Match {
            wildcards: ofpfw::ALL & !(ofpfw::IN_PORT | ofpfw::DL_SRC | ofpfw::DL_DST),
            in_port: p.in_port,
            dl_src: p.src,
            dl_dst: p.dst,
            ..Match::default()
        };
        ctx.send(Body::FlowMod(FlowMod {
            flags: ofpff::SEND_FLOW_REM,
            ..self.flow(m, NO_BUFFER, output.clone())
        }));
        ctx.send(packet_out(p, output));
    }
}

impl App for Learning {
    /// The reset after FEATURES_REPLY (POX's handshake; other controllers when told to).
    fn connected(&mut self, ctx: &mut Ctx, _features: &FeaturesReply) {
        if !self.config.reset_on_connect {
            return;
        }
        ctx.send(Body::SetConfig(SwitchConfig {
            flags: 0,
            miss_send_len: self.config.miss_send_len,
        }));
        // POX clears the network/transport wildcard bits when dl_type is wildcarded.
        let wildcards = if self.config.variant == Variant::Pox {
            ofpfw::IN_PORT
                | ofpfw::DL_VLAN
                | ofpfw::DL_SRC
                | ofpfw::DL_DST
                | ofpfw::DL_TYPE
                | ofpfw::DL_VLAN_PCP
        } else {
            ofpfw::ALL
        };
        ctx.send(Body::FlowMod(FlowMod {
            match_: Match {
                wildcards,
                ..Match::default()
            },
            command: ofpfc::DELETE,
            ..FlowMod::default()
        }));
        ctx.send(Body::BarrierRequest);
    }

    fn packet_in(&mut self, ctx: &mut Ctx, p: &Packet) -> Verdict {
        match self.config.variant {
            Variant::Pox => self.pox(ctx, p),
            Variant::Nox | Variant::DstOnly | Variant::PyswitchAll => self.pyswitch(ctx, p),
            Variant::Simple => self.simple(ctx, p),
            Variant::Ovs => self.ovs(ctx, p),
        }
        Verdict::Consumed
    }
}

/// A PACKET_OUT of the PacketIn's own packet: by buffer when the switch buffered it, else
/// with its bytes.
pub fn packet_out(p: &Packet, actions: Vec<Action>) -> Body {
    Body::PacketOut(PacketOut {
        buffer_id: p.buffer_id,
        in_port: p.in_port,
        actions,
        data: if p.buffer_id == NO_BUFFER {
            p.data.to_vec()
        } else {
            Vec::new()
        },
    })
}

/// A match on one MAC field (`DL_SRC` or `DL_DST`), everything else wildcarded.
fn dl_match(field: u32, mac: [u8; 6]) -> Match {
    let mut m = Match {
        wildcards: ofpfw::ALL & !field,
        ..Match::default()
    };
    if field == ofpfw::DL_SRC {
        m.dl_src = mac;
    } else {
        m.dl_dst = mac;
    }
    m
}

/// 01:80:c2:00:00:0X, the addresses bridges must not forward (802.1D).
fn is_bridge_filtered(mac: &[u8; 6]) -> bool {
    mac[..5] == [0x01, 0x80, 0xc2, 0x00, 0x00] && mac[5] & 0xf0 == 0
}
