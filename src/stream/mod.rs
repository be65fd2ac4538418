//! TCP streams of OpenFlow: link/IP/TCP decoding, connection tracking, per-direction
//! reassembly and message framing.
//!
//! Frames go in through [`Tracker::push_frame`]; [`StreamEvent`]s come out, each OpenFlow
//! message as exactly one [`OfChunk`]. Nothing here looks past the 8-byte OpenFlow header.
mod decode;
mod framing;
mod header;
mod reassembly;
mod tracker;

use std::fmt;
use std::net::SocketAddr;

pub use decode::{decode_tcp, CapturePoint, OuterPath, Skipped, TcpFlags, TcpSegment};
pub use header::{looks_like_openflow, OfHeader, Role, HEADER_LEN};
pub use reassembly::Limits;
pub use tracker::{Refused, Tracker};

/// The ports controllers listen on: the IANA one and the historical one.
pub const OPENFLOW_PORTS: [u16; 2] = [6653, 6633];

/// A connection's index in [`Tracker::connections`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u32);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    SwitchToController,
    ControllerToSwitch,
}

impl Direction {
    /// The role of the sender.
    pub fn sender(self) -> Role {
        match self {
            Direction::SwitchToController => Role::Switch,
            Direction::ControllerToSwitch => Role::Controller,
        }
    }

    fn reversed(self) -> Direction {
        match self {
            Direction::SwitchToController => Direction::ControllerToSwitch,
            Direction::ControllerToSwitch => Direction::SwitchToController,
        }
    }
}

/// Why bytes of a stream were skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GapReason {
    /// A segment was never captured (dropped, or the capture stopped).
    Lost,
    /// The snaplen cut the segment's payload.
    Snaplen,
    /// The capture started after the connection did; these bytes preceded the first
    /// message start found.
    MidStream,
    /// The bytes could not be framed as OpenFlow (a header length below 8).
    Unframeable,
}

/// How the roles of a connection's two ends were decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoleSource {
    /// The SYN was captured: the switch connects to the controller.
    Handshake,
    /// One end uses a known OpenFlow port: it is the controller.
    Port,
    /// A message only one role sends (FEATURES_REPLY, PACKET_IN, FLOW_MOD, ...).
    MessageType,
    /// Nothing told: the end with the lower port is taken as the controller.
    Guess,
}

/// A place in the capture: a frame and its timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct At {
    pub frame: u64,
    pub ts_ns: u64,
}

/// One OpenFlow message, whole, as it crossed the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfChunk {
    pub conn: ConnId,
    pub direction: Direction,
    pub header: OfHeader,
    /// The frames its bytes came from, in stream order (first and last included).
    pub frames: Vec<u64>,
    /// The frame that completed the message: the one carrying its last byte, or, when that
    /// segment arrived ahead of a hole, the frame that filled the hole (as tshark credits a
    /// reassembled message). For a truncated message, the frame that delivered its last
    /// captured byte.
    pub frame: u64,
    /// The timestamp of `frame`.
    pub ts_ns: u64,
    /// Exactly one message: `header.length` bytes (fewer in [`StreamEvent::Truncated`]).
    pub bytes: Vec<u8>,
}

/// Why a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseReason {
    Fin,
    Reset,
    /// A new SYN reused the addresses and ports.
    PortReuse,
}

/// What the tracker reports, in capture order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// An OpenFlow connection was found; its roles are decided from here on.
    ConnOpened {
        conn: ConnId,
        switch: SocketAddr,
        controller: SocketAddr,
        roles: RoleSource,
        frame: u64,
        /// The tunnel its first segment came through (see [`CapturePoint`]).
        via: Option<CapturePoint>,
    },
    Message(OfChunk),
    /// The start of a message whose rest was lost (snaplen, a lost segment, or the end of
    /// the capture): `bytes` is shorter than `header.length`. A gap follows unless the
    /// capture ended.
    Truncated(OfChunk),
    /// Bytes lost before the next message start (see [`GapReason`]). One event covers
    /// everything from the loss to the resync.
    Gap {
        conn: ConnId,
        direction: Direction,
        frame: u64,
        skipped_bytes: u64,
        reason: GapReason,
    },
    Retransmission {
        conn: ConnId,
        direction: Direction,
        frame: u64,
        bytes: u64,
    },
    /// A retransmission whose bytes differ from the first copy (which is kept).
    OverlapConflict {
        conn: ConnId,
        direction: Direction,
        frame: u64,
        stream_offset: u64,
        bytes: u64,
    },
    OutOfOrder {
        conn: ConnId,
        direction: Direction,
        frame: u64,
        bytes: u64,
    },
    /// The stream ended inside a message header; these bytes are dropped.
    Unfinished {
        conn: ConnId,
        direction: Direction,
        pending_bytes: u64,
    },
    ConnClosed {
        conn: ConnId,
        frame: u64,
        reason: CloseReason,
    },
    /// The capture holds the connection twice: a segment came again, through `via`
    /// (`None`: bare), a copy and not a retransmission (see [`Counters::copies`]). Once per
    /// connection, at its first copy.
    SeenTwice {
        conn: ConnId,
        frame: u64,
        via: Option<CapturePoint>,
    },
}

impl StreamEvent {
    /// The connection the event belongs to.
    pub fn conn(&self) -> ConnId {
        match self {
            StreamEvent::ConnOpened { conn, .. }
            | StreamEvent::Gap { conn, .. }
            | StreamEvent::Retransmission { conn, .. }
            | StreamEvent::OverlapConflict { conn, .. }
            | StreamEvent::OutOfOrder { conn, .. }
            | StreamEvent::Unfinished { conn, .. }
            | StreamEvent::ConnClosed { conn, .. }
            | StreamEvent::SeenTwice { conn, .. } => *conn,
            StreamEvent::Message(chunk) | StreamEvent::Truncated(chunk) => chunk.conn,
        }
    }

    /// The frame the event belongs to, which orders the tracker's output. The unfinished
    /// rest of a stream belongs to the end of the capture.
    pub fn frame(&self) -> u64 {
        match self {
            StreamEvent::ConnOpened { frame, .. }
            | StreamEvent::Gap { frame, .. }
            | StreamEvent::Retransmission { frame, .. }
            | StreamEvent::OverlapConflict { frame, .. }
            | StreamEvent::OutOfOrder { frame, .. }
            | StreamEvent::ConnClosed { frame, .. }
            | StreamEvent::SeenTwice { frame, .. } => *frame,
            StreamEvent::Message(chunk) | StreamEvent::Truncated(chunk) => chunk.frame,
            StreamEvent::Unfinished { .. } => u64::MAX,
        }
    }

    fn direction_mut(&mut self) -> Option<&mut Direction> {
        match self {
            StreamEvent::Message(OfChunk { direction, .. })
            | StreamEvent::Truncated(OfChunk { direction, .. })
            | StreamEvent::Gap { direction, .. }
            | StreamEvent::Retransmission { direction, .. }
            | StreamEvent::OverlapConflict { direction, .. }
            | StreamEvent::OutOfOrder { direction, .. }
            | StreamEvent::Unfinished { direction, .. } => Some(direction),
            StreamEvent::ConnOpened { .. }
            | StreamEvent::ConnClosed { .. }
            | StreamEvent::SeenTwice { .. } => None,
        }
    }
}

/// An OpenFlow connection seen in the capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub id: ConnId,
    pub switch: SocketAddr,
    pub controller: SocketAddr,
    pub roles: RoleSource,
    pub first_frame: u64,
    pub first_ts_ns: u64,
    pub last_ts_ns: u64,
    pub closed: Option<CloseReason>,
    /// The tunnel its first segment came through, `None` when it came bare. The same
    /// connection seen again through another capture point (or bare) is this one: a
    /// connection is keyed by its own addresses and ports, the innermost.
    pub via: Option<CapturePoint>,
    /// Its segments seen a second time (see [`StreamEvent::SeenTwice`]).
    pub copies: u64,
}

/// Running totals, for `--stats` and findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub frames: u64,
    /// Captured bytes of all frames.
    pub bytes: u64,
    /// Frames that are not TCP (or whose headers were cut).
    pub non_tcp_frames: u64,
    /// Frames that carried a TCP segment, of any connection.
    pub tcp_frames: u64,
    /// TCP segments of OpenFlow connections.
    pub segments: u64,
    /// Stream bytes delivered in order on OpenFlow connections.
    pub stream_bytes: u64,
    pub connections: u64,
    pub messages: u64,
    pub truncated_messages: u64,
    pub retransmissions: u64,
    pub retransmitted_bytes: u64,
    pub overlap_conflicts: u64,
    pub out_of_order: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    /// Segments the capture holds twice (a second capture point, a mirror of both
    /// directions): left out of everything else, `segments` included.
    pub copies: u64,
}

/// What to look for and how much to hold.
#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// Ports where any TCP connection is taken as OpenFlow.
    pub ports: Vec<u16>,
    /// Also look at connections on other ports for OpenFlow at their start.
    pub heuristic: bool,
    pub limits: Limits,
    /// OpenFlow connections tracked. Past it a new one is left out, as a flow that is not
    /// OpenFlow is, and `Tracker::refused` says from which frame (the analysis reports it
    /// as a full table): each tracked connection keeps its addresses and times to the end.
    pub max_connections: usize,
    /// The tunnels' ports on the way to the channel.
    pub outer: OuterPath,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            ports: OPENFLOW_PORTS.to_vec(),
            heuristic: true,
            limits: Limits::default(),
            max_connections: 1 << 20,
            outer: OuterPath::default(),
        }
    }
}

impl StreamConfig {
    /// The defaults, with the user's `--port`s added to the OpenFlow ones.
    pub fn with_ports(extra: &[u16]) -> StreamConfig {
        StreamConfig {
            ports: OPENFLOW_PORTS.iter().chain(extra).copied().collect(),
            ..StreamConfig::default()
        }
    }

    /// These UDP ports also carry VXLAN (`--vxlan-port`).
    pub fn with_vxlan_ports(mut self, extra: &[u16]) -> StreamConfig {
        self.outer.vxlan_ports.extend_from_slice(extra);
        self
    }
}
