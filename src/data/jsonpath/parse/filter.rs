//! Compiles filter expressions: `[?(<expr>)]` with `||`, `&&`, `!`, parentheses, comparisons.

use super::{Parsed, Parser, is_ident_start};
use crate::data::jsonpath::ParseError;
use crate::data::jsonpath::ast::{CmpOp, Expr, Filter, Operand, Query, Selector, is_definite};
use serde_json::Value;

/// Jayway operators Step Functions does not support; named so the error can say so.
const WORD_OPERATORS: [&str; 11] = [
    "in", "nin", "subsetof", "anyof", "noneof", "size", "empty", "contains", "all", "type",
    "matches",
];

impl Parser<'_> {
    pub(super) fn filter(&mut self) -> Parsed<Selector> {
        let at = self.pos;
        self.bump();
        self.skip_ws();
        if !self.eat('(') {
            return Err(self.error_at(at, "a filter must be written [?(<expression>)]"));
        }
        self.enter()?;
        let expr = self.or_expr()?;
        self.skip_ws();
        self.expect(')')?;
        self.leave();
        let reads_members = expr.reads_members();
        Ok(Selector::Filter(Box::new(Filter {
            expr,
            reads_members,
        })))
    }

    fn or_expr(&mut self) -> Parsed<Expr> {
        let mut left = self.and_expr()?;
        loop {
            self.skip_ws();
            if !self.eat_str("||") {
                return Ok(left);
            }
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
    }

    fn and_expr(&mut self) -> Parsed<Expr> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            if !self.eat_str("&&") {
                return Ok(left);
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Parsed<Expr> {
        self.skip_ws();
        if self.peek() == Some('!') && self.peek2() != Some('=') {
            self.bump();
            self.enter()?;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.eat('(') {
            self.enter()?;
            let inner = self.or_expr()?;
            self.skip_ws();
            self.expect(')')?;
            self.leave();
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Parsed<Expr> {
        let at = self.pos;
        let left = self.operand()?;
        self.skip_ws();
        let Some(op) = self.operator()? else {
            return match left {
                Operand::Query(q) => Ok(Expr::Exists(q)),
                Operand::Literal(_) => {
                    Err(self.error_at(at, "a filter condition must be a comparison or a path"))
                }
            };
        };
        self.skip_ws();
        let right = self.operand()?;
        Ok(Expr::Compare(left, op, right))
    }

    fn operator(&mut self) -> Parsed<Option<CmpOp>> {
        let at = self.pos;
        for unsupported in ["===", "!==", "=~"] {
            if self.rest().starts_with(unsupported) {
                let what = format!("the operator '{unsupported}' is not supported");
                return Err(self.error_at(at, &what));
            }
        }
        const OPS: [(&str, CmpOp); 6] = [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ];
        for (text, op) in OPS {
            if self.eat_str(text) {
                return Ok(Some(op));
            }
        }
        match self.peek() {
            Some('=') => Err(self.error_at(at, "use '==' to compare")),
            Some(c) if c.is_alphabetic() => Err(self.word_operator(at)),
            _ => Ok(None),
        }
    }

    fn word_operator(&mut self, at: usize) -> ParseError {
        let word = self.take_while(char::is_alphanumeric).to_string();
        if WORD_OPERATORS.contains(&word.as_str()) {
            return self.error_at(at, &format!("the operator '{word}' is not supported"));
        }
        self.pos = at;
        self.unexpected_here()
    }

    fn operand(&mut self) -> Parsed<Operand> {
        match self.peek() {
            Some('@') => {
                self.bump();
                self.query(true)
            }
            Some('$') => {
                self.bump();
                if self.peek().is_some_and(|c| c == '$' || is_ident_start(c)) {
                    let what = "only '$' and '@' paths may be used inside a filter";
                    return Err(self.error_at(self.pos - 1, what));
                }
                self.query(false)
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_alphabetic() => self.keyword(),
            Some('/') => Err(self.error_at(self.pos, "regular expressions are not supported")),
            Some('[' | '{') => {
                Err(self.error_at(self.pos, "JSON literals are not supported in filters"))
            }
            _ => Err(self.unexpected_here()),
        }
    }

    fn query(&mut self, relative: bool) -> Parsed<Operand> {
        self.enter()?;
        let steps = self.steps()?;
        self.leave();
        let definite = is_definite(&steps);
        Ok(Operand::Query(Query {
            relative,
            steps,
            definite,
        }))
    }

    fn number(&mut self) -> Parsed<Operand> {
        let start = self.pos;
        self.eat('-');
        self.take_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.take_while(|c| c.is_ascii_digit());
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            self.take_while(|c| c.is_ascii_digit());
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        match text.parse::<serde_json::Number>() {
            Ok(n) => Ok(Operand::Literal(Value::Number(n))),
            Err(_) => Err(self.error_at(start, &format!("invalid number '{text}'"))),
        }
    }

    fn keyword(&mut self) -> Parsed<Operand> {
        let at = self.pos;
        let word = self.take_while(|c| c.is_alphanumeric() || c == '_');
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => {
                let what = format!("unexpected word '{word}' (a path starts with '@' or '$')");
                return Err(self.error_at(at, &what));
            }
        };
        Ok(Operand::Literal(value))
    }
}
