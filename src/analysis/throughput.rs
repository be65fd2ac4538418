//! Controller throughput, the figure cbench made famous: responses per second per switch.
//! A response is a PACKET_OUT or a FLOW_MOD from the controller. Seconds are 1 s windows of
//! capture time counted from the origin (the capture's first frame, as tshark's
//! frame.time_relative), so `bench/throughput-check.py` can count them from tshark alone.

use serde::Serialize;

/// Seconds kept in a switch's series (a day); later ones still count in the totals.
const SERIES_CAP: usize = 86_400;

/// The responses of one switch, by second.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    /// The second being counted and its count so far.
    current: Option<(u64, u32)>,
    first_second: u64,
    total: u64,
    peak: (u32, u64),
    /// Seconds with responses, closed, in order: (second, count).
    series: Vec<(u64, u32)>,
}

/// What `--stats`, `--latency` and JSON show (members in alphabetical order, as every
/// report's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThroughputSummary {
    /// Responses per second over `seconds`.
    pub mean_per_s: f64,
    /// The busiest second: its responses, and which second it is (from the origin).
    pub peak_per_s: u32,
    pub peak_second: u64,
    pub responses: u64,
    /// From the first response's second to the last's, both counted.
    pub seconds: u64,
}

impl Throughput {
    /// A response in second `second` (seconds never go back by more than a frame's
    /// reordering: a late one counts in the second being counted).
    #[inline]
    pub fn response(&mut self, second: u64) {
        self.total += 1;
        match &mut self.current {
            Some((s, n)) if second <= *s => *n += 1,
            _ => self.next_second(second),
        }
    }

    #[cold]
    fn next_second(&mut self, second: u64) {
        match self.current.replace((second, 1)) {
            Some(closed) => self.close(closed),
            None => self.first_second = second,
        }
    }

    fn close(&mut self, (second, n): (u64, u32)) {
        if n > self.peak.0 {
            self.peak = (n, second);
        }
        if self.series.len() < SERIES_CAP {
            self.series.push((second, n));
        }
    }

    pub fn summary(&self) -> Option<ThroughputSummary> {
        let (last, n) = self.current?;
        let (peak, peak_second) = if n > self.peak.0 {
            (n, last)
        } else {
            self.peak
        };
        let seconds = last - self.first_second + 1;
        Some(ThroughputSummary {
            responses: self.total,
            seconds,
            mean_per_s: self.total as f64 / seconds as f64,
            peak_per_s: peak,
            peak_second,
        })
    }

    /// Responses in each second from the first response's to the last's (zeros included),
    /// as far as the series was kept.
    pub fn per_second(&self) -> Vec<u32> {
        let closed = self.series.iter().copied();
        let all: Vec<(u64, u32)> = closed.chain(self.current).collect();
        let Some(&(first, _)) = all.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (s, n) in all {
            out.resize((s - first) as usize, 0);
            out.push(n);
        }
        out
    }

    /// The second the series starts at.
    pub fn first_second(&self) -> u64 {
        self.first_second
    }
}

impl std::fmt::Display for ThroughputSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} responses (PACKET_OUT, FLOW_MOD) in {} s: mean {:.1}/s, peak {}/s (second {})",
            self.responses, self.seconds, self.mean_per_s, self.peak_per_s, self.peak_second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_peak_over_seconds() {
        let mut t = Throughput::default();
        assert_eq!(t.summary(), None);
        for s in [3, 3, 3, 5, 6, 6] {
            t.response(s);
        }
        let s = t.summary().unwrap();
        assert_eq!(
            (s.responses, s.seconds, s.peak_per_s, s.peak_second),
            (6, 4, 3, 3)
        );
        assert_eq!(s.mean_per_s, 1.5);
        assert_eq!(t.per_second(), vec![3, 0, 1, 2]);
    }
}
