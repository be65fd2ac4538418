//! The one-line prompts at the bottom of the viewer: the display filter (`/`), the search
//! (Ctrl-F), go to frame (`g`, `:`) and the export path (`w`). They share the editing keys
//! and a history each (Up/Down walk it, as a shell's); what Enter does is the App's.

use ofscope_dissectors::printable::is_escaped;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::filter::{Filter, FilterError};

/// What a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Search,
    GoTo,
    Export,
}

impl PromptKind {
    const ALL: [PromptKind; 4] = [
        PromptKind::Filter,
        PromptKind::Search,
        PromptKind::GoTo,
        PromptKind::Export,
    ];

    /// The text before the input.
    pub const fn label(self) -> &'static str {
        match self {
            PromptKind::Filter => "Filter: ",
            PromptKind::Search => "Search: ",
            PromptKind::GoTo => "Go to frame: ",
            PromptKind::Export => "Write the shown messages to (.pcap or .jsonl): ",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// A prompt while it is open: the text as typed, and for the filter whether it parses.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// Cursor position, in characters.
    pub cursor: usize,
    /// Why the filter does not parse (the filter prompt only).
    pub error: Option<FilterError>,
    /// The history entry shown, counted back from the newest; `None`: the text typed.
    recalled: Option<usize>,
    /// What was typed before Up recalled older entries, given back by Down.
    draft: String,
}

/// What Enter was pressed on, or `None` while the prompt stays open.
pub enum Outcome {
    Open,
    Cancelled,
    Entered(PromptKind, String),
}

impl Prompt {
    /// A prompt opens empty, as a fresh search box does: Up recalls the earlier entries.
    pub fn new(kind: PromptKind) -> Prompt {
        Prompt {
            kind,
            input: String::new(),
            cursor: 0,
            error: None,
            recalled: None,
            draft: String::new(),
        }
    }

    fn set_input(&mut self, input: &str) {
        self.input = input.to_string();
        self.cursor = input.chars().count();
        self.check();
    }

    fn check(&mut self) {
        self.error = match (self.kind, self.input.trim()) {
            (PromptKind::Filter, expr) if !expr.is_empty() => Filter::parse(expr).err(),
            _ => None,
        };
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.input
            .char_indices()
            .nth(char_pos)
            .map_or(self.input.len(), |(i, _)| i)
    }

    fn insert(&mut self, c: char) {
        // What is typed is shown as it is, in the bar and in notices ("not found: '...'"):
        // a character the escaping rule would escape (a pasted ESC sequence, a bidi
        // override) is not taken. No filter, search or file name needs one.
        if is_escaped(c) {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.input.insert(at, c);
        self.cursor += 1;
        self.check();
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.input.remove(at);
            self.check();
        }
    }

    fn delete(&mut self) {
        if self.cursor < self.input.chars().count() {
            let at = self.byte_at(self.cursor);
            self.input.remove(at);
            self.check();
        }
    }

    /// Up (`older`) or Down through the history, newest first; Down past the newest gives
    /// back what was typed.
    fn recall(&mut self, history: &History, older: bool) {
        let entries = history.entries(self.kind);
        let next = match (self.recalled, older) {
            (None, true) if !entries.is_empty() => {
                self.draft = self.input.clone();
                Some(0)
            }
            (Some(back), true) if back + 1 < entries.len() => Some(back + 1),
            (Some(0), false) => None,
            (Some(back), false) => Some(back - 1),
            _ => return,
        };
        self.recalled = next;
        let text = match next {
            Some(back) => entries[entries.len() - 1 - back].clone(),
            None => std::mem::take(&mut self.draft),
        };
        self.set_input(&text);
    }

    /// Edits the text with `key`; Enter hands the text over unless the filter does not
    /// parse (the bar then stays open with its error).
    pub fn on_key(&mut self, key: KeyEvent, history: &History) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Cancelled,
            KeyCode::Enter if self.error.is_none() => {
                return Outcome::Entered(self.kind, self.input.trim().to_string())
            }
            KeyCode::Enter => {}
            KeyCode::Char('u') if ctrl => self.set_input(""),
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.input.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.input.chars().count(),
            KeyCode::Up => self.recall(history, true),
            KeyCode::Down => self.recall(history, false),
            _ => {}
        }
        Outcome::Open
    }
}

/// What was entered in each prompt, oldest first, without repeats in a row.
#[derive(Debug, Default)]
pub struct History {
    entries: [Vec<String>; PromptKind::ALL.len()],
}

impl History {
    pub fn entries(&self, kind: PromptKind) -> &[String] {
        &self.entries[kind.slot()]
    }

    pub fn push(&mut self, kind: PromptKind, text: &str) {
        let entries = &mut self.entries[kind.slot()];
        if !text.is_empty() && entries.last().is_none_or(|last| last != text) {
            entries.push(text.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(prompt: &mut Prompt, history: &History, code: KeyCode) {
        prompt.on_key(KeyEvent::new(code, KeyModifiers::NONE), history);
    }

    #[test]
    fn up_and_down_walk_the_history_and_give_back_the_draft() {
        let mut history = History::default();
        history.push(PromptKind::Filter, "arp");
        history.push(PromptKind::Filter, "arp");
        history.push(PromptKind::Filter, "vlan.id == 10");
        history.push(PromptKind::Search, "FLOOD");
        assert_eq!(history.entries(PromptKind::Filter).len(), 2, "no repeats");
        let mut bar = Prompt::new(PromptKind::Filter);
        press(&mut bar, &history, KeyCode::Char('x'));
        press(&mut bar, &history, KeyCode::Up);
        assert_eq!(bar.input, "vlan.id == 10");
        press(&mut bar, &history, KeyCode::Up);
        assert_eq!(bar.input, "arp");
        press(&mut bar, &history, KeyCode::Up);
        assert_eq!(bar.input, "arp", "stops at the oldest");
        press(&mut bar, &history, KeyCode::Down);
        assert_eq!(bar.input, "vlan.id == 10");
        press(&mut bar, &history, KeyCode::Down);
        assert_eq!(bar.input, "x", "the draft comes back");
        assert!(bar.error.is_some(), "and is checked again");
    }

    #[test]
    fn characters_a_terminal_acts_on_are_not_taken() {
        let history = History::default();
        let mut bar = Prompt::new(PromptKind::Search);
        for c in ['a', '\x1b', '[', '\u{202e}', '\u{9b}', 'b', '\n'] {
            press(&mut bar, &history, KeyCode::Char(c));
        }
        assert_eq!(bar.input, "a[b");
    }
}
