//! Connection tracking: which TCP connections carry OpenFlow, who is the switch, and one
//! reassembler + framer per direction.
use std::collections::HashMap;
use std::net::SocketAddr;

use super::decode::{decode_tcp, CapturePoint, Skipped, TcpSegment};
use super::framing::{Framed, Framer};
use super::header::{looks_like_openflow, OfHeader};
use super::reassembly::{HalfStream, Limits, Note, Sink};
use super::{
    At, CloseReason, ConnId, Connection, Counters, Direction, GapReason, OfChunk, RoleSource,
    StreamConfig, StreamEvent,
};
use crate::capture::RawFrame;

/// Flows remembered as "not OpenFlow" or "SYN seen, no data yet", before they are forgotten.
const MAX_UNTRACKED_FLOWS: usize = 1 << 16;
/// While the roles are unknown, events wait; past these bounds the roles are guessed.
const MAX_PENDING_EVENTS: usize = 64;
const MAX_PENDING_BYTES: usize = 1 << 20;
/// Kinds of frames without a TCP segment told apart, for the line that says why a capture
/// gave no OpenFlow messages.
pub const MAX_SKIPPED_KINDS: usize = 8;
/// Segments of each direction remembered to recognise a copy of one (see [`Print`]): a
/// capture point's copy follows its original closely, behind a few segments at most.
const RECENT_SEGMENTS: usize = 4;

/// The two ends of a flow, lower address first, so both directions share one key.
type FlowKey = (SocketAddr, SocketAddr);

#[derive(Clone, Copy)]
enum Slot {
    /// A SYN from this end (0 or 1 in the key) with this initial sequence number was seen
    /// on a port we do not know, and no data yet.
    Candidate {
        syn: Option<(usize, u32)>,
    },
    Tracked(ConnId),
    Ignored,
}

/// What tells a copy of a segment (the capture saw the same packet twice: through two
/// capture points, or mirrored in both directions) from a retransmission: everything TCP
/// sends again the same, plus the IPv4 identification, which a retransmission renews, and
/// the way it came. A copy is the same segment seen through another capture point, or
/// through the same one with the same non-zero IPv4 identification. Over IPv6, or with
/// identification 0, two copies that came the same way cannot be told from a
/// retransmission: they count as one. Two words: this is made for every segment.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Print {
    /// The sequence number, then the acknowledgement number.
    numbers: u64,
    /// The length (bits 0..32), the IPv4 identification (32..48), the flags (48..56: the
    /// header's bits of SYN, ACK, FIN and RST, all in its low byte), and the way it came
    /// (56..64: 0 bare, else a fingerprint of the capture point; two points that share one
    /// are told apart by the identification only).
    rest: u64,
}

impl Print {
    const ID: u64 = 0xffff << 32;
    const POINT: u64 = 0xff << 56;
    /// PSH's bit among the flags (bit 51) is never set in a segment's: the empty slots of
    /// [`Half::recent`].
    const NONE: Print = Print {
        numbers: 0,
        rest: u64::MAX,
    };

    #[inline]
    fn of(seg: &TcpSegment<'_>) -> Print {
        let len = (seg.payload.len() as u64).wrapping_add(u64::from(seg.missing)) & 0xffff_ffff;
        let point = seg.via.as_deref().map_or(0, fingerprint);
        Print {
            numbers: u64::from(seg.seq) << 32 | u64::from(seg.ack),
            rest: len
                | u64::from(seg.ip_id) << 32
                | u64::from(seg.flags.bits()) << 48
                | u64::from(point) << 56,
        }
    }

    /// Whether `self` is a copy of `seen`.
    #[inline]
    fn copies(&self, seen: &Print) -> bool {
        let differ = self.rest ^ seen.rest;
        (self.numbers == seen.numbers)
            & (differ & !Print::POINT == 0)
            & ((differ != 0) | (self.rest & Print::ID != 0))
    }
}

#[cold]
fn fingerprint(point: &CapturePoint) -> u8 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    point.hash(&mut hasher);
    (hasher.finish() as u8) | 1
}

struct Half {
    stream: HalfStream,
    framer: Framer,
    isn: Option<u32>,
    /// The last segments of this direction, the oldest overwritten.
    recent: [Print; RECENT_SEGMENTS],
    next_recent: usize,
}

impl Half {
    fn new() -> Half {
        Half {
            stream: HalfStream::default(),
            framer: Framer::mid_stream(),
            isn: None,
            recent: [Print::NONE; RECENT_SEGMENTS],
            next_recent: 0,
        }
    }

    /// Whether the segment is a copy of one of the last few (see [`Print`]); if it is
    /// not, it is remembered. Only a segment with nothing new can be a copy: one without
    /// data, or whose data was all delivered (its first copy came before), so a segment of
    /// new data is only remembered.
    #[inline]
    fn is_copy(&mut self, seg: &TcpSegment<'_>) -> bool {
        let print = Print::of(seg);
        let len = print.rest as u32;
        let nothing_new = len == 0 || self.stream.delivered(seg.seq.wrapping_add(len));
        let copy = nothing_new
            && self
                .recent
                .iter()
                .fold(false, |copy, seen| copy | print.copies(seen));
        if !copy {
            if let Some(slot) = self.recent.get_mut(self.next_recent) {
                *slot = print;
            }
            self.next_recent = (self.next_recent + 1) % RECENT_SEGMENTS;
        }
        copy
    }

    fn syn(&mut self, isn: u32) {
        if !self.stream.started() {
            self.framer = Framer::at_start();
        }
        self.stream.syn(isn);
        self.isn = Some(isn);
    }
}

struct ConnState {
    halves: [Half; 2],
    /// Which end of the key is the switch, once decided.
    switch_end: Option<usize>,
    /// The end taken as the switch until something tells.
    guessed_switch_end: usize,
    /// Events held until the roles are decided, with directions from the guess.
    pending: Vec<StreamEvent>,
    pending_bytes: usize,
}

impl ConnState {
    fn direction(&self, end: usize) -> Direction {
        if self.switch_end.unwrap_or(self.guessed_switch_end) == end {
            Direction::SwitchToController
        } else {
            Direction::ControllerToSwitch
        }
    }

    /// The half at `end`, and the sink its stream delivers into: its events go to `out`
    /// once the roles are decided, and wait with the connection until then.
    fn half_and_sink<'a>(
        &'a mut self,
        id: ConnId,
        end: usize,
        out: &'a mut Vec<StreamEvent>,
        counters: &'a mut Counters,
        framed: &'a mut Vec<Framed>,
    ) -> Option<(&'a mut HalfStream, Emit<'a>)> {
        let direction = self.direction(end);
        let decided = self.switch_end.is_some();
        let ConnState {
            halves, pending, ..
        } = self;
        let half = halves.get_mut(end)?;
        let emit = Emit {
            conn: id,
            direction,
            framer: &mut half.framer,
            events: if decided { out } else { pending },
            counters,
            framed,
        };
        Some((&mut half.stream, emit))
    }

    /// Whether the connection's direction `end`, or its events waiting for the roles, may
    /// still report something for an earlier frame (cheap; see `earliest_outstanding`).
    fn may_hold_back(&self, end: usize) -> bool {
        !self.pending.is_empty()
            || self.halves.get(end).is_some_and(|half| {
                half.stream.oldest_held().is_some() || half.framer.partial_since().is_some()
            })
    }

    /// The earliest frame this connection may still report something for: a held
    /// segment, a message begun (unless it has waited past `max_hold_ns` at `now_ns`, when
    /// it no longer holds others back), or an event waiting for the roles.
    fn earliest_outstanding(&self, now_ns: u64, max_hold_ns: u64) -> Option<u64> {
        let halves = self.halves.iter().flat_map(|half| {
            let partial = half
                .framer
                .partial_since()
                .filter(|since| now_ns.saturating_sub(since.ts_ns) < max_hold_ns);
            [half.stream.oldest_held(), partial]
        });
        halves
            .flatten()
            .map(|at| at.frame)
            .chain(self.pending.first().map(StreamEvent::frame))
            .min()
    }
}

/// Turns frames into [`StreamEvent`]s. Feed it every frame in capture order, then call
/// [`Tracker::finish`].
pub struct Tracker {
    config: StreamConfig,
    flows: HashMap<FlowKey, Slot>,
    connections: Vec<Connection>,
    states: Vec<Option<Box<ConnState>>>,
    counters: Counters,
    framed: Vec<Framed>,
    /// Events not yet given out, because an earlier frame may still yield one (see
    /// [`Tracker::release`]). Output is in frame order.
    staged: Vec<StreamEvent>,
    /// Connections that may still report something for an earlier frame.
    outstanding: Vec<ConnId>,
    /// The capture time at which the oldest held segment's hole is to be given up.
    hold_deadline: Option<u64>,
    /// The last tracked flow looked up: consecutive frames mostly share one, and hashing
    /// socket addresses is a measurable share of the time.
    last_flow: Option<(FlowKey, ConnId)>,
    refused: Option<Refused>,
    skipped: Vec<(Skipped, u64)>,
}

/// Connections left out past [`StreamConfig::max_connections`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The bound that was reached.
    pub bound: usize,
    /// The first one's first frame, and its time.
    pub frame: u64,
    pub ts_ns: u64,
    pub connections: u64,
}

impl Tracker {
    pub fn new(config: StreamConfig) -> Tracker {
        Tracker {
            config,
            flows: HashMap::new(),
            connections: Vec::new(),
            states: Vec::new(),
            counters: Counters::default(),
            framed: Vec::new(),
            staged: Vec::new(),
            outstanding: Vec::new(),
            hold_deadline: None,
            last_flow: None,
            refused: None,
            skipped: Vec::new(),
        }
    }

    /// The connections left out because [`StreamConfig::max_connections`] were tracked,
    /// if any were.
    pub fn refused(&self) -> Option<Refused> {
        self.refused
    }

    /// Every OpenFlow connection found so far, indexed by [`ConnId`].
    pub fn connections(&self) -> &[Connection] {
        &self.connections
    }

    pub fn connection(&self, id: ConnId) -> Option<&Connection> {
        self.connections.get(id.0 as usize)
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Bytes currently held for open connections (out-of-order segments, partial
    /// messages, resync windows, events waiting for roles). Bounded by the limits.
    pub fn held_bytes(&self) -> usize {
        self.states
            .iter()
            .flatten()
            .map(|state| {
                state.pending_bytes
                    + state
                        .halves
                        .iter()
                        .map(|h| h.stream.held_bytes() + h.framer.held_bytes())
                        .sum::<usize>()
            })
            .sum()
    }

    /// Takes one captured frame.
    pub fn push_frame(&mut self, frame: &RawFrame<'_>, out: &mut Vec<StreamEvent>) {
        self.counters.frames += 1;
        self.counters.bytes += frame.data.len() as u64;
        match decode_tcp(
            frame.linktype,
            frame.data,
            frame.orig_len,
            &self.config.outer,
        ) {
            Ok(ref segment) => {
                self.counters.tcp_frames += 1;
                self.push_segment(segment, frame.number, frame.ts_ns, out);
            }
            Err(skipped) => {
                self.counters.non_tcp_frames += 1;
                self.note_skipped(skipped);
                self.expire_holes(frame.ts_ns);
                self.release(frame.ts_ns, out);
            }
        }
    }

    /// What the frames that gave no TCP segment were, with how many of each (the first
    /// [`MAX_SKIPPED_KINDS`] kinds seen).
    pub fn skipped(&self) -> &[(Skipped, u64)] {
        &self.skipped
    }

    /// Why no OpenFlow message was found, for the line that says so: the `--port` advice
    /// only when TCP segments were seen, otherwise what the frames were.
    pub fn why_no_messages(&self) -> String {
        if self.counters.tcp_frames > 0 {
            return "if the controller listens on a port other than 6633 or 6653, give it with --port N".to_owned();
        }
        if self.skipped.is_empty() {
            return "the capture holds no frames".to_owned();
        }
        let seen: Vec<String> = self
            .skipped
            .iter()
            .map(|(kind, n)| format!("{kind} ({n} frame{})", if *n == 1 { "" } else { "s" }))
            .collect();
        format!("no frame carried a TCP segment: {}", seen.join(", "))
    }

    #[cold]
    fn note_skipped(&mut self, skipped: Skipped) {
        if let Some((_, count)) = self.skipped.iter_mut().find(|(kind, _)| *kind == skipped) {
            *count += 1;
        } else if self.skipped.len() < MAX_SKIPPED_KINDS {
            self.skipped.push((skipped, 1));
        }
    }

    /// Takes one TCP segment (what [`Tracker::push_frame`] does after decoding).
    pub fn push_segment(
        &mut self,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts_ns: u64,
        out: &mut Vec<StreamEvent>,
    ) {
        self.expire_holes(ts_ns);
        let mut staged = std::mem::take(&mut self.staged);
        // When nothing can precede this frame's events, they go straight out.
        let direct = self.outstanding.is_empty() && staged.is_empty();
        self.route_segment(seg, frame, ts_ns, if direct { out } else { &mut staged });
        self.staged = staged;
        if !direct {
            self.release(ts_ns, out);
        }
    }

    /// Gives out the staged events that no earlier frame can precede any more, in frame
    /// order. Events come out of order only after a hole is given up (held segments keep
    /// their own frames) or once roles are settled, so the common case is one check.
    fn release(&mut self, now_ns: u64, out: &mut Vec<StreamEvent>) {
        if self.outstanding.is_empty() && self.staged.is_empty() {
            return;
        }
        let max_hold_ns = self.config.limits.max_hold_ns;
        let states = &self.states;
        // One pass: the connections still holding back stay listed, and the earliest frame
        // any of them may still report is the watermark.
        let mut watermark: Option<u64> = None;
        self.outstanding.retain(|id| {
            let earliest = states
                .get(id.0 as usize)
                .and_then(Option::as_ref)
                .and_then(|state| state.earliest_outstanding(now_ns, max_hold_ns));
            if let Some(frame) = earliest {
                watermark = Some(watermark.map_or(frame, |w| w.min(frame)));
            }
            earliest.is_some()
        });
        if !self.staged.is_sorted_by_key(StreamEvent::frame) {
            // Stable: events of one frame keep the order they were made in.
            self.staged.sort_by_key(StreamEvent::frame);
        }
        match watermark {
            None => out.append(&mut self.staged),
            Some(watermark) => {
                let ready = self.staged.partition_point(|e| e.frame() < watermark);
                out.extend(self.staged.drain(..ready));
            }
        }
    }

    /// Notes that a connection may hold events back.
    fn note_outstanding(&mut self, id: ConnId) {
        if !self.outstanding.contains(&id) {
            self.outstanding.push(id);
        }
    }

    /// Gives up the holes that waited past the bound in capture time.
    fn expire_holes(&mut self, now_ns: u64) {
        if self.hold_deadline.is_none_or(|deadline| now_ns < deadline) {
            return;
        }
        self.hold_deadline = None;
        let limits = self.config.limits;
        for index in 0..self.states.len() {
            let Some(Some(state)) = self.states.get_mut(index) else {
                continue;
            };
            let id = ConnId(index as u32);
            for end in 0..2 {
                let Some((stream, mut emit)) = state.half_and_sink(
                    id,
                    end,
                    &mut self.staged,
                    &mut self.counters,
                    &mut self.framed,
                ) else {
                    continue;
                };
                stream.expire(now_ns, &limits, &mut emit);
                hold_until(&mut self.hold_deadline, stream.oldest_held(), &limits);
            }
        }
    }

    fn route_segment(
        &mut self,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts_ns: u64,
        out: &mut Vec<StreamEvent>,
    ) {
        // The key has the lower end first, so that both directions share it; `end` is the
        // sender's place in it.
        let end = usize::from(seg.src > seg.dst);
        let key = if end == 0 {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let has_data = !seg.payload.is_empty() || seg.missing > 0;
        let id = match self.lookup(key) {
            Some(Slot::Tracked(id)) => {
                if seg.flags.syn() && !seg.flags.ack() && self.is_new_incarnation(id, end, seg.seq)
                {
                    self.close(id, frame, CloseReason::PortReuse, out);
                    self.open(key, end, seg, None, frame, ts_ns, out)
                } else {
                    Some(id)
                }
            }
            Some(Slot::Ignored) => return,
            Some(Slot::Candidate { syn }) => {
                if !has_data {
                    if seg.flags.syn() && !seg.flags.ack() {
                        self.remember(
                            key,
                            Slot::Candidate {
                                syn: Some((end, seg.seq)),
                            },
                        );
                    }
                    return;
                }
                if !looks_like_openflow(seg.payload) {
                    self.remember(key, Slot::Ignored);
                    return;
                }
                self.open(key, end, seg, syn, frame, ts_ns, out)
            }
            // Only a flow not seen before asks about the ports: not every segment.
            None if self.on_known_port(seg) => {
                if !has_data && !seg.flags.syn() {
                    return;
                }
                self.open(key, end, seg, None, frame, ts_ns, out)
            }
            None if !self.config.heuristic => return,
            None if !has_data => {
                if seg.flags.syn() && !seg.flags.ack() {
                    self.remember(
                        key,
                        Slot::Candidate {
                            syn: Some((end, seg.seq)),
                        },
                    );
                }
                return;
            }
            None if looks_like_openflow(seg.payload) => {
                self.open(key, end, seg, None, frame, ts_ns, out)
            }
            None => {
                self.remember(key, Slot::Ignored);
                return;
            }
        };
        if let Some(id) = id {
            self.process(id, end, seg, frame, ts_ns, out);
        }
    }

    /// The capture ended: delivers what is held and reports what is unfinished.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        let mut staged = std::mem::take(&mut self.staged);
        for index in 0..self.states.len() {
            if let Some(state) = self.states.get_mut(index).and_then(Option::take) {
                let id = ConnId(index as u32);
                self.wind_up(id, state, &mut staged);
            }
        }
        self.staged = staged;
        self.outstanding.clear();
        self.release(u64::MAX, out);
    }

    fn on_known_port(&self, seg: &TcpSegment<'_>) -> bool {
        let ports = &self.config.ports;
        ports.contains(&seg.src.port()) || ports.contains(&seg.dst.port())
    }

    fn is_new_incarnation(&self, id: ConnId, end: usize, seq: u32) -> bool {
        let Some(Some(state)) = self.states.get(id.0 as usize) else {
            return true;
        };
        let Some(half) = state.halves.get(end) else {
            return true;
        };
        match half.isn {
            Some(isn) => isn != seq,
            None => half.stream.started(),
        }
    }

    fn lookup(&mut self, key: FlowKey) -> Option<Slot> {
        match self.last_flow {
            Some((last, id)) if last == key => Some(Slot::Tracked(id)),
            _ => {
                let slot = self.flows.get(&key).copied();
                if let Some(Slot::Tracked(id)) = slot {
                    self.last_flow = Some((key, id));
                }
                slot
            }
        }
    }

    fn remember(&mut self, key: FlowKey, slot: Slot) {
        if self.flows.len() >= MAX_UNTRACKED_FLOWS && !self.flows.contains_key(&key) {
            self.flows
                .retain(|_, slot| matches!(slot, Slot::Tracked(_)));
        }
        self.flows.insert(key, slot);
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        key: FlowKey,
        end: usize,
        seg: &TcpSegment<'_>,
        candidate_syn: Option<(usize, u32)>,
        frame: u64,
        ts_ns: u64,
        out: &mut Vec<StreamEvent>,
    ) -> Option<ConnId> {
        if self.connections.len() >= self.config.max_connections {
            self.refuse(key, frame, ts_ns);
            return None;
        }
        let ends = [key.0, key.1];
        let syn_from = if seg.flags.syn() && !seg.flags.ack() {
            Some(end)
        } else if seg.flags.syn() {
            Some(1 - end)
        } else {
            candidate_syn.map(|(end, _)| end)
        };
        let is_port = |addr: &SocketAddr| self.config.ports.contains(&addr.port());
        let (switch_end, roles) = match (syn_from, is_port(&ends[0]), is_port(&ends[1])) {
            (Some(client), _, _) => (Some(client), RoleSource::Handshake),
            (None, true, false) => (Some(1), RoleSource::Port),
            (None, false, true) => (Some(0), RoleSource::Port),
            _ => (None, RoleSource::Guess),
        };
        // Servers tend to have the lower port; the controller is the server.
        let guessed_switch_end = usize::from(ends[1].port() > ends[0].port());
        let chosen = switch_end.unwrap_or(guessed_switch_end);
        let id = ConnId(self.connections.len() as u32);
        let mut halves = [Half::new(), Half::new()];
        if let Some((syn_end, isn)) = candidate_syn {
            if let Some(half) = halves.get_mut(syn_end) {
                half.syn(isn);
            }
        }
        self.connections.push(Connection {
            id,
            switch: ends[chosen],
            controller: ends[1 - chosen],
            roles,
            first_frame: frame,
            first_ts_ns: ts_ns,
            last_ts_ns: ts_ns,
            closed: None,
            via: seg.via.as_deref().copied(),
            copies: 0,
        });
        self.states.push(Some(Box::new(ConnState {
            halves,
            switch_end,
            guessed_switch_end,
            pending: Vec::new(),
            pending_bytes: 0,
        })));
        self.flows.insert(key, Slot::Tracked(id));
        self.last_flow = Some((key, id));
        self.counters.connections += 1;
        if switch_end.is_some() {
            out.extend(self.opened_event(id));
        }
        Some(id)
    }

    /// A connection past [`StreamConfig::max_connections`]: left out, and counted.
    #[cold]
    fn refuse(&mut self, key: FlowKey, frame: u64, ts_ns: u64) {
        self.remember(key, Slot::Ignored);
        let refused = self.refused.get_or_insert(Refused {
            bound: self.config.max_connections,
            frame,
            ts_ns,
            connections: 0,
        });
        refused.connections += 1;
    }

    fn opened_event(&self, id: ConnId) -> Option<StreamEvent> {
        let c = self.connection(id)?;
        Some(StreamEvent::ConnOpened {
            conn: id,
            switch: c.switch,
            controller: c.controller,
            roles: c.roles,
            frame: c.first_frame,
            via: c.via,
        })
    }

    fn process(
        &mut self,
        id: ConnId,
        end: usize,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts_ns: u64,
        out: &mut Vec<StreamEvent>,
    ) {
        let Some(Some(state)) = self.states.get_mut(id.0 as usize) else {
            return;
        };
        if state
            .halves
            .get_mut(end)
            .is_some_and(|half| half.is_copy(seg))
        {
            self.copy_seen(id, frame, seg.via.as_deref(), out);
            return;
        }
        if let Some(conn) = self.connections.get_mut(id.0 as usize) {
            conn.last_ts_ns = ts_ns;
        }
        self.counters.segments += 1;
        let decided = state.switch_end.is_some();
        if seg.flags.syn() {
            if let Some(half) = state.halves.get_mut(end) {
                half.syn(seg.seq);
            }
        }
        let data_seq = seg.seq.wrapping_add(u32::from(seg.flags.syn()));
        let at = At { frame, ts_ns };
        let limits = &self.config.limits;
        let (counters, framed) = (&mut self.counters, &mut self.framed);
        if let Some((stream, mut emit)) = state.half_and_sink(id, end, out, counters, framed) {
            stream.push(at, data_seq, seg.payload, seg.missing, limits, &mut emit);
            if seg.flags.fin() {
                let len = seg.payload.len() as u32 + seg.missing;
                stream.fin(data_seq.wrapping_add(len));
            }
            hold_until(&mut self.hold_deadline, stream.oldest_held(), limits);
        }
        // The ACK speaks for the other direction: what the peer received.
        let peer_end = 1 - end;
        let hole = seg.flags.ack()
            && state
                .halves
                .get_mut(peer_end)
                .is_some_and(|peer| peer.stream.note_ack(seg.ack));
        if hole {
            let (counters, framed) = (&mut self.counters, &mut self.framed);
            if let Some((peer, mut emit)) = state.half_and_sink(id, peer_end, out, counters, framed)
            {
                peer.give_up_acknowledged(at, limits, &mut emit);
                hold_until(&mut self.hold_deadline, peer.oldest_held(), limits);
            }
        }
        // Only this direction and the waiting events can have begun holding back (the ACK
        // only ever releases); a connection already holding back is noted already.
        let outstanding = state.may_hold_back(end);
        let ConnState { halves, .. } = &mut **state;
        let both_finished = halves.iter().all(|h| h.stream.finished());
        if outstanding {
            self.note_outstanding(id);
        }
        if !decided {
            self.settle_roles(id, false, out);
        }
        if seg.flags.rst() {
            self.close(id, frame, CloseReason::Reset, out);
        } else if both_finished {
            self.close(id, frame, CloseReason::Fin, out);
        }
    }

    /// A segment came a second time: counted as a copy, and its bytes, ACK and flags left
    /// alone (the first copy had them). The first copy of a connection's is reported, with
    /// the way it came; until the roles are decided, it waits with the connection's events.
    #[cold]
    fn copy_seen(
        &mut self,
        id: ConnId,
        frame: u64,
        via: Option<&CapturePoint>,
        out: &mut Vec<StreamEvent>,
    ) {
        self.counters.copies += 1;
        let Some(conn) = self.connections.get_mut(id.0 as usize) else {
            return;
        };
        conn.copies += 1;
        if conn.copies > 1 {
            return;
        }
        let event = StreamEvent::SeenTwice {
            conn: id,
            frame,
            via: via.copied(),
        };
        match self.states.get_mut(id.0 as usize) {
            Some(Some(state)) if state.switch_end.is_none() => state.pending.push(event),
            _ => out.push(event),
        }
    }

    /// Decides the roles from the held messages' types, or by guess when `force`d or when
    /// too much is held, then releases the held events.
    fn settle_roles(&mut self, id: ConnId, force: bool, out: &mut Vec<StreamEvent>) {
        let Some(Some(state)) = self.states.get_mut(id.0 as usize) else {
            return;
        };
        if state.switch_end.is_some() {
            return;
        }
        state.pending_bytes = state
            .pending
            .iter()
            .map(|e| match e {
                StreamEvent::Message(chunk) | StreamEvent::Truncated(chunk) => chunk.bytes.len(),
                _ => 0,
            })
            .sum();
        let evidence = state.pending.iter().find_map(|event| match event {
            StreamEvent::Message(chunk) => chunk
                .header
                .sender()
                .map(|role| role == chunk.direction.sender()),
            _ => None,
        });
        let guess = state.guessed_switch_end;
        let (switch_end, roles) = match evidence {
            Some(true) => (guess, RoleSource::MessageType),
            Some(false) => (1 - guess, RoleSource::MessageType),
            None if force
                || state.pending.len() > MAX_PENDING_EVENTS
                || state.pending_bytes > MAX_PENDING_BYTES =>
            {
                (guess, RoleSource::Guess)
            }
            None => return,
        };
        state.switch_end = Some(switch_end);
        let mut pending = std::mem::take(&mut state.pending);
        state.pending_bytes = 0;
        if switch_end != guess {
            for event in &mut pending {
                if let Some(direction) = event.direction_mut() {
                    *direction = direction.reversed();
                }
            }
        }
        if let Some(conn) = self.connections.get_mut(id.0 as usize) {
            if switch_end != guess {
                std::mem::swap(&mut conn.switch, &mut conn.controller);
            }
            conn.roles = roles;
        }
        out.extend(self.opened_event(id));
        out.append(&mut pending);
    }

    fn close(&mut self, id: ConnId, frame: u64, reason: CloseReason, out: &mut Vec<StreamEvent>) {
        let Some(state) = self.states.get_mut(id.0 as usize).and_then(Option::take) else {
            return;
        };
        self.wind_up(id, state, out);
        if let Some(conn) = self.connections.get_mut(id.0 as usize) {
            conn.closed = Some(reason);
        }
        out.push(StreamEvent::ConnClosed {
            conn: id,
            frame,
            reason,
        });
    }

    /// Flushes both directions of a connection that ends, and settles its roles.
    fn wind_up(&mut self, id: ConnId, mut state: Box<ConnState>, out: &mut Vec<StreamEvent>) {
        let decided = state.switch_end.is_some();
        for end in 0..2 {
            let direction = state.direction(end);
            let (counters, framed) = (&mut self.counters, &mut self.framed);
            let Some((stream, mut emit)) = state.half_and_sink(id, end, out, counters, framed)
            else {
                continue;
            };
            stream.flush(&self.config.limits, &mut emit);
            let unfinished = emit.framer.finish(emit.framed);
            emit.release();
            if unfinished > 0 {
                emit.events.push(StreamEvent::Unfinished {
                    conn: id,
                    direction,
                    pending_bytes: unfinished as u64,
                });
            }
        }
        if !decided {
            // Put the state back just long enough to settle the roles by guess.
            if let Some(slot) = self.states.get_mut(id.0 as usize) {
                *slot = Some(state);
            }
            self.settle_roles(id, true, out);
            if let Some(slot) = self.states.get_mut(id.0 as usize) {
                *slot = None;
            }
        }
    }
}

/// Moves `deadline` earlier to when the hole before a segment held `since` is to be given
/// up.
fn hold_until(deadline: &mut Option<u64>, since: Option<At>, limits: &Limits) {
    if let Some(since) = since {
        let due = since.ts_ns.saturating_add(limits.max_hold_ns);
        *deadline = Some(deadline.map_or(due, |d| d.min(due)));
    }
}

/// Routes one direction's reassembled bytes through its framer into events.
struct Emit<'a> {
    conn: ConnId,
    direction: Direction,
    framer: &'a mut Framer,
    events: &'a mut Vec<StreamEvent>,
    counters: &'a mut Counters,
    framed: &'a mut Vec<Framed>,
}

impl Emit<'_> {
    fn release(&mut self) {
        let (conn, direction) = (self.conn, self.direction);
        let chunk = |header: OfHeader, frames: Vec<u64>, at: At, bytes: Vec<u8>| OfChunk {
            conn,
            direction,
            header,
            frames,
            frame: at.frame,
            ts_ns: at.ts_ns,
            bytes,
        };
        for framed in self.framed.drain(..) {
            match framed {
                Framed::Message {
                    header,
                    frames,
                    at,
                    bytes,
                } => {
                    self.counters.messages += 1;
                    let chunk = chunk(header, frames, at, bytes);
                    self.events.push(StreamEvent::Message(chunk));
                }
                Framed::Truncated {
                    header,
                    frames,
                    at,
                    bytes,
                } => {
                    self.counters.truncated_messages += 1;
                    let chunk = chunk(header, frames, at, bytes);
                    self.events.push(StreamEvent::Truncated(chunk));
                }
                Framed::Gap {
                    at,
                    skipped,
                    reason,
                } => {
                    self.counters.gaps += 1;
                    self.counters.gap_bytes += skipped;
                    self.events.push(StreamEvent::Gap {
                        conn: self.conn,
                        direction: self.direction,
                        frame: at.frame,
                        skipped_bytes: skipped,
                        reason,
                    });
                }
            }
        }
    }
}

impl Sink for Emit<'_> {
    fn data(&mut self, carrier: At, credit: At, bytes: &[u8]) {
        self.counters.stream_bytes += bytes.len() as u64;
        self.framer.data(carrier, credit, bytes, self.framed);
        self.release();
    }

    fn gap(&mut self, at: At, len: u64, reason: GapReason) {
        self.framer.gap(at, len, reason, self.framed);
        self.release();
    }

    fn note(&mut self, note: Note) {
        let (conn, direction) = (self.conn, self.direction);
        self.events.push(match note {
            Note::Retransmission { frame, bytes } => {
                self.counters.retransmissions += 1;
                self.counters.retransmitted_bytes += bytes;
                StreamEvent::Retransmission {
                    conn,
                    direction,
                    frame,
                    bytes,
                }
            }
            Note::OverlapConflict {
                frame,
                offset,
                bytes,
            } => {
                self.counters.overlap_conflicts += 1;
                StreamEvent::OverlapConflict {
                    conn,
                    direction,
                    frame,
                    stream_offset: offset,
                    bytes,
                }
            }
            Note::OutOfOrder { frame, bytes } => {
                self.counters.out_of_order += 1;
                StreamEvent::OutOfOrder {
                    conn,
                    direction,
                    frame,
                    bytes,
                }
            }
        });
    }
}
