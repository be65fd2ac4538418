//! The decode stage: frames in, decoded OpenFlow messages out, each with its connection,
//! direction, frames, timestamp and datapath id.
//!
//! It is the one place where the stream's raw messages meet the dissector, so the pcap
//! command, analysis, replay, the TUI and live capture all see the same records.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::path::Path;

use ofscope_dissectors::openflow::{self, Message};

use crate::capture::{CaptureError, FileSource, FrameSource};
use crate::stream::{ConnId, Direction, StreamConfig, StreamEvent, Tracker};

/// One decoded OpenFlow message and where it came from.
#[derive(Debug, Clone)]
pub struct OfRecord {
    /// 1-based message number in the capture.
    pub index: u64,
    /// Frame numbers the message's bytes came from, in stream order.
    pub frames: Vec<u64>,
    /// The frame that completed the message (see [`crate::stream::OfChunk::frame`]).
    pub frame: u64,
    /// Timestamp of the completing frame, in ns since the epoch.
    pub ts_ns: u64,
    pub conn: ConnId,
    pub direction: Direction,
    /// The switch's datapath id, once FEATURES_REPLY has been seen on the connection.
    pub dpid: Option<u64>,
    /// Exactly the message bytes (fewer than the header says for a truncated message).
    pub bytes: Vec<u8>,
    pub message: Message,
}

impl OfRecord {
    /// The frame that completed the message.
    pub fn frame(&self) -> u64 {
        self.frame
    }

    pub fn from_switch(&self) -> bool {
        self.direction == Direction::SwitchToController
    }

    /// True when the capture lost the end of the message (snaplen, lost segment).
    pub fn is_truncated(&self) -> bool {
        self.bytes.len() < self.message.header.length as usize
    }
}

/// What the session yields, in capture order.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    Record(OfRecord),
    /// Everything the stream reports that is not a message: connections opening and
    /// closing, gaps, retransmissions, out-of-order segments.
    Stream(StreamEvent),
}

/// Formats a datapath id as ovs does: 16 hex digits in colon-separated pairs.
pub fn format_dpid(dpid: u64) -> String {
    // Without `fmt`: this runs once per message in every JSON line.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(23);
    for (i, b) in dpid.to_be_bytes().into_iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// A streaming decode of one frame source.
pub struct Session<S: FrameSource> {
    source: S,
    tracker: Tracker,
    pending: VecDeque<SessionEvent>,
    stream_events: Vec<StreamEvent>,
    dpids: HashMap<ConnId, u64>,
    next_index: u64,
    finished: bool,
}

impl Session<FileSource> {
    /// Opens a capture file (pcap, pcapng, gzipped or not).
    pub fn open(path: impl AsRef<Path>, config: StreamConfig) -> Result<Self, CaptureError> {
        Ok(Session::new(FileSource::open(path)?, config))
    }
}

impl<S: FrameSource> Session<S> {
    pub fn new(source: S, config: StreamConfig) -> Self {
        Session {
            source,
            tracker: Tracker::new(config),
            pending: VecDeque::new(),
            stream_events: Vec::new(),
            dpids: HashMap::new(),
            next_index: 1,
            finished: false,
        }
    }

    /// The connections and counters seen so far.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    /// Ends the session early and gives the source back (a live source to finish).
    pub fn into_source(self) -> S {
        self.source
    }

    /// The next event. An `Err` (a file cut mid-frame, a corrupt record) comes after every
    /// event before it; the session then finishes its streams and ends.
    pub fn next_event(&mut self) -> Option<Result<SessionEvent, CaptureError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if self.finished {
                return None;
            }
            match self.source.next_frame() {
                Some(Ok(frame)) => self.tracker.push_frame(&frame, &mut self.stream_events),
                Some(Err(err)) => {
                    self.finish();
                    return Some(Err(err));
                }
                None => self.finish(),
            }
            self.decode_pending();
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.tracker.finish(&mut self.stream_events);
        self.decode_pending();
    }

    fn decode_pending(&mut self) {
        for event in self.stream_events.drain(..) {
            // A truncated message is still decoded as far as its bytes go: its header, and
            // often the fields a user needs, survive a snaplen cut.
            let chunk = match event {
                StreamEvent::Message(chunk) | StreamEvent::Truncated(chunk) => chunk,
                other => {
                    self.pending.push_back(SessionEvent::Stream(other));
                    continue;
                }
            };
            let message = openflow::parse(&chunk.bytes);
            if let Some(dpid) = message.datapath_id() {
                self.dpids.insert(chunk.conn, dpid);
            }
            let record = OfRecord {
                index: self.next_index,
                frames: chunk.frames,
                frame: chunk.frame,
                ts_ns: chunk.ts_ns,
                conn: chunk.conn,
                direction: chunk.direction,
                dpid: self.dpids.get(&chunk.conn).copied(),
                bytes: chunk.bytes,
                message,
            };
            self.next_index += 1;
            self.pending.push_back(SessionEvent::Record(record));
        }
    }
}

impl<S: FrameSource> Iterator for Session<S> {
    type Item = Result<SessionEvent, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpid_prints_like_ovs() {
        assert_eq!(format_dpid(1), "00:00:00:00:00:00:00:01");
        assert_eq!(
            format_dpid(0x0102_0304_0506_0708),
            "01:02:03:04:05:06:07:08"
        );
    }
}
