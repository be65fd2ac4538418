//! The viewer's termshark/Wireshark habits (issue 18), each drawn at 80×24 and 200×50 and
//! compared with a reviewed snapshot, and each checked against the text output where it can
//! be: frame numbers in No., sideways scroll and wrap, search, go to frame, the time
//! reference and formats, the filter history, the export of the shown messages and the
//! column sort.

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyCode;

use crate::common::{ofscope, sample, stdout};
use crate::tui_support::{app_for, ctrl, draw, filter, key, keys};
use ofscope::session::{Session, SessionEvent};
use ofscope::stream::StreamConfig;
use ofscope::tui::{App, Feed};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Draws the app `setup` makes at both sizes, snapshots each screen, and hands each to
/// `check` with the app for the assertions that make the snapshot mean something.
fn at_both_sizes(name: &str, setup: impl Fn() -> App, check: impl Fn(&mut App, &str, u16)) {
    for (w, h) in SIZES {
        let mut app = setup();
        let screen = draw(&mut app, w, h);
        check(&mut app, &screen, w);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

/// The screen's lines, without the quotes TestBackend puts around them.
fn lines(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .map(|l| l.trim_start_matches('"').trim_end_matches('"'))
        .collect()
}

/// The lines of the pane titled `title`, up to the next pane's title rule.
fn pane<'a>(screen: &'a str, title: &str) -> Vec<&'a str> {
    let all = lines(screen);
    let start = all
        .iter()
        .position(|l| l.contains(title))
        .unwrap_or_else(|| panic!("no pane {title} in\n{screen}"));
    all[start + 1..]
        .iter()
        .take_while(|l| !l.contains(" ──"))
        .copied()
        .collect()
}

/// Whether `text` shows on `lines`, maybe wrapped onto several: whitespace aside, as a
/// wrap may fall on a space and continuation lines are indented.
fn shown_wrapped(lines: &[&str], text: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    squash(&lines.join("")).contains(&squash(text))
}

/// The frame numbers of `ofscope pcap --print ARGS SAMPLE`, in order.
fn printed_frames(args: &[&str], name: &str) -> Vec<u64> {
    let path = sample(&format!("{name}.pcap"));
    let mut all = vec!["pcap", "--print"];
    all.extend_from_slice(args);
    all.push(&path);
    stdout(&ofscope(&all))
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

/// The frame of the selected message.
fn selected_frame(app: &App) -> u64 {
    app.store.row(app.selected_row().unwrap()).unwrap().frame
}

/// The numbers in the list's No. column, top to bottom.
fn listed_numbers(screen: &str) -> Vec<u64> {
    lines(screen)
        .iter()
        .skip_while(|l| !l.starts_with("No."))
        .skip(1)
        .map_while(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn the_no_column_shows_frame_numbers_as_the_text_output() {
    let expected = printed_frames(&["-Y", "arp && vlan.id == 10"], "vlan");
    at_both_sizes(
        "no_column_frames",
        || {
            let mut app = app_for("vlan");
            filter(&mut app, "arp && vlan.id == 10");
            app
        },
        |_, screen, _| {
            let listed = listed_numbers(screen);
            assert!(listed.len() >= 5, "{screen}");
            assert_eq!(listed, expected[..listed.len()], "{screen}");
        },
    );
}

#[test]
fn flows_scrolled_sideways_end_with_their_actions() {
    at_both_sizes(
        "flows_sideways",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "G2");
            // Far past the end: the scroll stops where the longest flow ends on screen.
            keys(&mut app, &"l".repeat(30));
            app
        },
        |app, screen, _| {
            let table = pane(screen, "Flow tables at frame");
            let ends = table
                .iter()
                .filter(|l| {
                    let last = l.trim_end().rsplit(' ').next().unwrap_or("");
                    last.starts_with("actions=output:")
                })
                .count();
            assert_eq!(
                ends, 9,
                "every one of the 9 flows ends on screen:\n{screen}"
            );
            // One step back shows the longest line's end no more.
            let before = app.sideways;
            key(app, KeyCode::Char('h'));
            assert_eq!(app.sideways, before.saturating_sub(20));
        },
    );
}

#[test]
fn flows_wrapped_show_each_flow_whole() {
    at_both_sizes(
        "flows_wrapped",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "G2W");
            app
        },
        |_, screen, _| {
            // Whole flows, as --flows prints them (the 80-column tab leaves out the counters).
            let table = pane(screen, "Flow tables at frame");
            let text = stdout(&ofscope(&["pcap", "--flows", &sample("vlan.pcap")]));
            let rules: Vec<&str> = text
                .lines()
                .filter_map(|l| Some(&l[l.find("priority=")?..]))
                .collect();
            assert_eq!(rules.len(), 9);
            let whole = rules
                .iter()
                .filter(|rule| shown_wrapped(&table, rule))
                .count();
            assert!(whole >= 3, "{whole} whole flows:\n{screen}");
            assert!(rules.iter().all(|r| r.contains(" actions=")));
        },
    );
}

/// The longest Info listed ends on screen (wrapped or scrolled to), as the text output
/// prints it.
fn longest_info_end_shown(screen: &str) {
    let printed = stdout(&ofscope(&["pcap", "--print", &sample("vlan.pcap")]));
    let listed = listed_numbers(screen);
    let longest = printed
        .lines()
        .filter(|l| listed.contains(&l.split_whitespace().next().unwrap().parse().unwrap()))
        .max_by_key(|l| l.len())
        .unwrap();
    let end: String = longest[longest.len() - 14..].to_string();
    assert!(
        shown_wrapped(&lines(screen), &end),
        "'{end}' not shown:\n{screen}"
    );
}

#[test]
fn the_info_column_scrolls_sideways() {
    at_both_sizes(
        "info_sideways",
        || {
            let mut app = app_for("vlan");
            filter(&mut app, "of.type == PACKET_OUT");
            keys(&mut app, &"l".repeat(20));
            app
        },
        |_, screen, _| {
            longest_info_end_shown(screen);
            // The start of the Info column is out of sight.
            assert!(!screen.contains(" in_port="), "{screen}");
        },
    );
}

#[test]
fn the_info_column_wraps() {
    at_both_sizes(
        "info_wrapped",
        || {
            let mut app = app_for("vlan");
            filter(&mut app, "of.type == PACKET_OUT");
            keys(&mut app, "jW");
            app
        },
        |app, screen, width| {
            longest_info_end_shown(screen);
            if width < 100 {
                // The selected row takes several lines, and a click on any selects it.
                let lines_of_first = app
                    .list_lines
                    .iter()
                    .filter(|&&pos| pos == app.selected)
                    .count();
                assert!(lines_of_first > 1, "{:?}", app.list_lines);
            }
        },
    );
}

#[test]
fn switches_and_findings_wrap() {
    at_both_sizes(
        "switches_wrapped",
        || {
            let mut app = app_for("basic");
            keys(&mut app, "4W");
            app
        },
        |app, screen, _| {
            // The tab's longest line ends on screen.
            let analysis = app.analysis();
            let (key, switch) = analysis.switches().iter().next().unwrap();
            let mut text = String::new();
            switch
                .info
                .write_text(&analysis.connections(*key), &mut text);
            let longest = text
                .lines()
                .map(str::trim_end)
                .max_by_key(|l| l.len())
                .unwrap();
            let end = &longest[longest.len() - 30..];
            assert!(
                shown_wrapped(&lines(screen), end),
                "'{end}' of '{longest}' not shown:\n{screen}"
            );
        },
    );
    // The occurrence's text ends on screen as --findings prints it.
    let text = stdout(&ofscope(&["pcap", "--findings", &sample("pc-c.pcap")]));
    let occurrence = text
        .lines()
        .find(|l| l.contains("frame "))
        .unwrap()
        .trim_end();
    let end = occurrence[occurrence.len() - 10..].to_string();
    at_both_sizes(
        "findings_wrapped",
        || {
            let mut app = app_for("pc-c");
            keys(&mut app, "6W");
            app
        },
        |_, screen, _| {
            assert!(
                shown_wrapped(&lines(screen), &end),
                "'{end}' not shown:\n{screen}"
            )
        },
    );
}

#[test]
fn search_finds_in_the_info_column_and_n_goes_on() {
    let expected: Vec<u64> = stdout(&ofscope(&["pcap", "--print", &sample("vlan.pcap")]))
        .lines()
        .filter(|l| l.to_lowercase().contains("actions=flood"))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(expected.len() >= 3);
    at_both_sizes(
        "search_next",
        || {
            let mut app = app_for("vlan");
            ctrl(&mut app, 'f');
            keys(&mut app, "Actions=FLOOD");
            key(&mut app, KeyCode::Enter);
            assert_eq!(selected_frame(&app), expected[0]);
            keys(&mut app, "n");
            app
        },
        |app, screen, _| {
            assert_eq!(selected_frame(app), expected[1]);
            // The highlighted row is the match: the list shows its frame, and the title
            // counts it as the selected one.
            let position = app.selected + 1;
            assert!(
                screen.contains(&format!("Messages {position}/")),
                "{screen}"
            );
            assert!(listed_numbers(screen).contains(&expected[1]), "{screen}");
            key(app, KeyCode::Char('N'));
            assert_eq!(selected_frame(app), expected[0]);
            key(app, KeyCode::Char('N'));
            assert_eq!(
                selected_frame(app),
                *expected.last().unwrap(),
                "round the top"
            );
            assert!(app.notice.as_deref().unwrap().contains("from the bottom"));
        },
    );
}

#[test]
fn search_finds_in_the_tree_and_opens_it_there() {
    let first_vlan_20 = printed_frames(&["-Y", "vlan.id == 20", "-c", "1"], "vlan")[0];
    let mut app = app_for("vlan");
    ctrl(&mut app, 'f');
    keys(&mut app, "vlan id: 20");
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_frame(&app), first_vlan_20);
    let detail = app.detail().unwrap();
    assert_eq!(detail.tree.fields[detail.cursor].key(), "vlan.id");
}

#[test]
fn search_says_not_found() {
    at_both_sizes(
        "search_not_found",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "jj");
            ctrl(&mut app, 'f');
            keys(&mut app, "no such text");
            key(&mut app, KeyCode::Enter);
            app
        },
        |app, screen, _| {
            assert!(screen.contains("not found: 'no such text'"), "{screen}");
            assert_eq!(app.selected, 2, "the selection stays");
        },
    );
    let mut app = app_for("vlan");
    keys(&mut app, "n");
    assert!(app.notice.as_deref().unwrap().contains("Ctrl-F"));
}

#[test]
fn go_to_a_frame_without_a_message_shows_the_next_and_says_so() {
    let frames = printed_frames(&[], "vlan");
    // A frame that carries no message (a TCP ACK), and the message after it.
    let gap = (frames[0]..).find(|f| !frames.contains(f)).unwrap();
    let next = *frames.iter().find(|&&f| f > gap).unwrap();
    at_both_sizes(
        "go_to_frame",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, &format!("g{gap}"));
            key(&mut app, KeyCode::Enter);
            app
        },
        |app, screen, _| {
            assert_eq!(selected_frame(app), next);
            assert!(
                screen.contains(&format!(
                    "frame {gap} has no OpenFlow message; showing frame {next}"
                )),
                "{screen}"
            );
        },
    );
    let mut app = app_for("vlan");
    keys(&mut app, &format!(":{next}"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_frame(&app), next);
    assert_eq!(app.notice, None, "an exact frame needs no word");
}

#[test]
fn go_to_frame_refuses_bad_input_in_one_line() {
    at_both_sizes(
        "go_to_frame_bad",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "gten");
            key(&mut app, KeyCode::Enter);
            app
        },
        |app, screen, _| {
            assert!(screen.contains("not a frame number: 'ten'"), "{screen}");
            assert_eq!(app.selected, 0);
        },
    );
    let mut app = app_for("vlan");
    keys(&mut app, "g99999");
    key(&mut app, KeyCode::Enter);
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.starts_with("no message in frame 99999 or after it; the last message is in frame"),
        "{notice}"
    );
}

/// `-t e` times of the text output, in µs, by frame.
fn epoch_micros(name: &str) -> Vec<(u64, u64)> {
    stdout(&ofscope(&[
        "pcap",
        "--print",
        "-t",
        "e",
        &sample(&format!("{name}.pcap")),
    ]))
    .lines()
    .map(|l| {
        let mut words = l.split_whitespace();
        let frame = words.next().unwrap().parse().unwrap();
        let (s, us) = words.next().unwrap().split_once('.').unwrap();
        (
            frame,
            s.parse::<u64>().unwrap() * 1_000_000 + us.parse::<u64>().unwrap(),
        )
    })
    .collect()
}

#[test]
fn times_count_from_the_reference_message() {
    let times = epoch_micros("vlan");
    at_both_sizes(
        "time_reference",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "jjjjjt");
            app
        },
        |app, screen, _| {
            let all = lines(screen);
            let reference = all
                .iter()
                .find(|l| l.contains("*REF*"))
                .expect("the *REF* row");
            let frame: u64 = reference
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(frame, times[5].0);
            // The row below counts from it, as the difference of the text output's times.
            let below = times[6].1 - times[5].1;
            let text = format!("{}.{:06}", below / 1_000_000, below % 1_000_000);
            let row = all
                .iter()
                .find(|l| l.trim_start().starts_with(&format!("{} ", times[6].0)))
                .unwrap();
            assert!(row.contains(&format!(" {text} ")), "{text} not in {row}");
            // Above it, times are negative.
            let above = all
                .iter()
                .find(|l| l.trim_start().starts_with(&format!("{} ", times[4].0)))
                .unwrap();
            assert!(above.contains(" -0."), "{above}");
            key(app, KeyCode::Char('t'));
            assert_eq!(app.time_reference, None, "t on it again undoes");
        },
    );
}

#[test]
fn the_time_format_cycles_through_the_cli_formats() {
    // -t's formats in --help's order: a, ad, r, d, e; the viewer starts at r.
    for (presses, format) in [("T", "d"), ("TT", "e"), ("TTT", "a"), ("TTTT", "ad")] {
        let path = sample("basic.pcap");
        let text = stdout(&ofscope(&[
            "pcap", "--print", "-t", format, "-c", "3", &path,
        ]));
        let mut app = app_for("basic");
        keys(&mut app, presses);
        let screen = draw(&mut app, 200, 50);
        for line in text.lines() {
            let frame = line.split_whitespace().next().unwrap();
            let time = match format {
                "ad" => line
                    .split_whitespace()
                    .skip(1)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => line.split_whitespace().nth(1).unwrap().to_string(),
            };
            let row = lines(&screen)
                .into_iter()
                .find(|l| l.trim_start().starts_with(&format!("{frame} ")))
                .unwrap_or_else(|| panic!("frame {frame} not listed:\n{screen}"));
            assert!(row.contains(&time), "-t {format}: {time} not in {row}");
        }
        assert!(app
            .notice
            .as_deref()
            .unwrap()
            .starts_with(&format!("times as -t {format}:")));
    }
    at_both_sizes(
        "time_format",
        || {
            let mut app = app_for("basic");
            keys(&mut app, "TTT");
            app
        },
        |_, screen, _| assert!(screen.contains("times as -t a"), "{screen}"),
    );
}

#[test]
fn the_filter_bar_opens_fresh_and_up_recalls_earlier_filters() {
    at_both_sizes(
        "filter_history",
        || {
            let mut app = app_for("vlan");
            filter(&mut app, "arp");
            filter(&mut app, "vlan.id == 20");
            key(&mut app, KeyCode::Char('/'));
            assert_eq!(app.bar.as_ref().unwrap().input, "", "a fresh bar");
            key(&mut app, KeyCode::Up);
            assert_eq!(app.bar.as_ref().unwrap().input, "vlan.id == 20");
            key(&mut app, KeyCode::Up);
            app
        },
        |app, screen, _| {
            assert!(screen.contains("Filter: arp "), "{screen}");
            key(app, KeyCode::Down);
            key(app, KeyCode::Down);
            assert_eq!(app.bar.as_ref().unwrap().input, "");
        },
    );
}

/// Snapshots the screen after `w` wrote to `dir` (which it says), the temporary folder out
/// of the snapshot.
fn snapshot_written(name: &str, app: &mut App, dir: &std::path::Path) {
    let shown = app.shown_len();
    for (w, h) in SIZES {
        let screen = draw(app, w, h);
        let shown_dir = dir.to_string_lossy();
        assert!(
            screen.contains(&format!("wrote {shown} messages to {shown_dir}")),
            "{screen}"
        );
        // The folder's name varies: out of the line, and the padding after it.
        let screen: Vec<String> = lines(&screen)
            .into_iter()
            .map(|l| match l.contains(&*shown_dir) {
                true => l.replace(&*shown_dir, "DIR").trim_end().to_string(),
                false => l.to_string(),
            })
            .collect();
        let screen = screen.join("\n");
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn w_writes_the_shown_messages_as_the_command_line_does() {
    let dir = std::env::temp_dir().join(format!("ofscope-tui-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expression = "arp && vlan.id == 10";
    let path = sample("vlan.pcap");
    let write = |name: &str| {
        let mut app = app_for("vlan");
        filter(&mut app, expression);
        let out = dir.join(name);
        key(&mut app, KeyCode::Char('w'));
        keys(&mut app, &out.to_string_lossy());
        key(&mut app, KeyCode::Enter);
        (app, out)
    };

    let (mut app, jsonl) = write("shown.jsonl");
    let shown = app.shown_len();
    let notice = app.notice.clone().unwrap();
    assert_eq!(
        notice,
        format!("wrote {shown} messages to {}", jsonl.display())
    );
    let cli = ofscope(&["pcap", "-T", "jsonl", "-Y", expression, &path]);
    assert_eq!(std::fs::read(&jsonl).unwrap(), cli.stdout);

    let (_, pcap) = write("shown.pcap");
    let cli_pcap = dir.join("cli.pcap");
    let cli = ofscope(&[
        "pcap",
        "-q",
        "-Y",
        expression,
        "-w",
        &cli_pcap.to_string_lossy(),
        &path,
    ]);
    assert!(cli.status.success());
    assert_eq!(
        std::fs::read(&pcap).unwrap(),
        std::fs::read(&cli_pcap).unwrap()
    );

    snapshot_written("export", &mut app, &dir);

    // An extension it does not know, and the capture itself, are refused in one line.
    let mut app = app_for("vlan");
    keys(&mut app, "wout.txt");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.notice.as_deref(),
        Some("cannot write 'out.txt': give a file name ending in .pcap or .jsonl")
    );
    let mut app = app_for("vlan");
    key(&mut app, KeyCode::Char('w'));
    keys(&mut app, &path);
    key(&mut app, KeyCode::Enter);
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("it is also an input"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A message as `--print -t e` lists it: the columns the message list sorts by.
struct Printed {
    frame: u64,
    epoch_us: u64,
    switch: String,
    from_switch: bool,
    kind: String,
    xid: u32,
}

fn printed(args: &[&str], name: &str) -> Vec<Printed> {
    let path = sample(&format!("{name}.pcap"));
    let mut all = vec!["pcap", "--print", "-t", "e"];
    all.extend_from_slice(args);
    all.push(&path);
    stdout(&ofscope(&all))
        .lines()
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let (s, us) = words[1].split_once('.').unwrap();
            let xid = words[5].strip_prefix("xid=0x").unwrap();
            Printed {
                frame: words[0].parse().unwrap(),
                epoch_us: s.parse::<u64>().unwrap() * 1_000_000 + us.parse::<u64>().unwrap(),
                switch: words[2].to_string(),
                from_switch: words[3] == "->",
                kind: words[4].to_string(),
                xid: u32::from_str_radix(xid, 16).unwrap(),
            }
        })
        .collect()
}

/// The frames of the shown list, top to bottom.
fn shown_frames(app: &App) -> Vec<u64> {
    (0..app.shown_len())
        .map(|pos| app.store.row(app.shown_row(pos).unwrap()).unwrap().frame)
        .collect()
}

/// The text output's messages sorted by `key` (ties in capture order), reversed or not.
fn sorted_frames<K: Ord>(
    messages: &[Printed],
    key: impl Fn(&Printed) -> K,
    descending: bool,
) -> Vec<u64> {
    let mut sorted: Vec<&Printed> = messages.iter().collect();
    // A stable sort: ties stay in the text output's (capture) order.
    if descending {
        sorted.sort_by_key(|m| std::cmp::Reverse(key(m)));
    } else {
        sorted.sort_by_key(|m| key(m));
    }
    sorted.iter().map(|m| m.frame).collect()
}

#[test]
fn s_sorts_by_each_column_as_the_text_output_and_keeps_the_selection() {
    let messages = printed(&[], "two-switch");
    // Switches by datapath id, then those not known by one yet by address; c→s before s→c.
    let by_switch = |m: &Printed| (m.switch.contains('.'), m.switch.clone());
    let expected: [(&str, Vec<u64>); 5] = [
        ("Time▲", sorted_frames(&messages, |m| m.epoch_us, false)),
        ("Switch▲", sorted_frames(&messages, by_switch, false)),
        ("Dir▲", sorted_frames(&messages, |m| m.from_switch, false)),
        ("Type▲", sorted_frames(&messages, |m| m.kind.clone(), false)),
        ("Xid▲", sorted_frames(&messages, |m| m.xid, false)),
    ];
    let mut app = app_for("two-switch");
    keys(&mut app, &"j".repeat(9));
    let selected = selected_frame(&app);
    for (title, frames) in &expected {
        keys(&mut app, "s");
        let screen = draw(&mut app, 200, 50);
        assert!(screen.contains(title), "{title} not in\n{screen}");
        assert_eq!(shown_frames(&app), *frames, "{title}");
        assert_eq!(
            selected_frame(&app),
            selected,
            "{title}: the selection stays"
        );
    }
    keys(&mut app, "S");
    assert_eq!(
        shown_frames(&app),
        sorted_frames(&messages, |m| m.xid, true),
        "Xid▼: ties stay in capture order"
    );
    keys(&mut app, "s");
    assert_eq!(shown_frames(&app), printed_frames(&[], "two-switch"));
    assert_eq!(app.notice.as_deref(), Some("in capture order (No. ▲)"));
    keys(&mut app, "S");
    let mut reversed = printed_frames(&[], "two-switch");
    reversed.reverse();
    assert_eq!(shown_frames(&app), reversed, "No.▼");
    // -t d counts from the message before in capture order, as the text output, whatever
    // the sort.
    keys(&mut app, "T");
    let screen = draw(&mut app, 200, 50);
    let text = stdout(&ofscope(&[
        "pcap",
        "--print",
        "-t",
        "d",
        &sample("two-switch.pcap"),
    ]));
    let mut checked = 0;
    for row in lines(&screen)
        .into_iter()
        .skip_while(|l| !l.starts_with("No.▼"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
    {
        let mut words = row.split_whitespace();
        let (frame, delta) = (words.next().unwrap(), words.next().unwrap());
        let printed = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(frame))
            .unwrap();
        assert_eq!(printed.split_whitespace().nth(1), Some(delta), "{row}");
        checked += 1;
    }
    assert!(checked >= 5, "{screen}");

    at_both_sizes(
        "sort_by_type",
        || {
            let mut app = app_for("two-switch");
            keys(&mut app, &"j".repeat(9));
            keys(&mut app, "ssssS");
            app
        },
        |app, screen, _| {
            assert!(screen.contains("Type▼"), "{screen}");
            assert_eq!(selected_frame(app), selected);
            // The rows on screen, as the list holds them.
            let listed = listed_numbers(screen);
            let frames = shown_frames(app);
            let at = frames.iter().position(|f| *f == listed[0]).unwrap();
            assert_eq!(listed, frames[at..at + listed.len()], "{screen}");
            assert!(
                screen.contains("sorted by Type ▼; s: next column, S: the other way"),
                "{screen}"
            );
        },
    );
}

#[test]
fn a_sorted_list_keeps_the_filter_and_search_and_go_to_follow_its_order() {
    let expression = "of.type == PACKET_OUT";
    let mut descending = printed_frames(&["-Y", expression], "vlan");
    descending.reverse();
    // The PACKET_OUTs that flood, in the shown (descending) order.
    let text = stdout(&ofscope(&[
        "pcap",
        "--print",
        "-Y",
        expression,
        &sample("vlan.pcap"),
    ]));
    let floods: Vec<u64> = text
        .lines()
        .rev()
        .filter(|l| l.to_lowercase().contains("actions=flood"))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(floods.len() >= 3);
    let setup = || {
        let mut app = app_for("vlan");
        filter(&mut app, expression);
        keys(&mut app, "S");
        assert_eq!(shown_frames(&app), descending);
        // From the top, the search goes down the shown list.
        key(&mut app, KeyCode::Home);
        ctrl(&mut app, 'f');
        keys(&mut app, "actions=FLOOD");
        key(&mut app, KeyCode::Enter);
        app
    };
    at_both_sizes("sort_search", setup, |app, screen, _| {
        let first = floods.iter().find(|f| **f != descending[0]).unwrap();
        assert_eq!(selected_frame(app), *first, "{screen}");
        assert!(screen.contains("No.▼"), "{screen}");
        keys(app, "n");
        let next = floods.iter().skip_while(|f| *f != first).nth(1).unwrap();
        assert_eq!(selected_frame(app), *next);
        keys(app, "N");
        assert_eq!(selected_frame(app), *first);
    });

    // Go to frame: in the sorted list; a frame the filter hides clears the filter, not the
    // sort.
    let hidden = printed_frames(&["-Y", "!(of.type == PACKET_OUT)"], "vlan")[5];
    at_both_sizes(
        "sort_go_to_frame",
        || {
            let mut app = setup();
            keys(&mut app, &format!("g{}", descending[3]));
            key(&mut app, KeyCode::Enter);
            assert_eq!(selected_frame(&app), descending[3]);
            assert_eq!(app.selected, 3);
            keys(&mut app, &format!("g{hidden}"));
            key(&mut app, KeyCode::Enter);
            app
        },
        |app, screen, _| {
            assert_eq!(selected_frame(app), hidden);
            assert!(
                screen.contains("the filter hid it and is cleared"),
                "{screen}"
            );
            let mut all = printed_frames(&[], "vlan");
            all.reverse();
            assert_eq!(shown_frames(app), all, "the sort stays");
            assert!(screen.contains("No.▼"), "{screen}");
        },
    );
}

#[test]
fn w_writes_a_sorted_list_in_capture_order() {
    let dir = std::env::temp_dir().join(format!("ofscope-tui-sorted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expression = "of.type == PACKET_OUT || of.type == PACKET_IN";
    let path = sample("vlan.pcap");
    let mut app = app_for("vlan");
    filter(&mut app, expression);
    // Xid the other way: far from capture order.
    keys(&mut app, "sssssS");
    assert!(app.sort.is_some());
    assert_ne!(
        shown_frames(&app),
        printed_frames(&["-Y", expression], "vlan")
    );
    let out = dir.join("sorted.jsonl");
    key(&mut app, KeyCode::Char('w'));
    keys(&mut app, &out.to_string_lossy());
    key(&mut app, KeyCode::Enter);
    let cli = ofscope(&["pcap", "-T", "jsonl", "-Y", expression, &path]);
    assert_eq!(std::fs::read(&out).unwrap(), cli.stdout);
    snapshot_written("export_sorted", &mut app, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sorting_a_live_capture_stops_following_and_sorts_new_messages_in() {
    let path = sample("vlan.pcap");
    let events: Vec<SessionEvent> = Session::open(&path, StreamConfig::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (first, rest) = events.split_at(30);
    let by_type = sorted_frames(&printed(&[], "vlan"), |m| m.kind.clone(), false);
    let setup = || {
        let mut app = App::new("live", true);
        app.feed(Feed::Status("capturing".into()));
        app.feed(Feed::Events(first.to_vec()));
        let newest = selected_frame(&app);
        keys(&mut app, "s");
        assert!(!app.follow, "a sorted list does not follow");
        assert!(app.notice.as_deref().unwrap().contains("F follows"));
        keys(&mut app, "sss");
        app.feed(Feed::Events(rest.to_vec()));
        app.settle();
        assert_eq!(selected_frame(&app), newest, "the selection stays");
        app
    };
    at_both_sizes("sort_live", setup, |app, screen, _| {
        assert_eq!(shown_frames(app), by_type, "new messages sorted in");
        assert!(screen.contains("Type▲"), "{screen}");
        assert!(screen.contains("paused: F follows"), "{screen}");
        key(app, KeyCode::Char('F'));
        assert!(app.follow && app.sort.is_none());
        assert_eq!(shown_frames(app), printed_frames(&[], "vlan"));
        assert_eq!(app.selected, app.shown_len() - 1);
        assert_eq!(
            app.notice.as_deref(),
            Some("following the newest message, in capture order")
        );
    });
}

/// The lines of `--stats`'s Conversations table of a sample, each split in its words.
fn stats_conversations(name: &str) -> Vec<Vec<String>> {
    let text = stdout(&ofscope(&[
        "pcap",
        "--stats",
        &sample(&format!("{name}.pcap")),
    ]));
    text.lines()
        .skip_while(|l| !l.starts_with("Conversations ("))
        .skip(2)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// Each conversation's addresses as `--stats` lists them, in address order, as the tab
/// joins them.
fn conversation_addresses(name: &str) -> Vec<String> {
    stats_conversations(name)
        .iter()
        .map(|words| {
            let mut ips: Vec<std::net::IpAddr> =
                words.iter().filter_map(|w| w.parse().ok()).collect();
            ips.sort();
            let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
            ips.join(",")
        })
        .collect()
}

#[test]
fn conversations_scroll_sideways_and_wrap_to_their_addresses() {
    let addresses = conversation_addresses("vlan");
    assert_eq!(addresses.len(), 4);
    let longest = addresses.iter().max_by_key(|a| a.len()).unwrap();
    at_both_sizes(
        "conversations_sideways",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "5");
            keys(&mut app, &"l".repeat(10));
            app
        },
        |_, screen, width| {
            assert!(
                lines(screen)
                    .iter()
                    .any(|l| l.trim_end().ends_with(longest.as_str())),
                "{longest} does not end a line:\n{screen}"
            );
            if width < 100 {
                // The rows moved: the hosts went out of sight.
                assert!(!screen.contains("Host A"), "{screen}");
            }
        },
    );
    at_both_sizes(
        "conversations_wrapped",
        || {
            let mut app = app_for("vlan");
            keys(&mut app, "5W");
            app
        },
        |_, screen, _| {
            let all = lines(screen);
            for each in &addresses {
                assert!(shown_wrapped(&all, each), "{each} not whole:\n{screen}");
            }
            assert!(screen.contains("Host A"), "{screen}");
        },
    );
}

/// Each host pair's VLANs as `--stats` names them, by the pair's two MACs.
fn stats_vlans(name: &str) -> BTreeMap<(String, String), String> {
    stats_conversations(name)
        .into_iter()
        .map(|words| ((words[0].clone(), words[1].clone()), words[5].clone()))
        .collect()
}

#[test]
fn conversations_name_their_vlans_as_stats_does() {
    for name in ["vlan", "osken-vip"] {
        let expected = stats_vlans(name);
        assert!(
            expected.values().any(|v| v.contains(",untagged")),
            "{name}: no host pair seen both tagged and untagged: {expected:?}"
        );
        let mut app = app_for(name);
        keys(&mut app, "5");
        let screen = draw(&mut app, 200, 50);
        let shown: BTreeMap<(String, String), String> = pane(&screen, " Conversations (")
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            // The table's rows: those that begin with a MAC.
            .filter(|words| words.len() > 5 && words[0].split(':').count() == 6)
            .map(|words| ((words[0].into(), words[1].into()), words[5].into()))
            .collect();
        assert_eq!(shown, expected, "{name}:\n{screen}");
    }
}

#[test]
fn the_latency_axis_counts_from_the_time_reference() {
    // The 30th message's time since the first frame, as the text output gives it.
    let text = stdout(&ofscope(&["pcap", "--print", &sample("osken-vip.pcap")]));
    let line = text.lines().nth(29).unwrap();
    let mut words = line.split_whitespace();
    let frame = words.next().unwrap();
    let since_first: f64 = words.next().unwrap().parse().unwrap();
    at_both_sizes(
        "latency_reference",
        || {
            let mut app = app_for("osken-vip");
            keys(&mut app, &"j".repeat(29));
            keys(&mut app, "t3");
            app
        },
        |_, screen, _| {
            assert!(
                screen.contains(&format!("s from frame {frame}, *REF*")),
                "{screen}"
            );
            // The axis starts at the first frame: before the reference, negative.
            let start = format!("{:.1}s", -since_first);
            assert!(start.starts_with('-'));
            let labels = lines(screen)
                .into_iter()
                .find(|l| l.trim_start().starts_with(&start))
                .unwrap_or_else(|| panic!("no axis from {start}:\n{screen}"));
            assert!(labels.trim_end().ends_with('s'), "{labels}");
        },
    );
}
