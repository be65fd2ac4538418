//! Conformance of the OpenFlow 1.0 codec against other projects' decodes of the same bytes
//! (the shared corpora; see SOURCES.md there). Every test prints its agreement counts:
//! `cargo test -p ofscope-dissectors --test openflow_conformance -- --nocapture`.
//!
//! Disagreements are accepted only through `openflow_allowlist.rs`.

#[path = "openflow_allowlist.rs"]
mod allowlist;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ofscope_dissectors::openflow::{
    self, actions_from_bytes, port::PortDisplay, Actions, Body, DecodeError, Match, Message,
    StatsReplyBody, StatsRequestBody,
};
use serde_json::Value as Json;

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpora/"
    ))
    .join(rel)
}

fn read(rel: &str) -> String {
    let path = corpus(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "corpus {} unreadable ({e}); is ../shared beside the repo?",
            path.display()
        )
    })
}

fn jsonl(rel: &str) -> Vec<Json> {
    read(rel)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Tallies per corpus, printed at the end of each test, and the failures not allowlisted.
struct Tally {
    corpus: &'static str,
    total: usize,
    agree: usize,
    allowed: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn new(corpus: &'static str) -> Self {
        Tally {
            corpus,
            total: 0,
            agree: 0,
            allowed: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn record(&mut self, name: &str, problems: Vec<String>) {
        self.total += 1;
        if problems.is_empty() {
            self.agree += 1;
        } else if allowlist::allowed(self.corpus, name) {
            self.allowed
                .push(format!("{name}: {}", problems.join("; ")));
        } else {
            self.failures
                .push(format!("{name}: {}", problems.join("; ")));
        }
    }

    fn finish(self) {
        eprintln!(
            "[{}] {} records: {} agree, {} allowlisted, {} disagree",
            self.corpus,
            self.total,
            self.agree,
            self.allowed.len(),
            self.failures.len()
        );
        for a in &self.allowed {
            eprintln!("  allowlisted: {a}");
        }
        assert!(self.total > 0, "[{}] corpus is empty", self.corpus);
        assert!(
            self.failures.is_empty(),
            "[{}] disagreements:\n  {}",
            self.corpus,
            self.failures.join("\n  ")
        );
    }
}

fn check(problems: &mut Vec<String>, what: &str, ours: impl ToString, theirs: impl ToString) {
    let (o, t) = (ours.to_string(), theirs.to_string());
    if o != t {
        problems.push(format!("{what}: ofscope `{o}` vs oracle `{t}`"));
    }
}

// ---------------------------------------------------------------------------------------
// Open vSwitch `ovs-ofctl ofp-print`

/// The name OVS gives a message on its first line (`OFPT_FLOW_MOD`, `OFPST_FLOW reply`,
/// `NXT_ROLE_REQUEST`, `NXST_FLOW request`).
fn ovs_style_name(m: &Message) -> String {
    match &m.body {
        Body::Vendor(v) => v.subtype_name().unwrap_or("VENDOR").to_owned(),
        Body::StatsRequest(s) => match &s.body {
            StatsRequestBody::Vendor(v) => format!("{} request", v.subtype_name().unwrap_or("?")),
            _ => format!(
                "OFPST_{} request",
                openflow::stats::stats_type_name(s.stats_type()).unwrap_or("?")
            ),
        },
        Body::StatsReply(s) => match &s.body {
            StatsReplyBody::Vendor(v) => format!("{} reply", v.subtype_name().unwrap_or("?")),
            _ => format!(
                "OFPST_{} reply",
                openflow::stats::stats_type_name(s.stats_type()).unwrap_or("?")
            ),
        },
        _ => format!("OFPT_{}", m.type_name()),
    }
}

/// `field=value` items of an OVS match text, `priority` removed, OVS's `ANY` spelled NONE.
fn ovs_match_set(text: &str) -> (BTreeSet<String>, Option<String>) {
    let mut priority = None;
    let set = text
        .split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| match s.strip_prefix("priority=") {
            Some(p) => {
                priority = Some(p.to_owned());
                None
            }
            None => Some(s.replace("=ANY", "=NONE")),
        })
        .collect();
    (set, priority)
}

fn our_match_set(m: &Match) -> BTreeSet<String> {
    m.ovs_fields()
        .into_iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.to_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect()
}

fn check_match(p: &mut Vec<String>, what: &str, ours: &Match, priority: u16, ovs_text: &str) {
    let (theirs, ovs_priority) = ovs_match_set(ovs_text);
    let ours_set = our_match_set(ours);
    if ours_set != theirs {
        p.push(format!("{what}: ofscope {ours_set:?} vs OVS {theirs:?}"));
    }
    check(
        p,
        &format!("{what} priority"),
        priority,
        ovs_priority.unwrap_or_else(|| "32768".into()),
    );
}

fn ovs_actions(s: &str) -> String {
    s.replace("=ANY", "=NONE")
}

/// The value of ` key=value` (or `key:value`) in a space-separated OVS line.
fn token<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ').find_map(|t| t.strip_prefix(key))
}

fn reason_word(name: Option<&str>) -> String {
    name.unwrap_or("?").to_ascii_lowercase()
}

/// Compares the key facts of one message OVS decoded.
fn ovs_key_facts(m: &Message, text: &str, verbosity: Option<u64>) -> Vec<String> {
    let mut p = Vec::new();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let rest_lines: Vec<&str> = lines.collect();
    let Some((name, after)) = first.split_once(" (xid=0x") else {
        p.push(format!("unrecognised OVS text `{first}`"));
        return p;
    };
    let Some((xid, detail)) = after.split_once("):") else {
        p.push(format!("unrecognised OVS text `{first}`"));
        return p;
    };
    let detail = detail.trim();
    if m.is_malformed() {
        p.push(format!("ofscope says malformed: {}", m.summary()));
        return p;
    }
    check(&mut p, "type", ovs_style_name(m), name);
    check(&mut p, "xid", format!("{:x}", m.header.xid), xid);
    check(&mut p, "length", m.header.length, m.emit().len());

    match &m.body {
        Body::FlowMod(f) => {
            let mut words = detail.splitn(2, ' ');
            let _command = words.next();
            let rest = words.next().unwrap_or("");
            let (before, actions) = rest.split_once("actions=").unwrap_or((rest, ""));
            check(
                &mut p,
                "actions",
                Actions(&f.actions),
                ovs_actions(actions.trim()),
            );
            // At verbosity 3 OVS prints the raw ofp10 match instead of the flow.
            if verbosity.unwrap_or(0) < 3 {
                let m_text = before
                    .split(' ')
                    .next()
                    .filter(|t| t.contains('=') || !t.contains(':'))
                    .unwrap_or("");
                check_match(
                    &mut p,
                    "match",
                    &f.match_.normalize(),
                    f.effective_priority(),
                    m_text,
                );
            }
        }
        Body::FlowRemoved(f) => {
            let m_text = detail.split(' ').next().unwrap_or("");
            check_match(&mut p, "match", &f.match_, f.priority, m_text);
            let reason = token(detail, "reason=").unwrap_or("?");
            let ours = match f.reason {
                0 => "idle",
                1 => "hard",
                2 => "delete",
                _ => "?",
            };
            check(&mut p, "reason", ours, reason);
        }
        Body::PacketIn(pi) => {
            check(
                &mut p,
                "total_len",
                pi.total_len,
                token(detail, "total_len=").unwrap_or("?"),
            );
            check(
                &mut p,
                "in_port",
                PortDisplay(pi.in_port),
                token(detail, "in_port=").unwrap_or("?"),
            );
            let via = detail
                .split("(via ")
                .nth(1)
                .and_then(|s| s.split(')').next())
                .unwrap_or("?");
            check(&mut p, "reason", reason_word(pi.reason_name()), via);
            let buffer = token(detail, "buffer=")
                .map(str::to_owned)
                .unwrap_or_else(|| "none".into());
            check(
                &mut p,
                "buffer",
                openflow::packet::BufferDisplay(pi.buffer_id),
                buffer,
            );
        }
        Body::PacketOut(po) => {
            check(
                &mut p,
                "in_port",
                PortDisplay(po.in_port),
                token(detail, "in_port=").unwrap_or("?"),
            );
            let actions = detail.split("actions=").nth(1).unwrap_or("");
            let actions = actions
                .split(" buffer=")
                .next()
                .unwrap_or("")
                .split(" data_len=")
                .next()
                .unwrap_or("");
            check(
                &mut p,
                "actions",
                Actions(&po.actions),
                ovs_actions(actions),
            );
            if let Some(b) = token(detail, "buffer=") {
                check(
                    &mut p,
                    "buffer",
                    openflow::packet::BufferDisplay(po.buffer_id),
                    b,
                );
            }
        }
        Body::FeaturesReply(f) => {
            check(
                &mut p,
                "dpid",
                format!("{:016x}", f.datapath_id),
                detail.trim_start_matches("dpid:"),
            );
            let counts = rest_lines.first().copied().unwrap_or("");
            check(
                &mut p,
                "n_tables/n_buffers",
                format!("n_tables:{}, n_buffers:{}", f.n_tables, f.n_buffers),
                counts,
            );
            let ours: BTreeSet<String> = f
                .ports
                .iter()
                .map(|pt| format!("{}({})", PortDisplay(pt.port_no), pt.name))
                .collect();
            check(
                &mut p,
                "ports",
                format!("{ours:?}"),
                format!("{:?}", ovs_ports(&rest_lines)),
            );
        }
        Body::PortStatus(ps) => {
            let (reason, port) = detail.split_once(": ").unwrap_or(("?", ""));
            let ours = match ps.reason {
                0 => "ADD",
                1 => "DEL",
                2 => "MOD",
                _ => "?",
            };
            check(&mut p, "reason", ours, reason);
            check(
                &mut p,
                "port",
                format!("{}({})", PortDisplay(ps.desc.port_no), ps.desc.name),
                port.split(':').next().unwrap_or(""),
            );
        }
        Body::PortMod(pm) => {
            let port = detail
                .trim_start_matches("port: ")
                .split(':')
                .next()
                .unwrap_or("");
            check(&mut p, "port", PortDisplay(pm.port_no), port);
            let addr = detail.split("addr:").nth(1).unwrap_or("");
            check(&mut p, "addr", openflow::wire::fmt_mac(&pm.hw_addr), addr);
        }
        Body::Error(e) => {
            check(&mut p, "code", e.code_name().unwrap_or("?"), detail);
            if let Some(inner) = rest_lines.first().filter(|l| l.contains(" (xid=0x")) {
                let h = e.offending_header();
                let ours = h.map(|h| {
                    format!(
                        "OFPT_{} (xid=0x{:x})",
                        openflow::header::type_name(h.msg_type).unwrap_or("?"),
                        h.xid
                    )
                });
                let theirs = inner.split("):").next().unwrap_or("").to_owned() + ")";
                check(
                    &mut p,
                    "offending message",
                    ours.unwrap_or_default(),
                    theirs,
                );
            }
        }
        Body::GetConfigReply(c) | Body::SetConfig(c) => check(&mut p, "config", c, detail),
        Body::Hello(h) => {
            // Without a usable bitmap OVS falls back to the header version; nothing to compare.
            if let Some(v) = h.versions().filter(|v| !v.is_empty()) {
                let ours: Vec<String> = v.iter().map(|x| format!("0x{x:02x}")).collect();
                check(
                    &mut p,
                    "version bitmap",
                    ours.join(", "),
                    rest_lines
                        .first()
                        .unwrap_or(&"")
                        .trim()
                        .trim_start_matches("version bitmap: "),
                );
            }
        }
        Body::QueueGetConfigRequest(q) => check(&mut p, "port", q, detail),
        Body::QueueGetConfigReply(q) => {
            check(
                &mut p,
                "port",
                format!("port={}", PortDisplay(q.port)),
                detail,
            );
            // OVS lists queues sorted by id.
            let ours: BTreeSet<String> = q
                .queues
                .iter()
                .map(|q| q.to_string().trim_end().to_owned())
                .collect();
            let theirs: BTreeSet<String> =
                rest_lines.iter().map(|l| l.trim_end().to_owned()).collect();
            check(&mut p, "queues", format!("{ours:?}"), format!("{theirs:?}"));
        }
        Body::StatsRequest(s) => match &s.body {
            StatsRequestBody::Port { port_no } => check(
                &mut p,
                "port",
                format!("port_no={}", PortDisplay(*port_no)),
                detail.replace("ANY", "NONE"),
            ),
            StatsRequestBody::Queue { .. } => check(
                &mut p,
                "request",
                s.to_string().trim_start_matches("QUEUE "),
                detail.replace("port=ANY", "port=ALL"),
            ),
            _ => {}
        },
        Body::StatsReply(s) => stats_reply_facts(&mut p, s, detail, &rest_lines),
        _ => {}
    }
    p
}

/// The `port(name)` items of OVS's port listing lines (` 1(eth1): addr:...`).
fn ovs_ports(lines: &[&str]) -> BTreeSet<String> {
    lines
        .iter()
        .filter(|l| l.starts_with(' ') && !l.starts_with("  ") && l.contains("): addr:"))
        .filter_map(|l| l.trim().split(':').next().map(str::to_owned))
        .collect()
}

fn stats_reply_facts(p: &mut Vec<String>, s: &openflow::StatsReply, detail: &str, lines: &[&str]) {
    match &s.body {
        StatsReplyBody::Flow(flows) => {
            let theirs: Vec<&&str> = lines.iter().filter(|l| l.starts_with(" cookie=")).collect();
            check(p, "entries", flows.len(), theirs.len());
            for (i, (f, line)) in flows.iter().zip(theirs).enumerate() {
                let (before, actions) = line.split_once("actions=").unwrap_or((line, ""));
                check(
                    p,
                    &format!("flow {i} actions"),
                    Actions(&f.actions),
                    ovs_actions(actions),
                );
                let last = before
                    .trim_end()
                    .trim_end_matches(',')
                    .rsplit(", ")
                    .next()
                    .unwrap_or("");
                const STAT_KEYS: [&str; 9] = [
                    "cookie=",
                    "duration=",
                    "table=",
                    "n_packets=",
                    "n_bytes=",
                    "idle_timeout=",
                    "hard_timeout=",
                    "idle_age=",
                    "hard_age=",
                ];
                let m_text = if STAT_KEYS.iter().any(|k| last.trim().starts_with(k)) {
                    ""
                } else {
                    last.trim()
                };
                check_match(p, &format!("flow {i} match"), &f.match_, f.priority, m_text);
            }
        }
        StatsReplyBody::Table(t) => check(
            p,
            "entries",
            t.len(),
            lines.iter().filter(|l| l.starts_with("  table ")).count(),
        ),
        StatsReplyBody::Port(v) => check(p, "entries", format!("{} ports", v.len()), detail),
        StatsReplyBody::Queue(v) => check(p, "entries", format!("{} queues", v.len()), detail),
        StatsReplyBody::PortDesc(v) => check(p, "entries", v.len(), ovs_ports(lines).len()),
        StatsReplyBody::Aggregate(a) => check(
            p,
            "aggregate",
            format!(
                "packet_count={} byte_count={} flow_count={}",
                a.packet_count, a.byte_count, a.flow_count
            ),
            detail,
        ),
        StatsReplyBody::Desc(d) => {
            let theirs: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.split_once(": ").map(|x| x.1))
                .collect();
            let ours = [
                &d.mfr_desc,
                &d.hw_desc,
                &d.sw_desc,
                &d.serial_num,
                &d.dp_desc,
            ];
            check(p, "desc", format!("{ours:?}"), format!("{theirs:?}"));
        }
        _ => {}
    }
}

fn ovs_print_corpus(rel: &str, corpus_name: &'static str) {
    let mut tally = Tally::new(corpus_name);
    let mut ovs_malformed = 0;
    for rec in jsonl(rel) {
        let name = rec["name"].as_str().unwrap_or("?");
        let bytes = unhex(rec["hex"].as_str().unwrap_or(""));
        let text = rec["expected_text"].as_str().unwrap_or("");
        let msg = openflow::parse(&bytes);
        let mut problems = Vec::new();
        if msg.emit() != bytes {
            problems.push("emit(parse(bytes)) != bytes".to_owned());
        }
        let ovs_rejects = text.starts_with("(***")
            || text.starts_with("***decode error")
            // These runs only grep OVS's output for the error it reports.
            || rec["piped_through"].as_str().is_some_and(|c| c.starts_with("grep -q OFPB"));
        if ovs_rejects {
            ovs_malformed += 1;
            if !msg.is_malformed() {
                problems.push(format!(
                    "OVS rejects it, ofscope decodes `{}`",
                    msg.summary()
                ));
            }
        } else {
            problems.extend(ovs_key_facts(
                &msg,
                text,
                rec["verbosity"]
                    .as_u64()
                    .or_else(|| rec["verbosity"].as_str().and_then(|v| v.parse().ok())),
            ));
        }
        tally.record(name, problems);
    }
    eprintln!("[{corpus_name}] of which OVS rejects {ovs_malformed} as malformed");
    tally.finish();
}

#[test]
fn ovs_ofp_print() {
    ovs_print_corpus("ovs_ofp_print_of10.jsonl", "ovs_ofp_print");
}

#[test]
fn ovs_ofp_errors() {
    ovs_print_corpus("ovs_ofp_errors_of10.jsonl", "ovs_ofp_errors");
}
