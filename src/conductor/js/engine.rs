//! The embedded engine: one QuickJS runtime per thread, a fresh context per evaluation (so no
//! script sees another's globals, as with Conductor's default of a new GraalJS context per call),
//! and the sandbox: only the language's own built-ins (no `std`/`os` modules, no module loader),
//! a heap limit, a stack limit and a time budget enforced by the interrupt handler.
//!
//! The clock read here is a watchdog, not data: it only ever stops a script that runs too long,
//! and the result of a script that finishes never depends on it.
#![allow(clippy::disallowed_methods)]

use super::{JsError, MEMORY_LIMIT, STACK_LIMIT, TIME_LIMIT, convert};
use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Runtime};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

/// The name the engine gives the source in stack traces; [`place`] looks for it.
const FILE: &str = "script";
/// How close to [`MEMORY_LIMIT`] a failed script's heap must be to call the failure a lack of memory.
const OUT_OF_MEMORY_MARGIN: usize = 1024 * 1024;
/// What [`check`] puts before the source on its first line.
const CHECK_OPEN: &str = "(function(){";

/// When the running evaluation must stop, shared with the interrupt handler.
type Deadline = Rc<Cell<Option<Instant>>>;

thread_local! {
    /// This thread's runtime, made on first use.
    static RUNTIME: RefCell<Option<(Runtime, Deadline)>> = const { RefCell::new(None) };
}

/// Runs `f` in a fresh context of this thread's runtime, with the time budget running.
fn with_context<R>(f: impl FnOnce(Ctx<'_>) -> Result<R, JsError>) -> Result<R, JsError> {
    RUNTIME.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(new_runtime()?);
        }
        let Some((runtime, deadline)) = slot.as_ref() else {
            return Err(JsError::new("the JavaScript engine could not start"));
        };
        let context = Context::full(runtime)
            .map_err(|e| JsError::new(format!("the JavaScript engine could not start: {e}")))?;
        deadline.set(Some(Instant::now() + TIME_LIMIT));
        let mut result = context.with(f);
        deadline.set(None);
        // Out of memory, the engine may not even manage to build its error (a script then
        // seems to have thrown `null`): the heap's size tells.
        let used = usize::try_from(runtime.memory_usage().malloc_size).unwrap_or(0);
        if result.is_err() && used + OUT_OF_MEMORY_MARGIN >= MEMORY_LIMIT {
            result = Err(out_of_memory());
        }
        drop(context);
        // What a script built may be in cycles that only the collector frees; a script that hit
        // the memory limit must not leave the next one without memory.
        runtime.run_gc();
        result
    })
}

/// A runtime with the sandbox's limits and an interrupt handler that reads `deadline`.
fn new_runtime() -> Result<(Runtime, Deadline), JsError> {
    let runtime = Runtime::new()
        .map_err(|e| JsError::new(format!("the JavaScript engine could not start: {e}")))?;
    runtime.set_memory_limit(MEMORY_LIMIT);
    runtime.set_max_stack_size(STACK_LIMIT);
    let deadline: Deadline = Rc::new(Cell::new(None));
    let watched = Rc::clone(&deadline);
    runtime.set_interrupt_handler(Some(Box::new(move || {
        watched.get().is_some_and(|d| Instant::now() >= d)
    })));
    Ok((runtime, deadline))
}

/// Checks the syntax of `source` without running it: compiles it as the body of a function that
/// is never called.
pub(super) fn check(source: &str) -> Result<(), JsError> {
    with_context(|ctx| {
        let wrapped = format!("{CHECK_OPEN}{source}\n}})");
        match ctx.eval_with_options::<rquickjs::Value, _>(wrapped, options()) {
            Ok(_) => Ok(()),
            Err(e) => Err(caught(&ctx, source, e, CHECK_OPEN.len() as u32)),
        }
    })
}

/// Runs `source` as a global script with `$` bound to `input`, and converts its value.
pub(super) fn eval(source: &str, input: &Value) -> Result<Value, JsError> {
    with_context(|ctx| {
        let json = serde_json::to_string(input)
            .map_err(|e| JsError::new(format!("the input cannot be given to the script: {e}")))?;
        let dollar = ctx
            .json_parse(json)
            .map_err(|e| caught(&ctx, source, e, 0))?;
        ctx.globals()
            .set("$", dollar)
            .map_err(|e| caught(&ctx, source, e, 0))?;
        let value = ctx
            .eval_with_options::<rquickjs::Value, _>(source, options())
            .map_err(|e| caught(&ctx, source, e, 0))?;
        convert::to_json(&value).map_err(|e| match e {
            convert::Error::Js(e) => caught(&ctx, source, e, 0),
            convert::Error::TooDeep => JsError::new(format!(
                "the script's result nests more than {} levels deep (or refers to itself)",
                super::MAX_WALK
            )),
        })
    })
}

/// Sloppy-mode global code, as GraalJS runs Conductor's scripts.
fn options() -> EvalOptions {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(FILE.to_string());
    options
}

/// The pending exception as a [`JsError`]; `shift` is how many characters the caller put before
/// the source on its first line.
fn caught(ctx: &Ctx<'_>, source: &str, error: rquickjs::Error, shift: u32) -> JsError {
    if !error.is_exception() {
        return JsError::new(format!("the JavaScript engine failed: {error}"));
    }
    let thrown = ctx.catch();
    if let Some(exception) = thrown.as_exception() {
        let name: Option<String> = exception.as_object().get("name").ok();
        let message = exception.message().unwrap_or_default();
        let stack = exception.stack().unwrap_or_default();
        let limit = match (name.as_deref(), message.as_str()) {
            (Some("InternalError"), "interrupted") => Some(format!(
                "the script ran too long and was stopped (the limit is {} s)",
                super::TIME_LIMIT.as_secs_f64()
            )),
            (Some("InternalError"), "out of memory") => return out_of_memory(),
            _ => None,
        };
        if let Some(limit) = limit {
            return JsError::new(limit);
        }
        return JsError {
            message: match name {
                Some(name) => format!("{name}: {message}"),
                None => message,
            },
            at: place(&stack, shift).map(|at| within(source, at)),
        };
    }
    let shown = ctx
        .json_stringify(thrown.clone())
        .ok()
        .flatten()
        .and_then(|s| s.to_string().ok())
        .or_else(|| thrown.get::<rquickjs::Coerced<String>>().ok().map(|c| c.0))
        .unwrap_or_else(|| "a value".to_string());
    JsError::new(format!("the script threw {shown}"))
}

/// The error for a script that reached [`MEMORY_LIMIT`].
fn out_of_memory() -> JsError {
    JsError::new(format!(
        "the script ran out of memory (the limit is {} MiB)",
        MEMORY_LIMIT / (1024 * 1024)
    ))
}

/// `at`, or the end of `source` when `at` lies past it (a script cut short is reported by the
/// engine where [`check`]'s wrapper closes).
fn within(source: &str, at: (u32, u32)) -> (u32, u32) {
    let lines = source.split('\n').count() as u32;
    if at.0 <= lines {
        return at;
    }
    let last = source.rsplit('\n').next().unwrap_or_default();
    (lines, last.chars().count() as u32 + 1)
}

/// The first `script:line:column` in a stack trace, with `shift` taken off columns on line 1.
fn place(stack: &str, shift: u32) -> Option<(u32, u32)> {
    let marker = format!("{FILE}:");
    let start = stack.find(&marker)? + marker.len();
    let mut numbers = stack[start..]
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(str::parse::<u32>);
    let line = numbers.next()?.ok()?;
    let column = numbers.next()?.ok()?;
    let column = if line == 1 {
        column.saturating_sub(shift).max(1)
    } else {
        column
    };
    Some((line, column))
}
