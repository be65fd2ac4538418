//! Capture files: pcap (µs or ns, either byte order) and pcapng, plain or gzipped.
//!
//! Parsing is pcap-parser's streaming reader (chosen by measurement, see docs/capture.md).
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flate2::bufread::GzDecoder;
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
    /// How a gzip stream ended, when not cleanly (set by the decompressing reader).
    gzip_end: GzipEnd,
    done: bool,
    nanosecond: bool,
    compressed: bool,
    /// The first frame's timestamp, once read: what relative times count from when the
    /// input cannot be read twice (standard input).
    first_frame_ns: Option<u64>,
}

/// The file name that means standard input, as in tshark's `-r -`.
pub const STDIN: &str = "-";

/// True when `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

enum Format {
    Pcap {
        linktype: LinkType,
        nanos: bool,
    },
    PcapNg {
        interfaces: Vec<Interface>,
        big_endian: bool,
    },
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
        if is_stdin(path) {
            return Self::from_reader(io::stdin(), path);
        }
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
        let gzip_end = GzipEnd::default();
        let input: Box<dyn Read + Send> = if compressed {
            Box::new(GzipMembers {
                decoder: Some(GzDecoder::new(buffered)),
                end: gzip_end.clone(),
            })
        } else {
            Box::new(buffered)
        };
        let reader = pcap_parser::create_reader(INITIAL_BUFFER, FullReads { inner: input })
            .map_err(|e| {
                let detail = match (e, gzip_end.get()) {
                    (PcapError::Eof | PcapError::Incomplete(_), Some(GzipTrouble::Cut)) => {
                        "the gzip data is cut short before the capture header".to_owned()
                    }
                    (PcapError::Eof | PcapError::Incomplete(_), Some(GzipTrouble::Damaged)) => {
                        "the gzip data is damaged before the capture header".to_owned()
                    }
                    (PcapError::Eof, _) => "the file is empty".to_owned(),
                    (PcapError::Incomplete(_), _) => {
                        "the file is shorter than a capture header".to_owned()
                    }
                    (PcapError::ReadError, _) => "read error".to_owned(),
                    _ => "unrecognised header".to_owned(),
                };
                let detail = if compressed && gzip_end.get().is_none() {
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
                big_endian: false,
            },
            gzip_end,
            done: false,
            nanosecond: false,
            compressed,
            first_frame_ns: None,
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
    /// times count from. `None` when the file cannot be read or has no frame, or is
    /// standard input, which cannot be read twice ([`FileSource::first_frame_read_ns`]).
    pub fn first_frame_ns(path: &Path) -> Option<u64> {
        if is_stdin(path) {
            return None;
        }
        let mut source = FileSource::open(path).ok()?;
        let first = source.next_frame()?.ok()?.ts_ns;
        Some(first)
    }

    /// The timestamp of the first frame read so far, if any.
    pub fn first_frame_read_ns(&self) -> Option<u64> {
        self.first_frame_ns
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
        // The parser takes 12 from a pcapng block's length unchecked (an overflow, found by
        // the capture_file fuzz target), so a shorter one is refused before it is parsed.
        // The first block, a section header or a pcap file's header, is checked by the
        // parser itself, and tells which format the rest is in.
        if let Some(len) = self.block_word(4).filter(|&len| len < 12) {
            if self.position() > 0 {
                return Step::Corrupt(format!(
                    "a pcapng block of {len} bytes, under the 12 of its header"
                ));
            }
        }
        // `None`: the parser could not read a block; what to do depends on what it is.
        let failed = match self.reader.next() {
            Ok((block_len, block)) => {
                return describe(&mut self.format, &mut self.nanosecond, block_len, block)
            }
            Err(PcapError::Eof) => Some(Step::End),
            Err(PcapError::Incomplete(_)) => Some(Step::Refill),
            Err(PcapError::UnexpectedEof) => Some(Step::Truncated),
            Err(PcapError::BufferTooSmall) => Some(Step::Grow),
            Err(PcapError::ReadError) => Some(Step::Corrupt("read error".to_owned())),
            Err(_) => None,
        };
        match failed {
            None => self.unreadable_block(),
            // The parser wants more of a block that is all there: it cannot read it.
            Some(Step::Refill | Step::Truncated) if self.whole_block_len().is_some() => {
                self.unreadable_block()
            }
            // The parser asks for a larger buffer whenever a block is longer than the
            // buffer, even when the file ends sooner: a buffer not yet full is filled first,
            // so a short file claiming a huge block is cut, not 16 MiB of zeroed memory.
            Some(Step::Grow) if self.reader.data().len() < self.buffer_size => Step::Refill,
            Some(step) => step,
        }
    }

    /// How the decompressed capture's end is to be reported when the gzip stream did not
    /// end cleanly; `None` for a clean end (or no gzip).
    fn gzip_ending(&self) -> Option<CaptureError> {
        let frames_read = self.next_number - 1;
        let path = self.path.clone();
        let detail = match self.gzip_end.get()? {
            GzipTrouble::Damaged => format!(
                "the gzip data is damaged (its checksum or compressed data does not check out) after frame {frames_read}; the frames before it were read"
            ),
            GzipTrouble::TrailingBytes(n) => format!(
                "{n} bytes after the end of the gzip data are not gzip and were ignored; all {frames_read} frames were read"
            ),
            GzipTrouble::Cut => {
                let frame = self.next_number;
                return Some(CaptureError::Truncated { path, frame });
            }
        };
        Some(CaptureError::Gzip { path, detail })
    }

    /// The length of the pcapng block at the head of the buffer when all of it is there
    /// and its two length fields agree: a block the parser could not read, but that can
    /// be stepped over.
    fn whole_block_len(&self) -> Option<usize> {
        let len = self.block_word(4)?;
        (len >= 12 && len % 4 == 0 && self.block_word(len.checked_sub(4)?)? == len).then_some(len)
    }

    /// The 32-bit word at `at` of the pcapng block at the head of the buffer, in the
    /// section's byte order; `None` for a pcap file or when the buffer holds less.
    fn block_word(&self, at: usize) -> Option<usize> {
        let Format::PcapNg { big_endian, .. } = self.format else {
            return None;
        };
        let bytes: [u8; 4] = self.reader.data().get(at..at + 4)?.try_into().ok()?;
        let value = if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        };
        usize::try_from(value).ok()
    }

    /// A pcapng block the parser could not read. One that carries no frames and no
    /// interface is skipped, as tshark does (local-use blocks among them, whose type
    /// numbers the parser also gives to blocks of its own, such as Apple's process
    /// information); anything else means the frames cannot be trusted from there on.
    fn unreadable_block(&self) -> Step {
        const FRAME_OR_INTERFACE_BLOCKS: [u32; 5] = [0x0A0D_0D0A, 1, 2, 3, 6];
        let block_type = self
            .reader
            .data()
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| match self.format {
                Format::PcapNg {
                    big_endian: true, ..
                } => u32::from_be_bytes(b),
                _ => u32::from_le_bytes(b),
            });
        match (self.whole_block_len(), block_type) {
            (Some(len), Some(kind)) if !FRAME_OR_INTERFACE_BLOCKS.contains(&kind) => {
                Step::Skip(len)
            }
            (_, Some(kind)) if matches!(self.format, Format::PcapNg { .. }) => {
                Step::Corrupt(format!("an unreadable pcapng block (type {kind:#x})"))
            }
            _ => Step::Corrupt("an unreadable record".to_owned()),
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
        // Without the shift: `refill` moves what is left to the front, once per buffer,
        // where `consume` would move half the buffer every half buffer read.
        self.reader
            .consume_noshift(std::mem::take(&mut self.to_consume));
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
                    self.first_frame_ns.get_or_insert(ts_ns);
                    return Some(Ok(RawFrame {
                        number,
                        ts_ns,
                        data,
                        orig_len,
                        linktype,
                    }));
                }
                Step::Skip(block_len) => self.reader.consume_noshift(block_len),
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
                    if let Some(error) = self.gzip_ending() {
                        return self.fail(error);
                    }
                    self.done = true;
                    return None;
                }
                Step::Truncated => {
                    let error = self.gzip_ending().unwrap_or(CaptureError::Truncated {
                        path: self.path.clone(),
                        frame: self.next_number,
                    });
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
        PcapBlockOwned::NG(Block::SectionHeader(shb)) => {
            *format = Format::PcapNg {
                interfaces: Vec::new(),
                big_endian: shb.big_endian(),
            };
            Step::Skip(block_len)
        }
        PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
            let Format::PcapNg { interfaces, .. } = format else {
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
            let Format::PcapNg { interfaces, .. } = format else {
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
            let Format::PcapNg { interfaces, .. } = format else {
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

/// Makes every read fill the caller's buffer: the parser sniffs the format from its first
/// read, and a gzip decoder hands out short reads.
struct FullReads {
    inner: Box<dyn Read + Send>,
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
                Err(e) if filled == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(filled)
    }
}

/// How a gzip stream ended, when not cleanly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GzipTrouble {
    /// It ends before its trailer (or inside its header).
    Cut,
    /// The checksum or the compressed data does not check out.
    Damaged,
    /// Bytes that are not gzip follow the last member.
    TrailingBytes(u64),
}

/// Shared between the decompressing reader, which sets it, and the source, which reports
/// it once the decompressed capture ends.
#[derive(Clone, Default)]
struct GzipEnd(Arc<Mutex<Option<GzipTrouble>>>);

impl GzipEnd {
    fn get(&self) -> Option<GzipTrouble> {
        self.0.lock().ok().and_then(|end| *end)
    }

    fn set(&self, trouble: GzipTrouble) {
        if let Ok(mut end) = self.0.lock() {
            *end = Some(trouble);
        }
    }
}

/// Decompresses gzip members one after another, as gzip does. Where a stream is cut,
/// damaged or followed by other bytes, what was decompressed stands, the data ends there,
/// and [`GzipEnd`] says why.
struct GzipMembers<R> {
    decoder: Option<GzDecoder<R>>,
    end: GzipEnd,
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            match decoder.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    let Some(decoder) = self.decoder.take() else {
                        return Ok(0);
                    };
                    let mut rest = decoder.into_inner();
                    let next = rest.fill_buf()?;
                    if next.is_empty() {
                        return Ok(0);
                    }
                    if next.first() == GZIP_MAGIC.first() {
                        self.decoder = Some(GzDecoder::new(rest));
                    } else {
                        let trailing = io::copy(&mut rest, &mut io::sink())?;
                        self.end.set(GzipTrouble::TrailingBytes(trailing));
                        return Ok(0);
                    }
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.decoder = None;
                    self.end.set(if e.kind() == io::ErrorKind::UnexpectedEof {
                        GzipTrouble::Cut
                    } else {
                        GzipTrouble::Damaged
                    });
                    return Ok(0);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::capture::PcapWriter;

    fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut writer = PcapWriter::new(Vec::new(), LinkType::ETHERNET, false, 65_535).unwrap();
        for (i, data) in frames.iter().enumerate() {
            let frame = RawFrame {
                number: i as u64 + 1,
                ts_ns: 0,
                data,
                orig_len: data.len() as u32,
                linktype: LinkType::ETHERNET,
            };
            writer.write_frame(&frame).unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn a_short_file_claiming_a_huge_record_is_cut_without_growing_the_buffer() {
        let mut bytes = pcap(&[vec![1; 60]]);
        let record = bytes.len() - 60 - 16;
        bytes[record + 8..record + 12].copy_from_slice(&(8u32 << 20).to_le_bytes());
        let mut source = FileSource::from_reader(Cursor::new(bytes), "cut.pcap").unwrap();
        let error = source.next_frame().unwrap().unwrap_err();
        assert!(
            matches!(error, CaptureError::Truncated { frame: 1, .. }),
            "{error}"
        );
        assert!(source.next_frame().is_none());
        assert_eq!(source.buffer_size, INITIAL_BUFFER);
    }

    #[test]
    fn a_pcapng_block_shorter_than_its_header_is_corrupt() {
        let crash =
            include_bytes!("../../fuzz/regressions/capture_file/pcapng-block-under-12-bytes");
        let mut source = FileSource::from_reader(Cursor::new(crash.to_vec()), "x.pcapng").unwrap();
        let mut last = None;
        while let Some(frame) = source.next_frame() {
            last = Some(frame.map(|_| ()));
        }
        let error = last.unwrap().unwrap_err();
        assert!(
            error.to_string().contains("under the 12 of its header"),
            "{error}"
        );
    }

    #[test]
    fn a_record_longer_than_the_buffer_grows_it() {
        let big = vec![7; INITIAL_BUFFER * 3];
        let bytes = pcap(&[vec![1; 60], big.clone(), vec![2; 60]]);
        let mut source = FileSource::from_reader(Cursor::new(bytes), "big.pcap").unwrap();
        let mut lengths = Vec::new();
        while let Some(frame) = source.next_frame() {
            lengths.push(frame.unwrap().data.len());
        }
        assert_eq!(lengths, [60, big.len(), 60]);
        assert!(source.buffer_size > big.len());
    }
}
