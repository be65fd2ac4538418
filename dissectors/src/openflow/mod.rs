//! OpenFlow 1.0: header, messages, match, actions, ports, stats, errors, vendor extensions.
//!
//! [`parse`] turns one whole message into a typed [`Message`]; [`Message::emit`] turns it
//! back into bytes in canonical form (the same bytes, for canonical input). Every body
//! family lives in its own file; the message types are one table ([`types`]).

pub mod action;
pub mod config;
pub mod error;
pub mod flow_match;
pub mod flow_mod;
pub mod flow_removed;
pub mod header;
pub mod hello;
pub mod matching;
pub mod message;
mod nicira;
pub mod packet;
pub mod port;
pub mod queue;
pub mod stats;
pub mod types;
pub mod vendor;
pub mod wire;

pub use action::{actions_from_bytes, Action, Actions};
pub use config::{FeaturesReply, SwitchConfig};
pub use error::ErrorMsg;
pub use flow_match::Match;
pub use flow_mod::FlowMod;
pub use flow_removed::FlowRemoved;
pub use header::{Header, OFP_VERSION};
pub use hello::Hello;
pub use matching::FlowKey;
pub use message::{parse, IntoMessage, Message};
pub use packet::{PacketIn, PacketOut, NO_BUFFER};
pub use port::{port_name, PhyPort, PortMod, PortStatus};
pub use queue::{PacketQueue, QueueGetConfigReply, QueueGetConfigRequest, QueueProperty};
pub use stats::{StatsReply, StatsReplyBody, StatsRequest, StatsRequestBody};
pub use types::{Body, MsgType, Purpose, Sender};
pub use vendor::{VendorAction, VendorMsg};
pub use wire::DecodeError;
