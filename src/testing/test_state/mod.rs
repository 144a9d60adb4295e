//! AWS's TestState API: one state run in isolation, with its pipeline's intermediate values.
//!
//! Not a second interpreter: `wrap` makes the state a small machine (`StateName`, with a
//! `Succeed` standing in for each state it may go to), the engine runs it in memory
//! (`runtime::local`) with TestState's probe (`engine/probe.rs`: the caller's context and
//! variables in, the pipeline's values out), a mock answers the state's task when the request
//! has one, and `answer` reads status, output, next state and inspection data from the run.
//! `stepwise serve` (`serve/sfn/test_state.rs`) and `stepwise test-state` call `test_state`.

pub mod answer;
pub mod request;
pub mod wrap;

pub use request::{Level, Refusal, Request};

use crate::data::timestamp::format_millis;
use crate::engine::probe::Probe;
use crate::engine::{ExecutionInfo, Invocation};
use crate::integrations::{Handler, Reply, Router};
use crate::runtime::clock::Clock;
use request::MockAnswer;
use serde_json::{Map, Value, json};

/// Where and when the test runs: what the context object and ARNs say.
pub struct Env {
    pub region: String,
    pub account: String,
    pub start_ms: i64,
    /// The execution's name (AWS: a fresh id).
    pub execution_name: String,
    /// The state machine's name (AWS: a fresh id).
    pub machine_name: String,
    /// Secret random bytes (task tokens derive from them).
    pub seed: [u8; 32],
}

/// Runs the request's state and returns AWS's `TestState` answer, or refuses the request.
/// `handlers` answer Task states the request does not mock (configured handlers, commands,
/// endpoints); a Task nothing answers fails with a message saying how to provide one.
pub fn test_state(
    req: &Request,
    env: &Env,
    handlers: Router,
    clock: &dyn Clock,
) -> Result<Value, Refusal> {
    let wrapped = wrap::wrap(req)?;
    let machine =
        crate::asl::load_value(wrapped.machine.clone()).map_err(|d| invalid_definition(&d))?;
    let mut router = Router::default();
    if let Some(mock) = &req.mock {
        router.push(Box::new(MockHandler(match &mock.answer {
            MockAnswer::Result(v) => Reply::Succeeded(v.clone()),
            MockAnswer::Error { error, cause } => Reply::Failed {
                error: error.clone(),
                cause: cause.clone(),
            },
        })));
    }
    router.extend(handlers);
    let info = execution_info(req, env);
    let probe = Probe {
        context: Some(
            req.context
                .clone()
                .unwrap_or_else(|| context(req, env, &info)),
        ),
        variables: req.variables.clone(),
        recorded: Vec::new(),
    };
    let (finished, probe) = crate::runtime::local::run_probed(
        &machine,
        info.clone(),
        env.seed,
        Some(Box::new(probe)),
        &mut router,
        clock,
        None,
    );
    let probe = probe.map(|p| *p).unwrap_or_default();
    let limits = if wrapped.kind == "Map" {
        Some(map_limits(&wrapped, info, env, clock))
    } else {
        None
    };
    Ok(answer::answer(req, &wrapped, &finished, &probe, limits))
}

/// AWS's `InvalidDefinition`, every diagnostic with its location.
pub fn invalid_definition(diagnostics: &[crate::asl::Diagnostic]) -> Refusal {
    Refusal {
        code: "InvalidDefinition",
        message: crate::data::diagnostic::invalid_definition_message(diagnostics),
    }
}

fn execution_info(req: &Request, env: &Env) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: format!(
            "arn:aws:states:{}:{}:express:{}:{}",
            env.region, env.account, env.machine_name, env.execution_name
        ),
        name: env.execution_name.clone(),
        state_machine_arn: format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            env.region, env.account, env.machine_name
        ),
        state_machine_name: env.machine_name.clone(),
        role_arn: req.role_arn.clone().unwrap_or_default(),
        region: env.region.clone(),
        start_ms: env.start_ms,
        input: req.input.clone(),
    }
}

/// The context object AWS gives a tested state when the request gives none: no
/// `RedriveCount`, and a null `RoleArn` without `roleArn`.
fn context(req: &Request, env: &Env, info: &ExecutionInfo) -> Map<String, Value> {
    let ctx = json!({
        "Execution": {
            "Id": info.execution_arn,
            "Input": req.input,
            "Name": info.name,
            "RoleArn": req.role_arn,
            "StartTime": format_millis(env.start_ms),
        },
        "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
    });
    match ctx {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A mocked Map's `maxConcurrency` and tolerated failures as AWS reports them: evaluated by
/// the engine over no items (JSONata), or read from the definition (JSONPath).
fn map_limits(
    wrapped: &wrap::Wrapped,
    info: ExecutionInfo,
    env: &Env,
    clock: &dyn Clock,
) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(def) = wrap::map_limits_probe(&wrapped.state, wrapped.jsonata) {
        if let Ok(machine) = crate::asl::load_value(def) {
            let (_, probe) = crate::runtime::local::run_probed(
                &machine,
                info,
                env.seed,
                Some(Box::default()),
                &mut Router::default(),
                clock,
                None,
            );
            for key in [
                "maxConcurrency",
                "toleratedFailureCount",
                "toleratedFailurePercentage",
            ] {
                if let Some(v) = probe.as_ref().and_then(|p| p.value(wrap::STATE, key)) {
                    out.insert(key.into(), v.clone());
                }
            }
        }
        return out;
    }
    let s = &wrapped.state;
    out.insert(
        "maxConcurrency".into(),
        json!(s.get("MaxConcurrency").and_then(Value::as_u64).unwrap_or(0)),
    );
    if let Some(n) = s.get("ToleratedFailureCount").and_then(Value::as_u64) {
        out.insert("toleratedFailureCount".into(), json!(n));
    }
    if let Some(p) = s.get("ToleratedFailurePercentage").and_then(Value::as_f64) {
        out.insert("toleratedFailurePercentage".into(), json!(p));
    }
    out
}

/// Answers the tested state's task with the request's mock.
struct MockHandler(Reply);

impl Handler for MockHandler {
    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        (inv.state_name == wrap::STATE).then(|| self.0.clone())
    }
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        (inv.state_name == wrap::STATE).then_some(true)
    }
}
