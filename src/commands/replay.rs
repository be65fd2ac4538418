//! `ofscope replay`: act as the controller on a recorded session, print the decisions, and
//! check them against a golden file or against the recorded controller.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::exit;
use crate::capture::{CaptureError, FileSource, FrameSource};
use crate::cli::{Format, ReplayArgs};
use crate::control;
use crate::files::{self, AtomicFile};
use crate::output::report;
use crate::replay::compare::{self, Style};
use crate::replay::golden::{self, Golden};
use crate::replay::run::{Mode, Reaction, Runner, TapFrame};
use crate::replay::spec::app_names;
use crate::replay::target::recorded::Recording;
use crate::replay::target::{self, player, Options};
use crate::replay::{AppSpec, Decision, Summary};
use crate::session::{Session, SessionEvent};
use crate::stream::{StreamConfig, StreamEvent};
use crate::switch::Target;
use ofscope_dissectors::openflow::Body;
use ofscope_dissectors::printable::Echo;

/// What the run is for.
enum Goal {
    Print,
    Update(PathBuf),
    Assert(PathBuf, Golden),
    AgainstRecording,
}

pub fn run(args: &ReplayArgs) -> Result<ExitCode> {
    let golden = match (&args.assert, &args.update) {
        (Some(path), _) => Some((path.clone(), read_golden(path)?)),
        (None, Some(path)) if args.capture.is_none() && path.exists() => {
            Some((path.clone(), read_golden(path)?))
        }
        _ => None,
    };
    let golden_dir = |path: &Path| path.parent().map_or(PathBuf::new(), Path::to_path_buf);
    let capture = match (&args.capture, &golden) {
        (Some(c), _) => c.clone(),
        (None, Some((path, g))) => golden_dir(path).join(&g.capture),
        (None, None) => bail!(
            "give a capture to replay (ofscope replay CAPTURE --app ...), or a golden file with --assert GOLDEN"
        ),
    };
    let closed_loop = args.closed_loop || golden.as_ref().is_some_and(|(_, g)| g.closed_loop);
    let target = match &golden {
        Some((_, g)) if args.into.is_none() && args.apps.is_empty() => g.target.clone(),
        _ => args.into.clone(),
    };
    if let Some(target) = target {
        let goal = goal(args, golden);
        return run_into(args, &capture, target, goal, closed_loop);
    }
    if args.lockstep || args.speed.is_some() || args.timeout.is_some() {
        bail!("--speed, --lockstep and --timeout pace a live controller: give --into tcp:HOST:PORT (or --assert a golden that names one)");
    }
    let apps: Vec<AppSpec> = match &golden {
        Some((path, g)) if args.apps.is_empty() => {
            let dir = golden_dir(path);
            g.app_specs()
                .with_context(|| format!("{}", Echo::path(path)))?
                .into_iter()
                .map(|a| match a.tap_input() {
                    Some(tap) => a.with_tap_input(&dir.join(tap).to_string_lossy()),
                    None => a,
                })
                .collect()
        }
        _ => parse_apps(&args.apps)?
            .into_iter()
            .map(|a| with_recorded_tap(a, &capture))
            .collect(),
    };
    let mode = if closed_loop {
        Mode::ClosedLoop
    } else {
        Mode::OpenLoop
    };
    let goal = goal(args, golden);

    if let Goal::Update(path) = &goal {
        let tap_inputs = apps.iter().filter_map(AppSpec::tap_input).map(Path::new);
        files::refuse_input_as_output(path, tap_inputs.chain([capture.as_path()]))?;
    }
    let tap = TapFrames::open(apps.iter().filter_map(AppSpec::tap_input).map(Path::new))?;

    let config = StreamConfig::with_ports(&args.ports);
    let mut session = Session::open(&capture, config)?;
    let mut runner = Runner::new(&apps, mode, tap);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut decisions = Vec::new();
    let mut records = Vec::new();
    let mut write_error = None;
    // `-q` alone only counts: its decisions are never rendered.
    let mut sink = |r: Reaction| match goal {
        Goal::Print if !args.quiet => {
            if write_error.is_none() {
                if let Err(e) = report::write(&mut out, args.format, &r.decision()) {
                    write_error = Some(e);
                }
            }
        }
        Goal::Print => {}
        _ => decisions.push(r.decision()),
    };
    // The switches' messages of another OpenFlow version: (first frame, count).
    let mut other_version: Option<(u64, u64)> = None;
    for event in session.by_ref() {
        match event {
            Ok(SessionEvent::Record(record)) => {
                if record.from_switch() && matches!(record.message.body, Body::OtherVersion(_)) {
                    other_version.get_or_insert((record.frame(), 0)).1 += 1;
                }
                runner.push(&record, &mut sink);
                if matches!(goal, Goal::AgainstRecording) {
                    records.push(record);
                }
            }
            Ok(SessionEvent::Stream(StreamEvent::ConnClosed { conn, .. })) => runner.close(conn.0),
            Ok(SessionEvent::Stream(_)) => {}
            // The records before the damage are still worth replaying.
            Err(err) => eprintln!("ofscope: warning: {err}"),
        }
    }
    runner.finish(&mut sink);
    if let Some((frame, count)) = other_version {
        eprintln!(
            "ofscope: warning: the switches sent {count} messages of another OpenFlow version than 1.0 (the first is frame {frame}); the apps speak OpenFlow 1.0 and were not given them"
        );
    }
    if let Some((path, frame)) = runner.tap().unordered.take() {
        eprintln!(
            "ofscope: warning: tap-input {} is not in time order (frame {frame} is earlier than the one before it); its frames were replayed in file order",
            Echo::path(&path)
        );
    }
    if let Some((path, frame, count)) = runner.tap().empty.take() {
        eprintln!(
            "ofscope: warning: tap-input {} has {count} records of no bytes (the first is frame {frame}); they were skipped",
            Echo::path(&path)
        );
    }
    match runner.tap().error.take() {
        Some(err) if err.is_truncation() => eprintln!("ofscope: warning: tap-input: {err}"),
        Some(err) => return Err(anyhow::Error::from(err).context("tap-input")),
        None => {}
    }
    if runner.recorded_flow_adds() > 0 {
        eprintln!(
            "ofscope: warning: --closed-loop: the recorded controller installed {} flows; the data-plane frames that matched them never reached it, so they are not in the capture and closed loop cannot show what the apps would do with them",
            runner.recorded_flow_adds()
        );
    }
    if let Some(err) = write_error {
        return broken_pipe_is_fine(err);
    }
    let summary = runner.summary();

    let code = match goal {
        Goal::Print => print_summary(&mut out, args.format, &summary)?,
        Goal::Update(path) => {
            let decider = Decider::Apps(apps_relative_to(&apps, &path)?);
            let golden = new_golden(&capture, &path, decider, closed_loop, summary, decisions)?;
            write_golden(&mut out, &path, &golden)?
        }
        Goal::Assert(path, golden) => assert_golden(
            &mut out,
            &path,
            &golden.decisions,
            &decisions,
            &golden.summary,
            &summary,
        )?,
        Goal::AgainstRecording => {
            let replayed = compare::messages_only(&decisions);
            let recorded = compare::recorded_decisions(&records, &replayed);
            against_recording(&mut out, &recorded, &replayed, &summary)?
        }
    };
    match out.flush() {
        Ok(()) => Ok(code),
        Err(e) => broken_pipe_is_fine(e),
    }
}

/// `--timeout`'s default: long enough for a busy controller, short enough for a test.
const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

fn goal(args: &ReplayArgs, golden: Option<(PathBuf, Golden)>) -> Goal {
    match (&args.update, &args.assert, golden) {
        (Some(path), _, _) => Goal::Update(path.clone()),
        (_, Some(_), Some((path, g))) => Goal::Assert(path, g),
        _ if args.against_recording => Goal::AgainstRecording,
        _ => Goal::Print,
    }
}

/// `replay --into`: the recording played to a live controller, its decisions reported as
/// the apps' are. A fault of the controller ends the run with what was compared so far
/// and exit 2.
fn run_into(
    args: &ReplayArgs,
    capture: &Path,
    target: String,
    goal: Goal,
    closed_loop: bool,
) -> Result<ExitCode> {
    let controller = Target::parse(&target).map_err(anyhow::Error::msg)?;
    if let Goal::Update(path) = &goal {
        files::refuse_input_as_output(path, [capture])?;
    }
    let mut recording = Recording::default();
    let session = Session::open(capture, StreamConfig::with_ports(&args.ports))?;
    for event in session {
        match event {
            Ok(SessionEvent::Record(record)) => recording.push(record),
            Ok(SessionEvent::Stream(_)) => {}
            Err(err) => eprintln!("ofscope: warning: {err}"),
        }
    }
    let script = recording.into_script();
    for (conn, triggers) in &script.headless {
        eprintln!(
            "ofscope: warning: connection {conn} of the capture sent {triggers} messages to its controller but no FEATURES_REPLY (the capture began after its handshake): without its datapath id and ports its switch cannot be played, and they are not sent"
        );
    }
    if script.switches.is_empty() {
        bail!(
            "{}: no switch to play: the capture holds no FEATURES_REPLY (record the connection from its start)",
            Echo::path(capture)
        );
    }
    let options = Options {
        target: controller,
        speed: args.speed.unwrap_or(1.0),
        lockstep: args.lockstep,
        closed_loop,
        timeout: Duration::from_secs_f64(args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS)),
    };
    let outcome = player::play(&script, &options);
    if outcome.unsendable > 0 {
        eprintln!(
            "ofscope: warning: {} messages of the recording were cut short by the capture (snaplen) and were not sent",
            outcome.unsendable
        );
    }
    let summary = outcome.summary;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    // A stopped run is compared on the triggers it sent.
    let sent_only = |expected: &[Decision], actual: &[Decision]| match &outcome.fault {
        Some(_) => target::sent_only(expected, actual),
        None => expected.to_vec(),
    };
    let code = match goal {
        Goal::Print => {
            let decisions = outcome.decisions(&compare::recorded_decisions(&script.records, &[]));
            if !args.quiet {
                for decision in &decisions {
                    report::write(&mut out, args.format, decision)?;
                }
            }
            print_summary(&mut out, args.format, &summary)?
        }
        Goal::Update(path) if outcome.fault.is_none() => {
            let decisions = outcome.decisions(&compare::recorded_decisions(&script.records, &[]));
            let decider = Decider::Target(target.clone());
            let golden = new_golden(capture, &path, decider, closed_loop, summary, decisions)?;
            write_golden(&mut out, &path, &golden)?
        }
        Goal::Update(path) => {
            writeln!(out, "{} was not written", Echo::path(&path))?;
            ExitCode::SUCCESS
        }
        Goal::Assert(path, golden) => {
            let decisions = outcome.decisions(&golden.decisions);
            let expected = sent_only(&golden.decisions, &decisions);
            assert_golden(
                &mut out,
                &path,
                &expected,
                &decisions,
                &golden.summary,
                &summary,
            )?
        }
        Goal::AgainstRecording => {
            let live = outcome.decisions(&compare::recorded_decisions(&script.records, &[]));
            let recorded = compare::recorded_decisions(&script.records, &live);
            against_recording(&mut out, &sent_only(&recorded, &live), &live, &summary)?
        }
    };
    match out.flush() {
        Ok(()) => {}
        Err(e) => return broken_pipe_is_fine(e),
    }
    match &outcome.fault {
        Some(fault) => {
            let sent = outcome.records.iter().filter(|r| r.from_switch()).count();
            let all = script.triggers.len() + script.switches.len();
            eprintln!(
                "ofscope: replay --into {} stopped after sending {sent} of the recording's {all} messages: {fault}",
                options.target
            );
            Ok(ExitCode::from(exit::BAD_INPUT))
        }
        None => Ok(code),
    }
}

fn print_summary(out: &mut impl Write, format: Format, summary: &Summary) -> Result<ExitCode> {
    if format == Format::Text {
        writeln!(out, "replay: {summary}")?;
    } else {
        eprintln!("replay: {summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Who decided, as a golden names it.
enum Decider {
    Apps(Vec<String>),
    /// `replay --into`'s controller.
    Target(String),
}

fn new_golden(
    capture: &Path,
    path: &Path,
    decider: Decider,
    closed_loop: bool,
    summary: Summary,
    decisions: Vec<Decision>,
) -> Result<Golden> {
    let (apps, target) = match decider {
        Decider::Apps(apps) => (apps, None),
        Decider::Target(target) => (Vec::new(), Some(target)),
    };
    Ok(Golden {
        ofscope_golden: golden::VERSION,
        capture: relative_to(capture, path)?,
        apps,
        target,
        closed_loop,
        summary,
        decisions,
    })
}

fn write_golden(out: &mut impl Write, path: &Path, golden: &Golden) -> Result<ExitCode> {
    let write = || -> std::io::Result<()> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(golden.to_text().as_bytes())?;
        file.commit()
    };
    write().with_context(|| format!("cannot write {}", Echo::path(path)))?;
    writeln!(
        out,
        "wrote {}: {} decisions; {}",
        Echo::path(path),
        golden.decisions.len(),
        golden.summary
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Equal: a line and exit 0; different: the mismatch report and exit 1.
fn assert_golden(
    out: &mut impl Write,
    path: &Path,
    expected: &[Decision],
    decisions: &[Decision],
    golden_summary: &Summary,
    summary: &Summary,
) -> Result<ExitCode> {
    let d = compare::diff(expected, decisions);
    if d.is_empty() {
        writeln!(
            out,
            "{}: all {} decisions match; {summary}",
            Echo::path(path),
            decisions.len()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Style {
        color: std::io::stdout().is_terminal(),
        expected: "golden",
        actual: "replay",
        ..Style::default()
    };
    writeln!(
        out,
        "{}: replay differs from the golden file",
        Echo::path(path)
    )?;
    out.write_all(compare::report(&d, expected, decisions, &style).as_bytes())?;
    writeln!(out, "golden: {golden_summary}\nreplay: {summary}")?;
    Ok(ExitCode::from(exit::ASSERTION_FAILED))
}

/// The agreement with the recorded controller, and the first differences.
fn against_recording(
    out: &mut impl Write,
    recorded: &[Decision],
    replayed: &[Decision],
    summary: &Summary,
) -> Result<ExitCode> {
    let d = compare::diff(recorded, replayed);
    writeln!(
        out,
        "agreement with the recorded controller: {:.2}% ({} of {} decisions)",
        d.agreement(),
        d.total - d.differences.len(),
        d.total
    )?;
    if !d.is_empty() {
        let style = Style {
            color: std::io::stdout().is_terminal(),
            expected: "recording",
            actual: "replay",
            ..Style::default()
        };
        out.write_all(compare::report(&d, recorded, replayed, &style).as_bytes())?;
    }
    writeln!(out, "replay: {summary}")?;
    Ok(ExitCode::SUCCESS)
}

/// `| head` closing the pipe ends the output, not with an error.
fn broken_pipe_is_fine(err: std::io::Error) -> Result<ExitCode> {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(err.into())
    }
}

/// A tunnel on a TAP device (`tap=NAME`, as `control` ran it) takes its input from the
/// frames `control -w` recorded from that TAP beside the capture.
fn with_recorded_tap(app: AppSpec, capture: &Path) -> AppSpec {
    if app.tap_device().is_none() || app.tap_input().is_some() {
        return app;
    }
    let recorded = control::tap_recording(capture);
    if recorded.exists() {
        app.with_tap_input(&recorded.to_string_lossy())
    } else {
        eprintln!(
            "ofscope: warning: {app}: no TAP frames recorded beside the capture ({} is absent); replaying without TAP input",
            Echo::path(&recorded)
        );
        app
    }
}

pub(crate) fn parse_apps(apps: &[String]) -> Result<Vec<AppSpec>> {
    if apps.is_empty() {
        bail!(
            "give at least one --app, e.g. --app learning:variant=pox; valid apps: {}",
            app_names()
        );
    }
    apps.iter()
        .map(|a| {
            a.parse()
                .with_context(|| format!("--app {}", Echo::text(a)))
        })
        .collect()
}

/// Goldens are read whole: 32 MiB is hundreds of thousands of decisions, far more than a
/// recording meant for a test, and bounds what a wrong file (`/dev/zero`) costs.
const MAX_GOLDEN_BYTES: u64 = 32 << 20;

fn read_golden(path: &Path) -> Result<Golden> {
    let bytes = files::read_bounded(path, MAX_GOLDEN_BYTES, "golden file")?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{}: a golden file is UTF-8 JSON", Echo::path(path)))?;
    Golden::parse(&text).with_context(|| format!("{}: malformed golden file", Echo::path(path)))
}

/// The frames of the tunnel's `tap-input` captures, read as they are needed: each capture
/// one frame ahead, the earliest first (as mergecap merges files, each in its own order).
/// A capture error ends that capture's frames and is kept for the end of the run.
struct TapFrames {
    inputs: Vec<(FileSource, Option<TapFrame>)>,
    error: Option<CaptureError>,
    /// The first frame found earlier than the one before it in its capture (path, frame):
    /// it was taken in file order, where a sort would have moved it.
    unordered: Option<(PathBuf, u64)>,
    /// Records of no bytes, which no TAP could have given: skipped, and counted with the
    /// first one (path, frame). A gzip bomb of them would otherwise be replayed one by one.
    empty: Option<(PathBuf, u64, u64)>,
}

impl TapFrames {
    fn open<'a>(paths: impl Iterator<Item = &'a Path>) -> Result<TapFrames> {
        let mut tap = TapFrames {
            inputs: Vec::new(),
            error: None,
            unordered: None,
            empty: None,
        };
        for path in paths {
            let source = FileSource::open(path).context("tap-input")?;
            tap.inputs.push((source, None));
            let last = tap.inputs.len() - 1;
            tap.advance(last);
        }
        Ok(tap)
    }

    fn advance(&mut self, input: usize) {
        let Some((source, head)) = self.inputs.get_mut(input) else {
            return;
        };
        *head = loop {
            let frame = match source.next_frame() {
                Some(Ok(frame)) if frame.data.is_empty() => Err(frame.number),
                Some(Ok(frame)) => Ok(TapFrame {
                    number: frame.number,
                    ts_ns: frame.ts_ns,
                    data: frame.data.to_vec(),
                }),
                Some(Err(err)) => {
                    self.error.get_or_insert(err);
                    break None;
                }
                None => break None,
            };
            match frame {
                Ok(frame) => break Some(frame),
                Err(number) => {
                    let path = source.path();
                    self.empty
                        .get_or_insert_with(|| (path.to_path_buf(), number, 0))
                        .2 += 1;
                }
            }
        };
    }
}

impl Iterator for TapFrames {
    type Item = TapFrame;

    fn next(&mut self) -> Option<TapFrame> {
        // The earliest head; on a tie, the input given first.
        let (_, earliest) = self
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, (_, head))| Some((head.as_ref()?.ts_ns, i)))
            .min()?;
        let frame = self.inputs.get_mut(earliest)?.1.take();
        self.advance(earliest);
        if let (Some((source, Some(next))), Some(taken)) = (self.inputs.get(earliest), &frame) {
            if next.ts_ns < taken.ts_ns && self.unordered.is_none() {
                self.unordered = Some((source.path().to_path_buf(), next.number));
            }
        }
        frame
    }
}

/// `target` as a path relative to the directory of `golden`, with `/` separators, so the
/// golden file names its inputs wherever the repository is checked out.
fn relative_to(target: &Path, golden: &Path) -> Result<String> {
    let target = target
        .canonicalize()
        .with_context(|| format!("cannot find {}", Echo::path(target)))?;
    let dir = golden
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot find the directory of {}", Echo::path(golden)))?;
    let (t, d): (Vec<Component>, Vec<Component>) =
        (target.components().collect(), dir.components().collect());
    let common = t.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); d.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

fn apps_relative_to(apps: &[AppSpec], golden: &Path) -> Result<Vec<String>> {
    apps.iter()
        .map(|a| match a.tap_input() {
            Some(tap) => Ok(a
                .with_tap_input(&relative_to(Path::new(tap), golden)?)
                .to_string()),
            None => Ok(a.to_string()),
        })
        .collect()
}
