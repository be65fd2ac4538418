//! `ofscope control`: be the controller. The server thread runs the apps on real switch
//! connections and turns every message into a frame; from there on it is `live`: a session
//! thread decodes the frames, and this thread prints them or runs the viewer, and prints
//! the summary at the end.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ofscope_dissectors::printable::{Echo, Printable};

use super::live::{stop_on_signal, Watch};
use super::replay::parse_apps;
use crate::capture::live::{LiveSource, Stopper};
use crate::capture::CaptureError;
use crate::capture::LinkType;
use crate::capture::PcapWriter;
use crate::cli::ControlArgs;
use crate::commands::display_filter;
use crate::control::server::TapSide;
use crate::control::tap::Tap;
use crate::control::{self, Config, Listeners, Report, Server};
use crate::replay::AppSpec;
use crate::stream::StreamConfig;
use crate::tui;

/// The IANA port and the legacy one, as switches are configured.
const DEFAULT_PORTS: [u16; 2] = [6633, 6653];
/// Frames waiting to be decoded may hold this much; past it they are only saved.
const QUEUE_BYTES: usize = 256 << 20;
/// A recorded frame is one message in one segment (see `control::segments`).
const SNAPLEN: u32 = 65_535 + 100;

pub fn run(args: &ControlArgs) -> Result<ExitCode> {
    // Checked here; the server thread makes its own (apps are not shared across threads).
    let apps = parse_apps(&args.apps)?;
    let filter = display_filter(args.view.filter.as_deref())?;
    let addrs = listen_addrs(&args.listen)?;
    let tap = match apps.iter().find_map(AppSpec::tap_device) {
        Some((name, mac)) => Some(open_tap(name, mac, args.write.as_deref())?),
        None => None,
    };
    let listeners = Listeners::bind(&addrs).context("control")?;
    let local = listeners.local_addrs();
    let waker = listeners.waker();
    let stopper = Stopper::new(move || {
        let _ = waker.wake();
    });
    let viewer = tui::wanted(&args.view);
    let config = Config {
        apps: args.apps.clone(),
        echo_interval: Duration::from_secs_f64(args.echo_interval),
        // The viewer owns the terminal: connection events show there as messages (and in
        // stderr when it goes elsewhere).
        log: if viewer && std::io::stderr().is_terminal() {
            Box::new(|_| {})
        } else {
            Box::new(|line| eprintln!("ofscope: {}", Printable(&line)))
        },
        tap,
    };
    let (unstarted, mut frames) = LiveSource::start(
        "control",
        LinkType::ETHERNET,
        args.write.as_deref(),
        SNAPLEN,
        QUEUE_BYTES,
        stopper.clone(),
    )?;
    if !viewer && args.view.quiet && args.view.count.is_none() {
        // Nothing is shown and nothing counted: the session has no frame to decode.
        frames.save_only();
    }
    let report = Arc::new(Mutex::new(Report::default()));
    let serving = stopper.clone();
    let reported = Arc::clone(&report);
    let source = unstarted.spawn("ofscope-control", move || {
        let apps = parse_apps(&config.apps).map_err(|err| CaptureError::Live {
            device: "control".into(),
            detail: format!("{err:#}"),
        })?;
        Server::new(listeners, config, &apps, frames, reported)
            .map_err(|err| CaptureError::Live {
                device: "control".into(),
                detail: format!("cannot watch the TAP: {err}"),
            })?
            .run(move || serving.stopped())
    })?;
    stop_on_signal(stopper)?;
    let names: Vec<String> = local.iter().map(ToString::to_string).collect();
    let app_list: Vec<String> = args
        .apps
        .iter()
        .map(|a| Echo::text(a).to_string())
        .collect();
    // Scripts wait for this line before pointing switches at us.
    eprintln!(
        "ofscope: control listening on {} (OpenFlow 1.0), apps {}{}; Ctrl-C to stop",
        names.join(", "),
        app_list.join(" then "),
        match &args.write {
            Some(path) => format!(", recording to {}", Echo::path(path)),
            None => String::new(),
        }
    );
    let ports: Vec<u16> = local.iter().map(SocketAddr::port).collect();
    let counters = source.counters();
    let watch = Watch {
        view: &args.view,
        filter,
        title: format!("control {}", names.join(" ")),
        viewer,
        deadline: args
            .duration
            .map(|d| Instant::now() + Duration::from_secs_f64(d)),
    };
    let (_, (_, error)) = watch.run(source, StreamConfig::with_ports(&ports))?;
    if let Ok(report) = report.lock() {
        eprintln!("ofscope: control: {report}");
    }
    let dropped = counters.snapshot().queue_dropped;
    if dropped > 0 {
        eprintln!(
            "ofscope: warning: {dropped} frames of the session were not shown: decoding fell behind for too long (-w records them all; -q helps)"
        );
    }
    if let Some(path) = &args.write {
        if error.is_none() {
            eprintln!("ofscope: recorded the session to {}", Echo::path(path));
        }
    }
    match error {
        Some(err) => Err(anyhow::anyhow!("control stopped: {err}")),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The tunnel's TAP device, and beside `-w FILE` the file of the frames read from it.
fn open_tap(name: &str, mac: Option<[u8; 6]>, write: Option<&Path>) -> Result<TapSide> {
    let device = Tap::open(name)?;
    if let Some(mac) = mac {
        device.set_mac(mac)?;
    }
    let record = match write {
        Some(capture) => {
            let path = control::tap_recording(capture);
            let file = File::create(&path)
                .with_context(|| format!("cannot create {}", Echo::path(&path)))?;
            let writer = PcapWriter::new(BufWriter::new(file), LinkType::ETHERNET, true, SNAPLEN)
                .with_context(|| format!("cannot write {}", Echo::path(&path)))?;
            Some((path, writer))
        }
        None => None,
    };
    Ok(TapSide { device, record })
}

/// `--listen` values: `PORT`, `ADDR:PORT` or `[V6]:PORT`; the default ports on every address
/// when none is given.
fn listen_addrs(given: &[String]) -> Result<Vec<SocketAddr>> {
    let every = |port| SocketAddr::from(([0u16; 8], port));
    if given.is_empty() {
        return Ok(DEFAULT_PORTS.into_iter().map(every).collect());
    }
    let mut addrs = Vec::new();
    for text in given {
        if let Ok(port) = text.parse::<u16>() {
            addrs.push(every(port));
            continue;
        }
        match text.to_socket_addrs().map(|mut a| a.next()) {
            Ok(Some(addr)) => addrs.push(addr),
            _ => bail!(
                "--listen {}: not a port or ADDR:PORT (e.g. 6633, 127.0.0.1:6633, [::1]:6653)",
                Echo::text(text)
            ),
        }
    }
    Ok(addrs)
}
