//! ofscope-dissectors: OpenFlow 1.0 messages and the frames they carry.
//!
//! Bytes in, typed values out, and back (`parse` / `emit`). No I/O of any kind: no files,
//! sockets, clocks, threads or terminal. Never panics on any input; truncation is data.
#![forbid(unsafe_code)]

#[macro_use]
mod named;

pub mod fields;
pub mod frame;
pub mod openflow;
pub mod tree;
