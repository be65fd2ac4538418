//! Each switch: features, description, config, ports and their changes, connections; long
//! lines scroll sideways or wrap.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::App;

use super::{pane_block, sideways};

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let analysis = app.analysis();
    let mut lines: Vec<Line> = Vec::new();
    for (key, switch) in analysis.switches() {
        lines.push(Line::styled(
            format!("switch {key}"),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
        let mut text = String::new();
        switch
            .info
            .write_text(&analysis.connections(*key), &mut text);
        lines.extend(text.lines().map(|l| Line::raw(l.to_string())));
    }
    if lines.is_empty() {
        lines.push(Line::raw("no switch seen"));
    }
    let count = analysis.switches().len();
    let block = pane_block(format!(" Switches ({count}) "), true);
    let lines = sideways::fit_all(app, lines, usize::from(block.inner(area).width));
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(lines.len().saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((u16::try_from(*cursor).unwrap_or(u16::MAX), 0)),
        area,
    );
}
