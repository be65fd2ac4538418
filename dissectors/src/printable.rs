//! The one rule for showing text that came from outside (a capture, a file name, an
//! argument) on a terminal, as tcpdump's safe printing does: control characters (C0, DEL,
//! C1), bidirectional overrides and line separators become visible escapes (`\x1b`, `\n`,
//! `\u202e`), so no name can retitle or clear the analyst's terminal, forge an output line
//! or reorder what is shown.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// `text`, shown with its dangerous characters escaped.
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Almost all text is printable ASCII: one pass to see it, then written as it is.
        // The pass has no early exit, so the compiler checks many bytes at a time (every
        // message line goes through here).
        let unsafe_bytes = self
            .0
            .bytes()
            .fold(false, |seen, b| seen | (b.wrapping_sub(0x20) >= 0x5f));
        if !unsafe_bytes {
            return f.write_str(self.0);
        }
        for c in self.0.chars() {
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\0'..='\x1f' | '\x7f' => write!(f, "\\x{:02x}", u32::from(c))?,
                c if is_hidden_control(c) => write!(f, "\\u{:04x}", u32::from(c))?,
                c => fmt::Write::write_char(f, c)?,
            }
        }
        Ok(())
    }
}

/// The most characters of an echoed argument shown: enough to recognise a file name or a
/// filter, few enough that a 40 KB argument does not bury the message.
pub const ECHO_CHARS: usize = 120;

/// Something the user gave (a file name, a filter, an app spec, an option value) echoed in a
/// message: escaped as [`Printable`], and cut after [`ECHO_CHARS`] characters with an
/// ellipsis and its length, so a message stays one readable line.
pub struct Echo<'a>(Cow<'a, str>);

impl<'a> Echo<'a> {
    pub fn text(text: &'a str) -> Echo<'a> {
        Echo(Cow::Borrowed(text))
    }

    /// A path, its bytes that are not UTF-8 shown as U+FFFD.
    pub fn path(path: &'a Path) -> Echo<'a> {
        Echo(path.to_string_lossy())
    }
}

impl fmt::Display for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(ECHO_CHARS) {
            None => Printable(&self.0).fmt(f),
            Some((cut, _)) => write!(
                f,
                "{}... ({} characters)",
                Printable(self.0.get(..cut).unwrap_or_default()),
                self.0.chars().count()
            ),
        }
    }
}

/// Whether [`Printable`] shows `c` as an escape: a character a terminal acts on instead of
/// showing (C0 and C1 controls, DEL, bidirectional marks and overrides, line separators).
pub fn is_escaped(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f') || is_hidden_control(c)
}

/// C1 controls, bidirectional marks and overrides, and the Unicode line and paragraph
/// separators: characters a terminal acts on instead of showing.
fn is_hidden_control(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{9f}'
            | '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_characters_become_visible_escapes() {
        let hostile = "eth0\u{1b}]0;PWNED\u{7}\u{1b}[2J\nforged\rline\u{9b}\u{202e}gpj.exe";
        let shown = Printable(hostile).to_string();
        assert_eq!(
            shown,
            "eth0\\x1b]0;PWNED\\x07\\x1b[2J\\nforged\\rline\\u009b\\u202egpj.exe"
        );
        assert!(shown.chars().all(|c| !c.is_control()));
        assert_eq!(Printable("s1-eth1 café").to_string(), "s1-eth1 café");
    }

    #[test]
    fn an_echo_is_escaped_and_cut() {
        assert_eq!(Echo::text("a\nb").to_string(), "a\\nb");
        let exact = "é".repeat(ECHO_CHARS);
        assert_eq!(Echo::text(&exact).to_string(), exact);
        let long = format!("{exact}\u{1b}tail");
        assert_eq!(
            Echo::text(&long).to_string(),
            format!("{exact}... ({} characters)", ECHO_CHARS + 5)
        );
        let path = Path::new("/tmp/x\u{1b}[2J.pcap");
        assert_eq!(Echo::path(path).to_string(), "/tmp/x\\x1b[2J.pcap");
    }
}
