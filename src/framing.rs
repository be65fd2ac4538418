//! OpenFlow framing of a TCP byte stream, both ways, for both ends of a connection (the
//! controller's, `control::conn`, and the switch's, `switch`): [`Inbox`] cuts what a socket
//! delivers into whole messages by their header length, without a copy or an allocation
//! per message; [`Outbox`] gathers what is to be sent, so that many messages go in one
//! write.

use std::io::{self, Read, Write};

use ofscope_dissectors::openflow::header::HEADER_LEN;

/// One read takes at most this much. A message is at most 64 KiB (its length is 16 bits),
/// so a buffer of twice that always has room for the rest of one.
const READ_CHUNK: usize = 64 << 10;
const INBOX_SIZE: usize = 2 * READ_CHUNK;

/// The first bytes of the next message: enough to judge it before the rest arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peek {
    pub version: u8,
    pub msg_type: u8,
    /// The length its header announces (a whole message is this long).
    pub length: usize,
}

/// Bytes read and not yet taken as messages.
#[derive(Default)]
pub struct Inbox {
    buf: Vec<u8>,
    /// Taken up to here; bytes are valid up to `end`.
    start: usize,
    end: usize,
}

impl Inbox {
    /// Reads what is waiting, one chunk at most: `Some(0)` when the peer closed its side,
    /// `None` when nothing is waiting (a non-blocking socket).
    pub fn read_from(&mut self, source: &mut impl Read) -> io::Result<Option<usize>> {
        if self.buf.is_empty() {
            self.buf = vec![0; INBOX_SIZE];
        }
        if self.buf.len() - self.end < READ_CHUNK {
            // What is left is less than a message: moved to the front.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let room = (self.buf.len() - self.end).min(READ_CHUNK);
        loop {
            match source.read(&mut self.buf[self.end..self.end + room]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(Some(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next message's header, as soon as its 8 bytes are here.
    pub fn peek(&self) -> Option<Peek> {
        let bytes = self.buf.get(self.start..self.end)?;
        let &[version, msg_type, l0, l1, ..] = bytes.first_chunk::<HEADER_LEN>()?;
        Some(Peek {
            version,
            msg_type,
            length: usize::from(u16::from_be_bytes([l0, l1])),
        })
    }

    /// The next whole message, or `None` until more bytes come. A header announcing
    /// fewer bytes than a header is not OpenFlow: the error says so, and the stream cannot
    /// be framed any further.
    pub fn next_message(&mut self) -> Result<Option<&[u8]>, String> {
        let Some(peek) = self.peek() else {
            return Ok(None);
        };
        if peek.length < HEADER_LEN {
            return Err(format!(
                "not OpenFlow: a message header says its length is {} bytes",
                peek.length
            ));
        }
        if self.end - self.start < peek.length {
            return Ok(None);
        }
        let at = self.start;
        self.start += peek.length;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(Some(&self.buf[at..at + peek.length]))
    }

    /// Bytes of an unfinished message waiting for the rest, and the length it announced.
    pub fn partial(&self) -> Option<(usize, usize)> {
        let peek = self.peek()?;
        Some((self.end - self.start, peek.length))
    }
}

/// Bytes to send, in order; written as far as the socket takes them.
#[derive(Default)]
pub struct Outbox {
    buf: Vec<u8>,
    /// Sent up to here.
    sent: usize,
}

impl Outbox {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Lets `write` append to the queue (a message emitted in place, without a buffer of
    /// its own); returns what it appended.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
        let start = self.buf.len();
        write(&mut self.buf);
        &self.buf[start..]
    }

    /// Bytes queued and not yet sent.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.sent
    }

    /// Writes what is queued until the socket would block. `Ok(true)` when all of it went.
    pub fn flush_to(&mut self, sink: &mut impl Write) -> io::Result<bool> {
        while self.sent < self.buf.len() {
            match sink.write(&self.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.sent == self.buf.len() {
            self.buf.clear();
            self.sent = 0;
            return Ok(true);
        }
        if self.sent >= self.buf.len() / 2 {
            // Keeps the queue from growing by what was already sent.
            self.buf.drain(..self.sent);
            self.sent = 0;
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes a few at a time.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn message(msg_type: u8, body: usize) -> Vec<u8> {
        let len = (HEADER_LEN + body) as u16;
        let mut m = vec![1, msg_type, (len >> 8) as u8, len as u8, 0, 0, 0, 7];
        m.resize(HEADER_LEN + body, msg_type);
        m
    }

    #[test]
    fn frames_messages_split_anywhere() {
        let stream: Vec<u8> = [message(0, 0), message(10, 70_000 - 65_536), message(2, 3)]
            .concat()
            .into_iter()
            .chain(message(13, 65_527))
            .collect();
        for step in [1, 3, 8, 100, 70_000] {
            let mut inbox = Inbox::default();
            let mut source = Trickle(&stream, step);
            let mut got = Vec::new();
            while inbox.read_from(&mut source).unwrap().is_some() {
                while let Some(m) = inbox.next_message().unwrap() {
                    got.push(m.to_vec());
                }
            }
            let lens: Vec<usize> = got.iter().map(Vec::len).collect();
            assert_eq!(lens, [8, 4_472, 11, 65_535], "step {step}");
            assert_eq!(got.concat(), stream);
            assert_eq!(inbox.partial(), None);
        }
    }

    #[test]
    fn a_length_under_a_header_is_refused() {
        let mut inbox = Inbox::default();
        inbox
            .read_from(&mut Trickle(&[1, 0, 0, 4, 0, 0, 0, 0], 8))
            .unwrap();
        assert!(inbox.next_message().unwrap_err().contains("length is 4"));
    }

    #[test]
    fn a_partial_message_says_how_much_is_missing() {
        let mut inbox = Inbox::default();
        inbox
            .read_from(&mut Trickle(&message(10, 100)[..50], 50))
            .unwrap();
        assert_eq!(inbox.next_message().unwrap(), None);
        assert_eq!(inbox.partial(), Some((50, 108)));
    }
}
