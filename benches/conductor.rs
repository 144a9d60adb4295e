//! Conductor workflows through the runtime, in process (run: `cargo bench --bench conductor`, or
//! `scripts/bench`). No targets were set; the figures are in BENCHMARKS.md.
//!
//! (a) start → COMPLETED of a five-task workflow (SET_VARIABLE, SWITCH, INLINE JavaScript,
//!     SET_VARIABLE, NOOP), per workflow, on an SQLite file;
//! (b) the same on the in-memory store;
//! (c) the seed's round trip without its 10 s WAIT: FORK (WAIT | EVENT to sqs:q), the handler on
//!     sqs:q completes the WAIT, JOIN — start, publish, listen, complete — per workflow, SQLite;
//! (d) `javascript`: one evaluation of a typical INLINE script (filter/map/reduce over a small
//!     input) as the INLINE task runs it (syntax check, then evaluation), after warm-up, on the
//!     thread's reused context. Target ≤ 50 µs. Beside it, the same script the way the engine
//!     ran it before the context was reused: a fresh context for the check and another for the
//!     run, each followed by a collection (`fresh_context`, rquickjs directly).
//!
//! A word after `--` runs only the cases whose name contains it: `cargo bench --bench conductor
//! -- javascript`.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use stepwise::conductor::ops::Start;
use stepwise::runtime::clock::SystemClock;
use stepwise::runtime::conductor::Conductor;
use stepwise::runtime::queues::Queues;
use stepwise::store::{MemoryStore, SqliteStore, Store};

const RUNS: usize = 9;
const WORKFLOWS: usize = 300;

fn conductor(store: Arc<dyn Store>) -> Conductor {
    let queues = Queues::new(&store, None, &Default::default());
    Conductor::new(store, queues, SystemClock::shared())
}

fn five_tasks() -> Value {
    json!({"name": "five", "tasks": [
        {"name": "a", "taskReferenceName": "a", "type": "SET_VARIABLE", "inputParameters": {"n": "${workflow.input.n}"}},
        {"name": "s", "taskReferenceName": "s", "type": "SWITCH", "evaluatorType": "value-param", "expression": "k",
         "inputParameters": {"k": "${workflow.input.k}"}, "decisionCases": {"x": [
            {"name": "i", "taskReferenceName": "i", "type": "INLINE", "inputParameters": {"n": "${workflow.variables.n}",
             "expression": "(function(){ return $.n * 2 + 1; })()"}}]}},
        {"name": "b", "taskReferenceName": "b", "type": "SET_VARIABLE", "inputParameters": {"m": "${i.output.result}"}},
        {"name": "z", "taskReferenceName": "z", "type": "NOOP"}
    ], "outputParameters": {"m": "${workflow.variables.m}"}})
}

fn round_trip() -> (Value, Value) {
    let wf = json!({"name": "trip", "tasks": [
        {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "forkTasks": [
            [{"name": "w", "taskReferenceName": "w", "type": "WAIT"}],
            [{"name": "e", "taskReferenceName": "e", "type": "EVENT", "sink": "sqs:q"}]]},
        {"name": "j", "taskReferenceName": "j", "type": "JOIN", "joinOn": ["w", "e"]}
    ]});
    let handler = json!({"name": "h", "event": "sqs:q", "active": true, "actions": [
        {"action": "complete_task", "complete_task": {"workflowId": "${workflowInstanceId}", "taskRefName": "w"}}]});
    (wf, handler)
}

/// Median microseconds per workflow over `RUNS` batches of `WORKFLOWS`.
fn measure(mut batch: impl FnMut() -> usize) -> f64 {
    let mut per = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let n = batch();
        per.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    per.sort_by(f64::total_cmp);
    per[RUNS / 2]
}

fn start(c: &Conductor, name: &str, input: Value) -> String {
    let start = Start {
        input: input.as_object().cloned().unwrap_or_default(),
        ..Start::default()
    };
    c.start(name, None, start).expect("starts")
}

fn sqlite() -> (Arc<dyn Store>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-conductor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let store = SqliteStore::open(&dir.join("db")).expect("a database");
    (Arc::new(store), dir)
}

/// Whether the case `name` runs: no filter, or the filter is part of its name.
fn wanted(name: &str) -> bool {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    filter.is_none_or(|f| name.contains(&f))
}

fn main() {
    if wanted("javascript") {
        javascript();
    }
    if wanted("workflows") {
        workflows();
    }
}

/// The typical INLINE script of (d) and its input.
const SCRIPT: &str = "(function(){ const paid = $.orders.filter(o => o.status === 'PAID'); \
     return { ids: paid.map(o => o.id), total: paid.reduce((a, o) => a + o.amount, 0), \
     due: new Date($.ts).getTime() + 86400000 }; })()";

fn script_input() -> Value {
    json!({"ts": "2024-02-28T10:00:00Z", "orders": [
        {"id": "a1", "amount": 120.5, "status": "PAID"}, {"id": "b2", "amount": 30, "status": "PENDING"},
        {"id": "c3", "amount": 75.25, "status": "PAID"}]})
}

/// (d): a typical INLINE script, evaluated again and again, after and before the context was reused.
fn javascript() {
    const EVALS: usize = 2000;
    let input = script_input();
    let inline = || {
        stepwise::conductor::js::Script::parse(SCRIPT)
            .and_then(|s| s.eval(&input))
            .unwrap()
    };
    let want = inline();
    let runtime = rquickjs::Runtime::new().unwrap();
    runtime.set_memory_limit(32 * 1024 * 1024);
    runtime.set_max_stack_size(512 * 1024);
    let before = || fresh_context(&runtime, &input, true);
    let context_only = || fresh_context(&runtime, &input, false);
    assert_eq!(before(), want, "both ways give the same result");
    for _ in 0..100 {
        inline();
        before();
        context_only();
    }
    let each = |f: &dyn Fn() -> Value| {
        measure(|| {
            for _ in 0..EVALS {
                f();
            }
            EVALS
        })
    };
    let before = each(&before);
    let context_only = each(&context_only);
    let after = each(&inline);
    println!(
        "(d) javascript: a typical INLINE script (check + evaluation): median {after:.1} µs per \
         evaluation on the reused context; {before:.1} µs as before (a fresh context for the check \
         and one for the run, a collection after each), ratio {:.1}; {context_only:.1} µs for just \
         one fresh context per evaluation, no check, no collection",
        before / after
    );
}

/// The engine's steps before contexts were reused (`checked`): a context to check the syntax,
/// another to run the script with `$` bound, a collection after each. Without `checked`, only the
/// fresh context to run it in: the cheapest way to isolate evaluations without reusing one.
fn fresh_context(runtime: &rquickjs::Runtime, input: &Value, checked: bool) -> Value {
    let sloppy = || {
        let mut options = rquickjs::context::EvalOptions::default();
        options.strict = false;
        options
    };
    if checked {
        let check = rquickjs::Context::full(runtime).unwrap();
        check.with(|ctx| {
            let wrapped = format!("(function(){{{SCRIPT}\n}})");
            let _: rquickjs::Value = ctx.eval_with_options(wrapped, sloppy()).unwrap();
        });
        drop(check);
        runtime.run_gc();
    }
    let run = rquickjs::Context::full(runtime).unwrap();
    let result = run.with(|ctx| {
        let dollar = ctx.json_parse(input.to_string()).unwrap();
        ctx.globals().set("$", dollar).unwrap();
        let value: rquickjs::Value = ctx.eval_with_options(SCRIPT, sloppy()).unwrap();
        let text = ctx
            .json_stringify(value)
            .unwrap()
            .unwrap()
            .to_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    });
    drop(run);
    if checked {
        runtime.run_gc();
    }
    result
}

/// (a), (b) and (c).
fn workflows() {
    let (store, dir) = sqlite();
    let c = conductor(store);
    c.register_workflow(&five_tasks(), true).unwrap();
    let a = measure(|| {
        for n in 0..WORKFLOWS {
            let id = start(&c, "five", json!({"n": n, "k": "x"}));
            assert_eq!(c.workflow(&id).unwrap().output["m"], json!(n * 2 + 1));
        }
        WORKFLOWS
    });
    println!("(a) five tasks, start → COMPLETED, SQLite: median {a:.0} µs per workflow");

    let m = conductor(Arc::new(MemoryStore::new()));
    m.register_workflow(&five_tasks(), true).unwrap();
    let b = measure(|| {
        for n in 0..WORKFLOWS {
            start(&m, "five", json!({"n": n, "k": "x"}));
        }
        WORKFLOWS
    });
    println!("(b) five tasks, start → COMPLETED, in memory: median {b:.0} µs per workflow");

    let (wf, handler) = round_trip();
    c.register_workflow(&wf, true).unwrap();
    c.put_event_handler(&handler, false).unwrap();
    let r = measure(|| {
        let ids: Vec<String> = (0..WORKFLOWS)
            .map(|_| start(&c, "trip", json!({})))
            .collect();
        while c.listen() > 0 {}
        for id in &ids {
            assert_eq!(c.workflow(id).unwrap().status.name(), "COMPLETED");
        }
        WORKFLOWS
    });
    println!(
        "(c) EVENT → queue → handler → WAIT completed → JOIN, SQLite: median {r:.0} µs per workflow"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
