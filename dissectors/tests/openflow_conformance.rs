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
    self, actions_from_bytes, port::PortDisplay, Actions, Body, DecodeError, Match,
    Message, StatsReplyBody, StatsRequestBody,
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
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("corpus {} unreadable ({e}); is ../shared beside the repo?", path.display()))
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
        Tally { corpus, total: 0, agree: 0, allowed: Vec::new(), failures: Vec::new() }
    }

    fn record(&mut self, name: &str, problems: Vec<String>) {
        self.total += 1;
        if problems.is_empty() {
            self.agree += 1;
        } else if allowlist::allowed(self.corpus, name) {
            self.allowed.push(format!("{name}: {}", problems.join("; ")));
        } else {
            self.failures.push(format!("{name}: {}", problems.join("; ")));
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
            _ => format!("OFPST_{} request", openflow::stats::stats_type_name(s.stats_type()).unwrap_or("?")),
        },
        Body::StatsReply(s) => match &s.body {
            StatsReplyBody::Vendor(v) => format!("{} reply", v.subtype_name().unwrap_or("?")),
            _ => format!("OFPST_{} reply", openflow::stats::stats_type_name(s.stats_type()).unwrap_or("?")),
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
        .map(|(k, v)| if v.is_empty() { k.to_owned() } else { format!("{k}={v}") })
        .collect()
}

fn check_match(p: &mut Vec<String>, what: &str, ours: &Match, priority: u16, ovs_text: &str) {
    let (theirs, ovs_priority) = ovs_match_set(ovs_text);
    let ours_set = our_match_set(ours);
    if ours_set != theirs {
        p.push(format!("{what}: ofscope {ours_set:?} vs OVS {theirs:?}"));
    }
    check(p, &format!("{what} priority"), priority, ovs_priority.unwrap_or_else(|| "32768".into()));
}

fn ovs_actions(s: &str) -> String {
    s.replace("=ANY", "=NONE")
}

/// The value of ` key=value` (or `key:value`) in a space-separated OVS line.
fn token<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ')
        .find_map(|t| t.strip_prefix(key))
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
            check(&mut p, "actions", Actions(&f.actions), ovs_actions(actions.trim()));
            // At verbosity 3 OVS prints the raw ofp10 match instead of the flow.
            if verbosity.unwrap_or(0) < 3 {
                let m_text = before.split(' ').next().filter(|t| t.contains('=') || !t.contains(':')).unwrap_or("");
                check_match(&mut p, "match", &f.match_.normalize(), f.effective_priority(), m_text);
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
            check(&mut p, "total_len", pi.total_len, token(detail, "total_len=").unwrap_or("?"));
            check(&mut p, "in_port", PortDisplay(pi.in_port), token(detail, "in_port=").unwrap_or("?"));
            let via = detail.split("(via ").nth(1).and_then(|s| s.split(')').next()).unwrap_or("?");
            check(&mut p, "reason", reason_word(pi.reason_name()), via);
            let buffer = token(detail, "buffer=").map(str::to_owned).unwrap_or_else(|| "none".into());
            check(&mut p, "buffer", openflow::packet::BufferDisplay(pi.buffer_id), buffer);
        }
        Body::PacketOut(po) => {
            check(&mut p, "in_port", PortDisplay(po.in_port), token(detail, "in_port=").unwrap_or("?"));
            let actions = detail.split("actions=").nth(1).unwrap_or("");
            let actions = actions.split(" buffer=").next().unwrap_or("").split(" data_len=").next().unwrap_or("");
            check(&mut p, "actions", Actions(&po.actions), ovs_actions(actions));
            if let Some(b) = token(detail, "buffer=") {
                check(&mut p, "buffer", openflow::packet::BufferDisplay(po.buffer_id), b);
            }
        }
        Body::FeaturesReply(f) => {
            check(&mut p, "dpid", format!("{:016x}", f.datapath_id), detail.trim_start_matches("dpid:"));
            let counts = rest_lines.first().copied().unwrap_or("");
            check(&mut p, "n_tables/n_buffers", format!("n_tables:{}, n_buffers:{}", f.n_tables, f.n_buffers), counts);
            let ours: BTreeSet<String> =
                f.ports.iter().map(|pt| format!("{}({})", PortDisplay(pt.port_no), pt.name)).collect();
            check(&mut p, "ports", format!("{ours:?}"), format!("{:?}", ovs_ports(&rest_lines)));
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
            check(&mut p, "port", format!("{}({})", PortDisplay(ps.desc.port_no), ps.desc.name), port.split(':').next().unwrap_or(""));
        }
        Body::PortMod(pm) => {
            let port = detail.trim_start_matches("port: ").split(':').next().unwrap_or("");
            check(&mut p, "port", PortDisplay(pm.port_no), port);
            let addr = detail.split("addr:").nth(1).unwrap_or("");
            check(&mut p, "addr", openflow::wire::fmt_mac(&pm.hw_addr), addr);
        }
        Body::Error(e) => {
            check(&mut p, "code", e.code_name().unwrap_or("?"), detail);
            if let Some(inner) = rest_lines.first().filter(|l| l.contains(" (xid=0x")) {
                let h = e.offending_header();
                let ours = h.map(|h| {
                    format!("OFPT_{} (xid=0x{:x})", openflow::header::type_name(h.msg_type).unwrap_or("?"), h.xid)
                });
                let theirs = inner.split("):").next().unwrap_or("").to_owned() + ")";
                check(&mut p, "offending message", ours.unwrap_or_default(), theirs);
            }
        }
        Body::GetConfigReply(c) | Body::SetConfig(c) => check(&mut p, "config", c, detail),
        Body::Hello(h) => {
            // Without a usable bitmap OVS falls back to the header version; nothing to compare.
            if let Some(v) = h.versions().filter(|v| !v.is_empty()) {
                let ours: Vec<String> = v.iter().map(|x| format!("0x{x:02x}")).collect();
                check(&mut p, "version bitmap", ours.join(", "), rest_lines.first().unwrap_or(&"").trim().trim_start_matches("version bitmap: "));
            }
        }
        Body::QueueGetConfigRequest(q) => check(&mut p, "port", q, detail),
        Body::QueueGetConfigReply(q) => {
            check(&mut p, "port", format!("port={}", PortDisplay(q.port)), detail);
            // OVS lists queues sorted by id.
            let ours: BTreeSet<String> = q.queues.iter().map(|q| q.to_string().trim_end().to_owned()).collect();
            let theirs: BTreeSet<String> = rest_lines.iter().map(|l| l.trim_end().to_owned()).collect();
            check(&mut p, "queues", format!("{ours:?}"), format!("{theirs:?}"));
        }
        Body::StatsRequest(s) => match &s.body {
            StatsRequestBody::Port { port_no } => check(&mut p, "port", format!("port_no={}", PortDisplay(*port_no)), detail.replace("ANY", "NONE")),
            StatsRequestBody::Queue { .. } => check(&mut p, "request", s.to_string().trim_start_matches("QUEUE "), detail.replace("port=ANY", "port=ALL")),
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
                check(p, &format!("flow {i} actions"), Actions(&f.actions), ovs_actions(actions));
                let last = before.trim_end().trim_end_matches(',').rsplit(", ").next().unwrap_or("");
                const STAT_KEYS: [&str; 9] = [
                    "cookie=", "duration=", "table=", "n_packets=", "n_bytes=", "idle_timeout=", "hard_timeout=", "idle_age=", "hard_age=",
                ];
                let m_text = if STAT_KEYS.iter().any(|k| last.trim().starts_with(k)) { "" } else { last.trim() };
                check_match(p, &format!("flow {i} match"), &f.match_, f.priority, m_text);
            }
        }
        StatsReplyBody::Table(t) => {
            check(p, "entries", t.len(), lines.iter().filter(|l| l.starts_with("  table ")).count())
        }
        StatsReplyBody::Port(v) => check(p, "entries", format!("{} ports", v.len()), detail),
        StatsReplyBody::Queue(v) => check(p, "entries", format!("{} queues", v.len()), detail),
        StatsReplyBody::PortDesc(v) => check(p, "entries", v.len(), ovs_ports(lines).len()),
        StatsReplyBody::Aggregate(a) => check(
            p,
            "aggregate",
            format!("packet_count={} byte_count={} flow_count={}", a.packet_count, a.byte_count, a.flow_count),
            detail,
        ),
        StatsReplyBody::Desc(d) => {
            let theirs: Vec<&str> = lines.iter().filter_map(|l| l.split_once(": ").map(|x| x.1)).collect();
            let ours = [&d.mfr_desc, &d.hw_desc, &d.sw_desc, &d.serial_num, &d.dp_desc];
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
                problems.push(format!("OVS rejects it, ofscope decodes `{}`", msg.summary()));
            }
        } else {
            problems.extend(ovs_key_facts(&msg, text, rec["verbosity"].as_u64().or_else(|| rec["verbosity"].as_str().and_then(|v| v.parse().ok()))));
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

// ---------------------------------------------------------------------------------------
// Open vSwitch action lists and `parse-ofp10-match`

/// OVS's text for an action list decode: `actions=...` or `bad OpenFlow10 actions: CODE`.
fn our_actions_text(bytes: &[u8]) -> String {
    match actions_from_bytes(bytes) {
        Ok(list) => format!("actions={}", Actions(&list)),
        Err(DecodeError::Invalid { code, .. }) => format!("bad OpenFlow10 actions: {code}"),
        Err(e) => format!("bad OpenFlow10 actions: {e}"),
    }
}

#[test]
fn ovs_actions_and_match() {
    let mut actions = Tally::new("ovs_actions");
    let mut matches = Tally::new("ovs_match");
    for rec in jsonl("ovs_of10_actions_and_match.jsonl") {
        let hex = rec["hex"].as_str().unwrap_or("");
        let name = format!("{}:{}", rec["source_file"].as_str().unwrap_or("?"), rec["source_line"]);
        let stdout: Vec<&str> = rec["expected_stdout_lines"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let expected = stdout.first().copied().unwrap_or("");
        let mut p = Vec::new();
        if rec["setup"].as_str().unwrap_or("").contains("match") {
            let post = rec["expected_stderr_lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .find_map(|l| l.split_once("post: ").map(|x| x.1.to_owned()));
            // 'x' marks bytes OVS fills at random: the text must not depend on them.
            for fill in ['0', 'a'] {
                let bytes = unhex(&hex.replace('x', &fill.to_string()));
                match Match::from_bytes(&bytes) {
                    Ok(m) => {
                        check(&mut p, "match", &m, expected);
                        let n = m.normalize();
                        // OVS shows normalisation as the text after (`post:`) when it
                        // logs it, and always as the bytes it changed (`normal: N: a -> b`).
                        let changed: Vec<(usize, u8)> = stdout
                            .iter()
                            .filter_map(|l| l.strip_prefix("normal:"))
                            .filter_map(|l| {
                                let (off, change) = l.split_once(':')?;
                                let new = change.split("->").nth(1)?.trim();
                                Some((off.trim().parse().ok()?, u8::from_str_radix(new, 16).ok()?))
                            })
                            .collect();
                        match &post {
                            Some(text) => check(&mut p, "normalised", n, text),
                            None if changed.is_empty() => check(&mut p, "normalised", n, expected),
                            None => {
                                let mut wire = Vec::new();
                                n.emit(&mut wire);
                                for (off, byte) in changed {
                                    check(&mut p, &format!("normalised byte {off}"), wire[off], byte);
                                }
                            }
                        }
                    }
                    Err(e) => p.push(format!("match does not decode: {e}")),
                }
            }
            matches.record(&name, p);
        } else {
            let bytes = unhex(hex);
            check(&mut p, "actions", our_actions_text(&bytes), expected);
            if let Ok(list) = actions_from_bytes(&bytes) {
                let mut out = Vec::new();
                openflow::action::emit_actions(&list, &mut out);
                if out != bytes {
                    p.push("emit(parse(actions)) != bytes".to_owned());
                }
            }
            actions.record(&name, p);
        }
    }
    let failed = std::panic::catch_unwind(|| actions.finish()).is_err();
    matches.finish();
    assert!(!failed, "action translation disagreements (see above)");
}

// ---------------------------------------------------------------------------------------
// kytos (python-openflow) raw messages: robustness

#[test]
fn kytos_raw() {
    let mut tally = Tally::new("kytos");
    let (mut decoded, mut malformed) = (0, 0);
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus("kytos_of10/raw"))
        .expect("kytos corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dat"))
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).expect("kytos file");
        let msg = openflow::parse(&bytes);
        let mut p = Vec::new();
        if msg.is_malformed() {
            malformed += 1;
        } else {
            decoded += 1;
            // The summary and tree must not panic either.
            let _ = msg.summary();
            msg.build_tree(&mut ofscope_dissectors::tree::Tree::new());
        }
        if msg.emit() != bytes {
            p.push("emit(parse(bytes)) != bytes".to_owned());
        }
        tally.record(&path.file_name().unwrap_or_default().to_string_lossy(), p);
    }
    eprintln!("[kytos] {decoded} decoded, {malformed} reported malformed");
    tally.finish();
}

// ---------------------------------------------------------------------------------------
// Ryu: field-by-field JSON

fn base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The single `{"Class": {fields}}` member of a Ryu object.
fn ryu_class(j: &Json) -> (&str, &serde_json::Map<String, Json>) {
    let (k, v) = j.as_object().and_then(|o| o.iter().next()).expect("Ryu class object");
    (k.as_str(), v.as_object().expect("Ryu fields"))
}

/// Compares every field Ryu lists; a field with no counterpart is a problem too.
fn ryu_fields(
    p: &mut Vec<String>,
    path: &str,
    fields: &serde_json::Map<String, Json>,
    mut ours: impl FnMut(&str, &Json, &mut Vec<String>) -> Option<String>,
) {
    for (k, v) in fields {
        match ours(k, v, p) {
            Some(o) => {
                let theirs = match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                check(p, &format!("{path}.{k}"), o, theirs);
            }
            None => {}
        }
    }
}

fn ryu_action(p: &mut Vec<String>, path: &str, exp: &Json, a: &openflow::Action) {
    let (class, fields) = ryu_class(exp);
    let num = |k: &str| fields.get(k).and_then(Json::as_u64).unwrap_or(0);
    match (class, a) {
        ("OFPActionOutput", openflow::Action::Output { port, max_len }) => {
            check(p, &format!("{path}.port"), port, num("port"));
            check(p, &format!("{path}.max_len"), max_len, num("max_len"));
        }
        (nx, openflow::Action::Vendor(v)) if nx.starts_with("NXAction") => {
            check(p, &format!("{path}.vendor"), v.vendor, num("vendor"));
            check(p, &format!("{path}.subtype"), v.subtype().unwrap_or(0), num("subtype"));
            let text = match nx {
                "NXActionPushMpls" => format!("push_mpls:0x{:04x}", num("ethertype")),
                "NXActionPopMpls" => format!("pop_mpls:0x{:04x}", num("ethertype")),
                "NXActionSetMplsLabel" => format!("set_mpls_label({})", num("label")),
                "NXActionSetMplsTc" => format!("set_mpls_tc({})", num("tc")),
                "NXActionSetMplsTtl" => format!("set_mpls_ttl({})", num("ttl")),
                "NXActionDecMplsTtl" => "dec_mpls_ttl".to_owned(),
                "NXActionDecTtl" => "dec_ttl".to_owned(),
                other => format!("<{other} not compared>"),
            };
            check(p, &format!("{path} ({nx})"), v, text);
        }
        (class, a) => p.push(format!("{path}: Ryu {class} vs ofscope {a:?}")),
    }
}

fn ryu_actions(p: &mut Vec<String>, exp: &Json, ours: &[openflow::Action]) {
    let list = exp.as_array().map(Vec::as_slice).unwrap_or_default();
    check(p, "actions.len", ours.len(), list.len());
    for (i, (e, a)) in list.iter().zip(ours).enumerate() {
        ryu_action(p, &format!("actions[{i}]"), e, a);
    }
}

fn ryu_match(p: &mut Vec<String>, exp: &Json, m: &Match) {
    let (_, fields) = ryu_class(exp);
    ryu_fields(p, "match", fields, |k, _, _| {
        Some(match k {
            "wildcards" => m.wildcards.to_string(),
            "in_port" => m.in_port.to_string(),
            "dl_src" => openflow::wire::fmt_mac(&m.dl_src),
            "dl_dst" => openflow::wire::fmt_mac(&m.dl_dst),
            "dl_vlan" => m.dl_vlan.to_string(),
            "dl_vlan_pcp" => m.dl_vlan_pcp.to_string(),
            "dl_type" => m.dl_type.to_string(),
            "nw_tos" => m.nw_tos.to_string(),
            "nw_proto" => m.nw_proto.to_string(),
            "nw_src" => m.nw_src.to_string(),
            "nw_dst" => m.nw_dst.to_string(),
            "tp_src" => m.tp_src.to_string(),
            "tp_dst" => m.tp_dst.to_string(),
            other => format!("<no field {other}>"),
        })
    });
}

/// PACKET_IN/OUT data: Ryu gives base64, or (in one case) a decoded packet, which is the
/// frame module's to check; here only its presence is.
fn ryu_data(v: &Json, data: &[u8], skipped: &mut usize) -> String {
    match v {
        Json::String(s) => {
            if base64(s) == data {
                s.clone()
            } else {
                format!("{data:02x?}")
            }
        }
        _ => {
            *skipped += 1;
            v.to_string()
        }
    }
}

fn ryu_compare(exp: &Json, m: &Message, skipped: &mut usize) -> Vec<String> {
    let mut p = Vec::new();
    let (class, fields) = ryu_class(exp);
    match (class, &m.body) {
        ("OFPPacketOut", Body::PacketOut(po)) => ryu_fields(&mut p, class, fields, |k, v, p| {
            Some(match k {
                "buffer_id" => po.buffer_id.to_string(),
                "in_port" => po.in_port.to_string(),
                "data" => ryu_data(v, &po.data, skipped),
                "actions" => {
                    ryu_actions(p, v, &po.actions);
                    return None;
                }
                other => format!("<no field {other}>"),
            })
        }),
        ("OFPPacketIn", Body::PacketIn(pi)) => ryu_fields(&mut p, class, fields, |k, v, _| {
            Some(match k {
                "buffer_id" => pi.buffer_id.to_string(),
                "in_port" => pi.in_port.to_string(),
                "reason" => pi.reason.to_string(),
                "total_len" => pi.total_len.to_string(),
                "data" => ryu_data(v, &pi.data, skipped),
                other => format!("<no field {other}>"),
            })
        }),
        ("OFPFlowMod", Body::FlowMod(f)) => ryu_fields(&mut p, class, fields, |k, v, p| {
            Some(match k {
                "buffer_id" => f.buffer_id.to_string(),
                "command" => f.command.to_string(),
                "cookie" => f.cookie.to_string(),
                "flags" => f.flags.to_string(),
                "hard_timeout" => f.hard_timeout.to_string(),
                "idle_timeout" => f.idle_timeout.to_string(),
                "out_port" => f.out_port.to_string(),
                "priority" => f.priority.to_string(),
                "match" => {
                    ryu_match(p, v, &f.match_);
                    return None;
                }
                "actions" => {
                    ryu_actions(p, v, &f.actions);
                    return None;
                }
                other => format!("<no field {other}>"),
            })
        }),
        ("OFPFeaturesRequest", Body::FeaturesRequest) => {}
        ("OFPSwitchFeatures", Body::FeaturesReply(f)) => ryu_fields(&mut p, class, fields, |k, v, p| {
            Some(match k {
                "actions" => f.actions.to_string(),
                "capabilities" => f.capabilities.to_string(),
                "datapath_id" => f.datapath_id.to_string(),
                "n_buffers" => f.n_buffers.to_string(),
                "n_tables" => f.n_tables.to_string(),
                "ports" => {
                    let ports = v.as_object().expect("Ryu ports");
                    check(p, "ports.len", f.ports.len(), ports.len());
                    for port in &f.ports {
                        let Some(e) = ports.get(&port.port_no.to_string()) else {
                            p.push(format!("port {} missing in Ryu", port.port_no));
                            continue;
                        };
                        let (_, pf) = ryu_class(e);
                        ryu_fields(p, "port", pf, |k, _, _| {
                            Some(match k {
                                "port_no" => port.port_no.to_string(),
                                "hw_addr" => openflow::wire::fmt_mac(&port.hw_addr),
                                "name" => port.name.clone(),
                                "config" => port.config.to_string(),
                                "state" => port.state.to_string(),
                                "curr" => port.curr.to_string(),
                                "advertised" => port.advertised.to_string(),
                                "supported" => port.supported.to_string(),
                                "peer" => port.peer.to_string(),
                                other => format!("<no field {other}>"),
                            })
                        });
                    }
                    return None;
                }
                other => format!("<no field {other}>"),
            })
        }),
        (class, _) => p.push(format!("Ryu {class} vs ofscope {}", m.type_name())),
    }
    p
}

#[test]
fn ryu_json() {
    let mut tally = Tally::new("ryu");
    let mut skipped = 0;
    let mut names: Vec<PathBuf> = std::fs::read_dir(corpus("ryu_of10/packet_data"))
        .expect("ryu corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in names {
        let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).expect("ryu packet");
        let exp: Json = serde_json::from_str(&read(&format!("ryu_of10/json/{file}.json"))).expect("ryu json");
        let msg = openflow::parse(&bytes);
        let mut p = ryu_compare(&exp, &msg, &mut skipped);
        if msg.emit() != bytes {
            p.push("emit(parse(bytes)) != bytes".to_owned());
        }
        tally.record(&file, p);
    }
    eprintln!("[ryu] {skipped} decoded-packet payloads left to the frame module's checks");
    tally.finish();
}
