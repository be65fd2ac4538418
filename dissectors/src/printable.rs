//! The one rule for showing text that came from outside (a capture, a file name, an
//! argument) on a terminal, as tcpdump's safe printing does: control characters (C0, DEL,
//! C1), bidirectional overrides and line separators become visible escapes (`\x1b`, `\n`,
//! `\u202e`), so no name can retitle or clear the analyst's terminal, forge an output line
//! or reorder what is shown.

use std::fmt;

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
}
