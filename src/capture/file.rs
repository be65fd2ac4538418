//! Capture files: pcap (µs or ns, either byte order) and pcapng, plain or gzipped.
//!
//! Parsing is pcap-parser's streaming reader (chosen by measurement, see docs/capture.md).
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};

use super::{CaptureError, FrameSource, LinkType, RawFrame};

/// Big enough for a 256 KiB snaplen frame several times over; grown on demand.
const INITIAL_BUFFER: usize = 1 << 20;
/// No sane frame is larger; a bigger record is corruption, and refusing it bounds memory.
const MAX_BUFFER: usize = 16 << 20;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Frames from a capture file.
pub struct FileSource {
    path: PathBuf,
    reader: Box<dyn PcapReaderIterator + Send>,
    buffer_size: usize,
    /// Bytes of the block returned last time, consumed on the next call (the caller
    /// borrowed them in between).
    to_consume: usize,
    next_number: u64,
    format: Format,
    /// Set when a gzip stream ended before its trailer.
    gzip_cut: Arc<AtomicBool>,
    done: bool,
    nanosecond: bool,
    compressed: bool,
}

enum Format {
    Pcap { linktype: LinkType, nanos: bool },
    PcapNg { interfaces: Vec<Interface> },
}

struct Interface {
    linktype: LinkType,
    units_per_sec: u64,
    offset_sec: i64,
}

/// What one call to the parser asked us to do, free of borrows of its buffer.
enum Step {
    Packet {
        block_len: usize,
        start: usize,
        len: usize,
        ts_ns: u64,
        orig_len: u32,
        linktype: LinkType,
    },
    Skip(usize),
    Refill,
    Grow,
    End,
    Truncated,
    Corrupt(String),
}

impl FileSource {
    /// Opens a pcap or pcapng file, gzipped or not (recognised by content, not by name).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CaptureError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|error| CaptureError::Open {
            path: path.to_owned(),
            error,
        })?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(CaptureError::Open {
                path: path.to_owned(),
                error: io::Error::other("it is a directory"),
            });
        }
        Self::from_reader(file, path)
    }

    /// Reads a capture from any byte stream; `path` names it in messages.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        path: impl AsRef<Path>,
    ) -> Result<Self, CaptureError> {
        let path = path.as_ref().to_owned();
        let mut buffered = BufReader::with_capacity(64 << 10, reader);
        let head = buffered.fill_buf().map_err(|error| CaptureError::Io {
            path: path.clone(),
            frame: 0,
            error,
        })?;
        let compressed = head.starts_with(&GZIP_MAGIC);
        let gzip_cut = Arc::new(AtomicBool::new(false));
        let input: Box<dyn Read + Send> = if compressed {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        let input = FullReads {
            inner: input,
            cut: Arc::clone(&gzip_cut),
        };
        let reader = pcap_parser::create_reader(INITIAL_BUFFER, input).map_err(|e| {
            let detail = match e {
                PcapError::Eof => "the file is empty".to_owned(),
                PcapError::Incomplete(_) => "the file is shorter than a capture header".to_owned(),
                PcapError::ReadError => "read error".to_owned(),
                _ => "unrecognised header".to_owned(),
            };
            let detail = if compressed {
                format!("{detail}, after gzip decompression")
            } else {
                detail
            };
            CaptureError::NotACapture {
                path: path.clone(),
                detail,
            }
        })?;
        Ok(FileSource {
            path,
            reader,
            buffer_size: INITIAL_BUFFER,
            to_consume: 0,
            next_number: 1,
            format: Format::PcapNg {
                interfaces: Vec::new(),
            },
            gzip_cut,
            done: false,
            nanosecond: false,
            compressed,
        })
    }

    /// The file's name as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when timestamps had nanosecond precision (a ns pcap, or a pcapng interface
    /// finer than µs), so that a written copy keeps them.
    pub fn nanosecond(&self) -> bool {
        self.nanosecond
    }

    /// The timestamp of the capture's first frame, whatever its protocol: what relative
    /// times count from. `None` when the file cannot be read or has no frame.
    pub fn first_frame_ns(path: &Path) -> Option<u64> {
        let mut source = FileSource::open(path).ok()?;
        let first = source.next_frame()?.ok()?.ts_ns;
        Some(first)
    }

    /// True when the file was gzipped.
    pub fn compressed(&self) -> bool {
        self.compressed
    }

    /// Bytes of (decompressed) capture consumed so far, for progress reporting.
    pub fn position(&self) -> u64 {
        self.reader.consumed() as u64
    }

    fn step(&mut self) -> Step {
        let result = self.reader.next();
        match result {
            Ok((block_len, block)) => {
                describe(&mut self.format, &mut self.nanosecond, block_len, block)
            }
            Err(PcapError::Eof) if self.gzip_cut.load(Ordering::Relaxed) => Step::Truncated,
            Err(PcapError::Eof) => Step::End,
            Err(PcapError::Incomplete(_)) => Step::Refill,
            Err(PcapError::UnexpectedEof) => Step::Truncated,
            Err(PcapError::BufferTooSmall) => Step::Grow,
            Err(PcapError::ReadError) => Step::Corrupt("read error".to_owned()),
            Err(e) => Step::Corrupt(format!("{e:?}").chars().take(120).collect()),
        }
    }

    fn fail(&mut self, error: CaptureError) -> Option<Result<RawFrame<'_>, CaptureError>> {
        self.done = true;
        Some(Err(error))
    }
}

impl FrameSource for FileSource {
    fn next_frame(&mut self) -> Option<Result<RawFrame<'_>, CaptureError>> {
        if self.done {
            return None;
        }
        self.reader.consume(std::mem::take(&mut self.to_consume));
        loop {
            match self.step() {
                Step::Packet {
                    block_len,
                    start,
                    len,
                    ts_ns,
                    orig_len,
                    linktype,
                } => {
                    self.to_consume = block_len;
                    let number = self.next_number;
                    self.next_number += 1;
                    if self.reader.data().len() < start.saturating_add(len) {
                        let offset = self.position();
                        let path = self.path.clone();
                        return self.fail(CaptureError::Corrupt {
                            path,
                            frame: number,
                            offset,
                            detail: "packet data outside its record".to_owned(),
                        });
                    }
                    let data = self
                        .reader
                        .data()
                        .get(start..start + len)
                        .unwrap_or_default();
                    return Some(Ok(RawFrame {
                        number,
                        ts_ns,
                        data,
                        orig_len,
                        linktype,
                    }));
                }
                Step::Skip(block_len) => self.reader.consume(block_len),
                Step::Refill => {
                    if self.reader.refill().is_err() {
                        let error = CaptureError::Io {
                            path: self.path.clone(),
                            frame: self.next_number.saturating_sub(1),
                            error: io::Error::other("read failed"),
                        };
                        return self.fail(error);
                    }
                }
                Step::Grow => {
                    let wanted = self.buffer_size * 2;
                    if wanted > MAX_BUFFER || !self.reader.grow(wanted) {
                        let error = CaptureError::Corrupt {
                            path: self.path.clone(),
                            frame: self.next_number,
                            offset: self.position(),
                            detail: format!("a record larger than {} MiB", MAX_BUFFER >> 20),
                        };
                        return self.fail(error);
                    }
                    self.buffer_size = wanted;
                }
                Step::End => {
                    self.done = true;
                    return None;
                }
                Step::Truncated => {
                    let error = CaptureError::Truncated {
                        path: self.path.clone(),
                        frame: self.next_number,
                    };
                    return self.fail(error);
                }
                Step::Corrupt(detail) => {
                    let error = CaptureError::Corrupt {
                        path: self.path.clone(),
                        frame: self.next_number,
                        offset: self.position(),
                        detail,
                    };
                    return self.fail(error);
                }
            }
        }
    }
}

/// Turns a parsed block into a [`Step`], updating the per-file or per-interface state.
///
/// Packet data is located by its fixed offset in the record, because the parser's borrow
/// cannot outlive this call.
fn describe(
    format: &mut Format,
    nanosecond: &mut bool,
    block_len: usize,
    block: PcapBlockOwned<'_>,
) -> Step {
    match block {
        PcapBlockOwned::LegacyHeader(header) => {
            let nanos = header.is_nanosecond_precision();
            *nanosecond = nanos;
            *format = Format::Pcap {
                linktype: LinkType(header.network.0 as u32),
                nanos,
            };
            Step::Skip(block_len)
        }
        PcapBlockOwned::Legacy(packet) => {
            let Format::Pcap { linktype, nanos } = *format else {
                return Step::Corrupt("pcap record without a pcap header".to_owned());
            };
            let frac = u64::from(packet.ts_usec) * if nanos { 1 } else { 1000 };
            let len = packet.data.len();
            Step::Packet {
                block_len,
                // The record header size differs between pcap variants; the data ends it.
                start: block_len.saturating_sub(len),
                len,
                ts_ns: u64::from(packet.ts_sec) * NANOS_PER_SEC + frac,
                orig_len: packet.origlen,
                linktype,
            }
        }
        PcapBlockOwned::NG(Block::SectionHeader(_)) => {
            *format = Format::PcapNg {
                interfaces: Vec::new(),
            };
            Step::Skip(block_len)
        }
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
            let Format::PcapNg { interfaces } = format else {
                return Step::Corrupt("pcapng block inside a pcap file".to_owned());
            };
            let Some(units_per_sec) = units_per_sec(idb.if_tsresol) else {
                return Step::Corrupt(format!("invalid if_tsresol {}", idb.if_tsresol));
            };
            if units_per_sec > 1_000_000 {
                *nanosecond = true;
            }
            interfaces.push(Interface {
                linktype: LinkType(idb.linktype.0 as u32),
                units_per_sec,
                offset_sec: idb.ts_offset(),
            });
            Step::Skip(block_len)
        }
        PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
            let Format::PcapNg { interfaces } = format else {
                return Step::Corrupt("pcapng block inside a pcap file".to_owned());
            };
            let Some(interface) = interfaces.get(epb.if_id as usize) else {
                return Step::Corrupt(format!("packet on undeclared interface {}", epb.if_id));
            };
            let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let len = (epb.caplen as usize).min(epb.data.len());
            Step::Packet {
                block_len,
                // block type, length, interface id, timestamp (2), caplen, origlen
                start: 28,
                len,
                ts_ns: to_nanos(ticks, interface),
                orig_len: epb.origlen,
                linktype: interface.linktype,
            }
        }
        PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
            let Format::PcapNg { interfaces } = format else {
                return Step::Corrupt("pcapng block inside a pcap file".to_owned());
            };
            let Some(interface) = interfaces.first() else {
                return Step::Corrupt("simple packet before any interface".to_owned());
            };
            let len = (spb.origlen as usize).min(spb.data.len());
            Step::Packet {
                block_len,
                // block type, length, origlen
                start: 12,
                len,
                // A simple packet block has no timestamp.
                ts_ns: 0,
                orig_len: spb.origlen,
                linktype: interface.linktype,
            }
        }
        PcapBlockOwned::NG(_) => Step::Skip(block_len),
    }
}

/// Timestamp units per second from `if_tsresol`: 10^n, or 2^n when the top bit is set.
/// (pcap-parser 0.17's own helper rejects every power-of-two resolution.)
fn units_per_sec(tsresol: u8) -> Option<u64> {
    let exponent = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(exponent)
    } else {
        1u64.checked_shl(exponent)
    }
}

fn to_nanos(ticks: u64, interface: &Interface) -> u64 {
    let units = u128::from(interface.units_per_sec.max(1));
    let nanos = u128::from(ticks) * u128::from(NANOS_PER_SEC) / units;
    let offset = i128::from(interface.offset_sec) * i128::from(NANOS_PER_SEC);
    u64::try_from((nanos as i128 + offset).max(0)).unwrap_or(u64::MAX)
}

/// Makes every read fill the caller's buffer (the parser sniffs the format from its first
/// read, and a gzip decoder hands out short reads), and turns a gzip stream cut before its
/// trailer into a plain end of input plus a flag, so the parser reports the truncation.
struct FullReads {
    inner: Box<dyn Read + Send>,
    cut: Arc<AtomicBool>,
}

impl Read for FullReads {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            let Some(rest) = buf.get_mut(filled..) else {
                break;
            };
            match self.inner.read(rest) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.cut.store(true, Ordering::Relaxed);
                    break;
                }
                Err(e) if filled == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(filled)
    }
}
