//! `--stats`: sessions, switches, message counts per type and direction, stream health.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use ofscope_dissectors::openflow::Body;

use crate::output::json::write_str;
use crate::session::{format_dpid, SessionEvent};
use crate::stream::{Counters, Tracker};

/// Counts gathered one event at a time.
#[derive(Debug, Default)]
pub struct Stats {
    /// (type name, from switch) → messages.
    per_type: BTreeMap<(&'static str, bool), u64>,
    switches: BTreeSet<u64>,
    messages: u64,
    malformed: u64,
    other_versions: u64,
    truncated_messages: u64,
    first_ts: Option<u64>,
    last_ts: u64,
    sessions: u64,
    counters: Counters,
}

impl Stats {
    pub fn observe(&mut self, event: &SessionEvent) {
        let SessionEvent::Record(record) = event else {
            return;
        };
        self.messages += 1;
        if record.is_truncated() {
            self.truncated_messages += 1;
        }
        *self
            .per_type
            .entry((record.message.type_name(), record.from_switch()))
            .or_default() += 1;
        match &record.message.body {
            Body::Malformed { .. } => self.malformed += 1,
            Body::OtherVersion(_) => self.other_versions += 1,
            _ => {}
        }
        if let Some(dpid) = record.dpid {
            self.switches.insert(dpid);
        }
        self.first_ts.get_or_insert(record.ts_ns);
        self.last_ts = self.last_ts.max(record.ts_ns);
    }

    /// Takes the stream's own totals once the capture is read.
    pub fn finish(&mut self, tracker: &Tracker) {
        self.counters = *tracker.counters();
        self.sessions = tracker.connections().len() as u64;
    }

    fn duration_ns(&self) -> u64 {
        self.first_ts.map_or(0, |first| self.last_ts - first)
    }

    pub fn write_text(&self, out: &mut String, path: &Path) {
        let c = &self.counters;
        let _ = writeln!(out, "File:        {}", path.display());
        let _ = writeln!(
            out,
            "Frames:      {} ({} bytes), duration {:.6} s",
            c.frames,
            c.bytes,
            self.duration_ns() as f64 / 1e9
        );
        let _ = writeln!(out, "Sessions:    {}", self.sessions);
        let dpids: Vec<String> = self.switches.iter().map(|&d| format_dpid(d)).collect();
        let _ = writeln!(out, "Switches:    {} {}", dpids.len(), dpids.join(" "));
        let _ = writeln!(out, "Messages:    {}", self.messages);
        let _ = writeln!(out, "  {:<28} {:>10} {:>10}", "type", "switch->", "<-ctrl");
        for (name, (from_switch, from_controller)) in self.by_type() {
            let _ = writeln!(out, "  {name:<28} {from_switch:>10} {from_controller:>10}");
        }
        let _ = writeln!(
            out,
            "Stream:      {} segments, {} stream bytes",
            c.segments, c.stream_bytes
        );
        let _ = writeln!(
            out,
            "  retransmissions {} ({} bytes), conflicting overlaps {}, out-of-order {}, gaps {} ({} bytes lost)",
            c.retransmissions, c.retransmitted_bytes, c.overlap_conflicts, c.out_of_order, c.gaps, c.gap_bytes
        );
        let _ = writeln!(
            out,
            "  malformed messages {}, truncated messages {}, other OpenFlow versions {}",
            self.malformed, self.truncated_messages, self.other_versions
        );
    }

    pub fn write_json(&self, out: &mut String, path: &Path) {
        let c = &self.counters;
        out.push_str("{\"file\":");
        write_str(out, &path.display().to_string());
        let _ = write!(
            out,
            ",\"frames\":{},\"bytes\":{},\"duration_ns\":{},\"sessions\":{},\"messages\":{},\"switches\":[",
            c.frames,
            c.bytes,
            self.duration_ns(),
            self.sessions,
            self.messages
        );
        for (i, dpid) in self.switches.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\"", format_dpid(*dpid));
        }
        out.push_str("],\"types\":{");
        for (i, (name, (from_switch, from_controller))) in self.by_type().into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "\"{name}\":{{\"switch\":{from_switch},\"controller\":{from_controller}}}"
            );
        }
        let _ = writeln!(
            out,
            "}},\"segments\":{},\"stream_bytes\":{},\"retransmissions\":{},\"overlap_conflicts\":{},\"out_of_order\":{},\"gaps\":{},\"gap_bytes\":{},\"malformed\":{},\"truncated_messages\":{},\"other_versions\":{}}}",
            c.segments,
            c.stream_bytes,
            c.retransmissions,
            c.overlap_conflicts,
            c.out_of_order,
            c.gaps,
            c.gap_bytes,
            self.malformed,
            self.truncated_messages,
            self.other_versions
        );
    }

    /// Type name → (from the switch, from the controller).
    fn by_type(&self) -> BTreeMap<&'static str, (u64, u64)> {
        let mut table: BTreeMap<&'static str, (u64, u64)> = BTreeMap::new();
        for (&(name, from_switch), &n) in &self.per_type {
            let entry = table.entry(name).or_default();
            if from_switch {
                entry.0 += n;
            } else {
                entry.1 += n;
            }
        }
        table
    }
}
