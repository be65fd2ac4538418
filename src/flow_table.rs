//! One switch's flow table as the controller built it, with OpenFlow 1.0 semantics.
//!
//! Used by the analysis (reconstruction from a capture) and by replay's closed loop
//! (`lookup`/`hit`). Time is the capture's: nanoseconds since the epoch.

use ofscope_dissectors::openflow::flow_mod::{ofpfc, ofpff};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::stats::FlowStats;
use ofscope_dissectors::openflow::{Action, FlowKey, FlowMod, FlowRemoved, Match};

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

const NS_PER_SEC: u64 = 1_000_000_000;

/// How well the moment a flow leaves the table is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Only a hard timeout: it ends at a known instant.
    Exact,
    /// An idle timeout: it depends on traffic the capture cannot see.
    Estimated,
    /// Permanent.
    None,
}

impl Expiry {
    pub fn name(self) -> &'static str {
        match self {
            Expiry::Exact => "exact",
            Expiry::Estimated => "estimated",
            Expiry::None => "none",
        }
    }
}

/// One flow entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Normalised (OF1.0.1), as the switch stores and reports it.
    pub match_: Match,
    /// The effective priority: 65535 for an exact match, as OF1.0 and Open vSwitch say.
    pub priority: u16,
    /// Whether the FLOW_MOD had no wildcard bits at all.
    pub exact: bool,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub flags: u16,
    pub actions: Vec<Action>,
    pub installed_ns: u64,
    /// The last moment the flow is known to have been used (installed, hit by a
    /// PACKET_OUT to TABLE, or counters seen growing in a flow stats reply).
    pub last_used_ns: u64,
    pub packet_count: u64,
    pub byte_count: u64,
}

impl Flow {
    /// The entry a FLOW_MOD (ADD, or a MODIFY that selects nothing) installs at `ts_ns`.
    pub fn installed(fm: &FlowMod, ts_ns: u64) -> Flow {
        Flow {
            match_: fm.match_.normalize(),
            priority: fm.effective_priority(),
            exact: fm.match_.wildcards & ofscope_dissectors::openflow::flow_match::ofpfw::ALL == 0,
            cookie: fm.cookie,
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            flags: fm.flags,
            actions: fm.actions.clone(),
            installed_ns: ts_ns,
            last_used_ns: ts_ns,
            packet_count: 0,
            byte_count: 0,
        }
    }

    /// The entry a FLOW_REMOVED names when the table no longer has it (already expired
    /// by our estimate, or never seen): what the switch says of it, counters aside.
    pub fn removed(fr: &FlowRemoved, ts_ns: u64) -> Flow {
        Flow {
            match_: fr.match_.normalize(),
            priority: fr.priority,
            exact: false,
            cookie: fr.cookie,
            idle_timeout: fr.idle_timeout,
            hard_timeout: 0,
            flags: ofpff::SEND_FLOW_REM,
            actions: Vec::new(),
            installed_ns: installed(ts_ns, fr.duration_sec, fr.duration_nsec),
            last_used_ns: ts_ns,
            packet_count: 0,
            byte_count: 0,
        }
    }

    /// The entry a flow stats reply at `ts_ns` lists and the table lacks.
    pub fn listed(e: &FlowStats, ts_ns: u64) -> Flow {
        Flow {
            match_: e.match_.normalize(),
            priority: e.priority,
            exact: false,
            cookie: e.cookie,
            idle_timeout: e.idle_timeout,
            hard_timeout: e.hard_timeout,
            flags: 0,
            actions: e.actions.clone(),
            installed_ns: installed(ts_ns, e.duration_sec, e.duration_nsec),
            last_used_ns: ts_ns,
            packet_count: e.packet_count,
            byte_count: e.byte_count,
        }
    }

    pub fn expiry(&self) -> Expiry {
        match (self.idle_timeout, self.hard_timeout) {
            (0, 0) => Expiry::None,
            (0, _) => Expiry::Exact,
            _ => Expiry::Estimated,
        }
    }

    /// When the flow leaves the table if nothing else happens, with whether the instant is
    /// only an estimate (idle timeouts: the capture does not show the data-plane traffic).
    pub fn expires_at(&self) -> Option<(u64, Expiry)> {
        let hard = (self.hard_timeout != 0)
            .then(|| self.installed_ns + u64::from(self.hard_timeout) * NS_PER_SEC);
        let idle = (self.idle_timeout != 0)
            .then(|| self.last_used_ns + u64::from(self.idle_timeout) * NS_PER_SEC);
        match (hard, idle) {
            (Some(h), Some(i)) if h <= i => Some((h, Expiry::Exact)),
            (_, Some(i)) => Some((i, Expiry::Estimated)),
            (Some(h), None) => Some((h, Expiry::Exact)),
            (None, None) => None,
        }
    }

    /// When we take the flow out of the table ourselves: as `expires_at`, except that a
    /// flow that asked for FLOW_REMOVED leaves on an idle timeout only when the switch says
    /// so (its hard timeout still applies).
    fn removal_due(&self) -> Option<(u64, Expiry)> {
        if self.flags & ofpff::SEND_FLOW_REM != 0 {
            return (self.hard_timeout != 0).then(|| {
                let at = self.installed_ns + u64::from(self.hard_timeout) * NS_PER_SEC;
                (at, Expiry::Exact)
            });
        }
        self.expires_at()
    }

    fn outputs_to(&self, port: u16) -> bool {
        port == ofpp::NONE
            || self.actions.iter().any(|a| match a {
                Action::Output { port: p, .. } | Action::Enqueue { port: p, .. } => *p == port,
                _ => false,
            })
    }

    /// `priority=...,match actions=...` with the timeouts, as `ovs-ofctl dump-flows`
    /// prints them (the counters are those the capture showed).
    pub fn dump_line(&self, now_ns: u64) -> String {
        let age = now_ns.saturating_sub(self.installed_ns);
        let mut line = format!(
            " cookie=0x{:x}, duration={}.{:03}s, table=0, n_packets={}, n_bytes={}, ",
            self.cookie,
            age / NS_PER_SEC,
            age % NS_PER_SEC / 1_000_000,
            self.packet_count,
            self.byte_count
        );
        if self.idle_timeout != 0 {
            line += &format!("idle_timeout={}, ", self.idle_timeout);
        }
        if self.hard_timeout != 0 {
            line += &format!("hard_timeout={}, ", self.hard_timeout);
        }
        line += &self.rule();
        line
    }

    /// `priority=N[,match] actions=...`: the part of a dump line that identifies the rule.
    pub fn rule(&self) -> String {
        let m = self.match_.to_string();
        let sep = if m.is_empty() { "" } else { "," };
        format!(
            "priority={}{sep}{m} actions={}",
            self.priority,
            ofscope_dissectors::openflow::Actions(&self.actions)
        )
    }
}

/// Why a flow entered, changed or left the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowEventKind {
    Added,
    /// An ADD replaced an identical entry (match and priority); counters restart.
    Replaced,
    Modified,
    Deleted,
    /// FLOW_REMOVED from the switch, with its `OFPRR_*` reason.
    Removed {
        reason: u8,
    },
    /// A timeout passed without a FLOW_REMOVED; `estimated` for idle timeouts.
    Expired {
        estimated: bool,
    },
    /// Known only from a flow stats reply.
    Discovered,
}

impl FlowEventKind {
    pub fn name(self) -> &'static str {
        match self {
            FlowEventKind::Added => "added",
            FlowEventKind::Replaced => "replaced",
            FlowEventKind::Modified => "modified",
            FlowEventKind::Deleted => "deleted",
            FlowEventKind::Removed { .. } => "removed",
            FlowEventKind::Expired { estimated: false } => "expired",
            FlowEventKind::Expired { estimated: true } => "expired (estimated)",
            FlowEventKind::Discovered => "discovered",
        }
    }

    /// Whether the flow is in the table after the event.
    pub fn leaves_flow_in(self) -> bool {
        matches!(
            self,
            FlowEventKind::Added
                | FlowEventKind::Replaced
                | FlowEventKind::Modified
                | FlowEventKind::Discovered
        )
    }
}

/// One change to the table, with the flow as it was after it (or as it left).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowEvent {
    pub ts_ns: u64,
    /// The message that caused it (`None` for expiries).
    pub message: Option<u64>,
    pub kind: FlowEventKind,
    pub flow: Flow,
}

/// What a FLOW_MOD did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Flows added, replaced, modified or deleted.
    Applied { changed: usize },
    /// CHECK_OVERLAP found an overlapping entry at the same priority: the switch refuses
    /// it with OFPFMFC_OVERLAP.
    Overlap,
    /// EMERG flows go to the emergency table, which only matters without a controller.
    Emergency,
    /// An unknown command (the switch answers OFPFMFC_BAD_COMMAND).
    BadCommand,
    /// The table holds [`MAX_FLOWS`] already: the flow is refused (a switch answers
    /// OFPFMFC_ALL_TABLES_FULL).
    TableFull,
}

/// The most flows one table holds: a FLOW_MOD or flow stats entry that would add one more is
/// refused and counted ([`FlowTable::refused`]). A flow costs about 0.5 KB here with its
/// index and history, so a full table stays near 0.5 GB; real switches hold far fewer.
pub const MAX_FLOWS: usize = 1_000_000;

/// A flow's strict identity: its match as strict equality compares it, and its priority.
/// ADD replaces, MODIFY_STRICT and DELETE_STRICT select, and FLOW_REMOVED and flow stats
/// name an entry by it; the table holds at most one entry per identity.
type Identity = (Match, u16);

fn identity(m: &Match, priority: u16) -> Identity {
    (m.identity(), priority)
}

/// The entries a full table refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusals {
    pub count: u64,
    /// The message (as given to `apply` or `stats`) and time of the first one.
    pub first_message: u64,
    pub first_ts_ns: u64,
}

/// A flow table and the list of its changes (capped at `event_cap`; beyond it the events
/// are counted, not kept).
#[derive(Debug, Clone)]
pub struct FlowTable {
    /// By entry number: the order flows entered (a replacing ADD keeps the place of the
    /// entry it replaces), which is the order of the dump and breaks lookup's last ties.
    flows: BTreeMap<u64, Flow>,
    next_entry: u64,
    by_identity: HashMap<Identity, u64>,
    /// (instant, entry) for each flow with a removal due, smallest first. An instant stays
    /// in the heap when its flow changes or leaves: it counts only while it is still the
    /// flow's `removal_due`, and every change to that pushes the new instant.
    expiries: BinaryHeap<Reverse<(u64, u64)>>,
    max_flows: usize,
    refused: Option<Refusals>,
    events: Vec<FlowEvent>,
    event_cap: usize,
    events_dropped: u64,
    /// Events handed over by [`FlowTable::drain_events`] (they no longer count to the cap).
    events_drained: u64,
}

impl Default for FlowTable {
    fn default() -> Self {
        FlowTable::new(100_000)
    }
}

impl FlowTable {
    pub fn new(event_cap: usize) -> FlowTable {
        FlowTable {
            flows: BTreeMap::new(),
            next_entry: 0,
            by_identity: HashMap::new(),
            expiries: BinaryHeap::new(),
            max_flows: MAX_FLOWS,
            refused: None,
            events: Vec::new(),
            event_cap,
            events_dropped: 0,
            events_drained: 0,
        }
    }

    /// The same table with another bound than [`MAX_FLOWS`] (tests reach it quickly).
    pub fn with_max_flows(self, max_flows: usize) -> FlowTable {
        FlowTable { max_flows, ..self }
    }

    /// The flows, in the order they entered the table.
    pub fn flows(&self) -> impl ExactSizeIterator<Item = &Flow> {
        self.flows.values()
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    pub fn events(&self) -> &[FlowEvent] {
        &self.events
    }

    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// Every event recorded so far: kept, dropped beyond the cap, or drained.
    pub fn events_recorded(&self) -> u64 {
        self.events_drained + self.events.len() as u64 + self.events_dropped
    }

    /// Hands over the kept events, with the number of the first (counted from 0 over the
    /// table's life), and forgets them: a reader that writes them out as they come keeps
    /// the list short, and nothing beyond the cap is dropped. [`FlowTable::at`] then sees
    /// only the later events.
    pub fn drain_events(&mut self) -> (u64, std::vec::Drain<'_, FlowEvent>) {
        let first = self.events_drained;
        self.events_drained += self.events.len() as u64;
        (first, self.events.drain(..))
    }

    /// The entries refused because the table was full, if any was.
    pub fn refused(&self) -> Option<Refusals> {
        self.refused
    }

    fn record(&mut self, ts_ns: u64, message: Option<u64>, kind: FlowEventKind, flow: &Flow) {
        if self.events.len() < self.event_cap {
            self.events.push(FlowEvent {
                ts_ns,
                message,
                kind,
                flow: flow.clone(),
            });
        } else {
            self.events_dropped += 1;
        }
    }

    /// The entry with this identity.
    fn find(&self, m: &Match, priority: u16) -> Option<u64> {
        self.by_identity.get(&identity(m, priority)).copied()
    }

    /// The entries non-strict MODIFY and DELETE select: a scan, as wildcards cover any
    /// number of entries at any priority.
    fn covered_by(&self, m: &Match) -> Vec<u64> {
        self.flows
            .iter()
            .filter(|(_, f)| m.covers(&f.match_))
            .map(|(entry, _)| *entry)
            .collect()
    }

    /// Adds a new flow, unless the table is full (then it is counted and `false`).
    fn insert(&mut self, flow: Flow, ts_ns: u64, message: u64) -> bool {
        if self.flows.len() >= self.max_flows {
            let r = self.refused.get_or_insert(Refusals {
                count: 0,
                first_message: message,
                first_ts_ns: ts_ns,
            });
            r.count += 1;
            return false;
        }
        let entry = self.next_entry;
        self.next_entry += 1;
        self.put(entry, flow);
        true
    }

    fn put(&mut self, entry: u64, flow: Flow) {
        self.by_identity
            .insert(identity(&flow.match_, flow.priority), entry);
        self.schedule(entry, &flow);
        self.flows.insert(entry, flow);
    }

    fn take(&mut self, entry: u64) -> Option<Flow> {
        let flow = self.flows.remove(&entry)?;
        self.by_identity
            .remove(&identity(&flow.match_, flow.priority));
        Some(flow)
    }

    /// Queues the flow's removal instant. The heap is rebuilt when outdated instants
    /// outnumber the flows, so it stays in proportion to the table.
    fn schedule(&mut self, entry: u64, flow: &Flow) {
        if let Some((at, _)) = flow.removal_due() {
            self.expiries.push(Reverse((at, entry)));
        }
        if self.expiries.len() > 2 * self.flows.len() + 64 {
            self.expiries = self
                .flows
                .iter()
                .filter_map(|(e, f)| Some(Reverse((f.removal_due()?.0, *e))))
                .collect();
        }
    }

    /// Changes a flow in place, queueing its new removal instant if the change moved it.
    fn update(&mut self, entry: u64, change: impl FnOnce(&mut Flow)) {
        let Some(f) = self.flows.get_mut(&entry) else {
            return;
        };
        let due = f.removal_due();
        change(f);
        if f.removal_due() != due {
            let f = f.clone();
            self.schedule(entry, &f);
        }
    }

    /// Applies a FLOW_MOD sent at `ts_ns` by message `message`.
    pub fn apply(&mut self, fm: &FlowMod, ts_ns: u64, message: u64) -> Outcome {
        self.expire(ts_ns);
        if fm.flags & ofpff::EMERG != 0 {
            return Outcome::Emergency;
        }
        let priority = fm.effective_priority();
        let new_flow = || Flow::installed(fm, ts_ns);
        let at = Some(message);
        let strict = matches!(fm.command, ofpfc::MODIFY_STRICT | ofpfc::DELETE_STRICT);
        let selected = |t: &FlowTable| match strict {
            true => t.find(&fm.match_, priority).into_iter().collect(),
            false => t.covered_by(&fm.match_),
        };
        match fm.command {
            ofpfc::ADD => {
                if fm.flags & ofpff::CHECK_OVERLAP != 0
                    && self
                        .flows
                        .values()
                        .any(|f| f.priority == priority && f.match_.overlaps(&fm.match_))
                {
                    return Outcome::Overlap;
                }
                let flow = new_flow();
                let kind = match self.find(&fm.match_, priority) {
                    Some(entry) => {
                        self.take(entry);
                        self.put(entry, flow.clone());
                        FlowEventKind::Replaced
                    }
                    None if self.insert(flow.clone(), ts_ns, message) => FlowEventKind::Added,
                    None => return Outcome::TableFull,
                };
                self.record(ts_ns, at, kind, &flow);
                Outcome::Applied { changed: 1 }
            }
            ofpfc::MODIFY | ofpfc::MODIFY_STRICT => {
                let mut changed = Vec::new();
                for entry in selected(self) {
                    if let Some(f) = self.flows.get_mut(&entry) {
                        // OF1.0: MODIFY changes the actions (and, as Open vSwitch does, the
                        // cookie); timeouts and counters stay.
                        f.actions = fm.actions.clone();
                        f.cookie = fm.cookie;
                        changed.push(f.clone());
                    }
                }
                if changed.is_empty() {
                    // OF1.0: a MODIFY that selects nothing acts as an ADD.
                    let flow = new_flow();
                    if !self.insert(flow.clone(), ts_ns, message) {
                        return Outcome::TableFull;
                    }
                    self.record(ts_ns, at, FlowEventKind::Added, &flow);
                    return Outcome::Applied { changed: 1 };
                }
                for f in &changed {
                    self.record(ts_ns, at, FlowEventKind::Modified, f);
                }
                Outcome::Applied {
                    changed: changed.len(),
                }
            }
            ofpfc::DELETE | ofpfc::DELETE_STRICT => {
                let mut changed = 0;
                for entry in selected(self) {
                    let chosen = self.flows.get(&entry);
                    if !chosen.is_some_and(|f| f.outputs_to(fm.out_port)) {
                        continue;
                    }
                    if let Some(f) = self.take(entry) {
                        self.record(ts_ns, at, FlowEventKind::Deleted, &f);
                        changed += 1;
                    }
                }
                Outcome::Applied { changed }
            }
            _ => Outcome::BadCommand,
        }
    }

    /// FLOW_REMOVED: the switch says the entry left, with the final counters.
    pub fn removed(&mut self, fr: &FlowRemoved, ts_ns: u64, message: u64) {
        let kind = FlowEventKind::Removed { reason: fr.reason };
        let found = self
            .find(&fr.match_, fr.priority)
            .and_then(|entry| self.take(entry));
        let mut flow = match found {
            Some(f) => f,
            // Already expired by our estimate (or never seen): keep what the switch says.
            None => Flow::removed(fr, ts_ns),
        };
        flow.packet_count = fr.packet_count;
        flow.byte_count = fr.byte_count;
        self.record(ts_ns, Some(message), kind, &flow);
        self.expire(ts_ns);
    }

    /// A flow stats reply: counters and durations of the entries it lists. An entry we do
    /// not have is added (the switch has it, whatever the capture missed).
    pub fn stats(&mut self, entries: &[FlowStats], ts_ns: u64, message: u64) {
        self.expire(ts_ns);
        for e in entries {
            match self.find(&e.match_, e.priority) {
                Some(entry) => self.update(entry, |f| {
                    if e.packet_count > f.packet_count {
                        f.last_used_ns = ts_ns;
                    }
                    f.packet_count = e.packet_count;
                    f.byte_count = e.byte_count;
                    f.installed_ns = installed(ts_ns, e.duration_sec, e.duration_nsec);
                }),
                None => {
                    let flow = Flow::listed(e, ts_ns);
                    if self.insert(flow.clone(), ts_ns, message) {
                        self.record(ts_ns, Some(message), FlowEventKind::Discovered, &flow);
                    }
                }
            }
        }
    }

    /// Removes the entries whose timeout has passed by `now_ns`, in the order they entered
    /// the table. An idle timeout is an estimate: the last use we know of plus the timeout.
    pub fn expire(&mut self, now_ns: u64) {
        let mut due = Vec::new();
        while let Some(&Reverse((at, entry))) = self.expiries.peek() {
            if at > now_ns {
                break;
            }
            self.expiries.pop();
            let current = self.flows.get(&entry).and_then(Flow::removal_due);
            if current.is_some_and(|(t, _)| t == at) {
                due.push(entry);
            }
        }
        due.sort_unstable();
        due.dedup();
        for entry in due {
            let Some(f) = self.take(entry) else { continue };
            if let Some((at, expiry)) = f.removal_due() {
                let kind = FlowEventKind::Expired {
                    estimated: expiry == Expiry::Estimated,
                };
                self.record(at, None, kind, &f);
            }
        }
    }

    /// The entry a packet with `key` hits at `now_ns`: the highest priority among the
    /// live entries that match; on a tie an exact-match entry wins (OF1.0), then the oldest.
    pub fn lookup(&self, key: &FlowKey, now_ns: u64) -> Option<&Flow> {
        self.flows.get(&self.best(key, now_ns)?)
    }

    fn best(&self, key: &FlowKey, now_ns: u64) -> Option<u64> {
        self.flows
            .iter()
            .filter(|(_, f)| {
                f.removal_due().is_none_or(|(at, _)| at > now_ns) && f.match_.matches(key)
            })
            .max_by(|(_, a), (_, b)| {
                (a.priority, a.exact, std::cmp::Reverse(a.installed_ns)).cmp(&(
                    b.priority,
                    b.exact,
                    std::cmp::Reverse(b.installed_ns),
                ))
            })
            .map(|(entry, _)| *entry)
    }

    /// Sends a packet of `len` bytes through the table: the entry it hits counts it and
    /// is marked used. Returns that entry.
    pub fn hit(&mut self, key: &FlowKey, len: u64, now_ns: u64) -> Option<&Flow> {
        self.expire(now_ns);
        let entry = self.best(key, now_ns)?;
        self.update(entry, |f| {
            f.packet_count += 1;
            f.byte_count += len;
            f.last_used_ns = now_ns;
        });
        self.flows.get(&entry)
    }

    /// The table as it was at `at_ns`, rebuilt from the event list in one pass (complete
    /// only when no event was dropped): each identity's last event up to then, in the order
    /// of those events.
    pub fn at(&self, at_ns: u64) -> Vec<Flow> {
        let mut last: HashMap<Identity, (usize, &Flow)> = HashMap::new();
        for (i, e) in self
            .events
            .iter()
            .take_while(|e| e.ts_ns <= at_ns)
            .enumerate()
        {
            let id = identity(&e.flow.match_, e.flow.priority);
            if e.kind.leaves_flow_in() {
                last.insert(id, (i, &e.flow));
            } else {
                last.remove(&id);
            }
        }
        let mut flows: Vec<(usize, &Flow)> = last
            .into_values()
            .filter(|(_, f)| f.removal_due().is_none_or(|(t, _)| t > at_ns))
            .collect();
        flows.sort_unstable_by_key(|(i, _)| *i);
        flows.into_iter().map(|(_, f)| f.clone()).collect()
    }
}

/// When an entry that has lived `sec`.`nsec` at `ts_ns` was installed.
fn installed(ts_ns: u64, sec: u32, nsec: u32) -> u64 {
    ts_ns.saturating_sub(u64::from(sec) * NS_PER_SEC + u64::from(nsec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::flow_match::ofpfw;

    const S: u64 = NS_PER_SEC;

    fn by_dst(mac: u8) -> Match {
        Match {
            wildcards: ofpfw::ALL & !ofpfw::DL_DST,
            dl_dst: [0, 0, 0, 0, 0, mac],
            ..Match::default()
        }
    }

    fn add(m: Match, port: u16) -> FlowMod {
        FlowMod {
            match_: m,
            actions: vec![Action::output(port)],
            ..FlowMod::default()
        }
    }

    fn key_to(mac: u8) -> FlowKey {
        let mut k = FlowKey::from_bytes(&[], 1);
        k.dl_dst = [0, 0, 0, 0, 0, mac];
        k
    }

    #[test]
    fn add_replaces_identical_and_modify_keeps_timeouts() {
        let mut t = FlowTable::default();
        assert_eq!(
            t.apply(&add(by_dst(1), 1), 0, 1),
            Outcome::Applied { changed: 1 }
        );
        assert_eq!(
            t.apply(&add(by_dst(1), 2), S, 2),
            Outcome::Applied { changed: 1 }
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t.events()[1].kind, FlowEventKind::Replaced);
        let modify = FlowMod {
            command: ofpfc::MODIFY,
            match_: Match::default(),
            actions: vec![Action::output(3)],
            hard_timeout: 7,
            ..FlowMod::default()
        };
        t.apply(&modify, 2 * S, 3);
        assert_eq!(t.flows().next().unwrap().actions, vec![Action::output(3)]);
        assert_eq!(t.flows().next().unwrap().hard_timeout, 0);
        // A strict modify of something absent adds it.
        let strict = FlowMod {
            command: ofpfc::MODIFY_STRICT,
            ..add(by_dst(2), 4)
        };
        t.apply(&strict, 3 * S, 4);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn delete_strict_non_strict_and_out_port() {
        let mut t = FlowTable::default();
        t.apply(&add(by_dst(1), 1), 0, 1);
        t.apply(&add(by_dst(2), 2), 0, 2);
        t.apply(
            &FlowMod {
                priority: 9,
                ..add(by_dst(2), 2)
            },
            0,
            3,
        );
        let del = |m: Match, cmd: u16, out_port: u16| FlowMod {
            command: cmd,
            match_: m,
            out_port,
            ..FlowMod::default()
        };
        // Strict: priority must match too.
        t.apply(&del(by_dst(2), ofpfc::DELETE_STRICT, ofpp::NONE), S, 4);
        assert_eq!(t.len(), 2);
        // Non-strict with an out_port filter.
        t.apply(&del(Match::default(), ofpfc::DELETE, 1), S, 5);
        assert_eq!(t.len(), 1);
        assert_eq!(t.flows().next().unwrap().priority, 9);
        t.apply(&del(Match::default(), ofpfc::DELETE, ofpp::NONE), S, 6);
        assert!(t.is_empty());
    }

    #[test]
    fn exact_match_outranks_and_priority_orders() {
        let mut t = FlowTable::default();
        let k = key_to(1);
        t.apply(
            &FlowMod {
                priority: 100,
                ..add(by_dst(1), 1)
            },
            0,
            1,
        );
        t.apply(
            &FlowMod {
                priority: 200,
                ..add(Match::default(), 2)
            },
            0,
            2,
        );
        assert_eq!(t.lookup(&k, 0).unwrap().actions, vec![Action::output(2)]);
        t.apply(
            &FlowMod {
                priority: 1,
                ..add(Match::exact(&k), 3)
            },
            0,
            3,
        );
        let best = t.lookup(&k, 0).unwrap();
        assert_eq!((best.priority, best.exact), (u16::MAX, true));
        assert!(t.lookup(&key_to(9), 0).is_some_and(|f| f.priority == 200));
    }

    #[test]
    fn check_overlap_refuses() {
        let mut t = FlowTable::default();
        t.apply(&add(by_dst(1), 1), 0, 1);
        let by_src = Match {
            wildcards: ofpfw::ALL & !ofpfw::DL_SRC,
            dl_src: [0, 0, 0, 0, 0, 5],
            ..Match::default()
        };
        let overlapping = FlowMod {
            flags: ofpff::CHECK_OVERLAP,
            ..add(by_src, 2)
        };
        assert_eq!(t.apply(&overlapping, 0, 2), Outcome::Overlap);
        let other_priority = FlowMod {
            priority: 1,
            ..overlapping.clone()
        };
        assert_eq!(
            t.apply(&other_priority, 0, 3),
            Outcome::Applied { changed: 1 }
        );
    }

    #[test]
    fn timeouts_and_history() {
        let mut t = FlowTable::default();
        t.apply(
            &FlowMod {
                hard_timeout: 30,
                idle_timeout: 10,
                ..add(by_dst(1), 1)
            },
            0,
            1,
        );
        t.apply(
            &FlowMod {
                hard_timeout: 5,
                ..add(by_dst(2), 2)
            },
            0,
            2,
        );
        assert_eq!(t.flows().next().unwrap().expiry(), Expiry::Estimated);
        assert_eq!(t.flows().nth(1).unwrap().expiry(), Expiry::Exact);
        // A PACKET_OUT to TABLE at 8 s keeps flow 1 alive past 10 s.
        assert!(t.hit(&key_to(1), 60, 8 * S).is_some());
        t.expire(12 * S);
        assert_eq!(t.len(), 1);
        assert_eq!(t.flows().next().unwrap().packet_count, 1);
        t.expire(19 * S);
        assert!(t.is_empty());
        let kinds: Vec<_> = t.events().iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                FlowEventKind::Added,
                FlowEventKind::Added,
                FlowEventKind::Expired { estimated: false },
                FlowEventKind::Expired { estimated: true },
            ]
        );
        assert_eq!(t.at(S).len(), 2);
        assert_eq!(t.at(6 * S).len(), 1);
        assert_eq!(t.at(20 * S).len(), 0);
    }

    #[test]
    fn a_full_table_refuses_new_entries_and_counts_them() {
        let mut t = FlowTable::default().with_max_flows(2);
        t.apply(&add(by_dst(1), 1), 0, 1);
        t.apply(&add(by_dst(2), 1), 0, 2);
        assert_eq!(t.refused(), None);
        assert_eq!(t.apply(&add(by_dst(3), 1), S, 3), Outcome::TableFull);
        // Replacing or modifying an entry it holds still works.
        assert_eq!(
            t.apply(&add(by_dst(2), 4), S, 4),
            Outcome::Applied { changed: 1 }
        );
        let unknown = FlowStats {
            match_: by_dst(5),
            ..FlowStats::default()
        };
        t.stats(std::slice::from_ref(&unknown), 2 * S, 5);
        assert_eq!(
            t.refused(),
            Some(Refusals {
                count: 2,
                first_message: 3,
                first_ts_ns: S,
            })
        );
        assert_eq!(t.len(), 2);
        // Room again after a delete.
        let delete = FlowMod {
            command: ofpfc::DELETE_STRICT,
            ..add(by_dst(1), 1)
        };
        t.apply(&delete, 3 * S, 6);
        assert_eq!(
            t.apply(&add(by_dst(3), 1), 3 * S, 7),
            Outcome::Applied { changed: 1 }
        );
    }

    #[test]
    fn flow_removed_and_stats() {
        let mut t = FlowTable::default();
        let fm = FlowMod {
            idle_timeout: 5,
            flags: ofpff::SEND_FLOW_REM,
            ..add(by_dst(1), 1)
        };
        t.apply(&fm, 0, 1);
        // SEND_FLOW_REM: an idle flow waits for the switch's word.
        t.expire(100 * S);
        assert_eq!(t.len(), 1);
        let entry = FlowStats {
            match_: by_dst(1),
            priority: fm.priority,
            packet_count: 4,
            byte_count: 400,
            duration_sec: 100,
            ..FlowStats::default()
        };
        t.stats(std::slice::from_ref(&entry), 100 * S, 2);
        assert_eq!(t.flows().next().unwrap().packet_count, 4);
        let fr = FlowRemoved {
            match_: by_dst(1),
            priority: fm.priority,
            reason: 0,
            packet_count: 5,
            byte_count: 500,
            ..FlowRemoved::default()
        };
        t.removed(&fr, 106 * S, 3);
        assert!(t.is_empty());
        let last = t.events().last().unwrap();
        assert_eq!(last.kind, FlowEventKind::Removed { reason: 0 });
        assert_eq!(last.flow.packet_count, 5);
    }
}
