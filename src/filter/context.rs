//! Fields of where a message came from rather than of its bytes: its frame, time,
//! connection, switch and the control channel's addresses. The tree does not carry them
//! (text, `-V` and JSON print the tree), so the filter reads them from a [`Context`].

use std::net::{IpAddr, SocketAddr};

use ofscope_dissectors::tree::{FieldDef, Value};

use crate::stream::{CapturePoint, ConnId};

/// The two ends of an OpenFlow connection, and the tunnel it was captured through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    pub switch: SocketAddr,
    pub controller: SocketAddr,
    pub via: Option<CapturePoint>,
}

/// What the filter knows of a message beside its tree.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The frame that completed the message.
    pub frame: u64,
    pub ts_ns: u64,
    /// The capture's first frame, whatever its protocol (`frame.time_relative` counts from it).
    pub origin_ns: u64,
    pub conn: ConnId,
    /// The switch's datapath id, once its FEATURES_REPLY has been seen.
    pub dpid: Option<u64>,
    pub from_switch: bool,
    /// `None` until the connection's two ends are known.
    pub channel: Option<&'a Channel>,
}

impl Context<'_> {
    /// The (source, destination) of the message on the control channel.
    fn ends(&self) -> Option<(SocketAddr, SocketAddr)> {
        let c = self.channel?;
        Some(if self.from_switch {
            (c.switch, c.controller)
        } else {
            (c.controller, c.switch)
        })
    }

    fn via(&self) -> Option<&CapturePoint> {
        self.channel?.via.as_ref()
    }
}

ofscope_dissectors::fields! {
    "Capture context (filter only)",
    "Where a message came from rather than what it says. The display filter knows these \
     fields, but text, `-V` and JSON do not print them (JSON has the record's own `frame`, \
     `ts_ns`, `conn` and `dpid`). The control channel is `ofchan`, not `ip` or `tcp`: those \
     name the frame a PACKET_IN or PACKET_OUT carries.";
    FRAME_NUMBER = "frame.number", Uint as None, "Frame number", "the capture frame that completed the message: the frame tshark shows it in (`frame.number`); the JSON record's `frame`";
    FRAME_TIME = "frame.time", Time as None, "Arrival time", "absolute time of that frame, UTC. Compare with a quoted `\"2024-05-01 12:00:00.25\"` (ISO 8601, `T` or a space, optional fraction and `Z`; always UTC, where tshark reads local time) or with seconds since 1970";
    FRAME_TIME_EPOCH = "frame.time_epoch", Seconds as None, "Epoch time", "seconds since 1970 of that frame (`1714564800.25`)";
    FRAME_TIME_RELATIVE = "frame.time_relative", Seconds as None, "Time since the first frame", "seconds since the capture's first frame, whatever its protocol, as the `-t r` column (`1.5`)";
    CONN = "conn", Uint as None, "Connection", "the OpenFlow connection's number, as the JSON record's `conn`";
    OF_DPID = "of.dpid", Hex as None, "Datapath id", "the switch's datapath id, for every message of its connection once its FEATURES_REPLY (of any OpenFlow version) has been seen (`00:00:00:00:00:00:00:02`, `2` or `0x2`). A message sent before that, such as the HELLO, has none: `of.dpid == ...` does not match it, `!of.dpid` does";
    OFCHAN_SRC = "ofchan.src", Ip as None, "Channel source address", "IP address of the control channel's end that sent the message";
    OFCHAN_DST = "ofchan.dst", Ip as None, "Channel destination address", "IP address of the end that received it";
    OFCHAN_ADDR = "ofchan.addr", Ip as None, "Channel address", "either end's IP address (as tshark's `ip.addr`)";
    OFCHAN_SRCPORT = "ofchan.srcport", Uint as None, "Channel source port", "TCP port of the sending end";
    OFCHAN_DSTPORT = "ofchan.dstport", Uint as None, "Channel destination port", "TCP port of the receiving end";
    OFCHAN_PORT = "ofchan.port", Uint as None, "Channel port", "either end's TCP port (as tshark's `tcp.port`)";
    OFCHAN_TUNNEL = "ofchan.tunnel", Text as None, "Capture point tunnel", "the outermost tunnel the connection's first segment came through: `GRE`, `ERSPAN I`, `ERSPAN II`, `ERSPAN III`, `VXLAN`, `Geneve` or `IPIP`; absent when it came bare";
    OFCHAN_TUNNEL_ID = "ofchan.tunnel_id", Uint as None, "Capture point tunnel id", "that tunnel's id: the ERSPAN session, else the GRE key, else the VNI";
    OFCHAN_OUTER_SRC = "ofchan.outer_src", Ip as None, "Capture point source", "that tunnel's outer source address (the mirroring or encapsulating device)";
    OFCHAN_OUTER_DST = "ofchan.outer_dst", Ip as None, "Capture point destination", "that tunnel's outer destination address (the collector)";
}

/// Up to two values: a field of either end has two.
pub type Values = [Option<Value>; 2];

/// How each context field is read.
static READERS: &[Reader] = &[
    Reader {
        def: &FRAME_NUMBER,
        read: |c| [Some(Value::Uint(c.frame)), None],
    },
    Reader {
        def: &FRAME_TIME,
        read: |c| [Some(Value::Uint(c.ts_ns)), None],
    },
    Reader {
        def: &FRAME_TIME_EPOCH,
        read: |c| [Some(Value::Uint(c.ts_ns)), None],
    },
    Reader {
        def: &FRAME_TIME_RELATIVE,
        read: |c| [c.ts_ns.checked_sub(c.origin_ns).map(Value::Uint), None],
    },
    Reader {
        def: &CONN,
        read: |c| [Some(Value::Uint(c.conn.0.into())), None],
    },
    Reader {
        def: &OF_DPID,
        read: |c| {
            let dpid = c.dpid.map(|value| Value::Hex { value, digits: 16 });
            [dpid, None]
        },
    },
    Reader {
        def: &OFCHAN_SRC,
        read: |c| [c.ends().map(|(s, _)| ip(s.ip())), None],
    },
    Reader {
        def: &OFCHAN_DST,
        read: |c| [c.ends().map(|(_, d)| ip(d.ip())), None],
    },
    Reader {
        def: &OFCHAN_ADDR,
        read: |c| {
            let ends = c.ends();
            [ends.map(|(s, _)| ip(s.ip())), ends.map(|(_, d)| ip(d.ip()))]
        },
    },
    Reader {
        def: &OFCHAN_SRCPORT,
        read: |c| [c.ends().map(|(s, _)| port(s)), None],
    },
    Reader {
        def: &OFCHAN_DSTPORT,
        read: |c| [c.ends().map(|(_, d)| port(d)), None],
    },
    Reader {
        def: &OFCHAN_PORT,
        read: |c| {
            let ends = c.ends();
            [ends.map(|(s, _)| port(s)), ends.map(|(_, d)| port(d))]
        },
    },
    Reader {
        def: &OFCHAN_TUNNEL,
        read: |c| [c.via().map(|v| Value::Text(v.kind.to_owned())), None],
    },
    Reader {
        def: &OFCHAN_TUNNEL_ID,
        read: |c| {
            [
                c.via().and_then(|v| v.id).map(|id| Value::Uint(id.into())),
                None,
            ]
        },
    },
    Reader {
        def: &OFCHAN_OUTER_SRC,
        read: |c| [c.via().map(|v| ip(v.src)), None],
    },
    Reader {
        def: &OFCHAN_OUTER_DST,
        read: |c| [c.via().map(|v| ip(v.dst)), None],
    },
];

fn ip(addr: IpAddr) -> Value {
    match addr {
        IpAddr::V4(a) => Value::Ipv4(a),
        IpAddr::V6(a) => Value::Ipv6(a),
    }
}

fn port(addr: SocketAddr) -> Value {
    Value::Uint(addr.port().into())
}

/// A context field, found by its declaration.
#[derive(Clone, Copy)]
pub struct Reader {
    pub def: &'static FieldDef,
    read: fn(&Context) -> Values,
}

impl Reader {
    pub fn values(&self, context: &Context) -> Values {
        (self.read)(context)
    }
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.def.key)
    }
}

impl PartialEq for Reader {
    fn eq(&self, other: &Reader) -> bool {
        std::ptr::eq(self.def, other.def)
    }
}

/// The context field with this key.
pub fn reader(key: &str) -> Option<Reader> {
    READERS.iter().find(|r| r.def.key == key).copied()
}

/// The context fields whose key is `name` or lies under it (`ofchan` → every `ofchan.*`).
pub fn readers_under(name: &str) -> Vec<Reader> {
    READERS
        .iter()
        .filter(|r| ofscope_dissectors::tree::is_key_or_prefix(name, r.def.key))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_field_has_a_reader_and_back() {
        assert_eq!(SECTION.fields.len(), READERS.len());
        for def in SECTION.fields {
            assert!(
                reader(def.key).is_some_and(|r| std::ptr::eq(r.def, *def)),
                "{}",
                def.key
            );
        }
    }
}
