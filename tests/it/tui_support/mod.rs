//! Shared by the viewer tests: a sample read into the viewer's state, keys, and drawing into
//! a test backend.

use std::path::Path;

use ofscope::capture::FileSource;
use ofscope::session::Session;
use ofscope::stream::StreamConfig;
use ofscope::tui::export::Source;
use ofscope::tui::{render, App, Feed};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use crate::common::sample;

/// The viewer after reading the whole sample, as the indexer would feed it.
pub fn app_for(name: &str) -> App {
    app_for_path(Path::new(&sample(&format!("{name}.pcap"))))
}

/// The viewer after reading the whole capture at `path`.
pub fn app_for_path(path: &Path) -> App {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut app = App::new(name.into_owned(), false);
    // As `ofscope pcap FILE` opens it, so `w` can read the file again.
    app.source = Some(Source {
        path: path.to_owned(),
        config: StreamConfig::default(),
    });
    if let Some(origin) = FileSource::first_frame_ns(path) {
        app.feed(Feed::Origin(origin));
    }
    let session = Session::open(path, StreamConfig::default()).expect("open capture");
    let events = session.map(|e| e.expect("readable sample")).collect();
    app.feed(Feed::Events(events));
    app.feed(Feed::Finished);
    app
}

pub fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn ctrl(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Applies a filter through the bar, as a user would, and finishes filtering.
pub fn filter(app: &mut App, expression: &str) {
    key(app, KeyCode::Char('/'));
    ctrl(app, 'u');
    keys(app, expression);
    key(app, KeyCode::Enter);
    app.settle();
}

/// The screen as text, after finishing any filtering.
pub fn draw(app: &mut App, width: u16, height: u16) -> String {
    app.settle();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| render::draw(frame, app))
        .expect("draw");
    terminal.backend().to_string()
}
