//! Every key of the viewer in one table, as trippy keeps its keymap: [`App::on_key`] looks
//! keys up here and the help overlay lists this table, so neither knows a key the other
//! does not. The prompts' editing keys are text input, not commands: they stay with the
//! prompt (`super::prompt`), and the table lists them on one line for the help.
//!
//! [`App::on_key`]: super::state::App::on_key

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::render::TABS;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    NextPane,
    PreviousPane,
    /// Shows the tab of the number pressed.
    ShowTab,
    /// What Enter does on the tab shown.
    Enter,
    /// In the tree: expands the field; in a list: scrolls it sideways.
    Right,
    /// In the tree: collapses the field; in a list: scrolls it back.
    Left,
    ExpandAll,
    CollapseAll,
    /// Long lines wrap, or are cut (and scroll sideways).
    Wrap,
    Maximise,
    Filter,
    Search,
    NextMatch,
    PreviousMatch,
    GoToFrame,
    /// Times count from the selected message, or again from the first frame.
    TimeReference,
    /// The next `-t` format.
    TimeFormat,
    /// Sorts the message list by the next column.
    Sort,
    /// Sorts the message list the other way.
    ReverseSort,
    /// Writes the shown messages to a file.
    Export,
    Follow,
    /// Wheel and click, which `App::on_mouse` handles; listed for the help.
    Mouse,
    /// The editing keys of an open prompt, which the prompt handles; listed for the help.
    PromptKeys,
    Help,
    /// Quits, except that it closes the help when the help is shown.
    Back,
    Quit,
    /// Quits from anywhere, the filter bar included.
    Interrupt,
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Whatever the modifiers, unless a [`Key::Ctrl`] binding takes the key with Ctrl.
    Code(KeyCode),
    Ctrl(char),
    /// The digits from 1 to the number of tabs.
    TabNumber,
    Mouse,
    /// The keys of an open prompt.
    Prompt,
}

const fn key(c: char, action: Action) -> (Key, Action) {
    (Key::Code(KeyCode::Char(c)), action)
}

const fn code(code: KeyCode, action: Action) -> (Key, Action) {
    (Key::Code(code), action)
}

/// One line of the help: its keys, in groups, and what they do.
pub struct Line {
    pub keys: &'static [&'static [(Key, Action)]],
    pub what: &'static str,
}

/// Every binding, in the order the help lists them.
pub const KEYMAP: &[Line] = &[
    Line {
        keys: &[
            &[
                code(KeyCode::Up, Action::Up),
                code(KeyCode::Down, Action::Down),
            ],
            &[key('j', Action::Down), key('k', Action::Up)],
        ],
        what: "move in the focused pane",
    },
    Line {
        keys: &[
            &[
                code(KeyCode::PageUp, Action::PageUp),
                code(KeyCode::PageDown, Action::PageDown),
            ],
            &[
                (Key::Ctrl('u'), Action::PageUp),
                (Key::Ctrl('d'), Action::PageDown),
            ],
        ],
        what: "move a page",
    },
    Line {
        keys: &[
            &[
                code(KeyCode::Home, Action::First),
                code(KeyCode::End, Action::Last),
            ],
            &[key('G', Action::Last)],
        ],
        what: "first / last",
    },
    Line {
        keys: &[&[
            code(KeyCode::Tab, Action::NextPane),
            code(KeyCode::BackTab, Action::PreviousPane),
        ]],
        what: "next / previous pane",
    },
    Line {
        keys: &[&[(Key::TabNumber, Action::ShowTab)]],
        what: "the tab of that number",
    },
    Line {
        keys: &[&[code(KeyCode::Enter, Action::Enter)]],
        what: "list: to the tree; tree: fold; finding: its message",
    },
    Line {
        keys: &[
            &[
                code(KeyCode::Right, Action::Right),
                code(KeyCode::Left, Action::Left),
            ],
            &[key('l', Action::Right), key('h', Action::Left)],
        ],
        what: "tree: expand / collapse; lists: scroll sideways",
    },
    Line {
        keys: &[&[key('e', Action::ExpandAll), key('c', Action::CollapseAll)]],
        what: "expand / collapse every field",
    },
    Line {
        keys: &[&[key('W', Action::Wrap)]],
        what: "wrap long lines in the lists / cut them again",
    },
    Line {
        keys: &[&[key('\\', Action::Maximise)]],
        what: "maximise the focused pane / restore",
    },
    Line {
        keys: &[&[key('/', Action::Filter)]],
        what: "filter (as -Y) in a fresh bar",
    },
    Line {
        keys: &[
            &[(Key::Ctrl('f'), Action::Search)],
            &[key('n', Action::NextMatch), key('N', Action::PreviousMatch)],
        ],
        what: "search Info and tree; next / previous match",
    },
    Line {
        keys: &[&[key('g', Action::GoToFrame), key(':', Action::GoToFrame)]],
        what: "go to frame",
    },
    Line {
        keys: &[&[
            key('t', Action::TimeReference),
            key('T', Action::TimeFormat),
        ]],
        what: "times from this message (again: undo) / next -t format",
    },
    Line {
        keys: &[&[key('s', Action::Sort), key('S', Action::ReverseSort)]],
        what: "sort by the next column (not Info) / the other way",
    },
    Line {
        keys: &[&[key('w', Action::Export)]],
        what: "write the shown messages to .pcap or .jsonl",
    },
    Line {
        keys: &[&[(Key::Prompt, Action::PromptKeys)]],
        what: "Enter applies, Esc cancels, ↑ ↓ earlier entries, ^U clears",
    },
    Line {
        keys: &[&[key('F', Action::Follow)]],
        what: "follow the newest message, in capture order",
    },
    Line {
        keys: &[&[(Key::Mouse, Action::Mouse)]],
        what: "wheel scrolls the pane under it; click selects",
    },
    Line {
        keys: &[&[key('?', Action::Help)]],
        what: "this help (any key closes it)",
    },
    Line {
        keys: &[&[
            key('q', Action::Quit),
            code(KeyCode::Esc, Action::Back),
            (Key::Ctrl('c'), Action::Interrupt),
        ]],
        what: "quit",
    },
];

fn bindings() -> impl Iterator<Item = (Key, Action)> {
    KEYMAP
        .iter()
        .flat_map(|line| line.keys.iter().flat_map(|group| group.iter().copied()))
}

/// What `event` does: a Ctrl binding first, then the key whatever its modifiers.
pub fn action(event: &KeyEvent) -> Option<Action> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let ctrl_binding = bindings().find(|(key, _)| match (key, event.code) {
        (Key::Ctrl(c), KeyCode::Char(pressed)) => ctrl && *c == pressed,
        _ => false,
    });
    let binding = ctrl_binding.or_else(|| {
        bindings().find(|(key, _)| match key {
            Key::Code(code) => *code == event.code,
            Key::TabNumber => tab_number(event.code).is_some(),
            Key::Ctrl(_) | Key::Mouse | Key::Prompt => false,
        })
    });
    binding.map(|(_, action)| action)
}

/// The tab a digit key shows: its position in [`TABS`].
pub fn tab_number(code: KeyCode) -> Option<usize> {
    let KeyCode::Char(c) = code else { return None };
    let n = usize::try_from(c.to_digit(10)?).ok()?;
    (1..=TABS.len()).contains(&n).then(|| n - 1)
}

/// The help's lines: the keys as text, and what they do.
pub fn help() -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .map(|line| {
            let groups: Vec<String> = line
                .keys
                .iter()
                .map(|group| {
                    let names: Vec<String> = group.iter().map(|(k, _)| name(*k)).collect();
                    names.join(" ")
                })
                .collect();
            (groups.join("  "), line.what)
        })
        .collect()
}

fn name(key: Key) -> String {
    match key {
        Key::Code(code) => match code {
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Left => "←".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Char(c) => c.into(),
            other => other.to_string(),
        },
        Key::Ctrl(c) => format!("^{}", c.to_ascii_uppercase()),
        Key::TabNumber => format!("1-{}", TABS.len()),
        Key::Mouse => "mouse".into(),
        Key::Prompt => "in a bar".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let all: Vec<Key> = bindings().map(|(key, _)| key).collect();
        for (i, key) in all.iter().enumerate() {
            assert!(!all[..i].contains(key), "{key:?} is bound twice");
        }
    }

    #[test]
    fn ctrl_bindings_come_before_plain_keys() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(&ctrl_c), Some(Action::Interrupt));
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(action(&c), Some(Action::CollapseAll));
        let digit = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(action(&digit('1')), Some(Action::ShowTab));
        assert_eq!(tab_number(KeyCode::Char('0')), None);
        assert_eq!(tab_number(KeyCode::Char('1')), Some(0));
        let past = char::from_digit(TABS.len() as u32 + 1, 10).unwrap_or('x');
        assert_eq!(action(&digit(past)), None);
    }
}
