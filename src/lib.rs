//! ofscope: the application around the dissectors (capture, streams, analysis, views).
pub mod capture;
pub mod cli;
pub mod stream;
