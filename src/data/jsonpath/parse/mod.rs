//! Compiles path text into steps: roots, dot and bracket segments (filters in `filter`).
//!
//! Errors say what was found and where (offsets count characters, not bytes).

mod filter;

use super::ast::{Name, Selector, Slice, Step};
use super::{ParseError, Root};

/// Filters nest through `(`, `!` and filters inside filter paths; each level costs stack.
const MAX_DEPTH: usize = 64;

type Parsed<T> = Result<T, ParseError>;

pub(crate) fn parse_path(src: &str) -> Parsed<(Root, Vec<Step>)> {
    let mut p = Parser {
        src,
        pos: 0,
        depth: 0,
    };
    let root = p.root()?;
    let steps = p.steps()?;
    match p.peek() {
        None => Ok((root, steps)),
        Some(c) => Err(p.unexpected(c)),
    }
}

struct Parser<'s> {
    src: &'s str,
    /// Byte offset of the next character.
    pos: usize,
    /// Current filter nesting, bounded by `MAX_DEPTH`.
    depth: usize,
}

impl Parser<'_> {
    // ---- cursor ----

    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += c.len_utf8();
        }
        hit
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let hit = self.rest().starts_with(s);
        if hit {
            self.pos += s.len();
        }
        hit
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    // ---- errors ----

    fn offset(&self, byte: usize) -> usize {
        self.src.get(..byte).map_or(0, |s| s.chars().count())
    }

    fn error_at(&self, byte: usize, what: &str) -> ParseError {
        let at = self.offset(byte);
        ParseError {
            message: format!("{what} at offset {at} in '{}'", self.src),
        }
    }

    fn unexpected(&self, c: char) -> ParseError {
        self.error_at(self.pos, &format!("unexpected character '{c}'"))
    }

    fn unexpected_here(&self) -> ParseError {
        match self.peek() {
            Some(c) => self.unexpected(c),
            None => ParseError {
                message: format!("unexpected end of path in '{}'", self.src),
            },
        }
    }

    fn expect(&mut self, c: char) -> Parsed<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected_here())
        }
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.pos, "filter expression nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- path ----

    fn root(&mut self) -> Parsed<Root> {
        if !self.eat('$') {
            return Err(ParseError {
                message: format!("a path must start with '$': '{}'", self.src),
            });
        }
        if self.eat('$') {
            return Ok(Root::Context);
        }
        if self.peek().is_some_and(is_ident_start) {
            let name = self.take_while(is_ident_char).to_string();
            return Ok(Root::Variable(name));
        }
        Ok(Root::Input)
    }

    /// Reads `.x` / `[...]` segments until something else comes; the caller judges what.
    fn steps(&mut self) -> Parsed<Vec<Step>> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') => steps.push(self.dot_step()?),
                Some('[') => steps.push(Step {
                    scan: false,
                    sel: self.bracket()?,
                }),
                _ => return Ok(steps),
            }
        }
    }

    fn dot_step(&mut self) -> Parsed<Step> {
        let dot = self.pos;
        self.bump();
        let scan = self.eat('.');
        let sel = match self.peek() {
            None => {
                let what = if scan {
                    "trailing '..'"
                } else {
                    "trailing '.'"
                };
                return Err(self.error_at(dot, what));
            }
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('[') => self.bracket()?,
            Some(c) if is_name_char(c) => Selector::Name(self.dot_name()?),
            Some(c) if c.is_whitespace() => {
                return Err(self.error_at(
                    dot,
                    "empty name after '.' (use ['a b'] for names with spaces)",
                ));
            }
            Some(c) => return Err(self.unexpected(c)),
        };
        Ok(Step { scan, sel })
    }

    fn dot_name(&mut self) -> Parsed<Name> {
        let start = self.pos;
        let key = self.take_while(is_name_char).to_string();
        if self.peek() == Some('(') {
            let what = format!("functions such as '{key}()' are not supported in paths");
            return Err(self.error_at(start, &what));
        }
        Ok(Name { key, quote: '\'' })
    }

    fn bracket(&mut self) -> Parsed<Selector> {
        let open = self.pos;
        self.bump();
        self.skip_ws();
        let sel = match self.peek() {
            None => return Err(self.error_at(open, "unclosed bracket")),
            Some('\'' | '"') => self.names(open)?,
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => self.filter()?,
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.indexes_or_slice()?,
            Some(']') => return Err(self.error_at(open, "empty brackets")),
            Some(c) => return Err(self.unexpected(c)),
        };
        self.skip_ws();
        match self.peek() {
            Some(']') => {
                self.bump();
                Ok(sel)
            }
            None => Err(self.error_at(open, "unclosed bracket")),
            Some(c) => Err(self.unexpected(c)),
        }
    }

    fn names(&mut self, open: usize) -> Parsed<Selector> {
        let mut names = vec![self.quoted_name()?];
        loop {
            self.skip_ws();
            if !self.eat(',') {
                break;
            }
            self.skip_ws();
            match self.peek() {
                Some('\'' | '"') => names.push(self.quoted_name()?),
                None => return Err(self.error_at(open, "unclosed bracket")),
                Some(c) => return Err(self.unexpected(c)),
            }
        }
        Ok(match names.len() {
            1 => Selector::Name(names.remove(0)),
            _ => Selector::Names(names),
        })
    }

    fn quoted_name(&mut self) -> Parsed<Name> {
        let quote = self.peek().unwrap_or('\'');
        let key = self.quoted()?;
        Ok(Name { key, quote })
    }

    /// A `'...'` or `"..."` string with backslash escapes; the cursor is on the quote.
    fn quoted(&mut self) -> Parsed<String> {
        let start = self.pos;
        let quote = self.bump().unwrap_or('\'');
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error_at(start, "unclosed quote")),
                // AWS keeps other backslashes as they are: `['a\"b']` names the key `a\"b`
                // (recorded: ESCAPE_SEQUENCES_JSONPATH); only the quote and backslash escape.
                Some('\\') if matches!(self.peek(), Some(c) if c == quote || c == '\\') => {
                    out.extend(self.bump());
                }
                Some(c) if c == quote => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn indexes_or_slice(&mut self) -> Parsed<Selector> {
        let first = self.int()?;
        self.skip_ws();
        if self.peek() == Some(':') {
            return self.slice(first);
        }
        let Some(first) = first else {
            return Err(self.unexpected_here());
        };
        let mut indexes = vec![first];
        while self.eat(',') {
            self.skip_ws();
            let Some(next) = self.int()? else {
                return Err(self.unexpected_here());
            };
            indexes.push(next);
            self.skip_ws();
        }
        Ok(match indexes.len() {
            1 => Selector::Index(first),
            _ => Selector::Indexes(indexes),
        })
    }

    fn slice(&mut self, start: Option<i64>) -> Parsed<Selector> {
        self.bump();
        self.skip_ws();
        let end = self.int()?;
        self.skip_ws();
        let mut step = None;
        if self.eat(':') {
            self.skip_ws();
            let at = self.pos;
            step = self.int()?;
            if step == Some(0) {
                return Err(self.error_at(at, "slice step cannot be zero"));
            }
        }
        Ok(Selector::Slice(Slice { start, end, step }))
    }

    /// An optional integer: `None` when no digit or sign starts here.
    fn int(&mut self) -> Parsed<Option<i64>> {
        let start = self.pos;
        let negative = self.eat('-');
        let digits = self.take_while(|c| c.is_ascii_digit());
        if digits.is_empty() {
            return if negative {
                Err(self.unexpected_here())
            } else {
                Ok(None)
            };
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        text.parse()
            .map(Some)
            .map_err(|_| self.error_at(start, "index out of range"))
    }
}

/// Names after `.`: letters, digits, `_`, `-`, `$` and any non-ASCII character except spaces.
/// Other punctuation needs bracket notation, as the AWS guide says.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '_' | '-' | '$')
        || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
}

/// Variable names: a letter or `_`, then letters, digits or `_`.
fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
