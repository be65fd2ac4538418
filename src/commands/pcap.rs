//! `ofscope pcap`: decode capture files to text lines, detail trees, JSON or a stats report.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use ofscope_dissectors::tree::Tree;

use crate::capture::{FileSource, FrameSource, PcapWriter};
use crate::cli::{Format, PcapArgs};
use crate::commands::exit;
use crate::filter::Filter;
use crate::output::{json, progress, stats::Stats, text};
use crate::session::{format_dpid, OfRecord, Session, SessionEvent};
use crate::stream::{Direction, StreamConfig, Tracker, OPENFLOW_PORTS};

pub fn run(args: &PcapArgs) -> Result<ExitCode> {
    let filter = match &args.filter {
        Some(expr) => Some(Filter::parse(expr).map_err(|err| {
            anyhow::anyhow!("bad display filter (-Y): {err}\n{}", err.render(expr))
        })?),
        None => None,
    };
    let config = StreamConfig {
        ports: OPENFLOW_PORTS.iter().chain(&args.ports).copied().collect(),
        ..StreamConfig::default()
    };
    let stdout = io::stdout().lock();
    let mut printer = Printer {
        out: BufWriter::with_capacity(1 << 16, stdout),
        args,
        filter,
        line: String::with_capacity(4096),
        tree: Tree::new(),
        shown: 0,
    };
    let mut failed = false;
    for path in args.inputs() {
        match printer.file(path, &config) {
            Ok(FileOutcome::Done) => {}
            Ok(FileOutcome::CountReached) => break,
            Err(err) if is_broken_pipe(&err) => return Ok(ExitCode::SUCCESS),
            Err(err) => {
                eprintln!("ofscope: {err:#}");
                failed = true;
            }
        }
    }
    match printer.out.flush() {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(if failed {
        ExitCode::from(exit::BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    })
}

enum FileOutcome {
    Done,
    CountReached,
}

struct Printer<'a, W: Write> {
    out: W,
    args: &'a PcapArgs,
    filter: Option<Filter>,
    line: String,
    tree: Tree,
    /// Messages shown so far, over all files (for `-c`).
    shown: u64,
}

impl<W: Write> Printer<'_, W> {
    fn file(&mut self, path: &Path, config: &StreamConfig) -> Result<FileOutcome> {
        let mut session = Session::open(path, config.clone())?;
        let mut stats = Stats::default();
        let mut first_ts = None;
        // Frame numbers to copy with -w (a second pass copies them).
        let mut keep_frames = BTreeSet::new();
        let mut outcome = FileOutcome::Done;
        let per_message = !(self.args.quiet || self.args.stats);
        let progress = progress::for_file(path, session.source().compressed());
        while let Some(event) = session.next_event() {
            if let Some(bar) = &progress {
                if session.tracker().counters().frames % 4096 == 0 {
                    bar.set_position(session.source().position());
                }
            }
            let event = match event {
                Ok(event) => event,
                Err(err) if err.is_truncation() => {
                    eprintln!("ofscope: warning: {err}");
                    continue;
                }
                Err(err) => {
                    eprintln!("ofscope: warning: {err}; stopping this file there");
                    continue;
                }
            };
            stats.observe(&event);
            let SessionEvent::Record(record) = event else {
                continue;
            };
            if !self.selected(&record) {
                continue;
            }
            let first = *first_ts.get_or_insert(record.ts_ns);
            if per_message {
                self.print(&record, session.tracker(), first)?;
            }
            if self.args.write.is_some() {
                keep_frames.extend(record.frames.iter().copied());
            }
            self.shown += 1;
            if self.args.count.is_some_and(|n| self.shown >= n) {
                outcome = FileOutcome::CountReached;
                break;
            }
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        if self.args.stats {
            stats.finish(session.tracker());
            self.line.clear();
            match self.args.format {
                Format::Text => stats.write_text(&mut self.line, path),
                Format::Json | Format::Jsonl => stats.write_json(&mut self.line, path),
            }
            self.out.write_all(self.line.as_bytes())?;
        }
        if session.tracker().counters().messages == 0 {
            eprintln!(
                "ofscope: no OpenFlow messages found in {}; if the controller listens on a port other than 6633 or 6653, give it with --port N",
                path.display()
            );
        }
        if let Some(out) = &self.args.write {
            copy_frames(path, out, &keep_frames)?;
        }
        Ok(outcome)
    }

    fn selected(&mut self, record: &OfRecord) -> bool {
        let Some(filter) = &self.filter else {
            return true;
        };
        self.tree.fields.clear();
        record.message.build_tree(&mut self.tree);
        filter.matches(&self.tree, &record.bytes)
    }

    fn print(&mut self, record: &OfRecord, tracker: &Tracker, first_ts: u64) -> Result<()> {
        self.line.clear();
        let needs_tree = self.args.verbose || self.args.format != Format::Text;
        if needs_tree && self.filter.is_none() {
            self.tree.fields.clear();
            record.message.build_tree(&mut self.tree);
        }
        match self.args.format {
            Format::Text => {
                write_line(&mut self.line, record, tracker, first_ts);
                if self.args.verbose {
                    text::write_detail(&mut self.line, &self.tree, 4);
                    self.line.push('\n');
                }
            }
            Format::Json | Format::Jsonl => write_json(&mut self.line, record, &self.tree),
        }
        self.out.write_all(self.line.as_bytes())?;
        Ok(())
    }
}

/// `frame  time  switch  arrow  summary`, the arrow pointing from sender to receiver with
/// the switch on the left.
fn write_line(line: &mut String, record: &OfRecord, tracker: &Tracker, first_ts: u64) {
    use std::fmt::Write as _;
    let rel = record.ts_ns.saturating_sub(first_ts);
    let _ = write!(
        line,
        "{:>6} {:>4}.{:06} ",
        record.frame(),
        rel / 1_000_000_000,
        rel % 1_000_000_000 / 1000
    );
    write_switch(line, record, tracker);
    line.push_str(match record.direction {
        Direction::SwitchToController => " -> ",
        Direction::ControllerToSwitch => " <- ",
    });
    line.push_str(&record.message.summary());
    line.push('\n');
}

/// The switch: its dpid once known, else its address.
fn write_switch(line: &mut String, record: &OfRecord, tracker: &Tracker) {
    use std::fmt::Write as _;
    match (record.dpid, tracker.connection(record.conn)) {
        (Some(dpid), _) => line.push_str(&format_dpid(dpid)),
        (None, Some(conn)) => {
            let _ = write!(line, "{:<23}", conn.switch.to_string());
        }
        (None, None) => {
            let _ = write!(line, "{:<23}", "?");
        }
    }
}

/// One JSON object: where the message came from, then its field tree.
fn write_json(line: &mut String, record: &OfRecord, tree: &Tree) {
    use std::fmt::Write as _;
    let _ = write!(
        line,
        "{{\"frame\":{},\"ts_ns\":{},\"conn\":{},\"from\":\"{}\",\"dpid\":",
        record.frame(),
        record.ts_ns,
        record.conn,
        if record.from_switch() {
            "switch"
        } else {
            "controller"
        }
    );
    match record.dpid {
        Some(dpid) => {
            let _ = write!(line, "\"{}\"", format_dpid(dpid));
        }
        None => line.push_str("null"),
    }
    line.push_str(",\"summary\":");
    json::write_str(line, &record.message.summary());
    json::write_tree_members(line, tree, &record.bytes, true);
    line.push_str("}\n");
}

/// Second pass for `-w`: copies the frames that carried the shown messages.
fn copy_frames(input: &Path, output: &PathBuf, keep: &BTreeSet<u64>) -> Result<()> {
    let mut source = FileSource::open(input)?;
    let file = File::create(output).with_context(|| {
        format!(
            "cannot create {}; check the directory and permissions",
            output.display()
        )
    })?;
    let mut writer: Option<PcapWriter<BufWriter<File>>> = None;
    let mut file = Some(BufWriter::new(file));
    let nanos = source.nanosecond();
    while let Some(frame) = source.next_frame() {
        let Ok(frame) = frame else { break };
        // The header needs the link type, which only the first frame tells.
        if let Some(out) = file.take() {
            writer = Some(PcapWriter::new(out, frame.linktype, nanos, 262_144)?);
        }
        if let (Some(w), true) = (writer.as_mut(), keep.contains(&frame.number)) {
            w.write_frame(&frame)?;
        }
    }
    if let Some(w) = writer {
        w.into_inner()?.flush()?;
    }
    Ok(())
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
