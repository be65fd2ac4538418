//! The viewer's termshark/Wireshark habits (issue 18), each drawn at 80×24 and 200×50 and
//! compared with a reviewed snapshot, and each checked against the text output where it can
//! be: frame numbers in No., sideways scroll and wrap, search, go to frame, the time
//! reference and formats, the filter history and the export of the shown messages.

use ratatui::crossterm::event::KeyCode;

use crate::common::{ofscope, sample, stdout};
use crate::tui_support::{app_for, ctrl, draw, filter, key, keys};
use ofscope::tui::App;

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

    // The notice, with the temporary folder out of the snapshot.
    for (w, h) in SIZES {
        let screen = draw(&mut app, w, h);
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
        insta::assert_snapshot!(format!("export_{w}x{h}"), screen);
    }

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
