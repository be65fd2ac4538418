//! The controller's event loop: one thread, non-blocking sockets (mio). It accepts switch
//! connections, does the OpenFlow 1.0 handshake and keepalive, hands every switch message
//! to the replay [`Engine`] (the same apps, on the wall clock), sends what they emit, and
//! turns every message both ways into the frames of a capture ([`FrameQueue`]), which the
//! session decodes for the views and saves for `-w`.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use mio::net::TcpListener;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token, Waker};
use ofscope_dissectors::openflow::error::{hfc, ofpet};
use ofscope_dissectors::openflow::{Body, ErrorMsg, Hello, Message, OFP_VERSION};
use ofscope_dissectors::printable::Echo;

use super::conn::{Conn, State};
use super::report::Report;
use super::tap::Tap;
use crate::capture::live::FrameQueue;
use crate::capture::{CaptureError, LinkType, PcapWriter, RawFrame};
use crate::replay::apps::{NumberHasher, Output};
use crate::replay::{AppSpec, Engine, Input};
use crate::session::format_dpid;

const WAKER: Token = Token(usize::MAX);
const TAP: Token = Token(usize::MAX - 1);
/// Room for one frame read from the TAP: its MTU (1500 by default, up to 64 KiB) plus headers.
const TAP_FRAME: usize = 65_536 + 64;
/// Listeners take the first tokens; connections come after.
const FIRST_CONN: usize = 1 << 16;
/// How often keepalives are looked at, at the least.
const TICK: Duration = Duration::from_millis(100);
/// Chunks read from one connection before the others get their turn.
const CHUNKS_A_TURN: usize = 4;
/// A switch silent for this many echo intervals is gone.
const SILENT_INTERVALS: u32 = 3;

/// The controller's TAP device, with where the frames read from it are recorded.
pub struct TapSide {
    pub device: Tap,
    pub record: Option<(PathBuf, PcapWriter<BufWriter<File>>)>,
}

pub struct Config {
    /// The `--app` values (parsed on the server's thread: apps stay on one thread).
    pub apps: Vec<String>,
    /// A switch quiet this long gets an ECHO_REQUEST.
    pub echo_interval: Duration,
    /// Where connection events go (one line each).
    pub log: Box<dyn FnMut(String) + Send>,
    pub tap: Option<TapSide>,
}

/// The listening sockets and the poller they are registered with, bound before the
/// server starts so that a port that cannot be had fails the command at once.
pub struct Listeners {
    poll: Poll,
    waker: Arc<Waker>,
    listeners: Vec<(TcpListener, SocketAddr)>,
}

impl Listeners {
    /// Binds every address, in order. A bare port is tried on every IPv6 and IPv4 address
    /// (`[::]`), then on every IPv4 address, for hosts without IPv6.
    pub fn bind(addrs: &[SocketAddr]) -> std::io::Result<Listeners> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut listeners = Vec::new();
        for (i, addr) in addrs.iter().enumerate() {
            let bound = TcpListener::bind(*addr).or_else(|e| match addr {
                SocketAddr::V6(v6) if v6.ip().is_unspecified() => {
                    TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], addr.port())))
                }
                _ => Err(e),
            });
            let mut listener = bound.map_err(|e| {
                let hint = match e.kind() {
                    std::io::ErrorKind::AddrInUse => {
                        "another controller has it: stop it or give another --listen"
                    }
                    std::io::ErrorKind::PermissionDenied => {
                        "ports under 1024 need root or CAP_NET_BIND_SERVICE"
                    }
                    _ => "give an address of this host, or a port alone for every address",
                };
                std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}; {hint}"))
            })?;
            poll.registry()
                .register(&mut listener, Token(i), Interest::READABLE)?;
            let local = listener.local_addr()?;
            listeners.push((listener, local));
        }
        Ok(Listeners {
            poll,
            waker,
            listeners,
        })
    }

    /// Where it listens (ports given as 0 resolved).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().map(|(_, a)| *a).collect()
    }

    /// Wakes the server from another thread (to stop it).
    pub fn waker(&self) -> Arc<Waker> {
        Arc::clone(&self.waker)
    }
}

pub struct Server {
    poll: Poll,
    listeners: Vec<(TcpListener, SocketAddr)>,
    conns: HashMap<Token, Conn, BuildHasherDefault<NumberHasher>>,
    next_conn: u32,
    engine: Engine,
    config: Config,
    frames: FrameQueue,
    last_ns: u64,
    report: Arc<Mutex<Report>>,
    /// Connections with messages queued this round (a token may come more than once).
    queued: Vec<Token>,
    /// Connections that had more to read when their turn ended.
    unread: Vec<Token>,
    /// The apps' outputs being carried out (kept to reuse its allocation).
    outputs: Vec<Output>,
}

impl Server {
    /// `report` is filled in as the session goes, and complete once [`Server::run`] has
    /// returned.
    pub fn new(
        listeners: Listeners,
        config: Config,
        apps: &[AppSpec],
        frames: FrameQueue,
        report: Arc<Mutex<Report>>,
    ) -> std::io::Result<Server> {
        if let Some(tap) = &config.tap {
            listeners.poll.registry().register(
                &mut SourceFd(&tap.device.as_raw_fd()),
                TAP,
                Interest::READABLE,
            )?;
        }
        Ok(Server {
            poll: listeners.poll,
            listeners: listeners.listeners,
            conns: HashMap::default(),
            next_conn: 0,
            engine: Engine::new(apps),
            config,
            frames,
            last_ns: 0,
            report,
            queued: Vec::new(),
            unread: Vec::new(),
            outputs: Vec::new(),
        })
    }

    /// Serves until `stopped` says so, then closes every connection and the recording.
    pub fn run(mut self, stopped: impl Fn() -> bool) -> Result<(), CaptureError> {
        let mut events = Events::with_capacity(1024);
        let mut result = Ok(());
        while !stopped() {
            // Connections with more to read are served again at once, after the others.
            let unread = std::mem::take(&mut self.unread);
            let wait = if unread.is_empty() {
                TICK
            } else {
                Duration::ZERO
            };
            if let Err(e) = self.poll.poll(&mut events, Some(wait)) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    result = Err(self.failure(format!("poll: {e}")));
                    break;
                }
            }
            for token in events.iter().map(|e| e.token()).chain(unread) {
                let step = match token {
                    WAKER => Ok(()),
                    TAP => self.tap_frames(),
                    Token(i) if i < self.listeners.len() => self.accept(i),
                    _ => self.serve(token),
                };
                if let Err(err) = step {
                    result = Err(err);
                }
            }
            if result.is_err() {
                break;
            }
            if let Err(err) = self.keepalive().and_then(|()| self.flush_queued()) {
                result = Err(err);
                break;
            }
            // This round's frames, to the session in one batch.
            self.frames.deliver();
            if events.is_empty() {
                if let Err(err) = self.frames.flush() {
                    result = Err(err);
                    break;
                }
            }
        }
        let tokens: Vec<Token> = self.conns.keys().copied().collect();
        for token in tokens {
            let _ = self.close(token, None, false);
        }
        if let Some((path, writer)) = self.config.tap.as_mut().and_then(|t| t.record.take()) {
            if let Err(e) = writer.into_inner().and_then(|mut out| out.flush()) {
                let detail = format!("cannot write {}: {e}", Echo::path(&path));
                result = result.and(Err(self.failure(detail)));
            }
        }
        let summary = *self.engine.summary();
        let per_app = self.engine.decisions_per_app();
        self.report_with(|r| {
            r.summary = summary;
            r.per_app = per_app;
        });
        result.and(self.frames.finish())
    }

    /// A strictly increasing wall clock, in ns: the time of every frame and of the apps.
    fn now_ns(&mut self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.last_ns = wall.max(self.last_ns + 1);
        self.last_ns
    }

    /// Stages the frames a connection's [`Segments`] made. They are made only when they
    /// go somewhere ([`FrameQueue::wanted`]): a quiet session that saves nothing makes none.
    ///
    /// [`Segments`]: super::segments::Segments
    fn record(&mut self, ts_ns: u64, frames: Vec<Vec<u8>>) -> Result<(), CaptureError> {
        for frame in frames {
            let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
            self.frames.stage_owned(ts_ns, frame, len)?;
        }
        Ok(())
    }

    fn failure(&self, detail: String) -> CaptureError {
        CaptureError::Live {
            device: "control".into(),
            detail,
        }
    }

    fn accept(&mut self, listener: usize) -> Result<(), CaptureError> {
        loop {
            let (stream, peer) = match self.listeners[listener].0.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => {
                    // Out of descriptors, say: this one is lost, the others go on.
                    (self.config.log)(format!("cannot accept a connection: {e}"));
                    return Ok(());
                }
            };
            let local = stream.local_addr().unwrap_or(self.listeners[listener].1);
            let token = Token(FIRST_CONN + self.next_conn as usize);
            let mut conn = Conn::new(self.next_conn, stream, peer, local);
            self.next_conn += 1;
            if let Err(e) = self.poll.registry().register(
                &mut conn.stream,
                token,
                Interest::READABLE | Interest::WRITABLE,
            ) {
                (self.config.log)(format!("{peer}: cannot serve: {e}"));
                continue;
            }
            let _ = conn.stream.set_nodelay(true);
            if self.frames.wanted() {
                let ts = self.now_ns();
                let handshake = conn.segments.open();
                self.record(ts, handshake)?;
            }
            self.conns.insert(token, conn);
            self.report_with(|r| r.connections += 1);
            self.send(token, Body::Hello(Hello::default()), None)?;
        }
    }

    /// Reads, frames and handles what a connection sent, and sends what it is owed: the
    /// answers to each chunk read go in one write.
    fn serve(&mut self, token: Token) -> Result<(), CaptureError> {
        // A chunk at a time, framed before the next: what waits in memory stays one chunk
        // and one message, however fast the switch sends. A few chunks a turn, so that
        // one busy switch does not starve the others.
        let mut chunks = 0;
        let open = loop {
            let Some(conn) = self.conns.get_mut(&token) else {
                return Ok(());
            };
            if chunks == CHUNKS_A_TURN {
                self.unread.push(token);
                break true;
            }
            chunks += 1;
            match conn.read_chunk() {
                Ok(Some(0)) => break false,
                Ok(Some(_)) => {}
                Ok(None) => break true,
                Err(e) => return self.close(token, Some(format!("read error: {e}")), true),
            }
            let mut inbox = conn.take_inbox();
            loop {
                let Some(conn) = self.conns.get(&token) else {
                    return Ok(());
                };
                match conn.next_message(&mut inbox) {
                    Ok(Some(bytes)) => self.handle(token, bytes)?,
                    Ok(None) => break,
                    Err(why) => return self.close(token, Some(why), true),
                }
            }
            let Some(conn) = self.conns.get_mut(&token) else {
                return Ok(());
            };
            conn.put_inbox(inbox);
            // The answers to this chunk, in one write.
            if let Err(why) = conn.flush() {
                return self.close(token, Some(why), true);
            }
        };
        if !open {
            let why = self
                .conns
                .get(&token)
                .and_then(Conn::partial)
                .map(|(have, len)| {
                    format!("closed in the middle of a message ({have} of {len} bytes)")
                });
            return self.close(token, why, true);
        }
        // Also what waited for the socket to be writable again.
        self.queued.push(token);
        Ok(())
    }

    /// Sends what this round queued, one write per connection as far as the socket takes
    /// it; the rest goes when the socket is writable again (its event brings the
    /// connection back here).
    fn flush_queued(&mut self) -> Result<(), CaptureError> {
        let mut queued = std::mem::take(&mut self.queued);
        for token in queued.drain(..) {
            let Some(conn) = self.conns.get_mut(&token) else {
                continue;
            };
            if let Err(why) = conn.flush() {
                self.close(token, Some(why), true)?;
            }
        }
        self.queued = queued;
        Ok(())
    }

    /// One whole message from a switch.
    fn handle(&mut self, token: Token, bytes: &[u8]) -> Result<(), CaptureError> {
        let ts_ns = self.now_ns();
        let Some(conn) = self.conns.get_mut(&token) else {
            return Ok(());
        };
        let state = conn.state;
        if self.frames.wanted() {
            let frames = conn.segments.data(true, bytes);
            self.record(ts_ns, frames)?;
        }
        let version = bytes[0];
        match state {
            State::Hello => {
                let hello = Hello {
                    data: bytes[8..].to_vec(),
                };
                let speaks_10 = match hello.versions() {
                    Some(versions) => versions.contains(&OFP_VERSION),
                    None => version >= OFP_VERSION,
                };
                if !speaks_10 {
                    let text = format!(
                        "ofscope speaks OpenFlow 1.0 (version 0x01) only; the switch offered version 0x{version:02x}{}",
                        hello.versions().map_or(String::new(), |v| format!(" (versions {v:?})"))
                    );
                    let error = Body::Error(ErrorMsg {
                        err_type: ofpet::HELLO_FAILED,
                        code: hfc::INCOMPATIBLE,
                        data: text.clone().into_bytes(),
                    });
                    self.send(token, error, None)?;
                    self.report_with(|r| r.hello_failed += 1);
                    return self.close(token, Some(format!("{text}: sent HELLO_FAILED")), true);
                }
                if let Some(conn) = self.conns.get_mut(&token) {
                    conn.state = State::Features;
                }
                return self.send(token, Body::FeaturesRequest, None);
            }
            State::Features | State::Up { .. } => {}
        }
        let message = Message::parse(bytes);
        if let Body::FeaturesReply(features) = &message.body {
            self.up(token, features.datapath_id);
        }
        let conn_id = self.conns.get(&token).map_or(0, |c| c.id);
        let input = Input {
            ts_ns,
            conn: conn_id,
            message: &message,
        };
        if self.engine.feed(&input).is_none() {
            return Ok(());
        }
        self.emit(token, message.header.xid)?;
        if matches!(message.body, Body::PacketIn(_)) {
            let latency = self.now_ns().saturating_sub(ts_ns);
            self.report_with(|r| r.latency.record(latency));
        }
        Ok(())
    }

    /// Carries out what the apps just emitted for a trigger on `token`: messages to that
    /// switch (a reply with the xid of the request it answers), frames to the TAP, findings
    /// to the log.
    fn emit(&mut self, token: Token, request_xid: u32) -> Result<(), CaptureError> {
        // Taken from the engine without a copy; the vector goes back for the next trigger.
        let mut outputs = std::mem::take(&mut self.outputs);
        self.engine.swap_outputs(&mut outputs);
        for output in outputs.drain(..) {
            match output {
                Output::Send(body) => {
                    let xid = match body {
                        Body::EchoReply(_) => Some(request_xid),
                        _ => None,
                    };
                    self.send(token, body, xid)?;
                }
                Output::Tap(frame) => {
                    let written = match &mut self.config.tap {
                        Some(tap) => tap.device.write(&frame),
                        None => Ok(()),
                    };
                    if let Err(e) = written {
                        (self.config.log)(format!("cannot write a frame to the TAP: {e}"));
                    }
                }
                Output::Finding(text) => {
                    let who = self.who(token);
                    (self.config.log)(format!("{who}: {text}"));
                }
            }
        }
        self.outputs = outputs;
        Ok(())
    }

    /// Frames the Linux stack sent out of the TAP: recorded, then handed to the tunnel app
    /// of the first switch, whose messages go to that switch.
    fn tap_frames(&mut self) -> Result<(), CaptureError> {
        let mut buf = vec![0u8; TAP_FRAME];
        loop {
            let Some(tap) = &mut self.config.tap else {
                return Ok(());
            };
            let len = match tap.device.read(&mut buf) {
                Ok(len) => len,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.failure(format!("reading the TAP: {e}"))),
            };
            let frame = &buf[..len];
            let ts_ns = self.now_ns();
            if let Some(tap) = &mut self.config.tap {
                if let Some((path, writer)) = &mut tap.record {
                    let raw = RawFrame {
                        number: 0,
                        ts_ns,
                        data: frame,
                        orig_len: len as u32,
                        linktype: LinkType::ETHERNET,
                    };
                    if let Err(e) = writer.write_frame(&raw) {
                        let detail = format!("cannot write {}: {e}", Echo::path(path));
                        return Err(self.failure(detail));
                    }
                }
            }
            let Some(conn) = self.engine.tap_conn() else {
                // No switch yet: the frame has nowhere to go, as on a link that is down.
                continue;
            };
            self.engine.tap_frame(ts_ns, frame);
            self.emit(Token(FIRST_CONN + conn as usize), 0)?;
        }
    }

    /// FEATURES_REPLY: the switch is up; an older connection of the same datapath goes.
    fn up(&mut self, token: Token, dpid: u64) {
        let old: Vec<Token> = self
            .conns
            .iter()
            .filter(|(t, c)| **t != token && c.dpid() == Some(dpid))
            .map(|(t, _)| *t)
            .collect();
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        conn.state = State::Up { dpid };
        let peer = conn.peer;
        (self.config.log)(format!(
            "switch {} connected from {peer}",
            format_dpid(dpid)
        ));
        self.report_with(|r| r.switch_up(dpid));
        for t in old {
            let _ = self.close(
                t,
                Some(format!("replaced by its new connection from {peer}")),
                false,
            );
        }
    }

    /// Queues one message (with our own xid unless `xid` is given), recorded as sent.
    fn send(&mut self, token: Token, body: Body, xid: Option<u32>) -> Result<(), CaptureError> {
        let recorded = self.frames.wanted();
        let Some(conn) = self.conns.get_mut(&token) else {
            return Ok(());
        };
        let (idle, frames) = conn.queue_new(body, xid, recorded);
        if idle {
            self.queued.push(token);
        }
        if !recorded {
            return Ok(());
        }
        let ts_ns = self.now_ns();
        self.record(ts_ns, frames)
    }

    /// ECHO_REQUEST to quiet switches; drops the ones silent too long.
    fn keepalive(&mut self) -> Result<(), CaptureError> {
        let now = Instant::now();
        let interval = self.config.echo_interval;
        let mut ping = Vec::new();
        let mut silent = Vec::new();
        for (token, conn) in &self.conns {
            let quiet = now.duration_since(conn.heard);
            if quiet >= interval * SILENT_INTERVALS {
                let why = match conn.partial() {
                    Some((have, len)) => format!(
                        "stalled in the middle of a message ({have} of {len} bytes) for {} s",
                        quiet.as_secs()
                    ),
                    None => format!("stopped answering: nothing for {} s", quiet.as_secs()),
                };
                silent.push((*token, why));
            } else if conn.needs_ping(now, interval) {
                ping.push(*token);
            }
        }
        for (token, why) in silent {
            self.close(token, Some(why), true)?;
        }
        for token in ping {
            if let Some(conn) = self.conns.get_mut(&token) {
                conn.pinged = Some(now);
            }
            self.send(token, Body::EchoRequest(Vec::new()), None)?;
        }
        Ok(())
    }

    /// Ends a connection: one log line when `why` says it was dropped, the FINs recorded.
    fn close(
        &mut self,
        token: Token,
        why: Option<String>,
        by_switch: bool,
    ) -> Result<(), CaptureError> {
        let who = self.who(token);
        let Some(mut conn) = self.conns.remove(&token) else {
            return Ok(());
        };
        let _ = conn.flush();
        let _ = self.poll.registry().deregister(&mut conn.stream);
        let _ = conn.stream.shutdown(std::net::Shutdown::Both);
        self.engine.disconnect(conn.id);
        match why {
            Some(why) => {
                (self.config.log)(format!("{who}: dropped: {why}"));
                self.report_with(|r| r.dropped += 1);
            }
            None if by_switch => (self.config.log)(format!("{who}: disconnected")),
            None => {}
        }
        if !self.frames.wanted() {
            return Ok(());
        }
        let ts = self.now_ns();
        let fins = conn.segments.close(by_switch);
        self.record(ts, fins)
    }

    /// How log lines name a connection: its datapath and address once known.
    fn who(&self, token: Token) -> String {
        match self.conns.get(&token) {
            Some(c) => match c.dpid() {
                Some(dpid) => format!("switch {} ({})", format_dpid(dpid), c.peer),
                None => c.peer.to_string(),
            },
            None => "a connection".into(),
        }
    }

    fn report_with(&self, f: impl FnOnce(&mut Report)) {
        if let Ok(mut report) = self.report.lock() {
            f(&mut report);
        }
    }
}
