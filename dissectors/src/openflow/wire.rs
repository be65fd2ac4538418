//! Checked big-endian reading and writing of OpenFlow structures.
//!
//! The reader never panics: every read is bounds-checked and a short buffer becomes a
//! [`DecodeError`]. Padding and the bytes after a text's NUL are not kept: a message
//! re-emits in canonical form.

use std::net::Ipv4Addr;

/// Why a message (or part of one) could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than the structure needs.
    #[error("{what} needs {need} bytes, only {have} present")]
    Short {
        what: &'static str,
        need: usize,
        have: usize,
    },
    /// The header's length field disagrees with the bytes given.
    #[error("header says {header} bytes, message has {actual}")]
    Length { header: usize, actual: usize },
    /// Bytes left over after a structure that must fill its container.
    #[error("{extra} trailing bytes after {what}")]
    Trailing { what: &'static str, extra: usize },
    /// A value OpenFlow forbids; `code` is the OpenFlow error name Open vSwitch reports.
    #[error("{code}: {detail}")]
    Invalid { code: &'static str, detail: String },
}

impl DecodeError {
    pub(crate) fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        DecodeError::Invalid {
            code,
            detail: detail.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, DecodeError>;

/// A cursor over a byte slice.
///
/// For a message the capture cut, the slice is the captured bytes followed by zeros up to
/// the length the header declares, and `captured` marks where the real bytes end: lists stop
/// there, `rest` returns only real bytes, and reading a fixed field past it is noted.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// How many bytes of `buf` are real; `buf.len()` unless the capture cut the message.
    captured: usize,
    /// Set when a field was read from bytes the capture did not hold (read as zeros), as
    /// far as `rest` and `items` can tell; see [`Reader::all_real`].
    pub(crate) read_uncaptured: bool,
    /// Set once `rest` has taken the trailing bytes.
    took_rest: bool,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self::cut(buf, buf.len())
    }

    /// A reader over `buf` of which only the first `captured` bytes are real.
    pub fn cut(buf: &'a [u8], captured: usize) -> Self {
        Reader {
            buf,
            pos: 0,
            captured: captured.min(buf.len()),
            read_uncaptured: false,
            took_rest: false,
        }
    }

    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when no real bytes are left: the end of the structure, or where the capture
    /// cut it (so that a list stops at the last item the capture holds).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.captured
    }

    /// Real bytes left before the capture's cut (all bytes left when there is no cut).
    #[inline]
    pub fn captured_remaining(&self) -> usize {
        self.captured.saturating_sub(self.pos)
    }

    /// Whether the capture cut this structure.
    #[inline]
    pub fn is_cut(&self) -> bool {
        self.captured < self.buf.len()
    }

    /// Takes `n` bytes, or fails naming `what` was being read.
    #[inline]
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let have = self.remaining();
        let out = self
            .buf
            .get(self.pos..self.pos.saturating_add(n))
            .ok_or(DecodeError::Short {
                what,
                need: n,
                have,
            })?;
        self.pos += n;
        Ok(out)
    }

    /// Takes everything left: the real bytes of it, when the capture cut the structure.
    #[inline]
    pub fn rest(&mut self) -> &'a [u8] {
        // Reads are in order, so the fields before these bytes were all real if and only
        // if they ended within the captured bytes.
        self.read_uncaptured |= self.pos > self.captured;
        self.took_rest = true;
        // `pos` and `captured` never pass the end of `buf`: the fallback is never taken.
        let out = self
            .buf
            .get(self.pos..self.captured.max(self.pos))
            .unwrap_or_default();
        self.pos = self.buf.len();
        out
    }

    /// After a whole structure was decoded from a cut reader: whether every field came from
    /// captured bytes, so that only trailing data (taken by `rest`) is missing. A structure
    /// that ends without `rest` ends at the length its header declares, past the cut; one
    /// whose list stopped at the cut has bytes left.
    pub fn all_real(&self) -> bool {
        self.took_rest && !self.read_uncaptured && self.remaining() == 0
    }

    /// Decodes `item`s into `out` until the structure ends. When the capture cut the
    /// structure, an item that fails to decode (its length, say, read as zero in place of
    /// the missing bytes) ends the list there, and the body counts as not wholly real.
    #[inline]
    pub fn items<T>(
        &mut self,
        out: &mut Vec<T>,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T>,
    ) -> Result<()> {
        while !self.is_empty() {
            match item(self) {
                Ok(value) => out.push(value),
                Err(_) if self.is_cut() => {
                    self.rest();
                    self.read_uncaptured = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A sub-reader over the next `n` bytes. A sub-reader that reaches past the capture's
    /// cut has moved this reader past it too.
    #[inline]
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Reader<'a>> {
        let captured = self.captured.saturating_sub(self.pos);
        Ok(Reader::cut(self.take(n, what)?, captured))
    }

    #[inline]
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    #[inline]
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    #[inline]
    pub fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    #[inline]
    pub fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    #[inline]
    pub fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    #[inline]
    pub fn ipv4(&mut self, what: &'static str) -> Result<Ipv4Addr> {
        Ok(Ipv4Addr::from(self.array::<4>(what)?))
    }

    /// Skips `n` padding bytes (whatever they hold: they are not kept).
    #[inline]
    pub fn pad(&mut self, n: usize) -> Result<()> {
        self.take(n, "padding")?;
        Ok(())
    }

    /// A fixed-size NUL-padded text field: the bytes before the first NUL. A byte that is
    /// not UTF-8 reads as `?`, one byte for one, so that the text still fits its field and
    /// reads back the same when emitted.
    pub fn text(&mut self, n: usize, what: &'static str) -> Result<String> {
        let bytes = self.take(n, what)?;
        // `split` always yields a first piece, the whole field when it has no NUL.
        let before_nul = bytes.split(|&b| b == 0).next().unwrap_or_default();
        let mut text = String::with_capacity(before_nul.len());
        for chunk in before_nul.utf8_chunks() {
            text.push_str(chunk.valid());
            text.extend(chunk.invalid().iter().map(|_| '?'));
        }
        Ok(text)
    }
}

/// Big-endian writers for `Vec<u8>`.
pub trait Put {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_u64(&mut self, v: u64);
    fn put_zeros(&mut self, n: usize);
    /// Text NUL-padded (and cut) to `n` bytes.
    fn put_text(&mut self, s: &str, n: usize);
}

impl Put for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_zeros(&mut self, n: usize) {
        self.resize(self.len() + n, 0);
    }
    fn put_text(&mut self, s: &str, n: usize) {
        let bytes = s.as_bytes();
        let kept = bytes.get(..n).unwrap_or(bytes);
        self.extend_from_slice(kept);
        self.put_zeros(n - kept.len());
    }
}

/// Big-endian integers at constant offsets of a fixed-size block (no bounds to fail).
#[inline]
pub fn be16<const N: usize>(b: &[u8; N], at: usize) -> u16 {
    // Callers pass constant offsets inside the block, so the fallback is never taken and
    // the check folds away once inlined.
    b.get(at..)
        .and_then(<[u8]>::first_chunk)
        .map_or(0, |&c| u16::from_be_bytes(c))
}

#[inline]
pub fn be32<const N: usize>(b: &[u8; N], at: usize) -> u32 {
    // As `be16`: constant offsets inside the block.
    b.get(at..)
        .and_then(<[u8]>::first_chunk)
        .map_or(0, |&c| u32::from_be_bytes(c))
}

#[inline]
pub fn be64<const N: usize>(b: &[u8; N], at: usize) -> u64 {
    (u64::from(be32(b, at)) << 32) | u64::from(be32(b, at + 4))
}

/// The `M` bytes at a constant offset of a fixed-size block.
#[inline]
pub fn bytes_at<const N: usize, const M: usize>(b: &[u8; N], at: usize) -> [u8; M] {
    let mut out = [0u8; M];
    out.copy_from_slice(&b[at..at + M]);
    out
}

/// Overwrites the big-endian u16 at `at` (used to back-patch length fields).
pub fn patch_u16(buf: &mut [u8], at: usize, v: u16) {
    if let Some(slot) = buf.get_mut(at..at + 2) {
        slot.copy_from_slice(&v.to_be_bytes());
    }
}

/// Clamps a length to the u16 a length field can hold.
pub fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Formats a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Looks a value up in a `(value, name)` table.
pub fn lookup<T: PartialEq + Copy>(table: &[(T, &'static str)], v: T) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
}
