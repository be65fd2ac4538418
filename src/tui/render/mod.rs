//! Drawing: the tab bar, the current tab, the filter bar and the status line, plus the help
//! over everything. One file per pane; each draws only the rows that fit.

mod conversations;
mod detail;
mod findings;
mod flows;
mod help;
mod hex;
mod latency;
mod messages;
mod prompt;
mod sideways;
mod status;
mod switches;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Tabs};
use ratatui::Frame;

use super::state::{App, Pane, PaneRects};
use crate::cli::TimeFormat;
use crate::output::time::write_time;

/// One tab of the viewer.
pub struct TabSpec {
    pub title: &'static str,
    pub draw: fn(&mut Frame, &mut App, Rect),
    /// What Enter does on it (the keymap's help says so too); `None`: nothing.
    pub enter: Option<fn(&mut App)>,
}

/// The tabs, in the order their number keys select them. The Messages tab comes first
/// ([`Tab::MESSAGES`](super::state::Tab::MESSAGES)); the others show the analysis, each drawn by its file and scrolled
/// through [`App::tab_cursor`].
pub const TABS: &[TabSpec] = &[
    TabSpec {
        title: "Messages",
        draw: draw_messages_tab,
        enter: Some(App::enter_messages),
    },
    TabSpec {
        title: "Flows",
        draw: flows::draw,
        enter: None,
    },
    TabSpec {
        title: "Latency",
        draw: latency::draw,
        enter: None,
    },
    TabSpec {
        title: "Switches",
        draw: switches::draw,
        enter: None,
    },
    TabSpec {
        title: "Conversations",
        draw: conversations::draw,
        enter: None,
    },
    TabSpec {
        title: "Findings",
        draw: findings::draw,
        enter: Some(findings::enter),
    },
];

pub fn draw(frame: &mut Frame, app: &mut App) {
    let bar_height = prompt::height(app);
    let [tabs, body, bar, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(bar_height),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_tabs(frame, app, tabs);
    // Panes not drawn this time take no clicks.
    app.panes = PaneRects::default();
    (app.tab.spec().draw)(frame, app, body);
    prompt::draw(frame, app, bar);
    status::draw(frame, app, status);
    if app.help {
        help::draw(frame, frame.area());
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let titles = TABS
        .iter()
        .enumerate()
        .map(|(i, tab)| format!("{} {}", i + 1, tab.title));
    let tabs = Tabs::new(titles)
        .select(app.tab.index())
        .style(Style::new().fg(Color::Gray))
        .highlight_style(
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        )
        .divider("│");
    frame.render_widget(tabs, area);
}

/// List on top, tree in the middle, hex at the bottom; `\` gives the focused one it all.
fn draw_messages_tab(frame: &mut Frame, app: &mut App, area: Rect) {
    let [list, detail, hex] = if app.maximised {
        let empty = Rect::new(area.x, area.y, area.width, 0);
        match app.focus {
            Pane::List => [area, empty, empty],
            Pane::Detail => [empty, area, empty],
            Pane::Hex => [empty, empty, area],
        }
    } else {
        Layout::vertical([
            Constraint::Percentage(42),
            Constraint::Percentage(33),
            Constraint::Percentage(25),
        ])
        .areas(area)
    };
    if list.height > 0 {
        messages::draw(frame, app, list);
    }
    if detail.height > 0 {
        detail::draw(frame, app, detail);
    }
    if hex.height > 0 {
        hex::draw(frame, app, hex);
    }
}

/// A pane's frame: a top rule with its title, bright when the pane has the focus.
fn pane_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::new()
        .borders(Borders::TOP)
        .border_style(style)
        .title(Line::from(Span::styled(title, style)))
}

/// The style of the row under a cursor: loud in the focused pane, quiet elsewhere.
fn cursor_style(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Black).bg(Color::LightCyan)
    } else {
        Style::new().bg(Color::DarkGray)
    }
}

/// Keeps `selected` inside the window `[offset, offset + height)`.
fn scroll_to(offset: usize, selected: usize, height: usize) -> usize {
    if height == 0 || selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// A time outside the message list (a finding, a flow change), in the `-t` format; `d`
/// shows it relative, for it has no previous message shown.
fn time(app: &App, ts_ns: u64) -> String {
    let format = match app.time {
        TimeFormat::Delta => TimeFormat::Relative,
        other => other,
    };
    time_text(format, ts_ns, app.reference_ns())
}

/// The width of a time column in the `-t` format.
fn time_width(format: TimeFormat) -> u16 {
    match format {
        TimeFormat::Relative | TimeFormat::Delta => 11,
        TimeFormat::Absolute => 15,
        TimeFormat::Epoch => 17,
        TimeFormat::AbsoluteDate => 26,
    }
}

/// A time as text, without the padding of the text lines.
fn time_text(format: TimeFormat, ts_ns: u64, reference_ns: u64) -> String {
    let mut text = String::new();
    write_time(&mut text, format, ts_ns, reference_ns);
    text.trim_start().to_string()
}
