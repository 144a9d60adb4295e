//! DO_WHILE: the body runs once, then again while `loopCondition` holds. Tasks of iteration N
//! are named `ref__N`; the loop's output keeps each iteration's outputs under `"N"` and the
//! current `iteration`.

use super::decide::Decider;
use super::def::TaskKind;
use super::js::{Script, conductor_truthy};
use super::workflow::TaskStatus;
use serde_json::{Map, Value};

/// stepwise stops a loop here rather than let a workflow grow without end.
pub const MAX_ITERATIONS: u32 = 1_000;

/// The last task of the body of `loop_ref` ended well: record the iteration, then loop or end.
pub fn iteration_ended(d: &mut Decider, loop_ref: &str) {
    let Some(li) =
        d.wf.tasks
            .iter()
            .rposition(|t| t.def_ref == loop_ref && !t.status.is_terminal())
    else {
        return;
    };
    let iteration = current(&d.wf.tasks[li].output_data);
    let body = d.index.body_of(loop_ref);
    let mut outputs = Map::new();
    for t in
        d.wf.tasks
            .iter()
            .filter(|t| t.iteration == iteration && !t.retried)
    {
        if body.contains(&t.def_ref.as_str()) {
            outputs.insert(t.def_ref.clone(), Value::Object(t.output_data.clone()));
        }
    }
    let lp = &mut d.wf.tasks[li];
    lp.output_data
        .insert(iteration.to_string(), Value::Object(outputs.clone()));
    lp.output_data
        .insert("iteration".into(), Value::from(iteration));
    let Some(wt) = d.index.task(loop_ref) else {
        return;
    };
    let TaskKind::DoWhile {
        loop_condition,
        loop_over,
    } = &wt.kind
    else {
        return;
    };
    let mut scope = d.wf.tasks[li].input_data.clone();
    scope.insert(
        loop_ref.to_string(),
        Value::Object(d.wf.tasks[li].output_data.clone()),
    );
    scope.extend(outputs);
    let verdict = Script::parse(loop_condition)
        .and_then(|s| s.eval(&Value::Object(scope)))
        .map(|v| conductor_truthy(&v));
    let now = d.now();
    match verdict {
        Ok(true) if iteration >= MAX_ITERATIONS => end(
            d,
            li,
            TaskStatus::FailedWithTerminalError,
            Some(format!(
                "stepwise stops a DO_WHILE after {MAX_ITERATIONS} iterations; end it with its loopCondition"
            )),
        ),
        Ok(true) => {
            let lp = &mut d.wf.tasks[li];
            lp.output_data
                .insert("iteration".into(), Value::from(iteration + 1));
            lp.update_time = now;
            if let Some(first) = loop_over.first() {
                super::schedule::schedule(d, first, iteration + 1);
            }
        }
        Ok(false) => end(d, li, TaskStatus::Completed, None),
        Err(e) => end(
            d,
            li,
            TaskStatus::FailedWithTerminalError,
            Some(format!("loopCondition: {e}")),
        ),
    }
}

/// The loop's current iteration (1 for the first).
pub fn current(output: &Map<String, Value>) -> u32 {
    output
        .get("iteration")
        .and_then(Value::as_u64)
        .map_or(1, |n| n.min(u64::from(u32::MAX)) as u32)
}

fn end(d: &mut Decider, li: usize, status: TaskStatus, reason: Option<String>) {
    let now = d.now();
    let t = &mut d.wf.tasks[li];
    t.status = status;
    t.reason_for_incompletion = reason;
    t.end_time = now;
    t.update_time = now;
}
