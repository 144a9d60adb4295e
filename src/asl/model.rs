//! The validated state machine: every state in one arena, every transition resolved to an index.
//!
//! A `Machine` is only built from a definition that produced no diagnostics, so the engine can
//! rely on what it holds: targets exist, paths are compiled, templates are checked.

use crate::data::choice::Condition;
use crate::data::jsonpath::Path;
use crate::data::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Index of a state in `Machine::states`.
pub type StateId = usize;
/// Index of a `States` block in `Machine::blocks` (0 is the top level).
pub type BlockId = usize;

#[derive(Debug, Clone)]
pub struct Machine {
    pub states: Vec<State>,
    pub blocks: Vec<Block>,
    /// Top-level `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// The definition as given, kept for describe/export.
    pub definition: Value,
}

/// One `{StartAt, States}` scope: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone)]
pub struct Block {
    pub start: StateId,
    pub states: Vec<StateId>,
}

#[derive(Debug, Clone)]
pub struct State {
    /// Shared, because every history event of the state carries it.
    pub name: Arc<str>,
    pub block: BlockId,
    pub input_path: IoPath,
    pub output_path: IoPath,
    pub next: Transition,
    pub kind: Kind,
    /// `Assign`: variables set when the state completes (for Choice, on falling through to
    /// `Default`).
    pub assign: Option<Template>,
    /// Set when the state's query language is JSONata: its `Output` and `Assign`.
    pub jsonata: Option<Box<JsonataFields>>,
}

/// A JSONata state's fields: JSON values in which every string that is exactly `{% ... %}` is
/// an expression (checked at load time), evaluated with `$states` and the variables bound.
#[derive(Debug, Clone, Default)]
pub struct JsonataFields {
    pub output: Option<Value>,
    pub assign: Option<Value>,
    /// Fail: `Error` and `Cause` (strings or expressions).
    pub error: Option<Value>,
    pub cause: Option<Value>,
    /// Choice: the rules in order (the state's `Choice.rules` stay empty).
    pub rules: Vec<JsonataRule>,
    /// Map: `Items` (default: the input), `ItemSelector`, and the numbers (literal or
    /// expressions) `MaxConcurrency`, `ToleratedFailureCount`, `ToleratedFailurePercentage`.
    pub items: Option<Value>,
    pub item_selector: Option<Value>,
    pub max_concurrency: Option<Value>,
    pub tolerated_count: Option<Value>,
    pub tolerated_percentage: Option<Value>,
    /// Wait: `Seconds` or `Timestamp` (literal or expression).
    pub seconds: Option<Value>,
    pub timestamp: Option<Value>,
    /// Task and Parallel: `Arguments` (default: the input).
    pub arguments: Option<Value>,
    /// Task: `TimeoutSeconds` and `HeartbeatSeconds` given as expressions.
    pub timeout_seconds: Option<Value>,
    pub heartbeat_seconds: Option<Value>,
    /// The Catchers' `Output` and `Assign`, in the order of `errors.catch`.
    pub catchers: Vec<JsonataCatch>,
}

/// A JSONata Catcher's fields, over `$states.errorOutput`.
#[derive(Debug, Clone, Default)]
pub struct JsonataCatch {
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

/// A JSONata Choice rule: the first whose `Condition` is true wins; its `Output` and `Assign`
/// apply.
#[derive(Debug, Clone)]
pub struct JsonataRule {
    pub condition: Value,
    pub next: StateId,
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

/// `InputPath` / `OutputPath`: absent means `$`, JSON `null` means `{}`.
#[derive(Debug, Clone)]
pub enum IoPath {
    Whole,
    Empty,
    Path(Path),
}

/// `ResultPath`: absent means `$` (the result replaces the input), `null` discards the result.
#[derive(Debug, Clone)]
pub enum ResultPath {
    Replace,
    Discard,
    Path(Path),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(StateId),
    End,
    /// Choice, Succeed and Fail carry no `Next`/`End`.
    None,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Pass(Pass),
    Task(Box<Task>),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Box<Parallel>),
    Map(Box<Map>),
}

impl Kind {
    /// The prefix of this state's history events (`PassStateEntered`, ...).
    pub fn event_prefix(&self) -> &'static str {
        match self {
            Kind::Pass(_) => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice(_) => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail(_) => "Fail",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pass {
    pub parameters: Option<Template>,
    pub result: Option<Arc<Value>>,
    pub result_path: ResultPath,
}

/// A number given literally or read from the input at run time.
#[derive(Debug, Clone)]
pub enum Dynamic<T> {
    Value(T),
    Path(Path),
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: Resource,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    pub credentials: Option<Template>,
    pub errors: ErrorHandling,
}

/// What a Task's `Resource` names, classified once at load time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub arn: String,
    pub kind: ResourceKind,
    pub pattern: Pattern,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceKind {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`; `function` is NAME.
    LambdaFunction { function: String },
    /// `arn:aws:states:REGION:ACCOUNT:activity:NAME`.
    Activity { name: String },
    /// `arn:aws:states:::SERVICE:ACTION[.suffix]`: history `resourceType`/`resource`.
    Service { service: String, action: String },
}

impl ResourceKind {
    /// `resourceType` and `resource` as history events show them.
    pub fn history_names<'a>(&'a self, arn: &'a str) -> (&'a str, &'a str) {
        match self {
            ResourceKind::Service { service, action } => (service, action),
            ResourceKind::LambdaFunction { .. } => ("lambda", arn),
            ResourceKind::Activity { .. } => ("activity", arn),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    RequestResponse,
    Sync,
    WaitForTaskToken,
}

#[derive(Debug, Clone, Default)]
pub struct ErrorHandling {
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug, Clone)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub full_jitter: bool,
}

#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    pub result_path: ResultPath,
    /// `Assign`, evaluated over the error output, in the scope of the state that failed.
    pub assign: Option<Template>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub rules: Vec<ChoiceRule>,
    pub default: Option<StateId>,
}

#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: StateId,
    pub assign: Option<Template>,
}

#[derive(Debug, Clone)]
pub enum Wait {
    Seconds(u64),
    SecondsPath(Path),
    /// Nanoseconds since the epoch.
    Timestamp(i128),
    TimestampPath(Path),
}

/// `Error`/`Cause` of a Fail state: a literal, a path, or an intrinsic call.
#[derive(Debug, Clone)]
pub enum FailField {
    Absent,
    Literal(String),
    Dynamic(Template),
}

#[derive(Debug, Clone)]
pub struct Fail {
    pub error: FailField,
    pub cause: FailField,
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<BlockId>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub errors: ErrorHandling,
}

#[derive(Debug, Clone)]
pub struct Map {
    pub processor: BlockId,
    /// `ProcessorConfig.Mode` DISTRIBUTED: iterations are child executions on AWS, so they
    /// cannot read the Map's variables (they still run inline here).
    pub distributed: bool,
    pub items_path: Option<Path>,
    pub item_selector: Option<Template>,
    pub max_concurrency: Dynamic<u64>,
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    pub batcher: Option<Batcher>,
    /// Set when the Map uses a feature a local run cannot provide (ItemReader, ResultWriter);
    /// the message is the failure's cause.
    pub unsupported: Option<&'static str>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub errors: ErrorHandling,
}

/// `ItemBatcher`: iterations get `{"BatchInput": ..., "Items": [...]}`.
#[derive(Debug, Clone)]
pub struct Batcher {
    pub max_items: Option<Dynamic<u64>>,
    pub max_bytes: Option<Dynamic<u64>>,
    pub batch_input: Option<Template>,
}
