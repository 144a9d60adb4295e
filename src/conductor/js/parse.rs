//! The parser: tokens to a syntax tree of the supported subset. Everything else is rejected by
//! name with the offset where it starts, and no tree is deeper than [`MAX_DEPTH`], so neither
//! parsing nor evaluating nor dropping it can exhaust the stack.

use super::lex::{Tok, Token, tokenize};
use super::text::number_to_string;
use super::{JsError, MAX_DEPTH, too_deep, unsupported};

/// A function body (or the whole program): its statements and the `var` names it declares,
/// which are hoisted to its start.
#[derive(Debug, Clone)]
pub(super) struct Body {
    pub stmts: Vec<Stmt>,
    pub vars: Vec<String>,
}

/// A statement and where it starts.
#[derive(Debug, Clone)]
pub(super) struct Stmt {
    pub kind: StmtKind,
    pub offset: usize,
    depth: u32,
}

/// The statements of the subset.
#[derive(Debug, Clone)]
pub(super) enum StmtKind {
    /// `e;` — its value becomes the program's completion value.
    Expr(Expr),
    /// `var a = 1, b;`
    Decl(DeclKind, Vec<Declarator>),
    /// `if (c) s else s`
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    /// `{ ... }`
    Block(Vec<Stmt>),
    /// `return e;` inside a function.
    Return(Option<Expr>),
    /// `function name() { ... }` at the top level of the program (hoisted).
    Function(String, Box<Body>),
    /// `;`
    Empty,
}

/// `var`, `let` or `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeclKind {
    Var,
    Let,
    Const,
}

/// One `name = init` of a declaration.
#[derive(Debug, Clone)]
pub(super) struct Declarator {
    pub name: String,
    pub init: Option<Expr>,
    pub offset: usize,
}

/// An expression and where it starts.
#[derive(Debug, Clone)]
pub(super) struct Expr {
    pub kind: ExprKind,
    pub offset: usize,
    depth: u32,
}

/// The expressions of the subset.
#[derive(Debug, Clone)]
pub(super) enum ExprKind {
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Ident(String),
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    /// `object.name` or `object[expr]`; `at` is where the property starts.
    Member {
        object: Box<Expr>,
        prop: Prop,
        at: usize,
    },
    /// `callee(args)`; `name` is the callee's source text, for error messages.
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
        name: String,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Logical(LogicOp, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `name = value`, or `name op= value`.
    Assign {
        name: String,
        op: Option<BinOp>,
        value: Box<Expr>,
    },
    /// `(function(){ ... })()`
    Iife(Box<Body>),
}

/// A member's property.
#[derive(Debug, Clone)]
pub(super) enum Prop {
    Name(String),
    Computed(Box<Expr>),
}

/// `! - + typeof`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnaryOp {
    Not,
    Neg,
    Plus,
    Typeof,
}

/// The strict binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
}

/// `&&` and `||`, which may skip their right side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LogicOp {
    And,
    Or,
}

/// A binary operator of either kind.
#[derive(Clone, Copy)]
enum Infix {
    Strict(BinOp),
    Logic(LogicOp),
}

/// Words that cannot name a variable.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import",
    "in", "instanceof", "let", "new", "null", "return", "super", "switch", "this", "throw", "true",
    "try", "typeof", "var", "void", "while", "with", "yield", "await",
];

/// Reserved words for constructs the subset leaves out: a token spelled so is reported as
/// unsupported wherever it turns up.
#[rustfmt::skip]
const UNSUPPORTED_WORDS: &[&str] = &[
    "break", "case", "catch", "class", "continue", "debugger", "default", "delete", "do", "enum",
    "export", "extends", "finally", "for", "import", "in", "instanceof", "new", "super", "switch",
    "this", "throw", "try", "void", "while", "with", "yield", "await",
];

/// Parses a whole program.
pub(super) fn program(src: &str) -> Result<Body, JsError> {
    let mut parser = Parser::new(src);
    parser.scopes.push(Vec::new());
    let mut stmts = Vec::new();
    while !matches!(parser.cur()?.tok, Tok::Eof) {
        stmts.push(parser.statement()?);
    }
    let vars = parser.scopes.pop().unwrap_or_default();
    Ok(Body { stmts, vars })
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    prev_end: usize,
    /// How deeply the parse functions have recursed.
    nesting: u32,
    /// The `var` names of each function being parsed, innermost last.
    scopes: Vec<Vec<String>>,
    eof: Token,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str) -> Parser<'s> {
        let eof = Token {
            tok: Tok::Eof,
            start: src.len(),
            end: src.len(),
            newline_before: false,
        };
        Parser {
            src,
            tokens: tokenize(src),
            pos: 0,
            prev_end: 0,
            nesting: 0,
            scopes: Vec::new(),
            eof,
        }
    }

    // ---- tokens ----

    fn tok(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&self.eof)
    }

    fn peek_tok(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.pos + ahead)
            .map_or(&Tok::Eof, |t| &t.tok)
    }

    /// The current token, or the lexical error that stands in its place.
    fn cur(&self) -> Result<&Token, JsError> {
        let t = self.tok();
        match &t.tok {
            Tok::Error(message) => Err(JsError::at(message.clone(), t.start)),
            _ => Ok(t),
        }
    }

    /// Takes the current token and moves on (never past the last).
    fn bump(&mut self) -> Token {
        let Some(t) = self.tokens.get_mut(self.pos) else {
            return self.eof.clone();
        };
        if matches!(t.tok, Tok::Eof | Tok::Error(_)) {
            return t.clone();
        }
        let placeholder = Token {
            tok: Tok::Eof,
            start: t.start,
            end: t.end,
            newline_before: false,
        };
        let t = std::mem::replace(t, placeholder);
        self.pos += 1;
        self.prev_end = t.end;
        t
    }

    fn is(&self, p: &str) -> bool {
        matches!(&self.tok().tok, Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.tok().tok, Tok::Ident(w) if w == word)
    }

    fn eat(&mut self, p: &str) -> bool {
        let found = self.is(p);
        if found {
            self.bump();
        }
        found
    }

    fn expect(&mut self, p: &str, expected: &str) -> Result<(), JsError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// The error for the current token where `expected` should be: the lexical error, the
    /// unsupported construct it starts, or "expected ..., found ...".
    fn unexpected(&self, expected: &str) -> JsError {
        let t = self.tok();
        if let Some(what) = unsupported_token(&t.tok) {
            return unsupported(&what, t.start);
        }
        match &t.tok {
            Tok::Error(message) => JsError::at(message.clone(), t.start),
            Tok::Eof => JsError::at(
                format!("expected {expected}, but the script ends here"),
                t.start,
            ),
            tok => JsError::at(
                format!("expected {expected}, found {}", describe(tok)),
                t.start,
            ),
        }
    }

    /// Ends a statement: `;`, or a line break, `}` or the end (automatic semicolon insertion).
    fn semicolon(&mut self) -> Result<(), JsError> {
        if self.eat(";") {
            return Ok(());
        }
        let t = self.cur()?;
        if t.newline_before || matches!(t.tok, Tok::Eof | Tok::Punct("}")) {
            return Ok(());
        }
        if matches!(t.tok, Tok::Punct(":")) {
            let hint = "unexpected `:`: labels are not supported, and a `{` that starts a statement \
                        opens a block, not an object (write `({ ... })` for an object)";
            return Err(JsError::at(hint, t.start));
        }
        Err(self.unexpected("`;` or a line break"))
    }

    /// Counts one level of recursion, refusing to go past [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), JsError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(too_deep(self.tok().start));
        }
        Ok(())
    }

    /// Runs `f` one recursion level deeper.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, JsError>) -> Result<T, JsError> {
        self.enter()?;
        let result = f(self);
        self.nesting -= 1;
        result
    }

    // ---- statements ----

    fn statement(&mut self) -> Result<Stmt, JsError> {
        self.nested(Self::statement_here)
    }

    fn statement_here(&mut self) -> Result<Stmt, JsError> {
        let t = self.cur()?;
        let offset = t.start;
        let kind = match &t.tok {
            Tok::Punct("{") => StmtKind::Block(self.block()?),
            Tok::Punct(";") => {
                self.bump();
                StmtKind::Empty
            }
            Tok::Ident(w) if w == "var" => self.declaration(DeclKind::Var)?,
            Tok::Ident(w) if w == "let" => self.declaration(DeclKind::Let)?,
            Tok::Ident(w) if w == "const" => self.declaration(DeclKind::Const)?,
            Tok::Ident(w) if w == "if" => self.if_statement()?,
            Tok::Ident(w) if w == "return" => self.return_statement()?,
            Tok::Ident(w) if w == "function" => self.function_declaration()?,
            _ => {
                let e = self.expression()?;
                self.semicolon()?;
                StmtKind::Expr(e)
            }
        };
        stmt(kind, offset)
    }

    fn block(&mut self) -> Result<Vec<Stmt>, JsError> {
        self.expect("{", "`{`")?;
        let mut stmts = Vec::new();
        while !self.eat("}") {
            if matches!(self.cur()?.tok, Tok::Eof) {
                return Err(self.unexpected("`}`"));
            }
            stmts.push(self.statement()?);
        }
        Ok(stmts)
    }

    fn declaration(&mut self, kind: DeclKind) -> Result<StmtKind, JsError> {
        self.bump();
        let mut decls = Vec::new();
        loop {
            let offset = self.tok().start;
            let name = self.binding_name()?;
            if kind == DeclKind::Var {
                self.declare_var(&name);
            }
            let init = if self.eat("=") {
                Some(self.assignment()?)
            } else {
                None
            };
            if kind == DeclKind::Const && init.is_none() {
                return Err(JsError::at(
                    format!("`const {name}` needs a value (`const {name} = ...`)"),
                    offset,
                ));
            }
            decls.push(Declarator { name, init, offset });
            if !self.eat(",") {
                break;
            }
        }
        self.semicolon()?;
        Ok(StmtKind::Decl(kind, decls))
    }

    fn binding_name(&mut self) -> Result<String, JsError> {
        match &self.cur()?.tok {
            Tok::Ident(w) if !RESERVED.contains(&w.as_str()) => {}
            Tok::Punct("{" | "[") => return Err(unsupported("destructuring", self.tok().start)),
            _ => return Err(self.unexpected("a variable name")),
        }
        match self.bump().tok {
            Tok::Ident(name) => Ok(name),
            _ => Err(self.unexpected("a variable name")),
        }
    }

    fn declare_var(&mut self, name: &str) {
        if let Some(vars) = self.scopes.last_mut() {
            vars.push(name.to_string());
        }
    }

    fn if_statement(&mut self) -> Result<StmtKind, JsError> {
        self.bump();
        self.expect("(", "`(` after `if`")?;
        let test = self.expression()?;
        self.expect(")", "`)`")?;
        let then = self.statement()?;
        let otherwise = if self.is_word("else") {
            self.bump();
            Some(Box::new(self.statement()?))
        } else {
            None
        };
        Ok(StmtKind::If(test, Box::new(then), otherwise))
    }

    fn return_statement(&mut self) -> Result<StmtKind, JsError> {
        if self.scopes.len() < 2 {
            let what = "`return` outside a function";
            return Err(unsupported(what, self.tok().start));
        }
        self.bump();
        let t = self.cur()?;
        let ends = t.newline_before || matches!(t.tok, Tok::Eof | Tok::Punct(";" | "}"));
        let value = if ends { None } else { Some(self.expression()?) };
        self.semicolon()?;
        Ok(StmtKind::Return(value))
    }

    // ---- expressions ----

    fn expression(&mut self) -> Result<Expr, JsError> {
        self.assignment()
    }

    fn assignment(&mut self) -> Result<Expr, JsError> {
        self.nested(Self::assignment_here)
    }

    fn assignment_here(&mut self) -> Result<Expr, JsError> {
        let target = self.conditional()?;
        let op = match &self.tok().tok {
            Tok::Punct("=") => None,
            Tok::Punct("+=") => Some(BinOp::Add),
            Tok::Punct("-=") => Some(BinOp::Sub),
            Tok::Punct("*=") => Some(BinOp::Mul),
            Tok::Punct("/=") => Some(BinOp::Div),
            Tok::Punct("%=") => Some(BinOp::Rem),
            _ => return Ok(target),
        };
        let name = match target.kind {
            ExprKind::Ident(name) => name,
            ExprKind::Member { .. } => {
                return Err(unsupported(
                    "assignment to members (`a.b = ...`)",
                    target.offset,
                ));
            }
            _ => {
                return Err(JsError::at(
                    "only a variable can be assigned to",
                    target.offset,
                ));
            }
        };
        self.bump();
        let value = Box::new(self.assignment()?);
        expr(ExprKind::Assign { name, op, value }, target.offset)
    }

    fn conditional(&mut self) -> Result<Expr, JsError> {
        let test = self.binary(0)?;
        if !self.eat("?") {
            return Ok(test);
        }
        let then = self.assignment()?;
        self.expect(":", "`:` of `? :`")?;
        let otherwise = self.assignment()?;
        let offset = test.offset;
        expr(
            ExprKind::Conditional(Box::new(test), Box::new(then), Box::new(otherwise)),
            offset,
        )
    }

    /// Operators binding at least as tightly as `min`, by precedence climbing.
    fn binary(&mut self, min: u8) -> Result<Expr, JsError> {
        let mut left = self.unary()?;
        while let Some((op, precedence)) = self.infix()?
            && precedence >= min
        {
            self.bump();
            let right = Box::new(self.binary(precedence + 1)?);
            let (offset, left_box) = (left.offset, Box::new(left));
            let kind = match op {
                Infix::Strict(op) => ExprKind::Binary(op, left_box, right),
                Infix::Logic(op) => ExprKind::Logical(op, left_box, right),
            };
            left = expr(kind, offset)?;
        }
        Ok(left)
    }

    /// The binary operator at the current token and its precedence; an error for the ones the
    /// subset leaves out.
    fn infix(&self) -> Result<Option<(Infix, u8)>, JsError> {
        let tok = &self.tok().tok;
        if let Tok::Punct(p) = tok
            && let Some(found) = infix_operator(p)
        {
            return Ok(Some(found));
        }
        let unsupported_infix = matches!(
            tok,
            Tok::Punct("&" | "|" | "^" | "<<" | ">>" | ">>>" | "**" | "??")
        ) || matches!(tok, Tok::Ident(w) if w == "in" || w == "instanceof");
        match unsupported_token(tok) {
            Some(what) if unsupported_infix => Err(unsupported(&what, self.tok().start)),
            _ => Ok(None),
        }
    }

    fn unary(&mut self) -> Result<Expr, JsError> {
        let t = self.cur()?;
        let offset = t.start;
        let op = match &t.tok {
            Tok::Punct("!") => UnaryOp::Not,
            Tok::Punct("-") => UnaryOp::Neg,
            Tok::Punct("+") => UnaryOp::Plus,
            Tok::Ident(w) if w == "typeof" => UnaryOp::Typeof,
            Tok::Punct("~" | "++" | "--") => return Err(self.unexpected("an expression")),
            _ => return self.postfix(),
        };
        self.bump();
        let operand = self.nested(Self::unary)?;
        expr(ExprKind::Unary(op, Box::new(operand)), offset)
    }

    fn postfix(&mut self) -> Result<Expr, JsError> {
        let mut e = self.primary()?;
        loop {
            let offset = e.offset;
            let at = self.tok().start;
            e = if self.eat(".") {
                let prop = Prop::Name(self.property_name()?);
                expr(
                    ExprKind::Member {
                        object: Box::new(e),
                        prop,
                        at,
                    },
                    offset,
                )?
            } else if self.eat("[") {
                let prop = Prop::Computed(Box::new(self.expression()?));
                self.expect("]", "`]`")?;
                expr(
                    ExprKind::Member {
                        object: Box::new(e),
                        prop,
                        at,
                    },
                    offset,
                )?
            } else if self.is("(") {
                let name = source_text(self.src, offset, self.prev_end);
                let args = self.arguments()?;
                expr(
                    ExprKind::Call {
                        callee: Box::new(e),
                        args,
                        name,
                    },
                    offset,
                )?
            } else if self.is("?.")
                || ((self.is("++") || self.is("--")) && !self.tok().newline_before)
            {
                return Err(self.unexpected("an operator"));
            } else {
                return Ok(e);
            };
        }
    }

    /// The name after `.`: any identifier, reserved words included.
    fn property_name(&mut self) -> Result<String, JsError> {
        if !matches!(self.cur()?.tok, Tok::Ident(_)) {
            return Err(self.unexpected("a property name after `.`"));
        }
        match self.bump().tok {
            Tok::Ident(name) => Ok(name),
            _ => Err(self.unexpected("a property name after `.`")),
        }
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, JsError> {
        self.expect("(", "`(`")?;
        let mut args = Vec::new();
        while !self.eat(")") {
            args.push(self.assignment()?);
            if !self.is(")") {
                self.expect(",", "`,` or `)`")?;
            }
        }
        Ok(args)
    }

    fn primary(&mut self) -> Result<Expr, JsError> {
        let t = self.cur()?;
        let offset = t.start;
        let kind = match &t.tok {
            Tok::Num(_) | Tok::Str(_) => self.literal(),
            Tok::Ident(w) => match w.as_str() {
                "true" => self.word(ExprKind::Bool(true)),
                "false" => self.word(ExprKind::Bool(false)),
                "null" => self.word(ExprKind::Null),
                "function" => return Err(unsupported(FUNCTION, offset)),
                w if RESERVED.contains(&w) => return Err(self.unexpected("an expression")),
                _ => self.identifier(),
            },
            Tok::Punct("(") if matches!(self.peek_tok(1), Tok::Ident(w) if w == "function") => {
                ExprKind::Iife(Box::new(self.iife()?))
            }
            Tok::Punct("(") => return self.parenthesized(),
            Tok::Punct("[") => self.array()?,
            Tok::Punct("{") => self.object()?,
            Tok::Punct("/" | "/=") => {
                return Err(unsupported("a regular expression literal", offset));
            }
            _ => return Err(self.unexpected("an expression")),
        };
        expr(kind, offset)
    }

    fn literal(&mut self) -> ExprKind {
        match self.bump().tok {
            Tok::Num(n) => ExprKind::Num(n),
            Tok::Str(s) => ExprKind::Str(s),
            _ => ExprKind::Null,
        }
    }

    fn word(&mut self, kind: ExprKind) -> ExprKind {
        self.bump();
        kind
    }

    fn identifier(&mut self) -> ExprKind {
        match self.bump().tok {
            Tok::Ident(name) => ExprKind::Ident(name),
            _ => ExprKind::Null,
        }
    }

    fn parenthesized(&mut self) -> Result<Expr, JsError> {
        self.bump();
        let e = self.expression()?;
        self.expect(")", "`)`")?;
        Ok(e)
    }

    /// `function name() { ... }`, only at the top level of the program: calling it is the other
    /// wrapper Conductor's documentation uses (`function e() { ... } e();`).
    fn function_declaration(&mut self) -> Result<StmtKind, JsError> {
        let start = self.tok().start;
        if self.scopes.len() != 1 || self.nesting != 1 {
            return Err(unsupported(FUNCTION, start));
        }
        let name = self
            .function_head()?
            .ok_or_else(|| unsupported(FUNCTION, start))?;
        Ok(StmtKind::Function(name, Box::new(self.function_body()?)))
    }

    /// `function name()`, the name optional and parameters refused.
    fn function_head(&mut self) -> Result<Option<String>, JsError> {
        self.bump();
        let named = matches!(&self.cur()?.tok, Tok::Ident(w) if !RESERVED.contains(&w.as_str()));
        let name = match named.then(|| self.bump().tok) {
            Some(Tok::Ident(name)) => Some(name),
            _ => None,
        };
        self.expect("(", "`(` after `function`")?;
        if !self.eat(")") {
            return Err(unsupported("a function parameter", self.tok().start));
        }
        Ok(name)
    }

    /// `(function(){ ... })()` or `(function(){ ... }())`, with no parameters or arguments.
    fn iife(&mut self) -> Result<Body, JsError> {
        let start = self.tok().start;
        self.bump();
        self.function_head()?;
        let body = self.function_body()?;
        let called_inside = self.is("(");
        if called_inside {
            self.empty_call()?;
        }
        self.expect(")", "`)`")?;
        if !called_inside {
            if !self.is("(") {
                return Err(unsupported(FUNCTION, start));
            }
            self.empty_call()?;
        }
        Ok(body)
    }

    fn empty_call(&mut self) -> Result<(), JsError> {
        self.expect("(", "`(`")?;
        if !self.eat(")") {
            return Err(unsupported(
                "an argument to the wrapper function",
                self.tok().start,
            ));
        }
        Ok(())
    }

    fn function_body(&mut self) -> Result<Body, JsError> {
        self.scopes.push(Vec::new());
        let stmts = self.block();
        let vars = self.scopes.pop().unwrap_or_default();
        Ok(Body {
            stmts: stmts?,
            vars,
        })
    }

    fn array(&mut self) -> Result<ExprKind, JsError> {
        self.bump();
        let mut items = Vec::new();
        while !self.eat("]") {
            if self.is(",") {
                return Err(unsupported(
                    "an empty array element (`[1,,2]`)",
                    self.tok().start,
                ));
            }
            items.push(self.assignment()?);
            if !self.is("]") {
                self.expect(",", "`,` or `]`")?;
            }
        }
        Ok(ExprKind::Array(items))
    }

    fn object(&mut self) -> Result<ExprKind, JsError> {
        self.bump();
        let mut entries = Vec::new();
        while !self.eat("}") {
            entries.push(self.property()?);
            if !self.is("}") {
                self.expect(",", "`,` or `}`")?;
            }
        }
        Ok(ExprKind::Object(entries))
    }

    /// `key: value`, or the shorthand `name`.
    fn property(&mut self) -> Result<(String, Expr), JsError> {
        let t = self.cur()?;
        let offset = t.start;
        let (key, shorthand) = match &t.tok {
            Tok::Ident(w) => (w.clone(), !RESERVED.contains(&w.as_str())),
            Tok::Str(s) => (s.clone(), false),
            Tok::Num(n) => (number_to_string(*n), false),
            Tok::Punct("[") => {
                return Err(unsupported("a computed property name (`[k]: v`)", offset));
            }
            _ => return Err(self.unexpected("a property name")),
        };
        self.bump();
        if self.eat(":") {
            return Ok((key, self.assignment()?));
        }
        if shorthand && (self.is(",") || self.is("}")) {
            return Ok((key.clone(), expr(ExprKind::Ident(key), offset)?));
        }
        if self.is("(") || matches!(self.tok().tok, Tok::Ident(_) | Tok::Str(_)) {
            return Err(unsupported(
                "a method, getter or setter in an object literal",
                offset,
            ));
        }
        Err(self.unexpected("`:`"))
    }
}

const FUNCTION: &str =
    "`function` (other than the wrappers `(function(){ ... })()` and `function e() { ... } e();`)";

/// Builds an expression node, refusing trees deeper than [`MAX_DEPTH`].
fn expr(kind: ExprKind, offset: usize) -> Result<Expr, JsError> {
    let depth = 1 + expr_children_depth(&kind);
    if depth > MAX_DEPTH {
        return Err(too_deep(offset));
    }
    Ok(Expr {
        kind,
        offset,
        depth,
    })
}

/// Builds a statement node, refusing trees deeper than [`MAX_DEPTH`].
fn stmt(kind: StmtKind, offset: usize) -> Result<Stmt, JsError> {
    let depth = 1 + stmt_children_depth(&kind);
    if depth > MAX_DEPTH {
        return Err(too_deep(offset));
    }
    Ok(Stmt {
        kind,
        offset,
        depth,
    })
}

fn max_depth<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> u32 {
    exprs.into_iter().map(|e| e.depth).max().unwrap_or(0)
}

fn expr_children_depth(kind: &ExprKind) -> u32 {
    match kind {
        ExprKind::Num(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Ident(_) => 0,
        ExprKind::Array(items) => max_depth(items),
        ExprKind::Object(entries) => max_depth(entries.iter().map(|(_, e)| e)),
        ExprKind::Member { object, prop, .. } => match prop {
            Prop::Name(_) => object.depth,
            Prop::Computed(key) => object.depth.max(key.depth),
        },
        ExprKind::Call { callee, args, .. } => callee.depth.max(max_depth(args)),
        ExprKind::Unary(_, e) => e.depth,
        ExprKind::Assign { value, .. } => value.depth,
        ExprKind::Binary(_, a, b) | ExprKind::Logical(_, a, b) => a.depth.max(b.depth),
        ExprKind::Conditional(a, b, c) => a.depth.max(b.depth).max(c.depth),
        ExprKind::Iife(body) => body.stmts.iter().map(|s| s.depth).max().unwrap_or(0),
    }
}

fn stmt_children_depth(kind: &StmtKind) -> u32 {
    match kind {
        StmtKind::Expr(e) => e.depth,
        StmtKind::Decl(_, decls) => max_depth(decls.iter().filter_map(|d| d.init.as_ref())),
        StmtKind::If(test, then, otherwise) => {
            let other = otherwise.as_ref().map_or(0, |s| s.depth);
            test.depth.max(then.depth).max(other)
        }
        StmtKind::Block(stmts) => stmts.iter().map(|s| s.depth).max().unwrap_or(0),
        StmtKind::Return(e) => e.as_ref().map_or(0, |e| e.depth),
        StmtKind::Function(_, body) => body.stmts.iter().map(|s| s.depth).max().unwrap_or(0),
        StmtKind::Empty => 0,
    }
}

/// The precedence of the supported binary operators (higher binds tighter).
fn infix_operator(p: &str) -> Option<(Infix, u8)> {
    use BinOp::*;
    let (op, precedence) = match p {
        "||" => (Infix::Logic(LogicOp::Or), 1),
        "&&" => (Infix::Logic(LogicOp::And), 2),
        "==" => (Infix::Strict(Eq), 3),
        "!=" => (Infix::Strict(Ne), 3),
        "===" => (Infix::Strict(StrictEq), 3),
        "!==" => (Infix::Strict(StrictNe), 3),
        "<" => (Infix::Strict(Lt), 4),
        "<=" => (Infix::Strict(Le), 4),
        ">" => (Infix::Strict(Gt), 4),
        ">=" => (Infix::Strict(Ge), 4),
        "+" => (Infix::Strict(Add), 5),
        "-" => (Infix::Strict(Sub), 5),
        "*" => (Infix::Strict(Mul), 6),
        "/" => (Infix::Strict(Div), 6),
        "%" => (Infix::Strict(Rem), 6),
        _ => return None,
    };
    Some((op, precedence))
}

/// The construct a token starts, when the subset leaves it out.
fn unsupported_token(tok: &Tok) -> Option<String> {
    let what = match tok {
        Tok::Ident(w) if w == "function" => FUNCTION,
        Tok::Ident(w) if UNSUPPORTED_WORDS.contains(&w.as_str()) => return Some(format!("`{w}`")),
        Tok::Punct(p) => match *p {
            "=>" => "an arrow function (`=>`)",
            "++" | "--" | "**" | "**=" | "??" | "??=" => return Some(format!("`{p}`")),
            "," => "the comma operator",
            "?." => "optional chaining (`?.`)",
            "..." => "spread (`...`)",
            "&&=" | "||=" => "logical assignment (`&&=`, `||=`)",
            "&" | "|" | "^" | "~" | "<<" | ">>" | ">>>" | "&=" | "|=" | "^=" | "<<=" | ">>="
            | ">>>=" => return Some(format!("the bitwise operator `{p}`")),
            _ => return None,
        },
        _ => return None,
    };
    Some(what.to_string())
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(n) => format!("the number {}", number_to_string(*n)),
        Tok::Str(_) => "a string".into(),
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Eof => "the end of the script".into(),
        Tok::Error(message) => message.clone(),
    }
}

/// `src[start..end]`, shortened for messages.
fn source_text(src: &str, start: usize, end: usize) -> String {
    let text = src.get(start..end).unwrap_or("");
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
