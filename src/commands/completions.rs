//! `ofscope completions SHELL`: the shell's completion script, generated from the same
//! command definition as `--help`, so a new flag completes without anyone editing a script.
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut command = Cli::full_command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ofscope", &mut script);
    super::print_document(&script)
}
