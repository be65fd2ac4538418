//! The message list: No., Time, Switch, Dir, Type, Xid, Info, coloured by type. Only the
//! rows on screen are decoded.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use ofscope_dissectors::openflow::types::{self, Purpose, Sender};

use crate::session::format_dpid;
use crate::stream::Direction;
use crate::tui::state::{App, Pane};
use crate::tui::store;

use super::{cursor_style, pane_block, scroll_to, time_text, time_width};
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
    app.selected = app.selected.min(total.saturating_sub(1));
    app.list_offset = scroll_to(app.list_offset, app.selected, height);
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

    let rows = (app.list_offset..(app.list_offset + height).min(total)).filter_map(|pos| {
        let i = app.shown_row(pos)?;
        let row = app.store.row(i)?;
        let cells = cells(app, pos, i, row, wide);
        let style = if pos == app.selected {
            cursor_style(focused)
        } else {
            Style::new().fg(type_colour(row.type_name))
        };
        Some(Row::new(cells).style(style))
    });
    let switch_width = if wide { 23 } else { 6 };
    let widths = [
        Constraint::Length(7),
        Constraint::Length(time_width(app.time)),
        Constraint::Length(switch_width),
        Constraint::Length(3),
        Constraint::Length(if wide { 24 } else { 13 }),
        Constraint::Length(if wide { 10 } else { 6 }),
        Constraint::Fill(1),
    ];
    let header = Row::new(["No.", "Time", "Switch", "Dir", "Type", "Xid", "Info"])
        .style(Style::new().fg(Color::White).bg(Color::Blue));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

/// The cells of list position `pos`, store row `i`.
fn cells(app: &App, pos: usize, i: usize, row: &store::Row, wide: bool) -> [Cell<'static>; 7] {
    let reference = match app.time {
        // Since the message shown above (itself for the first).
        TimeFormat::Delta => pos
            .checked_sub(1)
            .and_then(|above| app.shown_row(above))
            .and_then(|above| app.store.row(above))
            .map_or(row.ts_ns, |above| above.ts_ns),
        _ => app.origin_ns(),
    };
    let time = time_text(app.time, row.ts_ns, reference);
    let switch = match (row.dpid, app.channels.get(&row.conn).map(|c| c.switch)) {
        (Some(dpid), _) if wide => format_dpid(dpid),
        // The end of the dpid is what tells switches apart.
        (Some(dpid), _) => format!("…{}", &format_dpid(dpid)[18..]),
        (None, Some(addr)) if wide => addr.to_string(),
        // The port tells apart connections from one host.
        (None, Some(addr)) => format!(":{}", addr.port()),
        (None, None) => "?".into(),
    };
    let dir = match row.direction {
        Direction::SwitchToController => "s→c",
        Direction::ControllerToSwitch => "c→s",
    };
    let summary = app.store.message(i).summary();
    // The summary starts with the type and xid, which have their own columns.
    let prefix = format!("{} xid=0x{:x}", row.type_name, row.xid);
    let info = summary
        .strip_prefix(&prefix)
        .unwrap_or(&summary)
        .trim_start()
        .to_string();
    [
        Cell::from(Line::from(row.index.to_string()).right_aligned()),
        Cell::from(Line::from(time).right_aligned()),
        Cell::from(switch),
        Cell::from(dir),
        Cell::from(row.type_name),
        Cell::from(format!("{:#x}", row.xid)),
        Cell::from(info),
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
