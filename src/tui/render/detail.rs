//! The field tree of the selected message: one row per visible field, indented by depth,
//! with ▸/▾ on groups.

use ofscope_dissectors::tree::Value;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::{App, Pane};

use super::{cursor_style, pane_block, scroll_to};

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let focused = app.focus == Pane::Detail;
    let block = pane_block(" Detail ".into(), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    app.panes.detail = inner;
    let Some(detail) = app.detail() else {
        return;
    };
    let visible = detail.visible();
    let at = visible
        .iter()
        .position(|&i| i == detail.cursor)
        .unwrap_or(0);
    if !detail.placed {
        detail.offset = at.saturating_sub(height / 3);
        detail.placed = true;
    }
    detail.offset = scroll_to(detail.offset, at, height);
    let lines: Vec<Line> = visible
        .iter()
        .skip(detail.offset)
        .take(height)
        .map(|&i| {
            let field = &detail.tree.fields[i];
            let marker = if !detail.is_expandable(i) {
                "  "
            } else if detail.is_collapsed(i) {
                "▸ "
            } else {
                "▾ "
            };
            let mut spans = vec![
                Span::raw(" ".repeat(2 * usize::from(field.depth))),
                Span::raw(marker),
                Span::raw(field.label),
            ];
            if field.value != Value::None {
                spans.push(Span::raw(": "));
                spans.push(Span::styled(
                    field.value.to_string(),
                    Style::new().fg(Color::LightGreen),
                ));
            }
            let line = Line::from(spans);
            if i == detail.cursor {
                line.style(cursor_style(focused))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
