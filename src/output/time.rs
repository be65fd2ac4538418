//! The time column (`-t`), the same for `pcap`, `live` and the viewer.
//!
//! Relative times count from the first frame of the capture, whatever its protocol (as
//! tshark's), so a display filter never moves them. Absolute times are UTC.

use std::fmt::Write;

use crate::cli::TimeFormat;

const NS_PER_SEC: u64 = 1_000_000_000;
const SECS_PER_DAY: u64 = 86_400;

/// Writes a message's time in the chosen format. `reference_ns` is what `r` and `d` count
/// from: the capture's first frame for `r`, the previous message shown for `d`; the
/// absolute formats ignore it.
pub fn write_time(out: &mut String, format: TimeFormat, ts_ns: u64, reference_ns: u64) {
    match format {
        TimeFormat::Relative | TimeFormat::Delta => write_seconds(out, ts_ns, reference_ns),
        TimeFormat::Epoch => {
            let _ = write!(out, "{}.{:06}", ts_ns / NS_PER_SEC, micros(ts_ns));
        }
        TimeFormat::Absolute => write_time_of_day(out, ts_ns),
        TimeFormat::AbsoluteDate => {
            let (year, month, day) = civil_date(ts_ns / NS_PER_SEC / SECS_PER_DAY);
            let _ = write!(out, "{year:04}-{month:02}-{day:02} ");
            write_time_of_day(out, ts_ns);
        }
    }
}

/// The time column of the text lines: `r` counts from the capture's first frame, `d` from
/// the message shown before (0 for the first).
#[derive(Debug, Clone)]
pub struct Clock {
    format: TimeFormat,
    origin_ns: Option<u64>,
    previous_ns: Option<u64>,
}

impl Clock {
    /// `origin_ns` is the timestamp of the capture's first frame; `None` when it is not
    /// known yet (a live capture), and then the first message shown stands for it.
    pub fn new(format: TimeFormat, origin_ns: Option<u64>) -> Clock {
        Clock {
            format,
            origin_ns,
            previous_ns: None,
        }
    }

    /// Writes the time of the next message shown.
    pub fn write(&mut self, out: &mut String, ts_ns: u64) {
        let reference = match self.format {
            TimeFormat::Delta => self.previous_ns.replace(ts_ns).unwrap_or(ts_ns),
            _ => *self.origin_ns.get_or_insert(ts_ns),
        };
        write_time(out, self.format, ts_ns, reference);
    }
}

/// `   1.099622`: seconds right-aligned in four columns, then microseconds; a time before the
/// reference (a capture whose timestamps step back) is negative, as tshark shows it.
fn write_seconds(out: &mut String, ts_ns: u64, reference_ns: u64) {
    match ts_ns.checked_sub(reference_ns) {
        Some(ns) => {
            let _ = write!(out, "{:>4}.{:06}", ns / NS_PER_SEC, micros(ns));
        }
        None => {
            let ns = reference_ns - ts_ns;
            let secs = format!("-{}", ns / NS_PER_SEC);
            let _ = write!(out, "{secs:>4}.{:06}", micros(ns));
        }
    }
}

fn write_time_of_day(out: &mut String, ts_ns: u64) {
    let of_day = ts_ns / NS_PER_SEC % SECS_PER_DAY;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}.{:06}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        micros(ts_ns)
    );
}

fn micros(ns: u64) -> u64 {
    ns % NS_PER_SEC / 1000
}

/// (year, month, day) of the day `days` after 1970-01-01, in the proleptic Gregorian
/// calendar: count 400-year eras (146 097 days each) from 0000-03-01, so that the leap
/// day ends each year of the count.
fn civil_date(days: u64) -> (u64, u64, u64) {
    const DAYS_0000_03_01_TO_1970: u64 = 719_468;
    let days = days + DAYS_0000_03_01_TO_1970;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 153 days per five months.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(format: TimeFormat, ts_ns: u64, reference_ns: u64) -> String {
        let mut out = String::new();
        write_time(&mut out, format, ts_ns, reference_ns);
        out
    }

    // Frame 14 of samples/basic.pcap and that capture's first frame, as tshark shows them.
    const FRAME_14: u64 = 1_795_225_270_593_659_000;
    const FIRST_FRAME: u64 = 1_795_225_269_494_037_000;

    #[test]
    fn formats_as_tshark_in_utc() {
        use TimeFormat::*;
        assert_eq!(shown(Relative, FRAME_14, FIRST_FRAME), "   1.099622");
        assert_eq!(shown(Absolute, FRAME_14, 0), "01:41:10.593659");
        assert_eq!(
            shown(AbsoluteDate, FRAME_14, 0),
            "2026-11-21 01:41:10.593659"
        );
        assert_eq!(shown(Epoch, FRAME_14, 0), "1795225270.593659");
        assert_eq!(shown(Relative, FIRST_FRAME, FRAME_14), "  -1.099622");
    }

    #[test]
    fn dates_across_leap_days_and_centuries() {
        for (days, date) in [
            (0, (1970, 1, 1)),
            (59, (1970, 3, 1)),
            (11_016, (2000, 2, 29)),
            (11_017, (2000, 3, 1)),
            (47_541, (2100, 3, 1)),
            (20_778, (2026, 11, 21)),
        ] {
            assert_eq!(civil_date(days), date, "day {days}");
        }
    }

    #[test]
    fn delta_counts_from_the_previous_message_shown() {
        let mut clock = Clock::new(TimeFormat::Delta, Some(0));
        let mut out = String::new();
        for ts in [5_000_000_000, 5_000_567_000, 5_001_493_000] {
            clock.write(&mut out, ts);
            out.push('|');
        }
        assert_eq!(out, "   0.000000|   0.000567|   0.000926|");
    }
}
