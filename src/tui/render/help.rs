//! The help over everything: every key and what it does.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Every key the viewer knows, as the help shows it.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn  ^B ^F", "move a page"),
    ("g G  Home End", "first / last"),
    ("Tab Shift-Tab", "next / previous pane"),
    (
        "1-6",
        "tabs: Messages Flows Latency Switches Conv. Findings",
    ),
    (
        "Enter",
        "list: to the tree; tree: fold; finding: its message",
    ),
    ("→ ←  l h", "expand / collapse the field"),
    ("e c", "expand / collapse every field"),
    ("\\", "maximise the focused pane / restore"),
    ("/", "filter (as -Y): Enter applies, Esc cancels"),
    ("F", "follow the newest message"),
    ("mouse", "wheel scrolls the pane under it; click selects"),
    ("?", "this help (any key closes it)"),
    ("q Esc Ctrl-C", "quit"),
];

pub fn draw(frame: &mut Frame, area: Rect) {
    let key_width = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {key:key_width$}  "),
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    let height = (lines.len() + 2) as u16;
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Max(100)])
        .flex(Flex::Center)
        .areas(popup);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(" Keys ")
        .style(Style::new().bg(Color::Black).fg(Color::White));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
