//! Search (Ctrl-F, `n`, `N`): the shown messages whose Info (the summary line) or field tree
//! (label or value, as the Detail pane shows them) holds a text, case aside.

use std::fmt::Write;
use std::time::{Duration, Instant};

use ofscope_dissectors::tree::{Field, Tree, Value};

use super::state::App;

/// A match: its position in the shown list, and whether the search went round the end.
pub struct Found {
    pub position: usize,
    pub wrapped: bool,
}

/// Where a search stands after a slice of work.
pub enum Progress {
    Going,
    Found(Found),
    NotFound,
}

/// A search under way. It goes through the list a slice at a time, as the filter does, so
/// keys stay responsive on a large capture (a million messages take seconds to decode).
pub struct Run {
    /// What is searched for, lowercase.
    pub text: String,
    pub forward: bool,
    /// The selected position when it started.
    from: usize,
    /// Messages examined so far, counted from the one after `from`.
    done: usize,
}

impl Run {
    pub fn new(text: String, forward: bool, from: usize) -> Run {
        Run {
            text,
            forward,
            from,
            done: 0,
        }
    }

    /// How far it went, in percent of the list of `len`.
    pub fn percent(&self, len: usize) -> usize {
        self.done * 100 / len.max(1)
    }

    /// Examines the next messages (after or before the one selected at the start, round
    /// the end of the list) for at most `budget`.
    pub fn advance(&mut self, app: &App, budget: Duration) -> Progress {
        let len = app.shown_len();
        let start = Instant::now();
        let mut tree = Tree::new();
        let mut line = String::new();
        while self.done < len {
            self.done += 1;
            let position = if self.forward {
                (self.from + self.done) % len
            } else {
                (self.from + len - self.done % len) % len
            };
            if let Some(row) = app.shown_row(position) {
                let message = app.store.message(row);
                let found = holds(&message.summary(), &self.text) || {
                    tree.fields.clear();
                    message.build_tree(&mut tree);
                    tree.fields
                        .iter()
                        .any(|field| field_holds(field, &self.text, &mut line))
                };
                if found {
                    let wrapped = if self.forward {
                        position <= self.from
                    } else {
                        position >= self.from
                    };
                    return Progress::Found(Found { position, wrapped });
                }
            }
            if self.done.is_multiple_of(256) && start.elapsed() >= budget {
                return Progress::Going;
            }
        }
        Progress::NotFound
    }
}

/// The first field of `tree` that holds `text`, for the tree to open on it.
pub fn first_matching_field(tree: &Tree, text: &str) -> Option<usize> {
    let mut line = String::new();
    tree.fields
        .iter()
        .position(|field| field_holds(field, text, &mut line))
}

/// Whether a field's row in the Detail pane, `label: value`, holds `text`.
fn field_holds(field: &Field, text: &str, line: &mut String) -> bool {
    line.clear();
    line.push_str(field.label);
    if field.value != Value::None {
        let _ = write!(line, ": {}", field.value);
    }
    holds(line, text)
}

/// Whether `haystack` holds `text` (lowercase), ASCII case aside: no copy of the haystack,
/// for a search decodes every message.
fn holds(haystack: &str, text: &str) -> bool {
    let needle = text.as_bytes();
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
}
