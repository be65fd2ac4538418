//! Tabs whose analysis has not been merged yet say so instead of showing nothing.

use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::state::{App, Tab};

use super::pane_block;

pub fn draw(frame: &mut Frame, _app: &App, tab: Tab, area: Rect) {
    let block = pane_block(format!(" {} ", tab.title()), true);
    frame.render_widget(
        Paragraph::new("waiting for the analysis module").block(block),
        area,
    );
}
