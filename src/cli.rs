//! Every command-line flag, in one place.
use clap::{Parser, Subcommand};

/// A Wireshark-style analyser and replayer for OpenFlow 1.0.
#[derive(Debug, Parser)]
#[command(name = "ofscope", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {}
