//! The message list: No. (the frame), Time, Switch, Dir, Type, Xid, Info, coloured by
//! type; Info scrolls sideways or wraps; the header marks the sort column. Only the rows
//! on screen are decoded.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use ofscope_dissectors::openflow::types::{self, Purpose, Sender};

use crate::session::format_dpid;
use crate::tui::sort::{direction_text, Column};
use crate::tui::state::{App, Pane};
use crate::tui::store;

use super::{cursor_style, pane_block, scroll_to, sideways, time_text, time_width};
use crate::cli::TimeFormat;

/// Below this width the switch column shows only the end of the datapath id.
const WIDE: u16 = 120;

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let focused = app.focus == Pane::List;
    let total = app.shown_len();
    let title = format!(" Messages {}/{} ", position(app.selected, total), total);
    let block = pane_block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // One line goes to the header.
    let height = usize::from(inner.height.saturating_sub(1));
    app.panes.list = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    app.list_lines.clear();
    app.selected = app.selected.min(total.saturating_sub(1));
    if app.store.is_empty() && app.progress.finished {
        let hint = match &app.progress.no_messages {
            Some(why) => format!("no OpenFlow messages found; {why}"),
            None => "no OpenFlow messages found".to_owned(),
        };
        frame.render_widget(
            ratatui::widgets::Paragraph::new(hint).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let wide = area.width >= WIDE;
    let header = header(app);
    // A column is at least as wide as its title, the sort's arrow included.
    let mut fixed = [
        7,
        time_width(app.time),
        if wide { 23 } else { 6 },
        3,
        if wide { 24 } else { 13 },
        if wide { 10 } else { 6 },
    ];
    for (width, title) in fixed.iter_mut().zip(&header) {
        *width = (*width).max(title.chars().count() as u16);
    }
    let spacing = fixed.len() as u16;
    let info_width = usize::from(
        inner
            .width
            .saturating_sub(fixed.iter().sum::<u16>() + spacing),
    );

    // The rows that fit from the offset down, the selected one among them; a wrapped row
    // takes several lines.
    let lines_of = |info: &str| {
        if app.wrap {
            info.chars().count().div_ceil(info_width.max(1)).max(1)
        } else {
            1
        }
    };
    let offset = if app.wrap {
        let mut offset = app.list_offset.min(app.selected);
        let mut used: usize = (offset..=app.selected)
            .map(|pos| lines_of(&info_at(app, pos)))
            .sum();
        while used > height && offset < app.selected {
            used -= lines_of(&info_at(app, offset));
            offset += 1;
        }
        offset
    } else {
        // No blank lines below the last row while rows above are out of sight (a sort
        // keeps the selection on its line of the screen, which may be near the end).
        scroll_to(app.list_offset, app.selected, height).min(total.saturating_sub(height))
    };
    app.list_offset = offset;
    let mut shown = Vec::new();
    let mut used = 0;
    for pos in offset..total {
        let info = info_at(app, pos);
        used += lines_of(&info);
        if used > height && !shown.is_empty() {
            break;
        }
        shown.push((pos, info));
    }
    let longest = shown.iter().map(|(_, info)| info.chars().count()).max();
    let shift = sideways::shift(app, longest.unwrap_or(0), info_width);

    let mut rows = Vec::with_capacity(shown.len());
    for (pos, info) in shown {
        let Some(row) = app.shown_row(pos).and_then(|i| app.store.row(i)) else {
            continue;
        };
        let info = sideways::fit(Line::raw(info), info_width, shift, app.wrap);
        let lines = info.len();
        app.list_lines.extend(std::iter::repeat_n(pos, lines));
        let style = if pos == app.selected {
            cursor_style(focused)
        } else {
            Style::new().fg(type_colour(row.type_name))
        };
        let [no, time, switch, dir, kind, xid] = cells(app, pos, row, wide);
        let cells = [
            no,
            time,
            switch,
            dir,
            kind,
            xid,
            Cell::from(Text::from(info)),
        ];
        rows.push(Row::new(cells).height(lines as u16).style(style));
    }
    let widths = fixed
        .map(Constraint::Length)
        .into_iter()
        .chain([Constraint::Fill(1)]);
    let header = Row::new(header).style(Style::new().fg(Color::White).bg(Color::Blue));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

/// The columns' titles, the sort column's with its arrow (none in capture order).
fn header(app: &App) -> [String; 7] {
    let sorted = app.sort.as_ref().map(|sort| sort.key);
    let titles = Column::ALL.map(|column| match sorted {
        Some(key) if key.column == column => format!("{}{}", column.title(), key.arrow()),
        _ => column.title().to_string(),
    });
    let [no, time, switch, dir, kind, xid] = titles;
    [no, time, switch, dir, kind, xid, "Info".to_string()]
}

/// The Info column of list position `pos`: the summary after the type and xid, which have
/// their own columns.
fn info_at(app: &App, pos: usize) -> String {
    let Some((i, row)) = app
        .shown_row(pos)
        .and_then(|i| Some((i, app.store.row(i)?)))
    else {
        return String::new();
    };
    let summary = app.store.message(i).summary();
    let prefix = format!("{} xid=0x{:x}", row.type_name, row.xid);
    summary
        .strip_prefix(&prefix)
        .unwrap_or(&summary)
        .trim_start()
        .to_string()
}

/// The cells before Info of list position `pos`: its frame, as the text output, tshark and
/// the Findings tab number it, and its time (`*REF*` on the message times count from).
fn cells(app: &App, pos: usize, row: &store::Row, wide: bool) -> [Cell<'static>; 6] {
    let reference = match app.time {
        // Since the shown message before it in capture order, whatever the sort (itself
        // for the first).
        TimeFormat::Delta => app
            .shown_row(pos)
            .and_then(|at| app.shown_before(at))
            .and_then(|before| app.store.row(before))
            .map_or(row.ts_ns, |before| before.ts_ns),
        _ => app.reference_ns(),
    };
    let is_reference = app.time_reference.is_some() && app.time_reference == app.shown_row(pos);
    let time = if is_reference {
        "*REF*".to_string()
    } else {
        time_text(app.time, row.ts_ns, reference)
    };
    let switch = match (row.dpid, app.channels.get(&row.conn).map(|c| c.switch)) {
        (Some(dpid), _) if wide => format_dpid(dpid),
        // The end of the dpid is what tells switches apart.
        (Some(dpid), _) => format!("…{}", &format_dpid(dpid)[18..]),
        (None, Some(addr)) if wide => addr.to_string(),
        // The port tells apart connections from one host.
        (None, Some(addr)) => format!(":{}", addr.port()),
        (None, None) => "?".into(),
    };
    [
        Cell::from(Line::from(row.frame.to_string()).right_aligned()),
        Cell::from(Line::from(time).right_aligned()),
        Cell::from(switch),
        Cell::from(direction_text(row.direction)),
        Cell::from(row.type_name),
        Cell::from(format!("{:#x}", row.xid)),
    ]
}

/// 1-based position for the title; 0 when the list is empty.
fn position(selected: usize, total: usize) -> usize {
    if total == 0 {
        0
    } else {
        selected + 1
    }
}

/// Colours by what a message does (its purpose in the type table), told apart by its
/// sender: packets, flow changes, port news, errors, keepalives. Types are found by name,
/// so a later version's PACKET_IN has PACKET_IN's colour.
pub fn type_colour(type_name: &str) -> Color {
    let Some(row) = types::OF10.iter().find(|row| row.name == type_name) else {
        return Color::Reset;
    };
    match (row.purpose, row.sender) {
        (Purpose::Packet, Sender::Switch) => Color::Cyan,
        (Purpose::Packet, _) => Color::LightBlue,
        (Purpose::Flow, Sender::Switch) => Color::Yellow,
        (Purpose::Flow, _) => Color::Green,
        (Purpose::Port, _) => Color::Magenta,
        (Purpose::Error, _) => Color::Red,
        (Purpose::Keepalive, _) => Color::DarkGray,
        (Purpose::Other, _) => Color::Reset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_coloured_by_purpose_and_sender() {
        for (name, colour) in [
            ("PACKET_IN", Color::Cyan),
            ("PACKET_OUT", Color::LightBlue),
            ("FLOW_MOD", Color::Green),
            ("FLOW_REMOVED", Color::Yellow),
            ("PORT_STATUS", Color::Magenta),
            ("PORT_MOD", Color::Magenta),
            ("ERROR", Color::Red),
            ("ECHO_REQUEST", Color::DarkGray),
            ("BARRIER_REPLY", Color::DarkGray),
            ("FEATURES_REPLY", Color::Reset),
            ("MULTIPART_REPLY", Color::Reset),
        ] {
            assert_eq!(type_colour(name), colour, "{name}");
        }
    }
}
