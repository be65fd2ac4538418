//! Replay: ofscope acts as the controller on a recorded switch session.
//!
//! The [`engine`] feeds the switch→controller messages of each connection, under the
//! capture's own clock, to a chain of [`apps`]; what they emit is collected per trigger as a
//! [`decision::Decision`]. [`golden`] reads and writes golden files, [`compare`] diffs
//! decisions against a golden or against the controller messages that were recorded, and
//! [`closed_loop`] models the switch's flow table so that only table misses reach the apps.
//!
//! Nothing here does I/O but [`target`]'s player, which plays a recording to a live
//! controller (`replay --into`): otherwise the command layer reads the capture and hands
//! messages in.

pub mod apps;
pub mod closed_loop;
pub mod compare;
pub mod decision;
pub mod engine;
pub mod golden;
pub mod run;
pub mod spec;
pub mod target;

pub use decision::{Decision, Summary};
pub use engine::{Engine, Input};
pub use spec::{AppSpec, SpecError};
