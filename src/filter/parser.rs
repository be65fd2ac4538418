//! Recursive-descent parser for the filter grammar (see docs/filters.md), and the
//! expression it builds.

use ofscope_dissectors::printable::Echo;
use ofscope_dissectors::tree::{FieldDef, Tree, Type, Value};

use super::context::{self, Context, Reader};
use super::keys;
use super::lexer::{tokenize, Op, Token, TokenKind};
use super::literal::{self, Literal};
use super::names;
use super::FilterError;

/// Nesting deeper than this is refused, so neither parsing nor evaluation can exhaust the
/// stack on hostile input.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A bare field or protocol name: true when present.
    Present {
        name: Box<str>,
        /// The context fields at or under the name.
        context: Vec<Reader>,
    },
    Compare {
        field: Target,
        op: Op,
        literal: Literal,
    },
    Not(Box<Expr>),
    /// Operands of a chain of `&&`, kept flat so long chains do not nest.
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// The field a comparison reads, found when the filter is parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A field of the message's tree, found by its declaration's address.
    Tree(&'static FieldDef),
    Context(Reader),
}

impl Expr {
    pub fn eval(&self, context: &Context, tree: &Tree, msg: &[u8]) -> bool {
        match self {
            Expr::Present {
                name,
                context: readers,
            } => {
                tree.has_protocol(name)
                    || readers
                        .iter()
                        .any(|r| r.values(context).iter().any(Option::is_some))
            }
            Expr::Compare {
                field: Target::Tree(def),
                op,
                literal,
            } => compare(tree.of(def).map(|f| &f.value), *op, literal, msg),
            Expr::Compare {
                field: Target::Context(reader),
                op,
                literal,
            } => compare(reader.values(context).iter().flatten(), *op, literal, msg),
            Expr::Not(inner) => !inner.eval(context, tree, msg),
            Expr::All(operands) => operands.iter().all(|e| e.eval(context, tree, msg)),
            Expr::Any(operands) => operands.iter().any(|e| e.eval(context, tree, msg)),
        }
    }
}

/// Whether any occurrence of the field compares true; for `!=`, whether the field is
/// present and no occurrence equals (Wireshark's `!=`).
fn compare<'v>(
    mut values: impl Iterator<Item = &'v Value>,
    op: Op,
    literal: &Literal,
    msg: &[u8],
) -> bool {
    if op != Op::Ne {
        return values.any(|value| literal.test(op, value, msg));
    }
    let mut present = false;
    for value in values {
        if literal.test(Op::Eq, value, msg) {
            return false;
        }
        present = true;
    }
    present
}

pub fn parse(input: &str) -> Result<Expr, FilterError> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err(FilterError::new(1, "empty filter"));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end_column: input.chars().count() + 1,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(_) => Err(parser.unexpected()),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Column just past the input, where "expected ..." errors at the end point.
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        let found = self.peek().is_some_and(|t| t.kind == *kind);
        if found {
            self.pos += 1;
        }
        found
    }

    fn previous(&self) -> Option<&Token> {
        self.pos.checked_sub(1).and_then(|i| self.tokens.get(i))
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut operands = vec![self.and()?];
        while self.eat(&TokenKind::Or) {
            operands.push(self.and()?);
        }
        Ok(flatten(operands, Expr::Any))
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut operands = vec![self.unary()?];
        while self.eat(&TokenKind::And) {
            operands.push(self.unary()?);
        }
        Ok(flatten(operands, Expr::All))
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.eat(&TokenKind::Not) {
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(
                self.previous().map_or(1, |t| t.column),
                format!("filter nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected_operand());
        };
        match token.kind {
            TokenKind::Open => {
                self.pos += 1;
                self.descend()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.eat(&TokenKind::Close) {
                    Ok(inner)
                } else if self.peek().is_none() {
                    Err(FilterError::new(
                        self.end_column,
                        format!("expected ')' to close the '(' at column {}", token.column),
                    ))
                } else {
                    Err(self.unexpected())
                }
            }
            TokenKind::Word(word) => {
                self.pos += 1;
                self.field_name(&word, token.column)?;
                match self.peek().map(|t| &t.kind) {
                    Some(&TokenKind::Cmp(op)) => {
                        let field = target(&word)
                            .ok_or_else(|| FilterError::new(token.column, not_a_field(&word)))?;
                        self.pos += 1;
                        let ty = match &field {
                            Target::Tree(def) => def.ty,
                            Target::Context(reader) => reader.def.ty,
                        };
                        let literal = self.value(op, ty)?;
                        Ok(Expr::Compare { field, op, literal })
                    }
                    _ => Ok(Expr::Present {
                        context: context::readers_under(&word),
                        name: word.into(),
                    }),
                }
            }
            _ => Err(self.expected_operand()),
        }
    }

    /// Reads the value after a comparison operator with a field of type `ty`.
    fn value(&mut self, op: Op, ty: Type) -> Result<Literal, FilterError> {
        let column = self.column();
        let literal = match (self.peek().map(|t| &t.kind), ty) {
            (Some(TokenKind::Word(w)), Type::Seconds | Type::Time) => {
                literal::seconds(w).map_err(|bad| FilterError::new(column, bad.0))?
            }
            (Some(TokenKind::Str(s)), Type::Time) => {
                literal::utc_time(s).map_err(|bad| FilterError::new(column, bad.0))?
            }
            (Some(TokenKind::Word(w)), _) => {
                Literal::word(w).map_err(|bad| FilterError::new(column, bad.0))?
            }
            (Some(TokenKind::Str(s)), _) => Literal::string(s),
            _ => {
                return Err(FilterError::new(
                    column,
                    format!("expected a value after '{}'", op.symbol()),
                ))
            }
        };
        if op.is_ordering() && !literal.is_orderable() {
            let written = self.peek().map_or(String::new(), Token::describe);
            return Err(FilterError::new(
                column,
                format!(
                    "'{}' needs a number, an address or a string, not {written}",
                    op.symbol()
                ),
            ));
        }
        self.pos += 1;
        Ok(literal)
    }

    /// Checks a word used as a field name: its syntax, and that it is a field or lies over
    /// some (`arp`, `of.packet_in`).
    fn field_name(&self, word: &str, column: usize) -> Result<(), FilterError> {
        if !keys::is_key_syntax(word) {
            let shown = Echo::text(word);
            let message = if names::is_message_type(word) {
                format!("'{shown}' is a value, not a field; did you mean 'of.type == {shown}'?")
            } else if keys::is_key_syntax(&word.to_ascii_lowercase()) {
                format!("invalid field name '{shown}': field names are lowercase")
            } else if Literal::word(word).is_ok() {
                format!("expected a field name, found the value '{shown}'")
            } else {
                format!("invalid field name '{shown}'")
            };
            return Err(FilterError::new(column, message));
        }
        keys::check_known(word, keys::known()).map_err(|message| FilterError::new(column, message))
    }

    /// The error for a missing operand, phrased after what came before it.
    fn expected_operand(&self) -> FilterError {
        let found = match self.peek() {
            Some(t) => format!(", found {}", t.describe()),
            None => String::new(),
        };
        let after = match self.previous() {
            Some(t) => format!(" after {}", t.describe()),
            None => String::new(),
        };
        FilterError::new(
            self.column(),
            format!("expected a field name or '('{after}{found}"),
        )
    }

    /// The error for a token where an expression could have ended.
    fn unexpected(&self) -> FilterError {
        let Some(token) = self.peek() else {
            return self.expected_operand();
        };
        let message = if token.kind == TokenKind::Close {
            "unexpected ')' without a matching '('".to_string()
        } else {
            // After a bare field, a comparison could also have followed.
            let bare_field = matches!(self.previous().map(|t| &t.kind), Some(TokenKind::Word(_)))
                && !matches!(
                    self.pos
                        .checked_sub(2)
                        .and_then(|i| self.tokens.get(i))
                        .map(|t| &t.kind),
                    Some(TokenKind::Cmp(_))
                );
            let wanted = if bare_field {
                "a comparison, '&&', '||' or ')'"
            } else {
                "'&&', '||' or ')'"
            };
            format!("unexpected {}; expected {wanted}", token.describe())
        };
        FilterError::new(token.column, message)
    }
}

/// The field a comparison names: one of the tree's or of the context's.
fn target(key: &str) -> Option<Target> {
    ofscope_dissectors::fields::lookup(key)
        .map(Target::Tree)
        .or_else(|| context::reader(key).map(Target::Context))
}

fn not_a_field(name: &str) -> String {
    format!("'{name}' holds fields but has no value: test it alone, or compare a field under it")
}

fn flatten(mut operands: Vec<Expr>, join: fn(Vec<Expr>) -> Expr) -> Expr {
    if operands.len() == 1 {
        operands.remove(0)
    } else {
        join(operands)
    }
}
