//! The delays of one latency series, as a log-bucket histogram whose memory grows with what
//! it holds: a switch with three answered PacketIns keeps three buckets, not the ~110 KB a
//! whole HDR histogram reaching a minute takes (20,000 such switches needed 6.5 GB).
//!
//! The buckets are hdrhistogram's for a lowest value of 1 ns and the series' significant
//! digits, so every percentile shown is the one the whole histogram gives. A series keeps
//! the buckets that have counts, in order, while there are at most [`SPARSE_BUCKETS`];
//! past that it moves to the whole histogram (created then, and grown only as far as its
//! largest delay), which records in constant time where the kept buckets are searched.

use hdrhistogram::Histogram;

/// The longest delay counted as itself: hdrhistogram was sized to a minute, which its
/// buckets cover up to the next power of two, and a longer delay was counted as a minute.
const LONGEST_NS: u64 = 60_000_000_000;
const COVERED_NS: u64 = LONGEST_NS.next_power_of_two();

/// The most buckets kept one by one (2 KB, where a whole histogram to 1 ms takes 44 KB):
/// a series with more has at least as many delays, and is searched often enough that the
/// constant-time whole histogram pays.
const SPARSE_BUCKETS: usize = 128;
/// Bytes of one kept bucket: its lowest value and its count.
const SPARSE_BUCKET_BYTES: usize = std::mem::size_of::<(u64, u64)>();
/// Bytes of one counter of the whole histogram (`Histogram<u32>`).
const DENSE_COUNTER_BYTES: usize = std::mem::size_of::<u32>();

/// hdrhistogram's layout for a lowest value of 1: values below `2^magnitude` (the first
/// power of two past 2·10^digits) have a bucket each; above, each power of two
/// `[2^(magnitude-1+k), 2^(magnitude+k))` is cut into `2^(magnitude-1)` buckets `2^k` wide.
#[derive(Debug, Clone, Copy)]
struct Layout {
    magnitude: u32,
}

impl Layout {
    fn new(digits: u8) -> Layout {
        let exact = 2 * 10u64.pow(u32::from(digits));
        Layout {
            magnitude: exact.next_power_of_two().trailing_zeros(),
        }
    }

    /// log2 of the width of the bucket holding `ns`.
    fn shift(self, ns: u64) -> u32 {
        (63 - (ns | 1).leading_zeros()).saturating_sub(self.magnitude - 1)
    }

    fn lowest(self, ns: u64) -> u64 {
        let shift = self.shift(ns);
        ns >> shift << shift
    }

    /// The highest value of the bucket holding `ns`: what hdrhistogram reports for it.
    fn highest(self, ns: u64) -> u64 {
        self.lowest(ns) + ((1u64 << self.shift(ns)) - 1)
    }
}

#[derive(Debug, Clone)]
enum Buckets {
    /// (lowest value, count) of the buckets that have counts, by value.
    Sparse(Vec<(u64, u64)>),
    Dense(Box<Histogram<u32>>),
}

/// A histogram of delays in nanoseconds.
#[derive(Debug, Clone)]
pub struct Delays {
    layout: Layout,
    digits: u8,
    buckets: Buckets,
}

impl Delays {
    /// `digits`: significant digits kept (at most 5, as hdrhistogram allows).
    pub fn new(digits: u8) -> Delays {
        let digits = digits.min(5);
        Delays {
            layout: Layout::new(digits),
            digits,
            buckets: Buckets::Sparse(Vec::new()),
        }
    }

    #[inline]
    pub fn record(&mut self, ns: u64) {
        let ns = if ns < COVERED_NS { ns } else { LONGEST_NS };
        match &mut self.buckets {
            // Cannot fail: the histogram grows (auto) to any delay kept here.
            Buckets::Dense(h) => h.record(ns).unwrap_or(()),
            Buckets::Sparse(kept) => {
                let lowest = self.layout.lowest(ns);
                match kept.binary_search_by_key(&lowest, |b| b.0) {
                    Ok(i) => kept[i].1 += 1,
                    Err(i) => {
                        kept.insert(i, (lowest, 1));
                        if kept.len() > SPARSE_BUCKETS {
                            self.densify();
                        }
                    }
                }
            }
        }
    }

    /// Moves the kept buckets into a whole histogram.
    #[cold]
    fn densify(&mut self) {
        let Buckets::Sparse(kept) = &self.buckets else {
            return;
        };
        // Sized to the largest delay (the last bucket); it grows (auto) from there. Cannot
        // fail: at most 5 digits, and a high of at least 2.
        let largest = kept.last().map_or(0, |b| b.0);
        let Ok(mut h) = Histogram::<u32>::new_with_max(largest.max(2), self.digits) else {
            return;
        };
        h.auto(true);
        for &(lowest, count) in kept {
            h.saturating_record_n(lowest, u32::try_from(count).unwrap_or(u32::MAX));
        }
        self.buckets = Buckets::Dense(Box::new(h));
    }

    #[cfg(test)]
    fn is_dense(&self) -> bool {
        matches!(self.buckets, Buckets::Dense(_))
    }

    /// The bytes its buckets take on the heap.
    pub fn heap_bytes(&self) -> usize {
        match &self.buckets {
            Buckets::Sparse(kept) => kept.capacity() * SPARSE_BUCKET_BYTES,
            Buckets::Dense(h) => h.distinct_values() * DENSE_COUNTER_BYTES,
        }
    }

    /// (highest value, count) of every bucket that has counts, by value.
    pub fn recorded(&self) -> Vec<(u64, u64)> {
        match &self.buckets {
            Buckets::Sparse(kept) => kept
                .iter()
                .map(|&(lowest, count)| (self.layout.highest(lowest), count))
                .collect(),
            Buckets::Dense(h) => h
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), u64::from(v.count_at_value())))
                .collect(),
        }
    }

    /// The delay at quantile `q` (0 < q ≤ 1) as hdrhistogram reports it: the highest value
    /// of the first bucket where the count so far reaches ⌈q·total⌉ (at least 1).
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let kept = match &self.buckets {
            Buckets::Sparse(kept) => kept,
            Buckets::Dense(h) => return (!h.is_empty()).then(|| h.value_at_quantile(q)),
        };
        let total: u64 = kept.iter().map(|b| b.1).sum();
        let wanted = ((q.min(1.0) * total as f64).ceil() as u64).max(1);
        let mut so_far = 0;
        kept.iter().find_map(|&(lowest, count)| {
            so_far += count;
            (so_far >= wanted).then(|| self.layout.highest(lowest))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values at every scale, around each power of two and at random.
    fn values() -> Vec<u64> {
        let mut v: Vec<u64> = (0..64)
            .flat_map(|p| {
                let x = 1u64 << p;
                [x.saturating_sub(1), x, x.saturating_add(1), x / 3 * 2]
            })
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            v.push(seed >> (seed % 40));
        }
        v
    }

    #[test]
    fn buckets_are_hdrhistograms() {
        for digits in [2, 3] {
            let layout = Layout::new(digits);
            let h = Histogram::<u32>::new(digits).unwrap();
            for ns in values() {
                assert_eq!(layout.lowest(ns), h.lowest_equivalent(ns), "{ns}");
                assert_eq!(layout.highest(ns), h.highest_equivalent(ns), "{ns}");
            }
        }
    }

    #[test]
    fn both_forms_give_hdrhistograms_figures() {
        let all = values();
        // The last has more buckets than are kept one by one.
        let series = [&all[..1], &all[..3], &all[..50], &all];
        for digits in [2, 3] {
            for (i, delays) in series.iter().enumerate() {
                let mut d = Delays::new(digits);
                // As the series were kept before: a whole histogram to a minute.
                let mut h = Histogram::<u32>::new_with_bounds(1, LONGEST_NS, digits).unwrap();
                for &ns in delays.iter() {
                    d.record(ns);
                    h.saturating_record(ns);
                }
                assert_eq!(d.is_dense(), i == series.len() - 1, "{digits} {i}");
                for q in [0.5, 0.9, 0.99, 1.0] {
                    assert_eq!(
                        d.quantile(q),
                        Some(h.value_at_quantile(q)),
                        "{digits} {i} {q}"
                    );
                }
            }
        }
    }
}
