//! Findings: things an engineer should look at, each with a severity, the frame and a
//! one-line explanation. Memory is bounded: past `cap_per_kind` findings of one kind only
//! the count grows, and recurring conditions are folded into one finding with a count.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::FastMap;
use crate::session::format_dpid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// Every kind of finding; `name()` is the stable key used in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    Malformed,
    TruncatedMessage,
    TcpGap,
    UnansweredPacketIn,
    AmbiguousAnswer,
    TruncatedPacketIn,
    UnknownBufferId,
    FloodUsed,
    MacFlapping,
    ErrorMessage,
    EchoTimeout,
    FlowChurn,
    HandshakeStall,
    MidSessionStart,
    VersionMismatch,
}

impl FindingKind {
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Malformed => "malformed",
            FindingKind::TruncatedMessage => "truncated_message",
            FindingKind::TcpGap => "tcp_gap",
            FindingKind::UnansweredPacketIn => "unanswered_packet_in",
            FindingKind::AmbiguousAnswer => "ambiguous_answer",
            FindingKind::TruncatedPacketIn => "truncated_packet_in",
            FindingKind::UnknownBufferId => "unknown_buffer_id",
            FindingKind::FloodUsed => "flood_used",
            FindingKind::MacFlapping => "mac_flapping",
            FindingKind::ErrorMessage => "error_message",
            FindingKind::EchoTimeout => "echo_timeout",
            FindingKind::FlowChurn => "flow_churn",
            FindingKind::HandshakeStall => "handshake_stall",
            FindingKind::MidSessionStart => "mid_session_start",
            FindingKind::VersionMismatch => "version_mismatch",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The frame that shows it (the first one, for folded findings).
    pub frame: Option<u64>,
    pub ts_ns: u64,
    pub dpid: Option<u64>,
    pub text: String,
    /// Occurrences folded into this finding (1 for a single event).
    pub count: u64,
}

impl Finding {
    pub fn new(kind: FindingKind, severity: Severity, frame: Option<u64>, ts_ns: u64) -> Finding {
        Finding {
            kind,
            severity,
            frame,
            ts_ns,
            dpid: None,
            text: String::new(),
            count: 1,
        }
    }

    pub fn dpid(mut self, dpid: Option<u64>) -> Finding {
        self.dpid = dpid;
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Finding {
        self.text = text.into();
        self
    }

    /// `warning  frame 12  00:00:..:01  unanswered_packet_in  PACKET_IN ... (x3)`
    pub fn line(&self) -> String {
        let frame = self.frame.map_or("-".to_owned(), |f| f.to_string());
        let switch = self.dpid.map_or("-".to_owned(), format_dpid);
        let times = if self.count > 1 {
            format!(" (x{})", self.count)
        } else {
            String::new()
        };
        format!(
            "{:<7}  frame {:>7}  {:<23}  {:<20}  {}{times}",
            self.severity.name(),
            frame,
            switch,
            self.kind.name(),
            self.text
        )
    }

    pub fn to_json(&self) -> Value {
        json!({
            "severity": self.severity.name(),
            "kind": self.kind.name(),
            "frame": self.frame,
            "ts_ns": self.ts_ns,
            "dpid": self.dpid.map(format_dpid),
            "count": self.count,
            "text": self.text,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Findings {
    list: Vec<Finding>,
    /// Every occurrence, kept or not.
    totals: BTreeMap<FindingKind, u64>,
    kept: FastMap<FindingKind, usize>,
    /// (kind, what recurs) → position in `list`.
    folded: FastMap<(FindingKind, u64), usize>,
    cap_per_kind: usize,
}

impl Default for Findings {
    fn default() -> Self {
        Findings::new(1000)
    }
}

impl Findings {
    pub fn new(cap_per_kind: usize) -> Findings {
        Findings {
            list: Vec::new(),
            totals: BTreeMap::new(),
            kept: FastMap::default(),
            folded: FastMap::default(),
            cap_per_kind,
        }
    }

    /// A finding of its own.
    pub fn add(&mut self, f: Finding) {
        *self.totals.entry(f.kind).or_default() += 1;
        let kept = self.kept.entry(f.kind).or_default();
        if *kept < self.cap_per_kind {
            *kept += 1;
            self.list.push(f);
        }
    }

    /// A recurring condition: the first occurrence of `key` is kept (`make` builds it),
    /// later ones only count.
    pub fn fold(&mut self, kind: FindingKind, key: u64, make: impl FnOnce() -> Finding) {
        match self.folded.get(&(kind, key)) {
            Some(&i) => {
                *self.totals.entry(kind).or_default() += 1;
                if let Some(existing) = self.list.get_mut(i) {
                    existing.count += 1;
                }
            }
            None => {
                let before = self.list.len();
                self.add(make());
                if self.list.len() > before {
                    self.folded.insert((kind, key), before);
                }
            }
        }
    }

    /// Replaces the text of a folded finding (its figures changed).
    pub fn retext(&mut self, kind: FindingKind, key: u64, text: String) {
        if let Some(f) = self
            .folded
            .get(&(kind, key))
            .and_then(|&i| self.list.get_mut(i))
        {
            f.text = text;
        }
    }

    /// Kept findings in capture order.
    pub fn list(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.list.iter().collect();
        v.sort_by_key(|f| (f.ts_ns, f.frame));
        v
    }

    pub fn total(&self, kind: FindingKind) -> u64 {
        self.totals.get(&kind).copied().unwrap_or(0)
    }

    pub fn totals(&self) -> &BTreeMap<FindingKind, u64> {
        &self.totals
    }

    pub fn write_text(&self, out: &mut String) {
        out.push_str("Findings\n");
        if self.list.is_empty() {
            out.push_str("  none\n");
            return;
        }
        for (kind, n) in &self.totals {
            let shown = self.kept.get(kind).copied().unwrap_or(0);
            out.push_str(&format!("  {:<22} {n}", kind.name()));
            if (shown as u64) < *n && !self.folded.keys().any(|(k, _)| k == kind) {
                out.push_str(&format!(" (first {shown} listed)"));
            }
            out.push('\n');
        }
        for f in self.list() {
            out.push_str("  ");
            out.push_str(&f.line());
            out.push('\n');
        }
    }

    pub fn to_json(&self) -> Value {
        let totals: serde_json::Map<String, Value> = self
            .totals
            .iter()
            .map(|(k, n)| (k.name().to_owned(), json!(n)))
            .collect();
        json!({
            "totals": totals,
            "findings": self.list().iter().map(|f| f.to_json()).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_folds() {
        let mut f = Findings::new(2);
        for i in 0..5 {
            f.add(Finding::new(
                FindingKind::TcpGap,
                Severity::Warning,
                Some(i),
                i,
            ));
        }
        assert_eq!(f.total(FindingKind::TcpGap), 5);
        assert_eq!(f.list().len(), 2);
        for i in 0..3 {
            f.fold(FindingKind::FloodUsed, 7, || {
                Finding::new(FindingKind::FloodUsed, Severity::Note, Some(i), i)
            });
        }
        f.fold(FindingKind::FloodUsed, 8, || {
            Finding::new(FindingKind::FloodUsed, Severity::Note, Some(9), 9)
        });
        let flood: Vec<_> = f
            .list()
            .into_iter()
            .filter(|x| x.kind == FindingKind::FloodUsed)
            .collect();
        assert_eq!(flood.len(), 2);
        assert_eq!(flood[0].count, 3);
        assert_eq!(f.total(FindingKind::FloodUsed), 4);
    }
}
