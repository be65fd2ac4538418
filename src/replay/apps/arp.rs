//! The ARP responder: answers requests for the controller's own addresses. The reply keeps
//! the request's VLAN tag and goes back out the port the request came in on.

use std::net::Ipv4Addr;

use ofscope_dissectors::frame::{arp, ethertype, Frame, Network};
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{Action, Body, PacketOut, NO_BUFFER};

use super::{App, Ctx, Packet, Verdict};
use crate::replay::spec::{maker, AppEntry, Opt, Options, SpecError, MAC};

pub const ENTRY: AppEntry = AppEntry {
    name: "arp",
    options: &[
        Opt::new("ip", "A.B.C.D").note("repeatable"),
        Opt::new(MAC, "MAC"),
    ],
    build: |o| Ok(maker(Config::parse(o)?, Arp::new)),
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub ips: Vec<Ipv4Addr>,
    pub mac: [u8; 6],
}

impl Config {
    pub fn parse(o: &Options) -> Result<Config, SpecError> {
        let ips = o.ipv4s("ip")?;
        if ips.is_empty() {
            return Err(o.missing("ip"));
        }
        let mac = o.mac(MAC)?.ok_or_else(|| o.missing(MAC))?;
        Ok(Config { ips, mac })
    }
}

pub struct Arp {
    config: Config,
}

impl Arp {
    pub fn new(config: Config) -> Arp {
        Arp { config }
    }
}

impl App for Arp {
    fn packet_in(&mut self, ctx: &mut Ctx, p: &Packet) -> Verdict {
        if p.ethertype != ethertype::ARP {
            return Verdict::Continue;
        }
        let frame = Frame::parse(p.data);
        let Network::Arp(request) = &frame.network else {
            return Verdict::Continue;
        };
        if request.op != arp::op::REQUEST || !self.config.ips.contains(&request.tpa) {
            return Verdict::Continue;
        }
        let Some(mut reply) = frame.arp_reply(self.config.mac) else {
            return Verdict::Continue;
        };
        clear_dei(&mut reply);
        ctx.send(reply_out(p.in_port, reply.emit()));
        Verdict::Consumed
    }
}

/// The tag is kept with its VID and PCP; the drop-eligible bit is not ours to echo.
pub fn clear_dei(frame: &mut Frame) {
    for tag in &mut frame.vlans {
        tag.dei = false;
    }
}

/// A frame the controller built, sent back out the port its request came in on.
pub fn reply_out(in_port: u16, data: Vec<u8>) -> Body {
    Body::PacketOut(PacketOut {
        buffer_id: NO_BUFFER,
        in_port,
        actions: vec![Action::output(ofpp::IN_PORT)],
        data,
    })
}
