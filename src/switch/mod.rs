//! The switch's end of an OpenFlow 1.0 connection: ofscope as an emulated switch that
//! connects to a controller. `ofscope bench` drives many of them; `replay --into` drives
//! one per recorded datapath.
//!
//! # API
//!
//! - [`Target::parse`]`("tcp:HOST:PORT")` (IPv4, `[IPv6]`, or a name): where the
//!   controller listens. Its `Display` is the form the user gave.
//! - [`Switch::connect`]`(&target, features, timeout)`: a blocking connect (each address of
//!   the target in turn, bounded by `timeout`), then a non-blocking socket with our HELLO
//!   sent. `features` is the FEATURES_REPLY the switch gives (its dpid and ports:
//!   [`features`] makes a plain one, or pass a recorded one). A refused or unreachable
//!   controller is a [`SwitchError`] whose text is one line.
//! - The switch is a [`mio::event::Source`]: register it with a `Poll`
//!   (READABLE | WRITABLE) and call, on its events:
//!   - [`Switch::receive`]`(&mut answers, |incoming| ..)`: reads what waits, frames it
//!     ([`crate::framing`], the framing `control` uses), and answers what a switch owes
//!     by itself: the version handshake (a controller that offers no OpenFlow 1.0 gets
//!     HELLO_FAILED and is [`SwitchError::WrongVersion`]), FEATURES_REPLY,
//!     GET_CONFIG_REPLY (with what SET_CONFIG set), ECHO_REPLY, BARRIER_REPLY,
//!     QUEUE_GET_CONFIG_REPLY (no queues), STATS_REPLY (asked of `answers` first,
//!     [`Answers::stats`], where a replay answers with recorded replies; else correct
//!     empty or minimal ones, [`answers::minimal_stats`]), and an ERROR BAD_VENDOR to a
//!     VENDOR request. Every message, answered or not, is then handed to the callback as
//!     [`Incoming::Message`] (its bytes: `Message::parse` them, or read the header for
//!     speed), after [`Incoming::Up`] once the FEATURES_REPLY is queued. Answers are
//!     written before `receive` returns. It ends with [`SwitchError::Closed`] when the
//!     controller closed the connection, naming the last message sent to it.
//!   - [`Switch::send`]`(body)` (our own xid) / [`Switch::reply`]`(xid, body)` /
//!     [`Switch::queue_raw`]`(bytes)` (whole messages already emitted, such as a
//!     bench's precomputed PacketIns) queue; [`Switch::flush`] writes what the socket
//!     takes (`Ok(true)` when all of it went; call it again on the WRITABLE event).
//!     [`Switch::pending`] says how much waits.
//! - [`Switch::is_up`], [`Switch::dpid`], [`Switch::config`] (the last SET_CONFIG).

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream as StdStream, ToSocketAddrs};
use std::time::Duration;

use mio::event::Source;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use ofscope_dissectors::openflow::error::{brc, hfc, ofpet};
use ofscope_dissectors::openflow::header::HEADER_LEN;
use ofscope_dissectors::openflow::types::{ofpt, type_name, version_name};
use ofscope_dissectors::openflow::{
    Body, ErrorMsg, FeaturesReply, Hello, Message, QueueGetConfigReply, SwitchConfig, OFP_VERSION,
};
use ofscope_dissectors::printable::Echo;

use crate::framing::{Inbox, Outbox};
use crate::session::format_dpid;

pub mod answers;

pub use answers::{features, minimal_stats, Answers, Minimal};

/// `tcp:HOST:PORT`: where a controller listens.
#[derive(Debug, Clone)]
pub struct Target {
    text: String,
    host: String,
    port: u16,
}

impl Target {
    /// `tcp:127.0.0.1:6653`, `tcp:[::1]:6653`, `tcp:controller.example:6633`.
    pub fn parse(text: &str) -> Result<Target, String> {
        let bad = |why: &str| {
            format!(
                "bad controller address {}: {why}; give tcp:HOST:PORT (tcp:127.0.0.1:6653, tcp:[::1]:6653)",
                Echo::text(text)
            )
        };
        let rest = text
            .strip_prefix("tcp:")
            .ok_or_else(|| bad("it does not start with tcp:"))?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Target {
            text: text.to_string(),
            host: host.to_string(),
            port,
        })
    }

    fn addrs(&self) -> Result<Vec<SocketAddr>, SwitchError> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map(Iterator::collect)
            .map_err(|e| SwitchError::Connect {
                target: self.text.clone(),
                why: format!("cannot resolve {}: {e}", Echo::text(&self.host)),
            })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", Echo::text(&self.text))
    }
}

/// Why a connection to the controller ended or never began: one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchError {
    Connect {
        target: String,
        why: String,
    },
    /// The controller's HELLO offers no OpenFlow 1.0.
    WrongVersion {
        offered: String,
    },
    /// The controller closed the connection.
    Closed {
        last_sent: Option<String>,
    },
    /// What the controller sent is not OpenFlow 1.0.
    Garbage {
        why: String,
    },
    Io {
        why: String,
    },
}

impl fmt::Display for SwitchError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            SwitchError::Connect { target, why } => {
                write!(f, "cannot connect to {}: {why}", Echo::text(target))
            }
            SwitchError::WrongVersion { offered } => write!(
                f,
                "the controller offers {offered} and no OpenFlow 1.0, which is all ofscope's switch speaks: enable OpenFlow 1.0 in the controller"
            ),
            SwitchError::Closed { last_sent: Some(last) } => write!(
                f,
                "the controller closed the connection (the last message sent to it: {last})"
            ),
            SwitchError::Closed { last_sent: None } => write!(
                f,
                "the controller closed the connection before anything was sent to it"
            ),
            SwitchError::Garbage { why } => write!(f, "the controller sent {why}"),
            SwitchError::Io { why } => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for SwitchError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Our HELLO sent, the controller's awaited.
    Hello,
    /// Version agreed; FEATURES_REQUEST awaited.
    Features,
    /// FEATURES_REPLY sent.
    Up,
}

/// What [`Switch::receive`] hands its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// The FEATURES_REPLY is queued: the controller knows the switch.
    Up,
    /// One whole message from the controller (already answered if a switch owes it).
    Message(&'a [u8]),
}

/// One emulated switch connected to a controller.
pub struct Switch {
    stream: TcpStream,
    inbox: Inbox,
    outbox: Outbox,
    state: State,
    features: FeaturesReply,
    config: SwitchConfig,
    next_xid: u32,
    /// The last whole message queued, for the report when the controller hangs up.
    last_sent: Vec<u8>,
}

/// The switch config before any SET_CONFIG: no fragment handling, 128 bytes to the
/// controller (the OpenFlow 1.0 default).
const DEFAULT_CONFIG: SwitchConfig = SwitchConfig {
    flags: 0,
    miss_send_len: 128,
};

impl Switch {
    pub fn connect(
        target: &Target,
        features: FeaturesReply,
        timeout: Duration,
    ) -> Result<Switch, SwitchError> {
        let mut last = None;
        let mut stream = None;
        for addr in target.addrs()? {
            match StdStream::connect_timeout(&addr, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let connect_error = |e: io::Error| {
            let hint = match e.kind() {
                io::ErrorKind::ConnectionRefused => {
                    "; is the controller running and listening there?"
                }
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                    "; is the address right, and does a firewall let it through?"
                }
                _ => "",
            };
            SwitchError::Connect {
                target: target.text.clone(),
                why: format!("{e}{hint}"),
            }
        };
        let stream = match (stream, last) {
            (Some(s), _) => s,
            (None, Some(e)) => return Err(connect_error(e)),
            (None, None) => {
                return Err(connect_error(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the name has no address",
                )))
            }
        };
        let io_error = |e: io::Error| SwitchError::Io {
            why: format!("{target}: {e}"),
        };
        stream.set_nodelay(true).map_err(io_error)?;
        stream.set_nonblocking(true).map_err(io_error)?;
        let mut switch = Switch {
            stream: TcpStream::from_std(stream),
            inbox: Inbox::default(),
            outbox: Outbox::default(),
            state: State::Hello,
            features,
            config: DEFAULT_CONFIG,
            next_xid: 1,
            last_sent: Vec::new(),
        };
        // Sent at once: a controller gives the HELLO exchange little time (Open vSwitch's
        // rconn about a second) and the owner may connect more switches first.
        switch.send(Body::Hello(Hello::default()));
        switch.flush()?;
        Ok(switch)
    }

    pub fn is_up(&self) -> bool {
        self.state == State::Up
    }

    pub fn dpid(&self) -> u64 {
        self.features.datapath_id
    }

    /// The switch config the controller set (SET_CONFIG), or the default.
    pub fn config(&self) -> SwitchConfig {
        self.config
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// Queues a message with our own xid.
    pub fn send(&mut self, body: Body) {
        let xid = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1);
        self.reply(xid, body);
    }

    /// Queues a message with the given xid (a reply keeps its request's).
    pub fn reply(&mut self, xid: u32, body: Body) {
        let bytes = Message::new(xid, body).emit();
        self.queue_raw(&bytes);
    }

    /// Queues whole messages as they are.
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.outbox.push(bytes);
        // The last message of the batch: walk the headers.
        let mut at = 0;
        let mut last = 0;
        while let Some(header) = bytes.get(at..at + HEADER_LEN) {
            last = at;
            let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
            at += len.max(HEADER_LEN);
        }
        self.last_sent.clear();
        self.last_sent.extend_from_slice(&bytes[last..]);
    }

    /// Bytes queued and not yet written.
    pub fn pending(&self) -> usize {
        self.outbox.pending()
    }

    /// Writes what is queued as far as the socket takes it: `Ok(true)` when all went.
    pub fn flush(&mut self) -> Result<bool, SwitchError> {
        match self.outbox.flush_to(&mut self.stream) {
            Ok(all) => Ok(all),
            Err(e) if is_hangup(&e) => Err(self.closed()),
            Err(e) => Err(SwitchError::Io {
                why: format!("cannot send to the controller: {e}"),
            }),
        }
    }

    /// Reads and handles everything waiting (see the module's API), then writes the
    /// answers owed.
    pub fn receive(
        &mut self,
        answers: &mut dyn Answers,
        mut each: impl FnMut(Incoming<'_>),
    ) -> Result<(), SwitchError> {
        loop {
            let read = match self.inbox.read_from(&mut self.stream) {
                Ok(read) => read,
                Err(e) if is_hangup(&e) => Some(0),
                Err(e) => {
                    return Err(SwitchError::Io {
                        why: format!("cannot read from the controller: {e}"),
                    })
                }
            };
            let mut inbox = std::mem::take(&mut self.inbox);
            let handled = self.handle_all(&mut inbox, answers, &mut each);
            self.inbox = inbox;
            handled?;
            match read {
                Some(0) => return Err(self.closed()),
                Some(_) => {
                    self.flush()?;
                }
                None => {
                    self.flush()?;
                    return Ok(());
                }
            }
        }
    }

    fn handle_all(
        &mut self,
        inbox: &mut Inbox,
        answers: &mut dyn Answers,
        each: &mut impl FnMut(Incoming<'_>),
    ) -> Result<(), SwitchError> {
        loop {
            if let Some(peek) = inbox.peek() {
                if self.state != State::Hello && peek.version != OFP_VERSION {
                    return Err(SwitchError::Garbage {
                        why: format!(
                            "a message of version 0x{:02x} after agreeing on OpenFlow 1.0",
                            peek.version
                        ),
                    });
                }
            }
            let bytes = match inbox.next_message() {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return Ok(()),
                Err(why) => return Err(SwitchError::Garbage { why }),
            };
            let was_up = self.is_up();
            self.answer(bytes, answers)?;
            if !was_up && self.is_up() {
                each(Incoming::Up);
            }
            each(Incoming::Message(bytes));
        }
    }

    /// What a switch owes for one message from the controller.
    fn answer(&mut self, bytes: &[u8], answers: &mut dyn Answers) -> Result<(), SwitchError> {
        let (version, msg_type) = (bytes[0], bytes[1]);
        if self.state == State::Hello {
            if msg_type != ofpt::HELLO {
                return Err(SwitchError::Garbage {
                    why: format!(
                        "a message of type {msg_type} before its HELLO: it is not an OpenFlow controller"
                    ),
                });
            }
            let hello = Hello {
                data: bytes[HEADER_LEN..].to_vec(),
            };
            let versions = hello.versions();
            let speaks_10 = match &versions {
                Some(versions) => versions.contains(&OFP_VERSION),
                None => version >= OFP_VERSION,
            };
            if !speaks_10 {
                let offered = match versions {
                    Some(v) => v
                        .iter()
                        .map(|&v| name_of_version(v))
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => name_of_version(version),
                };
                self.reply(
                    0,
                    Body::Error(ErrorMsg {
                        err_type: ofpet::HELLO_FAILED,
                        code: hfc::INCOMPATIBLE,
                        data: b"ofscope's switch speaks OpenFlow 1.0 only".to_vec(),
                    }),
                );
                let _ = self.flush();
                return Err(SwitchError::WrongVersion { offered });
            }
            self.state = State::Features;
            return Ok(());
        }
        let xid = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        match msg_type {
            ofpt::FEATURES_REQUEST => {
                self.reply(xid, Body::FeaturesReply(self.features.clone()));
                self.state = State::Up;
            }
            ofpt::ECHO_REQUEST => {
                self.reply(xid, Body::EchoReply(bytes[HEADER_LEN..].to_vec()));
            }
            ofpt::BARRIER_REQUEST => self.reply(xid, Body::BarrierReply),
            ofpt::GET_CONFIG_REQUEST => self.reply(xid, Body::GetConfigReply(self.config)),
            ofpt::SET_CONFIG => {
                if let Body::SetConfig(config) = Message::parse(bytes).body {
                    self.config = config;
                }
            }
            ofpt::QUEUE_GET_CONFIG_REQUEST => {
                if let Body::QueueGetConfigRequest(request) = Message::parse(bytes).body {
                    let reply = QueueGetConfigReply {
                        port: request.port,
                        queues: Vec::new(),
                    };
                    self.reply(xid, Body::QueueGetConfigReply(reply));
                }
            }
            ofpt::STATS_REQUEST => {
                let request = Message::parse(bytes);
                if let Body::StatsRequest(stats) = &request.body {
                    let replies = answers
                        .stats(&request)
                        .unwrap_or_else(|| minimal_stats(stats, &self.features));
                    if replies.is_empty() {
                        self.bad_request(xid, brc::BAD_STAT, bytes);
                    }
                    for reply in replies {
                        self.reply(xid, Body::StatsReply(reply));
                    }
                }
            }
            ofpt::VENDOR => self.bad_request(xid, brc::BAD_VENDOR, bytes),
            _ => {}
        }
        Ok(())
    }

    /// ERROR BAD_REQUEST with the request's first 64 bytes, as the specification asks.
    fn bad_request(&mut self, xid: u32, code: u16, request: &[u8]) {
        let data = request[..request.len().min(64)].to_vec();
        self.reply(
            xid,
            Body::Error(ErrorMsg {
                err_type: ofpet::BAD_REQUEST,
                code,
                data,
            }),
        );
    }

    fn closed(&self) -> SwitchError {
        let last_sent = (!self.last_sent.is_empty()).then(|| {
            let message = Message::parse(&self.last_sent);
            let name = type_name(message.header.msg_type).unwrap_or("?");
            format!(
                "{name} xid {} from {}",
                message.header.xid,
                format_dpid(self.features.datapath_id)
            )
        });
        SwitchError::Closed { last_sent }
    }
}

fn name_of_version(version: u8) -> String {
    version_name(version).map_or_else(|| format!("version 0x{version:02x}"), str::to_string)
}

/// A peer that went away while we read or wrote.
fn is_hangup(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::WriteZero
    )
}

impl Source for Switch {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.stream.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.stream.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        self.stream.deregister(registry)
    }
}
