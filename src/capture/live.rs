//! Live capture through libpcap: one device, a BPF filter, frames delivered at once.
//!
//! The source also saves every frame it yields (`-w`), keeps libpcap's drop counters where
//! another thread (a status bar) can read them, and ends when its [`Stopper`] is used, so
//! a Ctrl-C finishes the session and the saved file cleanly.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pcap::{Active, BreakLoop, Capture, Device};

use super::{CaptureError, FrameSource, LinkType, PcapWriter, RawFrame};

/// The read timeout asked of libpcap. On Linux a blocked read ignores it and only the
/// [`Stopper`] wakes it; where it is honoured, an idle source flushes its save file.
const POLL_MS: i32 = 250;
/// The drop counters are refreshed at least this often while frames flow.
const STATS_EVERY: Duration = Duration::from_millis(500);
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
    /// Where to save every captured frame as pcap.
    pub save: Option<PathBuf>,
}

/// Why a live capture could not start. Each message is one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot capture on {device}: {detail}; capturing needs CAP_NET_RAW: grant it once with `sudo setcap cap_net_raw,cap_net_admin=eip $(which ofscope)`, or run `sudo ofscope live ...`")]
    PermissionDenied { device: String, detail: String },
    #[error("no capture device named '{device}' ({detail}); devices here: {}", available.join(", "))]
    NoSuchDevice {
        device: String,
        detail: String,
        available: Vec<String>,
    },
    #[error("bad capture filter (-f) '{expr}': {detail}")]
    BadFilter { expr: String, detail: String },
    #[error("cannot capture on {device}: {detail}")]
    Open { device: String, detail: String },
    #[error("cannot create {}: {source}; check the directory and permissions", path.display())]
    Save { path: PathBuf, source: io::Error },
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

/// What libpcap counted so far, plus the frames the source yielded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Frames read from libpcap (and saved with `-w`).
    pub frames: u64,
    /// Frames that passed the filter, as the kernel counts them.
    pub received: u64,
    /// Frames the kernel dropped because its buffer was full: the capture fell behind.
    pub dropped: u64,
    /// Frames the interface or its driver dropped.
    pub if_dropped: u64,
}

/// Counters shared with other threads (the TUI's status bar), refreshed about twice a
/// second and once more when the capture ends.
#[derive(Debug, Default)]
pub struct LiveCounters {
    frames: AtomicU64,
    received: AtomicU64,
    dropped: AtomicU64,
    if_dropped: AtomicU64,
}

impl LiveCounters {
    pub fn snapshot(&self) -> LiveStats {
        LiveStats {
            frames: self.frames.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            if_dropped: self.if_dropped.load(Ordering::Relaxed),
        }
    }
}

/// A running capture on one device.
pub struct LiveSource {
    capture: Capture<Active>,
    device: String,
    linktype: LinkType,
    save: Option<(PathBuf, PcapWriter<BufWriter<File>>)>,
    /// The frame being handed out (libpcap's buffer is reused by the next read).
    data: Vec<u8>,
    number: u64,
    stopper: Stopper,
    counters: Arc<LiveCounters>,
    stats_at: Instant,
    /// libpcap's 32-bit counters wrap; these hold the totals across wraps.
    received: Wrapping,
    dropped: Wrapping,
    if_dropped: Wrapping,
    ended: bool,
}

impl LiveSource {
    /// Opens the device, applies the filter and creates the save file: every way to fail
    /// is found here, before the first frame.
    pub fn open(config: &LiveConfig) -> Result<LiveSource, LiveError> {
        let device = config.device.clone();
        let inactive = Capture::from_device(device.as_str())
            .map_err(|err| open_error(&device, &err))?
            .snaplen(i32::try_from(config.snaplen).unwrap_or(i32::MAX))
            .promisc(config.promisc)
            .immediate_mode(true)
            .timeout(POLL_MS)
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
        let stopper = Stopper {
            flag: Arc::new(AtomicBool::new(false)),
            breaker: Arc::new(capture.breakloop_handle()),
        };
        let linktype = LinkType(u32::try_from(capture.get_datalink().0).unwrap_or(u32::MAX));
        let save = match &config.save {
            Some(path) => {
                let file = File::create(path).map_err(|source| LiveError::Save {
                    path: path.clone(),
                    source,
                })?;
                let writer = PcapWriter::new(
                    BufWriter::with_capacity(1 << 16, file),
                    linktype,
                    NANOS,
                    config.snaplen,
                )
                .map_err(|source| LiveError::Save {
                    path: path.clone(),
                    source,
                })?;
                Some((path.clone(), writer))
            }
            None => None,
        };
        Ok(LiveSource {
            capture,
            device,
            linktype,
            save,
            data: Vec::with_capacity(2048),
            number: 0,
            stopper,
            counters: Arc::new(LiveCounters::default()),
            stats_at: Instant::now(),
            received: Wrapping::default(),
            dropped: Wrapping::default(),
            if_dropped: Wrapping::default(),
            ended: false,
        })
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

    fn refresh_stats(&mut self) {
        self.stats_at = Instant::now();
        self.counters.frames.store(self.number, Ordering::Relaxed);
        // Some devices have no counters; the last known values stay then.
        if let Ok(stat) = self.capture.stats() {
            let c = &self.counters;
            c.received
                .store(self.received.update(stat.received), Ordering::Relaxed);
            c.dropped
                .store(self.dropped.update(stat.dropped), Ordering::Relaxed);
            c.if_dropped
                .store(self.if_dropped.update(stat.if_dropped), Ordering::Relaxed);
        }
    }

    /// The capture is over: final counters, and the save file flushed.
    fn end(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>> {
        self.ended = true;
        self.refresh_stats();
        let (path, writer) = self.save.take()?;
        // into_inner flushes the pcap writer's buffer, then the file's.
        match writer.into_inner().and_then(|mut out| out.flush()) {
            Ok(()) => None,
            Err(err) => Some(Err(save_error(&self.device, &path, &err))),
        }
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>> {
        if self.ended {
            return None;
        }
        let (ts_ns, orig_len) = loop {
            if self.stopper.stopped() {
                return self.end();
            }
            match self.capture.next_packet() {
                Ok(packet) => {
                    self.data.clear();
                    self.data.extend_from_slice(packet.data);
                    let ts = &packet.header.ts;
                    let ts_ns = timestamp_ns(
                        u64::try_from(ts.tv_sec).unwrap_or(0),
                        u64::try_from(ts.tv_usec).unwrap_or(0),
                    );
                    break (ts_ns, packet.header.len);
                }
                Err(pcap::Error::TimeoutExpired) => {
                    // Idle: a good moment to let readers of the save file see it all.
                    self.refresh_stats();
                    if let Some((path, writer)) = &mut self.save {
                        if let Err(err) = writer.flush() {
                            self.ended = true;
                            return Some(Err(save_error(&self.device, path, &err)));
                        }
                    }
                }
                // What a read returns once the Stopper broke it.
                Err(pcap::Error::NoMorePackets) => return self.end(),
                Err(err) => {
                    self.ended = true;
                    self.refresh_stats();
                    return Some(Err(CaptureError::Live {
                        device: self.device.clone(),
                        detail: pcap_detail(&err),
                    }));
                }
            }
        };
        self.number += 1;
        if self.number % 256 == 0 && self.stats_at.elapsed() >= STATS_EVERY {
            self.refresh_stats();
        }
        let frame = RawFrame {
            number: self.number,
            ts_ns,
            data: &self.data,
            orig_len,
            linktype: self.linktype,
        };
        if let Some((path, writer)) = &mut self.save {
            if let Err(err) = writer.write_frame(&frame) {
                self.ended = true;
                return Some(Err(save_error(&self.device, path, &err)));
            }
        }
        Some(Ok(frame))
    }
}

/// Ends a live capture: the source's next read returns, and the session finishes as at
/// the end of a file. Cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    breaker: Arc<BreakLoop>,
}

impl Stopper {
    /// Stops the capture; true if it had been stopped already.
    pub fn stop(&self) -> bool {
        let before = self.flag.swap(true, Ordering::Relaxed);
        // libpcap wakes a read blocked in poll (since 1.10 on Linux).
        self.breaker.breakloop();
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
        detail: format!("cannot write {}: {err}", path.display()),
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
