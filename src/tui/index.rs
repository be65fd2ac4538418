//! Background indexing: a thread reads the capture and feeds the viewer in batches, so the
//! first screen shows while the rest of a large file is still being read.

use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, FileSource};
use crate::session::{Session, SessionEvent};
use crate::stream::StreamConfig;

/// What the viewer is fed, by a file indexer or by a live capture.
#[derive(Debug)]
pub enum Feed {
    /// The timestamp of the capture's first frame, whatever its protocol, before the
    /// events it is the origin of.
    Origin(u64),
    /// Session events in capture order.
    Events(Vec<SessionEvent>),
    /// Capture bytes read so far out of `total` (0 when unknown, as for gzip).
    Progress { done: u64, total: u64 },
    /// A problem that does not stop the viewer (a cut file, a corrupt record).
    Warning(String),
    /// A short state of the source for the status bar, replacing the previous one (live
    /// capture: `capturing, 12 dropped`).
    Status(String),
    /// The capture held no OpenFlow message: what it held instead, the line the command
    /// line prints ([`crate::stream::Tracker::why_no_messages`]). Before `Finished`.
    NoMessages(String),
    /// No more events will come.
    Finished,
}

/// A batch is sent when it is this big or this old, whichever comes first: small enough
/// for the first screen to show at once, big enough that a large file is not slowed by
/// channel traffic.
const BATCH_EVENTS: usize = 8192;
const BATCH_AGE: Duration = Duration::from_millis(40);
/// Batches in flight; the reader waits when the viewer falls behind.
const CHANNEL_BATCHES: usize = 16;

/// Opens the capture (so an unreadable file is reported before the screen changes) and
/// starts a thread that reads it to the end.
pub fn index_file(path: &Path, config: StreamConfig) -> Result<Receiver<Feed>, CaptureError> {
    let session = Session::open(path, config)?;
    let total = if session.source().compressed() {
        0
    } else {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    };
    let origin = FileSource::first_frame_ns(path);
    let (tx, rx) = sync_channel(CHANNEL_BATCHES);
    if let Some(ns) = origin {
        // The channel is empty: this cannot block.
        let _ = tx.send(Feed::Origin(ns));
    }
    thread::Builder::new()
        .name("ofscope-index".into())
        .spawn(move || read_all(session, total, tx))
        .map_err(|error| CaptureError::Io {
            path: path.to_owned(),
            frame: 0,
            error,
        })?;
    Ok(rx)
}

fn read_all(mut session: Session<FileSource>, total: u64, tx: SyncSender<Feed>) {
    let mut batch = Vec::with_capacity(256);
    let mut sent_at = Instant::now();
    while let Some(event) = session.next_event() {
        match event {
            Ok(event) => batch.push(event),
            Err(err) => {
                if tx.send(Feed::Warning(err.to_string())).is_err() {
                    return;
                }
            }
        }
        if batch.len() >= BATCH_EVENTS || sent_at.elapsed() >= BATCH_AGE {
            let progress = Feed::Progress {
                done: session.source().position(),
                total,
            };
            let events = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_EVENTS));
            // The viewer has quit when the channel is closed.
            if tx.send(Feed::Events(events)).is_err() || tx.send(progress).is_err() {
                return;
            }
            sent_at = Instant::now();
        }
    }
    let _ = tx.send(Feed::Events(batch));
    let _ = tx.send(Feed::Progress { done: total, total });
    if session.tracker().counters().messages == 0 {
        let _ = tx.send(Feed::NoMessages(session.tracker().why_no_messages()));
    }
    let _ = tx.send(Feed::Finished);
}
