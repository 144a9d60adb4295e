//! The embedded engine: one QuickJS runtime and context per thread, made once and reused by every
//! evaluation on that thread, and the sandbox around it: only the language's own built-ins (no
//! `std`/`os` modules, no module loader), a heap limit, a stack limit and a time budget per
//! evaluation enforced by the interrupt handler.
//!
//! Isolation. Conductor gives each evaluation a fresh GraalJS context; making a fresh QuickJS
//! context costs more than a typical script takes, so the context is shared and put back after
//! each evaluation instead (`sandbox.js`, run once per context):
//! - a script runs as an indirect `eval` of its source: the same sloppy-mode global code, but its
//!   `let`, `const` and `class` declarations end with it, and its `var`s and functions are
//!   globals that can be deleted;
//! - afterwards every global the script added (`$` included) is deleted and every built-in
//!   global it replaced is assigned back;
//! - the built-in objects are frozen, so no script changes `Array.prototype` or `JSON` for the
//!   next one. A script that tries is refused as a frozen object refuses: silently in sloppy
//!   code, with a `TypeError` in strict code (`"use strict"`, classes). Conductor's fresh context
//!   would allow it; scripts that compute a value from `$` never need it.
//!
//! The runtime is dropped, and the next evaluation makes a new one, whenever it cannot be trusted
//! to be as new: after a script ran out of time or memory, when `sandbox.js`'s reset refuses, or
//! when a script left promise jobs queued (nothing runs them).
//!
//! The clock read here is a watchdog, not data: it only ever stops a script that runs too long,
//! and the result of a script that finishes never depends on it.
#![allow(clippy::disallowed_methods)]

use super::{JsError, MEMORY_LIMIT, STACK_LIMIT, TIME_LIMIT, convert};
use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Persistent, Runtime};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

/// The name [`check`] gives the source in stack traces.
const CHECK_FILE: &str = "script";
/// The name QuickJS gives the source of an `eval`, in stack traces.
const EVAL_FILE: &str = "<input>";
/// How close to [`MEMORY_LIMIT`] a failed script's heap must be to call the failure a lack of memory.
const OUT_OF_MEMORY_MARGIN: usize = 1024 * 1024;
/// What [`check`] puts before the source on its first line.
const CHECK_OPEN: &str = "(function(){";
/// How much the heap may grow past a new engine's before the collector runs.
const GC_HEADROOM: usize = 4 * 1024 * 1024;
/// Freezes the built-ins and gives the function that puts the globals back.
const SANDBOX: &str = include_str!("sandbox.js");

/// When the running evaluation must stop, shared with the interrupt handler.
type Deadline = Rc<Cell<Option<Instant>>>;

thread_local! {
    /// This thread's engine, made on first use and after one was dropped.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// A runtime with one context, ready for the next evaluation. Fields drop in order: the saved
/// functions before the context, the context before the runtime.
struct Engine {
    /// The built-in `eval`, which every script is run through.
    eval: Persistent<Function<'static>>,
    /// `sandbox.js`'s `reset`.
    reset: Persistent<Function<'static>>,
    context: Context,
    runtime: Runtime,
    deadline: Deadline,
    /// The heap size at which the collector runs after each evaluation: the new engine's heap
    /// and [`GC_HEADROOM`].
    gc_threshold: usize,
}

impl Engine {
    /// A runtime with the sandbox's limits, an interrupt handler that reads the deadline, and a
    /// context whose built-ins are frozen.
    fn new() -> Result<Engine, JsError> {
        let failed = |e: rquickjs::Error| {
            JsError::new(format!("the JavaScript engine could not start: {e}"))
        };
        let runtime = Runtime::new().map_err(failed)?;
        runtime.set_memory_limit(MEMORY_LIMIT);
        runtime.set_max_stack_size(STACK_LIMIT);
        let deadline: Deadline = Rc::new(Cell::new(None));
        let watched = Rc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || {
            watched.get().is_some_and(|d| Instant::now() >= d)
        })));
        let context = Context::full(&runtime).map_err(failed)?;
        let (eval, reset) = context
            .with(|ctx| -> rquickjs::Result<_> {
                let eval: Function = ctx.globals().get("eval")?;
                let reset: Function = ctx.eval(SANDBOX)?;
                Ok((Persistent::save(&ctx, eval), Persistent::save(&ctx, reset)))
            })
            .map_err(failed)?;
        runtime.run_gc();
        let heap = usize::try_from(runtime.memory_usage().malloc_size).unwrap_or(0);
        Ok(Engine {
            eval,
            reset,
            context,
            runtime,
            deadline,
            gc_threshold: heap + GC_HEADROOM,
        })
    }

    /// Whether the heap is so close to [`MEMORY_LIMIT`] that a failure was a lack of memory:
    /// out of memory, the engine may not even manage to build its error (a script then seems to
    /// have thrown `null`).
    fn out_of_memory(&self) -> bool {
        let used = usize::try_from(self.runtime.memory_usage().malloc_size).unwrap_or(0);
        used + OUT_OF_MEMORY_MARGIN >= MEMORY_LIMIT
    }
}

/// Runs `f` in this thread's context with the time budget running. `runs` says whether `f` runs
/// script code: then the globals are put back afterwards.
fn with_engine<R>(
    runs: bool,
    f: impl FnOnce(&Ctx<'_>, &Engine) -> Result<R, JsError>,
) -> Result<R, JsError> {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = match slot.take() {
            Some(engine) => engine,
            None => Engine::new()?,
        };
        let deadline = Instant::now() + TIME_LIMIT;
        engine.deadline.set(Some(deadline));
        let mut result = engine.context.with(|ctx| f(&ctx, &engine));
        let failed = result.is_err() && runs;
        let out_of_time = failed && Instant::now() >= deadline;
        // Measured before the reset frees what the script's globals held.
        let out_of_memory = failed && engine.out_of_memory();
        let clean = !runs
            || (!out_of_time && !out_of_memory && engine.context.with(|ctx| reset(&ctx, &engine)));
        engine.deadline.set(None);
        if out_of_memory {
            result = Err(self::out_of_memory());
        }
        if clean && !engine.runtime.is_job_pending() {
            // What this script left in cycles waits for the collector, which runs once the heap
            // grows past the threshold; after a big script that threshold is high, and the
            // garbage of the scripts after it could fill the heap before it is reached.
            engine.runtime.set_gc_threshold(engine.gc_threshold);
            *slot = Some(engine);
        }
        result
    })
}

/// Puts the globals back after an evaluation; false when they cannot be.
fn reset(ctx: &Ctx<'_>, engine: &Engine) -> bool {
    let done = engine
        .reset
        .clone()
        .restore(ctx)
        .and_then(|reset| reset.call::<_, bool>(()));
    match done {
        Ok(clean) => clean,
        Err(_) => {
            ctx.catch();
            false
        }
    }
}

thread_local! {
    /// Hashes of the sources [`check`] passed on this thread: a task's script is checked when it
    /// is read and again each time it runs, and compiling it is most of what a check costs.
    static CHECKED: RefCell<std::collections::HashSet<u64>> = RefCell::default();
}

/// How many passed sources a thread remembers before it forgets them all.
const MAX_CHECKED: usize = 4096;

/// Checks the syntax of `source` without running it: compiles it as the body of a function that
/// is never called. A source that passed before on this thread is not compiled again (were two
/// sources to share a hash, a syntax error would still be reported, by the evaluation).
pub(super) fn check(source: &str) -> Result<(), JsError> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut hasher);
    let key = hasher.finish();
    if CHECKED.with(|c| c.borrow().contains(&key)) {
        return Ok(());
    }
    compile_check(source)?;
    CHECKED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_CHECKED {
            c.clear();
        }
        c.insert(key);
    });
    Ok(())
}

fn compile_check(source: &str) -> Result<(), JsError> {
    with_engine(false, |ctx, _| {
        let wrapped = format!("{CHECK_OPEN}{source}\n}})");
        match ctx.eval_with_options::<rquickjs::Value, _>(wrapped, check_options()) {
            Ok(_) => Ok(()),
            Err(e) => Err(caught(ctx, source, e, CHECK_FILE, CHECK_OPEN.len() as u32)),
        }
    })
}

/// Runs `source` as global code with `$` bound to `input`, and converts its value.
pub(super) fn eval(source: &str, input: &Value) -> Result<Value, JsError> {
    with_engine(true, |ctx, engine| {
        let thrown = |e| caught(ctx, source, e, EVAL_FILE, 0);
        let json = serde_json::to_string(input)
            .map_err(|e| JsError::new(format!("the input cannot be given to the script: {e}")))?;
        let dollar = ctx.json_parse(json).map_err(thrown)?;
        ctx.globals().set("$", dollar).map_err(thrown)?;
        let eval = engine.eval.clone().restore(ctx).map_err(thrown)?;
        let value: rquickjs::Value = eval.call((source,)).map_err(thrown)?;
        convert::to_json(ctx, &value).map_err(|e| match e {
            convert::Error::Js(e) => thrown(e),
            convert::Error::TooDeep => JsError::new(format!(
                "the script's result nests more than {} levels deep (or refers to itself)",
                super::MAX_WALK
            )),
        })
    })
}

/// Sloppy-mode global code, as GraalJS runs Conductor's scripts.
fn check_options() -> EvalOptions {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(CHECK_FILE.to_string());
    options
}

/// The pending exception as a [`JsError`]; `file` is the source's name in stack traces and
/// `shift` how many characters the caller put before the source on its first line.
fn caught(ctx: &Ctx<'_>, source: &str, error: rquickjs::Error, file: &str, shift: u32) -> JsError {
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
            at: place(&stack, file, shift).map(|at| within(source, at)),
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

/// Where in the source a stack trace points, with `shift` taken off columns on line 1: the first
/// call frame in `file` (`at f (file:line:column)`), else the first bare `file:line:column` (where
/// the parser stopped). Frames come first because `JSON.parse` reports its own text's position as
/// a bare `<input>:line:column` too.
fn place(stack: &str, file: &str, shift: u32) -> Option<(u32, u32)> {
    let framed = format!("({file}:");
    let bare = format!("{file}:");
    let start = match stack.find(&framed) {
        Some(i) => i + framed.len(),
        None => stack.find(&bare)? + bare.len(),
    };
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
