//! Host pairs seen in the frames of PacketIns and PacketOuts (as Wireshark's Ethernet
//! conversations: A↔B, whichever way the frame went).

use std::collections::hash_map::Entry;
use std::collections::BTreeSet;
use std::net::IpAddr;

use ofscope_dissectors::openflow::matching::{Headers, NetworkHeader, TransportHeader};

use super::{mac_number, FastMap};

/// Addresses kept per conversation (an ARP scan would otherwise grow it without end).
const ADDR_CAP: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// The lower MAC first.
    pub a: [u8; 6],
    pub b: [u8; 6],
    /// In the order first seen.
    pub ips: Vec<IpAddr>,
    /// VLAN ids of tagged frames (the outer tag), and whether untagged frames were seen.
    pub vlans: BTreeSet<u16>,
    pub untagged: bool,
    pub protocols: Protocols,
    pub switches: BTreeSet<u64>,
    pub packet_ins: u64,
    pub packet_outs: u64,
    pub bytes: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// PacketIn → answer delays of frames between the two hosts.
    pub answered: u64,
    pub latency_sum_ns: u64,
    /// The analyser's latency series of the host pairs a→b and b→a, once looked up.
    host_pairs: [Option<u32>; 2],
    /// The addresses of the last frame, noted already: most frames repeat them.
    last_addresses: Option<(IpAddr, IpAddr)>,
}

impl Conversation {
    fn note_address(&mut self, ip: IpAddr) {
        if self.ips.len() < ADDR_CAP && !ip.is_unspecified() && !self.ips.contains(&ip) {
            self.ips.push(ip);
        }
    }

    pub fn mean_latency_ns(&self) -> Option<u64> {
        (self.answered > 0).then(|| self.latency_sum_ns / self.answered)
    }
}

const PROTOCOL_NAMES: [&str; 9] = [
    "ARP", "ICMP", "ICMPv6", "TCP", "UDP", "IPv4", "IPv6", "LLDP", "other",
];

/// The protocol a frame shows, innermost first, as an index into [`PROTOCOL_NAMES`].
fn protocol(h: &Headers) -> usize {
    match (h.network, h.transport) {
        (_, TransportHeader::Icmp { .. }) => 1,
        (_, TransportHeader::Icmpv6) => 2,
        (_, TransportHeader::Tcp { .. }) => 3,
        (_, TransportHeader::Udp { .. }) => 4,
        (NetworkHeader::Arp(_), _) => 0,
        (NetworkHeader::Ipv4 { .. }, _) => 5,
        (NetworkHeader::Ipv6 { .. }, _) => 6,
        (NetworkHeader::Lldp, _) => 7,
        (NetworkHeader::Other, _) | (NetworkHeader::None, _) => 8,
    }
}

/// The set of protocols a conversation showed (a bit per protocol: no allocation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protocols(u16);

impl Protocols {
    pub fn names(self) -> Vec<&'static str> {
        PROTOCOL_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    pub fn contains(self, name: &str) -> bool {
        self.names().contains(&name)
    }
}

/// The VLANs a host pair was seen on, as `--stats` and the viewer name them: the tagged
/// frames' ids, then `untagged` when frames came without a tag.
pub fn vlan_names<'a>(vlans: impl IntoIterator<Item = &'a u16>, untagged: bool) -> Vec<String> {
    let mut names: Vec<String> = vlans.into_iter().map(u16::to_string).collect();
    if untagged {
        names.push("untagged".to_owned());
    }
    names
}

#[derive(Debug, Clone)]
pub struct Conversations {
    /// Where each is in `list`, keyed by the two MACs as numbers, the lower first: cheaper
    /// to hash and compare.
    index: FastMap<(u64, u64), u32>,
    /// In the order first seen; a PacketIn's answer finds its conversation here by number.
    list: Vec<Conversation>,
    cap: usize,
    /// The last conversation looked up, by its key: a request's answer (and the next
    /// frames of the same exchange) mostly come before another conversation's frame.
    last: Option<((u64, u64), u32)>,
    /// Frames of conversations beyond the cap.
    pub overflow: u64,
}

fn pair(x: &[u8; 6], y: &[u8; 6]) -> (u64, u64) {
    let (x, y) = (mac_number(x), mac_number(y));
    (x.min(y), x.max(y))
}

impl Conversations {
    pub fn new(cap: usize) -> Conversations {
        Conversations {
            index: FastMap::default(),
            list: Vec::new(),
            cap,
            last: None,
            overflow: 0,
        }
    }

    /// A frame of `len` bytes carried by a PacketIn (`packet_in`) or a PacketOut; returns
    /// the number of its conversation (`None` without Ethernet, or beyond the cap).
    pub fn observe(
        &mut self,
        h: &Headers,
        len: u64,
        packet_in: bool,
        ts_ns: u64,
        dpid: Option<u64>,
    ) -> Option<u32> {
        let eth = h.eth?;
        let key = pair(&eth.src, &eth.dst);
        let slot = match self.last {
            Some((last, slot)) if last == key => slot,
            _ => self.slot(key, &eth.src, &eth.dst, ts_ns)?,
        };
        let c = self.list.get_mut(slot as usize)?;
        c.last_ns = ts_ns;
        if packet_in {
            c.packet_ins += 1;
        } else {
            c.packet_outs += 1;
        }
        c.bytes += len;
        match h.vlan {
            Some(tag) => {
                c.vlans.insert(tag.vid);
            }
            None => c.untagged = true,
        }
        c.protocols.0 |= 1 << protocol(h);
        if let Some(d) = dpid {
            // Nearly always the one switch already noted.
            if c.switches.last() != Some(&d) {
                c.switches.insert(d);
            }
        }
        let (src, dst): (IpAddr, IpAddr) = match h.network {
            NetworkHeader::Arp(a) => (a.spa.into(), a.tpa.into()),
            NetworkHeader::Ipv4 { src, dst, .. } => (src.into(), dst.into()),
            NetworkHeader::Ipv6 { src, dst } => (src.into(), dst.into()),
            _ => return Some(slot),
        };
        if c.last_addresses != Some((src, dst)) {
            c.note_address(src);
            c.note_address(dst);
            c.last_addresses = Some((src, dst));
        }
        Some(slot)
    }

    /// The number of the conversation `key` of hosts `src` and `dst`, made on first sight
    /// (`None` beyond the cap); remembered as the last one looked up.
    fn slot(&mut self, key: (u64, u64), src: &[u8; 6], dst: &[u8; 6], ts_ns: u64) -> Option<u32> {
        let full = self.list.len() >= self.cap;
        let slot = match self.index.entry(key) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(_) if full => {
                self.overflow += 1;
                return None;
            }
            Entry::Vacant(e) => {
                let (a, b) = if src <= dst {
                    (*src, *dst)
                } else {
                    (*dst, *src)
                };
                let slot = u32::try_from(self.list.len()).ok()?;
                self.list.push(Conversation {
                    a,
                    b,
                    first_ns: ts_ns,
                    ..Conversation::default()
                });
                *e.insert(slot)
            }
        };
        self.last = Some((key, slot));
        Some(slot)
    }

    /// A PACKET_OUT carrying the frame of a PacketIn already observed in conversation
    /// `slot`: only the counts change.
    pub fn repeat_packet_out(&mut self, slot: u32, len: u64, ts_ns: u64) {
        if let Some(c) = self.list.get_mut(slot as usize) {
            c.last_ns = ts_ns;
            c.packet_outs += 1;
            c.bytes += len;
        }
    }

    /// The host-pair series remembered for frames from `src` in conversation `slot`.
    pub fn host_pair(&self, slot: u32, src: &[u8; 6]) -> Option<u32> {
        let c = self.list.get(slot as usize)?;
        c.host_pairs[usize::from(*src != c.a)]
    }

    pub fn remember_host_pair(&mut self, slot: u32, src: &[u8; 6], series: u32) {
        if let Some(c) = self.list.get_mut(slot as usize) {
            c.host_pairs[usize::from(*src != c.a)] = Some(series);
        }
    }

    /// A PacketIn of conversation `slot` was answered after `ns`.
    pub fn latency(&mut self, slot: u32, ns: u64) {
        if let Some(c) = self.list.get_mut(slot as usize) {
            c.answered += 1;
            c.latency_sum_ns += ns;
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Busiest first.
    pub fn sorted(&self) -> Vec<&Conversation> {
        let mut v: Vec<&Conversation> = self.list.iter().collect();
        v.sort_by_key(|c| (std::cmp::Reverse(c.packet_ins + c.packet_outs), c.a, c.b));
        v
    }
}
