//! `ofscope pcap`: decode capture files to text lines, detail trees, JSON or a stats report.

use std::collections::BTreeSet;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use ofscope_dissectors::printable::Echo;

use crate::analysis::findings::TableFull;
use crate::analysis::{self, Analyzer};
use crate::capture::{is_stdin, FileSource, FrameSource, LinkType, OwnedFrame, PcapWriter};
use crate::cli::PcapArgs;
use crate::commands::{display_filter, exit, is_broken_pipe};
use crate::files::{self, AtomicFile};
use crate::output::parquet::{self, CaptureTables};
use crate::output::stats::{Stats, StatsReport};
use crate::output::{progress, records::RecordPrinter, report, time::Clock};
use crate::session::{Session, SessionEvent};
use crate::stream::StreamConfig;
use crate::tui;

/// Messages decoded ahead of the work done with them. Decoding and the analysis (or the
/// printing) together are more code than the processor's instruction cache holds: run by
/// turns over a few messages, each keeps its code cached while it runs. Seven, because
/// glibc keeps seven freed blocks of each size at hand per thread: with more messages
/// waiting, freeing them takes its slow path (measured in docs/analysis.md).
const DECODE_AHEAD: usize = 7;

/// With --parquet, events read between two writes of the analysis' outcomes (pairs,
/// flow-table events): few enough that the lists stay short, many enough that walking
/// every switch's table for its events costs nothing per message.
const DRAIN_EVERY: usize = 4096;

pub fn run<'a>(args: &'a PcapArgs) -> Result<ExitCode> {
    if args.inputs().any(|path| is_stdin(path)) {
        refuse_what_stdin_cannot_do(args)?;
    }
    if args.jobs.get() > 1 && (args.prints_messages() || args.view.count.is_some()) {
        anyhow::bail!(
            "-j reads files in parallel for the reports (--stats, --flows, --latency, --findings), --parquet and -q -w; a message listing or -c needs one job"
        );
    }
    if args.reports() && args.view.format.report().is_none() {
        anyhow::bail!(
            "-T fields prints messages; --stats, --flows, --latency and --findings take -T text, json or jsonl"
        );
    }
    if let Some(output) = &args.write {
        files::refuse_input_as_output(output, args.inputs().map(PathBuf::as_path))?;
    }
    if let Some(dir) = &args.parquet {
        parquet::prepare(dir)?;
    }
    if args.parquet.is_none() && tui::suits(args) {
        return tui::run_pcap(args);
    }
    let filter = display_filter(args.view.filter.as_deref())?;
    let config =
        StreamConfig::with_ports(&args.view.ports).with_vxlan_ports(&args.view.vxlan_ports);
    // Several files are read as the one capture mergecap would make of them: relative
    // times count from its first frame, the earliest first frame of them all.
    let origin_ns = args
        .inputs()
        .filter_map(|p| FileSource::first_frame_ns(p))
        .min();
    let stdout = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut printer = Printer::new(args, stdout, filter, origin_ns)?;
    let mut failed = false;
    // Per file read, the frames of its selected messages (for -w).
    let mut selected_frames = Vec::new();
    let mut settle = |path: &'a PathBuf, outcome: Result<FileOutcome>, keep| match outcome {
        Ok(_) => {
            selected_frames.push((path.as_path(), keep));
            true
        }
        Err(err) if is_broken_pipe(&err) => false,
        Err(err) => {
            super::print_error(&err);
            failed = true;
            true
        }
    };
    if args.jobs.get() > 1 {
        let runs = read_in_parallel(args, &config, origin_ns)?;
        for (path, run) in args.inputs().zip(runs) {
            match printer.out.write_all(&run.output) {
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                    return Ok(ExitCode::SUCCESS)
                }
                other => other?,
            }
            printer.damaged |= run.damaged;
            if !settle(path, run.outcome, run.keep) {
                return Ok(ExitCode::SUCCESS);
            }
        }
    } else {
        for (index, path) in args.inputs().enumerate() {
            let mut keep = BTreeSet::new();
            let outcome = printer.file(index, path, &config, &mut keep);
            let count_reached = matches!(outcome, Ok(FileOutcome::CountReached));
            if !settle(path, outcome, keep) {
                return Ok(ExitCode::SUCCESS);
            }
            if count_reached {
                break;
            }
        }
    }
    if args.prints_messages() {
        match printer.records.finish(&mut printer.out) {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            other => other?,
        }
    }
    if let Some(output) = &args.write {
        if let Err(err) = write_frames(&selected_frames, output) {
            super::print_error(&err);
            failed = true;
        }
    }
    match printer.out.flush() {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    // A cut or corrupt capture exits 2 after everything before the damage was printed,
    // as tshark does: a script must not take a partial answer for the whole one.
    Ok(if failed || printer.damaged {
        ExitCode::from(exit::BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    })
}

/// Standard input is read once, as it comes: it cannot be merged with files by time (the
/// merge needs every input's first frame before printing) nor read again for `-w`.
fn refuse_what_stdin_cannot_do(args: &PcapArgs) -> Result<()> {
    if args.inputs().count() > 1 {
        anyhow::bail!(
            "standard input (-) must be the only capture; give the others as files, or merge them first (mergecap -w - A B | ofscope pcap -)"
        );
    }
    if args.write.is_some() {
        anyhow::bail!(
            "-w cannot copy frames from standard input (it reads its input twice); save the capture to a file first"
        );
    }
    Ok(())
}

/// What one file's run left for the merge of `-j`: its reports, in order.
struct FileRun {
    output: Vec<u8>,
    outcome: Result<FileOutcome>,
    keep: BTreeSet<u64>,
    damaged: bool,
}

/// `-j N`: the files are read by N threads, each file by one, as a whole; each file's
/// reports are kept until the files before it are printed, so the output is that of one
/// job. Only reports are printed this way (a per-message listing would hold every message).
fn read_in_parallel(
    args: &PcapArgs,
    config: &StreamConfig,
    origin_ns: Option<u64>,
) -> Result<Vec<FileRun>> {
    let paths: Vec<&PathBuf> = args.inputs().collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let runs = std::sync::Mutex::new(Vec::with_capacity(paths.len()));
    std::thread::scope(|scope| -> Result<()> {
        let mut workers = Vec::new();
        for _ in 0..args.jobs.get().min(paths.len()) {
            let filter = display_filter(args.view.filter.as_deref())?;
            let mut printer = Printer::new(args, Vec::new(), filter, origin_ns)?;
            let (next, runs, paths) = (&next, &runs, &paths);
            workers.push(scope.spawn(move || loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = paths.get(index) else {
                    break;
                };
                let mut keep = BTreeSet::new();
                printer.damaged = false;
                let outcome = printer.file(index, path, config, &mut keep);
                let run = FileRun {
                    output: std::mem::take(&mut printer.out),
                    outcome,
                    keep,
                    damaged: printer.damaged,
                };
                if let Ok(mut runs) = runs.lock() {
                    runs.push((index, run));
                }
            }));
        }
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a -j worker failed"))?;
        }
        Ok(())
    })?;
    let mut runs = runs
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a -j worker failed"))?;
    runs.sort_by_key(|(index, _)| *index);
    Ok(runs.into_iter().map(|(_, run)| run).collect())
}

enum FileOutcome {
    Done,
    CountReached,
}

struct Printer<'a, W: Write> {
    out: W,
    args: &'a PcapArgs,
    records: RecordPrinter,
    /// The time column, over all files.
    clock: Clock,
    /// The first frame of the (merged) capture, which `--at 12.5` counts from.
    origin_ns: Option<u64>,
    /// Messages shown so far, over all files (for `-c`).
    shown: u64,
    /// A file was cut short or corrupt: what it held before was read, and the exit says so.
    damaged: bool,
    /// With --parquet: each input's file name in DIR's table folders, by input order.
    parquet_names: Vec<String>,
}

impl<'a, W: Write> Printer<'a, W> {
    fn new(
        args: &'a PcapArgs,
        out: W,
        filter: Option<crate::filter::Filter>,
        origin_ns: Option<u64>,
    ) -> Result<Self> {
        let mut records = RecordPrinter::for_view(&args.view, filter)?;
        records.origin_ns = origin_ns;
        Ok(Printer {
            out,
            args,
            records,
            clock: Clock::new(args.view.time, origin_ns),
            origin_ns,
            shown: 0,
            damaged: false,
            parquet_names: match args.parquet {
                Some(_) => parquet::capture_names(args.inputs()),
                None => Vec::new(),
            },
        })
    }

    /// The reports the flags ask for, in the format asked for.
    /// `stats` is there when --stats asked for it.
    fn reports(&mut self, stats: Option<&Stats>, a: &Analyzer, path: &Path) -> io::Result<()> {
        let (args, out) = (self.args, &mut self.out);
        // -T fields with a report is refused before the run.
        let format = args
            .view
            .format
            .report()
            .unwrap_or(crate::cli::Format::Text);
        if let Some(stats) = stats {
            let counts = stats.counts(path);
            let analysis = a.stats_analysis();
            report::write(out, format, &StatsReport { counts, analysis })?;
        }
        if args.flows {
            report::write(out, format, &a.flows_report())?;
        }
        if args.latency {
            report::write(out, format, &a.latency_report())?;
        }
        if args.findings {
            report::write(out, format, &a.findings_report())?;
        }
        Ok(())
    }

    /// Standard input has no first frame known in advance: once it is read, relative times
    /// count from it, in the time column, the records' times and the analysis.
    #[cold]
    fn learn_origin(&mut self, first_frame_ns: Option<u64>, analyzer: Option<&mut Analyzer>) {
        let Some(origin) = first_frame_ns else {
            return;
        };
        self.origin_ns = Some(origin);
        self.records.origin_ns = Some(origin);
        self.clock = Clock::new(self.args.view.time, Some(origin));
        if let Some(analyzer) = analyzer {
            analyzer.set_origin(origin);
        }
    }

    /// Reads one file, the `index`th input; `keep_frames` gets the frame numbers of its
    /// selected messages (a second pass copies them for -w).
    fn file(
        &mut self,
        index: usize,
        path: &Path,
        config: &StreamConfig,
        keep_frames: &mut BTreeSet<u64>,
    ) -> Result<FileOutcome> {
        let mut session = Session::open(path, config.clone())?;
        // Counted only for the report that shows them: -q and --parquet alone skip it.
        let mut stats = self.args.stats.then(Stats::default);
        let mut outcome = FileOutcome::Done;
        let args = self.args;
        let mut tables = match (&args.parquet, self.parquet_names.get(index)) {
            (Some(dir), Some(name)) => Some(CaptureTables::create(dir, name, path)?),
            _ => None,
        };
        let mut analyzer = args.analyses().then(|| {
            Analyzer::new(analysis::Config {
                pair_window_ns: args.pair_window,
                at: args.at,
                origin_ns: self.origin_ns,
                keep_decisions: tables.is_some(),
                ..analysis::Config::default()
            })
        });
        // Events since the analysis' outcomes were last written to the tables.
        let mut undrained = 0;
        let per_message = args.prints_messages();
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
            if self.origin_ns.is_none() {
                self.learn_origin(session.source().first_frame_read_ns(), analyzer.as_mut());
            }
            for event in &decoded {
                let event = match event {
                    Ok(event) => event,
                    Err(err) if err.is_truncation() => {
                        eprintln!("ofscope: warning: {err}");
                        self.damaged = true;
                        continue;
                    }
                    Err(err) => {
                        eprintln!("ofscope: warning: {err}; stopping this file there");
                        self.damaged = true;
                        continue;
                    }
                };
                if let Some(stats) = stats.as_mut() {
                    stats.observe(event);
                }
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
                if let Some(tables) = tables.as_mut() {
                    tables.message(record)?;
                }
                if per_message {
                    self.records.print(&mut self.out, record, &mut self.clock)?;
                }
                if self.args.write.is_some() {
                    keep_frames.extend(record.frames.iter().copied());
                }
                self.shown += 1;
                if self.args.view.count.is_some_and(|n| self.shown >= n) {
                    outcome = FileOutcome::CountReached;
                    break;
                }
            }
            let events = decoded.len();
            if matches!(outcome, FileOutcome::CountReached) {
                break 'file;
            }
            if let (Some(tables), Some(a)) = (tables.as_mut(), analyzer.as_mut()) {
                undrained += events;
                if undrained >= DRAIN_EVERY {
                    tables.analysis(a)?;
                    undrained = 0;
                }
            }
            decoded.clear();
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        if let Some(a) = analyzer.as_mut() {
            if let Some(refused) = session.tracker().refused() {
                let rule = TableFull {
                    table: "OpenFlow connection (stream)",
                    bound: refused.bound,
                };
                a.table_full_elsewhere(rule, refused.frame, refused.ts_ns);
            }
            a.finish();
            if let Some(stats) = stats.as_mut() {
                stats.finish(session.tracker());
            }
            self.reports(stats.as_ref(), a, path)?;
            if let Some(tables) = tables {
                tables.finish(a)?;
            }
        }
        if session.tracker().counters().messages == 0 {
            eprintln!(
                "ofscope: no OpenFlow messages found in {}; {}",
                Echo::path(path),
                session.tracker().why_no_messages()
            );
        }
        Ok(outcome)
    }
}

/// Second pass for `-w`: copies the frames that carried the selected messages, merging
/// several files in time order as mergecap does (on equal times, the earlier file first).
pub(crate) fn write_frames(inputs: &[(&Path, BTreeSet<u64>)], output: &Path) -> Result<()> {
    let mut sources = Vec::with_capacity(inputs.len());
    for (path, keep) in inputs {
        sources.push(KeptFrames::open(path, keep)?);
    }
    // One pcap file holds one link type: refuse before writing anything.
    let linktypes: Vec<(&Path, LinkType)> = sources
        .iter()
        .filter_map(|s| Some((s.path, s.linktype?)))
        .collect();
    let first = linktypes.first().copied();
    if let (Some((first_path, first_type)), Some((other_path, other_type))) = (
        first,
        linktypes
            .iter()
            .find(|(_, l)| first.is_some_and(|(_, f)| f != *l)),
    ) {
        anyhow::bail!(
            "cannot write {}: {} has link type {first_type} and {} {other_type}, and one pcap file holds one link type; write each input to its own file",
            Echo::path(output),
            Echo::path(first_path),
            Echo::path(other_path)
        );
    }
    let nanos = sources.iter().any(|s| s.source.nanosecond());
    let file = AtomicFile::create(output).with_context(|| {
        format!(
            "cannot create {}; check the directory and permissions",
            Echo::path(output)
        )
    })?;
    // The header needs a link type: the capture's first frame tells it (a capture with no
    // frame at all gets no header).
    let Some((_, linktype)) = first else {
        return Ok(file.commit()?);
    };
    let mut writer = PcapWriter::new(BufWriter::new(file), linktype, nanos, 262_144)?;
    while let Some(next) = sources
        .iter_mut()
        .filter(|s| s.head.is_some())
        .min_by_key(|s| s.head.as_ref().map(|f| f.ts_ns))
    {
        if let Some(frame) = &next.head {
            writer.write_frame(&frame.raw()).with_context(|| {
                format!(
                    "cannot write {} from {}",
                    Echo::path(output),
                    Echo::path(next.path)
                )
            })?;
        }
        next.advance();
    }
    let file = writer
        .into_inner()?
        .into_inner()
        .map_err(|e| e.into_error())?;
    file.commit()
        .with_context(|| format!("cannot write {}", Echo::path(output)))
}

/// One input of `-w`: its frames to copy, read one ahead so the earliest can go first.
struct KeptFrames<'a> {
    path: &'a Path,
    source: FileSource,
    keep: &'a BTreeSet<u64>,
    /// The link type of the file's first frame.
    linktype: Option<LinkType>,
    /// The next frame to copy; `None` at the end.
    head: Option<OwnedFrame>,
}

impl<'a> KeptFrames<'a> {
    fn open(path: &'a Path, keep: &'a BTreeSet<u64>) -> Result<Self> {
        let mut kept = KeptFrames {
            path,
            source: FileSource::open(path)?,
            keep,
            linktype: None,
            head: None,
        };
        kept.advance();
        Ok(kept)
    }

    /// Reads on to the next frame to copy. A file cut short ends there: the first pass
    /// has said so already.
    fn advance(&mut self) {
        self.head = None;
        while let Some(Ok(frame)) = self.source.next_frame() {
            self.linktype.get_or_insert(frame.linktype);
            if self.keep.contains(&frame.number) {
                self.head = Some(OwnedFrame::of(&frame));
                break;
            }
        }
    }
}
