//! Expert findings (unanswered PacketIns, floods, errors, gaps...), the most severe first;
//! Enter shows the message.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Row, Table, TableState};
use ratatui::Frame;

use crate::analysis::findings::Severity;
use crate::tui::state::App;

use super::{cursor_style, pane_block, time, time_width};

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let analysis = app.analysis();
    let findings = analysis.findings().by_severity();
    let rows: Vec<Row> = findings
        .iter()
        .map(|f| {
            let colour = match f.severity {
                Severity::Error => Color::Red,
                Severity::Warning => Color::Yellow,
                Severity::Note => Color::Cyan,
            };
            let text = if f.count > 1 {
                format!("{} (x{})", f.text, f.count)
            } else {
                f.text.clone()
            };
            Row::new([
                f.severity.name().to_string(),
                time(app, f.ts_ns),
                f.frame.map_or("-".into(), |n| n.to_string()),
                f.kind.name().to_string(),
                text,
            ])
            .style(Style::new().fg(colour))
        })
        .collect();
    let total = rows.len();
    let widths = [
        Constraint::Length(7),
        Constraint::Length(time_width(app.time)),
        Constraint::Length(7),
        Constraint::Length(20),
        Constraint::Fill(1),
    ];
    let header = Row::new(["Level", "Time", "Frame", "Kind", "Finding"])
        .style(Style::new().fg(Color::White).bg(Color::Blue));
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(total.saturating_sub(1));
    let mut state = TableState::new().with_selected((total > 0).then_some(*cursor));
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(cursor_style(true))
        .block(pane_block(
            format!(" Findings ({total}) — Enter shows the message "),
            true,
        ));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Enter shows the message of the finding under the cursor.
pub fn enter(app: &mut App) {
    let frame = app
        .analysis()
        .findings()
        .by_severity()
        .get(app.tab_cursor())
        .and_then(|f| f.frame);
    if let Some(frame) = frame {
        app.jump_to_frame(frame);
    }
}
