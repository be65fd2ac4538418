//! Search (Ctrl-F, `n`, `N`): the shown messages whose Info (the summary line) or field tree
//! (label or value, as the Detail pane shows them) holds a text, case aside.

use std::fmt::Write;

use ofscope_dissectors::tree::{Field, Tree, Value};

use super::state::App;

/// A match: its position in the shown list, and whether the search went round the end.
pub struct Found {
    pub position: usize,
    pub wrapped: bool,
}

/// The next (`forward`) or previous shown message after the selected one that holds
/// `text` (lowercase), going round the end of the list.
pub fn find(app: &App, text: &str, forward: bool) -> Option<Found> {
    let len = app.shown_len();
    let mut tree = Tree::new();
    let mut line = String::new();
    (1..=len).find_map(|step| {
        let position = if forward {
            (app.selected + step) % len
        } else {
            (app.selected + len - step % len) % len
        };
        let row = app.shown_row(position)?;
        let message = app.store.message(row);
        let found = holds(&message.summary(), text) || {
            tree.fields.clear();
            message.build_tree(&mut tree);
            tree.fields
                .iter()
                .any(|field| field_holds(field, text, &mut line))
        };
        let wrapped = if forward {
            position <= app.selected
        } else {
            position >= app.selected
        };
        found.then_some(Found { position, wrapped })
    })
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

fn holds(haystack: &str, text: &str) -> bool {
    haystack.to_lowercase().contains(text)
}
