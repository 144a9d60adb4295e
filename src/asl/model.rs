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

/// One state. Each field that a query language shapes carries its JSONPath or its JSONata form
/// (`Io`, `Payload`, `Dynamic`, `Wait`, `FailField`, `Test`, `Caught`); a JSONata value is JSON
/// in which every string that is exactly `{% ... %}` is an expression (checked at load time),
/// evaluated with `$states` and the variables bound.
#[derive(Debug, Clone)]
pub struct State {
    /// Shared, because every history event of the state carries it.
    pub name: Arc<str>,
    pub block: BlockId,
    pub next: Transition,
    pub kind: Kind,
    /// How the state's input and output are shaped, and what it assigns.
    pub io: Io,
}

impl State {
    /// Whether the state's query language is JSONata.
    pub fn is_jsonata(&self) -> bool {
        matches!(self.io, Io::Jsonata { .. })
    }
}

/// The fields every state of a query language has.
#[derive(Debug, Clone)]
pub enum Io {
    /// `InputPath`, `OutputPath`, and `Assign`: variables set when the state completes (for
    /// Choice, on falling through to `Default`).
    JsonPath {
        input_path: IoPath,
        output_path: IoPath,
        assign: Option<Template>,
    },
    /// `Output` (default: the input, or the result of a Task, Map or Parallel) and `Assign`.
    Jsonata {
        output: Option<Value>,
        assign: Option<Value>,
    },
}

impl Io {
    /// JSONPath with every field absent.
    pub const WHOLE: Io = Io::JsonPath {
        input_path: IoPath::Whole,
        output_path: IoPath::Whole,
        assign: None,
    };

    /// `InputPath` (`$` for JSONata, whose states read their input whole).
    pub fn input_path(&self) -> &IoPath {
        match self {
            Io::JsonPath { input_path, .. } => input_path,
            Io::Jsonata { .. } => &IoPath::Whole,
        }
    }

    /// `OutputPath` (`$` for JSONata, whose `Output` is applied on its own).
    pub fn output_path(&self) -> &IoPath {
        match self {
            Io::JsonPath { output_path, .. } => output_path,
            Io::Jsonata { .. } => &IoPath::Whole,
        }
    }

    /// JSONPath's `Assign`.
    pub fn jsonpath_assign(&self) -> Option<&Template> {
        match self {
            Io::JsonPath { assign, .. } => assign.as_ref(),
            Io::Jsonata { .. } => None,
        }
    }

    /// JSONata's `Output` and `Assign`.
    pub fn jsonata(&self) -> Option<(Option<&Value>, Option<&Value>)> {
        match self {
            Io::JsonPath { .. } => None,
            Io::Jsonata { output, assign } => Some((output.as_ref(), assign.as_ref())),
        }
    }
}

/// `Assign` of a Choice rule, in its query language.
#[derive(Debug, Clone)]
pub enum Assign {
    JsonPath(Template),
    Jsonata(Value),
}

impl Assign {
    pub fn jsonpath(&self) -> Option<&Template> {
        match self {
            Assign::JsonPath(t) => Some(t),
            Assign::Jsonata(_) => None,
        }
    }

    pub fn jsonata(&self) -> Option<&Value> {
        match self {
            Assign::JsonPath(_) => None,
            Assign::Jsonata(v) => Some(v),
        }
    }
}

/// A payload built from the input: JSONPath's `Parameters` / `ItemSelector` template, or
/// JSONata's `Arguments` / `ItemSelector`.
#[derive(Debug, Clone)]
pub enum Payload {
    Template(Template),
    Jsonata(Value),
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

/// A number given literally, read from the input at run time (JSONPath's `...Path` fields), or
/// computed (a JSONata literal or expression, checked when evaluated).
#[derive(Debug, Clone)]
pub enum Dynamic<T> {
    Value(T),
    Path(Path),
    Jsonata(Value),
}

impl<T> Dynamic<T> {
    /// The JSONata form, if that is how the number is given.
    pub fn jsonata(&self) -> Option<&Value> {
        match self {
            Dynamic::Jsonata(v) => Some(v),
            Dynamic::Value(_) | Dynamic::Path(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: Resource,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata); absent: the input.
    pub parameters: Option<Payload>,
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
    pub caught: Caught,
}

/// What a Catcher makes of the error output; `Assign` is evaluated over the error output, in
/// the scope of the state that failed.
#[derive(Debug, Clone)]
pub enum Caught {
    JsonPath {
        result_path: ResultPath,
        assign: Option<Template>,
    },
    /// `Output` (default: the error output) and `Assign` over `$states.errorOutput`.
    Jsonata {
        output: Option<Value>,
        assign: Option<Value>,
    },
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub rules: Vec<ChoiceRule>,
    pub default: Option<StateId>,
}

/// A Choice rule: the first whose test holds wins; its `Assign` (and in JSONata its `Output`)
/// apply.
#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub test: Test,
    pub next: StateId,
    pub assign: Option<Assign>,
    /// JSONata's `Output` of the rule.
    pub output: Option<Value>,
}

/// A Choice rule's test.
#[derive(Debug, Clone)]
pub enum Test {
    /// JSONPath's comparison operators, `And`, `Or`, `Not`.
    Rule(Condition),
    /// JSONata's `Condition`: an expression or a boolean.
    Jsonata(Value),
}

#[derive(Debug, Clone)]
pub enum Wait {
    Seconds(u64),
    SecondsPath(Path),
    /// Nanoseconds since the epoch.
    Timestamp(i128),
    TimestampPath(Path),
    /// JSONata's `Seconds`: a number or an expression.
    SecondsJsonata(Value),
    /// JSONata's `Timestamp`: a string or an expression.
    TimestampJsonata(Value),
}

/// `Error`/`Cause` of a Fail state: a literal, a path or an intrinsic call (JSONPath), or a
/// string or expression (JSONata).
#[derive(Debug, Clone)]
pub enum FailField {
    Absent,
    Literal(String),
    Dynamic(Template),
    Jsonata(Value),
}

#[derive(Debug, Clone)]
pub struct Fail {
    pub error: FailField,
    pub cause: FailField,
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<BlockId>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub parameters: Option<Payload>,
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
    /// `ItemsPath` (JSONPath) or `Items` (JSONata); absent: the input.
    pub items: Option<Items>,
    pub item_selector: Option<Payload>,
    pub max_concurrency: Dynamic<u64>,
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    pub batcher: Option<Batcher>,
    /// Set when the Map uses a feature a local run cannot provide; the message is the
    /// failure's cause.
    pub unsupported: Option<&'static str>,
    /// DISTRIBUTED: how its Map Run runs the iterations as child executions.
    pub run: Option<Box<Distributed>>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub errors: ErrorHandling,
}

/// What a Distributed Map's Map Run needs besides the items.
#[derive(Debug, Clone)]
pub struct Distributed {
    /// The item processor as a state machine of its own (JSON text): each child execution
    /// runs it.
    pub definition: String,
    pub label: Option<String>,
    /// `ProcessorConfig.ExecutionType`: `STANDARD` or `EXPRESS`.
    pub execution_type: String,
    /// `ItemReader`: its `Resource`, `Parameters` (JSONPath: a template over the effective
    /// input) or `Arguments` (JSONata), and `ReaderConfig` as given.
    pub reader: Option<(String, Option<Payload>, Value)>,
    /// `ResultWriter`: its `Resource` and `Parameters`/`Arguments`.
    pub writer: Option<(String, Option<Payload>)>,
    /// A JSONata Map's `ItemBatcher` as given (numbers and `BatchInput`, literal or `{% %}`),
    /// evaluated when the Map runs (a JSONPath Map's is `Map::batcher`).
    pub jsonata_batcher: Option<Value>,
}

/// Where a Map's items come from.
#[derive(Debug, Clone)]
pub enum Items {
    Path(Path),
    Jsonata(Value),
}

/// `ItemBatcher`: iterations get `{"BatchInput": ..., "Items": [...]}`.
#[derive(Debug, Clone)]
pub struct Batcher {
    pub max_items: Option<Dynamic<u64>>,
    pub max_bytes: Option<Dynamic<u64>>,
    pub batch_input: Option<Template>,
}
