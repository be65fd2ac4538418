//! The terminal viewer (`ofscope pcap FILE` on a terminal, `ofscope live`): a message list,
//! the selected message's tree and bytes, the analysis tabs and a display filter.
//!
//! `state` is the whole state and what keys do to it, `keymap` binds the keys, `prompt`
//! edits the bottom line's prompts, `search`, `sort` and `export` are what Ctrl-F, `s` and
//! `w` do,
//! `render` draws it (one file per pane, and the table of tabs), `event` runs the terminal,
//! `index` reads a capture in the background into `store`.

mod event;
pub mod export;
pub mod index;
pub mod keymap;
pub mod prompt;
pub mod render;
mod search;
pub mod sort;
pub mod state;
pub mod store;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::mpsc::Receiver;

use anyhow::Result;
use ofscope_dissectors::printable::Echo;

use crate::cli::{MessageFormat, PcapArgs, TimeFormat, ViewArgs};
use crate::filter::Filter;
use crate::stream::StreamConfig;

pub use index::Feed;
pub use state::App;

/// How the viewer starts.
pub struct Options {
    /// Shown in the status bar: the file, or the interface when live.
    pub title: String,
    /// Stick to the newest message (live capture).
    pub follow: bool,
    /// A filter in force from the start (`-Y`).
    pub filter: Option<Filter>,
    /// How times are shown (`-t`).
    pub time: TimeFormat,
    /// The capture file, for `w` to read again; `None` when live.
    pub source: Option<export::Source>,
}

/// Runs the viewer on whatever `feed` sends (a file indexer, a live capture) until the user
/// quits. The terminal is restored on every way out.
pub fn run(feed: Receiver<Feed>, options: Options) -> Result<()> {
    let mut app = App::new(options.title, options.follow);
    app.time = options.time;
    app.source = options.source;
    if let Some(filter) = options.filter {
        app.set_filter(Some(filter));
    }
    event::run_loop(&mut app, feed)
}

/// Whether a command's output goes to the viewer: stdout is a terminal and the output is
/// the default text (not `--print`, `-T json`, `-V` or `-q`).
pub fn wanted(view: &ViewArgs) -> bool {
    std::io::stdout().is_terminal()
        && !view.print
        && view.format == MessageFormat::Text
        && !view.verbose
        && !view.quiet
}

/// Whether `ofscope pcap` should open the viewer: [`wanted`], one file, and nothing else
/// asked for that only text gives (`--stats`, `-c`, `-w`).
pub fn suits(args: &PcapArgs) -> bool {
    wanted(&args.view)
        && !args.stats
        && args.view.count.is_none()
        && args.write.is_none()
        && args.inputs().count() == 1
        // The viewer's keys come from the terminal; a capture on stdin is printed.
        && !args.inputs().any(|path| crate::capture::is_stdin(path))
}

/// `ofscope pcap FILE` on a terminal.
pub fn run_pcap(args: &PcapArgs) -> Result<ExitCode> {
    let Some(path) = args.inputs().next() else {
        anyhow::bail!("no capture file given");
    };
    let filter = crate::commands::display_filter(args.view.filter.as_deref())?;
    let config =
        StreamConfig::with_ports(&args.view.ports).with_vxlan_ports(&args.view.vxlan_ports);
    let feed = index::index_file(path, config.clone())?;
    run(
        feed,
        Options {
            title: Echo::path(path).to_string(),
            follow: false,
            filter,
            time: args.view.time,
            source: Some(export::Source {
                path: path.clone(),
                config,
            }),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
