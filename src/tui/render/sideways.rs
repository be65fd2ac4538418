//! Long lines in the lists: cut at the pane's edge after the sideways scroll (`←`/`→`, as
//! `less -S`), or with `W` wrapped onto the lines below, so a flow shows its actions.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

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
