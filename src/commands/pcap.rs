//! `ofscope pcap`: decode capture files to text lines, detail trees, JSON or a stats report.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::analysis::{self, Analyzer};
use crate::capture::{FileSource, FrameSource, PcapWriter};
use crate::cli::{Format, PcapArgs};
use crate::commands::{display_filter, exit, is_broken_pipe};
use crate::output::{progress, records::RecordPrinter, stats::Stats};
use crate::session::{Session, SessionEvent};
use crate::stream::StreamConfig;
use crate::tui;

/// Messages decoded ahead of the work done with them. Decoding and the analysis (or the
/// printing) together are more code than the processor's instruction cache holds: run by
/// turns over a few messages, each keeps its code cached while it runs. Seven, because
/// glibc keeps seven freed blocks of each size at hand per thread: with more messages
/// waiting, freeing them takes its slow path (measured in docs/analysis.md).
const DECODE_AHEAD: usize = 7;

pub fn run(args: &PcapArgs) -> Result<ExitCode> {
    if tui::suits(args) {
        return tui::run_pcap(args);
    }
    let filter = display_filter(args.view.filter.as_deref())?;
    let config = StreamConfig::with_ports(&args.view.ports);
    let stdout = io::stdout().lock();
    let mut printer = Printer {
        out: BufWriter::with_capacity(1 << 16, stdout),
        args,
        records: RecordPrinter::new(args.view.format, args.view.verbose, filter),
        line: String::new(),
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
    records: RecordPrinter,
    /// The stats report.
    line: String,
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
        let args = self.args;
        let analyse = args.stats || args.flows || args.latency || args.findings;
        let mut analyzer = analyse.then(|| {
            Analyzer::new(analysis::Config {
                pair_window_ns: args.pair_window,
                at: args.at,
                ..analysis::Config::default()
            })
        });
        let per_message = !(args.view.quiet || analyse);
        let progress = progress::for_file(path, session.source().compressed());
        // `-c` stops at a message: no frame beyond it is read, so the counts cover exactly
        // what was shown.
        let ahead = if args.view.count.is_some() {
            1
        } else {
            DECODE_AHEAD
        };
        let mut decoded = Vec::with_capacity(ahead);
        'file: loop {
            while decoded.len() < ahead {
                let Some(event) = session.next_event() else {
                    break;
                };
                decoded.push(event);
                if let Some(bar) = &progress {
                    if session.tracker().counters().frames % 4096 == 0 {
                        bar.set_position(session.source().position());
                    }
                }
            }
            if decoded.is_empty() {
                break;
            }
            for event in &decoded {
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
                stats.observe(event);
                self.records.observe(event);
                if let Some(a) = analyzer.as_mut() {
                    a.feed(event);
                }
                let SessionEvent::Record(record) = event else {
                    continue;
                };
                if !self.records.selected(record) {
                    continue;
                }
                let first = *first_ts.get_or_insert(record.ts_ns);
                if per_message {
                    self.records.print(&mut self.out, record, first)?;
                }
                if self.args.write.is_some() {
                    keep_frames.extend(record.frames.iter().copied());
                }
                self.shown += 1;
                if self.args.view.count.is_some_and(|n| self.shown >= n) {
                    outcome = FileOutcome::CountReached;
                    break 'file;
                }
            }
            decoded.clear();
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        // The line buffer still holds the last message printed.
        self.line.clear();
        if self.args.stats {
            stats.finish(session.tracker());
            match self.args.view.format {
                Format::Text => stats.write_text(&mut self.line, path),
                Format::Json | Format::Jsonl => stats.write_json(&mut self.line, path),
            }
        }
        if let Some(a) = analyzer.as_mut() {
            a.finish();
            write_analysis(&mut self.line, a, self.args);
        }
        if !self.line.is_empty() {
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

/// The analysis sections the flags ask for, after the `--stats` counts (whose JSON object
/// gains an `analysis` member).
fn write_analysis(out: &mut String, a: &Analyzer, args: &PcapArgs) {
    let json = args.view.format != Format::Text;
    if args.stats && json {
        // Close the counts object with the analysis inside it.
        out.truncate(out.trim_end().len());
        out.pop();
        out.push_str(",\"analysis\":");
        out.push_str(&a.stats_json().to_string());
        out.push_str("}\n");
    } else if args.stats {
        a.write_stats_text(out);
    }
    type Section = (
        bool,
        fn(&Analyzer, &mut String),
        fn(&Analyzer) -> serde_json::Value,
    );
    let sections: [Section; 3] = [
        (args.flows, Analyzer::write_flows_text, Analyzer::flows_json),
        (
            args.latency,
            Analyzer::write_latency_text,
            Analyzer::latency_json,
        ),
        (
            args.findings,
            Analyzer::write_findings_text,
            Analyzer::findings_json,
        ),
    ];
    for (wanted, text, value) in sections {
        if !wanted {
            continue;
        }
        if json {
            out.push_str(&value(a).to_string());
            out.push('\n');
        } else {
            text(a, out);
        }
    }
}
