//! One switch connection: OpenFlow framing of what it sends, the bounded queue of what we
//! send it, the handshake state and the keepalive clock. No app logic and no recording:
//! the server drives it.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use ofscope_dissectors::openflow::header::HEADER_LEN;

use super::segments::Segments;

/// What we let wait for a switch that does not read: a few thousand messages. Past it the
/// switch has stopped reading, and the connection is dropped rather than grow.
pub const MAX_OUTBOX: usize = 4 << 20;
/// Read in chunks of this size.
const READ_CHUNK: usize = 64 << 10;

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
    /// Bytes read and not yet framed (at most one message's worth once framed).
    inbox: Vec<u8>,
    /// Bytes to send, from `sent` on.
    outbox: Vec<u8>,
    sent: usize,
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
            inbox: Vec::new(),
            outbox: Vec::new(),
            sent: 0,
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

    /// Reads what the socket has. `Ok(false)` when the switch closed its side.
    pub fn read(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.inbox.extend_from_slice(&chunk[..n]);
                    self.heard = Instant::now();
                    self.pinged = None;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next whole message read, or `None` until more bytes come. A header whose
    /// length is less than a header is not OpenFlow: the connection must go.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, Drop> {
        let Some(header) = self.inbox.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        if len < HEADER_LEN {
            return Err(format!(
                "not OpenFlow: a message header says its length is {len} bytes"
            ));
        }
        if self.inbox.len() < len {
            return Ok(None);
        }
        let rest = self.inbox.split_off(len);
        Ok(Some(std::mem::replace(&mut self.inbox, rest)))
    }

    /// Bytes of an unfinished message waiting for the rest, and the length it announced.
    pub fn partial(&self) -> Option<(usize, usize)> {
        let header = self.inbox.first_chunk::<HEADER_LEN>()?;
        Some((
            self.inbox.len(),
            usize::from(u16::from_be_bytes([header[2], header[3]])),
        ))
    }

    /// Queues bytes and sends what the socket takes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Drop> {
        self.outbox.extend_from_slice(bytes);
        self.flush()
    }

    /// Sends what is queued, as far as the socket takes it.
    pub fn flush(&mut self) -> Result<(), Drop> {
        while self.sent < self.outbox.len() {
            match self.stream.write(&self.outbox[self.sent..]) {
                Ok(0) => return Err("the connection closed while we were sending".into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot send: {e}")),
            }
        }
        if self.sent == self.outbox.len() {
            self.outbox.clear();
            self.sent = 0;
        } else if self.outbox.len() - self.sent > MAX_OUTBOX {
            return Err(format!(
                "stopped reading: {} bytes were waiting to be sent to it",
                self.outbox.len() - self.sent
            ));
        } else if self.sent > MAX_OUTBOX {
            // Keeps the queue from growing by what was already sent.
            self.outbox.drain(..self.sent);
            self.sent = 0;
        }
        Ok(())
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
