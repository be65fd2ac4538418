//! Comparing decisions (against a golden, or against what the recorded controller did) and
//! the mismatch report.
//!
//! Decisions are already normalised when rendered (see [`super::decision`]), so two of them
//! agree when they are equal. They are aligned by trigger (timestamp, frame, type), so a
//! decision only one side has shows as missing or extra instead of shifting the rest.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use ofscope_dissectors::openflow::Message;

use super::decision::{packet_ref, Decision, Emit, Trigger, TAP};
use super::engine::is_trigger;
use crate::session::{format_dpid, OfRecord};

/// One place where the two sides disagree: indexes into expected and actual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    Changed {
        expected: usize,
        actual: usize,
    },
    /// Only the expected side has this decision.
    Missing {
        expected: usize,
    },
    /// Only the actual side has it.
    Extra {
        actual: usize,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub differences: Vec<Difference>,
    /// Decisions compared: the triggers of both sides together.
    pub total: usize,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// The share of decisions that agree, in percent.
    pub fn agreement(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        100.0 * (self.total - self.differences.len()) as f64 / self.total as f64
    }
}

/// What identifies a trigger in a comparison: its time, frame and type.
pub fn key(t: &Trigger) -> (u64, u64, &str) {
    (t.ts_ns, t.frame, &t.kind)
}

pub fn diff(expected: &[Decision], actual: &[Decision]) -> Diff {
    let mut out = Diff::default();
    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < actual.len() {
        out.total += 1;
        let order = match (expected.get(i), actual.get(j)) {
            (Some(e), Some(a)) => key(&e.trigger).cmp(&key(&a.trigger)),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Equal => {
                if expected[i] != actual[j] {
                    out.differences.push(Difference::Changed {
                        expected: i,
                        actual: j,
                    });
                }
                i += 1;
                j += 1;
            }
            Ordering::Less => {
                out.differences.push(Difference::Missing { expected: i });
                i += 1;
            }
            Ordering::Greater => {
                out.differences.push(Difference::Extra { actual: j });
                j += 1;
            }
        }
    }
    out
}

/// How the report looks.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    pub color: bool,
    /// What the two sides are called (`golden`, `replay`; `recording`, `replay`).
    pub expected: &'a str,
    pub actual: &'a str,
    /// How many differences are shown in full.
    pub shown: usize,
    /// How many agreeing decisions are shown before each difference.
    pub context: usize,
}

impl Default for Style<'_> {
    fn default() -> Self {
        Style {
            color: false,
            expected: "expected",
            actual: "actual",
            shown: 3,
            context: 2,
        }
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The count of differences by kind, then the first few with their context and a line diff
/// of expected vs actual.
pub fn report(d: &Diff, expected: &[Decision], actual: &[Decision], style: &Style) -> String {
    let mut out = String::new();
    let count = |f: fn(&Difference) -> bool| d.differences.iter().filter(|x| f(x)).count();
    let _ = writeln!(
        out,
        "{} of {} decisions differ ({} changed, {} only in {}, {} only in {})",
        d.differences.len(),
        d.total,
        count(|x| matches!(x, Difference::Changed { .. })),
        count(|x| matches!(x, Difference::Missing { .. })),
        style.expected,
        count(|x| matches!(x, Difference::Extra { .. })),
        style.actual,
    );
    let paint = |out: &mut String, color: &str, line: &str| {
        if style.color {
            let _ = writeln!(out, "{color}{line}{RESET}");
        } else {
            let _ = writeln!(out, "{line}");
        }
    };
    for difference in d.differences.iter().take(style.shown) {
        out.push('\n');
        let (e, a) = match *difference {
            Difference::Changed {
                expected: e,
                actual: a,
            } => (Some(e), Some(a)),
            Difference::Missing { expected: e } => (Some(e), None),
            Difference::Extra { actual: a } => (None, Some(a)),
        };
        // Context comes from the actual side when it has the decision, else the expected.
        let (side, at) = match (e, a) {
            (_, Some(a)) => (actual, a),
            (Some(e), None) => (expected, e),
            (None, None) => continue,
        };
        for c in &side[at.saturating_sub(style.context)..at] {
            for line in c.to_string().lines() {
                paint(&mut out, DIM, &format!("  {line}"));
            }
        }
        let (exp_text, act_text) = (
            e.map(|i| expected[i].to_string()).unwrap_or_default(),
            a.map(|i| actual[i].to_string()).unwrap_or_default(),
        );
        let trigger = side[at].trigger.to_string();
        let _ = writeln!(out, "> {trigger}");
        if e.is_none() {
            paint(
                &mut out,
                RED,
                &format!("- (no such decision in {})", style.expected),
            );
        }
        let body =
            |text: &str| -> Vec<String> { text.lines().skip(1).map(str::to_owned).collect() };
        for (tag, line) in line_diff(&body(&exp_text), &body(&act_text)) {
            match tag {
                '-' => paint(&mut out, RED, &format!("- {line}")),
                '+' => paint(&mut out, GREEN, &format!("+ {line}")),
                _ => {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
        if a.is_none() {
            paint(
                &mut out,
                GREEN,
                &format!("+ (no such decision in {})", style.actual),
            );
        }
    }
    if d.differences.len() > style.shown {
        let _ = writeln!(
            out,
            "\n... and {} more differences",
            d.differences.len() - style.shown
        );
    }
    let _ = writeln!(out, "(- {}, + {})", style.expected, style.actual);
    out
}

/// A line diff by longest common subsequence (decisions have a handful of lines).
fn line_diff<'a>(a: &'a [String], b: &'a [String]) -> Vec<(char, &'a str)> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((' ', a[i].as_str()));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(('-', a[i].as_str()));
            i += 1;
        } else {
            out.push(('+', b[j].as_str()));
            j += 1;
        }
    }
    out
}

/// Controller messages that are the framework's own chatter, not an app's decision: the
/// handshake, the switch's configuration and the controller's own requests. None answers
/// a trigger, so they are compared on neither side.
const FRAMEWORK: &[&str] = &[
    "HELLO",
    "FEATURES_REQUEST",
    "SET_CONFIG",
    "ECHO_REQUEST",
    "STATS_REQUEST",
    "GET_CONFIG_REQUEST",
    "QUEUE_GET_CONFIG_REQUEST",
    "BARRIER_REQUEST",
];

/// Whether a controller message of this type is framework chatter, not a decision.
pub fn is_framework(type_name: &str) -> bool {
    FRAMEWORK.contains(&type_name)
}

/// What a recorded controller message may answer: a switch's message, or a frame read from
/// the TAP (known from the replay's own TAP decisions, which say which switch took it).
#[derive(Clone, Copy)]
enum Cause<'a> {
    Switch(&'a OfRecord),
    Tap(&'a Decision),
}

impl Cause<'_> {
    fn trigger(&self) -> Trigger {
        match self {
            Cause::Switch(r) => Trigger::from_message(r.frame(), r.ts_ns, r.dpid, &r.message),
            Cause::Tap(d) => d.trigger.clone(),
        }
    }

    fn message(&self) -> Option<&Message> {
        match self {
            Cause::Switch(r) => Some(&r.message),
            Cause::Tap(_) => None,
        }
    }
}

/// A TAP frame as a cause, on the connection of the switch the replay gave it to.
fn push_tap<'a>(
    tap: &'a Decision,
    causes: &mut Vec<(Cause<'a>, Option<u32>)>,
    last: &mut HashMap<u32, usize>,
    conn_of_dpid: &HashMap<String, u32>,
) {
    let conn = tap
        .trigger
        .dpid
        .as_ref()
        .and_then(|d| conn_of_dpid.get(d))
        .copied();
    if let Some(conn) = conn {
        last.insert(conn, causes.len());
    }
    causes.push((Cause::Tap(tap), conn));
}

/// The decisions the recorded controller made, aligned with `replayed` (what the apps
/// decided for the same triggers).
///
/// A controller answers its triggers in order, but not always before the next one arrives
/// (a burst of PacketIns is answered behind it). So a recorded message belongs to some
/// trigger at or before it on its connection. Walking the triggers in order, the next
/// recorded messages go to a trigger when they are exactly what the replay emitted for it;
/// otherwise the trigger takes the messages that arrived before the next trigger, as a plain
/// time attribution does. A TAP frame comes in at its time, as the replay fed it, on the
/// connection of the switch the replay gave it to.
pub fn recorded_decisions(records: &[OfRecord], replayed: &[Decision]) -> Vec<Decision> {
    // Each cause with its connection, in the order the replay met them.
    let mut causes: Vec<(Cause, Option<u32>)> = Vec::new();
    // Per connection: the controller's messages, each with the last cause before it.
    let mut queues: HashMap<u32, Vec<(usize, &Message)>> = HashMap::new();
    let mut last: HashMap<u32, usize> = HashMap::new();
    let mut conn_of_dpid: HashMap<String, u32> = HashMap::new();
    let mut taps = replayed.iter().filter(|d| d.trigger.kind == TAP).peekable();
    for record in records {
        while let Some(tap) = taps.next_if(|t| t.trigger.ts_ns <= record.ts_ns) {
            push_tap(tap, &mut causes, &mut last, &conn_of_dpid);
        }
        let body = &record.message.body;
        if record.from_switch() {
            if let Some(dpid) = record.dpid {
                conn_of_dpid.insert(format_dpid(dpid), record.conn.0);
            }
            if is_trigger(body) {
                last.insert(record.conn.0, causes.len());
                causes.push((Cause::Switch(record), Some(record.conn.0)));
            }
        } else if !is_framework(record.message.type_name()) {
            // A message before the connection's first trigger answers none.
            if let Some(&lim) = last.get(&record.conn.0) {
                queues
                    .entry(record.conn.0)
                    .or_default()
                    .push((lim, &record.message));
            }
        }
    }
    for tap in taps {
        push_tap(tap, &mut causes, &mut last, &conn_of_dpid);
    }
    let mut decisions: Vec<Decision> = causes
        .iter()
        .map(|(cause, _)| Decision {
            trigger: cause.trigger(),
            emit: Vec::new(),
            tap: Vec::new(),
            findings: Vec::new(),
        })
        .collect();
    // What the replay emitted per trigger, in order among triggers of the same key; looked
    // up by key, as the live run of `replay --into` may meet the switches' triggers in
    // another order than the capture.
    let mut expected: HashMap<(u64, u64, String), VecDeque<&[Emit]>> = HashMap::new();
    for d in replayed {
        let (ts, frame, kind) = key(&d.trigger);
        expected
            .entry((ts, frame, kind.to_owned()))
            .or_default()
            .push_back(&d.emit);
    }
    let mut next: HashMap<u32, usize> = HashMap::new();
    // Named by its own header: a body the capture cut (Malformed) has no type of its own.
    let emit = |t: usize, m: &Message| Emit {
        kind: m.type_name().to_owned(),
        ..Emit::new(&m.body, packet_ref(causes[t].0.message()))
    };
    for (t, (_, conn)) in causes.iter().enumerate() {
        let (ts, frame, kind) = key(&decisions[t].trigger);
        let replay = expected
            .get_mut(&(ts, frame, kind.to_owned()))
            .and_then(VecDeque::pop_front)
            .unwrap_or_default();
        let Some(queue) = conn.and_then(|c| queues.get(&c)) else {
            continue;
        };
        let p = next.entry(conn.unwrap_or_default()).or_default();
        // Messages that came before this trigger and were not taken belong to earlier ones.
        while let Some(&(lim, body)) = queue.get(*p).filter(|(lim, _)| *lim < t) {
            decisions[lim].emit.push(emit(lim, body));
            *p += 1;
        }
        let ahead = queue.get(*p..*p + replay.len()).unwrap_or_default();
        let matches = !replay.is_empty()
            && ahead.len() == replay.len()
            && ahead.iter().zip(replay).all(|((_, b), e)| emit(t, b) == *e);
        if matches {
            decisions[t].emit = replay.to_vec();
            *p += replay.len();
        } else {
            while let Some(&(_, body)) = queue.get(*p).filter(|(lim, _)| *lim == t) {
                decisions[t].emit.push(emit(t, body));
                *p += 1;
            }
        }
    }
    decisions
}

/// What can be compared with a recording: the emitted messages that are decisions (a
/// recording has no TAP and no findings, and its framework chatter is not compared).
pub fn messages_only(decisions: &[Decision]) -> Vec<Decision> {
    decisions
        .iter()
        .map(|d| Decision {
            trigger: d.trigger.clone(),
            emit: d
                .emit
                .iter()
                .filter(|e| !is_framework(&e.kind))
                .cloned()
                .collect(),
            tap: Vec::new(),
            findings: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::Body;

    fn decision(frame: u64, emit: &[&str]) -> Decision {
        Decision {
            trigger: Trigger {
                frame,
                ts_ns: frame,
                dpid: None,
                kind: "PACKET_IN".into(),
                in_port: Some(1),
                summary: String::new(),
            },
            emit: emit
                .iter()
                .map(|k| Emit {
                    kind: (*k).to_owned(),
                    ..Emit::new(&Body::BarrierRequest, Default::default())
                })
                .collect(),
            tap: Vec::new(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn aligns_by_trigger() {
        let expected = [
            decision(1, &["A"]),
            decision(2, &["B"]),
            decision(4, &["D"]),
        ];
        let actual = [
            decision(1, &["A"]),
            decision(3, &["C"]),
            decision(4, &["X"]),
        ];
        let d = diff(&expected, &actual);
        assert_eq!(
            d.differences,
            [
                Difference::Missing { expected: 1 },
                Difference::Extra { actual: 1 },
                Difference::Changed {
                    expected: 2,
                    actual: 2
                }
            ]
        );
        assert_eq!(d.total, 4);
        assert_eq!(d.agreement(), 25.0);
        let text = report(&d, &expected, &actual, &Style::default());
        assert!(
            text.starts_with(
                "3 of 4 decisions differ (1 changed, 1 only in expected, 1 only in actual)"
            ),
            "{text}"
        );
        assert!(
            text.contains("> frame 4 PACKET_IN in_port 1\n-     D\n+     X\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "> frame 2 PACKET_IN in_port 1\n-     B\n+ (no such decision in actual)\n"
            ),
            "{text}"
        );
    }

    fn record(index: u64, from_switch: bool, body: Body) -> OfRecord {
        let message = ofscope_dissectors::openflow::Message::new(0, body);
        OfRecord {
            index,
            frames: vec![index],
            frame: index,
            ts_ns: index,
            conn: crate::stream::ConnId(0),
            direction: if from_switch {
                crate::stream::Direction::SwitchToController
            } else {
                crate::stream::Direction::ControllerToSwitch
            },
            dpid: None,
            bytes: message.emit(),
            message,
        }
    }

    #[test]
    fn chatter_and_messages_before_the_first_trigger_are_no_decisions() {
        use ofscope_dissectors::openflow::{
            FeaturesReply, FlowMod, PacketIn, PacketOut, SwitchConfig,
        };
        let records = [
            // Sent before the switch's FEATURES_REPLY: it answers no trigger.
            record(1, false, Body::FlowMod(FlowMod::default())),
            record(2, false, Body::SetConfig(SwitchConfig::default())),
            record(3, true, Body::FeaturesReply(FeaturesReply::default())),
            record(4, true, Body::PacketIn(PacketIn::default())),
            record(5, false, Body::BarrierRequest),
            record(6, false, Body::PacketOut(PacketOut::default())),
            record(7, false, Body::SetConfig(SwitchConfig::default())),
        ];
        let kinds: Vec<Vec<String>> = recorded_decisions(&records, &[])
            .iter()
            .map(|d| d.emit.iter().map(|e| e.kind.clone()).collect())
            .collect();
        assert_eq!(kinds, [vec![], vec!["PACKET_OUT".to_owned()]]);
        // The replay's own chatter is left out alike.
        let replayed =
            messages_only(&[decision(3, &["SET_CONFIG", "FLOW_MOD", "BARRIER_REQUEST"])]);
        assert_eq!(replayed[0].emit.len(), 1);
        assert_eq!(replayed[0].emit[0].kind, "FLOW_MOD");
    }

    /// `replay --into` may meet the triggers in another order than the side it is compared
    /// with lists them: what that side decided is found by the trigger, not by its place.
    #[test]
    fn a_late_answer_goes_to_its_trigger_whatever_order_the_hint_lists() {
        use ofscope_dissectors::openflow::{FeaturesReply, PacketIn, PacketOut};
        let out = |in_port| {
            Body::PacketOut(PacketOut {
                in_port,
                ..PacketOut::default()
            })
        };
        let records = [
            record(1, true, Body::FeaturesReply(FeaturesReply::default())),
            record(2, true, Body::PacketIn(PacketIn::default())),
            record(3, true, Body::PacketIn(PacketIn::default())),
            // The answer to 2 came after 3 arrived.
            record(4, false, out(2)),
            record(5, false, out(3)),
        ];
        let decided = |at: usize, body: Body| Decision {
            trigger: Trigger::from_message(at as u64, at as u64, None, &records[at - 1].message),
            emit: vec![Emit::new(&body, packet_ref(Some(&records[at - 1].message)))],
            tap: Vec::new(),
            findings: Vec::new(),
        };
        let hint = [decided(3, out(3)), decided(2, out(2))];
        let ports: Vec<Vec<String>> = recorded_decisions(&records, &hint)
            .iter()
            .map(|d| d.emit.iter().filter_map(|e| e.in_port.clone()).collect())
            .collect();
        assert_eq!(ports, [vec![], vec!["2".to_owned()], vec!["3".to_owned()]]);
        // By time alone, both would go to 3.
        let by_time: Vec<usize> = recorded_decisions(&records, &[])
            .iter()
            .map(|d| d.emit.len())
            .collect();
        assert_eq!(by_time, [0, 0, 2]);
    }

    #[test]
    fn line_diff_keeps_common_lines() {
        let a: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
        let b: Vec<String> = ["x", "q", "z"].map(String::from).to_vec();
        let tags: String = line_diff(&a, &b).iter().map(|(t, _)| *t).collect();
        assert_eq!(tags, " -+ ");
    }
}
