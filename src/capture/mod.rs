//! Sources of frames: capture files (pcap, pcapng, gzipped or not), live interfaces
//! (libpcap), and writing pcap.
//!
//! A source yields [`RawFrame`]s one at a time, borrowing the reader's buffer, so reading
//! costs no allocation per frame and memory stays flat whatever the file size.
mod file;
pub mod live;
mod writer;

use std::fmt;
use std::path::PathBuf;

use ofscope_dissectors::printable::Echo;

pub use file::{is_stdin, FileSource};
pub use writer::PcapWriter;

/// A link-layer header type, as numbered by tcpdump.org's LINKTYPE_ registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP as some BSDs number DLT_RAW.
    pub const RAW_BSD_12: LinkType = LinkType(12);
    pub const RAW_BSD_14: LinkType = LinkType(14);
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// The tcpdump name of the link type, if it is one ofscope decodes.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::NULL => "NULL",
            Self::ETHERNET => "EN10MB",
            Self::RAW | Self::RAW_BSD_12 | Self::RAW_BSD_14 => "RAW",
            Self::LOOP => "LOOP",
            Self::LINUX_SLL => "LINUX_SLL",
            Self::IPV4 => "IPV4",
            Self::IPV6 => "IPV6",
            Self::LINUX_SLL2 => "LINUX_SLL2",
            _ => return None,
        })
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "linktype {}", self.0),
        }
    }
}

/// One captured frame. `data` may be shorter than `orig_len` when the snaplen cut it.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame<'a> {
    /// 1-based, counting packet records only (as Wireshark numbers frames).
    pub number: u64,
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    pub data: &'a [u8],
    pub orig_len: u32,
    pub linktype: LinkType,
}

/// A frame copied out of its reader's buffer: to wait for its turn (merging several
/// files), or for a test to drop, cut or reorder frames.
#[derive(Clone, Debug)]
pub struct OwnedFrame {
    pub number: u64,
    pub ts_ns: u64,
    pub data: Vec<u8>,
    pub orig_len: u32,
    pub linktype: LinkType,
}

impl OwnedFrame {
    pub fn of(frame: &RawFrame<'_>) -> OwnedFrame {
        OwnedFrame {
            number: frame.number,
            ts_ns: frame.ts_ns,
            data: frame.data.to_vec(),
            orig_len: frame.orig_len,
            linktype: frame.linktype,
        }
    }

    pub fn raw(&self) -> RawFrame<'_> {
        RawFrame {
            number: self.number,
            ts_ns: self.ts_ns,
            data: &self.data,
            orig_len: self.orig_len,
            linktype: self.linktype,
        }
    }
}

/// Anything that yields frames: a capture file today, a live interface tomorrow.
///
/// It is a lending iterator (each frame borrows the source), hence not `Iterator`.
pub trait FrameSource {
    /// The next frame, `None` at the end. An `Err` for a truncated file comes after every
    /// frame before the cut, and is then followed by `None`.
    fn next_frame(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>>;
}

/// Why a capture could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    // The io::Error is in the message, so it is not also given as the error's source:
    // callers print the whole chain, and the reason would show twice.
    #[error("{}: cannot open: {error}; {}", Echo::path(path), open_hint(error))]
    Open {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: read error after frame {frame}: {error}", Echo::path(path))]
    Io {
        path: PathBuf,
        frame: u64,
        error: std::io::Error,
    },
    #[error("{}: not a pcap or pcapng capture ({detail})", Echo::path(path))]
    NotACapture { path: PathBuf, detail: String },
    #[error(
        "{}: file is cut in the middle of frame {frame}; the frames before it were read",
        Echo::path(path)
    )]
    Truncated { path: PathBuf, frame: u64 },
    /// A live capture failed after it started (the device went away, the save file
    /// could not be written).
    #[error("{}: {detail}", Echo::text(device))]
    Live { device: String, detail: String },
    /// A gzipped capture whose compression went wrong after some frames: they stand.
    #[error("{}: {detail}", Echo::path(path))]
    Gzip { path: PathBuf, detail: String },
    #[error(
        "{}: corrupt capture at frame {frame} (byte offset {offset}): {detail}",
        Echo::path(path)
    )]
    Corrupt {
        path: PathBuf,
        frame: u64,
        offset: u64,
        detail: String,
    },
}

/// What to do when a capture cannot be opened.
fn open_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::NotFound => "check the file name",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "give the path of a pcap or pcapng file",
    }
}

impl CaptureError {
    /// True when the frames before the error were read normally and the caller should
    /// warn and carry on rather than fail.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. } | CaptureError::Gzip { .. }
        )
    }
}
