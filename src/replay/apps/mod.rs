//! The controller apps, one file each. An app receives events and returns messages through
//! its [`Ctx`]; it never does I/O and never reads a wall clock. Each file declares its
//! [`AppEntry`] (name, options, constructor) and [`APPS`] lists them.

pub mod arp;
pub mod learning;
pub mod ping;
pub mod tunnel;

use ofscope_dissectors::frame::{ethertype, vlan, VlanTag, ETHERNET_LEN, VLAN_TAG_LEN};
use ofscope_dissectors::openflow::{Body, FeaturesReply, FlowRemoved, PortStatus};

use super::spec::AppEntry;

/// The registered apps, in the order help and errors list them.
pub const APPS: &[AppEntry] = &[learning::ENTRY, arp::ENTRY, ping::ENTRY, tunnel::ENTRY];

/// What an app produced while handling one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A message to the switch.
    Send(Body),
    /// A frame written to the controller's TAP device.
    Tap(Vec<u8>),
    /// Something worth telling the user that is not a message (a request not answered).
    Finding(String),
}

/// The app's view of the world while it handles one event.
pub struct Ctx<'a> {
    /// The virtual clock: the capture timestamp of the event, in ns.
    pub now_ns: u64,
    /// When the switch connected (its FEATURES_REPLY), in ns.
    pub connected_ns: u64,
    pub out: &'a mut Vec<Output>,
}

impl Ctx<'_> {
    pub fn send(&mut self, body: Body) {
        self.out.push(Output::Send(body));
    }

    pub fn tap(&mut self, frame: Vec<u8>) {
        self.out.push(Output::Tap(frame));
    }

    pub fn finding(&mut self, text: String) {
        self.out.push(Output::Finding(text));
    }
}

/// Whether later apps in the chain still see the PacketIn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    Consumed,
}

/// A PACKET_IN with its Ethernet header read once for every app.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub in_port: u16,
    pub buffer_id: u32,
    pub data: &'a [u8],
    pub dst: [u8; 6],
    pub src: [u8; 6],
    /// The ethertype after any VLAN tags.
    pub ethertype: u16,
    /// The outermost 802.1Q/802.1ad tag, if any.
    pub vlan: Option<VlanTag>,
}

impl<'a> Packet<'a> {
    /// `None` when the frame is shorter than an Ethernet header.
    pub fn new(in_port: u16, buffer_id: u32, data: &'a [u8]) -> Option<Packet<'a>> {
        let dst: [u8; 6] = data.get(0..6)?.try_into().ok()?;
        let src: [u8; 6] = data.get(6..12)?.try_into().ok()?;
        let mut ethertype = u16::from_be_bytes(data.get(12..14)?.try_into().ok()?);
        let mut vlan = None;
        let mut at = ETHERNET_LEN;
        while vlan::is_tpid(ethertype) {
            let Some(tag) = data.get(at..).and_then(|b| VlanTag::parse(b).ok()) else {
                break;
            };
            vlan.get_or_insert(tag);
            ethertype = tag.ethertype;
            at += VLAN_TAG_LEN;
        }
        Some(Packet {
            in_port,
            buffer_id,
            data,
            dst,
            src,
            ethertype,
            vlan,
        })
    }

    pub fn dst_is_multicast(&self) -> bool {
        self.dst[0] & 1 != 0
    }

    pub fn src_is_multicast(&self) -> bool {
        self.src[0] & 1 != 0
    }

    pub fn is_lldp(&self) -> bool {
        self.ethertype == ethertype::LLDP
    }
}

/// One controller app. Every method has a default that does nothing, so an app implements
/// only the events it cares about.
pub trait App {
    /// The switch said FEATURES_REPLY: the connection is up.
    fn connected(&mut self, _ctx: &mut Ctx, _features: &FeaturesReply) {}

    fn packet_in(&mut self, ctx: &mut Ctx, packet: &Packet) -> Verdict;

    fn flow_removed(&mut self, _ctx: &mut Ctx, _removed: &FlowRemoved) {}

    fn port_status(&mut self, _ctx: &mut Ctx, _status: &PortStatus) {}

    /// A frame read from the controller's TAP device.
    fn tap_frame(&mut self, _ctx: &mut Ctx, _frame: &[u8]) {}
}

/// `aa:bb:cc:dd:ee:ff` as a number, for cheap hashing.
pub fn mac_key(mac: &[u8; 6]) -> u64 {
    let mut b = [0u8; 8];
    b[2..].copy_from_slice(mac);
    u64::from_be_bytes(b)
}

/// A hasher for number keys (MACs as [`mac_key`], control's connection tokens): one
/// multiply, because these are looked up per message and come from a capture or our own
/// counters, not from an adversary.
#[derive(Default, Clone, Copy)]
pub struct NumberHasher(u64);

impl std::hash::Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A map from MAC (as [`mac_key`]) to `V`.
pub type MacMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<NumberHasher>>;
