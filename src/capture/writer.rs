//! Writing frames as classic pcap (for `-w`).
use std::io::{self, Write};

use super::{LinkType, RawFrame};

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Writes little-endian pcap records of one link type, in µs or ns precision.
pub struct PcapWriter<W: Write> {
    out: W,
    linktype: LinkType,
    nanos: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header. `nanos` keeps nanosecond timestamps (use it when the source
    /// had them); `snaplen` is advisory for readers.
    pub fn new(mut out: W, linktype: LinkType, nanos: bool, snaplen: u32) -> io::Result<Self> {
        let magic = if nanos { MAGIC_NANOS } else { MAGIC_MICROS };
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&magic.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        header.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        header.extend_from_slice(&snaplen.to_le_bytes());
        header.extend_from_slice(&linktype.0.to_le_bytes());
        out.write_all(&header)?;
        Ok(PcapWriter {
            out,
            linktype,
            nanos,
        })
    }

    /// Appends one frame. A frame of another link type is refused: one pcap file has one.
    pub fn write_frame(&mut self, frame: &RawFrame<'_>) -> io::Result<()> {
        if frame.linktype != self.linktype {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "frame {} has link type {}, the output file has {}",
                    frame.number, frame.linktype, self.linktype
                ),
            ));
        }
        let caplen = u32::try_from(frame.data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        let secs = u32::try_from(frame.ts_ns / NANOS_PER_SEC).unwrap_or(u32::MAX);
        let sub_nanos = frame.ts_ns % NANOS_PER_SEC;
        let frac = if self.nanos {
            sub_nanos
        } else {
            sub_nanos / 1000
        } as u32;
        let mut record = [0u8; 16];
        record[0..4].copy_from_slice(&secs.to_le_bytes());
        record[4..8].copy_from_slice(&frac.to_le_bytes());
        record[8..12].copy_from_slice(&caplen.to_le_bytes());
        record[12..16].copy_from_slice(&frame.orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&record)?;
        self.out.write_all(frame.data)
    }

    /// Pushes buffered frames out, so readers of a growing file see them.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and hands back the output.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
