//! Session analysis: controller latency, flow tables, switches, conversations, findings.
//!
//! [`Analyzer`] is fed one [`SessionEvent`] at a time, so offline reading and live capture
//! share it; its memory is bounded by the windows and caps in [`Config`]. The rules behind
//! every figure are in docs/analysis.md.

pub mod bounds;
pub mod conversations;
pub mod findings;
pub mod histogram;
pub mod latency;
pub mod probes;
pub mod report;
pub mod switches;
pub mod throughput;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::net::Ipv4Addr;
use std::str::FromStr;

use foldhash::fast::FixedState;
use ofscope_dissectors::openflow::matching::Headers;
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::stats::StatsReplyBody;
use ofscope_dissectors::openflow::types::{ofpt, version_name};
use ofscope_dissectors::openflow::{
    Action, Body, FlowKey, FlowMod, Match, PacketIn, PacketOut, NO_BUFFER,
};
use ofscope_dissectors::printable::Echo;

use crate::flow_table::{Flow, FlowEvent, FlowTable, Outcome};
use crate::session::{format_dpid, OfRecord, SessionEvent};
use crate::stream::{Direction, StreamEvent};
use bounds::{Bounds, Table};
use conversations::Conversations;
use findings::{
    AmbiguousAnswer, Asked, EchoTimeout, ErrorMessage, Finding, Findings, FloodUsed, FloodedTo,
    FlowChurn, FlowChurnWatch, FlowNotSeen, HandshakeStall, HostMoved, HostNeverLearned,
    MacFlapping, MacMoves, Malformed, MidSessionStart, MissSendLenIgnored, Move, OtherVersion,
    ReplyFromTruncatedFrame, ReplyVlanMismatch, StaleFlows, StallDeadlines, TableFull, TcpGap,
    TruncatedMessage, TruncatedPacketIn, UnansweredAddress, UnansweredPacketIn, UnknownBufferId,
    VersionMismatch, HANDSHAKE_STALL_NS,
};
use latency::{
    Ambiguous, AnswerRule, At, ConnPairing, HostSlots, LatencyStats, Pair, Paired, RequestPair,
    Unanswered,
};
use probes::{Probe, Protocol};
use switches::{ConfigSource, Connection, SwitchInfo};
use throughput::Throughput;

const NS_PER_SEC: u64 = 1_000_000_000;
/// Buffers offered and not used yet, kept per connection (the oldest are forgotten).
const BUFFER_CAP: usize = 65_536;
/// VLAN-tagged requests remembered per connection, for the replies that answer them
/// (the oldest are forgotten: a reply answers a recent request).
const TAGGED_REQUESTS_KEPT: usize = 256;
/// `OFPR_ACTION`: a flow sent the PacketIn to the controller.
const REASON_ACTION: u8 = 1;

/// A point in the capture given by the user (`--at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSpec {
    /// Seconds after the first message (`12.5`, `+12.5`, `12.5s`).
    Relative(u64),
    /// UTC time of day on the capture's first day (`12:03:04`, `12:03:04.250`).
    TimeOfDay(u64),
    /// Seconds since the epoch (`@1700000000.25`).
    Epoch(u64),
}

/// The latest `--at`, in seconds (from the start, or since the epoch: year 2286): any
/// capture's instant plus it still fits in nanoseconds.
const MAX_AT_SECONDS: f64 = 1e10;

fn seconds_to_ns(s: &str) -> Option<u64> {
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && (0.0..=MAX_AT_SECONDS).contains(&v)).then(|| (v * 1e9).round() as u64)
}

impl FromStr for TimeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeSpec, String> {
        let bad = || {
            format!("bad time '{}': give seconds from the start (12.5), a UTC time of day (12:03:04.250) or @epoch-seconds, from 0 to {MAX_AT_SECONDS:.0} seconds", Echo::text(s))
        };
        if let Some(epoch) = s.strip_prefix('@') {
            return seconds_to_ns(epoch).map(TimeSpec::Epoch).ok_or_else(bad);
        }
        if s.contains(':') {
            let parts: Vec<&str> = s.split(':').collect();
            let [h, m, sec] = parts.as_slice() else {
                return Err(bad());
            };
            let h: u64 = h.parse().map_err(|_| bad())?;
            let m: u64 = m.parse().map_err(|_| bad())?;
            let sec = seconds_to_ns(sec).ok_or_else(bad)?;
            if h > 23 || m > 59 || sec >= 60 * NS_PER_SEC {
                return Err(bad());
            }
            return Ok(TimeSpec::TimeOfDay((h * 3600 + m * 60) * NS_PER_SEC + sec));
        }
        let s2 = s.trim_start_matches('+').trim_end_matches('s');
        seconds_to_ns(s2).map(TimeSpec::Relative).ok_or_else(bad)
    }
}

impl TimeSpec {
    /// The instant in ns since the epoch, given the capture's first timestamp.
    pub fn resolve(self, first_ns: u64) -> u64 {
        const DAY: u64 = 86_400 * NS_PER_SEC;
        match self {
            TimeSpec::Relative(ns) => first_ns + ns,
            TimeSpec::Epoch(ns) => ns,
            TimeSpec::TimeOfDay(ns) => first_ns - first_ns % DAY + ns,
        }
    }
}

/// Knobs of the analysis.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a PacketIn waits for its answer (`--pair-window`).
    pub pair_window_ns: u64,
    /// How long a request (echo, barrier, stats, ...) waits for its reply.
    pub request_window_ns: u64,
    /// PacketIns waiting at once per connection (the oldest is given up beyond).
    pub max_pending: usize,
    /// Keep every pair (for tests, the TUI's charts); `--stats` does not need them.
    pub keep_pairs: bool,
    /// Keep each outcome of the pairing with its switch until [`Analyzer::take_decisions`]
    /// (`--parquet` writes them as they come).
    pub keep_decisions: bool,
    /// Flow-table events kept per switch.
    pub flow_event_cap: usize,
    /// Findings kept per kind.
    pub findings_cap: usize,
    /// The bound of each table that grows with the capture.
    pub bounds: Bounds,
    /// Snapshot the flow tables at this instant (`--flows --at`).
    pub at: Option<TimeSpec>,
    /// The instant relative times count from (`--at 12.5`, `+12.5s` in reports): the
    /// capture's first frame, as tshark and the time column count. Without it, the first
    /// message.
    pub origin_ns: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            pair_window_ns: NS_PER_SEC,
            request_window_ns: 10 * NS_PER_SEC,
            max_pending: 65_536,
            keep_pairs: false,
            keep_decisions: false,
            flow_event_cap: 100_000,
            findings_cap: 1000,
            bounds: Bounds::default(),
            at: None,
            origin_ns: None,
        }
    }
}

/// A switch: by its datapath id, or by its connection until FEATURES_REPLY names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SwitchKey {
    Dpid(u64),
    Conn(u32),
}

impl SwitchKey {
    pub fn dpid(self) -> Option<u64> {
        match self {
            SwitchKey::Dpid(d) => Some(d),
            SwitchKey::Conn(_) => None,
        }
    }
}

impl fmt::Display for SwitchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwitchKey::Dpid(d) => f.write_str(&format_dpid(*d)),
            SwitchKey::Conn(c) => write!(f, "conn {c} (no FEATURES_REPLY)"),
        }
    }
}

/// Two hosts by Ethernet address (source, destination).
pub type HostPair = ([u8; 6], [u8; 6]);

/// Everything per switch.
pub struct Switch {
    pub info: SwitchInfo,
    pub table: FlowTable,
    pub packet_in: LatencyStats,
    pub echo: LatencyStats,
    /// BARRIER, FEATURES, GET_CONFIG, STATS.
    pub requests: BTreeMap<&'static str, LatencyStats>,
    /// By MAC number.
    macs: FastMap<u64, MacMoves>,
    /// Unicast frames the controller flooded, by destination MAC number.
    flooded: FastMap<u64, FloodedTo>,
    /// FLOW_MODs the capture cut, left out of the table (their actions are lost).
    pub cut_flow_mods: u64,
    /// FLOW_MODs of another OpenFlow version, which the table does not follow.
    pub undecoded_flow_mods: u64,
    /// Messages of another OpenFlow version (bodies not decoded), which latency pairing
    /// does not read: said beside the latency, whose zeros would otherwise read as none.
    pub other_version_messages: u64,
    /// PacketIns that a flow not installed over the connection sent (`flow_not_seen`).
    pub out_of_band_packet_ins: u64,
}

impl Switch {
    fn new(cfg: &Config) -> Switch {
        Switch {
            info: SwitchInfo::default(),
            table: FlowTable::new(cfg.flow_event_cap).with_max_flows(cfg.bounds.of(Table::Flows)),
            packet_in: LatencyStats::new(3),
            echo: LatencyStats::new(3),
            requests: BTreeMap::new(),
            macs: FastMap::default(),
            flooded: FastMap::default(),
            cut_flow_mods: 0,
            undecoded_flow_mods: 0,
            other_version_messages: 0,
            out_of_band_packet_ins: 0,
        }
    }
}

/// Where a connection's handshake stands, as far as the capture shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handshake {
    /// No message yet (a connection known from its TCP handshake only): nothing to wait for.
    NotStarted,
    /// Its first message was a HELLO and no FEATURES_REPLY has come yet.
    Awaiting,
    /// FEATURES_REPLY came, or its stall was reported.
    Settled,
    /// Its first message was not a HELLO: the capture started mid-session, and the
    /// handshake (and what came before the capture) cannot be checked.
    BeforeCapture,
}

struct ConnState {
    key: SwitchKey,
    info: Connection,
    pairing: ConnPairing,
    handshake: Handshake,
    /// The capture lost bytes from the switch, so a PacketIn may be missing.
    lost_switch_bytes: bool,
    /// Buffers offered by PacketIns and not used yet, with their frame's hosts; oldest
    /// first.
    offered: FastMap<u32, HostPair>,
    offered_order: VecDeque<u32>,
    /// The frame of the last SET_CONFIG (for the miss_send_len hint).
    set_config_frame: Option<u64>,
    /// The latest VLAN-tagged ARP and echo requests.
    tagged_requests: VecDeque<TaggedRequest>,
    /// The controller's PACKET_OUTs and FLOW_MODs per second.
    responses: Throughput,
}

/// A request that came VLAN-tagged: its reply must go back on its VLAN.
#[derive(Debug, Clone, Copy)]
struct TaggedRequest {
    asker: Ipv4Addr,
    target: Ipv4Addr,
    vlan: u16,
    frame: u64,
}

/// The connections, sorted by id. A capture has a handful: a binary search over them is
/// cheaper than a tree walk on every message, and keeps them in order for the reports.
#[derive(Default)]
struct Conns(Vec<ConnState>);

impl Conns {
    fn position(&self, conn: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&conn, |c| c.info.conn)
    }

    fn get(&self, conn: &u32) -> Option<&ConnState> {
        self.0.get(self.position(*conn).ok()?)
    }

    fn get_mut(&mut self, conn: &u32) -> Option<&mut ConnState> {
        let i = self.position(*conn).ok()?;
        self.0.get_mut(i)
    }

    /// The connection's state, made on first sight; `None` for a new one when the
    /// table is at its bound.
    #[inline]
    fn get_or_insert_with(
        &mut self,
        conn: u32,
        bounds: &Bounds,
        new: impl FnOnce() -> ConnState,
    ) -> Option<&mut ConnState> {
        let i = match self.position(conn) {
            Ok(i) => i,
            Err(_) if self.0.len() >= bounds.of(Table::Connections) => return None,
            Err(i) => {
                self.0.insert(i, new());
                i
            }
        };
        self.0.get_mut(i)
    }

    fn iter(&self) -> impl Iterator<Item = &ConnState> {
        self.0.iter()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut ConnState> {
        self.0.iter_mut()
    }
}

/// The analysis of one capture (or live session).
pub struct Analyzer {
    cfg: Config,
    conns: Conns,
    switches: BTreeMap<SwitchKey, Switch>,
    /// Where each host pair's series is in `host_pairs`, by MAC numbers.
    host_pair_slots: FastMap<(u64, u64), u32>,
    host_pairs: Vec<(HostPair, LatencyStats)>,
    host_pairs_overflow: u64,
    conversations: Conversations,
    findings: Findings,
    pairs: Vec<Pair>,
    decisions: Decisions,
    scratch: Paired,
    churn: FlowChurnWatch,
    /// Addresses asked for, by IPv4 address.
    addresses: FastMap<u32, Asked>,
    /// The second of capture time being counted: its start and its number from the origin.
    second: (u64, u64),
    /// What relative times count from, once the first message is seen.
    origin_ns: Option<u64>,
    last_ns: u64,
    /// `--at` resolved, and the tables taken then.
    at_ns: Option<u64>,
    snapshot: Option<BTreeMap<SwitchKey, Vec<Flow>>>,
    /// When the connections in [`Handshake::Awaiting`] stall.
    stalls: StallDeadlines,
}

/// The pairing's outcomes one by one, each with its switch, in the order they were decided
/// (see [`Config::keep_decisions`]): the rows behind the figures of `--latency`.
#[derive(Debug, Default)]
pub struct Decisions {
    pub pairs: Vec<(SwitchKey, Pair)>,
    pub unanswered: Vec<(SwitchKey, Unanswered)>,
    pub requests: Vec<(SwitchKey, RequestPair)>,
}

impl Decisions {
    /// How many outcomes there are.
    pub fn count(&self) -> usize {
        self.pairs.len() + self.unanswered.len() + self.requests.len()
    }
}

/// Maps with a fast, non-cryptographic hasher (foldhash's, with a fixed seed) for the
/// analysis' hot maps: keys are MACs, hashes and small integers, not attacker-chosen
/// collisions we must resist; a PacketIn's frame hashes at 16 bytes a step.
pub type FastMap<K, V> = HashMap<K, V, FixedState>;
pub type FastSet<K> = HashSet<K, FixedState>;

/// A MAC as a number, ordered as its bytes are (cheaper to hash and compare).
pub fn mac_number(mac: &[u8; 6]) -> u64 {
    let [a, b, c, d, e, f] = *mac;
    u64::from_be_bytes([0, 0, a, b, c, d, e, f])
}

/// The hash of a value, as the [`FastMap`]s hash it.
pub fn hash_of(h: impl Hash) -> u64 {
    FixedState::default().hash_one(h)
}

fn outputs_to(actions: &[Action], port: u16) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action::Output { port: p, .. } if *p == port))
}

fn is_multicast(mac: &[u8; 6]) -> bool {
    mac[0] & 1 != 0
}

/// Whether a frame is ARP, untagged or behind one VLAN tag (read from its bytes).
fn is_arp(frame: &[u8]) -> bool {
    use ofscope_dissectors::frame::ethertype;
    let at = |i: usize| {
        frame
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    match at(12) {
        Some(ethertype::ARP) => true,
        Some(ethertype::VLAN) => at(16) == Some(ethertype::ARP),
        _ => false,
    }
}

impl Analyzer {
    pub fn new(cfg: Config) -> Analyzer {
        Analyzer {
            findings: Findings::new(cfg.findings_cap),
            conns: Conns::default(),
            switches: BTreeMap::new(),
            host_pair_slots: FastMap::default(),
            host_pairs: Vec::new(),
            host_pairs_overflow: 0,
            conversations: Conversations::new(cfg.bounds.of(Table::Conversations)),
            pairs: Vec::new(),
            decisions: Decisions::default(),
            scratch: Paired::default(),
            churn: FlowChurnWatch::default(),
            addresses: FastMap::default(),
            second: (0, 0),
            origin_ns: None,
            last_ns: 0,
            at_ns: None,
            snapshot: None,
            stalls: StallDeadlines::default(),
            cfg,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn switches(&self) -> &BTreeMap<SwitchKey, Switch> {
        &self.switches
    }

    pub fn findings(&self) -> &Findings {
        &self.findings
    }

    pub fn conversations(&self) -> &Conversations {
        &self.conversations
    }

    /// Every pair, when `Config::keep_pairs` is set.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The pairing's outcomes since the last call, when `Config::keep_decisions` is set.
    pub fn take_decisions(&mut self) -> Decisions {
        // The next ones start as large as these: about as many come between two calls,
        // and growing the lists from nothing copies them over and over.
        let next = Decisions {
            pairs: Vec::with_capacity(self.decisions.pairs.len()),
            unanswered: Vec::new(),
            requests: Vec::new(),
        };
        std::mem::replace(&mut self.decisions, next)
    }

    /// Hands over each flow-table event recorded since the last call, switch by switch,
    /// with its number in its switch's list (from 0), and forgets it.
    pub fn drain_flow_events(&mut self, mut each: impl FnMut(SwitchKey, u64, FlowEvent)) {
        for (key, switch) in &mut self.switches {
            let (first, events) = switch.table.drain_events();
            for (number, event) in (first..).zip(events) {
                each(*key, number, event);
            }
        }
    }

    /// The connections of a switch.
    pub fn connections(&self, key: SwitchKey) -> Vec<&Connection> {
        self.conns
            .iter()
            .filter(|c| c.key == key)
            .map(|c| &c.info)
            .collect()
    }

    /// PacketIns waiting for their answer, over all connections (bounded by the window
    /// and `Config::max_pending`).
    pub fn waiting_packet_ins(&self) -> usize {
        self.conns.iter().map(|c| c.pairing.waiting()).sum()
    }

    /// What relative times count from (see [`Config::origin_ns`]), once a message is seen.
    pub fn origin_ns(&self) -> Option<u64> {
        self.origin_ns
    }

    pub fn last_ns(&self) -> u64 {
        self.last_ns
    }

    /// The controller's responses per second to switch `key` (over all its connections),
    /// or to every switch.
    pub fn throughput(&self, key: Option<SwitchKey>) -> Throughput {
        Throughput::merged(
            self.conns
                .iter()
                .filter(|c| key.is_none_or(|k| c.key == k))
                .map(|c| &c.responses),
        )
    }

    /// Why the flow table of `key` may lack flows the switch has, if it may.
    pub fn table_caveat(&self, key: SwitchKey) -> Option<String> {
        let mut why = self.capture_caveats(key);
        let out_of_band = self
            .switches
            .get(&key)
            .map_or(0, |s| s.out_of_band_packet_ins);
        if out_of_band > 0 {
            why.push(format!(
                "{out_of_band} PacketIns (reason=ACTION) came from flows not installed over this connection (added out of band: see flow_not_seen)"
            ));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// What the capture lacks of the FLOW_MODs that built the table of `key`.
    fn capture_caveats(&self, key: SwitchKey) -> Vec<String> {
        let mut why = Vec::new();
        if self
            .conns
            .iter()
            .any(|c| c.key == key && c.handshake == Handshake::BeforeCapture)
        {
            why.push(
                "the capture starts mid-session: flows installed before it are not known"
                    .to_owned(),
            );
        }
        let cut = self.switches.get(&key).map_or(0, |s| s.cut_flow_mods);
        if cut > 0 {
            why.push(format!(
                "{cut} FLOW_MODs cut by the capture are not applied (their actions are lost)"
            ));
        }
        let undecoded = self.switches.get(&key).map_or(0, |s| s.undecoded_flow_mods);
        if undecoded > 0 {
            why.push(format!(
                "{undecoded} FLOW_MODs of another OpenFlow version than 1.0 are not applied"
            ));
        }
        why
    }

    /// The flow tables to show: at `--at` when given, else as the capture ends; with the
    /// instant they describe.
    pub fn tables(&self) -> (u64, Vec<(SwitchKey, Vec<Flow>)>) {
        match (&self.snapshot, self.at_ns) {
            (Some(s), Some(at)) => (at, s.iter().map(|(k, f)| (*k, f.clone())).collect()),
            _ => (
                self.last_ns,
                self.switches
                    .iter()
                    .map(|(k, s)| (*k, s.table.flows().cloned().collect()))
                    .collect(),
            ),
        }
    }

    pub fn feed(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::Record(r) => {
                self.record(r);
                // After the record: its connection may just have learnt its dpid.
                if r.is_truncated() {
                    self.truncated(r);
                }
            }
            SessionEvent::Stream(s) => self.stream(s),
        }
    }

    /// A message the capture cut short (snaplen, lost segment): decoded as far as it goes.
    #[cold]
    fn truncated(&mut self, r: &OfRecord) {
        let Some(key) = self.conns.get(&r.conn.0).map(|c| c.key) else {
            return;
        };
        if !r.from_switch() && r.message.header.msg_type == ofpt::FLOW_MOD {
            self.switch(key).cut_flow_mods += 1;
        }
        let rule = TruncatedMessage {
            kept: r.bytes.len(),
            length: r.message.header.length,
        };
        self.findings
            .add(Finding::new(&rule, Some(r.frame()), r.ts_ns).dpid(key.dpid()));
    }

    /// The capture ended: whatever still waits is unanswered, timeouts are applied.
    pub fn finish(&mut self) {
        let now = self.last_ns;
        self.take_snapshot_if_due(u64::MAX);
        // A closed connection's waits ended with it; an open one's at the capture's end.
        let ids: Vec<(u32, SwitchKey)> = self.conns.iter().map(|c| (c.info.conn, c.key)).collect();
        for (id, key) in ids {
            if let Some(c) = self.conns.get_mut(&id) {
                c.pairing.capture_ended(now, &mut self.scratch);
            }
            self.take_paired(key);
        }
        self.final_stalls(now);
        for s in self.switches.values_mut() {
            s.table.expire(now);
        }
        self.never_learned();
        self.unanswered_addresses();
    }

    /// The MACs flooded to often and never seen as a PacketIn's source.
    fn never_learned(&mut self) {
        for (key, sw) in &self.switches {
            for (mac, flooded) in &sw.flooded {
                if !flooded.is_finding() || sw.macs.contains_key(mac) {
                    continue;
                }
                let rule = HostNeverLearned {
                    mac: mac.to_be_bytes()[2..].try_into().unwrap_or_default(),
                    flooded,
                };
                self.findings.add(
                    Finding::new(&rule, Some(flooded.first_frame), flooded.first_ns)
                        .dpid(key.dpid()),
                );
            }
        }
    }

    /// The addresses asked for often and never answered.
    fn unanswered_addresses(&mut self) {
        for (ip, asked) in &self.addresses {
            if !asked.is_finding() {
                continue;
            }
            let rule = UnansweredAddress {
                ip: Ipv4Addr::from(*ip),
                asked,
            };
            self.findings
                .add(Finding::new(&rule, Some(asked.first_frame), asked.first_ns).dpid(asked.dpid));
        }
    }

    #[inline(never)]
    fn stream(&mut self, event: &StreamEvent) {
        let ts = self.last_ns;
        match event {
            StreamEvent::ConnOpened {
                conn,
                switch,
                controller,
                frame,
                via,
                ..
            } => {
                let cfg = &self.cfg;
                let new = || new_conn(cfg, conn.0, ts);
                let Some(c) = self.conns.get_or_insert_with(conn.0, &cfg.bounds, new) else {
                    self.table_full(Table::Connections, None, *frame, ts);
                    return;
                };
                c.info.switch = Some(*switch);
                c.info.controller = Some(*controller);
                c.info.via = *via;
            }
            StreamEvent::SeenTwice { conn, via, .. } => {
                if let Some(c) = self.conns.get_mut(&conn.0) {
                    c.info.seen_twice = Some(*via);
                }
            }
            StreamEvent::ConnClosed { conn, reason, .. } => {
                if let Some(c) = self.conns.get_mut(&conn.0) {
                    c.info.closed = Some(*reason);
                }
                self.end_conn(conn.0);
            }
            StreamEvent::Gap {
                conn,
                direction,
                frame,
                skipped_bytes,
                reason,
            } => {
                let dpid = self.conns.get_mut(&conn.0).and_then(|c| {
                    c.lost_switch_bytes |= *direction == Direction::SwitchToController;
                    if *direction == Direction::ControllerToSwitch {
                        c.pairing.controller_bytes_lost();
                    }
                    c.key.dpid()
                });
                let rule = TcpGap {
                    skipped_bytes: *skipped_bytes,
                    direction: *direction,
                    reason: *reason,
                };
                self.findings
                    .add(Finding::new(&rule, Some(*frame), ts).dpid(dpid));
            }
            _ => {}
        }
    }

    /// A connection ended: its waiting PacketIns and requests are unanswered.
    fn end_conn(&mut self, conn: u32) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.pairing.finish(&mut self.scratch);
        let key = c.key;
        self.take_paired(key);
    }

    /// Checked on every message; taken once.
    #[inline]
    fn take_snapshot_if_due(&mut self, now_ns: u64) {
        match (self.at_ns, &self.snapshot) {
            (Some(at), None) if now_ns > at => self.take_snapshot(at),
            _ => {}
        }
    }

    #[cold]
    fn take_snapshot(&mut self, at: u64) {
        let mut snap = BTreeMap::new();
        for (k, s) in self.switches.iter_mut() {
            s.table.expire(at);
            snap.insert(*k, s.table.flows().cloned().collect());
        }
        self.snapshot = Some(snap);
    }

    /// The capture's first message: `--at` is resolved against the origin.
    #[cold]
    fn first_record(&mut self, ts_ns: u64) {
        let origin = self.cfg.origin_ns.unwrap_or(ts_ns);
        self.origin_ns = Some(origin);
        self.second = (origin, 0);
        self.at_ns = self.cfg.at.map(|t| t.resolve(origin));
    }

    /// Sets the origin of relative times (see [`Config::origin_ns`]) when the source learns
    /// it after the analysis was made; it counts from the first message on.
    pub fn set_origin(&mut self, origin_ns: u64) {
        self.cfg.origin_ns = Some(origin_ns);
    }

    fn record(&mut self, r: &OfRecord) {
        let ts = r.ts_ns;
        if self.origin_ns.is_none() {
            self.first_record(ts);
        }
        self.take_snapshot_if_due(ts);
        self.last_ns = self.last_ns.max(ts);
        let at = At {
            index: r.index,
            frame: r.frame(),
            ts_ns: ts,
        };
        let Some(key) = self.connection_seen(r) else {
            return;
        };
        match &r.message.body {
            Body::PacketIn(p) => {
                // Only the headers are decoded, without copying the payload. The
                // PacketIn's conversation and host pair are found once, here; its answer
                // (or its end unanswered) reaches them by number.
                let h = Headers::parse(&p.data);
                let len = u64::from(p.total_len);
                let conversation = self.observe(&h, len, true, at, key);
                if r.from_switch() {
                    let hosts = h.eth.map_or(([0; 6], [0; 6]), |e| (e.src, e.dst));
                    let slots = HostSlots {
                        conversation,
                        host_pair: self.host_pair_slot_of(conversation, hosts, at),
                    };
                    self.pair(r, key, at, Some(&h), slots);
                    self.packet_in(r, key, at, p, &h);
                } else {
                    self.pair(r, key, at, None, HostSlots::default());
                }
            }
            Body::PacketOut(p) => {
                let same_frame_as = self.pair(r, key, at, None, HostSlots::default());
                self.packet_out(r, key, at, p, same_frame_as);
            }
            _ => {
                self.pair(r, key, at, None, HostSlots::default());
                self.other_message(r, key, at);
            }
        }
        if self.stalls.any_due(ts) {
            self.stalls_due(ts);
        }
    }

    /// Feeds the message to its connection's pairing and takes what that pairs into the
    /// statistics. Returns the conversation of the PacketIn whose frame a PACKET_OUT
    /// carries, if it does.
    fn pair(
        &mut self,
        r: &OfRecord,
        key: SwitchKey,
        at: At,
        headers: Option<&Headers>,
        slots: HostSlots,
    ) -> Option<u32> {
        let c = self.conns.get_mut(&r.conn.0)?;
        // A PACKET_OUT or FLOW_MOD (of any version) from the controller: a response,
        // counted here where its connection is at hand.
        let msg_type = r.message.header.msg_type;
        if matches!(msg_type, ofpt::PACKET_OUT | ofpt::FLOW_MOD) && !r.from_switch() {
            let second = second_of(&mut self.second, self.origin_ns, r.ts_ns);
            c.responses.response(second);
        }
        // Reused from message to message: pairing allocates nothing in the common case.
        let out = &mut self.scratch;
        c.pairing.message(
            at,
            r.from_switch(),
            &r.message,
            headers,
            slots,
            lost_bytes(r),
            out,
        );
        if out.is_empty() {
            return None;
        }
        let same_frame_as = out
            .pairs
            .iter()
            .find(|p| p.answer.index == at.index && p.rule == AnswerRule::SameData)
            .and_then(|p| p.slots.conversation);
        self.take_paired(key);
        same_frame_as
    }

    /// A PACKET_OUT's frame is decoded only when it is not the frame of the PacketIn it
    /// answers (whose decode we already have): that is most of them.
    fn packet_out(
        &mut self,
        r: &OfRecord,
        key: SwitchKey,
        at: At,
        p: &PacketOut,
        same_frame_as: Option<u32>,
    ) {
        let len = p.data.len() as u64;
        let headers = match same_frame_as {
            Some(conversation) => {
                self.conversations
                    .repeat_packet_out(conversation, len, at.ts_ns);
                None
            }
            None if !p.data.is_empty() => {
                let h = Headers::parse(&p.data);
                self.observe(&h, len, false, at, key);
                Some(h)
            }
            None => None,
        };
        if r.from_switch() {
            return;
        }
        let buffered = self.buffer_used(r.conn.0, key, at, p.buffer_id, "PACKET_OUT");
        self.flood(key, at, &p.actions, "PACKET_OUT");
        let floods = outputs_to(&p.actions, ofpp::FLOOD) || outputs_to(&p.actions, ofpp::ALL);
        if floods {
            let hosts = buffered.or_else(|| {
                let macs = p.data.get(..12)?;
                Some((macs[6..].try_into().ok()?, macs[..6].try_into().ok()?))
            });
            if let Some((src, dst)) = hosts {
                if !is_multicast(&dst) {
                    self.flooded_to(key, at, src, dst);
                }
            }
        }
        match &headers {
            Some(h) if !r.is_truncated() => self.probe_out(r, key, at, p, h, floods),
            // The frame of the PacketIn it answers: a request sent on to one port shows
            // the controller knows where its target is.
            None if !floods && is_arp(&p.data) => {
                if let Some(Probe::Request { target, .. }) = Probe::of(&Headers::parse(&p.data)) {
                    self.address_settled(target);
                }
            }
            _ => {}
        }
        if outputs_to(&p.actions, ofpp::TABLE) && !p.data.is_empty() && !r.is_truncated() {
            let k = match &headers {
                Some(h) => FlowKey::from_headers(h, p.in_port),
                None => FlowKey::from_bytes(&p.data, p.in_port),
            };
            self.switch(key).table.hit(&k, len, at.ts_ns);
        }
    }

    /// Every message but PacketIns and PacketOuts. Kept out of line: its findings' text
    /// would otherwise swell the stack frame of the PacketIn/PacketOut path.
    #[inline(never)]
    fn other_message(&mut self, r: &OfRecord, key: SwitchKey, at: At) {
        let (ts, from_switch, msg) = (r.ts_ns, r.from_switch(), &r.message);
        self.hello(r, key);
        if matches!(msg.body, Body::OtherVersion(_)) {
            self.other_version(r, key, at);
        }
        // A cut message's fields past the cut are not known (a decoder fills them with
        // defaults or leaves them out), so it changes no switch state: ports, config, flows.
        // An ERROR keeps its type and code in its first bytes.
        if r.is_truncated() && !matches!(msg.body, Body::Error(_)) {
            return;
        }
        match &msg.body {
            // Another version's FLOW_MOD (type 14 in every version) changes the table in a
            // way this analysis does not decode.
            Body::OtherVersion(_) if !from_switch && msg.header.msg_type == ofpt::FLOW_MOD => {
                self.switch(key).undecoded_flow_mods += 1;
            }
            Body::FeaturesReply(f) => self.switch(key).info.features(f),
            Body::GetConfigReply(c) => {
                self.switch(key).info.config = Some((*c, ConfigSource::Reported, at.frame))
            }
            Body::SetConfig(c) => {
                self.switch(key).info.config = Some((*c, ConfigSource::Set, at.frame));
                if let Some(cs) = self.conns.get_mut(&r.conn.0) {
                    cs.set_config_frame = Some(at.frame);
                }
            }
            Body::PortStatus(p) => {
                let bound = self.cfg.bounds.of(Table::PortChanges);
                if !self.switch(key).info.port_status(p, ts, at.frame, bound) {
                    self.table_full(Table::PortChanges, Some(key), at.frame, ts);
                }
            }
            Body::FlowMod(fm) if !from_switch => self.flow_mod(r.conn.0, key, at, fm),
            Body::FlowRemoved(fr) => self.switch(key).table.removed(fr, ts, r.index),
            Body::StatsReply(s) => match &s.body {
                StatsReplyBody::Flow(entries) => {
                    let table = &mut self.switch(key).table;
                    let refused = table.refused().map(|r| r.count);
                    table.stats(entries, ts, r.index);
                    if table.refused().map(|r| r.count) != refused {
                        self.table_full(Table::Flows, Some(key), at.frame, ts);
                    }
                }
                StatsReplyBody::Desc(d) => self.switch(key).info.desc = Some(d.clone()),
                _ => {}
            },
            Body::Error(error) => {
                let rule = ErrorMessage {
                    error,
                    xid: msg.header.xid,
                    from_switch,
                };
                self.findings
                    .add(Finding::new(&rule, Some(at.frame), ts).dpid(key.dpid()));
            }
            // (A cut message is reported as truncated, never also as malformed, above.)
            Body::Malformed { reason, .. } => {
                let rule = Malformed {
                    message: msg.type_name(),
                    reason,
                };
                self.findings
                    .add(Finding::new(&rule, Some(at.frame), ts).dpid(key.dpid()));
            }
            _ => {}
        }
    }

    /// The frame's hosts in their conversation (made on first sight): its number.
    fn observe(
        &mut self,
        h: &Headers,
        len: u64,
        packet_in: bool,
        at: At,
        key: SwitchKey,
    ) -> Option<u32> {
        let refused = self.conversations.overflow;
        let conversation = self
            .conversations
            .observe(h, len, packet_in, at.ts_ns, key.dpid());
        if self.conversations.overflow != refused {
            self.table_full(Table::Conversations, None, at.frame, at.ts_ns);
        }
        conversation
    }

    /// A table of the analysis reached its bound (`key`: the switch whose table it is).
    #[cold]
    fn table_full(&mut self, table: Table, key: Option<SwitchKey>, frame: u64, ts_ns: u64) {
        let rule = TableFull {
            table: table.name(),
            bound: self.cfg.bounds.of(table),
        };
        self.refused(rule, key, frame, ts_ns);
    }

    /// A table kept elsewhere (the stream's connections, a flow table) reached its bound
    /// and refused an entry at `frame`: reported as the analysis' own tables are.
    pub fn table_full_elsewhere(&mut self, rule: TableFull, frame: u64, ts_ns: u64) {
        self.refused(rule, None, frame, ts_ns);
    }

    /// Said once per table (and switch), at the first frame it refused, with a count of
    /// the refusals.
    fn refused(&mut self, rule: TableFull, key: Option<SwitchKey>, frame: u64, ts_ns: u64) {
        self.findings
            .fold::<TableFull>(hash_of((rule.table, key)), || {
                Finding::new(&rule, Some(frame), ts_ns).dpid(key.and_then(SwitchKey::dpid))
            });
    }

    /// Notes the message on its connection (made on first sight) and returns its switch,
    /// binding the connection to its dpid once known; `None` for a connection past the
    /// table's bound, which is not analysed.
    fn connection_seen(&mut self, r: &OfRecord) -> Option<SwitchKey> {
        let cfg = &self.cfg;
        let new = || new_conn(cfg, r.conn.0, r.ts_ns);
        let Some(c) = self.conns.get_or_insert_with(r.conn.0, &cfg.bounds, new) else {
            self.table_full(Table::Connections, None, r.frame(), r.ts_ns);
            return None;
        };
        let first = c.info.messages == 0;
        if first {
            // A connection opened by a stream event has no time of its own.
            c.info.first_ns = r.ts_ns;
        }
        c.info.messages += 1;
        c.info.last_ns = r.ts_ns;
        let key = c.key;
        if first {
            self.connection_starts(r);
        }
        if is_features_reply(r) {
            return Some(self.features_reply(r, key));
        }
        Some(match r.dpid {
            Some(dpid) if key != SwitchKey::Dpid(dpid) => self.bind_switch(r.conn.0, dpid),
            _ => key,
        })
    }

    /// A message of another OpenFlow version, whose body is not decoded: counted beside the
    /// switch's latency, and said once per connection.
    #[cold]
    fn other_version(&mut self, r: &OfRecord, key: SwitchKey, at: At) {
        self.switch(key).other_version_messages += 1;
        let h = &r.message.header;
        let rule = OtherVersion {
            conn: r.conn.0,
            version: version_name(h.version).map_or_else(
                || format!("OpenFlow version 0x{:02x}", h.version),
                str::to_owned,
            ),
        };
        self.findings.fold::<OtherVersion>(u64::from(r.conn.0), || {
            Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
        });
    }

    /// The connection's first message: a HELLO starts a handshake the capture shows; any
    /// other message means the capture started mid-session, which is said once.
    #[cold]
    fn connection_starts(&mut self, r: &OfRecord) {
        let Some(c) = self.conns.get_mut(&r.conn.0) else {
            return;
        };
        if r.message.header.msg_type == ofpt::HELLO {
            c.handshake = Handshake::Awaiting;
            self.stalls.hello(c.info.conn, c.info.first_ns);
            return;
        }
        c.handshake = Handshake::BeforeCapture;
        let rule = MidSessionStart {
            conn: c.info.conn,
            first: r.message.type_name(),
        };
        self.findings
            .add(Finding::new(&rule, Some(r.frame()), r.ts_ns).dpid(r.dpid));
    }

    /// A FEATURES_REPLY (of any version, whole or cut): the handshake is complete, and the
    /// switch is known by its dpid when the capture kept it.
    #[cold]
    fn features_reply(&mut self, r: &OfRecord, key: SwitchKey) -> SwitchKey {
        if let Some(c) = self.conns.get_mut(&r.conn.0) {
            if c.handshake == Handshake::Awaiting {
                c.handshake = Handshake::Settled;
            }
        }
        let key = match r.dpid {
            Some(dpid) if key != SwitchKey::Dpid(dpid) => self.bind_switch(r.conn.0, dpid),
            _ => key,
        };
        // Listed even when nothing else of it is decoded (another version).
        self.switch(key);
        key
    }

    /// Binds the connection to its dpid, carrying over what was gathered under the
    /// connection's name.
    fn bind_switch(&mut self, conn: u32, dpid: u64) -> SwitchKey {
        let new = SwitchKey::Dpid(dpid);
        let Some(c) = self.conns.get_mut(&conn) else {
            return new;
        };
        let old = std::mem::replace(&mut c.key, new);
        if !self.switches.contains_key(&new) {
            if let Some(s) = self.switches.remove(&old) {
                self.switches.insert(new, s);
            }
        } else if self
            .switches
            .get(&old)
            .is_some_and(|s| s.table.is_empty() && s.packet_in.count() == 0)
        {
            self.switches.remove(&old);
        }
        new
    }

    fn switch(&mut self, key: SwitchKey) -> &mut Switch {
        switch_or_new(&mut self.switches, key, &self.cfg)
    }

    /// Takes the pairing results in `scratch` into the statistics, leaving it empty. (It
    /// stays in place: moving it out and back costs more than the common case's work.)
    fn take_paired(&mut self, key: SwitchKey) {
        let out = &mut self.scratch;
        if !out.pairs.is_empty() {
            // Found (nearly always) without the cost of an entry.
            let sw = match self.switches.get_mut(&key) {
                Some(sw) => sw,
                None => switch_or_new(&mut self.switches, key, &self.cfg),
            };
            for p in &out.pairs {
                let ns = p.latency_ns();
                sw.packet_in.record(ns);
                match p
                    .slots
                    .host_pair
                    .and_then(|i| self.host_pairs.get_mut(i as usize))
                {
                    Some((_, h)) => h.record(ns),
                    None => self.host_pairs_overflow += 1,
                }
                if let Some(c) = p.slots.conversation {
                    self.conversations.latency(c, ns);
                }
            }
            if self.cfg.keep_pairs {
                self.pairs.extend_from_slice(&out.pairs);
            }
            if self.cfg.keep_decisions {
                let pairs = out.pairs.iter().map(|p| (key, *p));
                self.decisions.pairs.extend(pairs);
            }
            out.pairs.clear();
        }
        if out.unanswered.is_empty() && out.requests.is_empty() && out.ambiguous.is_empty() {
            return;
        }
        let mut unanswered = std::mem::take(&mut out.unanswered);
        let mut requests = std::mem::take(&mut out.requests);
        let mut ambiguous = std::mem::take(&mut out.ambiguous);
        for a in ambiguous.drain(..) {
            self.ambiguous_answer(key, a);
        }
        for u in unanswered.drain(..) {
            if self.cfg.keep_decisions {
                self.decisions.unanswered.push((key, u));
            }
            self.switch(key).packet_in.record_unanswered();
            match u
                .slots
                .host_pair
                .and_then(|i| self.host_pairs.get_mut(i as usize))
            {
                Some((_, h)) => h.record_unanswered(),
                None => self.host_pairs_overflow += 1,
            }
            let rule = UnansweredPacketIn {
                hosts: u.hosts,
                window_ns: self.cfg.pair_window_ns,
            };
            self.findings.add(
                Finding::new(&rule, Some(u.packet_in.frame), u.packet_in.ts_ns).dpid(key.dpid()),
            );
        }
        for q in requests.drain(..) {
            if self.cfg.keep_decisions {
                self.decisions.requests.push((key, q));
            }
            let sw = self.switch(key);
            let stats = if q.kind == "ECHO" {
                &mut sw.echo
            } else {
                sw.requests
                    .entry(q.kind)
                    .or_insert_with(|| LatencyStats::new(3))
            };
            match q.latency_ns() {
                Some(ns) => stats.record(ns),
                None => stats.record_unanswered(),
            }
            if q.reply.is_none() && q.kind == "ECHO" {
                let rule = EchoTimeout {
                    from_switch: q.from_switch,
                    window_ns: self.cfg.request_window_ns,
                };
                self.findings.add(
                    Finding::new(&rule, Some(q.request.frame), q.request.ts_ns).dpid(key.dpid()),
                );
            }
        }
        // The emptied buffers go back, to be reused.
        self.scratch.unanswered = unanswered;
        self.scratch.requests = requests;
        self.scratch.ambiguous = ambiguous;
    }

    /// A cut PACKET_OUT that could answer several waiting PacketIns: said, not guessed.
    #[cold]
    fn ambiguous_answer(&mut self, key: SwitchKey, a: Ambiguous) {
        let rule = AmbiguousAnswer {
            kept: a.kept,
            candidates: a.candidates,
        };
        self.findings.fold::<AmbiguousAnswer>(hash_of(key), || {
            Finding::new(&rule, Some(a.answer.frame), a.answer.ts_ns).dpid(key.dpid())
        });
    }

    /// The host pair's latency series, remembered by its conversation so that it is
    /// looked up once.
    fn host_pair_slot_of(
        &mut self,
        conversation: Option<u32>,
        hosts: HostPair,
        at: At,
    ) -> Option<u32> {
        let remembered = conversation.and_then(|c| self.conversations.host_pair(c, &hosts.0));
        if remembered.is_some() {
            return remembered;
        }
        let series = self.host_pair_slot(hosts, at)?;
        if let Some(c) = conversation {
            self.conversations.remember_host_pair(c, &hosts.0, series);
        }
        Some(series)
    }

    /// The number of the host pair's latency series (`None` beyond the bound).
    fn host_pair_slot(&mut self, hosts: HostPair, at: At) -> Option<u32> {
        let full = self.host_pairs.len() >= self.cfg.bounds.of(Table::HostPairs);
        let slot = match self
            .host_pair_slots
            .entry((mac_number(&hosts.0), mac_number(&hosts.1)))
        {
            Entry::Occupied(e) => Some(*e.get()),
            Entry::Vacant(_) if full => None,
            Entry::Vacant(e) => {
                let slot = u32::try_from(self.host_pairs.len()).ok()?;
                self.host_pairs.push((hosts, LatencyStats::new(2)));
                Some(*e.insert(slot))
            }
        };
        if slot.is_none() {
            self.table_full(Table::HostPairs, None, at.frame, at.ts_ns);
        }
        slot
    }

    fn hello(&mut self, r: &OfRecord, key: SwitchKey) {
        if r.message.header.msg_type != ofpt::HELLO {
            return;
        }
        let Some(c) = self.conns.get_mut(&r.conn.0) else {
            return;
        };
        let v = Some(r.message.header.version);
        if r.from_switch() {
            c.info.hello_switch = v;
        } else {
            c.info.hello_controller = v;
        }
        let (Some(s), Some(ctl)) = (c.info.hello_switch, c.info.hello_controller) else {
            return;
        };
        if s == ctl {
            return;
        }
        let rule = VersionMismatch {
            switch: s,
            controller: ctl,
        };
        self.findings
            .add(Finding::new(&rule, Some(r.frame()), r.ts_ns).dpid(key.dpid()));
    }

    /// Reports the handshakes that began in the capture and have not ended 5 s after
    /// their first message, as the message at `now_ns` shows.
    #[cold]
    fn stalls_due(&mut self, now_ns: u64) {
        for conn in self.stalls.take_due(now_ns) {
            if let Some(c) = self.conns.get_mut(&conn) {
                stalled(c, &mut self.findings, true);
            }
        }
    }

    /// At the end of the capture: the handshakes still awaited 5 s after their first
    /// message, or whose connection closed sooner. A handshake the capture ends in the
    /// middle of is not a stall: it may have ended just after.
    fn final_stalls(&mut self, now_ns: u64) {
        for c in self.conns.iter_mut() {
            let timed_out = now_ns.saturating_sub(c.info.first_ns) >= HANDSHAKE_STALL_NS;
            if timed_out || c.info.closed.is_some() {
                stalled(c, &mut self.findings, timed_out);
            }
        }
    }

    fn packet_in(&mut self, r: &OfRecord, key: SwitchKey, at: At, p: &PacketIn, h: &Headers) {
        let hosts = h.eth.map(|e| (e.src, e.dst));
        if p.buffer_id != NO_BUFFER {
            if let Some(c) = self.conns.get_mut(&r.conn.0) {
                let frame_hosts = hosts.unwrap_or(([0; 6], [0; 6]));
                if c.offered.insert(p.buffer_id, frame_hosts).is_none() {
                    c.offered_order.push_back(p.buffer_id);
                    if c.offered_order.len() > BUFFER_CAP {
                        if let Some(old) = c.offered_order.pop_front() {
                            c.offered.remove(&old);
                        }
                    }
                }
            }
        }
        // The data the switch sent: what the capture kept of it and what the capture cut.
        let sent = p.data.len() + lost_bytes(r);
        if sent < usize::from(p.total_len) || lost_bytes(r) > 0 {
            self.cut_packet_in(r, key, at, p, sent);
        }
        if p.reason == REASON_ACTION {
            self.action_packet_in(key, at, p, h);
        }
        let sw = match self.switches.get_mut(&key) {
            Some(sw) => sw,
            None => switch_or_new(&mut self.switches, key, &self.cfg),
        };
        let no_flows = sw.table.is_empty();
        // Where its source was seen before: a move, or the table of MACs is full.
        let moved = match hosts {
            Some((src, _)) if !is_multicast(&src) => {
                let full = sw.macs.len() >= self.cfg.bounds.of(Table::Macs);
                match sw.macs.entry(mac_number(&src)) {
                    Entry::Occupied(e) => Ok(e.into_mut().seen(&src, p.in_port, at.ts_ns)),
                    Entry::Vacant(_) if full => Err(()),
                    Entry::Vacant(e) => {
                        e.insert(MacMoves::new(p.in_port, at.ts_ns));
                        Ok(None)
                    }
                }
                .map(|m| m.map(|m| (src, m)))
            }
            _ => Ok(None),
        };
        if let Some(probe) = Probe::of(h) {
            self.probe_in(r, key, at, probe, h, no_flows);
        }
        match moved {
            Ok(None) => {}
            Ok(Some((src, m))) => self.mac_moved(key, at, src, m),
            Err(()) => self.table_full(Table::Macs, Some(key), at.frame, at.ts_ns),
        }
    }

    /// A PacketIn's frame shorter than its total_len, or cut by the capture: the switch's
    /// cut against the miss_send_len in force, or the capture's.
    #[cold]
    fn cut_packet_in(&mut self, r: &OfRecord, key: SwitchKey, at: At, p: &PacketIn, sent: usize) {
        let set_frame = self.conns.get(&r.conn.0).and_then(|c| c.set_config_frame);
        let msl = self.switch(key).info.miss_send_len();
        let captured_whole = lost_bytes(r) == 0;
        let below_msl = msl.is_some_and(|m| sent < usize::from(m).min(usize::from(p.total_len)));
        if captured_whole && below_msl && p.reason != REASON_ACTION {
            let rule = MissSendLenIgnored {
                sent,
                total_len: p.total_len,
                miss_send_len: msl.unwrap_or_default(),
                set_frame,
            };
            self.findings.fold::<MissSendLenIgnored>(hash_of(key), || {
                Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
            });
            return;
        }
        let rule = TruncatedPacketIn {
            sent,
            total_len: p.total_len,
            buffered: p.buffer_id != NO_BUFFER,
            miss_send_len: msl,
            set_frame,
            capture_kept: (!captured_whole).then_some(p.data.len()),
        };
        self.findings
            .fold::<TruncatedPacketIn>(hash_of((key, captured_whole)), || {
                Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
            });
    }

    /// An ARP or echo request or reply reaching the controller.
    #[inline(never)]
    fn probe_in(
        &mut self,
        r: &OfRecord,
        key: SwitchKey,
        at: At,
        probe: Probe,
        h: &Headers,
        no_flows: bool,
    ) {
        match probe {
            Probe::Request {
                protocol,
                asker,
                target,
            } => {
                if let Some(vlan) = h.vlan {
                    if let Some(c) = self.conns.get_mut(&r.conn.0) {
                        if c.tagged_requests.len() >= TAGGED_REQUESTS_KEPT {
                            c.tagged_requests.pop_front();
                        }
                        c.tagged_requests.push_back(TaggedRequest {
                            asker,
                            target,
                            vlan: vlan.vid,
                            frame: at.frame,
                        });
                    }
                }
                // An echo reply may reach the asker through a flow, never seen here: only
                // a switch with no flows shows that none came.
                if protocol == Protocol::Echo && !no_flows {
                    return;
                }
                let full = self.addresses.len() >= self.cfg.bounds.of(Table::Addresses);
                match self.addresses.entry(u32::from(target)) {
                    Entry::Occupied(e) => e.into_mut().asked(protocol, asker),
                    Entry::Vacant(_) if full => {
                        self.table_full(Table::Addresses, None, at.frame, at.ts_ns)
                    }
                    Entry::Vacant(e) => e
                        .insert(Asked::new(at.frame, at.ts_ns, key.dpid()))
                        .asked(protocol, asker),
                }
            }
            Probe::Reply { from, .. } => self.address_settled(from),
        }
    }

    /// A reply came from `ip`, or the controller knows where it is.
    fn address_settled(&mut self, ip: Ipv4Addr) {
        if let Some(a) = self.addresses.get_mut(&u32::from(ip)) {
            a.settled = true;
        }
    }

    /// A PacketIn that a flow sent to the controller: said when no flow seen over the
    /// connection does that for its frame.
    #[cold]
    fn action_packet_in(&mut self, key: SwitchKey, at: At, p: &PacketIn, h: &Headers) {
        if !self.capture_caveats(key).is_empty() {
            return;
        }
        let flow_key = FlowKey::from_headers(h, p.in_port);
        let explained = self
            .switch(key)
            .table
            .flows()
            .any(|f| outputs_to(&f.actions, ofpp::CONTROLLER) && f.match_.matches(&flow_key));
        if explained {
            return;
        }
        self.switch(key).out_of_band_packet_ins += 1;
        let rule = FlowNotSeen {
            match_: Match::exact(&flow_key),
        };
        self.findings.fold::<FlowNotSeen>(hash_of(key), || {
            Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
        });
    }

    /// A MAC seen on another port: moved once, or flapping.
    #[cold]
    fn mac_moved(&mut self, key: SwitchKey, at: At, mac: [u8; 6], moved: Move) {
        let table = &self.switch(key).table;
        match moved {
            Move::Once { from, to, quiet_ns } => {
                let rule = HostMoved {
                    mac,
                    from,
                    to,
                    quiet_ns,
                    stale: StaleFlows::of(table, &mac, from),
                };
                self.findings.fold::<HostMoved>(hash_of((key, mac)), || {
                    Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
                });
            }
            Move::Flapping(mut rule) => {
                rule.stale = StaleFlows::of(table, &mac, rule.ports.0);
                self.mac_flapping(key, at, &rule);
            }
        }
    }

    /// A MAC that moves too often: one finding per MAC, its text the latest figures.
    #[cold]
    fn mac_flapping(&mut self, key: SwitchKey, at: At, rule: &MacFlapping) {
        let fold_key = hash_of((key, rule.mac));
        self.findings.fold::<MacFlapping>(fold_key, || {
            Finding::new(rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
        });
        self.findings.retext(fold_key, rule);
    }

    /// A buffer used by a PACKET_OUT or FLOW_MOD: the hosts of its frame, when a PacketIn
    /// offered it.
    fn buffer_used(
        &mut self,
        conn: u32,
        key: SwitchKey,
        at: At,
        buffer_id: u32,
        what: &'static str,
    ) -> Option<HostPair> {
        if buffer_id == NO_BUFFER {
            return None;
        }
        let c = self.conns.get_mut(&conn)?;
        // A buffer offered before the capture, or in bytes it lost, is not unknown to
        // the switch: only a connection seen whole can tell.
        let seen_whole = c.handshake != Handshake::BeforeCapture && !c.lost_switch_bytes;
        let hosts = c.offered.remove(&buffer_id);
        if hosts.is_some() || !seen_whole {
            return hosts;
        }
        let rule = UnknownBufferId { what, buffer_id };
        self.findings
            .add(Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid()));
        None
    }

    /// A unicast frame from `src` to `dst` flooded.
    fn flooded_to(&mut self, key: SwitchKey, at: At, src: [u8; 6], dst: [u8; 6]) {
        let bound = self.cfg.bounds.of(Table::Macs);
        let sw = self.switch(key);
        let full = sw.flooded.len() >= bound;
        let flooded = match sw.flooded.entry(mac_number(&dst)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(_) if full => {
                return self.table_full(Table::Macs, Some(key), at.frame, at.ts_ns)
            }
            Entry::Vacant(e) => e.insert(FloodedTo::new(at.frame, at.ts_ns)),
        };
        flooded.flooded(src, at.ts_ns);
    }

    /// A frame the controller built or sent on (not the PacketIn's frame it answers): a
    /// reply must go back on its request's VLAN and be whole; a request sent to one port
    /// shows the controller knows where its target is.
    #[cold]
    fn probe_out(
        &mut self,
        r: &OfRecord,
        key: SwitchKey,
        at: At,
        p: &PacketOut,
        h: &Headers,
        floods: bool,
    ) {
        let Some(probe) = Probe::of(h) else {
            return;
        };
        let (protocol, from, to) = match probe {
            Probe::Request { target, .. } => {
                if !floods {
                    self.address_settled(target);
                }
                return;
            }
            Probe::Reply { protocol, from, to } => (protocol, from, to),
        };
        self.address_settled(from);
        if protocol == Protocol::Echo {
            if let Some((kept, total)) = probes::ipv4_short(&p.data, h) {
                let rule = ReplyFromTruncatedFrame {
                    from,
                    to,
                    kept,
                    total,
                };
                self.findings
                    .add(Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid()));
            }
        }
        let Some(request) = self.conns.get(&r.conn.0).and_then(|c| {
            c.tagged_requests
                .iter()
                .rev()
                .find(|q| q.asker == to && q.target == from)
                .copied()
        }) else {
            return;
        };
        let reply_vlan = p
            .actions
            .iter()
            .fold(h.vlan.map(|v| v.vid), |vlan, a| match a {
                Action::SetVlanVid(v) => Some(*v),
                Action::StripVlan => None,
                _ => vlan,
            });
        if reply_vlan != Some(request.vlan) {
            let rule = ReplyVlanMismatch {
                protocol,
                from,
                to,
                request_vlan: Some(request.vlan),
                reply_vlan,
                request_frame: request.frame,
            };
            self.findings
                .add(Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid()));
        }
    }

    fn flood(&mut self, key: SwitchKey, at: At, actions: &[Action], what: &'static str) {
        if !outputs_to(actions, ofpp::FLOOD) {
            return;
        }
        self.findings.fold::<FloodUsed>(hash_of(key), || {
            Finding::new(&FloodUsed { what }, Some(at.frame), at.ts_ns).dpid(key.dpid())
        });
    }

    fn flow_mod(&mut self, conn: u32, key: SwitchKey, at: At, fm: &FlowMod) {
        self.buffer_used(conn, key, at, fm.buffer_id, "FLOW_MOD");
        self.flood(key, at, &fm.actions, "FLOW_MOD");
        if self.switch(key).table.apply(fm, at.ts_ns, at.index) == Outcome::TableFull {
            self.table_full(Table::Flows, Some(key), at.frame, at.ts_ns);
        }
        if fm.command != ofscope_dissectors::openflow::flow_mod::ofpfc::ADD {
            return;
        }
        let mut wire = Vec::with_capacity(40);
        fm.match_.normalize().emit(&mut wire);
        let flow_key = hash_of((wire, fm.effective_priority()));
        if let Some(adds) = self.churn.added(key, flow_key, at.ts_ns) {
            self.findings
                .fold::<FlowChurn>(hash_of((key, flow_key)), || {
                    let rule = FlowChurn {
                        adds,
                        priority: fm.effective_priority(),
                        match_: fm.match_.normalize(),
                    };
                    Finding::new(&rule, Some(at.frame), at.ts_ns).dpid(key.dpid())
                });
        }
    }
}

/// The switch `key`, made on first sight (out of line: the hot paths look it up first).
#[cold]
/// A connection still awaiting its FEATURES_REPLY stalled: reported once.
fn stalled(c: &mut ConnState, findings: &mut Findings, timed_out: bool) {
    if c.handshake != Handshake::Awaiting {
        return;
    }
    c.handshake = Handshake::Settled;
    let rule = HandshakeStall {
        conn: &c.info,
        timed_out,
    };
    findings.add(Finding::new(&rule, None, c.info.first_ns));
}

fn switch_or_new<'a>(
    switches: &'a mut BTreeMap<SwitchKey, Switch>,
    key: SwitchKey,
    cfg: &Config,
) -> &'a mut Switch {
    switches.entry(key).or_insert_with(|| Switch::new(cfg))
}

/// The second of capture time `ts_ns` falls in, counted from the origin; `current` is the
/// second last asked for (its start and number), which most messages fall in.
#[inline]
fn second_of(current: &mut (u64, u64), origin_ns: Option<u64>, ts_ns: u64) -> u64 {
    let (start, n) = *current;
    if ts_ns >= start && ts_ns - start < NS_PER_SEC {
        return n;
    }
    let origin = origin_ns.unwrap_or(ts_ns);
    let n = ts_ns.saturating_sub(origin) / NS_PER_SEC;
    *current = (origin + n * NS_PER_SEC, n);
    n
}

/// The state of a connection first seen at `ts_ns`.
#[cold]
fn new_conn(cfg: &Config, conn: u32, ts_ns: u64) -> ConnState {
    ConnState {
        key: SwitchKey::Conn(conn),
        info: Connection {
            conn,
            switch: None,
            controller: None,
            first_ns: ts_ns,
            last_ns: ts_ns,
            closed: None,
            hello_switch: None,
            hello_controller: None,
            messages: 0,
            via: None,
            seen_twice: None,
        },
        pairing: ConnPairing::new(cfg.pair_window_ns, cfg.request_window_ns, cfg.max_pending),
        handshake: Handshake::NotStarted,
        lost_switch_bytes: false,
        offered: FastMap::default(),
        offered_order: VecDeque::new(),
        set_config_frame: None,
        tagged_requests: VecDeque::new(),
        responses: Throughput::default(),
    }
}

/// Whether the message is a FEATURES_REPLY from the switch, of any version, whatever its
/// body decoded to (another version, or cut short): its length must fit the version's
/// layout, which bytes framed by mistake seldom do.
fn is_features_reply(r: &OfRecord) -> bool {
    r.from_switch() && r.message.is_features_reply()
}

/// The bytes of the message the capture lost (snaplen, lost segment): 0 for a whole one.
fn lost_bytes(r: &OfRecord) -> usize {
    usize::from(r.message.header.length).saturating_sub(r.bytes.len())
}

/// The longest `--pair-window`: an answer later than this is no answer.
const MAX_PAIR_WINDOW_SECONDS: f64 = 3600.0;

/// A duration given by the user: `1s`, `250ms`, `500us`, `0.5` (seconds); in ns.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let (number, unit) = [
        ("ms", 1e6),
        ("us", 1e3),
        ("µs", 1e3),
        ("ns", 1.0),
        ("s", 1e9),
    ]
    .iter()
    .find_map(|(suffix, unit)| s.strip_suffix(suffix).map(|n| (n, *unit)))
    .unwrap_or((s, 1e9));
    match number.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v * unit <= MAX_PAIR_WINDOW_SECONDS * 1e9 => Ok((v * unit).round() as u64),
        _ => Err(format!(
            "bad duration '{}': give more than 0 and at most {MAX_PAIR_WINDOW_SECONDS}s, e.g. 1s, 250ms or 0.5",
            Echo::text(s)
        )),
    }
}

/// A duration for people: `850ns`, `12.3µs`, `4.56ms`, `1.234s`.
pub fn fmt_duration(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{:.1}µs", ns as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.2}ms", ns as f64 / 1e6),
        _ => format!("{:.3}s", ns as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_specs() {
        assert_eq!("12.5".parse(), Ok(TimeSpec::Relative(12_500_000_000)));
        assert_eq!("+2s".parse(), Ok(TimeSpec::Relative(2 * NS_PER_SEC)));
        assert_eq!("@10.25".parse(), Ok(TimeSpec::Epoch(10_250_000_000)));
        assert_eq!(
            "01:02:03.5".parse(),
            Ok(TimeSpec::TimeOfDay(3_723_500_000_000))
        );
        assert!("25:00:00".parse::<TimeSpec>().is_err());
        assert!("soon".parse::<TimeSpec>().is_err());
        let day = 86_400 * NS_PER_SEC;
        let first = 20_000 * day + 3600 * NS_PER_SEC;
        assert_eq!(
            TimeSpec::TimeOfDay(7200 * NS_PER_SEC).resolve(first),
            20_000 * day + 7200 * NS_PER_SEC
        );
        assert_eq!(TimeSpec::Relative(5).resolve(first), first + 5);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s"), Ok(NS_PER_SEC));
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("0.5"), Ok(500_000_000));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("fast").is_err());
        assert_eq!(fmt_duration(1_500), "1.5µs");
        assert_eq!(fmt_duration(2_000_000_000), "2.000s");
    }
}
