//! The intrinsic call grammar: `Name(arg, ...)` where an argument is a `'string'`, a number,
//! `null`, `true`, `false`, a path (`$...`) or a nested call.

use super::{Arg, Call, Func, Template};
use crate::data::jsonpath::Path;
use serde_json::Value;

/// AWS allows up to 10 nested calls in one field; the limit also bounds our recursion.
const MAX_DEPTH: usize = 10;

/// An argument as parsed, before the call that holds it is assembled.
struct Parsed {
    arg: Arg,
    /// For a string literal: byte offsets of each unescaped `{}` in the unescaped text.
    placeholders: Option<Vec<usize>>,
}

pub(super) fn parse(src: &str) -> Result<Call, String> {
    let mut parser = Parser { src, pos: 0 };
    parser.skip_ws();
    let call = parser.call(1)?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(call),
        Some(c) => Err(format!(
            "unexpected '{c}' after the closing ')' of {}",
            call.name()
        )),
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn word(&mut self) -> &'a str {
        let src = self.src;
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        {
            self.bump();
        }
        &src[start..self.pos]
    }

    /// `Name(args)`; `depth` counts this call (the outermost is 1).
    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "intrinsic function calls are nested more than {MAX_DEPTH} deep"
            ));
        }
        let name = self.word();
        if name.is_empty() {
            return Err(match self.peek() {
                Some(c) => format!("expected an intrinsic function name, found '{c}'"),
                None => "expected an intrinsic function name, found nothing".to_string(),
            });
        }
        let func =
            Func::from_name(name).ok_or_else(|| format!("unknown intrinsic function '{name}'"))?;
        if self.bump() != Some('(') {
            return Err(format!("expected '(' after {}", func.name()));
        }
        let args = self.args(func, depth)?;
        assemble(func, args)
    }

    /// The arguments after `(`, through the closing `)`.
    fn args(&mut self, func: Func, depth: usize) -> Result<Vec<Parsed>, String> {
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.bump();
            return Ok(args);
        }
        loop {
            self.skip_ws();
            args.push(self.arg(func, args.len() + 1, depth)?);
            self.skip_ws();
            match self.bump() {
                Some(',') => {}
                Some(')') => return Ok(args),
                Some(c) => {
                    return Err(format!(
                        "expected ',' or ')' after argument {} of {}, found '{c}'",
                        args.len(),
                        func.name()
                    ));
                }
                None => return Err(format!("missing ')' to close {}(", func.name())),
            }
        }
    }

    fn arg(&mut self, func: Func, n: usize, depth: usize) -> Result<Parsed, String> {
        let literal = |arg| Parsed {
            arg,
            placeholders: None,
        };
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => self.path(func, n).map(literal),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(func, n).map(literal),
            Some(c) if c.is_ascii_alphabetic() => self.word_or_call(func, n, depth).map(literal),
            Some(',' | ')') => Err(format!("argument {n} of {} is empty", func.name())),
            Some(c) => Err(format!(
                "unexpected '{c}' in argument {n} of {}: expected a string literal ('...'), a number, null, true, false, a path or an intrinsic function call",
                func.name()
            )),
            None => Err(format!("missing ')' to close {}(", func.name())),
        }
    }

    /// `'...'` with the four escapes `\'` `\{` `\}` `\\`; unescaped `{}` pairs are recorded as
    /// placeholders (they only mean something in a `States.Format` template).
    fn string(&mut self) -> Result<Parsed, String> {
        self.bump();
        let mut text = String::new();
        let mut placeholders = Vec::new();
        loop {
            match self.bump() {
                None => return Err("unterminated string literal".to_string()),
                Some('\'') => break,
                Some('\\') => text.push(self.escape()?),
                Some('{') if self.peek() == Some('}') => {
                    self.bump();
                    placeholders.push(text.len());
                    text.push_str("{}");
                }
                Some(c) => text.push(c),
            }
        }
        Ok(Parsed {
            arg: Arg::Literal(Value::String(text)),
            placeholders: Some(placeholders),
        })
    }

    fn escape(&mut self) -> Result<char, String> {
        match self.bump() {
            Some(c @ ('\'' | '{' | '}' | '\\')) => Ok(c),
            Some(c) => Err(format!(
                "invalid escape '\\{c}' in string literal: only \\', \\{{, \\}} and \\\\ may be escaped"
            )),
            None => Err("unterminated string literal".to_string()),
        }
    }

    /// A path runs to the first `,` or `)` outside brackets, parentheses and quotes, so
    /// `$['a,b']`, `$[?(@.x == 'y')]` and `$.a.length()` stay whole.
    fn path(&mut self, func: Func, n: usize) -> Result<Arg, String> {
        let start = self.pos;
        let mut nesting = Vec::new();
        while let Some(c) = self.peek() {
            if nesting.is_empty() && (c == ',' || c == ')') {
                break;
            }
            self.bump();
            match (nesting.last(), c) {
                (Some('\'' | '"'), '\\') => {
                    self.bump();
                }
                (Some(&q @ ('\'' | '"')), _) if c == q => {
                    nesting.pop();
                }
                (Some('\'' | '"'), _) => {}
                (_, '[' | '(' | '\'' | '"') => nesting.push(c),
                (Some('['), ']') | (Some('('), ')') => {
                    nesting.pop();
                }
                _ => {}
            }
        }
        let src = self.src[start..self.pos].trim_end();
        if let Some(open) = nesting.last() {
            return Err(format!(
                "unclosed '{open}' in path '{src}' (argument {n} of {})",
                func.name()
            ));
        }
        Path::parse(src).map(Arg::Path).map_err(|e| {
            format!(
                "invalid path '{src}' in argument {n} of {}: {}",
                func.name(),
                e.message
            )
        })
    }

    fn number(&mut self, func: Func, n: usize) -> Result<Arg, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        let token = &self.src[start..self.pos];
        let number: serde_json::Number = serde_json::from_str(token).map_err(|_| {
            format!(
                "invalid number '{token}' in argument {n} of {}",
                func.name()
            )
        })?;
        Ok(Arg::Literal(normalize_zero(Value::Number(number))))
    }

    /// `null`, `true`, `false`, or a nested call.
    fn word_or_call(&mut self, func: Func, n: usize, depth: usize) -> Result<Arg, String> {
        let start = self.pos;
        let word = self.word();
        let value = match word {
            _ if self.peek() == Some('(') => None,
            "null" => Some(Value::Null),
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => {
                return Err(format!(
                    "unexpected '{word}' in argument {n} of {}: expected a string literal ('...'), a number, null, true, false, a path or an intrinsic function call",
                    func.name()
                ));
            }
        };
        if let Some(value) = value {
            return Ok(Arg::Literal(value));
        }
        self.pos = start;
        Ok(Arg::Call(Box::new(self.call(depth + 1)?)))
    }
}

/// Builds the call once its arguments are known: checks the argument count and prepares a
/// literal `States.Format` template.
fn assemble(func: Func, args: Vec<Parsed>) -> Result<Call, String> {
    check_arity(func, args.len())?;
    let template = match func {
        Func::Format => args.first().map_or(Ok(None), format_template)?,
        _ => None,
    };
    let args = args.into_iter().map(|parsed| parsed.arg).collect();
    Ok(Call {
        func,
        args,
        template,
    })
}

fn check_arity(func: Func, got: usize) -> Result<(), String> {
    let (min, max) = func.arity();
    if got >= min && max.is_none_or(|max| got <= max) {
        return Ok(());
    }
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    let takes = match max {
        None => format!("at least {min} {}", plural(min)),
        Some(0) => "no arguments".to_string(),
        Some(max) if max == min => format!("{min} {}", plural(min)),
        Some(max) => format!("{min} or {max} arguments"),
    };
    Err(format!("{} takes {takes}, got {got}", func.name()))
}

/// The template must be a string: a literal (split now) or a path or call (split when run).
fn format_template(first: &Parsed) -> Result<Option<Template>, String> {
    match (&first.arg, &first.placeholders) {
        (Arg::Literal(Value::String(text)), Some(offsets)) => {
            Ok(Some(split_template(text, offsets)))
        }
        (Arg::Path(_) | Arg::Call(_), _) => Ok(None),
        _ => Err(
            "the template of States.Format (argument 1) must be a string literal or a path"
                .to_string(),
        ),
    }
}

fn split_template(text: &str, offsets: &[usize]) -> Template {
    let mut pieces = Vec::with_capacity(offsets.len() + 1);
    let mut from = 0;
    for &at in offsets {
        pieces.push(text[from..at].to_string());
        from = at + 2;
    }
    pieces.push(text[from..].to_string());
    Template { pieces }
}

/// `-0` parses as the float `-0.0`, which AWS (Jackson) reads as the integer 0. A written
/// `-0.0` becomes 0 too: after parsing the two cannot be told apart.
pub(super) fn normalize_zero(value: Value) -> Value {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()) => {
            Value::from(0)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_zero).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize_zero(v)))
                .collect(),
        ),
        other => other,
    }
}
