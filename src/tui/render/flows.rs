//! The flow table of each switch as it was when the selected message was seen, in
//! ovs-ofctl syntax, and the table's changes around that moment; whole flows, with their
//! actions, by scrolling sideways or wrapping.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::App;

use super::{pane_block, sideways, time};

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let [table_area, events_area] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    let selected = app.selected_row().and_then(|i| app.store.row(i));
    let viewer: &App = app;
    let analysis = viewer.analysis();
    let (at_ns, at_text) = match selected {
        Some(row) => (
            row.ts_ns,
            format!("frame {} at {}", row.frame, time(viewer, row.ts_ns)),
        ),
        None => (analysis.last_ns(), "the end".to_string()),
    };

    // The counters and timeouts push the rule out of sight on a narrow screen.
    let wide = area.width >= 160;
    let several = analysis.switches().len() > 1;
    let mut table: Vec<Line> = Vec::new();
    for (key, switch) in analysis.switches() {
        let flows = switch.table.at(at_ns);
        table.push(Line::styled(
            format!("{key}: {} flows", flows.len()),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
        table.extend(flows.iter().map(|f| {
            Line::raw(if wide {
                f.dump_line(at_ns)
            } else {
                format!(" {}", f.rule())
            })
        }));
    }
    if table.is_empty() {
        table.push(Line::raw("no switch seen"));
    }

    // Every switch's changes in time order; the cursor line marks the selected moment.
    let mut events: Vec<(u64, String)> = analysis
        .switches()
        .iter()
        .flat_map(|(key, switch)| {
            switch.table.events().iter().map(move |e| {
                let frame = e
                    .message
                    .and_then(|m| viewer.frame_of_message(m))
                    .map_or("-".into(), |frame| format!("#{frame}"));
                let switch = if several {
                    format!("{key} ")
                } else {
                    String::new()
                };
                (
                    e.ts_ns,
                    format!(
                        "{:>11} {:<6} {:<9} {switch}{}",
                        time(viewer, e.ts_ns),
                        frame,
                        e.kind.name(),
                        e.flow.rule()
                    ),
                )
            })
        })
        .collect();
    events.sort_by_key(|(ts, _)| *ts);
    let now = events.partition_point(|(ts, _)| *ts <= at_ns);

    let table_block = pane_block(format!(" Flow tables at {at_text} "), true);
    let events_block = pane_block(
        format!(
            " Flow events ({}, {now} up to the selected message; #frame) ",
            events.len()
        ),
        false,
    );
    let inner = events_block.inner(events_area);
    let height = usize::from(inner.height);
    // Show the events just before the moment and a few after it.
    let start = now.saturating_sub(height.saturating_sub(height / 3));
    let lines: Vec<Line> = events
        .into_iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, (_, text))| {
            let style = if i < now {
                Style::new()
            } else {
                Style::new().fg(Color::DarkGray)
            };
            Line::styled(text, style)
        })
        .collect();

    // Both panes move sideways together, as far as the tables need (the events' longer
    // lines wrap whole with `W`): so the flows end on screen with their actions.
    let width = usize::from(inner.width);
    let shift = sideways::shift(app, sideways::longest(&table), width);
    let table = sideways::fit_each(table, width, shift, app.wrap);
    let lines = sideways::fit_each(lines, width, shift, app.wrap);
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(table.len().saturating_sub(1));
    frame.render_widget(
        Paragraph::new(table)
            .block(table_block)
            .scroll((u16::try_from(*cursor).unwrap_or(u16::MAX), 0)),
        table_area,
    );
    frame.render_widget(Paragraph::new(lines).block(events_block), events_area);
}
