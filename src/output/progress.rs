//! A progress bar on stderr for long batch runs, only when stderr is a terminal.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this finish before a bar would be worth drawing.
const MIN_BYTES: u64 = 32 << 20;

/// A bar over the file's bytes, or `None` when stderr is not a terminal or the file is small.
/// `compressed` files show a spinner: their decompressed size is unknown up front.
pub fn for_file(path: &Path, compressed: bool) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || crate::capture::is_stdin(path) {
        return None;
    }
    let size = std::fs::metadata(path).ok()?.len();
    if size < MIN_BYTES {
        return None;
    }
    let bar = if compressed {
        ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} decompressed, {elapsed}").ok()?,
        )
    } else {
        ProgressBar::new(size).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {eta} left").ok()?,
        )
    };
    Some(bar)
}
