use std::process::ExitCode;

use ofscope::cli::{Cli, Command};
use ofscope::commands::{self, exit};

fn main() -> ExitCode {
    // A bug must still end in one readable line, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "ofscope: internal error: {info}; please report it with the input that caused it"
        );
    }));
    let cli = Cli::from_env();
    let result = match &cli.command {
        Command::Pcap(args) => commands::pcap::run(args),
        Command::Live(args) => commands::live::run(args),
        Command::Decode(args) => commands::decode::run(args),
        Command::Replay(args) => commands::replay::run(args),
        Command::Control(args) => commands::control::run(args),
        Command::Fields(args) => commands::fields::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
    };
    result.unwrap_or_else(|err| {
        commands::print_error(&err);
        ExitCode::from(exit::BAD_INPUT)
    })
}
