//! `ofscope decode`: one message (or several back to back) from hex or a binary file.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use ofscope_dissectors::openflow;
use ofscope_dissectors::printable::Printable;
use ofscope_dissectors::tree::Tree;
use serde::Serialize;

use crate::cli::{DecodeArgs, Format};
use crate::files;
use crate::output::{json, text};

/// `decode --raw` reads its file whole: 16 MiB holds hundreds of the largest messages
/// (65,535 bytes each), and bounds the memory a wrong file costs.
const MAX_RAW_BYTES: u64 = 16 << 20;

pub fn run(args: &DecodeArgs) -> Result<ExitCode> {
    let bytes = match &args.raw {
        Some(path) => files::read_bounded(path, MAX_RAW_BYTES, "raw message file")?,
        None => parse_hex(&args.hex.join(" "))?,
    };
    if bytes.is_empty() {
        bail!("no bytes to decode; give the message as hex digits, e.g. 01000008000000ab");
    }
    let mut out = String::new();
    let mut sequence = json::Sequence::new(args.format);
    let mut offset = 0;
    let mut stray = None;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        if rest.len() < openflow::header::HEADER_LEN {
            stray = Some(StrayBytes {
                offset,
                trailing_bytes: rest.iter().map(|b| format!("{b:02x}")).collect(),
            });
            break;
        }
        let len = message_len(rest);
        let raw = &rest[..len];
        let message = openflow::parse(raw);
        let mut tree = Tree::new();
        message.build_tree(&mut tree);
        match args.format {
            Format::Text => {
                if offset > 0 {
                    out.push('\n');
                }
                out.push_str(&Printable(&message.summary()).to_string());
                out.push('\n');
                text::write_detail(&mut out, &tree, 2);
            }
            Format::Json | Format::Jsonl => {
                sequence.before_item(&mut out);
                out.push_str("{\"offset\":");
                out.push_str(&offset.to_string());
                out.push_str(",\"summary\":");
                json::write_str(&mut out, &message.summary());
                json::write_tree_members(&mut out, &tree, raw, true);
                out.push('}');
                sequence.after_item(&mut out);
            }
        }
        offset += len;
    }
    if let Some(stray) = &stray {
        match args.format {
            Format::Text => {
                // A blank line parts what follows a message.
                if stray.offset > 0 {
                    out.push('\n');
                }
                out.push_str(&stray.to_string());
            }
            // One more object of the same sequence (a member of -T json's array).
            Format::Json | Format::Jsonl => {
                sequence.before_item(&mut out);
                out.push_str(&serde_json::to_string(stray)?);
                sequence.after_item(&mut out);
            }
        }
    }
    out.push_str(sequence.end());
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Bytes too few for a header (a stray byte after the last message, say): reported as
/// what they are, never decoded as a message.
#[derive(Serialize)]
struct StrayBytes {
    offset: usize,
    /// In hex.
    trailing_bytes: String,
}

impl fmt::Display for StrayBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} trailing byte(s) at offset {}, fewer than an OpenFlow header ({} bytes), not a message: {}",
            self.trailing_bytes.len() / 2,
            self.offset,
            openflow::header::HEADER_LEN,
            self.trailing_bytes
        )
    }
}

/// How many bytes the message at the start of `bytes` claims, bounded by what is there.
/// A length below the header size cannot advance the walk, so it takes the rest.
fn message_len(bytes: &[u8]) -> usize {
    match bytes.get(2..4) {
        Some(&[hi, lo]) => {
            let claimed = u16::from_be_bytes([hi, lo]) as usize;
            if claimed < openflow::header::HEADER_LEN {
                bytes.len()
            } else {
                claimed.min(bytes.len())
            }
        }
        _ => bytes.len(),
    }
}

/// Hex digits with optional whitespace, colons, dashes and `0x` prefixes.
pub fn parse_hex(input: &str) -> Result<Vec<u8>> {
    let mut digits = Vec::with_capacity(input.len());
    let mut chars = input.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        if c == '0' && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            chars.next();
            continue;
        }
        match c.to_digit(16) {
            Some(d) => digits.push(d as u8),
            None if c.is_whitespace() || c == ':' || c == '-' => {}
            None => bail!(
                "bad hex: '{c}' at character {} of the input; give the message as hex digits (0-9, a-f)",
                pos + 1
            ),
        }
    }
    if digits.len() % 2 != 0 {
        bail!(
            "bad hex: odd number of digits ({}); each byte needs two",
            digits.len()
        );
    }
    Ok(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_allows_separators_and_prefix() {
        assert_eq!(parse_hex("0x01 00:00-08").unwrap(), vec![1, 0, 0, 8]);
        assert!(parse_hex("010").unwrap_err().to_string().contains("odd"));
        assert!(parse_hex("01zz")
            .unwrap_err()
            .to_string()
            .contains("character 3"));
    }

    #[test]
    fn message_len_is_bounded() {
        assert_eq!(message_len(&[1, 0, 0, 8, 0, 0, 0, 0, 9, 9]), 8);
        assert_eq!(message_len(&[1, 0, 0xff, 0xff, 0]), 5);
        assert_eq!(message_len(&[1, 0, 0, 2, 0, 0]), 6);
        assert_eq!(message_len(&[1]), 1);
    }
}
