//! The ping responder: answers ICMP echo requests to the controller's own addresses with the
//! same id, sequence and payload, keeping the VLAN tag. IP id and TTL are deterministic (the
//! request's id, TTL 64). A request cut short by the switch gets a finding, not a reply.

use std::net::Ipv4Addr;

use ofscope_dissectors::frame::{ethertype, icmp, Frame, Network, Transport};

use super::arp::{clear_dei, reply_out};
use super::{App, Ctx, Packet, Verdict};
use crate::replay::spec::{maker, AppEntry, Opt, Options, SpecError, MAC};

pub const ENTRY: AppEntry = AppEntry {
    name: "ping",
    options: &[
        Opt::new("ip", "A.B.C.D").note("repeatable"),
        Opt::new(MAC, "MAC"),
    ],
    build: |o| Ok(maker(Config::parse(o)?, Ping::new)),
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub ips: Vec<Ipv4Addr>,
    /// The source MAC of replies; without it, the MAC the request was sent to.
    pub mac: Option<[u8; 6]>,
}

impl Config {
    pub fn parse(o: &Options) -> Result<Config, SpecError> {
        let ips = o.ipv4s("ip")?;
        if ips.is_empty() {
            return Err(o.missing("ip"));
        }
        Ok(Config {
            ips,
            mac: o.mac(MAC)?,
        })
    }
}

pub struct Ping {
    config: Config,
}

impl Ping {
    pub fn new(config: Config) -> Ping {
        Ping { config }
    }
}

impl App for Ping {
    fn packet_in(&mut self, ctx: &mut Ctx, p: &Packet) -> Verdict {
        if p.ethertype != ethertype::IPV4 {
            return Verdict::Continue;
        }
        let frame = Frame::parse(p.data);
        let (Network::Ipv4(ip), Transport::Icmp(request)) = (&frame.network, &frame.transport)
        else {
            return Verdict::Continue;
        };
        if request.icmp_type != icmp::kind::ECHO_REQUEST || !self.config.ips.contains(&ip.dst) {
            return Verdict::Continue;
        }
        let Some(mut reply) = frame.icmp_echo_reply() else {
            ctx.finding(format!(
                "echo request from {} to {} is cut short ({} bytes captured); not answered",
                ip.src,
                ip.dst,
                p.data.len()
            ));
            return Verdict::Continue;
        };
        if let (Some(mac), Some(eth)) = (self.config.mac, reply.eth.as_mut()) {
            eth.src = mac;
        }
        clear_dei(&mut reply);
        ctx.send(reply_out(p.in_port, reply.emit()));
        Verdict::Consumed
    }
}
