//! The bottom line: the filter in force; or what the last command said (a search not
//! found, a file written); or an open prompt with the text being typed, the filter's green
//! when it parses and red with the error under it when it does not.

use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::prompt::PromptKind;
use crate::tui::state::App;

const LABEL: &str = PromptKind::Filter.label();

/// Two lines while an error is shown under the expression, else one.
pub fn height(app: &App) -> u16 {
    match &app.bar {
        Some(bar) if bar.error.is_some() => 2,
        _ => 1,
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(bar) = &app.bar else {
        let line = match &app.notice {
            Some(notice) => Line::styled(notice.clone(), Style::new().fg(Color::Yellow)),
            None => applied_line(app),
        };
        frame.render_widget(Paragraph::new(line), area);
        return;
    };
    let label = bar.kind.label();
    let (bg, fg) = match (bar.kind, &bar.error) {
        (_, Some(_)) => (Color::Red, Color::White),
        (PromptKind::Filter, None) => (Color::Green, Color::Black),
        _ => (Color::Gray, Color::Black),
    };
    let style = Style::new().fg(fg).bg(bg);
    let mut lines = vec![Line::from(vec![
        Span::styled(label, Style::new().fg(Color::White)),
        Span::raw(bar.input.clone()),
    ])
    .style(style)];
    if let Some(error) = &bar.error {
        lines.push(Line::styled(
            format!("{:w$}{}", "", error.caret_line(), w = label.len()),
            Style::new().fg(Color::LightRed),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
    let column = area.x + (label.len() + bar.cursor).min(usize::from(area.width)) as u16;
    frame.set_cursor_position(Position::new(column, area.y));
}

fn applied_line(app: &App) -> Line<'static> {
    let Some(applied) = &app.applied else {
        return Line::styled(
            format!("{LABEL}none (press / to filter)"),
            Style::new().fg(Color::DarkGray),
        );
    };
    let mut spans = vec![
        Span::raw(LABEL),
        Span::styled(
            applied.filter.to_string(),
            Style::new().fg(Color::LightGreen),
        ),
        Span::raw(format!("  {} matching", applied.matches.len())),
    ];
    let total = app.store.len();
    if applied.scanned < total {
        spans.push(Span::styled(
            format!(", filtering {}%", applied.scanned * 100 / total.max(1)),
            Style::new().fg(Color::Yellow),
        ));
    }
    Line::from(spans)
}
