//! The documents a state's paths read: its input, the context object (`$$`), and randomness.

use crate::data::jsonpath::Root;
use crate::data::template::Scope;
use crate::data::timestamp::format_millis;
use crate::engine::execution::ExecutionInfo;
use crate::engine::rng::Rng;
use serde_json::{Map, Value, json};

/// What the context object says about the current state.
pub struct StateInfo<'a> {
    pub name: &'a str,
    pub entered_ms: i64,
    /// `Some` for states that can retry (Task, Map, Parallel).
    pub retry_count: Option<u32>,
    pub token: Option<&'a str>,
    /// `(index, value)` while evaluating a Map's ItemSelector.
    pub map_item: Option<(usize, &'a Value)>,
}

/// A `Scope` over one input document; the context object is built the first time a `$$` path
/// asks for it.
pub struct StateScope<'a> {
    pub input: &'a Value,
    /// `$name` reads: the variable as the state's frame sees it.
    pub variables: &'a dyn Fn(&str) -> Option<&'a Value>,
    pub info: &'a ExecutionInfo,
    pub state: StateInfo<'a>,
    pub rng: &'a mut Rng,
    /// TestState's context object, when the caller gave one (`probe.rs`).
    pub base: Option<&'a Map<String, Value>>,
    context: Option<Value>,
    /// Whether `context` holds `Execution.Input`: a copy of the whole execution input, made
    /// only for a path that may read it (`$$.Map.Item.Value` in every Map iteration must not
    /// copy the input the items came from).
    context_has_input: bool,
}

impl<'a> StateScope<'a> {
    pub fn new(
        input: &'a Value,
        variables: &'a dyn Fn(&str) -> Option<&'a Value>,
        info: &'a ExecutionInfo,
        state: StateInfo<'a>,
        rng: &'a mut Rng,
        base: Option<&'a Map<String, Value>>,
    ) -> Self {
        StateScope {
            input,
            variables,
            info,
            state,
            rng,
            base,
            context: None,
            context_has_input: false,
        }
    }

    pub fn context(&mut self) -> &Value {
        self.context_with(true)
    }

    fn context_with(&mut self, input: bool) -> &Value {
        let stale = self.context.is_none() || (input && !self.context_has_input);
        if stale {
            self.context = Some(context_of(self.info, self.base, &self.state, input));
            self.context_has_input = input;
        }
        self.context.as_ref().expect("set just above")
    }
}

impl Scope for StateScope<'_> {
    fn document(&mut self, root: &Root) -> Option<&Value> {
        match root {
            Root::Input => Some(self.input),
            Root::Context => Some(self.context()),
            Root::Variable(name) => (self.variables)(name),
        }
    }
    fn document_for(&mut self, path: &crate::data::jsonpath::Path) -> Option<&Value> {
        match path.root() {
            Root::Context => Some(self.context_with(path.may_read(&["Execution", "Input"]))),
            root => self.document(root),
        }
    }
    fn random_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }
}

/// The context object, with AWS's key order.
/// With a `base` (TestState's), its `Execution`, `StateMachine` and `State` are used as given;
/// `State` is built when the base has none.
/// The context object, with `Execution.Input` only when `input` (a copy of the whole execution
/// input: built only for the expressions that may read it).
pub fn context_of(
    info: &ExecutionInfo,
    base: Option<&Map<String, Value>>,
    state: &StateInfo,
    input: bool,
) -> Value {
    if let Some(base) = base {
        let mut ctx = base.clone();
        if !ctx.contains_key("State") {
            ctx.insert("State".into(), state_object(state));
        }
        add_task_and_map(&mut ctx, state);
        return Value::Object(ctx);
    }
    let mut execution = Map::new();
    execution.insert("Id".into(), json!(info.execution_arn));
    if input {
        execution.insert("Input".into(), info.input.clone());
    }
    execution.insert("StartTime".into(), json!(format_millis(info.start_ms)));
    execution.insert("Name".into(), json!(info.name));
    execution.insert("RoleArn".into(), json!(info.role_arn));
    execution.insert("RedriveCount".into(), json!(0));
    let mut ctx = Map::new();
    ctx.insert("Execution".into(), Value::Object(execution));
    ctx.insert("State".into(), state_object(state));
    ctx.insert(
        "StateMachine".into(),
        json!({ "Id": info.state_machine_arn, "Name": info.state_machine_name }),
    );
    add_task_and_map(&mut ctx, state);
    Value::Object(ctx)
}

fn state_object(state: &StateInfo) -> Value {
    let mut st = Map::new();
    st.insert("EnteredTime".into(), json!(format_millis(state.entered_ms)));
    st.insert("Name".into(), json!(state.name));
    if let Some(n) = state.retry_count {
        st.insert("RetryCount".into(), json!(n));
    }
    Value::Object(st)
}

fn add_task_and_map(ctx: &mut Map<String, Value>, state: &StateInfo) {
    if let Some(token) = state.token {
        ctx.insert("Task".into(), json!({ "Token": token }));
    }
    if let Some((index, value)) = state.map_item {
        ctx.insert(
            "Map".into(),
            json!({ "Item": { "Index": index, "Value": value } }),
        );
    }
}
