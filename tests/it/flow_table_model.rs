//! The flow table (indexed, with an expiry heap) against a naive model of OpenFlow 1.0's
//! table kept here: a list scanned on every change, as the table was first written. Random
//! FLOW_MODs (every command, strict or not, wildcards, priorities, timeouts, flags),
//! FLOW_REMOVEDs, flow stats replies and packets must leave both with the same flows in the
//! same order, the same history, the same answers, and the same table at any moment.

use ofscope::flow_table::{Expiry, Flow, FlowEvent, FlowEventKind, FlowTable, Outcome};
use ofscope_dissectors::openflow::flow_match::ofpfw;
use ofscope_dissectors::openflow::flow_mod::{ofpfc, ofpff};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::stats::FlowStats;
use ofscope_dissectors::openflow::{Action, FlowKey, FlowMod, FlowRemoved, Match};
use proptest::prelude::*;

const MS: u64 = 1_000_000;

/// The naive table: every operation looks at every flow.
struct Model {
    flows: Vec<Flow>,
    events: Vec<FlowEvent>,
    max_flows: usize,
    refused: u64,
}

/// When the table itself takes the flow out: a flow that asked for FLOW_REMOVED waits for
/// the switch's word on an idle timeout.
fn removal_due(f: &Flow) -> Option<(u64, Expiry)> {
    if f.flags & ofpff::SEND_FLOW_REM == 0 {
        return f.expires_at();
    }
    (f.hard_timeout != 0).then(|| {
        let at = f.installed_ns + u64::from(f.hard_timeout) * 1000 * MS;
        (at, Expiry::Exact)
    })
}

fn same(f: &Flow, m: &Match, priority: u16) -> bool {
    f.priority == priority && f.match_.same_as(m)
}

fn outputs_to(f: &Flow, port: u16) -> bool {
    port == ofpp::NONE || f.actions.contains(&Action::output(port))
}

impl Model {
    fn event(&mut self, ts_ns: u64, message: Option<u64>, kind: FlowEventKind, flow: &Flow) {
        let flow = flow.clone();
        self.events.push(FlowEvent {
            ts_ns,
            message,
            kind,
            flow,
        });
    }

    fn expire(&mut self, now: u64) {
        for f in std::mem::take(&mut self.flows) {
            match removal_due(&f) {
                Some((at, expiry)) if at <= now => {
                    let estimated = expiry == Expiry::Estimated;
                    self.event(at, None, FlowEventKind::Expired { estimated }, &f);
                }
                _ => self.flows.push(f),
            }
        }
    }

    fn add(&mut self, flow: Flow, ts: u64, message: Option<u64>) -> Outcome {
        if self.flows.len() >= self.max_flows {
            self.refused += 1;
            return Outcome::TableFull;
        }
        self.event(ts, message, FlowEventKind::Added, &flow);
        self.flows.push(flow);
        Outcome::Applied { changed: 1 }
    }

    fn apply(&mut self, fm: &FlowMod, ts: u64, message: u64) -> Outcome {
        self.expire(ts);
        if fm.flags & ofpff::EMERG != 0 {
            return Outcome::Emergency;
        }
        let priority = fm.effective_priority();
        let flow = Flow::installed(fm, ts);
        let strict = fm.command == ofpfc::MODIFY_STRICT || fm.command == ofpfc::DELETE_STRICT;
        let picks = |f: &Flow| match strict {
            true => same(f, &fm.match_, priority),
            false => fm.match_.covers(&f.match_),
        };
        let at = Some(message);
        match fm.command {
            ofpfc::ADD => {
                let overlap = fm.flags & ofpff::CHECK_OVERLAP != 0
                    && self
                        .flows
                        .iter()
                        .any(|f| f.priority == priority && f.match_.overlaps(&fm.match_));
                if overlap {
                    return Outcome::Overlap;
                }
                match self
                    .flows
                    .iter()
                    .position(|f| same(f, &fm.match_, priority))
                {
                    Some(i) => {
                        self.flows[i] = flow.clone();
                        self.event(ts, at, FlowEventKind::Replaced, &flow);
                        Outcome::Applied { changed: 1 }
                    }
                    None => self.add(flow, ts, at),
                }
            }
            ofpfc::MODIFY | ofpfc::MODIFY_STRICT => {
                let mut changed = 0;
                for i in 0..self.flows.len() {
                    if picks(&self.flows[i]) {
                        self.flows[i].actions = fm.actions.clone();
                        self.flows[i].cookie = fm.cookie;
                        let f = self.flows[i].clone();
                        self.event(ts, at, FlowEventKind::Modified, &f);
                        changed += 1;
                    }
                }
                match changed {
                    0 => self.add(flow, ts, at),
                    changed => Outcome::Applied { changed },
                }
            }
            ofpfc::DELETE | ofpfc::DELETE_STRICT => {
                let mut changed = 0;
                for f in std::mem::take(&mut self.flows) {
                    if picks(&f) && outputs_to(&f, fm.out_port) {
                        self.event(ts, at, FlowEventKind::Deleted, &f);
                        changed += 1;
                    } else {
                        self.flows.push(f);
                    }
                }
                Outcome::Applied { changed }
            }
            _ => Outcome::BadCommand,
        }
    }

    fn removed(&mut self, fr: &FlowRemoved, ts: u64, message: u64) {
        let i = self
            .flows
            .iter()
            .position(|f| same(f, &fr.match_, fr.priority));
        let mut flow = match i {
            Some(i) => self.flows.remove(i),
            None => Flow::removed(fr, ts),
        };
        flow.packet_count = fr.packet_count;
        flow.byte_count = fr.byte_count;
        let kind = FlowEventKind::Removed { reason: fr.reason };
        self.event(ts, Some(message), kind, &flow);
        self.expire(ts);
    }

    fn stats(&mut self, entries: &[FlowStats], ts: u64, message: u64) {
        self.expire(ts);
        for e in entries {
            let i = self
                .flows
                .iter()
                .position(|f| same(f, &e.match_, e.priority));
            if let Some(i) = i {
                let f = &mut self.flows[i];
                if e.packet_count > f.packet_count {
                    f.last_used_ns = ts;
                }
                f.packet_count = e.packet_count;
                f.byte_count = e.byte_count;
                f.installed_ns = ts.saturating_sub(u64::from(e.duration_sec) * 1000 * MS);
                continue;
            }
            let flow = Flow::listed(e, ts);
            if self.flows.len() < self.max_flows {
                self.event(ts, Some(message), FlowEventKind::Discovered, &flow);
                self.flows.push(flow);
            } else {
                self.refused += 1;
            }
        }
    }

    /// The packet's entry: highest priority, then exact, then oldest; the last of equals.
    fn hit(&mut self, key: &FlowKey, len: u64, now: u64) -> Option<Flow> {
        self.expire(now);
        let rank = |f: &Flow| (f.priority, f.exact, std::cmp::Reverse(f.installed_ns));
        let mut best: Option<usize> = None;
        for (i, f) in self.flows.iter().enumerate() {
            let live = removal_due(f).is_none_or(|(at, _)| at > now);
            if live && f.match_.matches(key) && best.is_none_or(|b| rank(f) >= rank(&self.flows[b]))
            {
                best = Some(i);
            }
        }
        let f = &mut self.flows[best?];
        f.packet_count += 1;
        f.byte_count += len;
        f.last_used_ns = now;
        Some(f.clone())
    }

    /// The table at `at`: replays the history from the start, scanning for each event.
    fn at(&self, at: u64) -> Vec<Flow> {
        let mut flows: Vec<Flow> = Vec::new();
        for e in self.events.iter().take_while(|e| e.ts_ns <= at) {
            flows.retain(|f| !same(f, &e.flow.match_, e.flow.priority));
            let stays = !matches!(
                e.kind,
                FlowEventKind::Deleted
                    | FlowEventKind::Removed { .. }
                    | FlowEventKind::Expired { .. }
            );
            if stays {
                flows.push(e.flow.clone());
            }
        }
        flows.retain(|f| removal_due(f).is_none_or(|(t, _)| t > at));
        flows
    }
}

/// A match from a small space, so that matches collide, cover and overlap often: some of
/// in_port, dl_dst, dl_type (IPv4 or not) and nw_tos (whose low bits strict equality ignores).
fn a_match() -> impl Strategy<Value = Match> {
    let bits = prop::sample::subsequence(
        vec![ofpfw::IN_PORT, ofpfw::DL_DST, ofpfw::DL_TYPE, ofpfw::NW_TOS],
        0..=4,
    );
    (bits, 1..3u16, 1..4u8, prop::bool::ANY, 0..8u8).prop_map(|(exact, port, dst, ip, tos)| {
        let exact: u32 = exact.iter().sum();
        Match {
            wildcards: ofpfw::ALL & !exact,
            in_port: port,
            dl_dst: [0, 0, 0, 0, 0, dst],
            dl_type: if ip { 0x0800 } else { 0x0806 },
            nw_tos: tos,
            ..Match::default()
        }
    })
}

fn a_priority() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![0u16, 1, 0x8000])
}

#[derive(Debug, Clone)]
enum Op {
    FlowMod(FlowMod),
    Removed(FlowRemoved),
    Stats(Vec<FlowStats>),
    Packet { port: u16, dst: u8 },
    Expire,
}

fn an_op() -> impl Strategy<Value = Op> {
    let flow_mod = (
        a_match(),
        0..6u16,
        a_priority(),
        (0..4u16, 0..4u16),
        prop::sample::subsequence(
            vec![ofpff::SEND_FLOW_REM, ofpff::CHECK_OVERLAP, ofpff::EMERG],
            0..=3,
        ),
        prop::sample::select(vec![ofpp::NONE, 1, 2]),
        (1..3u16, 0..4u64),
    )
        .prop_map(
            |(match_, command, priority, (idle, hard), flags, out_port, (port, cookie))| {
                Op::FlowMod(FlowMod {
                    match_,
                    command,
                    priority,
                    idle_timeout: idle,
                    hard_timeout: hard,
                    flags: flags.iter().sum(),
                    out_port,
                    cookie,
                    actions: vec![Action::output(port)],
                    ..FlowMod::default()
                })
            },
        );
    let removed = (a_match(), a_priority(), 0..3u32, 0..9u64).prop_map(|(m, p, secs, n)| {
        Op::Removed(FlowRemoved {
            match_: m,
            priority: p,
            duration_sec: secs,
            packet_count: n,
            byte_count: 60 * n,
            ..FlowRemoved::default()
        })
    });
    let entry = (
        a_match(),
        a_priority(),
        0..4u32,
        0..9u64,
        (0..4u16, 0..4u16),
    )
        .prop_map(|(m, p, secs, n, (idle, hard))| FlowStats {
            match_: m,
            priority: p,
            duration_sec: secs,
            packet_count: n,
            byte_count: 60 * n,
            idle_timeout: idle,
            hard_timeout: hard,
            actions: vec![Action::output(1)],
            ..FlowStats::default()
        });
    prop_oneof![
        5 => flow_mod,
        1 => removed,
        1 => prop::collection::vec(entry, 1..3).prop_map(Op::Stats),
        1 => (1..3u16, 1..4u8).prop_map(|(port, dst)| Op::Packet { port, dst }),
        1 => Just(Op::Expire),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_table_behaves_as_the_naive_model(
        ops in prop::collection::vec((0..1500u64, an_op()), 1..80),
        max_flows in 2..12usize,
        moments in prop::collection::vec(0..120_000u64, 1..8),
    ) {
        let mut table = FlowTable::new(100_000).with_max_flows(max_flows);
        let mut model = Model { flows: Vec::new(), events: Vec::new(), max_flows, refused: 0 };
        let mut now = 0;
        for (message, (step_ms, op)) in (1..).zip(ops) {
            now += step_ms * MS;
            match op {
                Op::FlowMod(fm) => {
                    prop_assert_eq!(table.apply(&fm, now, message), model.apply(&fm, now, message));
                }
                Op::Removed(fr) => {
                    table.removed(&fr, now, message);
                    model.removed(&fr, now, message);
                }
                Op::Stats(entries) => {
                    table.stats(&entries, now, message);
                    model.stats(&entries, now, message);
                }
                Op::Packet { port, dst } => {
                    let mut key = FlowKey::from_bytes(&[], port);
                    key.dl_dst = [0, 0, 0, 0, 0, dst];
                    let hit = table.hit(&key, 60, now).cloned();
                    prop_assert_eq!(hit, model.hit(&key, 60, now));
                }
                Op::Expire => {
                    table.expire(now);
                    model.expire(now);
                }
            }
            prop_assert_eq!(table.flows().cloned().collect::<Vec<_>>(), model.flows.clone());
            prop_assert_eq!(table.events(), &model.events[..]);
            prop_assert_eq!(table.refused().map_or(0, |r| r.count), model.refused);
        }
        let ends = model.events.iter().map(|e| e.ts_ns);
        for at in moments.into_iter().map(|ms| ms * MS).chain(ends) {
            prop_assert_eq!(table.at(at), model.at(at));
        }
    }
}
