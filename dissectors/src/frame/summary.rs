//! The tcpdump-like one-line summary of a frame.

use super::{ethertype, ipv4, vlan, Frame, Network, Transport};
use std::fmt::Write;

impl Frame {
    /// One line, tcpdump style: `802.1Q vlan 10 p 3, ARP who-has 10.0.0.1 tell 10.0.0.3`.
    /// A tunnel shows its kind and outer addresses, then the frame it carries:
    /// `GRE 192.0.2.1 > 192.0.2.2 | IP 172.16.0.1 > 172.16.0.2: ICMP echo request`.
    pub fn summary(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_summary(&mut s);
        s
    }

    fn write_summary(&self, s: &mut String) {
        let mut tpid = self.eth.map_or(0, |e| e.ethertype);
        for tag in &self.vlans {
            let kind = if tpid == ethertype::VLAN {
                "802.1Q"
            } else {
                "802.1ad"
            };
            let _ = write!(s, "{kind} vlan {} p {}, ", tag.vid, tag.pcp);
            tpid = tag.ethertype;
        }
        for entry in &self.mpls {
            let _ = write!(s, "MPLS label {} ttl {}, ", entry.label, entry.ttl);
        }
        if let Some(tunnel) = &self.tunnel {
            s.push_str(tunnel.header.kind());
            match &self.network {
                Network::Ipv4(ip) => {
                    let _ = write!(s, " {} > {}", ip.src, ip.dst);
                }
                Network::Ipv6(ip) => {
                    let _ = write!(s, " {} > {}", ip.src, ip.dst);
                }
                _ => {}
            }
            tunnel.header.write_ids(s);
            s.push_str(" | ");
            // The carried frame ends this one: it says whether it was cut.
            tunnel.inner.write_summary(s);
            return;
        }
        match &self.network {
            Network::None => {
                let _ = write!(s, "Ethernet, length {}", self.payload.len());
            }
            Network::Arp(arp) => s.push_str(&arp.summary()),
            Network::Lldp(lldp) => s.push_str(&lldp.summary(self.network_ethertype())),
            Network::Ipv4(ip) => {
                let _ = write!(s, "IP {} > {}: ", ip.src, ip.dst);
                let length = usize::from(ip.total_len).saturating_sub(ip.header_len());
                self.transport_summary(s, ip.protocol, length);
            }
            Network::Ipv6(ip) => {
                let _ = write!(s, "IP6 {} > {}: ", ip.src, ip.dst);
                let length = usize::from(ip.payload_len).saturating_sub(ip.extensions.len());
                self.transport_summary(s, ip.protocol, length);
            }
            Network::Other { ethertype: t } if *t <= 1500 => {
                let _ = write!(s, "802.3 LLC, length {t}");
            }
            Network::Other { ethertype: t } if vlan::is_tpid(*t) => {
                let _ = write!(s, "VLAN tag, length {}", self.payload.len());
            }
            Network::Other { ethertype: t } => {
                let name = ethertype::name(*t).unwrap_or("ethertype");
                let _ = write!(s, "{name} (0x{t:04x}), length {}", self.payload.len());
            }
        }
        if self.truncated.is_some() {
            s.push_str(" [truncated]");
        }
    }

    /// `length` is the transport length the IP header declares.
    fn transport_summary(&self, s: &mut String, protocol: u8, length: usize) {
        match &self.transport {
            Transport::Icmp(icmp) => s.push_str(&icmp.summary(&self.payload, length)),
            Transport::Icmpv6(icmp) => s.push_str(&icmp.summary(length)),
            Transport::Tcp(tcp) => {
                let data = length.saturating_sub(tcp.header_len());
                let _ = write!(
                    s,
                    "TCP {} > {}, Flags [{}], seq {}",
                    tcp.src_port,
                    tcp.dst_port,
                    tcp.flag_letters(),
                    tcp.seq
                );
                if tcp.flags & super::tcp::flag::ACK != 0 {
                    let _ = write!(s, ", ack {}", tcp.ack);
                }
                let _ = write!(s, ", win {}, length {data}", tcp.window);
            }
            Transport::Udp(udp) => {
                let data = usize::from(udp.length).saturating_sub(udp.buffer_len());
                let _ = write!(s, "UDP {} > {}, length {data}", udp.src_port, udp.dst_port);
            }
            Transport::None | Transport::Other { .. } => match ipv4::protocol::name(protocol) {
                Some(name) => {
                    let _ = write!(s, "{name}, length {length}");
                }
                None => {
                    let _ = write!(s, "ip-proto-{protocol}, length {length}");
                }
            },
        }
    }
}
