//! ofscope: the application around the dissectors (capture, streams, analysis, views).
pub mod analysis;
pub mod bench;
pub mod capture;
pub mod cli;
pub mod commands;
pub mod control;
pub mod files;
pub mod filter;
pub mod flow_table;
pub mod framing;
pub mod output;
pub mod replay;
pub mod session;
pub mod stream;
pub mod switch;
pub mod tui;
