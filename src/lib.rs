//! ofscope: the application around the dissectors (capture, streams, analysis, views).
pub mod cli;
pub mod commands;
pub mod filter;
pub mod output;
