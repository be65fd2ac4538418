//! Live capture through libpcap: one device, a BPF filter, frames delivered at once.
//!
//! A reader thread takes the frames off libpcap, saves each one (`-w`) and queues a copy
//! for the session, which may fall behind for a while without the kernel dropping
//! anything. The drop counters (the kernel's and the queue's) are kept where another
//! thread (a status bar) can read them, and the capture ends when its [`Stopper`] is
//! used, so a Ctrl-C finishes the session and the saved file cleanly.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvError, Sender};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ofscope_dissectors::printable::Echo;
use pcap::{Active, Capture, Device};

use super::{CaptureError, FrameSource, LinkType, PcapWriter, RawFrame};

/// How long libpcap may hold frames before handing them over, out of immediate mode. Why
/// not always immediate: on Linux that makes libpcap use a ring of fixed slots as big as
/// the largest frame the interface can deliver (64 KiB once it offloads segmentation, as
/// veths and most NICs do), so a 64 MiB buffer holds only a thousand frames, a few
/// milliseconds of a busy channel. Without it the ring packs frames back to back
/// (TPACKET_V3) and the same buffer holds a quarter of a million small ones; a block is
/// handed over when it is full or this old. An idle reader also wakes this often (to
/// flush the save file and refresh the counters).
const HOLD_MS: i32 = 50;
/// The drop counters are refreshed at least this often while frames flow.
const STATS_EVERY: Duration = Duration::from_millis(500);
/// What a queued frame costs besides its bytes: its header, the channel slot and the
/// allocator's bookkeeping, roughly.
const QUEUE_FRAME_OVERHEAD: usize = 64;
/// The default capture filter: the IANA and the legacy OpenFlow ports.
pub const DEFAULT_FILTER: &str = "tcp port 6633 or tcp port 6653";
/// libpcap on Linux gives nanosecond timestamps for live captures; elsewhere ask for
/// microseconds, which every platform has.
const NANOS: bool = cfg!(target_os = "linux");

/// What to capture and how.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub device: String,
    /// A BPF expression, as tcpdump takes it.
    pub filter: String,
    pub snaplen: u32,
    pub promisc: bool,
    /// The kernel's capture buffer, in bytes.
    pub buffer_bytes: u32,
    /// How much the frames waiting to be decoded may hold in memory; beyond it frames are
    /// still saved but not decoded, and counted as dropped by the queue.
    pub queue_bytes: usize,
    /// libpcap's immediate mode: each frame is handed over as it arrives, instead of in
    /// blocks at most [`HOLD_MS`] old.
    pub immediate: bool,
    /// Where to save every captured frame as pcap.
    pub save: Option<PathBuf>,
}

/// Why a live capture could not start. Each message is one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot capture on {}: {detail}; capturing needs CAP_NET_RAW: grant it once with `sudo setcap cap_net_raw,cap_net_admin=eip $(which ofscope)`, or run `sudo ofscope live ...`", Echo::text(device))]
    PermissionDenied { device: String, detail: String },
    #[error("no capture device named '{}' ({detail}); devices here: {}", Echo::text(device), available.join(", "))]
    NoSuchDevice {
        device: String,
        detail: String,
        available: Vec<String>,
    },
    #[error("bad capture filter (-f) '{}': {detail}", Echo::text(expr))]
    BadFilter { expr: String, detail: String },
    #[error("cannot capture on {}: {detail}", Echo::text(device))]
    Open { device: String, detail: String },
    // The io::Error is in the message, not a source: the whole chain is printed.
    #[error(
        "cannot create {}: {error}; check the directory and permissions",
        Echo::path(path)
    )]
    Save { path: PathBuf, error: io::Error },
    #[error("cannot list the capture devices: {0}")]
    List(String),
    #[error("no capture device found; give one with -i (see --list)")]
    NoDevice,
}

/// A capture device as `--list` shows it.
#[derive(Clone, Debug)]
pub struct DeviceInfo {
    pub name: String,
    pub description: Option<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub addresses: Vec<std::net::IpAddr>,
}

/// The devices libpcap can capture on, in its order (the first is its default).
pub fn devices() -> Result<Vec<DeviceInfo>, LiveError> {
    let list = Device::list().map_err(|err| LiveError::List(pcap_detail(&err)))?;
    Ok(list
        .into_iter()
        .map(|d| DeviceInfo {
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            addresses: d.addresses.iter().map(|a| a.addr).collect(),
            name: d.name,
            description: d.desc,
        })
        .collect())
}

/// The device libpcap picks when none is given (as tcpdump does).
pub fn default_device() -> Result<String, LiveError> {
    match Device::lookup() {
        Ok(Some(device)) => Ok(device.name),
        Ok(None) => Err(LiveError::NoDevice),
        Err(err) => Err(LiveError::List(pcap_detail(&err))),
    }
}

/// What libpcap counted so far, plus the frames the reader took and the queue dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Frames read from libpcap (and saved with `-w`).
    pub frames: u64,
    /// Frames that passed the filter, as the kernel counts them.
    pub received: u64,
    /// Frames the kernel dropped because its buffer was full: the reader fell behind.
    pub dropped: u64,
    /// Frames the interface or its driver dropped.
    pub if_dropped: u64,
    /// Frames read (and saved) but not decoded because the queue to the decoder was full:
    /// decoding and display fell behind for longer than the queue lasts.
    pub queue_dropped: u64,
}

/// Counters shared with other threads (the TUI's status bar). The reader's own counts are
/// current; libpcap's are refreshed about twice a second and once more when the capture
/// ends.
#[derive(Debug, Default)]
pub struct LiveCounters {
    frames: AtomicU64,
    received: AtomicU64,
    dropped: AtomicU64,
    if_dropped: AtomicU64,
    queue_dropped: AtomicU64,
    /// What the frames waiting in the queue cost, against the configured budget.
    queued_bytes: AtomicUsize,
    /// The first frame's timestamp: what relative times count from.
    first_frame_ns: OnceLock<u64>,
}

impl LiveCounters {
    pub fn snapshot(&self) -> LiveStats {
        LiveStats {
            frames: self.frames.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            if_dropped: self.if_dropped.load(Ordering::Relaxed),
            queue_dropped: self.queue_dropped.load(Ordering::Relaxed),
        }
    }

    /// The timestamp of the first frame captured, whatever its protocol (dropped by the
    /// queue or not); `None` before it.
    pub fn first_frame_ns(&self) -> Option<u64> {
        self.first_frame_ns.get().copied()
    }
}

/// A frame copied off libpcap's ring, waiting to be decoded.
struct QueuedFrame {
    number: u64,
    ts_ns: u64,
    orig_len: u32,
    data: Vec<u8>,
}

impl QueuedFrame {
    /// What the frame holds in memory while queued: its bytes and its bookkeeping.
    fn cost(&self) -> usize {
        QUEUE_FRAME_OVERHEAD + self.data.len()
    }
}

/// A running capture on one device.
///
/// A reader thread of its own takes each frame off libpcap as soon as it arrives, saves
/// it (`-w`) and queues a copy; this source hands the queued frames out. So the kernel's
/// buffer only has to absorb the reader's hiccups, and a burst that decoding cannot keep up
/// with waits in the queue (up to [`LiveConfig::queue_bytes`]) instead of being dropped. After the
/// capture is stopped, the frames still queued are handed out before the end.
pub struct LiveSource {
    queue: Receiver<Vec<QueuedFrame>>,
    /// The rest of the batch being handed out.
    batch: std::vec::IntoIter<QueuedFrame>,
    reader: Option<JoinHandle<Result<(), CaptureError>>>,
    /// The frame being handed out.
    current: QueuedFrame,
    device: String,
    linktype: LinkType,
    stopper: Stopper,
    counters: Arc<LiveCounters>,
}

impl LiveSource {
    /// Opens the device, applies the filter, creates the save file and starts reading:
    /// every way to fail is found here, before the first frame.
    pub fn open(config: &LiveConfig) -> Result<LiveSource, LiveError> {
        let device = config.device.clone();
        let inactive = Capture::from_device(device.as_str())
            .map_err(|err| open_error(&device, &err))?
            .snaplen(i32::try_from(config.snaplen).unwrap_or(i32::MAX))
            .promisc(config.promisc)
            .immediate_mode(config.immediate)
            .timeout(HOLD_MS)
            .buffer_size(i32::try_from(config.buffer_bytes).unwrap_or(i32::MAX))
            .precision(if NANOS {
                pcap::Precision::Nano
            } else {
                pcap::Precision::Micro
            });
        let mut capture = inactive.open().map_err(|err| open_error(&device, &err))?;
        capture
            .filter(&config.filter, true)
            .map_err(|err| LiveError::BadFilter {
                expr: config.filter.clone(),
                detail: pcap_detail(&err),
            })?;
        let breaker = capture.breakloop_handle();
        // libpcap wakes a read blocked in poll (since 1.10 on Linux).
        let stopper = Stopper::new(move || breaker.breakloop());
        let linktype = LinkType(u32::try_from(capture.get_datalink().0).unwrap_or(u32::MAX));
        let source = LiveSource::start(
            &device,
            linktype,
            config.save.as_deref(),
            config.snaplen,
            config.queue_bytes,
            stopper.clone(),
        )?;
        let frames = source.1;
        let reader = Reader {
            capture,
            frames,
            stopper,
            stats_at: Instant::now(),
            received: Wrapping::default(),
            dropped: Wrapping::default(),
            if_dropped: Wrapping::default(),
        };
        source.0.spawn("ofscope-pcap", move || reader.run())
    }

    /// A source fed by a producer of its own instead of libpcap (`ofscope control` makes
    /// the frames of its sessions): the consuming half, and the [`FrameQueue`] the
    /// producer feeds. Start the producer with [`LiveSource::spawn`].
    pub fn start(
        name: &str,
        linktype: LinkType,
        save: Option<&Path>,
        snaplen: u32,
        queue_bytes: usize,
        stopper: Stopper,
    ) -> Result<(Unstarted, FrameQueue), LiveError> {
        let save = match save {
            Some(path) => {
                let error = |error| LiveError::Save {
                    path: path.to_owned(),
                    error,
                };
                let file = File::create(path).map_err(error)?;
                let writer = PcapWriter::new(
                    BufWriter::with_capacity(1 << 16, file),
                    linktype,
                    NANOS,
                    snaplen,
                )
                .map_err(error)?;
                Some((path.to_owned(), writer))
            }
            None => None,
        };
        let counters = Arc::new(LiveCounters::default());
        let (tx, queue) = channel();
        let frames = FrameQueue {
            device: name.to_owned(),
            linktype,
            save,
            queue: tx,
            staged: Vec::new(),
            decoded: true,
            queue_bytes,
            number: 0,
            counters: Arc::clone(&counters),
        };
        let source = LiveSource {
            queue,
            batch: Vec::new().into_iter(),
            reader: None,
            current: QueuedFrame {
                number: 0,
                ts_ns: 0,
                orig_len: 0,
                data: Vec::new(),
            },
            device: name.to_owned(),
            linktype,
            stopper,
            counters,
        };
        Ok((Unstarted(source), frames))
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    /// Ends the capture from another thread (a Ctrl-C handler, a timer, the viewer).
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    pub fn counters(&self) -> Arc<LiveCounters> {
        Arc::clone(&self.counters)
    }

    /// Stops the capture and waits for the reader to finish the save file; returns why
    /// the reader failed, if it did (once). Frames still queued are left unread: this is
    /// for a consumer that has stopped reading; the end of [`FrameSource::next_frame`]
    /// does the same after the last frame.
    pub fn finish(&mut self) -> Option<CaptureError> {
        let reader = self.reader.take()?;
        self.stopper.stop();
        match reader.join() {
            Ok(result) => result.err(),
            Err(_) => Some(CaptureError::Live {
                device: self.device.clone(),
                detail: "the reader thread failed".into(),
            }),
        }
    }
}

/// A [`LiveSource`] whose producer is not running yet.
pub struct Unstarted(LiveSource);

impl Unstarted {
    /// Runs the producer on a thread of its own; it ends when its [`Stopper`] is used, and
    /// the source then hands out what is queued and returns the producer's error, if any.
    pub fn spawn(
        mut self,
        thread_name: &str,
        produce: impl FnOnce() -> Result<(), CaptureError> + Send + 'static,
    ) -> Result<LiveSource, LiveError> {
        let reader = thread::Builder::new()
            .name(thread_name.into())
            .spawn(produce)
            .map_err(|err| LiveError::Open {
                device: self.0.device.clone(),
                detail: format!("cannot start the {thread_name} thread: {err}"),
            })?;
        self.0.reader = Some(reader);
        Ok(self.0)
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>> {
        let next = loop {
            if let Some(frame) = self.batch.next() {
                break Ok(frame);
            }
            match self.queue.recv() {
                Ok(batch) => self.batch = batch.into_iter(),
                Err(end) => break Err(end),
            }
        };
        match next {
            Ok(frame) => {
                self.counters
                    .queued_bytes
                    .fetch_sub(frame.cost(), Ordering::Relaxed);
                self.current = frame;
                Some(Ok(RawFrame {
                    number: self.current.number,
                    ts_ns: self.current.ts_ns,
                    data: &self.current.data,
                    orig_len: self.current.orig_len,
                    linktype: self.linktype,
                }))
            }
            // The reader has ended and every frame it queued has been handed out.
            Err(RecvError) => self.finish().map(Err),
        }
    }
}

impl Drop for LiveSource {
    /// The save file is finished even when the consumer stops early.
    fn drop(&mut self) {
        self.finish();
    }
}

/// The producing half of a [`LiveSource`]: saves each frame (`-w`), counts it and queues a
/// copy for the session, nothing else, so that its producer keeps up with the wire.
pub struct FrameQueue {
    device: String,
    linktype: LinkType,
    save: Option<(PathBuf, PcapWriter<BufWriter<File>>)>,
    queue: Sender<Vec<QueuedFrame>>,
    /// Frames staged ([`FrameQueue::stage`]) and not yet handed to the consumer.
    staged: Vec<QueuedFrame>,
    /// Whether the consumer decodes frames at all ([`FrameQueue::save_only`]).
    decoded: bool,
    queue_bytes: usize,
    number: u64,
    counters: Arc<LiveCounters>,
}

/// Staged frames go to the consumer in batches of this many at most.
const BATCH: usize = 256;

impl FrameQueue {
    /// Saves and queues one frame, handed to the consumer at once; `false` when the
    /// consumer has gone and nobody wants more.
    pub fn push(&mut self, ts_ns: u64, data: &[u8], orig_len: u32) -> Result<bool, CaptureError> {
        self.stage(ts_ns, data, orig_len)?;
        Ok(self.deliver())
    }

    /// Hands the staged frames to the consumer: one wake-up for the batch, rather than
    /// one per frame. `false` when the consumer has gone.
    pub fn deliver(&mut self) -> bool {
        if self.staged.is_empty() {
            return true;
        }
        let batch = std::mem::replace(&mut self.staged, Vec::with_capacity(BATCH));
        self.queue.send(batch).is_ok()
    }

    /// Saves and stages one frame: the consumer gets it with the next
    /// [`FrameQueue::deliver`] (or once a batch is full).
    pub fn stage(&mut self, ts_ns: u64, data: &[u8], orig_len: u32) -> Result<bool, CaptureError> {
        self.stage_owned(ts_ns, data.to_vec(), orig_len)
    }

    /// [`FrameQueue::stage`] for a producer that makes its frames (control): the frame is
    /// queued as it is, without a copy.
    pub fn stage_owned(
        &mut self,
        ts_ns: u64,
        data: Vec<u8>,
        orig_len: u32,
    ) -> Result<bool, CaptureError> {
        self.number += 1;
        let frame = RawFrame {
            number: self.number,
            ts_ns,
            data: &data,
            orig_len,
            linktype: self.linktype,
        };
        if let Some((path, writer)) = &mut self.save {
            writer
                .write_frame(&frame)
                .map_err(|err| save_error(&self.device, path, &err))?;
        }
        let c = &self.counters;
        if self.number == 1 {
            let _ = c.first_frame_ns.set(ts_ns);
        }
        c.frames.store(self.number, Ordering::Relaxed);
        if !self.decoded {
            return Ok(true);
        }
        let queued = QueuedFrame {
            number: self.number,
            ts_ns,
            orig_len,
            data,
        };
        let cost = queued.cost();
        if c.queued_bytes.load(Ordering::Relaxed) + cost > self.queue_bytes {
            c.queue_dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(true);
        }
        c.queued_bytes.fetch_add(cost, Ordering::Relaxed);
        self.staged.push(queued);
        if self.staged.len() >= BATCH {
            return Ok(self.deliver());
        }
        Ok(true)
    }

    /// From now on frames are only saved (`-w`) and counted: the consumer shows nothing
    /// (`control -q`), so decoding them would be work for nobody.
    pub fn save_only(&mut self) {
        self.decoded = false;
    }

    /// Whether a frame staged now goes anywhere: saved, or decoded. A producer that makes
    /// its frames (control) makes none when it would not.
    pub fn wanted(&self) -> bool {
        self.decoded || self.save.is_some()
    }

    /// Lets readers of the save file see every frame so far (call it when idle).
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        match &mut self.save {
            Some((path, writer)) => writer
                .flush()
                .map_err(|err| save_error(&self.device, path, &err)),
            None => Ok(()),
        }
    }

    /// Finishes the save file.
    pub fn finish(&mut self) -> Result<(), CaptureError> {
        self.deliver();
        match self.save.take() {
            // into_inner flushes the pcap writer's buffer, then the file's.
            Some((path, writer)) => writer
                .into_inner()
                .and_then(|mut out| out.flush())
                .map_err(|err| save_error(&self.device, &path, &err)),
            None => Ok(()),
        }
    }
}

/// The reader thread: libpcap to the [`FrameQueue`], nothing else, so that it keeps up
/// with the wire.
struct Reader {
    capture: Capture<Active>,
    frames: FrameQueue,
    stopper: Stopper,
    stats_at: Instant,
    /// libpcap's 32-bit counters wrap; these hold the totals across wraps.
    received: Wrapping,
    dropped: Wrapping,
    if_dropped: Wrapping,
}

impl Reader {
    /// Reads until stopped, then takes the final counters and finishes the save file.
    fn run(mut self) -> Result<(), CaptureError> {
        let read = self.read_until_stopped();
        self.refresh_stats();
        read.and(self.frames.finish())
    }

    fn read_until_stopped(&mut self) -> Result<(), CaptureError> {
        while !self.stopper.stopped() {
            let packet = match self.capture.next_packet() {
                Ok(packet) => packet,
                Err(pcap::Error::TimeoutExpired) => {
                    // Idle: a good moment to let readers of the save file see it all.
                    self.refresh_stats();
                    self.frames.flush()?;
                    continue;
                }
                // What a read returns once the Stopper broke it.
                Err(pcap::Error::NoMorePackets) => return Ok(()),
                Err(err) => {
                    return Err(CaptureError::Live {
                        device: self.frames.device.clone(),
                        detail: pcap_detail(&err),
                    })
                }
            };
            let ts = &packet.header.ts;
            let ts_ns = timestamp_ns(
                u64::try_from(ts.tv_sec).unwrap_or(0),
                u64::try_from(ts.tv_usec).unwrap_or(0),
            );
            if !self.frames.push(ts_ns, packet.data, packet.header.len)? {
                return Ok(());
            }
            if self.frames.number.is_multiple_of(256) && self.stats_at.elapsed() >= STATS_EVERY {
                self.refresh_stats();
            }
        }
        Ok(())
    }

    fn refresh_stats(&mut self) {
        self.stats_at = Instant::now();
        // Some devices have no counters; the last known values stay then.
        if let Ok(stat) = self.capture.stats() {
            let c = &self.frames.counters;
            c.received
                .store(self.received.update(stat.received), Ordering::Relaxed);
            c.dropped
                .store(self.dropped.update(stat.dropped), Ordering::Relaxed);
            c.if_dropped
                .store(self.if_dropped.update(stat.if_dropped), Ordering::Relaxed);
        }
    }
}

/// Ends a live capture: the source's next read returns, and the session finishes as at
/// the end of a file. Cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    /// Wakes the producer if it is blocked waiting for input.
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Stopper {
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Stopper {
        Stopper {
            flag: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(wake),
        }
    }

    /// Stops the capture; true if it had been stopped already.
    pub fn stop(&self) -> bool {
        let before = self.flag.swap(true, Ordering::Relaxed);
        (self.wake)();
        before
    }

    pub fn stopped(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// A 32-bit counter of libpcap's, widened: it may wrap during a long capture.
#[derive(Clone, Copy, Debug, Default)]
struct Wrapping {
    last: u32,
    total: u64,
}

impl Wrapping {
    fn update(&mut self, now: u32) -> u64 {
        self.total += u64::from(now.wrapping_sub(self.last));
        self.last = now;
        self.total
    }
}

/// libpcap's `tv_usec` holds nanoseconds when nanosecond precision was asked for.
fn timestamp_ns(secs: u64, frac: u64) -> u64 {
    let frac_ns = if NANOS {
        frac
    } else {
        frac.saturating_mul(1000)
    };
    secs.saturating_mul(1_000_000_000).saturating_add(frac_ns)
}

fn save_error(device: &str, path: &Path, err: &io::Error) -> CaptureError {
    CaptureError::Live {
        device: device.to_owned(),
        detail: format!("cannot write {}: {err}", Echo::path(path)),
    }
}

/// The text of a libpcap error, without the crate's "libpcap error: " prefix.
fn pcap_detail(err: &pcap::Error) -> String {
    match err {
        pcap::Error::PcapError(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Sorts an activation failure: permission, unknown device, or anything else.
fn open_error(device: &str, err: &pcap::Error) -> LiveError {
    let detail = pcap_detail(err);
    let lower = detail.to_ascii_lowercase();
    if lower.contains("permission")
        || lower.contains("not permitted")
        || lower.contains("cap_net_raw")
    {
        return LiveError::PermissionDenied {
            device: device.to_owned(),
            detail,
        };
    }
    let available: Vec<String> = devices()
        .map(|list| list.into_iter().map(|d| d.name).collect())
        .unwrap_or_default();
    if lower.contains("no such device") || !available.iter().any(|name| name == device) {
        return LiveError::NoSuchDevice {
            device: device.to_owned(),
            detail,
            available,
        };
    }
    LiveError::Open {
        device: device.to_owned(),
        detail,
    }
}
