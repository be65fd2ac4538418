//! Builders for synthetic captures (pcap, pcapng, link/IP/TCP headers, OpenFlow headers),
//! and a helper that runs a capture through the reader and the tracker.

use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};

use ofscope::capture::{FileSource, FrameSource, LinkType, OwnedFrame};
use ofscope::stream::{Counters, OfChunk, StreamConfig, StreamEvent, Tracker};

pub const SYN: u8 = 0x02;
pub const FIN: u8 = 0x01;
pub const RST: u8 = 0x04;
pub const PSH_ACK: u8 = 0x18;
pub const ACK: u8 = 0x10;

/// A classic pcap file being written.
pub struct PcapBuilder {
    bytes: Vec<u8>,
    nanos: bool,
    big_endian: bool,
    snaplen: usize,
}

impl PcapBuilder {
    pub fn new(linktype: LinkType) -> PcapBuilder {
        Self::with(linktype, false, false, 262_144)
    }

    pub fn with(linktype: LinkType, nanos: bool, big_endian: bool, snaplen: usize) -> Self {
        let mut b = PcapBuilder {
            bytes: Vec::new(),
            nanos,
            big_endian,
            snaplen,
        };
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        b.u32(magic);
        b.u16(2);
        b.u16(4);
        b.u32(0);
        b.u32(0);
        b.u32(snaplen as u32);
        b.u32(linktype.0);
        b
    }

    fn u16(&mut self, v: u16) {
        let bytes = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&bytes);
    }

    fn u32(&mut self, v: u32) {
        let bytes = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&bytes);
    }

    /// Appends a frame, cut to the snaplen like a capture would.
    pub fn frame(&mut self, ts_ns: u64, data: &[u8]) -> &mut Self {
        let caplen = data.len().min(self.snaplen);
        self.u32((ts_ns / 1_000_000_000) as u32);
        let frac = ts_ns % 1_000_000_000;
        self.u32(if self.nanos { frac } else { frac / 1000 } as u32);
        self.u32(caplen as u32);
        self.u32(data.len() as u32);
        self.bytes.extend_from_slice(&data[..caplen]);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
}

/// A little-endian pcapng file: interfaces (link type, if_tsresol) then packets
/// (interface, timestamp in that interface's units, data).
pub fn pcapng(interfaces: &[(LinkType, u8)], packets: &[(u32, u64, Vec<u8>)]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
        let len = 12 + body.len().next_multiple_of(4);
        out.extend_from_slice(&block_type.to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + body.len().next_multiple_of(4) - body.len(), 0);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    for &(linktype, tsresol) in interfaces {
        let mut idb = Vec::new();
        idb.extend_from_slice(&(linktype.0 as u16).to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&0u32.to_le_bytes());
        // option if_tsresol (9), length 1, padded; then opt_endofopt
        idb.extend_from_slice(&9u16.to_le_bytes());
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&[tsresol, 0, 0, 0]);
        idb.extend_from_slice(&[0, 0, 0, 0]);
        block(&mut out, 1, &idb);
    }
    for (if_id, ticks, data) in packets {
        let mut epb = Vec::new();
        epb.extend_from_slice(&if_id.to_le_bytes());
        epb.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(*ticks as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(data);
        epb.resize(20 + data.len().next_multiple_of(4), 0);
        block(&mut out, 6, &epb);
    }
    out
}

/// An IPv4 or IPv6 packet carrying one TCP segment (checksums left zero).
pub fn ip_tcp(src: SocketAddr, dst: SocketAddr, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&src.port().to_be_bytes());
    tcp.extend_from_slice(&dst.port().to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&1u32.to_be_bytes());
    // Everything but the opening SYN acknowledges something.
    let flags = if flags & SYN == 0 { flags | ACK } else { flags };
    tcp.extend_from_slice(&[0x50, flags]);
    tcp.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
    tcp.extend_from_slice(payload);
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut ip = vec![0x45, 0];
            ip.extend_from_slice(&((20 + tcp.len()) as u16).to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
            ip.extend_from_slice(&s.octets());
            ip.extend_from_slice(&d.octets());
            ip.extend_from_slice(&tcp);
            ip
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut ip = vec![0x60, 0, 0, 0];
            ip.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
            ip.extend_from_slice(&[6, 64]);
            ip.extend_from_slice(&s.octets());
            ip.extend_from_slice(&d.octets());
            ip.extend_from_slice(&tcp);
            ip
        }
        _ => panic!("mixed address families"),
    }
}

fn ethertype_of(ip: &[u8]) -> [u8; 2] {
    if ip[0] >> 4 == 6 {
        [0x86, 0xdd]
    } else {
        [0x08, 0x00]
    }
}

/// Wraps an IP packet in the given link layer.
pub fn link(linktype: LinkType, ip: &[u8]) -> Vec<u8> {
    let mut frame = match linktype {
        LinkType::ETHERNET => {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&ethertype_of(ip));
            f
        }
        LinkType::LINUX_SLL => {
            let mut f = vec![0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
            f.extend_from_slice(&ethertype_of(ip));
            f
        }
        LinkType::LINUX_SLL2 => {
            let mut f = ethertype_of(ip).to_vec();
            f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0, 0]);
            f
        }
        LinkType::NULL => if ip[0] >> 4 == 6 { 30u32 } else { 2 }
            .to_le_bytes()
            .to_vec(),
        LinkType::LOOP => if ip[0] >> 4 == 6 { 24u32 } else { 2 }
            .to_be_bytes()
            .to_vec(),
        _ => Vec::new(),
    };
    frame.extend_from_slice(ip);
    frame
}

/// An OpenFlow message: the 8-byte header then `len - 8` filler bytes.
pub fn of_msg(version: u8, msg_type: u8, len: u16, xid: u32) -> Vec<u8> {
    let mut m = vec![version, msg_type];
    m.extend_from_slice(&len.to_be_bytes());
    m.extend_from_slice(&xid.to_be_bytes());
    m.extend((8..len).map(|i| i as u8));
    m
}

/// An OpenFlow 1.0 message of `msg_type` with `body`.
pub fn of_message(msg_type: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let mut m = of_msg(1, msg_type, (8 + body.len()) as u16, xid);
    m.truncate(8);
    m.extend_from_slice(body);
    m
}

/// A TCP connection being recorded: tracks both sequence numbers.
pub struct Session {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub linktype: LinkType,
    seq: [u32; 2],
    pub pcap: PcapBuilder,
    ts_ns: u64,
}

impl Session {
    pub fn new(client: &str, server: &str, linktype: LinkType) -> Session {
        Self::with_pcap(client, server, PcapBuilder::new(linktype), linktype)
    }

    pub fn with_pcap(client: &str, server: &str, pcap: PcapBuilder, linktype: LinkType) -> Self {
        Session {
            client: client.parse().unwrap(),
            server: server.parse().unwrap(),
            linktype,
            seq: [1000, 900_000],
            pcap,
            ts_ns: 1_700_000_000_000_000_000,
        }
    }

    fn ends(&self, from_client: bool) -> (SocketAddr, SocketAddr, usize) {
        if from_client {
            (self.client, self.server, 0)
        } else {
            (self.server, self.client, 1)
        }
    }

    /// The frame for a segment at an explicit sequence number (nothing is recorded).
    pub fn frame_at(&self, from_client: bool, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        let (src, dst, _) = self.ends(from_client);
        link(self.linktype, &ip_tcp(src, dst, seq, flags, payload))
    }

    /// The next segment of one side, advancing its sequence number, not yet recorded.
    pub fn next(&mut self, from_client: bool, flags: u8, payload: &[u8]) -> Vec<u8> {
        let (_, _, side) = self.ends(from_client);
        let seq = self.seq[side];
        let used = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        self.seq[side] = seq.wrapping_add(used);
        self.frame_at(from_client, seq, flags, payload)
    }

    /// Records a frame.
    pub fn record(&mut self, frame: &[u8]) -> &mut Self {
        self.ts_ns += 1_000_000;
        self.pcap.frame(self.ts_ns, frame);
        self
    }

    /// Records the next segment of one side.
    pub fn send(&mut self, from_client: bool, payload: &[u8]) -> &mut Self {
        let frame = self.next(from_client, PSH_ACK, payload);
        self.record(&frame)
    }

    pub fn handshake(&mut self) -> &mut Self {
        let syn = self.next(true, SYN, &[]);
        let syn_ack = self.next(false, SYN | ACK, &[]);
        self.record(&syn).record(&syn_ack)
    }

    pub fn close(&mut self) -> &mut Self {
        let a = self.next(true, FIN | ACK, &[]);
        let b = self.next(false, FIN | ACK, &[]);
        self.record(&a).record(&b)
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.pcap.bytes()
    }
}

/// What a capture gave: events, counters and the connections.
pub struct Run {
    pub events: Vec<StreamEvent>,
    pub counters: Counters,
    pub tracker: Tracker,
    pub max_held: usize,
}

impl Run {
    pub fn messages(&self) -> Vec<&OfChunk> {
        self.events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    pub fn xids(&self) -> Vec<u32> {
        self.messages().iter().map(|m| m.header.xid).collect()
    }
}

pub fn analyse(capture: Vec<u8>) -> Run {
    analyse_with(capture, StreamConfig::default())
}

pub fn analyse_with(capture: Vec<u8>, config: StreamConfig) -> Run {
    crate::common::keep_for_fuzzing("capture_file", &capture);
    let mut source = FileSource::from_reader(Cursor::new(capture), "test.pcap").unwrap();
    analyse_source(&mut source, config)
}

pub fn analyse_source(source: &mut FileSource, config: StreamConfig) -> Run {
    let mut tracker = Tracker::new(config);
    let mut events = Vec::new();
    let mut max_held = 0;
    while let Some(frame) = source.next_frame() {
        let frame = frame.unwrap_or_else(|err| panic!("the capture does not read: {err}"));
        tracker.push_frame(&frame, &mut events);
        max_held = max_held.max(tracker.held_bytes());
    }
    tracker.finish(&mut events);
    Run {
        events,
        counters: *tracker.counters(),
        tracker,
        max_held,
    }
}

/// Every frame of `samples/NAME`.
pub fn read_sample(name: &str) -> Vec<OwnedFrame> {
    let mut source = FileSource::open(crate::common::sample(name)).expect("sample opens");
    let mut frames = Vec::new();
    while let Some(frame) = source.next_frame() {
        frames.push(OwnedFrame::of(&frame.expect("sample reads")));
    }
    frames
}
