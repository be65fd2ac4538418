//! The display filter (`-Y` and the TUI filter bar), evaluated on a message's field tree.
//!
//! ```text
//! of.type == PACKET_IN && arp && vlan.id == 10
//! ```
//!
//! An expression is parsed once into a [`Filter`], with every literal already converted to
//! the forms it can be compared as (number, MAC, address, prefix, bytes, name), so
//! [`Filter::matches`] allocates nothing. The language is described in docs/filters.md.

pub mod context;
pub(crate) mod keys;
mod lexer;
mod literal;
mod names;
mod parser;

use std::fmt;

use ofscope_dissectors::printable::{Echo, Printable, ECHO_CHARS};
use ofscope_dissectors::tree::Tree;

pub use context::{Channel, Context};

/// A parsed display filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    source: String,
    expr: parser::Expr,
}

impl Filter {
    /// Parses an expression. Every field name must be a declared field (`ofscope fields`)
    /// or lie over some at a `.` (`arp`, `of.packet_in`); a typo gets the closest known name
    /// as a suggestion.
    pub fn parse(expression: &str) -> Result<Filter, FilterError> {
        Ok(Filter {
            source: expression.to_string(),
            expr: parser::parse(expression)?,
        })
    }

    /// Whether the message matches. `msg` is the OpenFlow message the tree was built from:
    /// byte fields refer to it by range; `context` says where it came from.
    pub fn matches(&self, context: &Context, tree: &Tree, msg: &[u8]) -> bool {
        self.expr.eval(context, tree, msg)
    }

    /// The expression as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Why an expression does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based character column the problem starts at; one past the end for "expected
    /// something more" errors.
    pub column: usize,
    pub message: String,
}

impl FilterError {
    fn new(column: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            column,
            message: message.into(),
        }
    }

    /// A line with a caret under the column, followed by the message, meant to be shown
    /// directly below the expression as typed (`-Y` error, TUI filter bar).
    pub fn caret_line(&self) -> String {
        self.caret_at(self.column.saturating_sub(1))
    }

    fn caret_at(&self, width: usize) -> String {
        format!("{:width$}^ {}", "", self.message)
    }

    /// The expression over its caret line, echoed as arguments are (escaped, a long one
    /// cut). Whitespace such as tabs is shown as spaces and the caret is placed by the
    /// escaped width, so it stays under the right character.
    pub fn render(&self, expression: &str) -> String {
        let shown: String = expression
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let before: String = shown
            .chars()
            .take(self.column.saturating_sub(1).min(ECHO_CHARS))
            .collect();
        let width = Printable(&before).to_string().chars().count();
        format!("{}\n{}", Echo::text(&shown), self.caret_at(width))
    }
}
