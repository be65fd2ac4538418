//! `ofscope man`: the manual pages (roff), generated from the command definition, so they
//! always have the flags `--help` has. Without `--dir`, ofscope(1) on stdout; with it, that
//! page and one per subcommand (`ofscope-pcap.1`, ...), as git's pages are split.
use std::process::ExitCode;

use anyhow::{Context, Result};
use ofscope_dissectors::printable::Echo;

use crate::cli::{Cli, ManArgs};

pub fn run(args: &ManArgs) -> Result<ExitCode> {
    let command = Cli::full_command();
    let Some(dir) = &args.dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        return super::print_document(&page);
    };
    clap_mangen::generate_to(command, dir).with_context(|| {
        format!(
            "cannot write the manual pages into {}: check that the directory exists and is writable",
            Echo::path(dir)
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
