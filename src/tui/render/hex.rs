//! The message bytes as hex and ASCII, 16 per line, with the bytes of the field under the
//! tree cursor highlighted.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::{App, Pane};

use super::{pane_block, scroll_to};

use crate::output::hexdump::{self, PER_LINE};

/// The highlight of the selected field's bytes.
pub const HIGHLIGHT: Style = Style::new().fg(Color::Black).bg(Color::Yellow);

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let focused = app.focus == Pane::Hex;
    let block = pane_block(" Bytes ".into(), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    app.panes.hex = inner;
    let Some(row) = app.selected_row() else {
        return;
    };
    let Some(detail) = app.detail() else {
        return;
    };
    let range = detail
        .tree
        .fields
        .get(detail.cursor)
        .map_or(0..0, |f| f.range.clone());
    let bytes = app.store.bytes(row);
    let lines_total = bytes.len().div_ceil(PER_LINE);
    let Some(detail) = app.detail() else {
        return;
    };
    if !focused && !range.is_empty() {
        // Follow the tree cursor unless the user is scrolling the hex itself.
        detail.hex_offset = scroll_to(detail.hex_offset, range.start / PER_LINE, height);
    }
    detail.hex_offset = detail
        .hex_offset
        .min(lines_total.saturating_sub(height.max(1)));
    let offset = detail.hex_offset;
    let bytes = app.store.bytes(row);
    let lines: Vec<Line> = bytes
        .chunks(PER_LINE)
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(n, chunk)| hex_line(n * PER_LINE, chunk, &range))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn hex_line(start: usize, chunk: &[u8], highlight: &Range<usize>) -> Line<'static> {
    let style_of = |i: usize| {
        if highlight.contains(&(start + i)) {
            HIGHLIGHT
        } else {
            Style::new()
        }
    };
    let mut spans = vec![Span::styled(
        format!("{start:04x}  "),
        Style::new().fg(Color::DarkGray),
    )];
    for i in 0..PER_LINE {
        let text = chunk.get(i).map_or("  ".into(), |b| format!("{b:02x}"));
        spans.push(Span::styled(text, style_of(i)));
        // Join highlighted neighbours so a field reads as one block.
        let joined = i + 1 < chunk.len() && style_of(i) == style_of(i + 1);
        let gap = if i == 7 { "  " } else { " " };
        spans.push(if joined {
            Span::styled(gap, style_of(i))
        } else {
            Span::raw(gap)
        });
    }
    spans.push(Span::raw(" "));
    for (i, &b) in chunk.iter().enumerate() {
        spans.push(Span::styled(hexdump::ascii(b).to_string(), style_of(i)));
    }
    Line::from(spans)
}
