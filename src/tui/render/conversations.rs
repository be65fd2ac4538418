//! Host pairs seen in PacketIns and PacketOuts: addresses, VLANs, protocols, counts and the
//! controller's mean answer time for them. Rows scroll sideways or wrap, so the addresses
//! show whole.

use std::net::IpAddr;

use ofscope_dissectors::openflow::wire::fmt_mac;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::TableState;
use ratatui::Frame;

use crate::analysis::conversations::vlan_names;
use crate::analysis::fmt_duration;
use crate::tui::state::App;

use super::{cursor_style, pane_block, sideways};

const TITLES: [&str; 8] = [
    "Host A",
    "Host B",
    "PktIn",
    "PktOut",
    "Latency",
    "VLAN",
    "Protocols",
    "Addresses",
];

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let analysis = app.analysis();
    let conversations = analysis.conversations().sorted();
    let rows: Vec<(Vec<String>, Style)> = conversations
        .iter()
        .map(|c| {
            let join = |items: Vec<String>| {
                if items.is_empty() {
                    "-".to_string()
                } else {
                    items.join(",")
                }
            };
            let cells = vec![
                fmt_mac(&c.a),
                fmt_mac(&c.b),
                c.packet_ins.to_string(),
                c.packet_outs.to_string(),
                c.mean_latency_ns().map_or("-".into(), fmt_duration),
                join(vlan_names(&c.vlans, c.untagged)),
                join(c.protocols.names().iter().map(|p| p.to_string()).collect()),
                join(sorted_addresses(&c.ips)),
            ];
            (cells, Style::new())
        })
        .collect();
    let total = rows.len();
    let block = pane_block(format!(" Conversations ({total} host pairs) "), true);
    let width = usize::from(block.inner(area).width);
    let table = sideways::table(app, &TITLES, rows, width)
        .row_highlight_style(cursor_style(true))
        .block(block);
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(total.saturating_sub(1));
    let mut state = TableState::new().with_selected((total > 0).then_some(*cursor));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Addresses in order, so a conversation reads the same every time.
fn sorted_addresses(ips: &[IpAddr]) -> Vec<String> {
    let mut ips = ips.to_vec();
    ips.sort();
    ips.iter().map(IpAddr::to_string).collect()
}
