//! The evaluator: runs a syntax tree against the input, with `var` hoisted per function,
//! `let`/`const` scoped per block, a step budget and a recursion limit.

use super::builtins;
use super::json;
use super::methods;
use super::ops::binary;
use super::parse::{
    BinOp, Body, DeclKind, Declarator, Expr, ExprKind, LogicOp, Prop, Stmt, StmtKind, UnaryOp,
};
use super::value::{Budget, JsStr, Val, to_number, to_string};
use super::{JsError, MAX_DEPTH, SUBSET, too_deep};
use serde_json::Value;
use std::collections::HashMap;

/// Runs `body` as a program with `$` bound to `input`; its completion value as JSON.
pub(super) fn run(body: &Body, input: &Value) -> Result<Value, JsError> {
    let mut global = Frame::default();
    global.vars.insert("$", Binding::var(Val::from_json(input)));
    let mut interp = Interp {
        global,
        scopes: Vec::new(),
        budget: Budget::new(),
        depth: 0,
        last: Val::Undefined,
        in_declared: false,
    };
    interp.hoist(&body.vars);
    interp.hoist_functions(&body.stmts);
    interp.stmts(&body.stmts)?;
    let last = std::mem::replace(&mut interp.last, Val::Undefined);
    json::to_json(&last, &mut interp.budget)
}

struct Interp<'a> {
    /// The program's scope: `$`, its `var`s and functions, and sloppy-mode globals.
    global: Frame<'a>,
    /// Function and block scopes inside it, innermost last.
    scopes: Vec<Frame<'a>>,
    budget: Budget,
    /// How deeply `exec` and `eval` have recursed.
    depth: u32,
    /// The value of the last expression statement run (the program's completion value).
    last: Val<'a>,
    /// A declared function is running (so it cannot call one: no recursion).
    in_declared: bool,
}

#[derive(Default)]
struct Frame<'a> {
    vars: HashMap<&'a str, Binding<'a>>,
}

struct Binding<'a> {
    value: Val<'a>,
    constant: bool,
}

impl<'a> Binding<'a> {
    fn var(value: Val<'a>) -> Binding<'a> {
        Binding {
            value,
            constant: false,
        }
    }
}

/// How a statement finished.
enum Flow<'a> {
    Normal,
    Return(Val<'a>),
}

impl<'a> Interp<'a> {
    // ---- scopes ----

    fn binding(&mut self, name: &str) -> Option<&mut Binding<'a>> {
        let mut frames = self
            .scopes
            .iter_mut()
            .rev()
            .chain(std::iter::once(&mut self.global));
        frames.find_map(|f| f.vars.get_mut(name))
    }

    /// The innermost scope.
    fn top(&mut self) -> &mut Frame<'a> {
        self.scopes.last_mut().unwrap_or(&mut self.global)
    }

    /// Declares a function's `var` names as `undefined` at its start.
    fn hoist(&mut self, names: &'a [String]) {
        let frame = self.top();
        for name in names {
            frame
                .vars
                .entry(name)
                .or_insert(Binding::var(Val::Undefined));
        }
    }

    /// Declares the program's `function name() { ... }`s at its start, as JavaScript hoists them.
    fn hoist_functions(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            if let StmtKind::Function(name, body) = &s.kind {
                self.global
                    .vars
                    .insert(name, Binding::var(Val::Function(body)));
            }
        }
    }

    /// Reads a variable or a global; a ReferenceError if there is none.
    fn read(&mut self, name: &str, offset: usize) -> Result<Val<'a>, JsError> {
        if let Some(b) = self.binding(name) {
            return Ok(b.value.clone());
        }
        builtins::global(name)
            .ok_or_else(|| JsError::at(format!("ReferenceError: {name} is not defined"), offset))
    }

    fn is_defined(&mut self, name: &str) -> bool {
        self.binding(name).is_some() || builtins::global(name).is_some()
    }

    /// `name = value`: the nearest binding, or a new global (as sloppy-mode JavaScript does).
    fn assign(&mut self, name: &'a str, value: Val<'a>, offset: usize) -> Result<(), JsError> {
        match self.binding(name) {
            Some(b) if b.constant => Err(JsError::at(
                "TypeError: Assignment to constant variable.",
                offset,
            )),
            Some(b) => {
                b.value = value;
                Ok(())
            }
            None => {
                self.global.vars.insert(name, Binding::var(value));
                Ok(())
            }
        }
    }

    fn declare(&mut self, kind: DeclKind, d: &'a Declarator) -> Result<(), JsError> {
        let value = match &d.init {
            Some(init) => self.eval(init)?,
            None if kind == DeclKind::Var => return Ok(()),
            None => Val::Undefined,
        };
        if kind == DeclKind::Var {
            return self.assign(&d.name, value, d.offset);
        }
        let frame = self.top();
        if frame.vars.contains_key(d.name.as_str()) {
            let name = &d.name;
            let message = format!("SyntaxError: Identifier '{name}' has already been declared");
            return Err(JsError::at(message, d.offset));
        }
        let constant = kind == DeclKind::Const;
        frame.vars.insert(&d.name, Binding { value, constant });
        Ok(())
    }

    /// Runs `f` in a new scope.
    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(Frame::default());
        let result = f(self);
        self.scopes.pop();
        result
    }

    // ---- budget and depth ----

    /// Charges a step and one level of recursion for the node at `offset`.
    fn enter(&mut self, offset: usize) -> Result<(), JsError> {
        self.budget.charge(1).map_err(|e| e.or_at(offset))?;
        self.depth += 1;
        if self.depth > 2 * MAX_DEPTH {
            return Err(too_deep(offset));
        }
        Ok(())
    }

    // ---- statements ----

    fn stmts(&mut self, stmts: &'a [Stmt]) -> Result<Flow<'a>, JsError> {
        for s in stmts {
            if let Flow::Return(v) = self.exec(s)? {
                return Ok(Flow::Return(v));
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, s: &'a Stmt) -> Result<Flow<'a>, JsError> {
        self.enter(s.offset)?;
        let flow = self.exec_here(s);
        self.depth -= 1;
        flow
    }

    fn exec_here(&mut self, s: &'a Stmt) -> Result<Flow<'a>, JsError> {
        match &s.kind {
            StmtKind::Expr(e) => self.last = self.eval(e)?,
            StmtKind::Decl(kind, decls) => {
                for d in decls {
                    self.declare(*kind, d)?;
                }
            }
            StmtKind::If(test, then, otherwise) => {
                if self.eval(test)?.truthy() {
                    return self.exec(then);
                }
                if let Some(otherwise) = otherwise {
                    return self.exec(otherwise);
                }
            }
            StmtKind::Block(stmts) => return self.scoped(|it| it.stmts(stmts)),
            StmtKind::Return(value) => {
                let value = match value {
                    Some(e) => self.eval(e)?,
                    None => Val::Undefined,
                };
                return Ok(Flow::Return(value));
            }
            StmtKind::Function(..) | StmtKind::Empty => {}
        }
        Ok(Flow::Normal)
    }

    // ---- expressions ----

    fn eval(&mut self, e: &'a Expr) -> Result<Val<'a>, JsError> {
        self.enter(e.offset)?;
        let value = self.eval_here(e);
        self.depth -= 1;
        value
    }

    fn eval_here(&mut self, e: &'a Expr) -> Result<Val<'a>, JsError> {
        let at = |err: JsError| err.or_at(e.offset);
        match &e.kind {
            ExprKind::Num(n) => Ok(Val::Num(*n)),
            ExprKind::Str(s) => Ok(Val::Str(JsStr::Borrowed(s))),
            ExprKind::Bool(b) => Ok(Val::Bool(*b)),
            ExprKind::Null => Ok(Val::Null),
            ExprKind::Ident(name) => self.read(name, e.offset),
            ExprKind::Array(items) => self.array(items).map_err(at),
            ExprKind::Object(entries) => self.object(entries).map_err(at),
            ExprKind::Member {
                object,
                prop,
                at: prop_at,
            } => {
                let object = self.eval(object)?;
                let key = self.key(prop)?;
                builtins::member(&object, &key, &mut self.budget).map_err(|err| err.or_at(*prop_at))
            }
            ExprKind::Call { callee, args, name } => self.call(callee, args, name).map_err(at),
            ExprKind::Unary(op, operand) => self.unary(*op, operand).map_err(at),
            ExprKind::Binary(op, left, right) => {
                let (a, b) = (self.eval(left)?, self.eval(right)?);
                binary(*op, &a, &b, &mut self.budget).map_err(at)
            }
            ExprKind::Logical(op, left, right) => {
                let a = self.eval(left)?;
                if a.truthy() == (*op == LogicOp::And) {
                    self.eval(right)
                } else {
                    Ok(a)
                }
            }
            ExprKind::Conditional(test, then, otherwise) => {
                if self.eval(test)?.truthy() {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
            ExprKind::Assign { name, op, value } => self.assignment(name, *op, value, e.offset),
            ExprKind::Iife(body) => self.iife(body),
        }
    }

    fn key(&mut self, prop: &'a Prop) -> Result<JsStr<'a>, JsError> {
        match prop {
            Prop::Name(name) => Ok(JsStr::Borrowed(name)),
            Prop::Computed(e) => {
                let k = self.eval(e)?;
                to_string(&k, &mut self.budget).map_err(|err| err.or_at(e.offset))
            }
        }
    }

    fn array(&mut self, items: &'a [Expr]) -> Result<Val<'a>, JsError> {
        let values = items
            .iter()
            .map(|item| self.eval(item))
            .collect::<Result<Vec<_>, _>>()?;
        Val::array(values)
    }

    /// An object literal; a repeated key keeps its first position and takes the last value.
    fn object(&mut self, entries: &'a [(String, Expr)]) -> Result<Val<'a>, JsError> {
        let mut out: Vec<(JsStr<'a>, Val<'a>)> = Vec::with_capacity(entries.len());
        let mut index: HashMap<&'a str, usize> = HashMap::new();
        for (key, e) in entries {
            let value = self.eval(e)?;
            match index.get(key.as_str()) {
                Some(&i) => out[i].1 = value,
                None => {
                    index.insert(key, out.len());
                    out.push((JsStr::Borrowed(key), value));
                }
            }
        }
        Val::object(out)
    }

    /// A call; for `receiver.name(...)` the error says which methods the receiver has.
    fn call(&mut self, callee: &'a Expr, args: &'a [Expr], name: &str) -> Result<Val<'a>, JsError> {
        let (f, receiver) = match &callee.kind {
            ExprKind::Member { object, prop, at } => {
                let receiver = self.eval(object)?;
                let key = self.key(prop)?;
                let f = builtins::member(&receiver, &key, &mut self.budget)
                    .map_err(|err| err.or_at(*at))?;
                (f, Some(receiver))
            }
            _ => (self.eval(callee)?, None),
        };
        let args = args
            .iter()
            .map(|a| self.eval(a))
            .collect::<Result<Vec<_>, _>>()?;
        match f {
            Val::Builtin(b) if b.is_callable() => builtins::call(b, &args, &mut self.budget),
            Val::Method(m) => methods::call_method(&m.0, m.1, &args, &mut self.budget),
            Val::Function(body) => self.call_declared(body, name),
            _ => {
                let hint = receiver.as_ref().map_or("", builtins::hint);
                Err(JsError::new(format!(
                    "TypeError: {name} is not a function{hint}"
                )))
            }
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &'a Expr) -> Result<Val<'a>, JsError> {
        if op == UnaryOp::Typeof
            && let ExprKind::Ident(name) = &operand.kind
            && !self.is_defined(name)
        {
            return Ok(Val::Str(JsStr::Borrowed("undefined")));
        }
        let v = self.eval(operand)?;
        Ok(match op {
            UnaryOp::Not => Val::Bool(!v.truthy()),
            UnaryOp::Neg => Val::Num(-to_number(&v, &mut self.budget)?),
            UnaryOp::Plus => Val::Num(to_number(&v, &mut self.budget)?),
            UnaryOp::Typeof => Val::Str(JsStr::Borrowed(v.type_of())),
        })
    }

    fn assignment(
        &mut self,
        name: &'a str,
        op: Option<BinOp>,
        value: &'a Expr,
        offset: usize,
    ) -> Result<Val<'a>, JsError> {
        let value = match op {
            None => self.eval(value)?,
            Some(op) => {
                let current = self.read(name, offset)?;
                let rhs = self.eval(value)?;
                binary(op, &current, &rhs, &mut self.budget).map_err(|err| err.or_at(offset))?
            }
        };
        self.assign(name, value.clone(), offset)?;
        Ok(value)
    }

    /// Calls a declared function like the IIFE wrapper; one declared function cannot call
    /// another (or itself), so there is no recursion.
    fn call_declared(&mut self, body: &'a Body, name: &str) -> Result<Val<'a>, JsError> {
        if self.in_declared {
            let what = format!("calling `{name}` from inside a declared function");
            return Err(JsError::new(format!(
                "{SUBSET}; {what} is not supported here"
            )));
        }
        self.in_declared = true;
        let result = self.iife(body);
        self.in_declared = false;
        result
    }

    /// `(function(){ ... })()`: the body in a new function scope; its return value, or
    /// `undefined`. Its expression statements do not change the program's completion value.
    fn iife(&mut self, body: &'a Body) -> Result<Val<'a>, JsError> {
        let outer_last = std::mem::replace(&mut self.last, Val::Undefined);
        let flow = self.scoped(|it| {
            it.hoist(&body.vars);
            it.stmts(&body.stmts)
        });
        self.last = outer_last;
        Ok(match flow? {
            Flow::Return(v) => v,
            Flow::Normal => Val::Undefined,
        })
    }
}
