//! The analysis as text people read at a glance, and as JSON scripts rely on
//! (docs/json.md).

use serde_json::{json, Value};

use ofscope_dissectors::openflow::wire::fmt_mac;
use ofscope_dissectors::openflow::Actions;

use super::latency::{LatencyStats, Summary};
use super::{fmt_duration, Analyzer, HostPair, SwitchKey};
use crate::flow_table::Flow;

/// Conversations and findings listed in `--stats` (the full lists have their own flags).
const STATS_LIST_LIMIT: usize = 10;

fn dpid_json(key: SwitchKey) -> Value {
    match key {
        SwitchKey::Dpid(d) => json!(crate::session::format_dpid(d)),
        SwitchKey::Conn(_) => Value::Null,
    }
}

fn conn_json(key: SwitchKey) -> Value {
    match key {
        SwitchKey::Dpid(_) => Value::Null,
        SwitchKey::Conn(c) => json!(c),
    }
}

/// Highest priority first, then by match text: a stable order to read and to diff.
fn sorted(flows: &[Flow]) -> Vec<&Flow> {
    let mut v: Vec<&Flow> = flows.iter().collect();
    v.sort_by_cached_key(|f| (std::cmp::Reverse(f.priority), f.match_.to_string()));
    v
}

fn flow_json(f: &Flow) -> Value {
    json!({
        "priority": f.priority,
        "match": f.match_.to_string(),
        "actions": Actions(&f.actions).to_string(),
        "idle_timeout": f.idle_timeout,
        "hard_timeout": f.hard_timeout,
        "cookie": f.cookie,
        "installed_ns": f.installed_ns,
        "expiry": f.expiry().name(),
        "packet_count": f.packet_count,
        "byte_count": f.byte_count,
    })
}

fn summary_row(label: &str, s: &Summary) -> String {
    if s.pairs == 0 {
        return format!("  {label:<24} {:>7} {:>7}\n", 0, s.unanswered);
    }
    format!(
        "  {label:<24} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        s.pairs,
        s.unanswered,
        fmt_duration(s.min_ns),
        fmt_duration(s.p50_ns),
        fmt_duration(s.p90_ns),
        fmt_duration(s.p99_ns),
        fmt_duration(s.max_ns),
        fmt_duration(s.mean_ns),
        fmt_duration(s.jitter_ns),
        fmt_duration(s.stddev_ns),
    )
}

fn summary_header(what: &str) -> String {
    format!(
        "  {what:<24} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "pairs", "unans", "min", "p50", "p90", "p99", "max", "mean", "jitter", "stddev"
    )
}

impl Analyzer {
    /// `--flows`: each switch's table in `ovs-ofctl dump-flows` syntax.
    pub fn write_flows_text(&self, out: &mut String) {
        let (at, tables) = self.tables();
        if tables.is_empty() {
            out.push_str("no switch seen\n");
        }
        for (key, flows) in tables {
            out.push_str(&format!(
                "{key}: {} flows at {}\n",
                flows.len(),
                self.when(at)
            ));
            if let Some(why) = self.table_caveat(key) {
                out.push_str(&format!("  incomplete: {why}\n"));
            }
            for f in sorted(&flows) {
                out.push_str(&f.dump_line(at));
                out.push('\n');
            }
        }
    }

    /// `--flows -T json`: one object per switch.
    pub fn flows_json(&self) -> Value {
        let (at, tables) = self.tables();
        Value::Array(
            tables
                .iter()
                .map(|(key, flows)| {
                    let mut table = json!({
                        "dpid": dpid_json(*key),
                        "conn": conn_json(*key),
                        "at_ns": at,
                        "flows": sorted(flows).into_iter().map(flow_json).collect::<Vec<_>>(),
                    });
                    if let Some(why) = self.table_caveat(*key) {
                        table["incomplete"] = json!(why);
                    }
                    table
                })
                .collect(),
        )
    }

    /// `12.345s (2026-11-21 01:20:03.123 UTC)`-like: relative to the origin (the capture's
    /// first frame).
    fn when(&self, ns: u64) -> String {
        let rel = ns.saturating_sub(self.origin_ns.unwrap_or(ns));
        format!(
            "+{} (ts {}.{:09})",
            fmt_duration(rel),
            ns / 1_000_000_000,
            ns % 1_000_000_000
        )
    }

    fn host_pairs_sorted(&self) -> Vec<(&HostPair, &LatencyStats)> {
        let mut v: Vec<_> = self.host_pairs.iter().map(|(k, s)| (k, s)).collect();
        v.sort_by_key(|(k, s)| (std::cmp::Reverse(s.count()), **k));
        v
    }

    /// `--latency`: per switch and per host pair, with a histogram of PacketIn delays.
    pub fn write_latency_text(&self, out: &mut String) {
        out.push_str(&format!(
            "Controller latency (PacketIn -> first answer within {}; requests -> replies by xid)\n",
            fmt_duration(self.cfg.pair_window_ns)
        ));
        for (key, s) in &self.switches {
            out.push_str(&format!("{key}\n"));
            out.push_str(&summary_header(""));
            out.push_str(&summary_row("PACKET_IN", &s.packet_in.summary()));
            out.push_str(&summary_row("ECHO", &s.echo.summary()));
            for (kind, stats) in &s.requests {
                out.push_str(&summary_row(kind, &stats.summary()));
            }
            let hist = s.packet_in.histogram_text(40);
            if !hist.is_empty() {
                out.push_str("  PACKET_IN delay histogram\n");
                for line in hist {
                    out.push_str("  ");
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        if !self.host_pairs.is_empty() {
            out.push_str("Host pairs (Ethernet src > dst of the PacketIn frame)\n");
            out.push_str(&summary_header(""));
            for ((src, dst), s) in self.host_pairs_sorted() {
                let label = format!("{} > {}", fmt_mac(src), fmt_mac(dst));
                out.push_str(&summary_row(&label, &s.summary()).replacen(
                    &format!("  {label:<24}"),
                    &format!("  {label}\n  {:<24}", ""),
                    1,
                ));
            }
            if self.host_pairs_overflow > 0 {
                out.push_str(&format!(
                    "  ({} pairs beyond the first {} host pairs not itemised)\n",
                    self.host_pairs_overflow,
                    self.host_pairs.len()
                ));
            }
        }
    }

    /// `--latency -T json`.
    pub fn latency_json(&self) -> Value {
        let switches: Vec<Value> = self
            .switches
            .iter()
            .map(|(key, s)| {
                let requests: serde_json::Map<String, Value> = s
                    .requests
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.summary().to_json()))
                    .collect();
                json!({
                    "dpid": dpid_json(*key),
                    "conn": conn_json(*key),
                    "packet_in": s.packet_in.summary().to_json(),
                    "echo": s.echo.summary().to_json(),
                    "requests": requests,
                })
            })
            .collect();
        let host_pairs: Vec<Value> = self
            .host_pairs_sorted()
            .into_iter()
            .map(|((src, dst), s)| {
                let mut v = s.summary().to_json();
                if let Some(o) = v.as_object_mut() {
                    o.insert("src".to_owned(), json!(fmt_mac(src)));
                    o.insert("dst".to_owned(), json!(fmt_mac(dst)));
                }
                v
            })
            .collect();
        json!({
            "pair_window_ns": self.cfg.pair_window_ns,
            "switches": switches,
            "host_pairs": host_pairs,
        })
    }

    pub fn write_findings_text(&self, out: &mut String) {
        self.findings.write_text(out);
    }

    pub fn findings_json(&self) -> Value {
        self.findings.to_json()
    }

    /// The analysis sections of `--stats`.
    pub fn write_stats_text(&self, out: &mut String) {
        let (at, tables) = self.tables();
        out.push_str("Switches\n");
        for (key, s) in &self.switches {
            let flows = tables
                .iter()
                .find(|(k, _)| k == key)
                .map_or(0, |(_, f)| f.len());
            out.push_str(&format!(
                "  {key}: {} ports, {flows} flows at the end, {} flow-table events\n",
                s.info.ports.len(),
                s.table.events().len() as u64 + s.table.events_dropped()
            ));
            s.info.write_text(&self.connections(*key), out);
        }
        out.push_str(&format!(
            "Controller latency (PacketIn -> answer within {})\n",
            fmt_duration(self.cfg.pair_window_ns)
        ));
        out.push_str(&summary_header("switch"));
        for (key, s) in &self.switches {
            let label = match key {
                SwitchKey::Dpid(d) => crate::session::format_dpid(*d),
                SwitchKey::Conn(c) => format!("conn {c}"),
            };
            out.push_str(&summary_row(&label, &s.packet_in.summary()));
            if s.echo.count() > 0 || s.echo.summary().unanswered > 0 {
                out.push_str(&summary_row("  echo", &s.echo.summary()));
            }
        }
        out.push_str(&format!("Flow tables at {}: see --flows\n", self.when(at)));
        self.conversations.write_text(out, STATS_LIST_LIMIT);
        let mut findings = String::new();
        self.findings.write_text(&mut findings);
        let lines: Vec<&str> = findings.lines().collect();
        let limit = 1 + self.findings.totals().len() + STATS_LIST_LIMIT;
        for line in lines.iter().take(limit) {
            out.push_str(line);
            out.push('\n');
        }
        if lines.len() > limit {
            out.push_str(&format!(
                "  ... {} more: see --findings\n",
                lines.len() - limit
            ));
        }
    }

    /// The analysis member of `--stats -T json`.
    pub fn stats_json(&self) -> Value {
        let switches: Vec<Value> = self
            .switches
            .iter()
            .map(|(key, s)| {
                let mut v = s.info.to_json(&self.connections(*key));
                if let Some(o) = v.as_object_mut() {
                    o.insert("dpid".to_owned(), dpid_json(*key));
                    o.insert("conn".to_owned(), conn_json(*key));
                    o.insert("flows".to_owned(), json!(s.table.flows().len()));
                }
                v
            })
            .collect();
        json!({
            "switches": switches,
            "latency": self.latency_json(),
            "conversations": self.conversations.to_json(),
            "findings": self.findings_json(),
        })
    }
}
