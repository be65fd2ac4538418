//! The analysis as reports: typed views of what it found, which read as text people take in
//! at a glance (`Display`) and as the JSON scripts rely on (serde; docs/json.md).
//! `crate::output::report` writes them in the format asked for.
//!
//! The JSON members of each view are declared in alphabetical order: the order the reports
//! have always written them in.

use std::collections::BTreeMap;
use std::fmt::{self, Display, Formatter};
use std::net::IpAddr;

use serde::Serialize;

use ofscope_dissectors::openflow::wire::fmt_mac;
use ofscope_dissectors::openflow::Actions;

use super::conversations::vlan_names;
use super::findings::{Finding, Findings, Rule, TcpGap};
use super::latency::Summary;
use super::switches::{close_name, Connection, SwitchInfo};
use super::throughput::ThroughputSummary;
use super::{fmt_duration, Analyzer, SwitchKey};
use crate::flow_table::Flow;
use crate::output::report::{self, alphabetical, Report};
use crate::session::format_dpid;

/// Conversations listed in `--stats` (the full list has its own flag).
const STATS_LIST_LIMIT: usize = 10;
/// Occurrences of each kind of finding listed by `--findings` (`--stats` lists one).
pub const FINDINGS_SHOWN: usize = 5;

/// A switch's key as the JSON has it: its dpid, or its connection until it is known.
fn dpid_json(key: SwitchKey) -> Option<String> {
    key.dpid().map(format_dpid)
}

fn conn_json(key: SwitchKey) -> Option<u32> {
    match key {
        SwitchKey::Dpid(_) => None,
        SwitchKey::Conn(c) => Some(c),
    }
}

/// `-T jsonl`: a flow a line, with its switch and instant.
impl Report for FlowsReport {
    fn jsonl_items(&self) -> Option<serde_json::Result<Vec<serde_json::Value>>> {
        Some(serde_json::to_value(self).map(|tables| match tables {
            serde_json::Value::Array(tables) => report::items_of(tables, "flows"),
            _ => Vec::new(),
        }))
    }
}

/// `-T jsonl`: a latency series a line (`series`: `switch` or `host_pair`).
impl Report for LatencyReport {
    fn jsonl_items(&self) -> Option<serde_json::Result<Vec<serde_json::Value>>> {
        Some(serde_json::to_value(self).map(|document| {
            let mut lines = Vec::new();
            for (key, series) in [("switches", "switch"), ("host_pairs", "host_pair")] {
                let holder = serde_json::json!({
                    "series": series,
                    "pair_window_ns": document["pair_window_ns"],
                    key: document[key],
                });
                lines.extend(report::items_of([holder], key));
            }
            lines
        }))
    }
}

/// `-T jsonl`: a finding a line (every occurrence kept, in capture order).
impl Report for FindingsReport<'_> {
    fn jsonl_items(&self) -> Option<serde_json::Result<Vec<serde_json::Value>>> {
        Some(serde_json::to_value(&self.findings).map(|findings| {
            report::items_of([serde_json::json!({ "findings": findings })], "findings")
        }))
    }
}

/// `--flows`: each switch's table in `ovs-ofctl dump-flows` syntax.
#[derive(Serialize)]
#[serde(transparent)]
pub struct FlowsReport {
    tables: Vec<FlowTable>,
}

#[derive(Serialize)]
struct FlowTable {
    at_ns: u64,
    conn: Option<u32>,
    dpid: Option<String>,
    flows: Vec<FlowView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    incomplete: Option<String>,
    #[serde(skip)]
    switch: SwitchKey,
    /// When `at_ns` is, for people.
    #[serde(skip)]
    when: String,
}

#[derive(Serialize)]
struct FlowView {
    actions: String,
    byte_count: u64,
    cookie: u64,
    expiry: &'static str,
    hard_timeout: u16,
    idle_timeout: u16,
    installed_ns: u64,
    #[serde(rename = "match")]
    match_: String,
    packet_count: u64,
    priority: u16,
    /// The `ovs-ofctl dump-flows` line.
    #[serde(skip)]
    line: String,
}

impl Display for FlowsReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.tables.is_empty() {
            writeln!(f, "no switch seen")?;
        }
        for t in &self.tables {
            writeln!(f, "{}: {} flows at {}", t.switch, t.flows.len(), t.when)?;
            if let Some(why) = &t.incomplete {
                writeln!(f, "  incomplete: {why}")?;
            }
            for flow in &t.flows {
                writeln!(f, "{}", flow.line)?;
            }
        }
        Ok(())
    }
}

/// Highest priority first, then by match text: a stable order to read and to diff.
fn sorted(flows: &[Flow], at_ns: u64) -> Vec<FlowView> {
    let mut v: Vec<FlowView> = flows
        .iter()
        .map(|f| FlowView {
            actions: Actions(&f.actions).to_string(),
            byte_count: f.byte_count,
            cookie: f.cookie,
            expiry: f.expiry().name(),
            hard_timeout: f.hard_timeout,
            idle_timeout: f.idle_timeout,
            installed_ns: f.installed_ns,
            match_: f.match_.to_string(),
            packet_count: f.packet_count,
            priority: f.priority,
            line: f.dump_line(at_ns),
        })
        .collect();
    v.sort_by(|a, b| {
        (std::cmp::Reverse(a.priority), &a.match_).cmp(&(std::cmp::Reverse(b.priority), &b.match_))
    });
    v
}

/// A switch in a table's first column.
fn switch_label(switch: SwitchKey) -> String {
    match switch {
        SwitchKey::Dpid(d) => format_dpid(d),
        SwitchKey::Conn(c) => format!("conn {c}"),
    }
}

/// A latency table's columns, for the `what` of its rows.
fn summary_header(f: &mut Formatter<'_>, what: &str) -> fmt::Result {
    writeln!(
        f,
        "  {what:<24} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "pairs", "unans", "min", "p50", "p90", "p99", "max", "mean", "jitter", "stddev"
    )
}

/// A switch's messages that latency pairing could not read, under its rows: without it, an
/// OpenFlow 1.3 switch's zero pairs would read as a controller that answered nothing.
fn not_paired_line(f: &mut Formatter<'_>, messages: u64) -> fmt::Result {
    if messages == 0 {
        return Ok(());
    }
    writeln!(
        f,
        "  not paired: {messages} messages of another OpenFlow version than 1.0 (ofscope pairs 1.0 only)"
    )
}

fn summary_row(f: &mut Formatter<'_>, label: &str, s: &Summary) -> fmt::Result {
    if s.pairs == 0 {
        return writeln!(f, "  {label:<24} {:>7} {:>7}", 0, s.unanswered);
    }
    writeln!(
        f,
        "  {label:<24} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
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

/// `--latency`: per switch and per host pair, with a histogram of PacketIn delays.
#[derive(Serialize)]
pub struct LatencyReport {
    /// Members in alphabetical order, the series' with the hosts'.
    #[serde(serialize_with = "alphabetical")]
    host_pairs: Vec<HostPairLatency>,
    pair_window_ns: u64,
    switches: Vec<SwitchLatency>,
    /// Host pairs seen beyond those itemised.
    #[serde(skip)]
    host_pairs_overflow: u64,
}

#[derive(Serialize)]
struct SwitchLatency {
    conn: Option<u32>,
    dpid: Option<String>,
    echo: Summary,
    /// Messages of another OpenFlow version than 1.0, which pairing does not read.
    not_paired: u64,
    packet_in: Summary,
    /// By request type.
    requests: BTreeMap<&'static str, Summary>,
    /// Responses (PACKET_OUT, FLOW_MOD) per second; none when the controller sent none.
    throughput: Option<ThroughputSummary>,
    #[serde(skip)]
    switch: SwitchKey,
    #[serde(skip)]
    histogram: Vec<String>,
}

#[derive(Serialize)]
struct HostPairLatency {
    src: String,
    dst: String,
    #[serde(flatten)]
    summary: Summary,
}

impl Display for LatencyReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Controller latency (PacketIn -> first answer within {}; requests -> replies by xid)",
            fmt_duration(self.pair_window_ns)
        )?;
        for s in &self.switches {
            writeln!(f, "{}", s.switch)?;
            summary_header(f, "")?;
            summary_row(f, "PACKET_IN", &s.packet_in)?;
            summary_row(f, "ECHO", &s.echo)?;
            for (kind, summary) in &s.requests {
                summary_row(f, kind, summary)?;
            }
            not_paired_line(f, s.not_paired)?;
            if let Some(t) = &s.throughput {
                writeln!(f, "  throughput: {t}")?;
            }
            if !s.histogram.is_empty() {
                writeln!(f, "  PACKET_IN delay histogram")?;
                for line in &s.histogram {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        if self.host_pairs.is_empty() {
            return Ok(());
        }
        writeln!(f, "Host pairs (Ethernet src > dst of the PacketIn frame)")?;
        summary_header(f, "")?;
        for h in &self.host_pairs {
            // The label is longer than the column: it gets a line of its own.
            writeln!(f, "  {} > {}", h.src, h.dst)?;
            summary_row(f, "", &h.summary)?;
        }
        if self.host_pairs_overflow > 0 {
            writeln!(
                f,
                "  ({} pairs beyond the first {} host pairs not itemised)",
                self.host_pairs_overflow,
                self.host_pairs.len()
            )?;
        }
        Ok(())
    }
}

/// `--findings`: the findings grouped by severity (errors, then warnings, then notes) and
/// kind, each group once with its count and its first occurrences. The JSON lists every
/// occurrence kept, in capture order.
#[derive(Serialize)]
pub struct FindingsReport<'a> {
    findings: Vec<FindingView<'a>>,
    /// By kind name.
    totals: BTreeMap<&'static str, u64>,
    #[serde(skip)]
    of: &'a Findings,
    /// Occurrences listed per group in the text.
    #[serde(skip)]
    shown: usize,
}

impl<'a> FindingsReport<'a> {
    fn new(of: &'a Findings, shown: usize) -> FindingsReport<'a> {
        FindingsReport {
            findings: of.list().iter().map(|f| FindingView::new(f)).collect(),
            totals: of.totals().map(|(k, n)| (k.name(), n)).collect(),
            of,
            shown,
        }
    }
}

#[derive(Serialize)]
struct FindingView<'a> {
    count: u64,
    dpid: Option<String>,
    frame: Option<u64>,
    kind: &'static str,
    severity: &'static str,
    text: &'a str,
    ts_ns: u64,
}

impl<'a> FindingView<'a> {
    fn new(f: &'a Finding) -> FindingView<'a> {
        FindingView {
            count: f.count,
            dpid: f.dpid.map(format_dpid),
            frame: f.frame,
            kind: f.kind.name(),
            severity: f.severity.name(),
            text: &f.text,
            ts_ns: f.ts_ns,
        }
    }
}

impl Display for FindingsReport<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.of.by_severity().is_empty() {
            return writeln!(f, "Findings\n  none");
        }
        writeln!(
            f,
            "Findings (errors, then warnings, then notes; the first {} of each; -T jsonl lists every one)",
            self.shown
        )?;
        for group in self.of.groups() {
            write!(
                f,
                "  {:<7}  {:<26} {}",
                group.severity.name(),
                group.kind.name(),
                group.count
            )?;
            if let Some(kept) = group.only_first_kept {
                write!(f, " (the first {kept} kept)")?;
            }
            writeln!(f)?;
            for occurrence in group.occurrences.iter().take(self.shown) {
                writeln!(f, "    {}", occurrence.occurrence())?;
            }
            if group.occurrences.len() > self.shown {
                writeln!(f, "    ... {} more", group.occurrences.len() - self.shown)?;
            }
        }
        Ok(())
    }
}

/// The analysis part of `--stats`: switches, controller latency, conversations, findings.
#[derive(Serialize)]
pub struct StatsAnalysis<'a> {
    conversations: Vec<ConversationView>,
    findings: FindingsReport<'a>,
    latency: LatencyReport,
    switches: Vec<SwitchView>,
    /// When the flow tables are shown (`--flows`), for people.
    #[serde(skip)]
    tables_when: String,
    /// Conversations seen, of which the first `STATS_LIST_LIMIT` are listed.
    #[serde(skip)]
    conversations_seen: usize,
}

#[derive(Serialize)]
struct ConversationView {
    a: String,
    answered: u64,
    b: String,
    bytes: u64,
    first_ns: u64,
    ips: Vec<String>,
    last_ns: u64,
    mean_latency_ns: Option<u64>,
    packet_ins: u64,
    packet_outs: u64,
    protocols: Vec<&'static str>,
    switches: Vec<String>,
    untagged: bool,
    vlans: Vec<u16>,
}

#[derive(Serialize)]
struct SwitchView {
    actions: Option<u32>,
    capabilities: Option<u32>,
    config_flags: Option<u16>,
    conn: Option<u32>,
    connections: Vec<ConnectionView>,
    desc: Option<DescView>,
    dpid: Option<String>,
    flows: usize,
    miss_send_len: Option<u16>,
    n_buffers: Option<u32>,
    n_tables: Option<u8>,
    port_history: Vec<PortChangeView>,
    ports: Vec<PortView>,
    #[serde(skip)]
    switch: SwitchKey,
    /// Flows in the table `--flows` shows (at `--at`, if given).
    #[serde(skip)]
    flows_shown: usize,
    /// Flow-table events, kept or not.
    #[serde(skip)]
    table_events: u64,
    /// The lines under its heading.
    #[serde(skip)]
    text: String,
}

#[derive(Serialize)]
struct DescView {
    dp: String,
    hw: String,
    mfr: String,
    serial: String,
    sw: String,
}

#[derive(Serialize)]
struct PortView {
    config: u32,
    name: String,
    port_no: u16,
    state: u32,
}

#[derive(Serialize)]
struct PortChangeView {
    frame: u64,
    name: String,
    port_no: u16,
    reason: &'static str,
    state: u32,
    ts_ns: u64,
}

#[derive(Serialize)]
struct ConnectionView {
    conn: u32,
    controller: Option<String>,
    first_ns: u64,
    hello_controller: Option<u8>,
    hello_switch: Option<u8>,
    last_ns: u64,
    messages: u64,
    /// The capture holds it twice (see `copies`).
    seen_twice: bool,
    state: &'static str,
    switch: Option<String>,
    /// The tunnel it was captured through (`GRE 192.0.2.1 > 192.0.2.2 id 5`).
    via: Option<String>,
}

impl SwitchView {
    fn new(
        switch: SwitchKey,
        info: &SwitchInfo,
        connections: &[&Connection],
        flows: usize,
    ) -> SwitchView {
        let features = info.features.as_ref();
        let mut text = String::new();
        info.write_text(connections, &mut text);
        SwitchView {
            actions: features.map(|f| f.actions),
            capabilities: features.map(|f| f.capabilities),
            config_flags: info.config.as_ref().map(|(c, _, _)| c.flags),
            conn: conn_json(switch),
            connections: connections
                .iter()
                .map(|c| ConnectionView {
                    conn: c.conn,
                    controller: c.controller.map(|a| a.to_string()),
                    first_ns: c.first_ns,
                    hello_controller: c.hello_controller,
                    hello_switch: c.hello_switch,
                    last_ns: c.last_ns,
                    messages: c.messages,
                    seen_twice: c.seen_twice.is_some(),
                    state: close_name(c.closed),
                    switch: c.switch.map(|a| a.to_string()),
                    via: c.via.map(|v| v.to_string()),
                })
                .collect(),
            desc: info.desc.as_ref().map(|d| DescView {
                dp: d.dp_desc.clone(),
                hw: d.hw_desc.clone(),
                mfr: d.mfr_desc.clone(),
                serial: d.serial_num.clone(),
                sw: d.sw_desc.clone(),
            }),
            dpid: dpid_json(switch),
            flows,
            miss_send_len: info.miss_send_len(),
            n_buffers: features.map(|f| f.n_buffers),
            n_tables: features.map(|f| f.n_tables),
            port_history: info
                .port_history
                .iter()
                .map(|c| PortChangeView {
                    frame: c.frame,
                    name: c.port.name.clone(),
                    port_no: c.port.port_no,
                    reason: c.reason,
                    state: c.port.state,
                    ts_ns: c.ts_ns,
                })
                .collect(),
            ports: info
                .ports
                .values()
                .map(|p| PortView {
                    config: p.config,
                    name: p.name.clone(),
                    port_no: p.port_no,
                    state: p.state,
                })
                .collect(),
            switch,
            flows_shown: 0,
            table_events: 0,
            text,
        }
    }
}

impl Display for StatsAnalysis<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "Switches")?;
        for s in &self.switches {
            writeln!(
                f,
                "  {}: {} ports, {} flows at the end, {} flow-table events",
                s.switch,
                s.ports.len(),
                s.flows_shown,
                s.table_events
            )?;
            f.write_str(&s.text)?;
        }
        writeln!(
            f,
            "Controller latency (PacketIn -> answer within {})",
            fmt_duration(self.latency.pair_window_ns)
        )?;
        summary_header(f, "switch")?;
        for s in &self.latency.switches {
            summary_row(f, &switch_label(s.switch), &s.packet_in)?;
            if s.echo.pairs > 0 || s.echo.unanswered > 0 {
                summary_row(f, "  echo", &s.echo)?;
            }
            not_paired_line(f, s.not_paired)?;
        }
        writeln!(
            f,
            "Controller throughput (responses: PACKET_OUT and FLOW_MOD, per 1 s of capture time)"
        )?;
        writeln!(
            f,
            "  {:<24} {:>10} {:>8} {:>10} {:>10}",
            "switch", "responses", "seconds", "mean/s", "peak/s"
        )?;
        for s in &self.latency.switches {
            let Some(t) = &s.throughput else {
                continue;
            };
            writeln!(
                f,
                "  {:<24} {:>10} {:>8} {:>10.1} {:>10}",
                switch_label(s.switch),
                t.responses,
                t.seconds,
                t.mean_per_s,
                t.peak_per_s
            )?;
        }
        // A lost segment takes its messages with it: the responses in it are not counted.
        if self.findings.of.total(TcpGap::KIND) > 0 {
            writeln!(
                f,
                "  (lower bounds: segments were lost, see tcp_gap; the responses in them are not counted)"
            )?;
        }
        writeln!(f, "Flow tables at {}: see --flows", self.tables_when)?;
        writeln!(f, "Conversations ({} host pairs)", self.conversations_seen)?;
        if !self.conversations.is_empty() {
            writeln!(
                f,
                "  {:<17}  {:<17}  {:>8} {:>8} {:>9}  {:<10} {:<14} addresses",
                "host A", "host B", "pkt_in", "pkt_out", "latency", "vlan", "protocols"
            )?;
        }
        for c in self.conversations.iter().take(STATS_LIST_LIMIT) {
            writeln!(
                f,
                "  {}  {}  {:>8} {:>8} {:>9}  {:<10} {:<14} {}",
                c.a,
                c.b,
                c.packet_ins,
                c.packet_outs,
                c.mean_latency_ns.map_or("-".to_owned(), fmt_duration),
                vlan_names(&c.vlans, c.untagged).join(","),
                c.protocols.join(","),
                c.ips.join(" "),
            )?;
        }
        if self.conversations.len() > STATS_LIST_LIMIT {
            writeln!(
                f,
                "  ... {} more",
                self.conversations.len() - STATS_LIST_LIMIT
            )?;
        }
        self.findings.fmt(f)
    }
}

impl Analyzer {
    /// `12.345s (ts 1700000000.123456789)`-like: relative to the origin (the capture's
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

    /// `--flows`.
    pub fn flows_report(&self) -> FlowsReport {
        let (at, tables) = self.tables();
        let when = self.when(at);
        FlowsReport {
            tables: tables
                .iter()
                .map(|(key, flows)| FlowTable {
                    at_ns: at,
                    conn: conn_json(*key),
                    dpid: dpid_json(*key),
                    flows: sorted(flows, at),
                    incomplete: self.table_caveat(*key),
                    switch: *key,
                    when: when.clone(),
                })
                .collect(),
        }
    }

    /// `--latency`.
    pub fn latency_report(&self) -> LatencyReport {
        let mut host_pairs: Vec<_> = self.host_pairs.iter().collect();
        host_pairs.sort_by_key(|(k, s)| (std::cmp::Reverse(s.count()), *k));
        LatencyReport {
            host_pairs: host_pairs
                .into_iter()
                .map(|((src, dst), s)| HostPairLatency {
                    src: fmt_mac(src),
                    dst: fmt_mac(dst),
                    summary: s.summary(),
                })
                .collect(),
            pair_window_ns: self.cfg.pair_window_ns,
            switches: self
                .switches
                .iter()
                .map(|(key, s)| SwitchLatency {
                    conn: conn_json(*key),
                    dpid: dpid_json(*key),
                    echo: s.echo.summary(),
                    packet_in: s.packet_in.summary(),
                    requests: s.requests.iter().map(|(k, v)| (*k, v.summary())).collect(),
                    throughput: self.throughput(Some(*key)).summary(),
                    not_paired: s.other_version_messages,
                    switch: *key,
                    histogram: s.packet_in.histogram_text(40),
                })
                .collect(),
            host_pairs_overflow: self.host_pairs_overflow,
        }
    }

    /// `--findings`.
    pub fn findings_report(&self) -> FindingsReport<'_> {
        FindingsReport::new(&self.findings, FINDINGS_SHOWN)
    }

    /// The analysis part of `--stats`.
    pub fn stats_analysis(&self) -> StatsAnalysis<'_> {
        let (at, tables) = self.tables();
        let switches = self
            .switches
            .iter()
            .map(|(key, s)| {
                let mut view = SwitchView::new(
                    *key,
                    &s.info,
                    &self.connections(*key),
                    s.table.flows().len(),
                );
                view.flows_shown = tables
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(0, |(_, f)| f.len());
                view.table_events = s.table.events_recorded();
                view
            })
            .collect();
        let conversations = self.conversations.sorted();
        StatsAnalysis {
            conversations: conversations
                .iter()
                .map(|c| ConversationView {
                    a: fmt_mac(&c.a),
                    answered: c.answered,
                    b: fmt_mac(&c.b),
                    bytes: c.bytes,
                    first_ns: c.first_ns,
                    ips: c.ips.iter().map(IpAddr::to_string).collect(),
                    last_ns: c.last_ns,
                    mean_latency_ns: c.mean_latency_ns(),
                    packet_ins: c.packet_ins,
                    packet_outs: c.packet_outs,
                    protocols: c.protocols.names(),
                    switches: c.switches.iter().map(|d| format_dpid(*d)).collect(),
                    untagged: c.untagged,
                    vlans: c.vlans.iter().copied().collect(),
                })
                .collect(),
            findings: FindingsReport::new(&self.findings, 1),
            latency: self.latency_report(),
            switches,
            tables_when: self.when(at),
            conversations_seen: conversations.len(),
        }
    }
}
