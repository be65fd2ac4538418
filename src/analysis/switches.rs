//! What is known about each switch: dpid, features, ports and their history, config,
//! connections and HELLO versions.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ofscope_dissectors::openflow::port::flag_text;
use ofscope_dissectors::openflow::stats::DescStats;
use ofscope_dissectors::openflow::{FeaturesReply, PhyPort, PortStatus, SwitchConfig};
use ofscope_dissectors::printable::Printable;

use crate::stream::{CapturePoint, CloseReason};

/// One PORT_STATUS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortChange {
    pub ts_ns: u64,
    pub frame: u64,
    /// `ADD`, `DELETE` or `MODIFY`.
    pub reason: &'static str,
    pub port: PhyPort,
}

/// One OpenFlow connection of a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub conn: u32,
    pub switch: Option<SocketAddr>,
    pub controller: Option<SocketAddr>,
    pub first_ns: u64,
    pub last_ns: u64,
    pub closed: Option<CloseReason>,
    /// The version each side put in its HELLO.
    pub hello_switch: Option<u8>,
    pub hello_controller: Option<u8>,
    pub messages: u64,
    /// The tunnel it was captured through.
    pub via: Option<CapturePoint>,
    /// The capture holds it twice: the way its first copy came (`None`: bare).
    pub seen_twice: Option<Option<CapturePoint>>,
}

/// Where the config we show came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// The controller set it (SET_CONFIG); the switch may not honour it.
    Set,
    /// The switch reported it (GET_CONFIG_REPLY).
    Reported,
}

#[derive(Debug, Clone, Default)]
pub struct SwitchInfo {
    pub features: Option<FeaturesReply>,
    pub ports: BTreeMap<u16, PhyPort>,
    pub port_history: Vec<PortChange>,
    pub port_changes: u64,
    pub config: Option<(SwitchConfig, ConfigSource, u64)>,
    pub desc: Option<DescStats>,
}

fn config_flags(flags: u16) -> &'static str {
    match flags & 3 {
        0 => "FRAG_NORMAL",
        1 => "FRAG_DROP",
        2 => "FRAG_REASM",
        _ => "FRAG_MASK",
    }
}

pub fn close_name(reason: Option<CloseReason>) -> &'static str {
    match reason {
        None => "open",
        Some(CloseReason::Fin) => "closed (FIN)",
        Some(CloseReason::Reset) => "closed (RST)",
        Some(CloseReason::PortReuse) => "closed (port reused)",
    }
}

impl SwitchInfo {
    pub fn features(&mut self, f: &FeaturesReply) {
        self.ports = f.ports.iter().map(|p| (p.port_no, p.clone())).collect();
        self.features = Some(f.clone());
    }

    /// Applies a PORT_STATUS; its change is kept in the history while that holds fewer than
    /// `bound` (returns whether it was; later ones are counted only).
    pub fn port_status(&mut self, ps: &PortStatus, ts_ns: u64, frame: u64, bound: usize) -> bool {
        let reason = ps.reason_name().unwrap_or("UNKNOWN");
        if reason == "DELETE" {
            self.ports.remove(&ps.desc.port_no);
        } else {
            self.ports.insert(ps.desc.port_no, ps.desc.clone());
        }
        self.port_changes += 1;
        let kept = self.port_history.len() < bound;
        if kept {
            self.port_history.push(PortChange {
                ts_ns,
                frame,
                reason,
                port: ps.desc.clone(),
            });
        }
        kept
    }

    pub fn miss_send_len(&self) -> Option<u16> {
        self.config.as_ref().map(|(c, _, _)| c.miss_send_len)
    }

    /// Lines under the switch's heading in `--stats`; `connections` are the switch's.
    pub fn write_text(&self, connections: &[&Connection], out: &mut String) {
        if let Some(f) = &self.features {
            out.push_str(&format!(
                "    features: n_tables={} n_buffers={} capabilities={} actions={}\n",
                f.n_tables,
                f.n_buffers,
                flag_text(
                    f.capabilities,
                    ofscope_dissectors::openflow::config::CAPABILITY_NAMES
                ),
                flag_text(
                    f.actions,
                    ofscope_dissectors::openflow::config::ACTION_BIT_NAMES
                ),
            ));
        }
        if let Some(d) = &self.desc {
            out.push_str(&format!(
                "    desc: {} / {} / {}\n",
                Printable(&d.mfr_desc),
                Printable(&d.hw_desc),
                Printable(&d.sw_desc)
            ));
        }
        if let Some((c, source, frame)) = &self.config {
            let how = match source {
                ConfigSource::Set => "set by the controller",
                ConfigSource::Reported => "reported by the switch",
            };
            out.push_str(&format!(
                "    config: flags={} miss_send_len={} ({how}, frame {frame})\n",
                config_flags(c.flags),
                c.miss_send_len
            ));
        }
        if !self.ports.is_empty() {
            let ports: Vec<String> = self
                .ports
                .values()
                .map(|p| {
                    let down = p.state & 1 != 0 || p.config & 1 != 0;
                    format!(
                        "{}({}){}",
                        ofscope_dissectors::openflow::port::PortDisplay(p.port_no),
                        Printable(&p.name),
                        if down { " down" } else { "" }
                    )
                })
                .collect();
            out.push_str(&format!("    ports: {}\n", ports.join(" ")));
        }
        for ch in &self.port_history {
            out.push_str(&format!(
                "    port status frame {}: {} port {} ({})\n",
                ch.frame,
                ch.reason,
                ch.port.port_no,
                Printable(&ch.port.name)
            ));
        }
        for c in connections {
            let addr = |a: Option<SocketAddr>| a.map_or("?".to_owned(), |a| a.to_string());
            let hello = |v: Option<u8>| v.map_or("-".to_owned(), |v| format!("0x{v:02x}"));
            out.push_str(&format!(
                "    conn {}: {} -> {}  {} messages, {}, HELLO switch {} controller {}",
                c.conn,
                addr(c.switch),
                addr(c.controller),
                c.messages,
                close_name(c.closed),
                hello(c.hello_switch),
                hello(c.hello_controller),
            ));
            if let Some(via) = c.via {
                out.push_str(&format!(", captured via {via}"));
            }
            match c.seen_twice {
                Some(Some(again)) => out.push_str(&format!(", seen twice (again via {again})")),
                Some(None) => out.push_str(", seen twice (again bare)"),
                None => {}
            }
            out.push('\n');
        }
    }
}
