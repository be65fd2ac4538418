//! The TAP tunnel: the controller's own network interface through the switch. PacketIns for
//! its MAC, or multicast, are written to the TAP without their VLAN tag; frames read from
//! the TAP go out as PACKET_OUT to the port where their destination was learned, or to ALL.

use ofscope_dissectors::frame::Frame;
use ofscope_dissectors::openflow::port::ofpp;
use ofscope_dissectors::openflow::{
    Action, Body, FeaturesReply, PacketOut, SwitchConfig, NO_BUFFER,
};

use super::{mac_key, App, Ctx, MacMap, Packet, Verdict};
use crate::replay::spec::{maker, AppEntry, Opt, Options, SpecError, TAP, TAP_INPUT};

pub const ENTRY: AppEntry = AppEntry {
    name: "tunnel",
    options: &[
        Opt::new("mac", "MAC"),
        // Read by the command layer: control opens the device, replay reads the frames
        // control recorded from it.
        Opt::new(TAP, "NAME").note("the controller's TAP device (control)"),
        // Read by the command layer, which hands the app the frames.
        Opt::new(TAP_INPUT, "FILE.pcap").note("frames read from the TAP"),
    ],
    build: |o| Ok(maker(Config::parse(o)?, Tunnel::new)),
};

/// Large enough for the TAP's 1300-byte MTU plus headers, as the seeds set it.
const MISS_SEND_LEN: u16 = 1400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub mac: [u8; 6],
}

impl Config {
    pub fn parse(o: &Options) -> Result<Config, SpecError> {
        Ok(Config {
            mac: o.mac("mac")?.ok_or_else(|| o.missing("mac"))?,
        })
    }
}

pub struct Tunnel {
    config: Config,
    ports: MacMap<u16>,
}

impl Tunnel {
    pub fn new(config: Config) -> Tunnel {
        Tunnel {
            config,
            ports: MacMap::default(),
        }
    }
}

impl App for Tunnel {
    fn connected(&mut self, ctx: &mut Ctx, _features: &FeaturesReply) {
        ctx.send(Body::SetConfig(SwitchConfig {
            flags: 0,
            miss_send_len: MISS_SEND_LEN,
        }));
    }

    fn packet_in(&mut self, ctx: &mut Ctx, p: &Packet) -> Verdict {
        if !p.src_is_multicast() {
            self.ports.insert(mac_key(&p.src), p.in_port);
        }
        let for_us = p.dst == self.config.mac;
        if !for_us && !p.dst_is_multicast() {
            return Verdict::Continue;
        }
        let mut frame = Frame::parse(p.data);
        if let Some(eth) = frame.eth.as_mut() {
            eth.ethertype = p.ethertype;
        }
        frame.vlans.clear();
        ctx.tap(frame.emit());
        if for_us {
            Verdict::Consumed
        } else {
            Verdict::Continue
        }
    }

    fn tap_frame(&mut self, ctx: &mut Ctx, frame: &[u8]) {
        let port = frame
            .get(..6)
            .and_then(|d| <[u8; 6]>::try_from(d).ok())
            .and_then(|dst| self.ports.get(&mac_key(&dst)).copied())
            .unwrap_or(ofpp::ALL);
        ctx.send(Body::PacketOut(PacketOut {
            buffer_id: NO_BUFFER,
            in_port: ofpp::NONE,
            actions: vec![Action::output(port)],
            data: frame.to_vec(),
        }));
    }
}
