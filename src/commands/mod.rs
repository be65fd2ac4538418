//! One file per subcommand: each turns parsed arguments into output and an exit code.
pub mod bench;
pub mod completions;
pub mod control;
pub mod decode;
pub mod fields;
pub mod live;
pub mod man;
pub mod pcap;
pub mod replay;

use std::io;

use anyhow::Result;
use ofscope_dissectors::printable::Printable;

use crate::filter::Filter;

/// Exit codes users' scripts rely on (DESIGN.md section 4).
pub mod exit {
    /// An assertion failed (replay mismatch).
    pub const ASSERTION_FAILED: u8 = 1;
    /// Bad usage or unreadable input.
    pub const BAD_INPUT: u8 = 2;
}

/// Parses `-Y`; a bad expression becomes one message pointing at the column.
pub fn display_filter(expr: Option<&str>) -> Result<Option<Filter>> {
    let Some(expr) = expr else {
        return Ok(None);
    };
    Filter::parse(expr)
        .map(Some)
        .map_err(|err| anyhow::anyhow!("bad display filter (-Y): {err}\n{}", err.render(expr)))
}

/// Prints an error, with its causes, as `ofscope: ...` on stderr. Our messages echo what
/// the user gave through `Echo`; a library's text (libpcap's, the system's) may echo it too,
/// so every line goes through the same rule. A message's own lines (a filter's caret) stay
/// lines.
pub fn print_error(err: &anyhow::Error) {
    let message = format!("{err:#}");
    let lines: Vec<String> = message
        .split('\n')
        .map(|line| Printable(line).to_string())
        .collect();
    eprintln!("ofscope: {}", lines.join("\n"));
}

/// Writes a whole generated document (a field list, a man page, a completion script) to
/// stdout; a reader that went away (`| head`) is not an error.
pub fn print_document(bytes: &[u8]) -> Result<std::process::ExitCode> {
    use std::io::Write as _;
    match io::stdout().lock().write_all(bytes) {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(std::process::ExitCode::SUCCESS),
    }
}

/// A reader of our output went away (`| head`): not an error worth a message.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
