//! `--stats`: sessions, switches, message counts per type and direction, stream health.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Display, Formatter};
use std::path::Path;

use ofscope_dissectors::openflow::types::versioned_type_name_or_unknown;
use ofscope_dissectors::openflow::{Body, OFP_VERSION};
use ofscope_dissectors::printable::Printable;
use serde::Serialize;

use crate::analysis::report::StatsAnalysis;
use crate::session::{format_dpid, SessionEvent};
use crate::stream::{Counters, Tracker};

/// Counts gathered one event at a time.
#[derive(Debug, Default)]
pub struct Stats {
    /// OpenFlow 1.0 messages by type number and direction (`[to switch, from switch]`),
    /// 256 once the first is counted: nearly every message of a capture is one, and an
    /// array costs a message no search. Names are looked up for the report.
    of10_types: Vec<[u64; 2]>,
    /// Other versions' messages by (version, type number, from switch).
    other_types: BTreeMap<(u8, u8, bool), u64>,
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
        let header = &record.message.header;
        let from_switch = record.from_switch();
        if header.version == OFP_VERSION {
            if self.of10_types.is_empty() {
                self.of10_types = vec![[0; 2]; 256];
            }
            self.of10_types[usize::from(header.msg_type)][usize::from(from_switch)] += 1;
        } else {
            *self
                .other_types
                .entry((header.version, header.msg_type, from_switch))
                .or_default() += 1;
        }
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

    /// The counts of the file at `path`, to show.
    pub fn counts(&self, path: &Path) -> Counts {
        let c = &self.counters;
        Counts {
            file: path.display().to_string(),
            frames: c.frames,
            bytes: c.bytes,
            duration_ns: self.duration_ns(),
            sessions: self.sessions,
            messages: self.messages,
            switches: self.switches.iter().map(|&d| format_dpid(d)).collect(),
            types: self.by_type(),
            segments: c.segments,
            stream_bytes: c.stream_bytes,
            retransmissions: c.retransmissions,
            overlap_conflicts: c.overlap_conflicts,
            out_of_order: c.out_of_order,
            gaps: c.gaps,
            gap_bytes: c.gap_bytes,
            malformed: self.malformed,
            truncated_messages: self.truncated_messages,
            other_versions: self.other_versions,
            copies: c.copies,
            retransmitted_bytes: c.retransmitted_bytes,
        }
    }

    /// Messages by type name.
    fn by_type(&self) -> BTreeMap<&'static str, TypeCount> {
        let mut table: BTreeMap<&'static str, TypeCount> = BTreeMap::new();
        let of10 = self
            .of10_types
            .iter()
            .enumerate()
            .flat_map(|(code, counts)| {
                [(false, counts[0]), (true, counts[1])]
                    .map(|(from_switch, n)| ((OFP_VERSION, code as u8, from_switch), n))
            });
        let others = self.other_types.iter().map(|(&key, &n)| (key, n));
        for ((version, code, from_switch), n) in of10.chain(others).filter(|&(_, n)| n > 0) {
            let entry = table
                .entry(versioned_type_name_or_unknown(version, code))
                .or_default();
            if from_switch {
                entry.switch += n;
            } else {
                entry.controller += n;
            }
        }
        table
    }
}

/// `--stats`: a file's counts, then the analysis of it (the JSON's `analysis` member).
#[derive(Serialize)]
pub struct StatsReport<'a> {
    #[serde(flatten)]
    pub counts: Counts,
    pub analysis: StatsAnalysis<'a>,
}

impl crate::output::report::Report for StatsReport<'_> {}

impl Display for StatsReport<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.counts, self.analysis)
    }
}

/// The counts of one file; the JSON members in the order they have always had.
#[derive(Serialize)]
pub struct Counts {
    file: String,
    frames: u64,
    bytes: u64,
    duration_ns: u64,
    sessions: u64,
    messages: u64,
    switches: Vec<String>,
    types: BTreeMap<&'static str, TypeCount>,
    segments: u64,
    stream_bytes: u64,
    retransmissions: u64,
    overlap_conflicts: u64,
    out_of_order: u64,
    gaps: u64,
    gap_bytes: u64,
    malformed: u64,
    truncated_messages: u64,
    other_versions: u64,
    /// Segments the capture holds twice (`Counters::copies`).
    copies: u64,
    #[serde(skip)]
    retransmitted_bytes: u64,
}

/// Messages of one type, by sender.
#[derive(Debug, Default, Serialize)]
struct TypeCount {
    switch: u64,
    controller: u64,
}

impl Display for Counts {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "File:        {}", Printable(&self.file))?;
        writeln!(
            f,
            "Frames:      {} ({} bytes), duration {:.6} s",
            self.frames,
            self.bytes,
            self.duration_ns as f64 / 1e9
        )?;
        writeln!(f, "Sessions:    {}", self.sessions)?;
        writeln!(
            f,
            "Switches:    {} {}",
            self.switches.len(),
            self.switches.join(" ")
        )?;
        writeln!(f, "Messages:    {}", self.messages)?;
        writeln!(f, "  {:<28} {:>10} {:>10}", "type", "switch->", "<-ctrl")?;
        for (name, n) in &self.types {
            writeln!(f, "  {name:<28} {:>10} {:>10}", n.switch, n.controller)?;
        }
        writeln!(
            f,
            "Stream:      {} segments, {} stream bytes",
            self.segments, self.stream_bytes
        )?;
        writeln!(
            f,
            "  retransmissions {} ({} bytes), conflicting overlaps {}, out-of-order {}, gaps {} ({} bytes lost)",
            self.retransmissions,
            self.retransmitted_bytes,
            self.overlap_conflicts,
            self.out_of_order,
            self.gaps,
            self.gap_bytes
        )?;
        writeln!(
            f,
            "  malformed messages {}, truncated messages {}, other OpenFlow versions {}",
            self.malformed, self.truncated_messages, self.other_versions
        )?;
        if self.copies > 0 {
            writeln!(
                f,
                "  seen twice: {} segments came again (another capture point, or mirrored): copies, not retransmissions",
                self.copies
            )?;
        }
        Ok(())
    }
}
