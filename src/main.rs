use std::process::ExitCode;

use ofscope::cli::{Cli, Command};
use ofscope::commands::{self, exit};
use ofscope_dissectors::printable::Printable;

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
        Command::Fields(args) => commands::fields::run(args),
    };
    result.unwrap_or_else(|err| {
        // Our messages echo what the user gave through `Echo`; a library's text (libpcap's,
        // the system's) may echo it too, so every line goes through the same rule. A
        // message's own lines (a filter's caret) stay lines.
        let message = format!("{err:#}");
        let lines: Vec<String> = message
            .split('\n')
            .map(|line| Printable(line).to_string())
            .collect();
        eprintln!("ofscope: {}", lines.join("\n"));
        ExitCode::from(exit::BAD_INPUT)
    })
}
