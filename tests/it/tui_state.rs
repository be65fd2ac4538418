//! The viewer's state driven by key events on real samples: filter, selection, tree
//! expansion, tabs, panes, follow mode and quitting.

use crate::common::sample;
use crate::tui_support::{app_for, ctrl, draw, filter, key, keys};
use ofscope::analysis::findings::Kind;
use ofscope::cli::TimeFormat;
use ofscope::filter::{Context, Filter};
use ofscope::session::{Session, SessionEvent};
use ofscope::stream::StreamConfig;
use ofscope::tui::state::{Pane, Tab};
use ofscope::tui::{App, Feed};
use ofscope_dissectors::tree::Tree;
use ratatui::crossterm::event::KeyCode;

/// Message numbers matching `expression`, computed straight from the session.
fn matching(name: &str, expression: &str) -> Vec<u64> {
    let filter = Filter::parse(expression).unwrap();
    let mut tree = Tree::new();
    Session::open(sample(&format!("{name}.pcap")), StreamConfig::default())
        .unwrap()
        .filter_map(|e| match e.unwrap() {
            SessionEvent::Record(r) => {
                tree.fields.clear();
                r.message.build_tree(&mut tree);
                let context = Context {
                    frame: r.frame(),
                    ts_ns: r.ts_ns,
                    origin_ns: 0,
                    conn: r.conn,
                    dpid: r.dpid,
                    from_switch: r.from_switch(),
                    channel: None,
                };
                filter.matches(&context, &tree, &r.bytes).then_some(r.index)
            }
            SessionEvent::Stream(_) => None,
        })
        .collect()
}

fn shown(app: &App) -> Vec<u64> {
    (0..app.shown_len())
        .map(|pos| app.store.row(app.shown_row(pos).unwrap()).unwrap().index)
        .collect()
}

#[test]
fn the_filter_bar_checks_as_you_type_and_filters_on_enter() {
    let mut app = app_for("vlan");
    assert_eq!(app.shown_len(), 48);
    keys(&mut app, "/arp && vlan.id = 10");
    let error = app.bar.as_ref().unwrap().error.clone().expect("an error");
    assert_eq!(error.column, 16);
    // Enter on an invalid filter keeps the bar open and the list whole.
    key(&mut app, KeyCode::Enter);
    assert!(app.bar.is_some());
    assert_eq!(app.shown_len(), 48);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "== 10");
    assert!(app.bar.as_ref().unwrap().error.is_none());
    key(&mut app, KeyCode::Enter);
    app.settle();
    assert!(app.bar.is_none());
    let expected = matching("vlan", "arp && vlan.id == 10");
    assert!(!expected.is_empty() && expected.len() < 48);
    assert_eq!(shown(&app), expected);
    assert_eq!(app.filter_text(), Some("arp && vlan.id == 10"));

    // The bar opens empty, Up recalls the filter in force; an empty one shows everything.
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.bar.as_ref().unwrap().input, "");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.bar.as_ref().unwrap().input, "arp && vlan.id == 10");
    ctrl(&mut app, 'u');
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.shown_len(), 48);
    assert_eq!(app.filter_text(), None);
}

#[test]
fn the_filter_bar_names_an_unknown_field_and_suggests_one() {
    let mut app = app_for("vlan");
    keys(&mut app, "/arp && vlan.idd == 10");
    let error = app.bar.as_ref().unwrap().error.clone().expect("an error");
    assert_eq!(error.column, 8);
    assert_eq!(
        error.message,
        "unknown field 'vlan.idd'; did you mean vlan.id?"
    );
    let screen = draw(&mut app, 100, 20);
    assert!(
        screen.contains("^ unknown field 'vlan.idd'; did you mean vlan.id?"),
        "{screen}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.bar.is_some(), "an unknown field is not applied");
    assert_eq!(app.shown_len(), 48);
    // The fields of where a message came from are known too.
    ctrl(&mut app, 'u');
    keys(&mut app, "frame.number == 18 || of.dpid");
    assert!(app.bar.as_ref().unwrap().error.is_none());
    key(&mut app, KeyCode::Esc);
    // ... and the viewer gives them to the filter: the rows of one frame.
    let frame = app.store.row(5).unwrap().frame;
    filter(&mut app, &format!("frame.number == {frame}"));
    let rows: Vec<u64> = (0..app.shown_len())
        .map(|pos| app.store.row(app.shown_row(pos).unwrap()).unwrap().frame)
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|&f| f == frame),
        "{rows:?}"
    );
}

#[test]
fn escape_cancels_the_filter_bar_without_quitting() {
    let mut app = app_for("vlan");
    keys(&mut app, "/arp");
    key(&mut app, KeyCode::Esc);
    assert!(app.bar.is_none());
    assert!(!app.quit);
    assert_eq!(app.filter_text(), None);
}

#[test]
fn the_filter_selects_rows_and_the_tabs_keep_the_whole_session() {
    let mut app = app_for("vlan");
    let pairs = app.analysis().pairs().len();
    let unanswered = app
        .analysis()
        .findings()
        .total(Kind::named("unanswered_packet_in").unwrap());
    let findings = app.analysis().findings().list().len();
    let flows = |app: &App| -> usize {
        let end = app.analysis().last_ns();
        app.analysis()
            .switches()
            .values()
            .map(|s| s.table.at(end).len())
            .sum()
    };
    let all_flows = flows(&app);
    assert!(pairs > 0 && all_flows > 0);
    // Only PacketIns listed: their answers are hidden, not gone.
    filter(&mut app, "of.type == PACKET_IN");
    assert!(shown(&app).len() < app.store.len());
    assert_eq!(app.analysis().pairs().len(), pairs);
    assert_eq!(
        app.analysis()
            .findings()
            .total(Kind::named("unanswered_packet_in").unwrap()),
        unanswered
    );
    assert_eq!(app.analysis().findings().list().len(), findings);
    assert_eq!(flows(&app), all_flows);
    // The Flows tab is the session's tables as of the selected (listed) message.
    key(&mut app, KeyCode::Char('2'));
    let screen = draw(&mut app, 200, 50);
    let first_shown = app.store.row(app.selected_row().unwrap()).unwrap().frame;
    assert!(screen.contains(&format!("Flow tables at frame {first_shown} at")));
    key(&mut app, KeyCode::Char('3'));
    let screen = draw(&mut app, 200, 50);
    assert!(!screen.contains("unanswered"), "{screen}");
}

#[test]
fn times_count_from_the_first_frame_whatever_the_filter() {
    // Frame 14 of basic.pcap, as tshark shows it with -t r, -t a and -t d.
    let mut app = app_for("basic");
    filter(&mut app, "of.type == PACKET_IN");
    let screen = draw(&mut app, 200, 50);
    assert!(screen.contains("1.099622"), "{screen}");
    app.time = TimeFormat::Absolute;
    assert!(draw(&mut app, 200, 50).contains("01:41:10.593659"));
    // The second PacketIn, 0.000567 after the first one shown.
    app.time = TimeFormat::Delta;
    assert!(draw(&mut app, 200, 50).contains("0.000567"));
}

#[test]
fn selection_moves_by_rows_pages_and_ends() {
    let mut app = app_for("basic");
    draw(&mut app, 80, 24);
    let page = usize::from(app.panes.list.height) - 1;
    key(&mut app, KeyCode::Down);
    keys(&mut app, "jj");
    assert_eq!(app.selected, 3);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 2);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.selected, 2 + page);
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected, app.shown_len() - 1);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.selected, app.shown_len() - 1, "stops at the end");
    key(&mut app, KeyCode::Home);
    assert_eq!(app.selected, 0);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0, "stops at the top");
    // Rendering keeps the selection on screen.
    key(&mut app, KeyCode::End);
    draw(&mut app, 80, 24);
    let height = usize::from(app.panes.list.height);
    assert!(app.list_offset <= app.selected && app.selected < app.list_offset + height);
}

#[test]
fn enter_goes_to_the_tree_and_folds_groups() {
    let mut app = app_for("vlan");
    filter(&mut app, "arp && vlan.id == 10");
    // The tree opens on the field the filter names.
    let detail = app.detail().unwrap();
    assert_eq!(detail.tree.fields[detail.cursor].key(), "vlan.id");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Pane::Detail);
    key(&mut app, KeyCode::Home);
    keys(&mut app, "j"); // of.type, a leaf
    let all = app.detail().unwrap().visible().len();
    // Go to the first group (the PACKET_IN body) and fold it.
    let group = {
        let d = app.detail().unwrap();
        (0..d.tree.fields.len())
            .find(|&i| d.is_expandable(i))
            .unwrap()
    };
    while app.detail().unwrap().cursor != group {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    let folded = app.detail().unwrap().visible().len();
    assert!(folded < all);
    assert!(app.detail().unwrap().is_collapsed(group));
    key(&mut app, KeyCode::Right);
    assert_eq!(app.detail().unwrap().visible().len(), all);
    // `c` folds everything to the top level, `e` unfolds it.
    key(&mut app, KeyCode::Char('c'));
    let top = app.detail().unwrap().visible();
    assert!(top
        .iter()
        .all(|&i| app.detail().unwrap().tree.fields[i].depth == 0));
    key(&mut app, KeyCode::Char('e'));
    assert_eq!(app.detail().unwrap().visible().len(), all);
    // Left on a leaf folds its parent.
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Left);
    assert!(app.detail().unwrap().visible().len() < all);
}

#[test]
fn tabs_panes_help_and_quit() {
    let mut app = app_for("basic");
    for (i, tab) in Tab::all().enumerate() {
        key(&mut app, KeyCode::Char(char::from(b'1' + i as u8)));
        assert_eq!(app.tab, tab);
        draw(&mut app, 80, 24);
    }
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Detail);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Hex);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.focus, Pane::Detail);
    key(&mut app, KeyCode::Char('\\'));
    assert!(app.maximised);
    key(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    key(&mut app, KeyCode::Char('j'));
    assert!(!app.help && !app.quit, "any key closes the help");
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);

    let mut app = app_for("basic");
    ctrl(&mut app, 'c');
    assert!(app.quit);
    let mut app = app_for("basic");
    key(&mut app, KeyCode::Esc);
    assert!(app.quit);
}

#[test]
fn a_finding_jumps_to_its_message() {
    let mut app = app_for("pc-c");
    keys(&mut app, "6");
    let frame = app.analysis().findings().list()[0].frame.unwrap();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.tab, Tab::MESSAGES);
    let row = app.store.row(app.selected_row().unwrap()).unwrap();
    assert_eq!(row.frame, frame);
}

#[test]
fn follow_mode_sticks_to_the_newest_until_the_user_moves() {
    let events: Vec<SessionEvent> = Session::open(sample("vlan.pcap"), StreamConfig::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (first, rest) = events.split_at(20);
    let mut app = App::new("live", true);
    app.feed(Feed::Events(first.to_vec()));
    let after_first = app.shown_len();
    assert_eq!(app.selected, after_first - 1);
    key(&mut app, KeyCode::Up);
    assert!(!app.follow);
    app.feed(Feed::Events(rest.to_vec()));
    assert_eq!(
        app.selected,
        after_first - 2,
        "stays put once the user moved"
    );
    key(&mut app, KeyCode::Char('F'));
    assert!(app.follow);
    assert_eq!(app.selected, app.shown_len() - 1);
    // A live source reports its own state in the status bar.
    app.feed(Feed::Status("capturing, 3 dropped".into()));
    let screen = draw(&mut app, 200, 50);
    let status = screen.lines().last().unwrap();
    assert!(status.contains("reading…") && status.contains("capturing, 3 dropped"));
    assert!(status.contains("following"));
    // Scrolled away from the newest, the status bar says how to come back.
    key(&mut app, KeyCode::Up);
    let screen = draw(&mut app, 200, 50);
    let status = screen.lines().last().unwrap();
    assert!(status.contains("paused: F follows") && !status.contains("following"));
}

#[test]
fn mouse_wheel_scrolls_the_pane_under_it_and_clicks_select() {
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut app = app_for("vlan");
    draw(&mut app, 80, 24);
    let mouse = |kind, row| MouseEvent {
        kind,
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let list_row = app.panes.list.y;
    app.on_mouse(mouse(MouseEventKind::ScrollDown, list_row));
    assert_eq!(app.selected, 3);
    app.on_mouse(mouse(MouseEventKind::ScrollUp, list_row));
    assert_eq!(app.selected, 0);
    // A click on the fifth row selects the fifth message.
    app.on_mouse(mouse(MouseEventKind::Down(MouseButton::Left), list_row + 4));
    assert_eq!(app.selected, 4);
    assert_eq!(app.focus, Pane::List);
    // The wheel over the tree moves the tree's cursor, not the list.
    let detail_row = app.panes.detail.y;
    app.on_mouse(mouse(MouseEventKind::ScrollDown, detail_row));
    assert_eq!(app.focus, Pane::Detail);
    assert_eq!(app.selected, 4);
    assert_eq!(app.detail().unwrap().cursor, 3);
    // A click on the tree's second row puts the cursor there.
    draw(&mut app, 80, 24);
    app.on_mouse(mouse(
        MouseEventKind::Down(MouseButton::Left),
        detail_row + 1,
    ));
    let detail = app.detail().unwrap();
    assert_eq!(detail.cursor, detail.visible()[detail.offset + 1]);
}

#[test]
fn an_empty_capture_says_how_to_find_the_messages() {
    let mut app = App::new("empty.pcap", false);
    app.feed(Feed::Finished);
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("no OpenFlow messages found"), "{screen}");
    // Why, from the reader: tunnels.rs, `no_messages_says_what_was_seen`.
    // Keys on an empty list do nothing harmful.
    keys(&mut app, "jkGg\t");
    key(&mut app, KeyCode::Enter);
    draw(&mut app, 80, 24);
}

#[test]
fn the_background_indexer_feeds_every_message_and_the_progress() {
    let rx = ofscope::tui::index::index_file(
        std::path::Path::new(&sample("osken-vip.pcap")),
        StreamConfig::default(),
    )
    .unwrap();
    let mut app = App::new("osken-vip.pcap", false);
    for feed in rx {
        app.feed(feed);
    }
    assert!(app.progress.finished);
    // Times count from the first frame, a TCP SYN 0.000752 s before the first message.
    let first_message = app.store.row(0).unwrap().ts_ns;
    assert_eq!(app.origin_ns, Some(first_message - 752_000));
    let size = std::fs::metadata(sample("osken-vip.pcap")).unwrap().len();
    assert_eq!((app.progress.done, app.progress.total), (size, size));
    let expected = Session::open(sample("osken-vip.pcap"), StreamConfig::default())
        .unwrap()
        .filter(|e| matches!(e, Ok(SessionEvent::Record(_))))
        .count();
    assert_eq!(app.store.len(), expected);
    // The bytes kept are the messages' own: each decodes to its type again.
    for i in 0..app.store.len() {
        let row = app.store.row(i).unwrap();
        assert_eq!(app.store.message(i).type_name(), row.type_name);
        assert_eq!(row.index, i as u64 + 1);
    }
}

#[test]
fn findings_tab_lists_each_kind_once_most_severe_first_and_enter_goes_to_its_first() {
    let mut app = app_for("vip-flood");
    keys(&mut app, "6");
    let screen = draw(&mut app, 200, 50);
    let groups = app.analysis().findings().groups();
    assert!(groups.len() >= 2, "vip-flood has several kinds");
    // Each kind once, in the groups' order (errors, warnings, notes).
    let listed: Vec<&str> = screen
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.trim_matches(['"', ' ']).split_whitespace().collect();
            (words.len() >= 3 && ["error", "warning", "note"].contains(&words[0])).then(|| words[1])
        })
        .collect();
    let kinds: Vec<&str> = groups.iter().map(|g| g.kind.name()).collect();
    assert_eq!(listed, kinds, "{screen}");
    let severities: Vec<_> = groups.iter().map(|g| g.severity).collect();
    assert!(severities.is_sorted(), "{severities:?}");
    // Enter on the first kind's line shows its first occurrence's message.
    let first = groups[0].occurrences[0].frame.unwrap();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.tab, Tab::MESSAGES);
    assert_eq!(
        app.store.row(app.selected_row().unwrap()).unwrap().frame,
        first
    );
}
