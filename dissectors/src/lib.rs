//! ofscope-dissectors: OpenFlow 1.0 messages and the frames they carry.
//!
//! Bytes in, typed values out, and back (`parse` / `emit`). No I/O of any kind: no files,
//! sockets, clocks, threads or terminal. Never panics on any input; truncation is data.
#![forbid(unsafe_code)]
// "Never panics" as a compile-time claim: no unwrap, expect, panic or unchecked index in the
// library. Unit tests may use them, as a failing test should stop loudly.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

#[macro_use]
mod named;

pub mod fields;
pub mod frame;
pub mod openflow;
pub mod printable;
pub mod tree;
