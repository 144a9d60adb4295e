//! The lexer: source text to tokens with their byte spans. Whitespace and comments are dropped;
//! line breaks are remembered for automatic semicolon insertion.

use super::text::is_js_space;
use super::{JsError, unsupported};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A numeric literal's value.
    Num(f64),
    /// A string literal's value, escapes resolved.
    Str(String),
    /// An identifier or a keyword.
    Ident(String),
    /// An operator or punctuation mark.
    Punct(&'static str),
    /// The end of the source.
    Eof,
    /// A lexical error; the parser reports it if it reads this far (so that `/a'/` is reported
    /// as a regular expression, not as an unterminated string).
    Error(String),
}

/// A token and where it is.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// What it is.
    pub tok: Tok,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// A line break separates it from the previous token.
    pub newline_before: bool,
}

/// Every punctuator JavaScript has, longest first so that the first match is the longest one.
/// The parser rejects the ones the subset does not support, by name.
#[rustfmt::skip]
const PUNCTUATORS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "**", "<<", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
    "&", "|", "^", "!", "~", "?", ":", "=", ".",
];

/// Splits `src` into tokens. The last token is `Eof`, or `Error` where lexing stopped.
pub(super) fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = match lexer.skip_space() {
            Ok(newline_before) => lexer.next_token(newline_before),
            Err(e) => error_token(e, lexer.pos),
        };
        let last = matches!(token.tok, Tok::Eof | Tok::Error(_));
        tokens.push(token);
        if last {
            return tokens;
        }
    }
}

fn error_token(e: JsError, fallback: usize) -> Token {
    let start = e.offset.unwrap_or(fallback);
    Token {
        tok: Tok::Error(e.message),
        start,
        end: start,
        newline_before: false,
    }
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'s str {
        let start = self.pos;
        while let Some(c) = self.peek()
            && keep(c)
        {
            self.pos += c.len_utf8();
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    /// Skips whitespace and comments; whether a line break was among them.
    fn skip_space(&mut self) -> Result<bool, JsError> {
        let mut newline = false;
        loop {
            let rest = self.rest();
            if rest.starts_with("//") {
                self.pos += rest.find(is_line_terminator).unwrap_or(rest.len());
            } else if let Some(body) = rest.strip_prefix("/*") {
                let end = body
                    .find("*/")
                    .ok_or_else(|| JsError::at("unterminated comment", self.pos))?;
                newline |= body
                    .get(..end)
                    .is_some_and(|c| c.contains(is_line_terminator));
                self.pos += end + 4;
            } else {
                match self.peek() {
                    Some(c) if is_line_terminator(c) => newline = true,
                    Some(c) if is_js_space(c) => {}
                    _ => return Ok(newline),
                }
                self.bump();
            }
        }
    }

    fn next_token(&mut self, newline_before: bool) -> Token {
        let start = self.pos;
        match self.token() {
            Ok(tok) => Token {
                tok,
                start,
                end: self.pos,
                newline_before,
            },
            Err(e) => error_token(e, start),
        }
    }

    fn token(&mut self) -> Result<Tok, JsError> {
        let start = self.pos;
        let rest = self.rest();
        let Some(c) = self.peek() else {
            return Ok(Tok::Eof);
        };
        let digit_after_dot = rest
            .strip_prefix('.')
            .is_some_and(|r| r.starts_with(|d: char| d.is_ascii_digit()));
        if c.is_ascii_digit() || digit_after_dot {
            return self.number();
        }
        if c == '\'' || c == '"' {
            return self.string(c);
        }
        if is_ident_start(c) {
            return self.ident();
        }
        if c == '`' {
            return Err(unsupported("a template literal (`` `...` ``)", start));
        }
        let p = punctuator(rest)
            .ok_or_else(|| JsError::at(format!("unexpected character `{c}`"), start))?;
        self.pos += p.len();
        Ok(Tok::Punct(p))
    }

    fn number(&mut self) -> Result<Tok, JsError> {
        let start = self.pos;
        let rest = self.rest();
        if let Some(hex) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            self.pos += 2;
            let digits = self.take_while(|c| c.is_ascii_hexdigit());
            if digits.is_empty() || hex.is_empty() {
                return Err(JsError::at(
                    "a hexadecimal number needs digits after `0x`",
                    start,
                ));
            }
            let value = digits
                .chars()
                .filter_map(|c| c.to_digit(16))
                .fold(0.0, |a, d| a * 16.0 + f64::from(d));
            return self.end_number(value);
        }
        if rest
            .strip_prefix('0')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        {
            return Err(unsupported(
                "a number with a leading zero (legacy octal, like `010`)",
                start,
            ));
        }
        self.take_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') {
            self.bump();
            self.take_while(|c| c.is_ascii_digit());
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.take_while(|c| c.is_ascii_digit()).is_empty() {
                return Err(JsError::at("a number's exponent needs digits", start));
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        let value = text
            .parse()
            .map_err(|_| JsError::at(format!("`{text}` is not a number"), start))?;
        self.end_number(value)
    }

    fn end_number(&self, value: f64) -> Result<Tok, JsError> {
        match self.peek() {
            Some(c) if is_ident_part(c) => Err(JsError::at(
                "a name cannot start right after a number",
                self.pos,
            )),
            _ => Ok(Tok::Num(value)),
        }
    }

    fn string(&mut self, quote: char) -> Result<Tok, JsError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                Some(c) if c == quote => return Ok(Tok::Str(out)),
                Some('\\') => self.escape(&mut out, start)?,
                None | Some('\n' | '\r') => return Err(JsError::at("unterminated string", start)),
                Some(c) => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut String, start: usize) -> Result<(), JsError> {
        let at = self.pos - 1;
        let c = self
            .bump()
            .ok_or_else(|| JsError::at("unterminated string", start))?;
        let next_is_digit = self.peek().is_some_and(|d| d.is_ascii_digit());
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' if !next_is_digit => out.push('\0'),
            '0'..='9' => return Err(unsupported("an octal escape in a string", at)),
            'x' => {
                out.push(char::from_u32(self.hex(2, at)?).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
            'u' => out.push(self.unicode_escape(at)?),
            '\r' => {
                if self.peek() == Some('\n') {
                    self.bump();
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            c => out.push(c),
        }
        Ok(())
    }

    /// Exactly `n` hexadecimal digits.
    fn hex(&mut self, n: usize, at: usize) -> Result<u32, JsError> {
        let mut value = 0;
        for _ in 0..n {
            let digit = self.peek().and_then(|c| c.to_digit(16));
            let digit = digit.ok_or_else(|| JsError::at("malformed escape sequence", at))?;
            self.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// After `\u`: four hex digits or `{hex}`.
    fn code_point(&mut self, at: usize) -> Result<u32, JsError> {
        if self.peek() != Some('{') {
            return self.hex(4, at);
        }
        self.bump();
        let digits = self.take_while(|c| c.is_ascii_hexdigit());
        let value = u32::from_str_radix(digits, 16)
            .ok()
            .filter(|v| *v <= 0x10_ffff);
        match (value, self.bump()) {
            (Some(v), Some('}')) => Ok(v),
            _ => Err(JsError::at("malformed escape sequence", at)),
        }
    }

    /// `\uXXXX`, joining a surrogate pair written as two escapes; a lone surrogate becomes
    /// U+FFFD, as Rust strings cannot hold it.
    fn unicode_escape(&mut self, at: usize) -> Result<char, JsError> {
        let first = self.code_point(at)?;
        if (0xd800..0xdc00).contains(&first) && self.rest().starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            match self.code_point(at) {
                Ok(low) if (0xdc00..0xe000).contains(&low) => {
                    let c = 0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00);
                    return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                _ => self.pos = save,
            }
        }
        Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn ident(&mut self) -> Result<Tok, JsError> {
        let name = self.take_while(is_ident_part);
        if self.peek() == Some('\\') {
            return Err(unsupported("an escape in a name", self.pos));
        }
        Ok(Tok::Ident(name.to_string()))
    }
}

/// The longest punctuator at the start of `rest`; `?.5` is `?` then `.5`.
fn punctuator(rest: &str) -> Option<&'static str> {
    let digit_follows = rest
        .get(2..)
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    if rest.starts_with("?.") && digit_follows {
        return Some("?");
    }
    PUNCTUATORS.iter().copied().find(|p| rest.starts_with(p))
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_ident_part(c: char) -> bool {
    is_ident_start(c)
        || c.is_ascii_digit()
        || (!c.is_ascii() && c.is_alphanumeric())
        || c == '\u{200c}'
        || c == '\u{200d}'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn reads_literals_and_names() {
        let cases: &[(&str, Vec<Tok>)] = &[
            ("1.5e3", vec![Tok::Num(1500.0), Tok::Eof]),
            (".5", vec![Tok::Num(0.5), Tok::Eof]),
            ("0x1f", vec![Tok::Num(31.0), Tok::Eof]),
            (
                r"'a\'b\n\t\\\u00e9\x41'",
                vec![Tok::Str("a'b\n\t\\éA".into()), Tok::Eof],
            ),
            (
                r#""\ud83d\ude00\u{1F600}""#,
                vec![Tok::Str("😀😀".into()), Tok::Eof],
            ),
            (r#""\ud83d""#, vec![Tok::Str("\u{fffd}".into()), Tok::Eof]),
            (
                "$.a_1",
                vec![
                    Tok::Ident("$".into()),
                    Tok::Punct("."),
                    Tok::Ident("a_1".into()),
                    Tok::Eof,
                ],
            ),
            (
                "a!==b",
                vec![
                    Tok::Ident("a".into()),
                    Tok::Punct("!=="),
                    Tok::Ident("b".into()),
                    Tok::Eof,
                ],
            ),
            (
                "x?.5:1",
                vec![
                    Tok::Ident("x".into()),
                    Tok::Punct("?"),
                    Tok::Num(0.5),
                    Tok::Punct(":"),
                    Tok::Num(1.0),
                    Tok::Eof,
                ],
            ),
            ("/* a */ 1 // b", vec![Tok::Num(1.0), Tok::Eof]),
        ];
        for (src, want) in cases {
            assert_eq!(&toks(src), want, "{src}");
        }
    }

    #[test]
    fn remembers_line_breaks() {
        let lines: Vec<bool> = tokenize("a\nb /*\n*/ c d")
            .iter()
            .map(|t| t.newline_before)
            .collect();
        assert_eq!(lines, [false, true, true, false, false]);
    }

    #[test]
    fn stops_at_the_first_error() {
        let cases: &[(&str, &str, usize)] = &[
            ("'abc", "unterminated string", 0),
            ("1 + \"a\nb\"", "unterminated string", 4),
            ("a /* b", "unterminated comment", 2),
            ("`x`", "a template literal", 0),
            ("1 # 2", "unexpected character `#`", 2),
            ("010", "legacy octal", 0),
            ("3in", "right after a number", 1),
            ("'\\u12'", "malformed escape", 1),
        ];
        for (src, fragment, offset) in cases {
            let last = tokenize(src).pop();
            let Some(Token {
                tok: Tok::Error(message),
                start,
                ..
            }) = last
            else {
                panic!("{src}: no error");
            };
            assert!(message.contains(fragment), "{src}: {message}");
            assert_eq!(start, *offset, "{src}");
        }
    }
}
