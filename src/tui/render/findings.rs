//! Expert findings (unanswered PacketIns, floods, errors, gaps...) as `--findings` lists
//! them: errors, then warnings, then notes, each kind once with its count and its first
//! occurrences; Enter shows the message. The text scrolls sideways or wraps.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Text;
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

use crate::analysis::findings::Severity;
use crate::analysis::report::FINDINGS_SHOWN;
use crate::tui::state::App;

use super::{cursor_style, pane_block, sideways, time, time_width};

/// One line of the tab: a kind once with its count (its severity, no time), or one of its
/// first occurrences, as `--findings` prints them.
struct Line {
    severity: Severity,
    cells: [String; 5],
    /// Where Enter goes: the occurrence's frame, or a kind's first.
    frame: Option<u64>,
}

fn lines(app: &App) -> Vec<Line> {
    let analysis = app.analysis();
    let mut lines = Vec::new();
    for group in analysis.findings().groups() {
        let mut summary = format!("{} in all", group.count);
        if let Some(kept) = group.only_first_kept {
            summary.push_str(&format!(" (the first {kept} kept)"));
        }
        if group.occurrences.len() > FINDINGS_SHOWN {
            summary.push_str(&format!(
                "; the first {FINDINGS_SHOWN} below, --findings -T jsonl lists every one"
            ));
        }
        lines.push(Line {
            severity: group.severity,
            cells: [
                group.severity.name().to_string(),
                String::new(),
                String::new(),
                group.kind.name().to_string(),
                summary,
            ],
            frame: group.occurrences.first().and_then(|f| f.frame),
        });
        for f in group.occurrences.iter().take(FINDINGS_SHOWN) {
            let text = if f.count > 1 {
                format!("  {} (x{})", f.text, f.count)
            } else {
                format!("  {}", f.text)
            };
            lines.push(Line {
                severity: f.severity,
                cells: [
                    String::new(),
                    time(app, f.ts_ns),
                    f.frame.map_or("-".into(), |n| n.to_string()),
                    String::new(),
                    text,
                ],
                frame: f.frame,
            });
        }
    }
    lines
}

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let lines = lines(app);
    let fixed = [7, time_width(app.time), 7, 20];
    let spacing = fixed.len() as u16;
    let text_width = usize::from(
        area.width
            .saturating_sub(fixed.iter().sum::<u16>() + spacing),
    );
    let longest = lines.iter().map(|l| l.cells[4].chars().count()).max();
    let shift = sideways::shift(app, longest.unwrap_or(0), text_width);
    let rows: Vec<Row> = lines
        .into_iter()
        .map(|line| {
            let colour = match line.severity {
                Severity::Error => Color::Red,
                Severity::Warning => Color::Yellow,
                Severity::Note => Color::Cyan,
            };
            let [level, time, frame, kind, text] = line.cells;
            let text = sideways::fit(text.into(), text_width, shift, app.wrap);
            let height = text.len() as u16;
            Row::new([
                Cell::from(level),
                Cell::from(time),
                Cell::from(frame),
                Cell::from(kind),
                Cell::from(Text::from(text)),
            ])
            .height(height)
            .style(Style::new().fg(colour))
        })
        .collect();
    let total = rows.len();
    let kinds = app.analysis().findings().groups().len();
    let widths = fixed
        .map(Constraint::Length)
        .into_iter()
        .chain([Constraint::Fill(1)]);
    let header = Row::new(["Level", "Time", "Frame", "Kind", "Finding"])
        .style(Style::new().fg(Color::White).bg(Color::Blue));
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(total.saturating_sub(1));
    let mut state = TableState::new().with_selected((total > 0).then_some(*cursor));
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(cursor_style(true))
        .block(pane_block(
            format!(" Findings: {kinds} kind(s), errors first — Enter shows the message "),
            true,
        ));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Enter shows the message of the finding under the cursor (a kind's: its first).
pub fn enter(app: &mut App) {
    let frame = lines(app).get(app.tab_cursor()).and_then(|line| line.frame);
    if let Some(frame) = frame {
        app.notice = app.jump_to_frame(frame);
    }
}
