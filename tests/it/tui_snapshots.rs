//! Every tab drawn on real samples at 80×24 and 200×50, compared with reviewed snapshots
//! (tests/it/snapshots/). `cargo insta review` after an intended change.

use crate::tui_support::{app_for, draw, filter, key, keys};
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn snapshot_all_sizes(name: &str, mut setup: impl FnMut() -> ofscope::tui::App) {
    for (w, h) in SIZES {
        let mut app = setup();
        let screen = draw(&mut app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn messages_tab_with_a_packet_in_selected() {
    snapshot_all_sizes("messages", || {
        let mut app = app_for("vlan");
        filter(&mut app, "arp && vlan.id == 10");
        key(&mut app, KeyCode::Char('j'));
        app
    });
}

#[test]
fn messages_tab_unfiltered_from_the_start() {
    snapshot_all_sizes("messages_start", || app_for("basic"));
}

#[test]
fn flows_tab_at_a_late_message() {
    snapshot_all_sizes("flows", || {
        let mut app = app_for("vlan");
        keys(&mut app, "G2");
        app
    });
}

#[test]
fn latency_tab() {
    snapshot_all_sizes("latency", || {
        let mut app = app_for("osken-vip");
        keys(&mut app, "3");
        app
    });
}

/// An OpenFlow 1.3 switch has no pairs: the table's title says why.
#[test]
fn latency_tab_of_an_openflow_13_switch() {
    snapshot_all_sizes("latency_of13", || {
        let mut app = app_for("of13");
        keys(&mut app, "3");
        app
    });
}

#[test]
fn switches_tab() {
    snapshot_all_sizes("switches", || {
        let mut app = app_for("basic");
        keys(&mut app, "4");
        app
    });
}

#[test]
fn conversations_tab() {
    snapshot_all_sizes("conversations", || {
        let mut app = app_for("vlan");
        keys(&mut app, "5");
        app
    });
}

#[test]
fn findings_tab() {
    snapshot_all_sizes("findings", || {
        let mut app = app_for("pc-c");
        keys(&mut app, "6");
        app
    });
}

#[test]
fn filter_bar_with_an_error() {
    snapshot_all_sizes("filter_error", || {
        let mut app = app_for("vlan");
        keys(&mut app, "/arp && vlan.id = 10");
        app
    });
}

#[test]
fn help_lists_every_key() {
    snapshot_all_sizes("help", || {
        let mut app = app_for("vlan");
        keys(&mut app, "?");
        app
    });
    let mut app = app_for("vlan");
    keys(&mut app, "?");
    let screen = draw(&mut app, 200, 50);
    let docs = std::fs::read_to_string(format!("{}/docs/tui.md", crate::common::ROOT))
        .expect("docs/tui.md");
    for (keys, what) in ofscope::tui::keymap::help() {
        assert!(screen.contains(&format!(" {keys} ")), "help misses {keys}");
        assert!(screen.contains(what), "help misses {what}");
        assert!(
            docs.contains(&format!("| `{keys}` |")),
            "docs/tui.md does not list {keys}"
        );
    }
}

#[test]
fn maximised_detail_pane() {
    snapshot_all_sizes("maximised_detail", || {
        let mut app = app_for("vlan");
        filter(&mut app, "vlan.id == 20");
        keys(&mut app, "\t\\");
        app
    });
}
