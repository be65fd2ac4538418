//! `w`: the shown messages written to a file, as the command line would write them. The
//! capture is read again and its messages picked by number, so a `.pcap` gets `-w`'s frames
//! (every frame that carried a shown message) and a `.jsonl` `-T jsonl`'s objects, each by
//! the same code as `ofscope pcap -Y FILTER -w` / `-T jsonl`.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ofscope_dissectors::printable::Echo;

use crate::cli::{MessageFormat, TimeFormat};
use crate::commands::pcap::write_frames;
use crate::files::{refuse_input_as_output, AtomicFile};
use crate::output::records::RecordPrinter;
use crate::output::time::Clock;
use crate::session::{Session, SessionEvent};
use crate::stream::StreamConfig;

use super::state::App;

/// The capture file the viewer shows and how it was read.
pub struct Source {
    pub path: PathBuf,
    pub config: StreamConfig,
}

enum Kind {
    Pcap,
    Jsonl,
}

/// Writes the shown messages to `path`, the extension choosing the format. Returns what
/// to tell the user: where, how many, and which of them were not found again.
pub fn write(app: &App, path: &str) -> Result<String> {
    let output = Path::new(path);
    let kind = match output.extension().and_then(|e| e.to_str()) {
        Some("pcap") => Kind::Pcap,
        Some("jsonl") => Kind::Jsonl,
        _ => bail!("cannot write '{path}': give a file name ending in .pcap or .jsonl"),
    };
    let Some(source) = &app.source else {
        bail!("writing reads the capture file again, and a live capture has none: use ofscope live -w FILE, then open FILE");
    };
    refuse_input_as_output(output, [source.path.as_path()])?;
    if let Some(applied) = &app.applied {
        if applied.scanned < app.store.len() {
            bail!("the filter has not finished; write again when the filter line stops saying filtering");
        }
    }
    let wanted: BTreeSet<u64> = (0..app.shown_len())
        .filter_map(|pos| app.store.row(app.shown_row(pos)?))
        .map(|row| row.index)
        .collect();
    let session = Session::open(&source.path, source.config.clone())?;
    let written = match kind {
        Kind::Pcap => {
            let mut frames = BTreeSet::new();
            let mut written = 0;
            for event in session.flatten() {
                if let SessionEvent::Record(record) = event {
                    if wanted.contains(&record.index) {
                        frames.extend(record.frames.iter().copied());
                        written += 1;
                    }
                }
            }
            write_frames(&[(source.path.as_path(), frames)], output)?;
            written
        }
        Kind::Jsonl => write_jsonl(session, &wanted, output)
            .with_context(|| format!("cannot write {}", Echo::path(output)))?,
    };
    let mut told = format!("wrote {written} messages to {}", Echo::path(output));
    if written != wanted.len() {
        told.push_str(&format!(
            " ({} shown could not be read again: has the file changed?)",
            wanted.len() - written
        ));
    }
    if !app.progress.finished {
        told.push_str(" (those loaded so far)");
    }
    Ok(told)
}

/// The wanted messages as `-T jsonl` prints them. Returns how many.
fn write_jsonl<S: crate::capture::FrameSource>(
    session: Session<S>,
    wanted: &BTreeSet<u64>,
    output: &Path,
) -> Result<usize> {
    let file = AtomicFile::create(output)?;
    let mut out = BufWriter::new(file);
    let mut printer = RecordPrinter::new(MessageFormat::Jsonl, false, None);
    // -T jsonl has no time column; the clock is what the printer asks for.
    let mut clock = Clock::new(TimeFormat::Relative, None);
    let mut written = 0;
    for event in session.flatten() {
        printer.observe(&event);
        if let SessionEvent::Record(record) = event {
            if wanted.contains(&record.index) {
                printer.print(&mut out, &record, &mut clock)?;
                written += 1;
            }
        }
    }
    printer.finish(&mut out)?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.commit()?;
    Ok(written)
}
