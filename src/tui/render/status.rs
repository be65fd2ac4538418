//! The status line: what is viewed, how many messages, where the cursor is, the loading
//! progress and the follow mode.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let style = Style::new().fg(Color::Black).bg(Color::Gray);
    let shown = app.shown_len();
    let position = if shown == 0 { 0 } else { app.selected + 1 };
    let mut parts = vec![app.title.clone(), format!("{} messages", app.store.len())];
    if let Some(filter) = app.filter_text() {
        parts.push(format!("{shown} shown by {filter}"));
    }
    parts.push(format!("{position}/{shown}"));
    parts.push(loading(app));
    if let Some(status) = &app.progress.status {
        parts.push(status.clone());
    }
    if app.follow {
        parts.push("following".into());
    } else if app.progress.status.is_some() && !app.progress.finished {
        // A live source, and the user has scrolled away from the newest message.
        parts.push("paused: F follows".into());
    }
    if !app.stream_events.is_empty() {
        parts.push(format!("{} stream events", app.stream_events.len()));
    }
    if let Some(warning) = app.progress.warnings.last() {
        parts.push(format!("warning: {warning}"));
    }
    let left = format!(" {}", parts.join(" │ "));
    let help = " ? help ";
    let pad = usize::from(area.width).saturating_sub(left.chars().count() + help.len());
    let line = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::styled(help, Style::new().fg(Color::White).bg(Color::Blue)),
    ])
    .style(style);
    frame.render_widget(Paragraph::new(line), area);
}

fn loading(app: &App) -> String {
    let progress = &app.progress;
    if progress.finished {
        return "loaded".into();
    }
    match (progress.done * 100).checked_div(progress.total) {
        Some(percent) => format!("loading {percent}%"),
        None => "reading…".into(),
    }
}
