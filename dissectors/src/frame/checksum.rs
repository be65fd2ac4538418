//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The ones' complement sum of `data` as 16-bit big-endian words, not yet folded. Sums of
/// several pieces add up; an odd-length piece must come last.
pub fn sum(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    let mut acc: u64 = chunks
        .by_ref()
        // `chunks_exact(2)` yields two bytes at a time, so the fallback is never taken.
        .map(|w| {
            w.first_chunk()
                .map_or(0, |&w| u64::from(u16::from_be_bytes(w)))
        })
        .sum();
    if let [last] = chunks.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds a sum to 16 bits and complements it: the value to put in a checksum field.
pub fn finish(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The checksum of `data` alone.
pub fn internet(data: &[u8]) -> u16 {
    finish(sum(data))
}

/// Whether `data`, checksum field included, sums to the all-ones value.
pub fn verifies(initial: u64, data: &[u8]) -> bool {
    finish(initial + sum(data)) == 0
}

pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: usize) -> u64 {
    sum(&src.octets()) + sum(&dst.octets()) + u64::from(protocol) + len as u64
}

pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: usize) -> u64 {
    sum(&src.octets()) + sum(&dst.octets()) + u64::from(next_header) + len as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The worked example of RFC 1071 section 3: the sum is 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet(&data), !0xddf2);
        assert!(verifies(
            0,
            &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x22, 0x0d]
        ));
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(internet(&[0x12]), internet(&[0x12, 0x00]));
    }
}
