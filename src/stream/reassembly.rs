//! One direction of a TCP connection put back in sequence order.
//!
//! Bytes are delivered once each, in order. Retransmitted bytes are dropped (and compared
//! with what was delivered, when still remembered). Segments from the future are held while
//! a hole before them may still fill. A hole is given up as a gap as soon as the capture
//! shows that the capture lost it, not the network (the peer acknowledged past it: it will
//! never be sent again), and otherwise after a bound in capture time, in bytes and in
//! segments, or when the stream ends. No byte is ever made up: a hole is reported as such.
//!
//! Each delivery names two frames: the one that carried the bytes, and the one to credit
//! with what they complete. They differ for held segments. When a late segment fills the
//! hole, what it completes is credited to it (the frame that completed the message, as
//! tshark does); when the hole is given up, each held segment keeps its own frame and time,
//! as if the lost bytes had never been sent.
use std::collections::{BTreeMap, VecDeque};

use super::{At, GapReason};

/// How much one direction may hold, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Payload bytes of out-of-order segments waiting for a hole to fill.
    pub max_held_bytes: usize,
    /// Out-of-order segments waiting for a hole to fill.
    pub max_held_segments: usize,
    /// Capture time a hole may wait for a retransmission before it is given up. Above
    /// TCP's usual retransmission timeouts (200 ms minimum on Linux, one second by the
    /// RFC), so a hole the network made is filled first; when the peer's ACKs are in the
    /// capture, a hole the capture made is given up long before.
    pub max_hold_ns: u64,
    /// Delivered bytes remembered to check retransmissions against.
    pub history_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_held_bytes: 1 << 20,
            max_held_segments: 512,
            max_hold_ns: 3_000_000_000,
            history_bytes: 16 << 10,
        }
    }
}

/// The furthest an acknowledgement is believed beyond the bytes delivered: more than any
/// window a capture is likely to miss at once. A wilder one (a forged or broken ACK field)
/// would otherwise declare the rest of the stream lost.
const MAX_ACK_AHEAD: u64 = 16 << 20;

/// What the reassembler observed besides the bytes themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// Bytes seen before were sent again.
    Retransmission { frame: u64, bytes: u64 },
    /// Bytes sent again differ from the first copy (first difference at stream `offset`,
    /// among `bytes` compared); the first copy is kept.
    OverlapConflict { frame: u64, offset: u64, bytes: u64 },
    /// A segment arrived ahead of a hole and is held.
    OutOfOrder { frame: u64, bytes: u64 },
}

/// Where the reassembled direction goes.
pub trait Sink {
    /// Bytes in order: `carrier` is the frame that carried them, `credit` the frame that
    /// completes whatever they complete.
    fn data(&mut self, carrier: At, credit: At, bytes: &[u8]);
    /// `len` bytes of the stream will never be seen; `at` is where that became known in
    /// stream order (the segment after the hole, or the cut segment).
    fn gap(&mut self, at: At, len: u64, reason: GapReason);
    fn note(&mut self, note: Note);
}

struct Held {
    at: At,
    data: Vec<u8>,
    missing: u32,
}

/// One direction of a connection.
#[derive(Default)]
pub struct HalfStream {
    /// The sequence number of the next byte to deliver; `None` before anything is known.
    next_seq: Option<u32>,
    /// Stream offset of the next byte to deliver (never wraps, unlike `next_seq`).
    next_pos: u64,
    held: BTreeMap<u64, Held>,
    held_bytes: usize,
    /// The earliest frame among the held segments (and its time), while any is held.
    oldest_held: Option<At>,
    /// How far the peer has acknowledged this direction, as a stream offset.
    acked_pos: u64,
    /// The last delivered bytes, ending at `next_pos`.
    history: VecDeque<u8>,
    fin_pos: Option<u64>,
}

impl HalfStream {
    /// A SYN fixes where data starts, unless data was seen already.
    pub fn syn(&mut self, isn: u32) {
        if self.next_seq.is_none() {
            self.next_seq = Some(isn.wrapping_add(1));
        }
    }

    /// True when every byte before sequence number `end` was delivered (or declared lost).
    #[inline]
    pub fn delivered(&self, end: u32) -> bool {
        self.next_seq
            .is_some_and(|next| next.wrapping_sub(end) as i32 >= 0)
    }

    /// True once the start of this direction is known.
    pub fn started(&self) -> bool {
        self.next_seq.is_some()
    }

    /// Payload bytes held out of order.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// The earliest held frame: what this direction may still deliver with its own credit.
    pub fn oldest_held(&self) -> Option<At> {
        self.oldest_held
    }

    /// True once every byte up to the FIN has been delivered (or declared lost).
    pub fn finished(&self) -> bool {
        self.fin_pos.is_some_and(|fin| self.next_pos >= fin)
    }

    /// Records a FIN at `seq` (the sequence number after the segment's payload).
    pub fn fin(&mut self, seq: u32) {
        let next_seq = *self.next_seq.get_or_insert(seq);
        let pos = self.position(next_seq, seq);
        self.fin_pos = Some(u64::try_from(pos).unwrap_or(0));
    }

    /// Takes one segment's payload: `missing` bytes beyond `payload` were cut by the snaplen.
    pub fn push(
        &mut self,
        at: At,
        seq: u32,
        payload: &[u8],
        missing: u32,
        limits: &Limits,
        sink: &mut impl Sink,
    ) {
        if payload.is_empty() && missing == 0 {
            return;
        }
        let next_seq = *self.next_seq.get_or_insert(seq);
        let pos = self.position(next_seq, seq);
        if pos > self.next_pos_signed() {
            self.hold(at, pos.unsigned_abs(), payload, missing, sink);
            self.give_up_acked(limits, sink);
            self.enforce_limits(limits, sink);
        } else {
            self.accept(at, at, pos, payload, missing, limits, sink);
            self.drain(Some(at), limits, sink);
        }
    }

    /// The peer acknowledged everything before `ack`. Returns whether that leaves a hole
    /// to give up ([`HalfStream::give_up_acknowledged`]): a hole below it was received by
    /// the peer, so no retransmission will come, and the capture lost it.
    pub fn note_ack(&mut self, ack: u32) -> bool {
        let Some(next_seq) = self.next_seq else {
            return false;
        };
        // Sequence numbers wrap; the signed distance does not. Nearly every ACK is at or
        // behind the bytes delivered.
        let Ok(ahead) = u64::try_from(ack.wrapping_sub(next_seq) as i32) else {
            return false;
        };
        if ahead == 0 || ahead > MAX_ACK_AHEAD {
            return false;
        }
        // The FIN takes a sequence number of its own, which carries no byte.
        let pos = self.next_pos + ahead;
        let pos = self.fin_pos.map_or(pos, |fin| pos.min(fin));
        self.acked_pos = self.acked_pos.max(pos);
        self.acked_pos > self.next_pos
    }

    /// Gives up what the peer acknowledged and the capture does not have; `at` is the
    /// frame of the acknowledgement.
    pub fn give_up_acknowledged(&mut self, at: At, limits: &Limits, sink: &mut impl Sink) {
        if self.held.is_empty() && self.acked_pos > self.next_pos {
            // Nothing came after the hole yet: the bytes the peer has are lost to us now,
            // and a message they would have finished is known to be cut.
            self.skip(at, self.acked_pos - self.next_pos, GapReason::Lost, sink);
        }
        self.give_up_acked(limits, sink);
    }

    /// Gives up the holes that have waited longer than the bound at capture time `now_ns`.
    pub fn expire(&mut self, now_ns: u64, limits: &Limits, sink: &mut impl Sink) {
        while self
            .oldest_held
            .is_some_and(|oldest| now_ns.saturating_sub(oldest.ts_ns) >= limits.max_hold_ns)
        {
            self.give_up_first_hole(u64::MAX, limits, sink);
        }
    }

    /// Delivers everything held, declaring the holes as gaps (the stream is ending).
    pub fn flush(&mut self, limits: &Limits, sink: &mut impl Sink) {
        while !self.held.is_empty() {
            self.give_up_first_hole(u64::MAX, limits, sink);
        }
    }

    fn position(&self, next_seq: u32, seq: u32) -> i64 {
        // Sequence numbers wrap; the signed distance to the next expected byte does not.
        self.next_pos_signed() + i64::from(seq.wrapping_sub(next_seq) as i32)
    }

    fn next_pos_signed(&self) -> i64 {
        signed(self.next_pos)
    }

    /// Takes a segment that starts at or before the next expected byte.
    #[allow(clippy::too_many_arguments)]
    fn accept(
        &mut self,
        carrier: At,
        credit: At,
        pos: i64,
        payload: &[u8],
        missing: u32,
        limits: &Limits,
        sink: &mut impl Sink,
    ) {
        let next = self.next_pos_signed();
        let data_end = pos + payload.len() as i64;
        let end = data_end + i64::from(missing);
        let seen = usize::try_from(next - pos).unwrap_or(0).min(payload.len());
        if next > pos {
            self.compare(
                carrier.frame,
                pos,
                payload.get(..seen).unwrap_or_default(),
                sink,
            );
            let resent = (end.min(next) - pos).unsigned_abs();
            sink.note(Note::Retransmission {
                frame: carrier.frame,
                bytes: resent,
            });
        }
        if let Some(new) = payload.get(seen..).filter(|new| !new.is_empty()) {
            self.deliver(carrier, credit, new, limits, sink);
        }
        let after = self.next_pos_signed();
        if end > after {
            self.skip(
                credit,
                (end - after).unsigned_abs(),
                GapReason::Snaplen,
                sink,
            );
        }
    }

    fn deliver(
        &mut self,
        carrier: At,
        credit: At,
        bytes: &[u8],
        limits: &Limits,
        sink: &mut impl Sink,
    ) {
        let keep = limits.history_bytes;
        if bytes.len() >= keep {
            self.history.clear();
            self.history
                .extend(bytes.get(bytes.len() - keep..).unwrap_or_default());
        } else {
            self.history.extend(bytes);
            let excess = self.history.len().saturating_sub(keep);
            self.history.drain(..excess);
        }
        self.advance(bytes.len() as u64);
        sink.data(carrier, credit, bytes);
    }

    fn skip(&mut self, at: At, len: u64, reason: GapReason, sink: &mut impl Sink) {
        self.history.clear();
        self.advance(len);
        sink.gap(at, len, reason);
    }

    fn advance(&mut self, len: u64) {
        self.next_pos += len;
        if let Some(seq) = &mut self.next_seq {
            // Truncation is the point: sequence numbers are modulo 2^32.
            *seq = seq.wrapping_add(len as u32);
        }
    }

    /// Compares resent bytes at `pos` with the remembered delivered bytes.
    fn compare(&self, frame: u64, pos: i64, resent: &[u8], sink: &mut impl Sink) {
        let history_start = self.next_pos_signed() - self.history.len() as i64;
        let from = pos.max(history_start);
        let to = (pos + resent.len() as i64).min(self.next_pos_signed());
        if from >= to {
            return;
        }
        let in_resent = (from - pos).unsigned_abs() as usize;
        let in_history = (from - history_start).unsigned_abs() as usize;
        let len = (to - from).unsigned_abs() as usize;
        let new = resent.iter().skip(in_resent).take(len);
        let old = self.history.range(in_history..).take(len);
        if let Some(first) = new.zip(old).position(|(new, old)| new != old) {
            sink.note(Note::OverlapConflict {
                frame,
                offset: from.unsigned_abs() + first as u64,
                bytes: len as u64,
            });
        }
    }

    fn hold(&mut self, at: At, pos: u64, payload: &[u8], missing: u32, sink: &mut impl Sink) {
        let len = payload.len() as u64 + u64::from(missing);
        if let Some(old) = self.held.get(&pos) {
            sink.note(Note::Retransmission {
                frame: at.frame,
                bytes: len,
            });
            if old.data.len() + old.missing as usize >= payload.len() + missing as usize {
                return;
            }
            self.held_bytes -= old.data.len();
        } else {
            sink.note(Note::OutOfOrder {
                frame: at.frame,
                bytes: len,
            });
        }
        self.held_bytes += payload.len();
        self.held.insert(
            pos,
            Held {
                at,
                data: payload.to_vec(),
                missing,
            },
        );
        if self
            .oldest_held
            .is_none_or(|oldest| at.frame < oldest.frame)
        {
            self.oldest_held = Some(at);
        }
    }

    /// Past the bounds in bytes and segments, the first hole is given up as lost.
    fn enforce_limits(&mut self, limits: &Limits, sink: &mut impl Sink) {
        while self.held_bytes > limits.max_held_bytes || self.held.len() > limits.max_held_segments
        {
            self.give_up_first_hole(u64::MAX, limits, sink);
        }
    }

    /// Gives up what the peer acknowledged and the capture does not have. Bytes beyond the
    /// acknowledgement may still come (a loss in the network is retransmitted).
    fn give_up_acked(&mut self, limits: &Limits, sink: &mut impl Sink) {
        while !self.held.is_empty() && self.acked_pos > self.next_pos {
            self.give_up_first_hole(self.acked_pos, limits, sink);
        }
    }

    /// Declares the hole before the first held segment lost, up to `until` at most, and
    /// delivers what the held segments then complete, each with its own frame.
    fn give_up_first_hole(&mut self, until: u64, limits: &Limits, sink: &mut impl Sink) {
        let Some((&first, held)) = self.held.first_key_value() else {
            return;
        };
        let end = first.min(until);
        if end > self.next_pos {
            let at = held.at;
            self.skip(at, end - self.next_pos, GapReason::Lost, sink);
        }
        self.drain(None, limits, sink);
    }

    /// Delivers held segments that the stream has caught up with, credited to `credit`
    /// (the frame that filled the hole) or, when a hole was given up, to their own frames.
    #[inline]
    fn drain(&mut self, credit: Option<At>, limits: &Limits, sink: &mut impl Sink) {
        if self.held.is_empty() {
            return;
        }
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() > self.next_pos {
                break;
            }
            let (pos, held) = entry.remove_entry();
            self.held_bytes -= held.data.len();
            self.accept(
                held.at,
                credit.unwrap_or(held.at),
                signed(pos),
                &held.data,
                held.missing,
                limits,
                sink,
            );
        }
        self.oldest_held = self
            .held
            .values()
            .map(|held| held.at)
            .min_by_key(|at| at.frame);
    }
}

/// Stream offsets stay far below 2^63 (that would take centuries of capture).
fn signed(pos: u64) -> i64 {
    i64::try_from(pos).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Record {
        bytes: Vec<u8>,
        gaps: Vec<(u64, GapReason)>,
        notes: Vec<Note>,
        credits: Vec<u64>,
    }

    /// What the tracker does with an ACK from the peer.
    fn ack(half: &mut HalfStream, at: At, ack: u32, out: &mut Record) {
        if half.note_ack(ack) {
            half.give_up_acknowledged(at, &Limits::default(), out);
        }
    }

    /// Frame `n`, one millisecond apart.
    fn at(n: u64) -> At {
        At {
            frame: n,
            ts_ns: n * 1_000_000,
        }
    }

    impl Sink for Record {
        fn data(&mut self, _carrier: At, credit: At, bytes: &[u8]) {
            self.bytes.extend_from_slice(bytes);
            self.credits.push(credit.frame);
        }
        fn gap(&mut self, _at: At, len: u64, reason: GapReason) {
            self.gaps.push((len, reason));
        }
        fn note(&mut self, note: Note) {
            self.notes.push(note);
        }
    }

    #[test]
    fn orders_drops_resent_and_reports_conflicts() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.syn(u32::MAX - 2); // data starts at MAX-1 and wraps
        let start = u32::MAX - 1;
        half.push(at(1), start.wrapping_add(4), b"efgh", 0, &limits, &mut out);
        half.push(at(2), start, b"abcd", 0, &limits, &mut out);
        half.push(at(3), start.wrapping_add(2), b"cdef", 0, &limits, &mut out);
        half.push(at(4), start.wrapping_add(6), b"XYij", 0, &limits, &mut out);
        assert_eq!(out.bytes, b"abcdefghij");
        assert!(out.gaps.is_empty());
        assert_eq!(
            out.notes,
            vec![
                Note::OutOfOrder { frame: 1, bytes: 4 },
                Note::Retransmission { frame: 3, bytes: 4 },
                Note::OverlapConflict {
                    frame: 4,
                    offset: 6,
                    bytes: 2
                },
                Note::Retransmission { frame: 4, bytes: 2 },
            ]
        );
    }

    #[test]
    fn bound_turns_a_hole_into_a_gap() {
        let limits = Limits {
            max_held_segments: 2,
            ..Limits::default()
        };
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 100, b"ab", 0, &limits, &mut out);
        for (i, seq) in [110u32, 112, 114].into_iter().enumerate() {
            half.push(at(2 + i as u64), seq, b"xy", 0, &limits, &mut out);
        }
        assert_eq!(out.gaps, vec![(8, GapReason::Lost)]);
        assert_eq!(out.bytes, b"abxyxyxy");
        assert_eq!(half.held_bytes(), 0);
    }

    #[test]
    fn snaplen_cut_is_a_gap_and_fin_finishes() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 0, b"abc", 5, &limits, &mut out);
        half.fin(8);
        assert!(half.finished());
        assert_eq!(out.gaps, vec![(5, GapReason::Snaplen)]);
    }

    #[test]
    fn a_late_segment_is_credited_with_what_it_completes() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 0, b"ab", 0, &limits, &mut out);
        half.push(at(2), 4, b"ef", 0, &limits, &mut out);
        half.push(at(3), 2, b"cd", 0, &limits, &mut out);
        assert_eq!(out.bytes, b"abcdef");
        assert_eq!(out.credits, vec![1, 3, 3]);
        assert!(out.gaps.is_empty());
    }

    #[test]
    fn an_acknowledged_hole_is_lost_at_once_and_held_segments_keep_their_frames() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 0, b"ab", 0, &limits, &mut out);
        half.push(at(3), 4, b"ef", 0, &limits, &mut out);
        // The peer acknowledges up to 2 only: bytes 2..4 may still be retransmitted.
        ack(&mut half, at(4), 2, &mut out);
        assert!(out.gaps.is_empty());
        ack(&mut half, at(5), 6, &mut out);
        assert_eq!(out.gaps, vec![(2, GapReason::Lost)]);
        assert_eq!(out.credits, vec![1, 3], "the held segment keeps frame 3");
        assert_eq!(half.oldest_held(), None);
    }

    #[test]
    fn an_acknowledged_hole_with_nothing_after_it_is_lost_too() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 0, b"ab", 0, &limits, &mut out);
        ack(&mut half, at(3), 6, &mut out);
        assert_eq!(out.gaps, vec![(4, GapReason::Lost)]);
        // A FIN's own sequence number is not a lost byte.
        half.fin(6);
        ack(&mut half, at(4), 7, &mut out);
        assert_eq!(out.gaps.len(), 1);
        assert!(half.finished());
    }

    #[test]
    fn an_unacknowledged_hole_waits_for_the_time_bound() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 0, b"ab", 0, &limits, &mut out);
        half.push(at(2), 4, b"ef", 0, &limits, &mut out);
        let held_since = at(2).ts_ns;
        half.expire(held_since + limits.max_hold_ns - 1, &limits, &mut out);
        assert!(out.gaps.is_empty(), "a retransmission may still come");
        half.expire(held_since + limits.max_hold_ns, &limits, &mut out);
        assert_eq!(out.gaps, vec![(2, GapReason::Lost)]);
        assert_eq!(out.credits, vec![1, 2]);
    }

    #[test]
    fn a_wild_acknowledgement_is_not_believed() {
        let limits = Limits::default();
        let mut half = HalfStream::default();
        let mut out = Record::default();
        half.push(at(1), 1000, b"ab", 0, &limits, &mut out);
        ack(&mut half, at(2), 1000 + (64 << 20), &mut out);
        half.push(at(3), 1002, b"cd", 0, &limits, &mut out);
        assert!(out.gaps.is_empty());
        assert_eq!(out.bytes, b"abcd");
    }
}
