//! Splits a filter expression into tokens, each with the 1-based character column it starts at.

use ofscope_dissectors::printable::Echo;

use super::FilterError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

impl Op {
    /// How the user may have spelled it, for error messages.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
        }
    }

    pub fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Open,
    Close,
    And,
    Or,
    Not,
    Cmp(Op),
    /// A field name, a number, an address or a symbolic name: classified by the parser.
    Word(String),
    /// A double-quoted string, escapes resolved.
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// 1-based character column of the token's first character.
    pub column: usize,
}

impl Token {
    /// The token as the user would recognise it in a message.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Open => "'('".into(),
            TokenKind::Close => "')'".into(),
            TokenKind::And => "'&&'".into(),
            TokenKind::Or => "'||'".into(),
            TokenKind::Not => "'!'".into(),
            TokenKind::Cmp(op) => format!("'{}'", op.symbol()),
            TokenKind::Word(w) => format!("'{}'", Echo::text(w)),
            TokenKind::Str(s) => format!("\"{}\"", Echo::text(s)),
        }
    }
}

/// Characters that make up words: field names (`of.packet_in.in_port`), numbers, MACs,
/// IPv4/IPv6 addresses with an optional `/prefix`, and symbolic names.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/')
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        let (kind, len) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('(', _) => (TokenKind::Open, 1),
            (')', _) => (TokenKind::Close, 1),
            ('&', Some('&')) => (TokenKind::And, 2),
            ('|', Some('|')) => (TokenKind::Or, 2),
            ('=', Some('=')) => (TokenKind::Cmp(Op::Eq), 2),
            ('!', Some('=')) => (TokenKind::Cmp(Op::Ne), 2),
            ('<', Some('=')) => (TokenKind::Cmp(Op::Le), 2),
            ('>', Some('=')) => (TokenKind::Cmp(Op::Ge), 2),
            ('!', _) => (TokenKind::Not, 1),
            ('<', _) => (TokenKind::Cmp(Op::Lt), 1),
            ('>', _) => (TokenKind::Cmp(Op::Gt), 1),
            ('&', _) => return Err(FilterError::new(column, "'&' is not an operator; use '&&'")),
            ('|', _) => return Err(FilterError::new(column, "'|' is not an operator; use '||'")),
            ('=', _) => return Err(FilterError::new(column, "'=' is not an operator; use '=='")),
            ('"', _) => {
                let (text, len) = quoted(&chars[i..], column)?;
                (TokenKind::Str(text), len)
            }
            (c, _) if is_word_char(c) => {
                let len = chars[i..].iter().take_while(|&&c| is_word_char(c)).count();
                let word: String = chars[i..i + len].iter().collect();
                (keyword(&word).unwrap_or(TokenKind::Word(word)), len)
            }
            (c, _) => {
                return Err(FilterError::new(
                    column,
                    format!(
                        "unexpected character '{}'",
                        Echo::text(c.encode_utf8(&mut [0; 4]))
                    ),
                ))
            }
        };
        tokens.push(Token { kind, column });
        i += len;
    }
    Ok(tokens)
}

fn keyword(word: &str) -> Option<TokenKind> {
    const KEYWORDS: &[(&str, TokenKind)] = &[
        ("and", TokenKind::And),
        ("or", TokenKind::Or),
        ("not", TokenKind::Not),
        ("contains", TokenKind::Cmp(Op::Contains)),
        ("eq", TokenKind::Cmp(Op::Eq)),
        ("ne", TokenKind::Cmp(Op::Ne)),
        ("lt", TokenKind::Cmp(Op::Lt)),
        ("le", TokenKind::Cmp(Op::Le)),
        ("gt", TokenKind::Cmp(Op::Gt)),
        ("ge", TokenKind::Cmp(Op::Ge)),
    ];
    KEYWORDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, kind)| kind.clone())
}

/// Reads a string starting at its opening quote; returns the text and the characters used.
fn quoted(chars: &[char], column: usize) -> Result<(String, usize), FilterError> {
    let mut text = String::new();
    let mut i = 1;
    loop {
        match chars.get(i) {
            None => return Err(FilterError::new(column, "unterminated string")),
            Some('"') => return Ok((text, i + 1)),
            Some('\\') => {
                let escaped = match chars.get(i + 1) {
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    _ => {
                        return Err(FilterError::new(
                            column + i,
                            "unknown escape; use \\\" \\\\ \\n or \\t",
                        ))
                    }
                };
                text.push(escaped);
                i += 2;
            }
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<TokenKind> {
        tokenize(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn operators_and_words() {
        assert_eq!(
            kinds("!(a.b>=0x10)||c and not d contains \"x\\\"y\""),
            vec![
                TokenKind::Not,
                TokenKind::Open,
                TokenKind::Word("a.b".into()),
                TokenKind::Cmp(Op::Ge),
                TokenKind::Word("0x10".into()),
                TokenKind::Close,
                TokenKind::Or,
                TokenKind::Word("c".into()),
                TokenKind::And,
                TokenKind::Not,
                TokenKind::Word("d".into()),
                TokenKind::Cmp(Op::Contains),
                TokenKind::Str("x\"y".into()),
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let tokens = tokenize("\"é\" == ::1").unwrap();
        let columns: Vec<usize> = tokens.iter().map(|t| t.column).collect();
        assert_eq!(columns, vec![1, 5, 8]);
    }

    #[test]
    fn single_symbols_are_errors() {
        assert_eq!(tokenize("a = 1").unwrap_err().column, 3);
        assert_eq!(tokenize("a & b").unwrap_err().column, 3);
        assert_eq!(tokenize("a \"open").unwrap_err().column, 3);
        assert_eq!(tokenize("a @").unwrap_err().column, 3);
    }

    #[test]
    fn control_characters_are_echoed_escaped() {
        let err = tokenize("a \x1b[2J").unwrap_err();
        assert_eq!(err.message, "unexpected character '\\x1b'");
        let tokens = tokenize("\"x\ny\u{202e}\"").unwrap();
        assert_eq!(tokens[0].describe(), "\"x\\ny\\u202e\"");
    }
}
