//! Outbound task adapters: who answers a Task state's invocation.
//!
//! A `Handler` gets an `Invocation` and replies at once (`Reply::Done`), or says the task now
//! waits for a callback (`Reply::Pending`). The `Router` asks each configured handler in order:
//! Step Functions Local mocks first, then local commands, then a Lambda endpoint, then SQS (an
//! SQS endpoint or the embedded queue), then Step Functions itself (child executions), then AWS
//! services (`aws-sdk:*`, DynamoDB, SNS, EventBridge).

pub mod activity;
pub mod aws;
pub mod child;
pub mod command;
#[cfg(feature = "aws")]
pub mod lambda;
#[cfg(not(feature = "aws"))]
#[path = "lambda_without_sdk.rs"]
pub mod lambda;
pub mod map_run;
pub mod mock;
pub mod services;
pub mod sqs;
pub mod states;

use crate::engine::Invocation;
use serde_json::Value;

/// What a handler made of an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The task succeeded with this result (the raw resource response).
    Succeeded(Value),
    /// The task failed as the resource reports it.
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// The resource accepted the task (its response is `TaskSubmitted`'s output); the result
    /// arrives later through the task token.
    Pending(Value),
    /// The task waits for a worker to take it (an activity): the result arrives later through
    /// the task token, and there is nothing to record meanwhile (the task was submitted when
    /// it was scheduled).
    Scheduled,
    /// The task cannot run at all (configuration problem): fails the execution.
    NotRunnable(String),
    /// A call to Step Functions itself (a child execution, a task token), which the runtime
    /// driving the execution makes against its store; it turns it into one of the others.
    StepFunctions(Box<states::Call>),
}

pub trait Handler: Send {
    /// `None` when this handler does not serve the invocation.
    fn invoke(&mut self, inv: &Invocation) -> Option<Reply>;
    /// Whether it serves `inv` (`None`: not this handler's), and at once (`Some(true)`: in
    /// memory or the local store, e.g. a mock or the embedded queue) or by waiting on something
    /// else (`Some(false)`: a command, a network call), which the runtime performs on its effect
    /// workers. Unless a handler says otherwise: it serves, slowly.
    fn serves_quickly(&self, _inv: &Invocation) -> Option<bool> {
        Some(false)
    }
}

/// Tries handlers in order; says how to provide one when none serves a task.
#[derive(Default)]
pub struct Router {
    handlers: Vec<Box<dyn Handler>>,
}

impl Router {
    pub fn push(&mut self, h: Box<dyn Handler>) {
        self.handlers.push(h);
    }

    /// Appends `other`'s handlers after these.
    pub fn extend(&mut self, other: Router) {
        self.handlers.extend(other.handlers);
    }

    /// Whether the handler that serves `inv` answers at once (see `Handler::serves_quickly`); a
    /// task no handler serves is answered at once (it cannot run).
    pub fn quick(&self, inv: &Invocation) -> bool {
        self.handlers
            .iter()
            .find_map(|h| h.serves_quickly(inv))
            .unwrap_or(true)
    }

    pub fn invoke(&mut self, inv: &Invocation) -> Reply {
        for h in &mut self.handlers {
            if let Some(r) = h.invoke(inv) {
                return too_deep(r);
            }
        }
        Reply::NotRunnable(no_handler(inv))
    }
}

/// A result nested deeper than stepwise accepts fails the task (`States.Runtime`): stored, it
/// could not be read back.
fn too_deep(reply: Reply) -> Reply {
    match &reply {
        Reply::Succeeded(v) | Reply::Pending(v) => {
            match crate::data::depth::check("The task's result", v) {
                Ok(()) => reply,
                Err(cause) => Reply::Failed {
                    error: Some(crate::engine::failure::RUNTIME.into()),
                    cause: Some(cause),
                },
            }
        }
        _ => reply,
    }
}

fn no_handler(inv: &Invocation) -> String {
    let mut hint = format!("--task '{}=COMMAND'", inv.state_name);
    if let Some(f) = lambda_function(inv) {
        hint = format!("--lambda '{f}=COMMAND', --lambda-endpoint URL, or {hint}");
    }
    format!(
        "No handler for Task state '{}' (resource {}). Provide one with {hint}, or mock it with --mock-config FILE --test-case NAME.",
        inv.state_name, inv.resource.arn
    )
}

/// The Lambda function a task invokes (plain function ARN, or `lambda:invoke`'s `FunctionName`),
/// as a bare name.
pub fn lambda_function(inv: &Invocation) -> Option<String> {
    use crate::asl::model::ResourceKind;
    match &inv.resource.kind {
        ResourceKind::LambdaFunction { function } => Some(function.clone()),
        ResourceKind::Service { service, action }
            if service == "lambda" && action.starts_with("invoke") =>
        {
            inv.payload
                .get("FunctionName")
                .and_then(Value::as_str)
                .map(function_name)
        }
        _ => None,
    }
}

/// `arn:aws:lambda:R:A:function:NAME[:Q]`, `A:function:NAME` or `NAME[:Q]` → `NAME`.
pub fn function_name(s: &str) -> String {
    match s.find("function:") {
        Some(i) => s[i + 9..].split(':').next().unwrap_or_default().to_string(),
        None => s.split(':').next().unwrap_or_default().to_string(),
    }
}
