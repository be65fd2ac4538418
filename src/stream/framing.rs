//! Cutting one direction's byte stream into OpenFlow messages by their header length, and
//! finding the next message start again after a gap.
use super::header::{is_cut_message_start_v10, OfHeader, HEADER_LEN};
use super::{At, GapReason};

/// What framing produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// Exactly one message; `frames` lists the frames its bytes came from, in order, and
    /// `at` is the frame that completed it.
    Message {
        header: OfHeader,
        frames: Vec<u64>,
        at: At,
        bytes: Vec<u8>,
    },
    /// The start of a message whose rest was lost: `bytes` is shorter than the header says;
    /// `at` is the frame that delivered its last captured byte (see `last_credit`).
    Truncated {
        header: OfHeader,
        frames: Vec<u64>,
        at: At,
        bytes: Vec<u8>,
    },
    /// Bytes given up, from the gap that caused the loss to the next message start.
    Gap {
        at: At,
        skipped: u64,
        reason: GapReason,
    },
}

enum Mode {
    /// `buf` holds the start of the next message.
    Synced,
    /// The rest of a truncated message: its length says where the next one starts.
    Skipping { remaining: u64 },
    /// Looking for a plausible message start; `buf` holds the bytes not yet ruled out.
    /// `at` is where the loss became known (`None` until the first bytes come).
    Resync {
        at: Option<At>,
        skipped: u64,
        reason: GapReason,
    },
}

/// The framer of one direction.
pub struct Framer {
    mode: Mode,
    buf: Vec<u8>,
    frames: Vec<u64>,
    /// The frames credited with the first and the last delivery into `buf`: the carrier,
    /// or the late segment that let held bytes through. A message cut short belongs to the
    /// last (segments that arrived early are delivered, and credited, when the hole fills).
    first_credit: At,
    last_credit: At,
    /// In a resync, `buf` starts where a segment started, right after a gap. Senders write
    /// whole messages, so that is the likeliest message start.
    buf_at_segment_start: bool,
    /// In a resync, where in `buf` each delivery starts, with its frames: a message found
    /// later is still credited to the frame that completed it.
    pieces: Vec<Piece>,
    /// The version the peer speaks, once seen; a resync prefers headers of that version.
    version: Option<u8>,
    /// Resync positions below this were judged (only `undecided` ones may still qualify).
    scanned: usize,
    undecided: Vec<usize>,
}

impl Framer {
    /// A framer that sees the stream from its first byte (the SYN was captured).
    pub fn at_start() -> Framer {
        Framer {
            mode: Mode::Synced,
            buf: Vec::new(),
            frames: Vec::new(),
            first_credit: At::default(),
            last_credit: At::default(),
            buf_at_segment_start: false,
            pieces: Vec::new(),
            version: None,
            scanned: 0,
            undecided: Vec::new(),
        }
    }

    /// A framer joining a stream somewhere in the middle.
    pub fn mid_stream() -> Framer {
        Framer {
            mode: Mode::Resync {
                at: None,
                skipped: 0,
                reason: GapReason::MidStream,
            },
            buf_at_segment_start: true,
            ..Framer::at_start()
        }
    }

    /// Bytes held: a partial message, or the bytes a resync has not ruled out yet.
    pub fn held_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The earliest frame that bytes held here may still be credited to: the first frame
    /// of a message begun and not finished, or of the bytes a resync has not ruled out (a
    /// message found there keeps the frame that completed it).
    pub fn partial_since(&self) -> Option<At> {
        match self.mode {
            Mode::Synced if !self.buf.is_empty() => Some(self.first_credit),
            Mode::Resync { .. } => self.pieces.first().map(|piece| piece.credit),
            Mode::Synced | Mode::Skipping { .. } => None,
        }
    }

    /// Takes the next bytes of the stream: `carrier` carried them, and what they complete is
    /// credited to `credit`.
    pub fn data(&mut self, carrier: At, credit: At, bytes: &[u8], out: &mut Vec<Framed>) {
        match self.mode {
            Mode::Synced => self.synced(carrier, credit, bytes, out),
            Mode::Skipping { remaining } => {
                let skip = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let (_, rest) = bytes.split_at(skip);
                self.mode = match remaining - skip as u64 {
                    0 => Mode::Synced,
                    remaining => Mode::Skipping { remaining },
                };
                if !rest.is_empty() {
                    self.synced(carrier, credit, rest, out);
                }
            }
            Mode::Resync { .. } => self.resync(carrier, credit, bytes, out),
        }
    }

    /// `len` bytes of the stream are lost. A message whose header was seen is reported as
    /// truncated, and its length tells where the next one starts; otherwise, resync.
    pub fn gap(&mut self, at: At, len: u64, reason: GapReason, out: &mut Vec<Framed>) {
        if let Some(start) = self.start_running_into_cut(len) {
            // A message runs into the cut: take it, and frame on over the hole.
            self.frame_from(start, out);
        }
        let remaining = match self.mode {
            Mode::Synced => match OfHeader::parse(&self.buf) {
                Some(header) => {
                    let remaining = u64::from(header.length) - self.buf.len() as u64;
                    out.push(Framed::Truncated {
                        header,
                        frames: std::mem::take(&mut self.frames),
                        at: self.last_credit,
                        bytes: std::mem::take(&mut self.buf),
                    });
                    Some(remaining)
                }
                None => None,
            },
            Mode::Skipping { remaining } => Some(remaining),
            Mode::Resync { .. } => None,
        };
        match remaining {
            Some(remaining) if len <= remaining => {
                out.push(Framed::Gap {
                    at,
                    skipped: len,
                    reason,
                });
                self.mode = match remaining - len {
                    0 => Mode::Synced,
                    remaining => Mode::Skipping { remaining },
                };
            }
            _ => {
                let dropped = self.buf.len() as u64 + len;
                self.buf.clear();
                self.frames.clear();
                let mode = match self.mode {
                    Mode::Resync {
                        at: since,
                        skipped,
                        reason,
                    } => Mode::Resync {
                        at: since.or(Some(at)),
                        skipped: skipped + dropped,
                        reason,
                    },
                    Mode::Synced | Mode::Skipping { .. } => Mode::Resync {
                        at: Some(at),
                        skipped: dropped,
                        reason,
                    },
                };
                self.enter(mode);
                // The next bytes start the segment after the hole.
                self.buf_at_segment_start = true;
            }
        }
    }

    /// The stream ended: reports what is left (a message begun and not finished is
    /// truncated). Returns the count of bytes too few to hold even a header.
    pub fn finish(&mut self, out: &mut Vec<Framed>) -> usize {
        if let (Mode::Synced, Some(header)) = (&self.mode, OfHeader::parse(&self.buf)) {
            out.push(Framed::Truncated {
                header,
                frames: std::mem::take(&mut self.frames),
                at: self.last_credit,
                bytes: std::mem::take(&mut self.buf),
            });
        }
        let left = self.buf.len();
        self.buf.clear();
        self.frames.clear();
        let mode = std::mem::replace(&mut self.mode, Mode::Synced);
        self.enter(Mode::Synced);
        match mode {
            Mode::Synced => left,
            Mode::Skipping { .. } => 0,
            Mode::Resync {
                at,
                skipped,
                reason,
            } => {
                let skipped = skipped + left as u64;
                if skipped > 0 {
                    out.push(Framed::Gap {
                        at: at.unwrap_or(self.last_credit),
                        skipped,
                        reason,
                    });
                }
                0
            }
        }
    }

    /// In a resync, where a message starts that runs into the `cut` bytes the capture lost
    /// (nothing after it can confirm it, so other evidence must):
    /// - at the start of the bytes held, when they start a segment, its header is plausible
    ///   and its message ends exactly where the segment ends: senders write whole messages;
    /// - anywhere else (it may run on over later segments), only once the session's
    ///   version is known, and by the body fields the capture kept
    ///   ([`is_cut_message_start_v10`]).
    fn start_running_into_cut(&self, cut: u64) -> Option<usize> {
        if !matches!(self.mode, Mode::Resync { .. }) {
            return None;
        }
        let held = self.buf.len() as u64;
        let end = |at: usize, header: &OfHeader| at as u64 + u64::from(header.length);
        let runs_into_cut = |at: usize, header: &OfHeader| end(at, header) > held;
        let fills_segment = self.buf_at_segment_start
            && OfHeader::parse(&self.buf)
                .is_some_and(|header| self.acceptable(&header) && end(0, &header) == held + cut);
        if fills_segment {
            return Some(0);
        }
        self.version?;
        (0..self.buf.len().saturating_sub(HEADER_LEN - 1)).find(|&at| {
            let bytes = self.buf.get(at..).unwrap_or_default();
            OfHeader::parse(bytes).is_some_and(|header| {
                self.acceptable(&header)
                    && runs_into_cut(at, &header)
                    && is_cut_message_start_v10(bytes)
            })
        })
    }

    fn synced(&mut self, carrier: At, credit: At, mut bytes: &[u8], out: &mut Vec<Framed>) {
        while !bytes.is_empty() {
            if self.buf.is_empty() {
                // Whole messages straight from the segment, without copying into `buf`.
                while let Some(header) = OfHeader::parse(bytes) {
                    let len = usize::from(header.length);
                    if len < HEADER_LEN || !header.is_openflow_version() {
                        return self.lose_sync(carrier, credit, bytes, out);
                    }
                    let Some((message, rest)) = bytes.split_at_checked(len) else {
                        break;
                    };
                    self.emit(header, vec![carrier.frame], credit, message.to_vec(), out);
                    bytes = rest;
                }
                self.buf.extend_from_slice(bytes);
                if !bytes.is_empty() {
                    self.frames.push(carrier.frame);
                    self.first_credit = credit;
                    self.last_credit = credit;
                }
                return;
            }
            let wanted = match OfHeader::parse(&self.buf) {
                Some(header) => usize::from(header.length),
                None => HEADER_LEN,
            };
            let take = wanted.saturating_sub(self.buf.len()).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            self.buf.extend_from_slice(head);
            bytes = rest;
            if self.frames.last() != Some(&carrier.frame) {
                self.frames.push(carrier.frame);
            }
            self.last_credit = credit;
            let Some(header) = OfHeader::parse(&self.buf) else {
                continue;
            };
            let len = usize::from(header.length);
            if len < HEADER_LEN || !header.is_openflow_version() {
                let held = std::mem::take(&mut self.buf);
                self.frames.clear();
                let joined = [held.as_slice(), bytes].concat();
                return self.lose_sync(carrier, credit, &joined, out);
            }
            if self.buf.len() == len {
                let message = std::mem::take(&mut self.buf);
                let frames = std::mem::take(&mut self.frames);
                self.emit(header, frames, credit, message, out);
            }
        }
    }

    fn emit(
        &mut self,
        header: OfHeader,
        frames: Vec<u64>,
        at: At,
        bytes: Vec<u8>,
        out: &mut Vec<Framed>,
    ) {
        if !header.is_hello() {
            self.version = Some(header.version);
        }
        out.push(Framed::Message {
            header,
            frames,
            at,
            bytes,
        });
    }

    /// A header with a length below 8, or of no OpenFlow version, cannot start a message:
    /// the stream is not OpenFlow here, or the framing went wrong after a loss.
    fn lose_sync(&mut self, carrier: At, credit: At, bytes: &[u8], out: &mut Vec<Framed>) {
        self.enter(Mode::Resync {
            at: Some(carrier),
            skipped: 0,
            reason: GapReason::Unframeable,
        });
        self.resync(carrier, credit, bytes, out);
    }

    /// Whether a resync may take `header` as a message start. Once the session's version is
    /// known, only that version, and no HELLO: a HELLO opens a session, it never follows a
    /// message (and the zero type byte is common in payloads).
    fn acceptable(&self, header: &OfHeader) -> bool {
        header.is_plausible()
            && match self.version {
                Some(version) => version == header.version && !header.is_hello(),
                None => true,
            }
    }

    /// Whether a message may start at `at`: `Some(true)` when its header is plausible and
    /// its message is followed by another plausible header or ends exactly where the data
    /// seen so far ends (senders write one message at a time, so segments tend to end on
    /// message boundaries); `None` when more data is needed to tell.
    fn judge(&self, at: usize) -> Option<bool> {
        let header = self.buf.get(at..).and_then(OfHeader::parse)?;
        if !self.acceptable(&header) {
            return Some(false);
        }
        match self.buf.get(at + usize::from(header.length)..)? {
            [] => Some(true),
            rest => OfHeader::parse(rest).map(|next| self.acceptable(&next)),
        }
    }

    /// Looks for the earliest position `judge` confirms. Positions are judged once each,
    /// except undecided ones, which wait for more data (at most one message length).
    fn resync(&mut self, carrier: At, credit: At, bytes: &[u8], out: &mut Vec<Framed>) {
        let Mode::Resync {
            at: since,
            skipped,
            reason,
        } = self.mode
        else {
            return;
        };
        let since = since.unwrap_or(carrier);
        self.pieces.push(Piece {
            start: self.buf.len(),
            carrier,
            credit,
        });
        self.buf.extend_from_slice(bytes);
        self.last_credit = credit;
        let mut found = None;
        let mut undecided = std::mem::take(&mut self.undecided);
        undecided.retain(|&at| {
            if found.is_some() {
                return true;
            }
            match self.judge(at) {
                Some(true) => {
                    found = Some(at);
                    false
                }
                Some(false) => false,
                None => true,
            }
        });
        while found.is_none() && self.scanned + HEADER_LEN <= self.buf.len() {
            let at = self.scanned;
            match self.judge(at) {
                Some(true) => found = Some(at),
                Some(false) => {}
                None => undecided.push(at),
            }
            self.scanned += 1;
        }
        let Some(at) = found else {
            let drop = undecided.first().copied().unwrap_or(self.scanned);
            self.buf.drain(..drop);
            if drop > 0 {
                self.buf_at_segment_start = false;
                // The piece the kept bytes begin in now starts at 0; those before it go.
                let first_kept = self.pieces.partition_point(|p| p.start <= drop);
                self.pieces.drain(..first_kept.saturating_sub(1));
                for piece in &mut self.pieces {
                    piece.start = piece.start.saturating_sub(drop);
                }
            }
            self.scanned -= drop;
            undecided.iter_mut().for_each(|at| *at -= drop);
            self.undecided = undecided;
            self.mode = Mode::Resync {
                at: Some(since),
                skipped: skipped + drop as u64,
                reason,
            };
            return;
        };
        self.mode = Mode::Resync {
            at: Some(since),
            skipped: skipped + at as u64,
            reason,
        };
        self.frame_from(at, out);
    }

    /// Ends a resync at the message start `at` in `buf`, and frames the bytes from there,
    /// each piece with its own frames.
    fn frame_from(&mut self, at: usize, out: &mut Vec<Framed>) {
        let held = std::mem::take(&mut self.buf);
        let pieces = std::mem::take(&mut self.pieces);
        self.close_resync(out);
        let ends = pieces.iter().skip(1).map(|p| p.start).chain([held.len()]);
        for (piece, end) in pieces.iter().zip(ends) {
            let bytes = held.get(piece.start.max(at)..end).unwrap_or_default();
            if !bytes.is_empty() {
                self.synced(piece.carrier, piece.credit, bytes, out);
            }
        }
    }

    /// A message start was found: reports the bytes skipped before it and frames on.
    fn close_resync(&mut self, out: &mut Vec<Framed>) {
        if let Mode::Resync {
            at,
            skipped,
            reason,
        } = self.mode
        {
            if skipped > 0 {
                out.push(Framed::Gap {
                    at: at.unwrap_or(self.last_credit),
                    skipped,
                    reason,
                });
            }
        }
        self.enter(Mode::Synced);
    }

    /// Changes mode, forgetting the resync scan (the buffer is empty or about to be).
    fn enter(&mut self, mode: Mode) {
        self.mode = mode;
        self.scanned = 0;
        self.undecided.clear();
        self.buf_at_segment_start = false;
        self.pieces.clear();
    }
}

/// Bytes of a resync buffer from one delivery.
struct Piece {
    start: usize,
    carrier: At,
    credit: At,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(msg_type: u8, len: u16, xid: u32) -> Vec<u8> {
        let mut m = vec![1, msg_type];
        m.extend_from_slice(&len.to_be_bytes());
        m.extend_from_slice(&xid.to_be_bytes());
        m.resize(usize::from(len), 0xaa);
        m
    }

    /// Frame `n`, one millisecond apart.
    fn at(n: u64) -> At {
        At {
            frame: n,
            ts_ns: n * 1_000_000,
        }
    }

    fn xids(out: &[Framed]) -> Vec<u32> {
        out.iter()
            .filter_map(|f| match f {
                Framed::Message { header, .. } => Some(header.xid),
                Framed::Truncated { .. } | Framed::Gap { .. } => None,
            })
            .collect()
    }

    #[test]
    fn splits_and_joins_messages_across_chunks() {
        let stream = [msg(0, 8, 1), msg(10, 60, 2), msg(13, 30, 3)].concat();
        let mut framer = Framer::at_start();
        let mut out = Vec::new();
        for (i, chunk) in stream.chunks(7).enumerate() {
            framer.data(at(i as u64 + 1), at(i as u64 + 1), chunk, &mut out);
        }
        assert_eq!(xids(&out), vec![1, 2, 3]);
        let Framed::Message { frames, bytes, .. } = &out[1] else {
            panic!("not a message: {:?}", out[1]);
        };
        assert_eq!(frames, &(2..=10).collect::<Vec<u64>>());
        assert_eq!(bytes.len(), 60);
        assert_eq!(framer.finish(&mut out), 0);
    }

    #[test]
    fn resyncs_after_a_gap_without_inventing_bytes() {
        let mut framer = Framer::at_start();
        let mut out = Vec::new();
        let first = msg(10, 40, 1);
        framer.data(at(1), at(1), &first[..5], &mut out);
        framer.gap(at(2), 100, GapReason::Lost, &mut out);
        // The tail of some lost message, then two whole ones.
        let tail = [vec![0x55; 13], msg(13, 24, 7), msg(2, 8, 8)].concat();
        framer.data(at(3), at(3), &tail, &mut out);
        assert_eq!(
            out[0],
            Framed::Gap {
                at: at(2),
                skipped: 5 + 100 + 13,
                reason: GapReason::Lost
            }
        );
        assert_eq!(xids(&out), vec![7, 8]);
    }

    #[test]
    fn a_cut_message_is_truncated_and_its_length_skips_the_hole() {
        let mut framer = Framer::at_start();
        let mut out = Vec::new();
        let stream = [msg(10, 40, 1), msg(13, 30, 2)].concat();
        // Snaplen cut: 12 bytes captured of a 25-byte segment; the next segment is whole.
        framer.data(at(1), at(1), &stream[..12], &mut out);
        framer.gap(at(1), 13, GapReason::Snaplen, &mut out);
        framer.data(at(2), at(2), &stream[25..], &mut out);
        let Framed::Truncated { header, bytes, .. } = &out[0] else {
            panic!("not truncated: {:?}", out[0]);
        };
        assert_eq!((header.xid, bytes.len()), (1, 12));
        assert_eq!(
            out[1],
            Framed::Gap {
                at: at(1),
                skipped: 13,
                reason: GapReason::Snaplen
            }
        );
        assert_eq!(xids(&out), vec![2]);
    }

    #[test]
    fn garbage_is_held_only_within_a_bound() {
        let mut framer = Framer::mid_stream();
        let mut out = Vec::new();
        let mut state = 0x1234_5678u32;
        for frame in 1..2000 {
            let chunk: Vec<u8> = (0..1000)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as u8
                })
                .collect();
            framer.data(at(frame), at(frame), &chunk, &mut out);
            assert!(framer.held_bytes() <= 2 * 65_536 + 1000);
        }
    }
}
