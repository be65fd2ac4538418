//! Long lines in the lists: cut at the pane's edge after the sideways scroll (`←`/`→`, as
//! `less -S`), or with `W` wrapped onto the lines below, so a flow shows its actions.
//! Tables of short cells ([`table`]) move as whole lines the same way.

use ratatui::layout::Constraint;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table};

use crate::tui::state::App;

/// The columns to cut from the left of lines up to `longest` long in a `width`-wide
/// column: the user's sideways scroll, kept where the longest line still ends on screen
/// (none while wrapping). Stores the kept value back, so `←` acts at once after going far.
pub fn shift(app: &mut App, longest: usize, width: usize) -> usize {
    if app.wrap {
        return 0;
    }
    app.sideways = app.sideways.min(longest.saturating_sub(width));
    app.sideways
}

/// The widest of `lines`, for [`shift`].
pub fn longest(lines: &[Line]) -> usize {
    lines.iter().map(Line::width).max().unwrap_or(0)
}

/// `lines` fitted to `width` columns: shifted by the sideways scroll, or wrapped.
pub fn fit_all(app: &mut App, lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let shift = shift(app, longest(&lines), width);
    fit_each(lines, width, shift, app.wrap)
}

/// Each of `lines` through [`fit`] by one `shift` (for panes that scroll together).
pub fn fit_each(
    lines: Vec<Line<'static>>,
    width: usize,
    shift: usize,
    wrap: bool,
) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|line| fit(line, width, shift, wrap))
        .collect()
}

/// One line without its first `shift` characters (the pane cuts what is past its edge),
/// or wrapped onto as many lines of `width` as it takes.
pub fn fit(line: Line<'static>, width: usize, shift: usize, wrap: bool) -> Vec<Line<'static>> {
    let fits = line.width() <= width;
    if (wrap && fits) || (!wrap && shift == 0) || width == 0 {
        return vec![line];
    }
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|span| span.content.chars().map(move |c| (c, span.style)))
        .collect();
    let pieces: Vec<&[(char, Style)]> = if wrap {
        chars.chunks(width).collect()
    } else {
        vec![chars.get(shift..).unwrap_or_default()]
    };
    pieces
        .into_iter()
        .map(|piece| {
            let spans: Vec<Span> = piece
                .chunk_by(|a, b| a.1 == b.1)
                .map(|run| Span::styled(run.iter().map(|(c, _)| *c).collect::<String>(), run[0].1))
                .collect();
            Line::from(spans).style(line.style)
        })
        .collect()
}

/// A table whose rows scroll sideways and wrap as the other lists' lines do: each row one
/// line, its columns as wide as their widest cell (the title's included) and one space
/// apart, so no column is cut at a width chosen in advance. It is a one-column ratatui
/// table, so a wrapped row is one row, several lines tall, under the cursor.
pub fn table(
    app: &mut App,
    titles: &[&str],
    rows: Vec<(Vec<String>, Style)>,
    width: usize,
) -> Table<'static> {
    let mut widths: Vec<usize> = titles.iter().map(|t| t.chars().count()).collect();
    for (cells, _) in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = padded(titles.iter().copied(), &widths);
    let rows: Vec<(Line<'static>, Style)> = rows
        .iter()
        .map(|(cells, style)| (padded(cells.iter().map(String::as_str), &widths), *style))
        .collect();
    let longest = rows
        .iter()
        .map(|(line, _)| line.width())
        .chain([header.width()])
        .max()
        .unwrap_or(0);
    let shift = shift(app, longest, width);
    let row = |line: Line<'static>| {
        let lines = fit(line, width, shift, app.wrap);
        let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        Row::new([Cell::from(Text::from(lines))]).height(height)
    };
    let header = row(header).style(Style::new().fg(Color::White).bg(Color::Blue));
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(line, style)| row(line).style(style))
        .collect();
    Table::new(rows, [Constraint::Fill(1)]).header(header)
}

/// Cells in columns of `widths`, one space apart.
fn padded<'a>(cells: impl Iterator<Item = &'a str>, widths: &[usize]) -> Line<'static> {
    let cells: Vec<String> = cells
        .zip(widths)
        .map(|(cell, width)| format!("{cell:width$}"))
        .collect();
    Line::raw(cells.join(" ").trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_line_is_shifted_or_wrapped_whole() {
        let line = || Line::from(vec![Span::raw("priority=1 "), Span::raw("actions=FLOOD")]);
        assert_eq!(
            text(&fit(line(), 10, 0, false)),
            ["priority=1 actions=FLOOD"]
        );
        assert_eq!(text(&fit(line(), 10, 11, false)), ["actions=FLOOD"]);
        assert_eq!(
            text(&fit(line(), 10, 0, true)),
            ["priority=1", " actions=F", "LOOD"]
        );
        assert_eq!(
            text(&fit(line(), 30, 0, true)),
            ["priority=1 actions=FLOOD"]
        );
    }
}
