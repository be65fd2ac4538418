//! Findings: things an engineer should look at, each with a severity, the frame and a
//! one-line explanation. Memory is bounded: past `cap_per_kind` findings of one kind only
//! the count grows, and recurring conditions are folded into one finding with a count.
//!
//! Each kind is a [`Rule`] in a file of its own here: the facts of one occurrence, its
//! name and severity, its wording, and the thresholds and state that detect it. [`KINDS`]
//! registers them; the analysis (`super`) raises them where it sees their condition.

use super::FastMap;
use crate::session::format_dpid;

mod ambiguous_answer;
mod echo_timeout;
mod error_message;
mod flood_used;
mod flow_churn;
mod flow_not_seen;
mod handshake_stall;
mod host_moved;
mod host_never_learned;
mod mac_flapping;
mod malformed;
mod mid_session_start;
mod miss_send_len_ignored;
mod other_version;
mod reply_from_truncated_frame;
mod reply_vlan_mismatch;
mod table_full;
mod tcp_gap;
mod truncated_message;
mod truncated_packet_in;
mod unanswered_address;
mod unanswered_packet_in;
mod unknown_buffer_id;
mod version_mismatch;

pub use ambiguous_answer::AmbiguousAnswer;
pub use echo_timeout::EchoTimeout;
pub use error_message::ErrorMessage;
pub use flood_used::FloodUsed;
pub use flow_churn::{FlowChurn, FlowChurnWatch};
pub use flow_not_seen::FlowNotSeen;
pub use handshake_stall::{HandshakeStall, StallDeadlines, HANDSHAKE_STALL_NS};
pub use host_moved::{HostMoved, StaleFlows};
pub use host_never_learned::{FloodedTo, HostNeverLearned};
pub use mac_flapping::{MacFlapping, MacMoves, Move};
pub use malformed::Malformed;
pub use mid_session_start::MidSessionStart;
pub use miss_send_len_ignored::MissSendLenIgnored;
pub use other_version::OtherVersion;
pub use reply_from_truncated_frame::ReplyFromTruncatedFrame;
pub use reply_vlan_mismatch::ReplyVlanMismatch;
pub use table_full::TableFull;
pub use tcp_gap::TcpGap;
pub use truncated_message::TruncatedMessage;
pub use truncated_packet_in::TruncatedPacketIn;
pub use unanswered_address::{Asked, UnansweredAddress};
pub use unanswered_packet_in::UnansweredPacketIn;
pub use unknown_buffer_id::UnknownBufferId;
pub use version_mismatch::VersionMismatch;

/// Every kind of finding, in the order the reports list their totals.
pub const KINDS: &[KindInfo] = &[
    row::<Malformed>(),
    row::<TruncatedMessage>(),
    row::<TcpGap>(),
    row::<UnansweredPacketIn>(),
    row::<UnansweredAddress>(),
    row::<HostNeverLearned>(),
    row::<AmbiguousAnswer>(),
    row::<TruncatedPacketIn>(),
    row::<MissSendLenIgnored>(),
    row::<ReplyFromTruncatedFrame>(),
    row::<ReplyVlanMismatch>(),
    row::<UnknownBufferId>(),
    row::<FloodUsed>(),
    row::<HostMoved>(),
    row::<MacFlapping>(),
    row::<FlowNotSeen>(),
    row::<ErrorMessage>(),
    row::<EchoTimeout>(),
    row::<FlowChurn>(),
    row::<HandshakeStall>(),
    row::<MidSessionStart>(),
    row::<VersionMismatch>(),
    row::<OtherVersion>(),
    row::<TableFull>(),
];

/// A kind of finding: the facts of one occurrence, and how they read.
pub trait Rule {
    /// The kind's stable name: the JSON `kind` and `totals` key (a contract).
    const NAME: &'static str;
    /// How serious it is. A rule that grades its occurrences says how in [`Rule::severity`].
    const SEVERITY: Severity;
    /// Its place in [`KINDS`]: a rule missing there does not compile.
    const KIND: Kind = match Kind::named(Self::NAME) {
        Some(kind) => kind,
        None => panic!("a finding kind missing from KINDS"),
    };

    /// The one-line explanation.
    fn text(&self) -> String;

    /// The severity of this occurrence.
    fn severity(&self) -> Severity {
        Self::SEVERITY
    }
}

/// A row of [`KINDS`].
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub name: &'static str,
    pub severity: Severity,
}

const fn row<R: Rule>() -> KindInfo {
    KindInfo {
        name: R::NAME,
        severity: R::SEVERITY,
    }
}

/// A kind of finding, by its place in [`KINDS`] (which orders the totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind(u8);

impl Kind {
    /// The kind called `name`.
    pub const fn named(name: &str) -> Option<Kind> {
        let mut i = 0;
        while i < KINDS.len() {
            if same(KINDS[i].name, name) {
                return Some(Kind(i as u8));
            }
            i += 1;
        }
        None
    }

    pub fn name(self) -> &'static str {
        KINDS[usize::from(self.0)].name
    }

    fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// `a == b`, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
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
    /// An occurrence of `rule`, shown by `frame` at `ts_ns`.
    pub fn new<R: Rule>(rule: &R, frame: Option<u64>, ts_ns: u64) -> Finding {
        Finding {
            kind: R::KIND,
            severity: rule.severity(),
            frame,
            ts_ns,
            dpid: None,
            text: rule.text(),
            count: 1,
        }
    }

    pub fn dpid(mut self, dpid: Option<u64>) -> Finding {
        self.dpid = dpid;
        self
    }
}

impl Finding {
    /// The occurrence without its severity and kind (which its group in a report gives):
    /// `frame 12  00:00:..:01  PACKET_IN ... (x3)`.
    pub fn occurrence(&self) -> String {
        let frame = self.frame.map_or("-".to_owned(), |f| f.to_string());
        let switch = self.dpid.map_or("-".to_owned(), format_dpid);
        let times = if self.count > 1 {
            format!(" (x{})", self.count)
        } else {
            String::new()
        };
        format!("frame {frame:>7}  {switch:<23}  {}{times}", self.text)
    }
}

/// `warning  frame 12  00:00:..:01  unanswered_packet_in  PACKET_IN ... (x3)`
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let frame = self.frame.map_or("-".to_owned(), |f| f.to_string());
        let switch = self.dpid.map_or("-".to_owned(), format_dpid);
        write!(
            f,
            "{:<7}  frame {:>7}  {:<23}  {:<20}  {}",
            self.severity.name(),
            frame,
            switch,
            self.kind.name(),
            self.text
        )?;
        if self.count > 1 {
            write!(f, " (x{})", self.count)?;
        }
        Ok(())
    }
}

/// A kind's findings of one severity: the kind once with its count, then its occurrences.
pub struct Group<'a> {
    pub severity: Severity,
    pub kind: Kind,
    /// Every occurrence, kept or only counted.
    pub count: u64,
    /// Set when only the first N occurrences were kept (the rest are only counted).
    pub only_first_kept: Option<usize>,
    /// The kept occurrences, in capture order.
    pub occurrences: Vec<&'a Finding>,
}

#[derive(Debug, Clone)]
pub struct Findings {
    list: Vec<Finding>,
    /// Every occurrence, kept or not, by kind.
    totals: [u64; KINDS.len()],
    kept: [usize; KINDS.len()],
    /// (kind, what recurs) → position in `list`.
    folded: FastMap<(Kind, u64), usize>,
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
            totals: [0; KINDS.len()],
            kept: [0; KINDS.len()],
            folded: FastMap::default(),
            cap_per_kind,
        }
    }

    /// A finding of its own.
    pub fn add(&mut self, f: Finding) {
        let i = f.kind.index();
        self.totals[i] += 1;
        if self.kept[i] < self.cap_per_kind {
            self.kept[i] += 1;
            self.list.push(f);
        }
    }

    /// A recurring condition of rule `R`: the first occurrence of `key` is kept (`make`
    /// builds it), later ones only count.
    pub fn fold<R: Rule>(&mut self, key: u64, make: impl FnOnce() -> Finding) {
        match self.folded.get(&(R::KIND, key)) {
            Some(&i) => {
                self.totals[R::KIND.index()] += 1;
                if let Some(existing) = self.list.get_mut(i) {
                    existing.count += 1;
                }
            }
            None => {
                let before = self.list.len();
                let f = make();
                debug_assert_eq!(f.kind, R::KIND);
                self.add(f);
                if self.list.len() > before {
                    self.folded.insert((R::KIND, key), before);
                }
            }
        }
    }

    /// Replaces the text of a folded finding of rule `R` (its figures changed).
    pub fn retext<R: Rule>(&mut self, key: u64, rule: &R) {
        if let Some(f) = self
            .folded
            .get(&(R::KIND, key))
            .and_then(|&i| self.list.get_mut(i))
        {
            f.text = rule.text();
        }
    }

    /// Kept findings in capture order.
    pub fn list(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.list.iter().collect();
        v.sort_by_key(|f| (f.ts_ns, f.frame));
        v
    }

    /// Kept findings, the most severe first (errors, warnings, notes); within a severity by
    /// kind, in the order of [`KINDS`]; within a kind in capture order.
    pub fn by_severity(&self) -> Vec<&Finding> {
        let mut v = self.list();
        v.sort_by_key(|f| (f.severity, f.kind));
        v
    }

    /// The kept findings as `--findings` and the viewer list them: one group per kind and
    /// severity, the most severe first, each with its count.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let list = self.by_severity();
        let mut groups = Vec::new();
        for chunk in list.chunk_by(|a, b| (a.severity, a.kind) == (b.severity, b.kind)) {
            let (severity, kind) = (chunk[0].severity, chunk[0].kind);
            let kept: u64 = chunk.iter().map(|x| x.count).sum();
            // A kind graded in one severity has its total; occurrences past the cap of
            // kept findings are counted there only.
            let graded_apart = list
                .iter()
                .any(|x| x.kind == kind && x.severity != severity);
            let count = if graded_apart { kept } else { self.total(kind) };
            let only_first_kept =
                (!graded_apart && (self.kept(kind) as u64) < count && !self.folds(kind))
                    .then(|| self.kept(kind));
            groups.push(Group {
                severity,
                kind,
                count,
                only_first_kept,
                occurrences: chunk.to_vec(),
            });
        }
        groups
    }

    pub fn total(&self, kind: Kind) -> u64 {
        self.totals[kind.index()]
    }

    /// The kinds seen, in the order of [`KINDS`], with their totals.
    pub fn totals(&self) -> impl Iterator<Item = (Kind, u64)> + '_ {
        self.totals
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (Kind(i as u8), *n))
    }

    /// Findings of `kind` kept in the list.
    pub fn kept(&self, kind: Kind) -> usize {
        self.kept[kind.index()]
    }

    /// Whether `kind` folds its occurrences (its list then is not cut by the cap alone).
    pub fn folds(&self, kind: Kind) -> bool {
        self.folded.keys().any(|(k, _)| *k == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(Kind::named(k.name), Some(Kind(i as u8)));
            assert_eq!(Kind(i as u8).name(), k.name);
        }
        assert_eq!(TcpGap::KIND.name(), "tcp_gap");
        assert_eq!(Kind::named("no_such_kind"), None);
    }

    fn gap(frame: u64) -> Finding {
        let rule = TcpGap {
            skipped_bytes: 10,
            direction: crate::stream::Direction::SwitchToController,
            reason: crate::stream::GapReason::Lost,
        };
        Finding::new(&rule, Some(frame), frame)
    }

    fn flood(frame: u64) -> Finding {
        Finding::new(&FloodUsed { what: "FLOW_MOD" }, Some(frame), frame)
    }

    #[test]
    fn caps_and_folds() {
        let mut f = Findings::new(2);
        for i in 0..5 {
            f.add(gap(i));
        }
        assert_eq!(f.total(TcpGap::KIND), 5);
        assert_eq!(f.list().len(), 2);
        for i in 0..3 {
            f.fold::<FloodUsed>(7, || flood(i));
        }
        f.fold::<FloodUsed>(8, || flood(9));
        let flood: Vec<_> = f
            .list()
            .into_iter()
            .filter(|x| x.kind == FloodUsed::KIND)
            .collect();
        assert_eq!(flood.len(), 2);
        assert_eq!(flood[0].count, 3);
        assert_eq!(f.total(FloodUsed::KIND), 4);
        assert!(f.folds(FloodUsed::KIND) && !f.folds(TcpGap::KIND));
    }
}
