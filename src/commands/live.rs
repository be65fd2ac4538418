//! `ofscope live`: capture from an interface and show the OpenFlow messages as they come.
//!
//! The live source's reader thread takes the frames off libpcap and queues them; a
//! session thread decodes them (reassembly, decode) and hands the events to this thread,
//! which prints them. Output is flushed whenever no event is waiting, so a
//! reader of the pipe sees each message at once without a write per message under load.
//! On a terminal the viewer shows them instead, following the newest, fed in batches by a
//! thread of its own.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ofscope_dissectors::printable::Echo;

use crate::capture::live::{self, LiveConfig, LiveCounters, LiveSource, LiveStats, Stopper};
use crate::capture::CaptureError;
use crate::cli::{LiveArgs, MessageFormat, ViewArgs};
use crate::commands::display_filter;
use crate::output::records::RecordPrinter;
use crate::output::time::Clock;
use crate::session::{Session, SessionEvent};
use crate::stream::StreamConfig;
use crate::tui::{self, Feed};

/// Events in flight between the session thread and the printer; the session thread
/// waits (and the live source's queue absorbs the burst) when printing falls behind.
const CHANNEL_EVENTS: usize = 16_384;
/// How often the printer looks at the clock while idle.
const TICK: Duration = Duration::from_millis(100);
/// The viewer gets a batch of events when it is this big or this old, whichever comes
/// first: fresh enough to look instant, few enough to cost nothing under load.
const BATCH_EVENTS: usize = 4096;
const BATCH_AGE: Duration = Duration::from_millis(50);
/// How often the viewer's status bar gets the drop counters.
const STATUS_EVERY: Duration = Duration::from_millis(500);
/// Batches in flight to the viewer.
const FEED_BATCHES: usize = 16;

pub fn run(args: &LiveArgs) -> Result<ExitCode> {
    if args.list {
        list_devices()?;
        return Ok(ExitCode::SUCCESS);
    }
    let duration = args.duration.map(Duration::from_secs_f64);
    let filter = display_filter(args.view.filter.as_deref())?;
    let config = LiveConfig {
        device: match &args.interface {
            Some(device) => device.clone(),
            None => live::default_device()?,
        },
        filter: capture_filter(args),
        snaplen: args.snaplen,
        promisc: args.promisc,
        buffer_bytes: args.buffer_mib.saturating_mul(1 << 20),
        queue_bytes: usize::try_from(args.queue_mib)?.saturating_mul(1 << 20),
        // As tcpdump does: a person watching sees each message at once; a pipe or a file
        // gets blocks of frames, which the kernel buffers far more of.
        immediate: args.immediate_mode || io::stdout().is_terminal(),
        save: args.write.clone(),
    };
    let source = LiveSource::open(&config)?;
    let deadline = duration.map(|d| Instant::now() + d);
    stop_on_signal(source.stopper())?;
    // On stderr, like tcpdump's "listening on": scripts wait for it before making traffic.
    eprintln!(
        "ofscope: capturing on {}, link-type {}, filter '{}'{}; Ctrl-C to stop",
        Echo::text(&config.device),
        source.linktype(),
        Echo::text(&config.filter),
        match &config.save {
            Some(path) => format!(", saving to {}", Echo::path(path)),
            None => String::new(),
        }
    );
    let counters = source.counters();
    let watch = Watch {
        view: &args.view,
        filter,
        title: format!("live {}", Echo::text(&config.device)),
        viewer: tui::wanted(&args.view),
        deadline,
    };
    let (shown, (messages, error)) = watch.run(
        source,
        StreamConfig::with_ports(&args.view.ports).with_vxlan_ports(&args.view.vxlan_ports),
    )?;
    eprintln!(
        "ofscope: {}",
        summary(&counters.snapshot(), messages, shown)
    );
    if let Some(path) = &config.save {
        if error.is_none() {
            eprintln!(
                "ofscope: saved every captured frame to {}",
                Echo::path(path)
            );
        }
    }
    match error {
        Some(err) => Err(capture_failed(err)),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Ctrl-C (SIGINT) and SIGTERM stop the source, so the session, the save file and the
/// summary finish; a second Ctrl-C means "now".
pub fn stop_on_signal(stopper: Stopper) -> Result<()> {
    ctrlc::set_handler(move || {
        if stopper.stop() {
            std::process::exit(130);
        }
    })
    .context("cannot install the Ctrl-C handler")
}

/// How a running source's session is shown: the viewer (following), or lines.
pub struct Watch<'a> {
    pub view: &'a ViewArgs,
    pub filter: Option<crate::filter::Filter>,
    /// The viewer's title.
    pub title: String,
    pub viewer: bool,
    /// `--duration`'s end.
    pub deadline: Option<Instant>,
}

impl Watch<'_> {
    /// Decodes and shows the source's frames until it ends, `-c` or the deadline is
    /// reached, or the viewer quits; then stops the source and returns the messages shown
    /// and how the session thread ended.
    pub fn run(self, source: LiveSource, config: StreamConfig) -> Result<(u64, CaptureEnd)> {
        let stopper = source.stopper();
        let counters = source.counters();
        let (rx, capture) = start_capture(source, config)?;
        let shown = if self.viewer {
            let feeder = Feeder {
                selection: RecordPrinter::new(MessageFormat::Text, false, self.filter.clone()),
                count: self.view.count,
                deadline: self.deadline,
                stopper: stopper.clone(),
                counters: Arc::clone(&counters),
            };
            let options = tui::Options {
                title: self.title,
                follow: true,
                filter: self.filter,
                time: self.view.time,
                source: None,
            };
            view(rx, feeder, options)
        } else {
            print_events(rx, self.view, self.filter, &counters, || {
                if self.deadline.is_some_and(|d| Instant::now() >= d) {
                    stopper.stop();
                }
            })
        };
        stopper.stop();
        let end = capture
            .join()
            .map_err(|_| anyhow::anyhow!("the session thread failed"))?;
        Ok((shown?, end))
    }
}

/// What the capture thread hands back when it ends: the OpenFlow messages it decoded, and
/// the error that stopped it, if one did.
pub type CaptureEnd = (u64, Option<CaptureError>);

/// Runs the session (capture, reassembly, decode) on its own thread; its events come
/// through the receiver, in capture order. Use the source's [`Stopper`] to end it; the
/// thread then finishes the session and the save file. Viewers (the printer here, the TUI)
/// consume the receiver.
///
/// [`Stopper`]: crate::capture::live::Stopper
pub fn start_capture(
    source: LiveSource,
    config: StreamConfig,
) -> Result<(Receiver<SessionEvent>, JoinHandle<CaptureEnd>)> {
    let (tx, rx) = sync_channel(CHANNEL_EVENTS);
    let thread = thread::Builder::new()
        .name("ofscope-capture".into())
        .spawn(move || {
            let mut session = Session::new(source, config);
            let mut error = None;
            while let Some(event) = session.next_event() {
                match event {
                    Ok(event) => {
                        if tx.send(event).is_err() {
                            // The viewer has gone: what is still queued is not wanted.
                            break;
                        }
                    }
                    Err(err) => error = Some(err),
                }
            }
            let messages = session.tracker().counters().messages;
            // Stops the reader if the viewer went first, and sees the save file finished.
            (messages, error.or(session.into_source().finish()))
        })
        .context("cannot start the capture thread")?;
    Ok((rx, thread))
}

/// Prints until the capture ends, `-c` is reached or stdout goes away; returns how many
/// messages were shown. `tick` runs on every event and every [`TICK`] when idle (it
/// stops the capture at `--duration`).
fn print_events(
    rx: Receiver<SessionEvent>,
    view: &ViewArgs,
    filter: Option<crate::filter::Filter>,
    counters: &LiveCounters,
    mut tick: impl FnMut(),
) -> Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut printer = RecordPrinter::for_view(view, filter)?;
    // Made at the first message: by then the first frame has been captured.
    let mut clock = None;
    let mut shown = 0;
    loop {
        let event = match rx.try_recv() {
            Ok(event) => event,
            Err(TryRecvError::Empty) => {
                if !flushed(&mut out)? {
                    break;
                }
                tick();
                match rx.recv_timeout(TICK) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        tick();
        printer.observe(&event);
        let SessionEvent::Record(record) = event else {
            continue;
        };
        printer.origin_ns = printer.origin_ns.or(counters.first_frame_ns());
        if !printer.selected(&record) {
            continue;
        }
        let clock = clock.get_or_insert_with(|| Clock::new(view.time, counters.first_frame_ns()));
        if !view.quiet {
            match printer.print(&mut out, &record, clock) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => break,
                Err(err) => return Err(err.into()),
            }
        }
        shown += 1;
        if view.count.is_some_and(|n| shown >= n) {
            break;
        }
    }
    if !view.quiet {
        match printer.finish(&mut out) {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(shown),
            other => other?,
        }
    }
    flushed(&mut out)?;
    Ok(shown)
}

/// Runs the viewer in follow mode until the user quits; returns how many messages the
/// display filter selected. The caller stops the capture then (if `-c` or `--duration`
/// has not already) and prints the summary, once the terminal is restored.
fn view(rx: Receiver<SessionEvent>, feeder: Feeder, options: tui::Options) -> Result<u64> {
    let stopper = feeder.stopper.clone();
    let (tx, feed) = sync_channel(FEED_BATCHES);
    let feeding = thread::Builder::new()
        .name("ofscope-feed".into())
        .spawn(move || feeder.run(&rx, &tx))
        .context("cannot start the viewer's feed")?;
    let viewed = tui::run(feed, options);
    // The feed thread ends once the capture does (or at once, if the viewer is gone).
    stopper.stop();
    let shown = feeding
        .join()
        .map_err(|_| anyhow::anyhow!("the viewer's feed failed"))?;
    viewed?;
    Ok(shown)
}

/// Turns the capture's events into what the viewer takes: batches, the drop counters for
/// the status bar, and the end. It also stops the capture at `-c` and `--duration`.
struct Feeder {
    /// Applies `-Y`, for `-c` to count the messages shown.
    selection: RecordPrinter,
    count: Option<u64>,
    deadline: Option<Instant>,
    stopper: Stopper,
    counters: Arc<LiveCounters>,
}

impl Feeder {
    /// Feeds until the capture ends or `-c` is reached; returns the messages selected.
    /// Returns early when the viewer has gone (its receiver is dropped).
    fn run(mut self, rx: &Receiver<SessionEvent>, tx: &SyncSender<Feed>) -> u64 {
        let mut batch = Vec::new();
        let mut oldest: Option<Instant> = None;
        let mut status_at: Option<Instant> = None;
        let mut origin_sent = false;
        let mut shown = 0;
        loop {
            let wait = match (oldest, status_at) {
                (Some(at), _) => BATCH_AGE.saturating_sub(at.elapsed()),
                (None, Some(at)) => STATUS_EVERY.saturating_sub(at.elapsed()),
                (None, None) => Duration::ZERO,
            };
            match rx.recv_timeout(wait.min(TICK)) {
                Ok(event) => {
                    let counted = self.counts(&event);
                    batch.push(event);
                    oldest.get_or_insert_with(Instant::now);
                    if counted {
                        shown += 1;
                        if self.count.is_some_and(|n| shown >= n) {
                            self.stopper.stop();
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                self.stopper.stop();
            }
            if batch.len() >= BATCH_EVENTS || oldest.is_some_and(|at| at.elapsed() >= BATCH_AGE) {
                oldest = None;
                if !self.send_events(tx, std::mem::take(&mut batch), &mut origin_sent) {
                    return shown;
                }
            }
            if status_at.is_none_or(|at| at.elapsed() >= STATUS_EVERY) {
                status_at = Some(Instant::now());
                if tx.send(self.status()).is_err() {
                    return shown;
                }
            }
        }
        // The capture has ended: its last events, the final counters and the end. The
        // viewer may have quit meanwhile, which is fine.
        self.send_events(tx, batch, &mut origin_sent);
        let _ = tx.send(self.status());
        let _ = tx.send(Feed::Finished);
        shown
    }

    /// Sends a batch, after the capture's first timestamp if it has not gone yet (events
    /// come from frames, so it is known by then). `false` when the viewer has gone.
    fn send_events(
        &self,
        tx: &SyncSender<Feed>,
        batch: Vec<SessionEvent>,
        origin_sent: &mut bool,
    ) -> bool {
        if !*origin_sent {
            if let Some(ns) = self.counters.first_frame_ns() {
                *origin_sent = true;
                if tx.send(Feed::Origin(ns)).is_err() {
                    return false;
                }
            }
        }
        tx.send(Feed::Events(batch)).is_ok()
    }

    /// Whether the event is a message the display filter selects.
    fn counts(&mut self, event: &SessionEvent) -> bool {
        self.selection.observe(event);
        self.selection.origin_ns = self.selection.origin_ns.or(self.counters.first_frame_ns());
        match event {
            SessionEvent::Record(record) => self.selection.selected(record),
            SessionEvent::Stream(_) => false,
        }
    }

    fn status(&self) -> Feed {
        let stats = self.counters.snapshot();
        let state = if self.stopper.stopped() {
            "capture stopped"
        } else {
            "capturing"
        };
        Feed::Status(format!(
            "{state}, dropped: {} by the kernel, {} by the interface, {} by the queue",
            stats.dropped, stats.if_dropped, stats.queue_dropped
        ))
    }
}

/// Flushes; `false` when the reader of stdout has gone.
fn flushed(out: &mut impl Write) -> Result<bool> {
    match out.flush() {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// `-f` as given, or the OpenFlow ports (the two standard ones plus `--port`).
fn capture_filter(args: &LiveArgs) -> String {
    match &args.capture_filter {
        Some(expr) => expr.clone(),
        None => {
            let mut expr = live::DEFAULT_FILTER.to_owned();
            for port in &args.view.ports {
                expr.push_str(&format!(" or tcp port {port}"));
            }
            expr
        }
    }
}

/// One line for the end of a capture, with libpcap's drop counters.
pub fn summary(stats: &LiveStats, messages: u64, shown: u64) -> String {
    let mut line = format!(
        "{} frames captured, {} OpenFlow messages",
        stats.frames, messages
    );
    if shown != messages {
        line.push_str(&format!(" ({shown} shown)"));
    }
    line.push_str(&format!(
        "; {} dropped by the kernel, {} by the interface, {} by the queue",
        stats.dropped, stats.if_dropped, stats.queue_dropped
    ));
    if stats.dropped > 0 {
        line.push_str(" (the reader fell behind: a bigger -B buffer helps)");
    }
    if stats.queue_dropped > 0 {
        line.push_str(
            " (decoding fell behind for too long: they are in the -w file; a narrower -f filter or -q helps)",
        );
    }
    line
}

fn capture_failed(err: CaptureError) -> anyhow::Error {
    anyhow::anyhow!("capture stopped: {err}")
}

/// `--list`: one device per line, as `tcpdump -D` does, with its state and addresses.
fn list_devices() -> Result<()> {
    let mut out = io::stdout().lock();
    for (n, device) in live::devices()?.iter().enumerate() {
        let mut flags = Vec::new();
        if device.up {
            flags.push("up");
        }
        if device.running {
            flags.push("running");
        }
        if device.loopback {
            flags.push("loopback");
        }
        let mut line = format!("{}. {} [{}]", n + 1, device.name, flags.join(", "));
        if let Some(description) = &device.description {
            line.push_str(&format!(" ({description})"));
        }
        if !device.addresses.is_empty() {
            let addresses: Vec<String> = device.addresses.iter().map(|a| a.to_string()).collect();
            line.push_str(&format!(" {}", addresses.join(" ")));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
