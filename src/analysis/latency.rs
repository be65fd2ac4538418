//! Controller latency: which controller message answers each PacketIn, which reply answers
//! each request, and the statistics of those delays (see docs/analysis.md for the rules).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::hash::Hash;
use std::net::Ipv4Addr;

use ofscope_dissectors::frame::{arp, icmp};
use ofscope_dissectors::openflow::flow_mod::ofpfc;
use ofscope_dissectors::openflow::header::OFP_VERSION;
use ofscope_dissectors::openflow::matching::{Headers, NetworkHeader, TransportHeader};
use ofscope_dissectors::openflow::types::{self, ofpt, MsgType};
use ofscope_dissectors::openflow::{Body, FlowKey, Message, PacketIn, PacketOut, NO_BUFFER};
use serde::Serialize;

use super::histogram::Delays;
use super::{hash_of, mac_number, FastMap};

/// While the waiting PacketIns span at most this many slots they are scanned; beyond it
/// they are indexed by data and by expected reply (and again scanned once they span half).
const SCAN_LIMIT: usize = 16;
/// The bytes of a PacketIn's frame kept to pair it with a PACKET_OUT the capture cut.
const PREFIX_LEN: usize = 32;
/// The fewest frame bytes both sides must still have to be paired by them (an Ethernet
/// destination): fewer say too little to tell a PacketIn's frame from another.
const MIN_COMMON_PREFIX: usize = 6;
/// A FLOW_MOD's bytes up to its actions (header, match, cookie, command, timeouts,
/// priority, buffer_id, out_port, flags): a cut one answers only if it kept them all.
const FLOW_MOD_FIXED_LEN: usize = types::OF10[ofpt::FLOW_MOD as usize].min_len as usize;

/// How a PacketIn was paired with its answer, in the order the rules are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRule {
    /// A PACKET_OUT or FLOW_MOD naming the PacketIn's buffer_id.
    BufferId,
    /// A PACKET_OUT carrying the same frame (a longer one, when the PacketIn was cut)
    /// with the same in_port.
    SameData,
    /// A PACKET_OUT carrying an ARP reply or ICMP echo reply made for the PacketIn's frame.
    Reply,
    /// A FLOW_MOD (ADD or MODIFY) whose match selects the PacketIn's frame.
    FlowMod,
}

impl AnswerRule {
    pub fn name(self) -> &'static str {
        match self {
            AnswerRule::BufferId => "buffer_id",
            AnswerRule::SameData => "same_data",
            AnswerRule::Reply => "reply",
            AnswerRule::FlowMod => "flow_mod",
        }
    }
}

/// Where a message sits in the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// 1-based message number.
    pub index: u64,
    /// The frame that completed the message.
    pub frame: u64,
    pub ts_ns: u64,
}

/// Where the analyser keeps the figures of a PacketIn's hosts: given when the PacketIn is
/// filed and handed back with its outcome, so that counting the outcome looks nothing up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostSlots {
    /// Its conversation (`None`: no Ethernet header, or beyond the cap).
    pub conversation: Option<u32>,
    /// The latency series of its host pair (`None`: beyond the cap).
    pub host_pair: Option<u32>,
}

/// A PacketIn and the controller message that answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub packet_in: At,
    pub answer: At,
    pub rule: AnswerRule,
    /// Ethernet source and destination of the PacketIn's frame.
    pub hosts: ([u8; 6], [u8; 6]),
    pub slots: HostSlots,
}

impl Pair {
    pub fn latency_ns(&self) -> u64 {
        self.answer.ts_ns.saturating_sub(self.packet_in.ts_ns)
    }
}

/// A PacketIn nobody answered within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unanswered {
    pub packet_in: At,
    pub hosts: ([u8; 6], [u8; 6]),
    pub slots: HostSlots,
}

/// A request answered by a reply with its xid (or never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPair {
    /// `ECHO`, `BARRIER`, `FEATURES`, `GET_CONFIG` or `STATS`.
    pub kind: &'static str,
    pub request: At,
    /// `None` when no reply came within the request window.
    pub reply: Option<At>,
    /// The request went from the switch to the controller (echo only).
    pub from_switch: bool,
}

impl RequestPair {
    /// The time from the request to its reply, if it had one.
    pub fn latency_ns(&self) -> Option<u64> {
        self.reply
            .map(|reply| reply.ts_ns.saturating_sub(self.request.ts_ns))
    }
}

/// A PACKET_OUT the capture cut, whose frame bytes still kept begin the frames of several
/// waiting PacketIns: it answers one of them, but which cannot be told, so none is paired
/// with it, and those PacketIns are not called unanswered when their wait ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ambiguous {
    pub answer: At,
    /// The waiting PacketIns it could answer.
    pub candidates: usize,
    /// The frame bytes the PACKET_OUT kept.
    pub kept: usize,
}

/// What the pairing of one connection produced from one message.
#[derive(Debug, Default)]
pub struct Paired {
    pub pairs: Vec<Pair>,
    pub unanswered: Vec<Unanswered>,
    pub requests: Vec<RequestPair>,
    pub ambiguous: Vec<Ambiguous>,
}

impl Paired {
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
            && self.unanswered.is_empty()
            && self.requests.is_empty()
            && self.ambiguous.is_empty()
    }
}

struct Pending {
    at: At,
    buffer_id: u32,
    in_port: u16,
    /// The frame's length, and the length of the data the switch sent (shorter when the
    /// switch cut the frame to miss_send_len).
    total_len: u16,
    sent_len: usize,
    /// The first bytes of the data the capture kept (`prefix_len` of them).
    prefix: [u8; PREFIX_LEN],
    prefix_len: usize,
    /// A cut PACKET_OUT may have answered it (see [`Ambiguous`]), or its answer may be in
    /// bytes the capture lost: never called unanswered.
    maybe_answered: bool,
    /// Where it is filed in `by_data` (when it is kept).
    data_key: (u64, u16),
    /// Its frame's headers. What the rarer rules need of them (the reply a responder would
    /// make, the frame's flow key) is worked out only when they are tried: most PacketIns
    /// are answered by their own data.
    headers: Headers,
    slots: HostSlots,
}

impl Pending {
    /// Ethernet source and destination (zero without Ethernet).
    fn hosts(&self) -> ([u8; 6], [u8; 6]) {
        self.headers
            .eth
            .map_or(([0; 6], [0; 6]), |e| (e.src, e.dst))
    }

    fn expected_reply(&self) -> Option<u64> {
        expected_reply(&self.headers)
    }
}

/// The pairing state of one connection. Its memory is bounded: PacketIns leave when
/// answered or when the window passes, and at most `max_pending` wait at once.
pub struct ConnPairing {
    window_ns: u64,
    request_window_ns: u64,
    max_pending: usize,
    pending: Waiting,
    by_buffer: FastMap<u32, u64>,
    /// Whether `by_data` and `by_reply` are kept. A controller usually answers before the
    /// next PacketIn comes, and scanning a few waiting PacketIns costs less than filing
    /// each one and taking it out again; see [`SCAN_LIMIT`].
    indexed: bool,
    /// (hash of the data, in_port) → waiting PacketIns, oldest first.
    by_data: FastMap<(u64, u16), Filed>,
    /// Lengths of the cut PacketIns' data: a PACKET_OUT is compared on those prefixes too.
    cut_lengths: Vec<usize>,
    /// The keys a PACKET_OUT's data is looked up under (reused: no allocation).
    data_keys: Vec<(u64, u16)>,
    /// Signature of the reply a responder would make → waiting PacketIns.
    by_reply: FastMap<u64, Filed>,
    /// (request from switch, xid) → kind and when.
    requests: FastMap<(bool, u32), (&'static str, At)>,
}

/// The signatures of replies, as numbers (cheaper to hash than the fields' bytes).
fn arp_signature(asker_ip: Ipv4Addr, asker_mac: &[u8; 6], asked_ip: Ipv4Addr) -> u64 {
    hash_of((
        arp::op::REPLY,
        u32::from(asker_ip),
        mac_number(asker_mac),
        u32::from(asked_ip),
    ))
}

fn icmp_signature(requester: Ipv4Addr, target: Ipv4Addr, id_and_seq: [u8; 4]) -> u64 {
    hash_of((
        icmp::kind::ECHO_REPLY,
        u32::from(requester),
        u32::from(target),
        u32::from_be_bytes(id_and_seq),
    ))
}

/// The signature an answering reply must carry: ARP reply to this request, or ICMP echo
/// reply with the same id and sequence (bytes 4..8), addresses swapped.
fn expected_reply(h: &Headers) -> Option<u64> {
    match (h.network, h.transport) {
        (NetworkHeader::Arp(a), _) if a.op == arp::op::REQUEST => {
            Some(arp_signature(a.spa, &a.sha, a.tpa))
        }
        (
            NetworkHeader::Ipv4 { src, dst, .. },
            TransportHeader::Icmp {
                icmp_type, rest, ..
            },
        ) if icmp_type == icmp::kind::ECHO_REQUEST => Some(icmp_signature(src, dst, rest)),
        _ => None,
    }
}

/// The signature of a reply carried by a PACKET_OUT, in the form of [`expected_reply`].
fn reply_signature(h: &Headers) -> Option<u64> {
    match (h.network, h.transport) {
        (NetworkHeader::Arp(a), _) if a.op == arp::op::REPLY => {
            Some(arp_signature(a.tpa, &a.tha, a.spa))
        }
        (
            NetworkHeader::Ipv4 { src, dst, .. },
            TransportHeader::Icmp {
                icmp_type, rest, ..
            },
        ) if icmp_type == icmp::kind::ECHO_REPLY => Some(icmp_signature(dst, src, rest)),
        _ => None,
    }
}

/// The OpenFlow 1.0 type of a message, by its header: a body the capture cut still has
/// one. (Other versions number their types otherwise.)
fn of10_type(msg: &Message) -> Option<u8> {
    (msg.header.version == OFP_VERSION).then_some(msg.header.msg_type)
}

/// The table's row of an OpenFlow 1.0 message.
fn of10_row(msg: &Message) -> Option<&'static MsgType> {
    types::msg_type(OFP_VERSION, of10_type(msg)?)
}

/// The request a message opens, if a reply in the type table answers its type.
fn request(msg: &Message) -> Option<&'static MsgType> {
    let row = of10_row(msg)?;
    types::OF10
        .iter()
        .any(|reply| reply.answers == Some(row.code))
        .then_some(row)
}

/// The kind of request a message answers.
fn reply_kind(msg: &Message) -> Option<&'static str> {
    let request = types::msg_type(OFP_VERSION, of10_row(msg)?.answers?)?;
    Some(request.exchange())
}

/// Whether a waiting PacketIn fits a cut PACKET_OUT, by one rule.
type CutRule<'a> = dyn Fn(&Pending) -> bool + 'a;

/// The waiting PacketIns by sequence number (their order of arrival). Answered ones leave
/// holes that are dropped once they reach the front, so filing, answering and expiring
/// cost O(1); the queue spans at most the pair window.
#[derive(Default)]
struct Waiting {
    first_seq: u64,
    slots: VecDeque<Option<Pending>>,
    live: usize,
}

impl Waiting {
    fn next_seq(&self) -> u64 {
        self.first_seq + self.slots.len() as u64
    }

    fn push(&mut self, p: Pending) {
        self.slots.push_back(Some(p));
        self.live += 1;
    }

    fn len(&self) -> usize {
        self.live
    }

    fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn slot(&self, seq: u64) -> Option<usize> {
        usize::try_from(seq.checked_sub(self.first_seq)?).ok()
    }

    fn get(&self, seq: u64) -> Option<&Pending> {
        self.slots.get(self.slot(seq)?)?.as_ref()
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut Pending> {
        let slot = self.slot(seq)?;
        self.slots.get_mut(slot)?.as_mut()
    }

    fn remove(&mut self, seq: u64) {
        let Some(slot) = self.slot(seq).and_then(|i| self.slots.get_mut(i)) else {
            return;
        };
        if slot.is_none() {
            return;
        }
        *slot = None;
        self.live -= 1;
        if self.live == 0 {
            // The usual case: the one waiting PacketIn was answered.
            self.first_seq += self.slots.len() as u64;
            self.slots.clear();
        }
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first_seq += 1;
        }
    }

    fn oldest(&self) -> Option<(u64, &Pending)> {
        self.iter().next()
    }

    /// The oldest waiting PacketIn (answered ones never stay at the front).
    fn front(&self) -> Option<&Pending> {
        self.slots.front()?.as_ref()
    }

    /// The slots from the oldest waiting PacketIn to the newest (answered ones between).
    fn span(&self) -> usize {
        self.slots.len()
    }

    fn iter(&self) -> impl Iterator<Item = (u64, &Pending)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((self.first_seq + i as u64, p.as_ref()?)))
    }
}

/// The waiting PacketIns filed under one key, oldest first. Nearly always one, which
/// needs no allocation.
enum Filed {
    One(u64),
    Many(VecDeque<u64>),
}

impl Filed {
    fn oldest(&self) -> Option<u64> {
        match self {
            Filed::One(s) => Some(*s),
            Filed::Many(q) => q.front().copied(),
        }
    }
}

fn file<K: Hash + Eq>(index: &mut FastMap<K, Filed>, key: K, seq: u64) {
    match index.entry(key) {
        Entry::Vacant(e) => {
            e.insert(Filed::One(seq));
        }
        Entry::Occupied(mut e) => {
            let filed = e.get_mut();
            match filed {
                Filed::Many(q) => q.push_back(seq),
                Filed::One(first) => *filed = Filed::Many(VecDeque::from([*first, seq])),
            }
        }
    }
}

/// Takes `seq` out of the index, dropping the key when nothing is left under it.
fn unfile<K: Hash + Eq>(index: &mut FastMap<K, Filed>, key: K, seq: u64) {
    let Entry::Occupied(mut e) = index.entry(key) else {
        return;
    };
    let empty = match e.get_mut() {
        Filed::One(s) => *s == seq,
        Filed::Many(q) => {
            q.retain(|s| *s != seq);
            q.is_empty()
        }
    };
    if empty {
        e.remove();
    }
}

impl ConnPairing {
    pub fn new(window_ns: u64, request_window_ns: u64, max_pending: usize) -> ConnPairing {
        ConnPairing {
            window_ns,
            request_window_ns,
            max_pending,
            pending: Waiting::default(),
            by_buffer: FastMap::default(),
            indexed: false,
            by_data: FastMap::default(),
            cut_lengths: Vec::new(),
            data_keys: Vec::new(),
            by_reply: FastMap::default(),
            requests: FastMap::default(),
        }
    }

    /// PacketIns waiting for their answer.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Feeds one message of this connection. `headers` are those of the PacketIn's or
    /// PacketOut's frame when the caller has them (else they are decoded here); a
    /// PacketIn's `slots` come back with its outcome. `lost_bytes`: how many of the
    /// message's last bytes the capture lost (0 for a whole message).
    #[allow(clippy::too_many_arguments)]
    pub fn message(
        &mut self,
        at: At,
        from_switch: bool,
        msg: &Message,
        headers: Option<&Headers>,
        slots: HostSlots,
        lost_bytes: usize,
        out: &mut Paired,
    ) {
        self.expire(at.ts_ns, out);
        // PacketIns and PacketOuts first: they are nearly every message, and neither
        // opens nor answers a request.
        match &msg.body {
            Body::PacketIn(pin) if from_switch => {
                let h = headers
                    .copied()
                    .unwrap_or_else(|| Headers::parse(&pin.data));
                self.packet_in(at, pin, pin.data.len() + lost_bytes, &h, slots, out)
            }
            Body::PacketOut(po) if !from_switch => {
                let seq = if lost_bytes == 0 {
                    self.answer_of_packet_out(po, headers)
                } else {
                    self.answer_of_cut_packet_out(at, po, po.data.len() + lost_bytes, out)
                };
                if let Some((seq, rule)) = seq {
                    self.answered(seq, at, rule, out);
                }
            }
            Body::PacketIn(_) | Body::PacketOut(_) => {}
            _ => self.other_message(at, from_switch, msg, lost_bytes, out),
        }
    }

    /// Requests, their replies and FLOW_MODs.
    #[inline(never)]
    fn other_message(
        &mut self,
        at: At,
        from_switch: bool,
        msg: &Message,
        lost_bytes: usize,
        out: &mut Paired,
    ) {
        let xid = msg.header.xid;
        if let Some(request) = request(msg) {
            if request.sender.may_send(from_switch) {
                self.requests
                    .insert((from_switch, xid), (request.exchange(), at));
            }
        } else if let Some(kind) = reply_kind(msg) {
            self.answer_request(kind, !from_switch, xid, at, out);
        } else if of10_type(msg) == Some(ofpt::ERROR) {
            // An error with the request's xid ends the wait, with no latency to count.
            self.requests.remove(&(!from_switch, xid));
        }
        // A FLOW_MOD cut before its actions may have lost its command, buffer_id or match.
        let fixed_part_kept = lost_bytes == 0
            || usize::from(msg.header.length).saturating_sub(lost_bytes) >= FLOW_MOD_FIXED_LEN;
        if let Body::FlowMod(fm) = &msg.body {
            if !from_switch
                && fixed_part_kept
                && matches!(
                    fm.command,
                    ofpfc::ADD | ofpfc::MODIFY | ofpfc::MODIFY_STRICT
                )
            {
                if let Some(seq) = self.by_buffer.get(&fm.buffer_id).copied() {
                    self.answered(seq, at, AnswerRule::BufferId, out);
                }
                let covered: Vec<u64> = self
                    .pending
                    .iter()
                    .filter(|(_, p)| {
                        fm.match_
                            .matches(&FlowKey::from_headers(&p.headers, p.in_port))
                    })
                    .map(|(seq, _)| seq)
                    .collect();
                for seq in covered {
                    self.answered(seq, at, AnswerRule::FlowMod, out);
                }
            }
        }
    }

    fn answer_request(
        &mut self,
        kind: &'static str,
        from_switch: bool,
        xid: u32,
        at: At,
        out: &mut Paired,
    ) {
        let Some((want, request)) = self.requests.get(&(from_switch, xid)).copied() else {
            return;
        };
        if want == kind {
            self.requests.remove(&(from_switch, xid));
            out.requests.push(RequestPair {
                kind,
                request,
                reply: Some(at),
                from_switch,
            });
        }
    }

    /// Files a PacketIn; `sent_len` is the length of the data the switch sent (longer than
    /// its `data` when the capture cut it).
    fn packet_in(
        &mut self,
        at: At,
        pin: &PacketIn,
        sent_len: usize,
        h: &Headers,
        slots: HostSlots,
        out: &mut Paired,
    ) {
        if self.pending.len() >= self.max_pending {
            if let Some((oldest, _)) = self.pending.oldest() {
                self.give_up(oldest, out);
            }
        }
        let seq = self.pending.next_seq();
        if pin.buffer_id != NO_BUFFER {
            self.by_buffer.insert(pin.buffer_id, seq);
        }
        let data_key = (hash_of(&pin.data), pin.in_port);
        if pin.is_truncated() && !self.cut_lengths.contains(&pin.data.len()) {
            self.cut_lengths.push(pin.data.len());
        }
        if self.indexed {
            file(&mut self.by_data, data_key, seq);
            if let Some(sig) = expected_reply(h) {
                file(&mut self.by_reply, sig, seq);
            }
        }
        let prefix_len = pin.data.len().min(PREFIX_LEN);
        let mut prefix = [0; PREFIX_LEN];
        prefix[..prefix_len].copy_from_slice(&pin.data[..prefix_len]);
        self.pending.push(Pending {
            at,
            buffer_id: pin.buffer_id,
            in_port: pin.in_port,
            total_len: pin.total_len,
            sent_len,
            prefix,
            prefix_len,
            maybe_answered: false,
            data_key,
            headers: *h,
            slots,
        });
        self.fit_index();
    }

    /// Starts indexing when the waiting PacketIns span more than [`SCAN_LIMIT`] slots, and
    /// stops when they span half of it (the gap keeps it from flapping).
    fn fit_index(&mut self) {
        let span = self.pending.span();
        if !self.indexed && span > SCAN_LIMIT {
            for (seq, p) in self.pending.iter() {
                file(&mut self.by_data, p.data_key, seq);
                if let Some(sig) = p.expected_reply() {
                    file(&mut self.by_reply, sig, seq);
                }
            }
            self.indexed = true;
        } else if self.indexed && span <= SCAN_LIMIT / 2 {
            self.by_data.clear();
            self.by_reply.clear();
            self.indexed = false;
        }
    }

    /// The oldest waiting PacketIn filed under one of `keys`.
    fn oldest_by_data(&self, keys: &[(u64, u16)]) -> Option<u64> {
        if self.indexed {
            keys.iter()
                .filter_map(|k| self.by_data.get(k).and_then(Filed::oldest))
                .min()
        } else {
            self.pending
                .iter()
                .find(|(_, p)| keys.contains(&p.data_key))
                .map(|(seq, _)| seq)
        }
    }

    /// The oldest waiting PacketIn expecting the reply with signature `sig`.
    fn oldest_by_reply(&self, sig: u64) -> Option<u64> {
        if self.indexed {
            self.by_reply.get(&sig).and_then(Filed::oldest)
        } else {
            self.pending
                .iter()
                .find(|(_, p)| p.expected_reply() == Some(sig))
                .map(|(seq, _)| seq)
        }
    }

    /// Which waiting PacketIn a PACKET_OUT answers, by the first rule that finds one.
    fn answer_of_packet_out(
        &mut self,
        po: &PacketOut,
        headers: Option<&Headers>,
    ) -> Option<(u64, AnswerRule)> {
        if po.buffer_id != NO_BUFFER {
            return self.by_buffer_id(po.buffer_id);
        }
        if self.pending.is_empty() {
            return None;
        }
        // The whole data, then its prefixes at the lengths cut PacketIns have.
        let mut keys = std::mem::take(&mut self.data_keys);
        keys.clear();
        keys.push((hash_of(&po.data), po.in_port));
        for &n in &self.cut_lengths {
            if let Some(prefix) = po.data.get(..n).filter(|_| po.data.len() > n) {
                keys.push((hash_of(prefix), po.in_port));
            }
        }
        let by_data = self.oldest_by_data(&keys);
        self.data_keys = keys;
        if let Some(seq) = by_data {
            return Some((seq, AnswerRule::SameData));
        }
        let sig = match headers {
            Some(h) => reply_signature(h),
            None => reply_signature(&Headers::parse(&po.data)),
        }?;
        self.oldest_by_reply(sig).map(|s| (s, AnswerRule::Reply))
    }

    /// The waiting PacketIn whose buffer a PACKET_OUT releases: that answers it, whatever
    /// else was cut.
    fn by_buffer_id(&self, buffer_id: u32) -> Option<(u64, AnswerRule)> {
        self.by_buffer
            .get(&buffer_id)
            .map(|s| (*s, AnswerRule::BufferId))
    }

    /// Which waiting PacketIn a PACKET_OUT the capture cut answers, from what both still
    /// have: its buffer_id; else (same data) the in_port, the frame's length (`frame_len`,
    /// cut or not) and the frame bytes both kept, at least [`MIN_COMMON_PREFIX`] of them;
    /// else (reply) a frame of the same length sent back to the PacketIn's Ethernet source
    /// on its port, as an ARP or ping responder does. When a rule fits several waiting
    /// PacketIns, none is chosen: that is said in `out.ambiguous`.
    #[cold]
    fn answer_of_cut_packet_out(
        &mut self,
        at: At,
        po: &PacketOut,
        frame_len: usize,
        out: &mut Paired,
    ) -> Option<(u64, AnswerRule)> {
        if po.buffer_id != NO_BUFFER {
            return self.by_buffer_id(po.buffer_id);
        }
        let same_data = |p: &Pending| {
            let common = p.prefix_len.min(po.data.len());
            p.in_port == po.in_port
                && (frame_len == p.sent_len || frame_len == usize::from(p.total_len))
                && common >= MIN_COMMON_PREFIX
                && p.prefix[..common] == po.data[..common]
        };
        let sent_back = |p: &Pending| {
            let (Some(sender), Some(to)) = (p.prefix.get(6..12), po.data.get(..6)) else {
                return false;
            };
            p.prefix_len >= 12
                && sender == to
                && frame_len == usize::from(p.total_len)
                && (po.in_port == p.in_port || super::outputs_to(&po.actions, p.in_port))
        };
        let rules: [(&CutRule, AnswerRule); 2] = [
            (&same_data, AnswerRule::SameData),
            (&sent_back, AnswerRule::Reply),
        ];
        for (fits, rule) in rules {
            let candidates: Vec<u64> = self
                .pending
                .iter()
                .filter(|(_, p)| fits(p))
                .map(|(seq, _)| seq)
                .collect();
            match candidates[..] {
                [] => continue,
                [only] => return Some((only, rule)),
                _ => {
                    self.ambiguous(at, po, &candidates, out);
                    return None;
                }
            }
        }
        None
    }

    /// `po` could answer any of `candidates`: none is paired with it, none of them will be
    /// called unanswered, and it is said.
    fn ambiguous(&mut self, at: At, po: &PacketOut, candidates: &[u64], out: &mut Paired) {
        for &seq in candidates {
            if let Some(p) = self.pending.get_mut(seq) {
                p.maybe_answered = true;
            }
        }
        out.ambiguous.push(Ambiguous {
            answer: at,
            candidates: candidates.len(),
            kept: po.data.len(),
        });
    }

    /// The capture lost bytes of the controller's stream: the answer of any PacketIn
    /// waiting now may have been there, so none of them will be called unanswered.
    pub fn controller_bytes_lost(&mut self) {
        for p in self.pending.slots.iter_mut().flatten() {
            p.maybe_answered = true;
        }
    }

    /// Ends the wait of `seq`: out of the indexes and the queue.
    fn take(&mut self, seq: u64) {
        let Some(p) = self.pending.get(seq) else {
            return;
        };
        let (buffer_id, data_key) = (p.buffer_id, p.data_key);
        let reply = if self.indexed {
            p.expected_reply()
        } else {
            None
        };
        self.pending.remove(seq);
        if buffer_id != NO_BUFFER && self.by_buffer.get(&buffer_id) == Some(&seq) {
            self.by_buffer.remove(&buffer_id);
        }
        if self.indexed {
            unfile(&mut self.by_data, data_key, seq);
            if let Some(sig) = reply {
                unfile(&mut self.by_reply, sig, seq);
            }
            self.fit_index();
        }
        if self.pending.is_empty() {
            self.cut_lengths.clear();
        }
    }

    // The outcomes are written from the waiting PacketIn in place: copying it out first
    // costs more than the rest of the pairing (its MACs do not move in whole words).
    fn answered(&mut self, seq: u64, at: At, rule: AnswerRule, out: &mut Paired) {
        if let Some(p) = self.pending.get(seq) {
            out.pairs.push(Pair {
                packet_in: p.at,
                answer: at,
                rule,
                hosts: p.hosts(),
                slots: p.slots,
            });
            self.take(seq);
        }
    }

    /// Ends the wait of `seq` unanswered, unless a cut PACKET_OUT may have answered it.
    fn give_up(&mut self, seq: u64, out: &mut Paired) {
        if let Some(p) = self.pending.get(seq) {
            if p.maybe_answered {
                self.take(seq);
                return;
            }
            out.unanswered.push(Unanswered {
                packet_in: p.at,
                hosts: p.hosts(),
                slots: p.slots,
            });
            self.take(seq);
        }
    }

    /// Ends the waits that the window has passed by `now_ns`.
    #[inline]
    pub fn expire(&mut self, now_ns: u64, out: &mut Paired) {
        // Checked on every message: mostly nothing is due.
        let packet_in_due = self
            .pending
            .front()
            .is_some_and(|p| p.at.ts_ns + self.window_ns < now_ns);
        if packet_in_due || !self.requests.is_empty() {
            self.expire_due(now_ns, out);
        }
    }

    fn expire_due(&mut self, now_ns: u64, out: &mut Paired) {
        while let Some((seq, p)) = self.pending.oldest() {
            if p.at.ts_ns + self.window_ns >= now_ns {
                break;
            }
            self.give_up(seq, out);
        }
        let late = now_ns.saturating_sub(self.request_window_ns);
        if !self.requests.is_empty() && self.requests.values().any(|(_, r)| r.ts_ns < late) {
            let mut gone = Vec::new();
            self.requests
                .retain(|&(from_switch, _), &mut (kind, request)| {
                    let keep = request.ts_ns >= late;
                    if !keep {
                        gone.push((from_switch, kind, request));
                    }
                    keep
                });
            gone.sort_by_key(|(_, _, at)| at.index);
            for (from_switch, kind, request) in gone {
                out.requests.push(RequestPair {
                    kind,
                    request,
                    reply: None,
                    from_switch,
                });
            }
        }
    }

    /// The connection ended: everything still waiting is unanswered.
    pub fn finish(&mut self, out: &mut Paired) {
        self.expire(u64::MAX, out);
    }

    /// The capture ended at `last_ns` with the connection open: what waited longer than
    /// its window is unanswered; what had not waited that long may have been answered just
    /// after, so it is dropped, counted neither way.
    pub fn capture_ended(&mut self, last_ns: u64, out: &mut Paired) {
        self.expire(last_ns, out);
        *self = ConnPairing::new(self.window_ns, self.request_window_ns, self.max_pending);
    }
}

/// Delay statistics of one series (a switch's PacketIns, its echoes, a host pair).
#[derive(Debug, Clone)]
pub struct LatencyStats {
    delays: Delays,
    count: u64,
    unanswered: u64,
    min_ns: u64,
    max_ns: u64,
    sum_ns: u128,
    /// The sum of the squared delays, exact, for the standard deviation.
    sum_sq: u128,
    /// RFC 3550 jitter: J += (|D| - J) / 16, D the difference of consecutive delays.
    jitter: f64,
    last_ns: Option<u64>,
}

/// The figures of a series, in nanoseconds; the JSON keys of `--latency -T json` (in
/// alphabetical order, as the JSON has them).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Summary {
    pub jitter_ns: u64,
    pub max_ns: u64,
    pub mean_ns: u64,
    pub min_ns: u64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    pub p99_ns: u64,
    pub pairs: u64,
    pub stddev_ns: u64,
    pub unanswered: u64,
}

impl LatencyStats {
    /// `significant_digits` trades memory for precision (3 for switches, 2 for host pairs).
    pub fn new(significant_digits: u8) -> LatencyStats {
        LatencyStats {
            delays: Delays::new(significant_digits),
            count: 0,
            unanswered: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            sum_ns: 0,
            sum_sq: 0,
            jitter: 0.0,
            last_ns: None,
        }
    }

    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.delays.record(ns);
        self.count += 1;
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        self.sum_ns += u128::from(ns);
        self.sum_sq += u128::from(ns) * u128::from(ns);
        if let Some(last) = self.last_ns {
            let d = last.abs_diff(ns) as f64;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_ns = Some(ns);
    }

    pub fn record_unanswered(&mut self) {
        self.unanswered += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The bytes its histogram takes on the heap (what grows with the delays it holds).
    pub fn histogram_bytes(&self) -> usize {
        self.delays.heap_bytes()
    }

    pub fn summary(&self) -> Summary {
        if self.count == 0 {
            return Summary {
                unanswered: self.unanswered,
                ..Summary::default()
            };
        }
        // Percentiles come from the histogram, clamped into the exact min..max.
        let mean_ns = (self.sum_ns / u128::from(self.count)) as u64;
        let q = |p: f64| {
            self.delays
                .quantile(p)
                .unwrap_or(mean_ns)
                .clamp(self.min_ns, self.max_ns)
        };
        Summary {
            pairs: self.count,
            unanswered: self.unanswered,
            min_ns: self.min_ns,
            p50_ns: q(0.50),
            p90_ns: q(0.90),
            p99_ns: q(0.99),
            max_ns: self.max_ns,
            mean_ns,
            jitter_ns: self.jitter.round() as u64,
            stddev_ns: self.stddev_ns().round() as u64,
        }
    }

    /// The population standard deviation: n·Σx² − (Σx)² is computed exactly (it fits for
    /// any real capture), so no digits are lost to cancellation; a running mean would cost
    /// a division per delay.
    fn stddev_ns(&self) -> f64 {
        let n = u128::from(self.count);
        let exact = n
            .checked_mul(self.sum_sq)
            .zip(self.sum_ns.checked_mul(self.sum_ns))
            .map(|(a, b)| a.saturating_sub(b) as f64 / (self.count as f64 * self.count as f64));
        let variance = exact.unwrap_or_else(|| {
            let mean = self.sum_ns as f64 / self.count as f64;
            (self.sum_sq as f64 / self.count as f64 - mean * mean).max(0.0)
        });
        variance.sqrt()
    }

    /// A text histogram: one line per power-of-two bucket of delay that has pairs.
    pub fn histogram_text(&self, width: usize) -> Vec<String> {
        let mut buckets: BTreeMap<u32, u64> = BTreeMap::new();
        for (value, count) in self.delays.recorded() {
            let bucket = 64 - value.max(1).leading_zeros();
            *buckets.entry(bucket).or_default() += count;
        }
        let most = buckets.values().copied().max().unwrap_or(1).max(1);
        buckets
            .iter()
            .map(|(&b, &n)| {
                let lo = if b <= 1 { 0 } else { 1u64 << (b - 1) };
                let bar = ((n as f64 / most as f64) * width as f64).ceil() as usize;
                format!(
                    "{:>10} .. {:<10} {:>7} {}",
                    super::fmt_duration(lo),
                    super::fmt_duration(1u64 << b.min(63)),
                    n,
                    "#".repeat(bar.max(1))
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofscope_dissectors::openflow::{Action, FlowMod, Match};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn arp_request() -> Vec<u8> {
        hex("ffffffffffff 000000000001 0806 0001 0800 06 04 0001
             000000000001 0a000001 000000000000 0a000002")
    }

    fn arp_reply() -> Vec<u8> {
        hex("000000000001 000000000002 0806 0001 0800 06 04 0002
             000000000002 0a000002 000000000001 0a000001")
    }

    fn at(index: u64, ms: u64) -> At {
        At {
            index,
            frame: index,
            ts_ns: ms * 1_000_000,
        }
    }

    fn pin(data: Vec<u8>, buffer_id: u32, total_len: u16) -> Message {
        Message::new(
            0,
            Body::PacketIn(PacketIn {
                buffer_id,
                total_len,
                in_port: 1,
                reason: 0,
                data,
            }),
        )
    }

    fn pout(data: Vec<u8>, buffer_id: u32, in_port: u16) -> Message {
        Message::new(
            0,
            Body::PacketOut(PacketOut {
                buffer_id,
                in_port,
                actions: vec![Action::output(2)],
                data,
            }),
        )
    }

    fn pairing() -> ConnPairing {
        ConnPairing::new(1_000_000_000, 10_000_000_000, 1000)
    }

    #[test]
    fn rules_in_order() {
        let mut p = pairing();
        let mut out = Paired::default();
        let req = arp_request();
        p.message(
            at(1, 0),
            true,
            &pin(req.clone(), 7, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(2, 1),
            true,
            &pin(req.clone(), NO_BUFFER, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(3, 2),
            true,
            &pin(req[..30].to_vec(), NO_BUFFER, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(4, 3),
            true,
            &pin(req.clone(), NO_BUFFER, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        // Another in_port is not the same packet.
        p.message(
            at(5, 5),
            false,
            &pout(req.clone(), NO_BUFFER, 9),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        assert!(out.pairs.is_empty());
        p.message(
            at(6, 6),
            false,
            &pout(Vec::new(), 7, 1),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(7, 7),
            false,
            &pout(req.clone(), NO_BUFFER, 1),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(8, 8),
            false,
            &pout(req.clone(), NO_BUFFER, 1),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        let rules: Vec<_> = out
            .pairs
            .iter()
            .map(|x| (x.packet_in.index, x.rule))
            .collect();
        // The cut PacketIn (3) is answered by a longer frame beginning with its data.
        assert_eq!(
            rules,
            [
                (1, AnswerRule::BufferId),
                (2, AnswerRule::SameData),
                (3, AnswerRule::SameData)
            ]
        );
        assert_eq!(out.pairs[1].latency_ns(), 6_000_000);
        p.message(
            at(9, 9),
            false,
            &pout(arp_reply(), NO_BUFFER, 0xffff),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        assert_eq!(out.pairs[3].rule, AnswerRule::Reply);
        assert_eq!(out.pairs[3].packet_in.index, 4);
    }

    #[test]
    fn flow_mod_answers_what_it_covers_and_window_expires() {
        let mut p = pairing();
        let mut out = Paired::default();
        p.message(
            at(1, 0),
            true,
            &pin(arp_request(), NO_BUFFER, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(2, 0),
            true,
            &pin(arp_reply(), NO_BUFFER, 42),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        let fm = FlowMod {
            match_: Match::exact(&FlowKey::from_bytes(&arp_request(), 1)),
            ..FlowMod::default()
        };
        p.message(
            at(3, 4),
            false,
            &Message::new(0, Body::FlowMod(fm)),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        assert_eq!(out.pairs.len(), 1);
        assert_eq!(out.pairs[0].rule, AnswerRule::FlowMod);
        // 1 s later the reply's PacketIn is given up.
        p.message(
            at(4, 1001),
            false,
            &Message::new(1, Body::BarrierRequest),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        assert_eq!(out.unanswered.len(), 1);
        assert_eq!(out.unanswered[0].packet_in.index, 2);
    }

    /// An ARP request from 10.0.0.1 for 10.0.1.`n`.
    fn arp_request_for(n: u8) -> Vec<u8> {
        let mut frame = arp_request();
        if let Some(last) = frame.last_mut() {
            *last = n;
        }
        frame[40] = 1;
        frame
    }

    #[test]
    fn many_waiting_are_indexed_and_paired_alike() {
        let mut p = pairing();
        let mut out = Paired::default();
        let n = (SCAN_LIMIT * 3) as u8;
        for i in 0..n {
            let pin = pin(arp_request_for(i), NO_BUFFER, 42);
            p.message(
                at(u64::from(i) + 1, 0),
                true,
                &pin,
                None,
                HostSlots::default(),
                0,
                &mut out,
            );
        }
        assert!(p.indexed);
        // Answered newest first: by data, then the last few by a reply.
        for i in (0..n).rev() {
            let answer = if i < 4 {
                let mut reply = arp_reply();
                reply[28..32].copy_from_slice(&[10, 0, 1, i]);
                pout(reply, NO_BUFFER, 0xffff)
            } else {
                pout(arp_request_for(i), NO_BUFFER, 1)
            };
            p.message(
                at(100 + u64::from(i), 1),
                false,
                &answer,
                None,
                HostSlots::default(),
                0,
                &mut out,
            );
            // The oldest still waits, so the span stays wide.
            assert_eq!(p.indexed, i > 0);
        }
        let mut got: Vec<_> = out
            .pairs
            .iter()
            .map(|x| (x.packet_in.index, x.answer.index, x.rule))
            .collect();
        got.sort_by_key(|(pin, _, _)| *pin);
        let want: Vec<_> = (0..n)
            .map(|i| {
                let rule = if i < 4 {
                    AnswerRule::Reply
                } else {
                    AnswerRule::SameData
                };
                (u64::from(i) + 1, 100 + u64::from(i), rule)
            })
            .collect();
        assert_eq!(got, want);
        assert_eq!(p.waiting(), 0);
    }

    #[test]
    fn requests_by_xid() {
        let mut p = pairing();
        let mut out = Paired::default();
        p.message(
            at(1, 0),
            false,
            &Message::new(5, Body::EchoRequest(vec![])),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(2, 1),
            true,
            &Message::new(6, Body::EchoRequest(vec![])),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(3, 2),
            true,
            &Message::new(5, Body::BarrierReply),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        p.message(
            at(4, 3),
            true,
            &Message::new(5, Body::EchoReply(vec![])),
            None,
            HostSlots::default(),
            0,
            &mut out,
        );
        assert_eq!(out.requests.len(), 1);
        assert_eq!(out.requests[0].request.index, 1);
        assert_eq!(out.requests[0].reply.map(|r| r.index), Some(4));
        p.finish(&mut out);
        assert_eq!(out.requests.len(), 2);
        assert!(out.requests[1].from_switch && out.requests[1].reply.is_none());
    }

    /// Feeds `msg` of which the capture lost the last `lost` bytes.
    fn feed_cut(
        p: &mut ConnPairing,
        at: At,
        from_switch: bool,
        msg: &Message,
        lost: usize,
        out: &mut Paired,
    ) {
        p.message(at, from_switch, msg, None, HostSlots::default(), lost, out);
    }

    /// A PacketIn of the whole `frame` on port 1 of which the capture kept `kept` bytes of
    /// frame; a PACKET_OUT of it to port 2 of which it kept `kept_out`.
    fn cut_pin(frame: &[u8], kept: usize) -> (Message, usize) {
        let mut m = pin(frame[..kept].to_vec(), NO_BUFFER, frame.len() as u16);
        m.header.length += (frame.len() - kept) as u16;
        (m, frame.len() - kept)
    }

    fn cut_pout(frame: &[u8], kept: usize, in_port: u16) -> (Message, usize) {
        let mut m = pout(frame[..kept].to_vec(), NO_BUFFER, in_port);
        m.header.length += (frame.len() - kept) as u16;
        (m, frame.len() - kept)
    }

    #[test]
    fn cut_packet_ins_pair_with_cut_answers_by_what_both_kept() {
        // As at a 96-byte snaplen: the PacketIn kept 12 bytes of its frame, the PACKET_OUT
        // 6 (the Ethernet destination), both with the same in_port and frame length.
        let mut p = pairing();
        let mut out = Paired::default();
        let (m, lost) = cut_pin(&arp_request(), 12);
        feed_cut(&mut p, at(1, 0), true, &m, lost, &mut out);
        // Another port, another frame length, or fewer than 6 bytes kept: not its answer.
        let (m, lost) = cut_pout(&arp_request(), 6, 9);
        feed_cut(&mut p, at(2, 1), false, &m, lost, &mut out);
        let (m, lost) = cut_pout(&arp_request()[..40], 6, 1);
        feed_cut(&mut p, at(3, 1), false, &m, lost, &mut out);
        let (m, lost) = cut_pout(&arp_request(), 4, 1);
        feed_cut(&mut p, at(4, 1), false, &m, lost, &mut out);
        assert!(out.pairs.is_empty() && out.ambiguous.is_empty());
        let (m, lost) = cut_pout(&arp_request(), 6, 1);
        feed_cut(&mut p, at(5, 2), false, &m, lost, &mut out);
        assert_eq!(out.pairs.len(), 1);
        assert_eq!(
            (out.pairs[0].packet_in.index, out.pairs[0].answer.index),
            (1, 5)
        );
        assert_eq!(out.pairs[0].rule, AnswerRule::SameData);
        // A reply sent back to the asker (a frame of the same length to its source MAC, on
        // its port) answers by the reply rule.
        let (m, lost) = cut_pin(&arp_request(), 12);
        feed_cut(&mut p, at(10, 3), true, &m, lost, &mut out);
        let (m, lost) = cut_pout(&arp_reply(), 6, 1);
        feed_cut(&mut p, at(11, 3), false, &m, lost, &mut out);
        assert_eq!(out.pairs.len(), 2);
        assert_eq!(
            (out.pairs[1].packet_in.index, out.pairs[1].rule),
            (10, AnswerRule::Reply)
        );
        out.pairs.pop();
        // A whole PACKET_OUT answers a cut PacketIn too.
        let (m, lost) = cut_pin(&arp_reply(), 12);
        feed_cut(&mut p, at(6, 3), true, &m, lost, &mut out);
        feed_cut(
            &mut p,
            at(7, 4),
            false,
            &pout(arp_reply(), NO_BUFFER, 1),
            0,
            &mut out,
        );
        assert_eq!(out.pairs.len(), 2);
        assert_eq!(p.waiting(), 0);
    }

    #[test]
    fn a_cut_answer_that_fits_several_packet_ins_is_said_not_guessed() {
        // Two ARP requests from one port, for other addresses: the same first 12 bytes.
        let mut p = pairing();
        let mut out = Paired::default();
        for (i, n) in [(1, 2u8), (2, 3)] {
            let (m, lost) = cut_pin(&arp_request_for(n), 12);
            feed_cut(&mut p, at(i, 0), true, &m, lost, &mut out);
        }
        let (m, lost) = cut_pout(&arp_request_for(3), 6, 1);
        feed_cut(&mut p, at(3, 1), false, &m, lost, &mut out);
        assert!(out.pairs.is_empty());
        assert_eq!(
            out.ambiguous,
            [Ambiguous {
                answer: at(3, 1),
                candidates: 2,
                kept: 6
            }]
        );
        // Neither is called unanswered: one of them was answered.
        p.finish(&mut out);
        assert!(out.unanswered.is_empty());
        assert_eq!(p.waiting(), 0);
    }

    #[test]
    fn a_flow_mod_cut_before_its_actions_answers_nothing() {
        let covers_all = || {
            Message::new(
                0,
                Body::FlowMod(FlowMod {
                    match_: Match::exact(&FlowKey::from_bytes(&arp_request(), 1)),
                    actions: vec![Action::output(2)],
                    ..FlowMod::default()
                }),
            )
        };
        let mut p = pairing();
        let mut out = Paired::default();
        feed_cut(
            &mut p,
            at(1, 0),
            true,
            &pin(arp_request(), NO_BUFFER, 42),
            0,
            &mut out,
        );
        // The capture kept 30 of its 72+ bytes: its command and buffer_id are lost.
        let fm = covers_all();
        let lost = usize::from(fm.header.length) - 30;
        feed_cut(&mut p, at(2, 1), false, &fm, lost, &mut out);
        assert!(out.pairs.is_empty());
        // Cut in its actions only: everything a pairing needs is there.
        feed_cut(&mut p, at(3, 2), false, &covers_all(), 4, &mut out);
        assert_eq!(out.pairs.len(), 1);
        assert_eq!(out.pairs[0].rule, AnswerRule::FlowMod);
    }

    #[test]
    fn stats_and_jitter() {
        let mut s = LatencyStats::new(3);
        for ms in [10u64, 20, 10, 20] {
            s.record(ms * 1_000_000);
        }
        let sum = s.summary();
        assert_eq!(
            (sum.pairs, sum.min_ns, sum.max_ns),
            (4, 10_000_000, 20_000_000)
        );
        assert_eq!(sum.mean_ns, 15_000_000);
        assert_eq!(sum.stddev_ns, 5_000_000);
        // J = 10/16, then + (10 - J)/16 twice.
        let mut j = 0.0f64;
        for _ in 0..3 {
            j += (10_000_000.0 - j) / 16.0;
        }
        assert_eq!(sum.jitter_ns, j.round() as u64);
        assert!(sum.p50_ns.abs_diff(10_000_000) < 20_000);
        assert!(sum.p99_ns.abs_diff(20_000_000) < 20_000);
        assert!(!s.histogram_text(20).is_empty());
    }
}
