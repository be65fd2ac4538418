//! ofscope: the application around the dissectors (capture, streams, analysis, views).
pub mod analysis;
pub mod cli;
pub mod filter;
pub mod output;
