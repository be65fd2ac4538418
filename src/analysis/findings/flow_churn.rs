//! `flow_churn` (folded per flow): the same flow (match and priority) is added 5 times
//! within 10 s, so its packets keep reaching the controller.

use std::collections::VecDeque;

use ofscope_dissectors::openflow::Match;

use super::{Rule, Severity};
use crate::analysis::{fmt_duration, FastMap, SwitchKey};

/// Adds of one flow within the window that make churn.
const CHURN_ADDS: usize = 5;
const CHURN_WINDOW_NS: u64 = 10_000_000_000;
/// Adds between two sweeps of the flows not added lately, at the least: a sweep waits
/// for as many adds as there are flows watched, so sweeping stays linear in the adds.
const PRUNE_EVERY: u64 = 4096;

pub struct FlowChurn {
    /// Adds within the window.
    pub adds: usize,
    pub priority: u16,
    /// Its match, normalised.
    pub match_: Match,
}

impl Rule for FlowChurn {
    const NAME: &'static str = "flow_churn";
    const SEVERITY: Severity = Severity::Warning;

    fn text(&self) -> String {
        format!(
            "the same flow was added {} times within {}: priority={} {} (its packets keep reaching the controller)",
            self.adds,
            fmt_duration(CHURN_WINDOW_NS),
            self.priority,
            self.match_
        )
    }
}

/// The recent adds of each flow, by switch and flow.
#[derive(Default)]
pub struct FlowChurnWatch {
    adds: FastMap<(SwitchKey, u64), VecDeque<u64>>,
    since_prune: u64,
}

impl FlowChurnWatch {
    /// A FLOW_MOD ADD of `flow` (a hash of its normalised match and priority) on switch
    /// `key`: its adds within the window, when they are churn.
    pub fn added(&mut self, key: SwitchKey, flow: u64, ts_ns: u64) -> Option<usize> {
        let adds = self.adds.entry((key, flow)).or_default();
        adds.push_back(ts_ns);
        while adds.front().is_some_and(|t| *t + CHURN_WINDOW_NS < ts_ns) {
            adds.pop_front();
        }
        let n = adds.len();
        self.since_prune += 1;
        if self.since_prune >= PRUNE_EVERY.max(self.adds.len() as u64) {
            self.since_prune = 0;
            self.adds
                .retain(|_, v| v.back().is_some_and(|t| *t + CHURN_WINDOW_NS >= ts_ns));
        }
        (n >= CHURN_ADDS).then_some(n)
    }
}
