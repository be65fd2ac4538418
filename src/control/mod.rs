//! `ofscope control`: the replay apps drive real switches.
//!
//! The [`server`] is the connection layer: it listens, does the OpenFlow 1.0 handshake
//! and keepalive per [`conn`], and feeds each switch message to the replay engine on the
//! wall clock, so the very code that `replay` runs on a recording decides live. Every
//! message both ways becomes a frame of a capture ([`segments`]): the session decodes those
//! frames for the views exactly as it decodes a live capture, and `-w` saves them, so a
//! control session can be replayed and checked decision by decision.

use std::path::{Path, PathBuf};

pub mod conn;
pub mod report;
pub mod segments;
pub mod server;
pub mod tap;

pub use report::Report;
pub use server::{Config, Listeners, Server};

/// Where `-w FILE` puts the frames read from the TAP (what `replay` feeds the tunnel):
/// `FILE` with `.tap.pcap` for its extension.
pub fn tap_recording(capture: &Path) -> PathBuf {
    capture.with_extension("tap.pcap")
}
