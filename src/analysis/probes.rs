//! ARP and ICMP echo: the requests a host sends to find or reach an address, and the replies
//! that answer them. `unanswered_address`, `reply_vlan_mismatch` and
//! `reply_from_truncated_frame` read frames this way.

use std::net::Ipv4Addr;

use ofscope_dissectors::openflow::matching::{Headers, NetworkHeader, TransportHeader};

const ARP_REQUEST: u16 = 1;
const ARP_REPLY: u16 = 2;
const ICMP: u8 = 1;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;

/// ARP or ICMP echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Arp,
    Echo,
}

impl Protocol {
    pub fn request_name(self) -> &'static str {
        match self {
            Protocol::Arp => "ARP requests",
            Protocol::Echo => "ICMP echo requests",
        }
    }

    pub fn reply_name(self) -> &'static str {
        match self {
            Protocol::Arp => "ARP reply",
            Protocol::Echo => "ICMP echo reply",
        }
    }
}

/// What a frame asks or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// `asker` wants `target` to answer. (ARP probes and gratuitous ARPs expect no answer
    /// and are not requests here.)
    Request {
        protocol: Protocol,
        asker: Ipv4Addr,
        target: Ipv4Addr,
    },
    /// `from` answers `to`.
    Reply {
        protocol: Protocol,
        from: Ipv4Addr,
        to: Ipv4Addr,
    },
}

impl Probe {
    #[inline]
    pub fn of(h: &Headers) -> Option<Probe> {
        match (h.network, h.transport) {
            (NetworkHeader::Arp(a), _) => match a.op {
                ARP_REQUEST if !a.spa.is_unspecified() && a.spa != a.tpa => Some(Probe::Request {
                    protocol: Protocol::Arp,
                    asker: a.spa,
                    target: a.tpa,
                }),
                ARP_REPLY => Some(Probe::Reply {
                    protocol: Protocol::Arp,
                    from: a.spa,
                    to: a.tpa,
                }),
                _ => None,
            },
            (
                NetworkHeader::Ipv4 {
                    protocol: ICMP,
                    src,
                    dst,
                    ..
                },
                TransportHeader::Icmp { icmp_type, .. },
            ) => match icmp_type {
                ICMP_ECHO_REQUEST => Some(Probe::Request {
                    protocol: Protocol::Echo,
                    asker: src,
                    target: dst,
                }),
                ICMP_ECHO_REPLY => Some(Probe::Reply {
                    protocol: Protocol::Echo,
                    from: src,
                    to: dst,
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The IPv4 packet of a frame whose bytes end before its header's total length says:
/// `(bytes kept, total length)`. A frame built from a cut one shows this.
pub fn ipv4_short(frame: &[u8], h: &Headers) -> Option<(usize, usize)> {
    if !matches!(h.network, NetworkHeader::Ipv4 { .. }) {
        return None;
    }
    // The network header starts after the MACs, the VLAN tags and the ethertype.
    let ip = 14 + 4 * h.vlan_tags;
    let total = usize::from(u16::from_be_bytes(
        frame.get(ip + 2..ip + 4)?.try_into().ok()?,
    ));
    let kept = frame.len().saturating_sub(ip);
    (kept < total).then_some((kept, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn requests_and_replies() {
        let who_has = frame(
            "ffffffffffff 000000000001 0806 0001 0800 06 04 0001 000000000001 0a000001
             000000000000 0a0000fe",
        );
        assert_eq!(
            Probe::of(&Headers::parse(&who_has)),
            Some(Probe::Request {
                protocol: Protocol::Arp,
                asker: Ipv4Addr::new(10, 0, 0, 1),
                target: Ipv4Addr::new(10, 0, 0, 254),
            })
        );
        // An ARP probe (sender 0.0.0.0) expects no answer.
        let probe = frame(
            "ffffffffffff 000000000001 0806 0001 0800 06 04 0001 000000000001 00000000
             000000000000 0a0000fe",
        );
        assert_eq!(Probe::of(&Headers::parse(&probe)), None);
        // An echo reply cut after 8 bytes of its 28.
        let reply = frame(
            "000000000001 000000000002 0800 45 00 001c 0001 0000 40 01 0000 0a000002 0a000001
             00 00 0000 1234 0001",
        );
        let h = Headers::parse(&reply);
        assert!(matches!(
            Probe::of(&h),
            Some(Probe::Reply {
                protocol: Protocol::Echo,
                ..
            })
        ));
        assert_eq!(ipv4_short(&reply, &h), None);
        let cut = &reply[..reply.len() - 4];
        assert_eq!(ipv4_short(cut, &Headers::parse(cut)), Some((24, 28)));
    }
}
