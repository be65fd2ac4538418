//! FLOW_MOD: add, modify or delete flows.

use std::fmt;

use super::action::{actions_len, actions_tree, emit_actions, parse_actions, Action, Actions};
use super::flow_match::{Match, MATCH_LEN};
use super::packet::{buffer_value, BufferDisplay, NO_BUFFER};
use super::port::{named_or_unknown, ofpp, port_value, PortDisplay};
use super::wire::{be16, be32, be64, lookup, Put, Reader, Result};
use crate::tree::{Tree, Value};

named_numbers! {
    /// `OFPFC_*` commands.
    pub mod ofpfc: u16, [names COMMAND_NAMES] {
        ADD = 0,
        MODIFY = 1,
        MODIFY_STRICT = 2,
        DELETE = 3,
        DELETE_STRICT = 4,
    }
}

named_numbers! {
    /// `OFPFF_*` flags.
    pub mod ofpff: u16, [pub flags FLOW_MOD_FLAG_NAMES] {
        SEND_FLOW_REM = 1,
        CHECK_OVERLAP = 2,
        EMERG = 4,
    }
}

pub const DEFAULT_PRIORITY: u16 = 0x8000;
/// Bytes before the actions, counted from the end of the header.
const FIXED_LEN: usize = MATCH_LEN + 24;

/// FLOW_MOD body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowMod {
    pub match_: Match,
    pub cookie: u64,
    pub command: u16,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub priority: u16,
    pub buffer_id: u32,
    /// For DELETE: only flows that output to this port (NONE = any).
    pub out_port: u16,
    pub flags: u16,
    pub actions: Vec<Action>,
}

impl Default for FlowMod {
    /// An ADD of an all-wildcard flow at the default priority with no buffer.
    fn default() -> Self {
        FlowMod {
            match_: Match::default(),
            cookie: 0,
            command: ofpfc::ADD,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: DEFAULT_PRIORITY,
            buffer_id: NO_BUFFER,
            out_port: ofpp::NONE,
            flags: 0,
            actions: Vec::new(),
        }
    }
}

impl FlowMod {
    pub(crate) fn parse(r: &mut Reader) -> Result<FlowMod> {
        let match_ = Match::parse(r)?;
        let f: [u8; 24] = r.array("flow_mod")?;
        Ok(FlowMod {
            match_,
            cookie: be64(&f, 0),
            command: be16(&f, 8),
            idle_timeout: be16(&f, 10),
            hard_timeout: be16(&f, 12),
            priority: be16(&f, 14),
            buffer_id: be32(&f, 16),
            out_port: be16(&f, 20),
            flags: be16(&f, 22),
            actions: parse_actions(r)?,
        })
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        self.match_.emit(out);
        out.put_u64(self.cookie);
        out.put_u16(self.command);
        out.put_u16(self.idle_timeout);
        out.put_u16(self.hard_timeout);
        out.put_u16(self.priority);
        out.put_u32(self.buffer_id);
        out.put_u16(self.out_port);
        out.put_u16(self.flags);
        emit_actions(&self.actions, out);
    }

    /// The priority the flow really gets: OpenFlow 1.0 gives an exact-match flow (no
    /// wildcard bits) the highest priority whatever the message says, as Open vSwitch does.
    pub fn effective_priority(&self) -> u16 {
        if self.match_.wildcards & super::flow_match::ofpfw::ALL == 0 {
            u16::MAX
        } else {
            self.priority
        }
    }

    pub fn command_name(&self) -> Option<&'static str> {
        lookup(COMMAND_NAMES, self.command)
    }

    pub fn build_tree(&self, t: &mut Tree, at: usize) {
        let end = at + FIXED_LEN + actions_len(&self.actions);
        t.open(&hf::OF_FLOW_MOD, at..end);
        self.match_.build_tree(t, at);
        let f = at + MATCH_LEN;
        t.leaf(
            &hf::OF_FLOW_MOD_COOKIE,
            Value::Hex {
                value: self.cookie,
                digits: 1,
            },
            f..f + 8,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_COMMAND,
            named_or_unknown(self.command.into(), self.command_name()),
            f + 8..f + 10,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_IDLE_TIMEOUT,
            Value::Uint(self.idle_timeout.into()),
            f + 10..f + 12,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_HARD_TIMEOUT,
            Value::Uint(self.hard_timeout.into()),
            f + 12..f + 14,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_PRIORITY,
            Value::Uint(self.priority.into()),
            f + 14..f + 16,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_BUFFER_ID,
            buffer_value(self.buffer_id),
            f + 16..f + 20,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_OUT_PORT,
            port_value(self.out_port),
            f + 20..f + 22,
        );
        t.leaf(
            &hf::OF_FLOW_MOD_FLAGS,
            Value::Flags {
                value: self.flags.into(),
                names: FLOW_MOD_FLAG_NAMES,
            },
            f + 22..f + 24,
        );
        actions_tree(&self.actions, t, at + FIXED_LEN);
        t.close();
    }
}

impl fmt::Display for FlowMod {
    /// `ADD priority=32768,in_port=1,dl_src=.. actions=output:2 idle=10 hard=30`; the match
    /// is shown normalised, as ovs-ofctl shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.command_name() {
            Some(n) => f.write_str(n)?,
            None => write!(f, "command={}", self.command)?,
        }
        write!(f, " priority={}", self.priority)?;
        let m = self.match_.normalize().to_string();
        if !m.is_empty() {
            write!(f, ",{m}")?;
        }
        write!(f, " actions={}", Actions(&self.actions))?;
        if self.idle_timeout != 0 {
            write!(f, " idle={}", self.idle_timeout)?;
        }
        if self.hard_timeout != 0 {
            write!(f, " hard={}", self.hard_timeout)?;
        }
        if self.cookie != 0 {
            write!(f, " cookie=0x{:x}", self.cookie)?;
        }
        if self.buffer_id != NO_BUFFER {
            write!(f, " buffer={}", BufferDisplay(self.buffer_id))?;
        }
        if self.out_port != ofpp::NONE {
            write!(f, " out_port={}", PortDisplay(self.out_port))?;
        }
        if self.flags != 0 {
            write!(
                f,
                " flags={}",
                super::port::flag_text(self.flags.into(), FLOW_MOD_FLAG_NAMES)
            )?;
        }
        Ok(())
    }
}

super::types::body_codec!(FlowMod);

/// The fields this dissector puts in the tree, declared once (see `crate::tree::FieldDef`).
pub mod hf {
    crate::fields! {
        "FLOW_MOD", "";
        OF_FLOW_MOD = "of.flow_mod", Group, "Flow mod", "contains `of.match` and `of.actions`";
        OF_FLOW_MOD_COOKIE = "of.flow_mod.cookie", Hex, "Cookie", "opaque identifier the controller gave the flow";
        OF_FLOW_MOD_COMMAND = "of.flow_mod.command", Named, "Command", "`ADD`, `MODIFY`, `MODIFY_STRICT`, `DELETE`, `DELETE_STRICT`";
        OF_FLOW_MOD_IDLE_TIMEOUT = "of.flow_mod.idle_timeout", Uint, "Idle timeout", "seconds without a matching packet before the flow expires (0: never)";
        OF_FLOW_MOD_HARD_TIMEOUT = "of.flow_mod.hard_timeout", Uint, "Hard timeout", "seconds before the flow expires whatever its traffic (0: never)";
        OF_FLOW_MOD_PRIORITY = "of.flow_mod.priority", Uint, "Priority", "the flow's priority (higher wins)";
        OF_FLOW_MOD_BUFFER_ID = "of.flow_mod.buffer_id", Named, "Buffer id", "the buffered packet to apply the flow to; `NONE` for none";
        OF_FLOW_MOD_OUT_PORT = "of.flow_mod.out_port", Named, "Out port", "only flows with an output to this port (`NONE`: any)";
        OF_FLOW_MOD_FLAGS = "of.flow_mod.flags", Flags, "Flags", "`SEND_FLOW_REM`, `CHECK_OVERLAP`, `EMERG`";
    }
}
