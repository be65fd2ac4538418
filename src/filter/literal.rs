//! Values written in a filter, resolved once at parse time into every form they can take,
//! and compared against field values without allocating.
//!
//! A word such as `00:00:00:00:00:01` is at once a MAC and a byte string; which form is
//! used depends on the field it meets (the filter has no type registry of its own).

use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

use ofscope_dissectors::printable::Echo;
use ofscope_dissectors::tree::{FlagNames, Value};

use super::lexer::Op;
use super::names;

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The word as written (or the string's content): compared with text fields.
    text: Box<str>,
    number: Option<u64>,
    mac: Option<[u8; 6]>,
    ipv4: Option<Prefix<u32>>,
    ipv6: Option<Prefix<u128>>,
    bytes: Option<Box<[u8]>>,
    /// A symbolic name (`PACKET_IN`, `REQUEST`, `SEND_FLOW_REM`).
    name: bool,
}

/// An address with a prefix length; a bare address has the full length.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Prefix<T> {
    addr: T,
    len: u8,
}

impl Prefix<u32> {
    fn mask(self) -> u32 {
        u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0)
    }
    fn covers(self, addr: u32) -> bool {
        (addr ^ self.addr) & self.mask() == 0
    }
}

impl Prefix<u128> {
    fn mask(self) -> u128 {
        u128::MAX
            .checked_shl(128 - u32::from(self.len))
            .unwrap_or(0)
    }
    fn covers(self, addr: u128) -> bool {
        (addr ^ self.addr) & self.mask() == 0
    }
}

/// Why a word is not a value; the parser turns this into a message at the word's column.
#[derive(Debug)]
pub struct BadValue(pub String);

impl Literal {
    /// A double-quoted string: text, and its UTF-8 bytes for byte fields.
    pub fn string(s: &str) -> Literal {
        Literal {
            bytes: Some(s.as_bytes().into()),
            ..Literal::empty(s)
        }
    }

    /// An unquoted word: a number, address, byte string or symbolic name.
    pub fn word(w: &str) -> Result<Literal, BadValue> {
        let mut lit = Literal::empty(w);
        if is_symbol(w) {
            lit.name = true;
            lit.number = names::number_of(w);
            return Ok(lit);
        }
        if let Some(hex) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
            lit.number = Some(
                u64::from_str_radix(hex, 16)
                    .map_err(|_| BadValue(format!("invalid hex number '{}'", Echo::text(w))))?,
            );
            // `0x0806` also means the bytes 08 06 when it meets a byte field.
            lit.bytes = (hex.len() % 2 == 0).then(|| decode_hex(hex)).flatten();
            return Ok(lit);
        }
        if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) {
            lit.number = Some(
                w.parse()
                    .map_err(|_| BadValue(format!("number '{}' is too large", Echo::text(w))))?,
            );
            return Ok(lit);
        }
        let (addr, len) = match w.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (w, None),
        };
        if let Ok(v4) = addr.parse::<Ipv4Addr>() {
            lit.ipv4 = Some(Prefix {
                addr: u32::from(v4),
                len: prefix_len(w, len, 32)?,
            });
            return Ok(lit);
        }
        if len.is_none() {
            lit.bytes = hex_bytes(w);
            lit.mac = lit
                .bytes
                .as_deref()
                .and_then(|b| <[u8; 6]>::try_from(b).ok());
            // Eight bytes is how datapath ids are written (`of.dpid == 00:00:00:00:00:00:00:02`).
            lit.number = lit
                .bytes
                .as_deref()
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes);
        }
        if let Ok(v6) = addr.parse::<Ipv6Addr>() {
            lit.ipv6 = Some(Prefix {
                addr: u128::from(v6),
                len: prefix_len(w, len, 128)?,
            });
        }
        if lit.bytes.is_none() && lit.ipv6.is_none() {
            return Err(BadValue(format!(
                "invalid value '{}': expected a number, MAC, IP address, \
                 byte string (aa:bb:cc), quoted string or name",
                Echo::text(w)
            )));
        }
        Ok(lit)
    }

    /// A number of nanoseconds, for time fields.
    fn nanos(text: &str, ns: u64) -> Literal {
        Literal {
            number: Some(ns),
            ..Literal::empty(text)
        }
    }

    fn empty(text: &str) -> Literal {
        Literal {
            text: text.into(),
            number: None,
            mac: None,
            ipv4: None,
            ipv6: None,
            bytes: None,
            name: false,
        }
    }

    /// Whether `<`, `<=`, `>`, `>=` can ever hold for this value (checked at parse time,
    /// so `arp.op > REQUEST` is an error rather than silently false).
    pub fn is_orderable(&self) -> bool {
        if self.name {
            return self.number.is_some();
        }
        let network =
            self.ipv4.is_some_and(|p| p.len < 32) || self.ipv6.is_some_and(|p| p.len < 128);
        !network
    }

    /// Compares one field value with this literal. `msg` is the message the field's
    /// byte ranges point into.
    pub fn test(&self, op: Op, value: &Value, msg: &[u8]) -> bool {
        match op {
            Op::Contains => self.contained_in(value, msg),
            Op::Eq | Op::Ne => self.equals(value, msg),
            Op::Lt => self.order(value, msg) == Some(Ordering::Less),
            Op::Le => matches!(
                self.order(value, msg),
                Some(Ordering::Less | Ordering::Equal)
            ),
            Op::Gt => self.order(value, msg) == Some(Ordering::Greater),
            Op::Ge => matches!(
                self.order(value, msg),
                Some(Ordering::Greater | Ordering::Equal)
            ),
        }
    }

    fn equals(&self, value: &Value, msg: &[u8]) -> bool {
        match value {
            // A written name (or quoted string) compares by name; a number by number.
            Value::Named { value, name } => match self.number {
                Some(number) if !self.name => number == *value,
                _ => names::same_name(name, &self.text),
            },
            Value::Flags { value, names } if self.name => {
                flag_mask(names, &self.text).is_some_and(|mask| *value == mask)
            }
            Value::Ipv4(a) => self.ipv4.is_some_and(|p| p.covers(u32::from(*a))),
            Value::Ipv4Prefix(a, len) => self.ipv4.is_some_and(|p| {
                p.len == *len
                    && Prefix {
                        addr: u32::from(*a),
                        len: *len,
                    }
                    .covers(p.addr)
            }),
            Value::Ipv6(a) => self.ipv6.is_some_and(|p| p.covers(u128::from(*a))),
            Value::Mac(m) => self.mac == Some(*m),
            Value::Text(s) => *s == *self.text,
            Value::Bytes(range) => match (&self.bytes, msg.get(range.clone())) {
                (Some(want), Some(have)) => **want == *have,
                _ => false,
            },
            Value::None => false,
            other => other.as_u64().is_some_and(|v| self.number == Some(v)),
        }
    }

    fn order(&self, value: &Value, msg: &[u8]) -> Option<Ordering> {
        match value {
            Value::Ipv4(a) => {
                let p = self.ipv4?;
                Some(u32::from(*a).cmp(&p.addr))
            }
            Value::Ipv6(a) => {
                let p = self.ipv6?;
                Some(u128::from(*a).cmp(&p.addr))
            }
            Value::Mac(m) => Some(m.cmp(self.mac.as_ref()?)),
            Value::Text(s) => Some(s.as_str().cmp(&self.text)),
            Value::Bytes(range) => Some(msg.get(range.clone())?.cmp(self.bytes.as_deref()?)),
            other => Some(other.as_u64()?.cmp(&self.number?)),
        }
    }

    fn contained_in(&self, value: &Value, msg: &[u8]) -> bool {
        match value {
            Value::Text(s) => s.contains(&*self.text),
            Value::Bytes(range) => match (&self.bytes, msg.get(range.clone())) {
                (Some(want), Some(have)) => contains_slice(have, want),
                _ => false,
            },
            Value::Flags { value, names } => {
                let mask = if self.name {
                    flag_mask(names, &self.text)
                } else {
                    self.number
                };
                mask.is_some_and(|m| m != 0 && value & m == m)
            }
            Value::Ipv4Prefix(a, len) => self.ipv4.is_some_and(|p| {
                p.len >= *len
                    && Prefix {
                        addr: u32::from(*a),
                        len: *len,
                    }
                    .covers(p.addr)
            }),
            _ => false,
        }
    }
}

const NS_PER_SEC: u64 = 1_000_000_000;

/// Seconds with up to nine decimals (`1.5`, `1714564800.000001`), as nanoseconds.
pub fn seconds(w: &str) -> Result<Literal, BadValue> {
    let bad = || {
        BadValue(format!(
            "invalid time '{}': expected seconds such as 1.5",
            Echo::text(w)
        ))
    };
    let (whole, fraction) = match w.split_once('.') {
        Some((_, "")) => return Err(bad()),
        Some(parts) => parts,
        None => (w, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let fraction: u64 = format!("{fraction:0<9}").parse().map_err(|_| bad())?;
    let ns = whole
        .checked_mul(NS_PER_SEC)
        .and_then(|ns| ns.checked_add(fraction))
        .ok_or_else(bad)?;
    Ok(Literal::nanos(w, ns))
}

/// A UTC date and time, `2024-05-01 12:00:00.25` (or `T` for the space, an optional `Z`,
/// the seconds and the time optional), as nanoseconds since 1970.
pub fn utc_time(text: &str) -> Result<Literal, BadValue> {
    let bad = || {
        BadValue(format!(
            "invalid time \"{}\": expected \"YYYY-MM-DD HH:MM:SS.fraction\" (UTC)",
            Echo::text(text)
        ))
    };
    let t = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = t.split_once([' ', 'T']).unwrap_or((t, "0:0"));
    let number = |s: &str, max: u64| {
        s.parse::<u64>()
            .ok()
            .filter(|&n| n <= max && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut ymd = date.split('-').map(|p| number(p, 9999));
    let (Some(Some(year)), Some(Some(month)), Some(Some(day)), None) =
        (ymd.next(), ymd.next(), ymd.next(), ymd.next())
    else {
        return Err(bad());
    };
    let mut hms = time.split(':');
    let (Some(hour), Some(minute), second, None) = (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return Err(bad());
    };
    let (Some(hour), Some(minute)) = (number(hour, 23), number(minute, 59)) else {
        return Err(bad());
    };
    let second_ns = match second {
        Some(s) => seconds(s)
            .ok()
            .and_then(|l| l.number)
            .filter(|&ns| ns < 60 * NS_PER_SEC),
        None => Some(0),
    };
    let (Some(second_ns), 1970.., 1..=12, 1..=31) = (second_ns, year, month, day) else {
        return Err(bad());
    };
    let days = days_since_epoch(year, month, day);
    let ns = (days * 86_400 + hour * 3600 + minute * 60)
        .checked_mul(NS_PER_SEC)
        .and_then(|ns| ns.checked_add(second_ns))
        .ok_or_else(|| {
            BadValue(format!(
                "time \"{}\" is past 2554-07-21, the last that nanoseconds since 1970 hold",
                Echo::text(text)
            ))
        })?;
    Ok(Literal::nanos(text, ns))
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar, 1970 or later
/// (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A symbolic name: letters, digits and `_`, starting with a letter or `_`.
fn is_symbol(w: &str) -> bool {
    let mut bytes = w.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn prefix_len(word: &str, len: Option<&str>, max: u8) -> Result<u8, BadValue> {
    match len {
        None => Ok(max),
        Some(len) => len
            .parse::<u8>()
            .ok()
            .filter(|&n| n <= max && len.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                BadValue(format!(
                    "invalid prefix length in '{}': expected 0 to {max}",
                    Echo::text(word)
                ))
            }),
    }
}

/// `aa:bb:cc` (two hex digits per byte, at least two bytes) as bytes.
fn hex_bytes(w: &str) -> Option<Box<[u8]>> {
    if !w.contains(':') {
        return None;
    }
    w.split(':')
        .map(|pair| {
            (pair.len() == 2)
                .then(|| u8::from_str_radix(pair, 16).ok())
                .flatten()
        })
        .collect()
}

/// An even number of hex digits as bytes.
fn decode_hex(digits: &str) -> Option<Box<[u8]>> {
    digits
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

fn flag_mask(names: FlagNames, written: &str) -> Option<u64> {
    names
        .iter()
        .find(|(_, name)| names::same_name(name, written))
        .map(|&(mask, _)| mask)
}

/// Linear in the haystack whatever the needle (a naive scan is O(n·m): a 40 KB needle over
/// a large capture took seconds).
fn contains_slice(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_finds_a_needle_anywhere_and_only_there() {
        let haystack: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        for (start, len) in [(0, 1), (0, 256), (3800, 296), (1000, 40), (4095, 1)] {
            let needle = &haystack[start..start + len];
            assert!(contains_slice(&haystack, needle), "{start}+{len}");
        }
        assert!(contains_slice(&haystack, b""));
        assert!(!contains_slice(&haystack, &[1, 3]));
        assert!(!contains_slice(&haystack[..10], &haystack[..11]));
    }

    #[test]
    fn words_take_every_form_they_can() {
        let mac = Literal::word("00:00:00:00:00:01").unwrap();
        assert_eq!(mac.mac, Some([0, 0, 0, 0, 0, 1]));
        assert_eq!(mac.bytes.as_deref(), Some(&[0, 0, 0, 0, 0, 1][..]));
        assert!(mac.ipv6.is_none());

        let v6 = Literal::word("fe80::1").unwrap();
        assert!(v6.ipv6.is_some() && v6.bytes.is_none());

        let net = Literal::word("10.0.0.0/24").unwrap();
        assert_eq!(
            net.ipv4,
            Some(Prefix {
                addr: 0x0a00_0000,
                len: 24
            })
        );
        assert_eq!(Literal::word("0x1F").unwrap().number, Some(31));
        assert_eq!(Literal::word("PACKET_IN").unwrap().number, Some(10));
        assert!(Literal::word("REQUEST").unwrap().name);
    }

    #[test]
    fn bad_words_are_rejected() {
        for w in [
            "10.0.0.300",
            "0xzz",
            "1.2.3.4/33",
            "12ab",
            "99999999999999999999",
            "a:b",
            "::1/129",
            "1.2.3.4/+8",
        ] {
            assert!(Literal::word(w).is_err(), "{w}");
        }
    }

    #[test]
    fn times_and_seconds() {
        assert_eq!(seconds("1.5").unwrap().number, Some(1_500_000_000));
        assert_eq!(seconds("0.000000001").unwrap().number, Some(1));
        assert_eq!(seconds("7").unwrap().number, Some(7_000_000_000));
        for bad in [
            "",
            ".5",
            "1.",
            "1.0000000001",
            "-1",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        // `date -u -d '2024-02-29 23:59:58' +%s` is 1709251198.
        let ns = 1_709_251_198 * NS_PER_SEC;
        assert_eq!(utc_time("2024-02-29 23:59:58").unwrap().number, Some(ns));
        assert_eq!(
            utc_time("2024-02-29T23:59:58.25Z").unwrap().number,
            Some(ns + NS_PER_SEC / 4)
        );
        assert_eq!(utc_time("1970-01-01").unwrap().number, Some(0));
        for bad in [
            "2024-13-01",
            "2024-02-29 24:00",
            "1969-12-31",
            "2024-1",
            "12:00",
            "2024-02-29 1:2:3:4",
        ] {
            assert!(utc_time(bad).is_err(), "{bad}");
        }
    }

    /// Found by the filter fuzz target: the nanoseconds overflowed (a debug build panicked,
    /// a release build compared with a wrapped time).
    #[test]
    fn a_time_past_what_nanoseconds_hold_is_an_error() {
        assert!(utc_time("2554-07-21 00:00:00").is_ok());
        let BadValue(message) = utc_time("4048-01-01 00:00:00").unwrap_err();
        assert!(message.contains("past 2554-07-21"), "{message}");
    }

    #[test]
    fn a_bad_time_is_echoed_on_one_line() {
        let BadValue(message) = utc_time("2024\n\x1b[2J").unwrap_err();
        assert!(
            message.starts_with("invalid time \"2024\\n\\x1b[2J\""),
            "{message}"
        );
    }

    #[test]
    fn eight_bytes_are_also_a_number() {
        assert_eq!(
            Literal::word("00:00:00:00:00:00:01:02").unwrap().number,
            Some(0x102)
        );
        assert_eq!(Literal::word("00:00:00:00:00:02").unwrap().number, None);
    }

    #[test]
    fn prefix_masks_are_safe_at_the_edges() {
        assert!(Prefix { addr: 0u32, len: 0 }.covers(u32::MAX));
        assert!(!Prefix {
            addr: 0u32,
            len: 32
        }
        .covers(1));
        assert!(Prefix {
            addr: 0u128,
            len: 0
        }
        .covers(u128::MAX));
    }
}
