//! One switch connection: OpenFlow framing of what it sends ([`Inbox`]), the bounded queue
//! of what we send it ([`Outbox`]), the handshake state and the keepalive clock. No app
//! logic and no recording: the server drives it.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use ofscope_dissectors::openflow::types::ofpt;
use ofscope_dissectors::openflow::{Body, Message, OFP_VERSION};

use super::segments::Segments;
use crate::framing::{Inbox, Outbox};

/// What we let wait for a switch that does not read: a few thousand messages. Past it the
/// switch has stopped reading, and the connection is dropped rather than grow.
pub const MAX_OUTBOX: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the switch's HELLO.
    Hello,
    /// Version agreed, FEATURES_REQUEST sent.
    Features,
    /// FEATURES_REPLY seen: the switch is up.
    Up { dpid: u64 },
}

pub struct Conn {
    pub id: u32,
    pub stream: TcpStream,
    pub peer: SocketAddr,
    pub state: State,
    /// The recording's view of this connection.
    pub segments: Segments,
    /// Bytes read and not yet framed (at most one message's worth once framed). The
    /// server takes it while it hands the messages out ([`Conn::take_inbox`]).
    inbox: Inbox,
    outbox: Outbox,
    next_xid: u32,
    /// When the switch last sent anything.
    pub heard: Instant,
    /// When we last sent it an ECHO_REQUEST because it was quiet.
    pub pinged: Option<Instant>,
}

/// Why a connection must go.
pub type Drop = String;

impl Conn {
    pub fn new(id: u32, stream: TcpStream, peer: SocketAddr, local: SocketAddr) -> Conn {
        Conn {
            id,
            stream,
            peer,
            state: State::Hello,
            segments: Segments::new(peer, local),
            inbox: Inbox::default(),
            outbox: Outbox::default(),
            next_xid: 1,
            heard: Instant::now(),
            pinged: None,
        }
    }

    pub fn dpid(&self) -> Option<u64> {
        match self.state {
            State::Up { dpid } => Some(dpid),
            _ => None,
        }
    }

    /// Our own transaction ids, counted per connection.
    pub fn xid(&mut self) -> u32 {
        let xid = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1);
        xid
    }

    /// Reads one chunk: `Some(0)` when the switch closed its side, `None` when nothing is
    /// waiting.
    pub fn read_chunk(&mut self) -> io::Result<Option<usize>> {
        let read = self.inbox.read_from(&mut self.stream)?;
        if read.is_some_and(|n| n > 0) {
            self.heard = Instant::now();
            self.pinged = None;
        }
        Ok(read)
    }

    /// The bytes read, to frame with [`Conn::next_message`] while the server handles each
    /// message; given back with [`Conn::put_inbox`].
    pub fn take_inbox(&mut self) -> Inbox {
        std::mem::take(&mut self.inbox)
    }

    pub fn put_inbox(&mut self, inbox: Inbox) {
        self.inbox = inbox;
    }

    /// The next whole message of `inbox`, or `None` until more bytes come. A header is
    /// judged as soon as it is read, so that garbage (which announces anything) goes at
    /// once: one whose length is less than a header, a first message that is not HELLO, or
    /// a version other than 1.0 once agreed, is not OpenFlow, and the connection must go.
    pub fn next_message<'a>(&self, inbox: &'a mut Inbox) -> Result<Option<&'a [u8]>, Drop> {
        let Some(peek) = inbox.peek() else {
            return Ok(None);
        };
        match self.state {
            State::Hello if peek.msg_type != ofpt::HELLO => {
                return Err(format!(
                    "not an OpenFlow switch: its first message is of type {}, not HELLO",
                    peek.msg_type
                ))
            }
            State::Features | State::Up { .. } if peek.version != OFP_VERSION => {
                return Err(format!(
                    "sent a message of OpenFlow version 0x{:02x} after agreeing on 1.0",
                    peek.version
                ))
            }
            _ => {}
        }
        inbox.next_message()
    }

    /// Bytes of an unfinished message waiting for the rest, and the length it announced.
    pub fn partial(&self) -> Option<(usize, usize)> {
        self.inbox.partial()
    }

    /// Queues bytes, sent by the next [`Conn::flush`]: the server flushes once it has
    /// handled what it read, so that the answers to a batch go in one write. `true` when
    /// nothing was queued before (the server then notes the connection for its flush).
    pub fn queue(&mut self, bytes: &[u8]) -> bool {
        let idle = self.outbox.pending() == 0;
        self.outbox.push(bytes);
        idle
    }

    /// Queues a new message of ours, as [`Conn::queue`] does: with our own xid unless `xid`
    /// is given. Also returns, when `recorded`, the recording's frames of it.
    pub fn queue_new(
        &mut self,
        body: Body,
        xid: Option<u32>,
        recorded: bool,
    ) -> (bool, Vec<Vec<u8>>) {
        let xid = xid.unwrap_or_else(|| self.xid());
        let idle = self.outbox.pending() == 0;
        let bytes = self
            .outbox
            .push_with(|out| Message::emit_new(xid, body, out));
        let frames = if recorded {
            self.segments.data(false, bytes)
        } else {
            Vec::new()
        };
        (idle, frames)
    }

    /// Sends what is queued, as far as the socket takes it.
    pub fn flush(&mut self) -> Result<(), Drop> {
        match self.outbox.flush_to(&mut self.stream) {
            Ok(_) if self.outbox.pending() > MAX_OUTBOX => Err(format!(
                "stopped reading: {} bytes were waiting to be sent to it",
                self.outbox.pending()
            )),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WriteZero => {
                Err("the connection closed while we were sending".into())
            }
            Err(e) => Err(format!("cannot send: {e}")),
        }
    }

    /// Whether the switch has been quiet for `interval` and needs an ECHO_REQUEST now
    /// (one per quiet interval).
    pub fn needs_ping(&self, now: Instant, interval: Duration) -> bool {
        now.duration_since(self.heard) >= interval
            && self
                .pinged
                .is_none_or(|at| now.duration_since(at) >= interval)
    }
}
