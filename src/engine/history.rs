//! Execution history events, shaped as AWS's `GetExecutionHistory` returns them.
//!
//! Events keep their data as JSON values; `to_aws_json` renders the wire shape, where every
//! data field is a JSON *string* with a `...Details: {"truncated": false}` sibling.

use crate::data::timestamp::format_millis;
use crate::engine::execution::Doc;
use serde_json::{Map, Value, json};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// AWS's event type, e.g. `PassStateEntered`.
    pub kind: &'static str,
    pub details: Details,
}

/// The `<type>EventDetails` member of an event.
#[derive(Debug, Clone)]
pub enum Details {
    None,
    ExecutionStarted {
        input: Doc,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Doc,
    },
    StateEntered {
        name: Arc<str>,
        input: Doc,
    },
    StateExited {
        name: Arc<str>,
        output: Doc,
        /// The variables the state's `Assign` set.
        assigned: Option<Box<serde_json::Map<String, Value>>>,
    },
    MapStarted {
        length: usize,
    },
    MapIteration {
        key: &'static str,
        name: Arc<str>,
        index: usize,
    },
    /// Everything rarer and larger, boxed so that the frequent events stay small.
    Other(Box<OtherDetails>),
}

/// Error, task, Lambda and activity details.
#[derive(Debug, Clone)]
pub enum OtherDetails {
    /// ExecutionFailed/Aborted/TimedOut, Task/Lambda/Activity Failed and TimedOut, MapRunFailed.
    Error {
        key: &'static str,
        error: Option<String>,
        cause: Option<String>,
        resource: Option<(String, String)>,
    },
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    },
    /// TaskStarted (no data beyond the resource).
    TaskResource {
        key: &'static str,
        resource_type: String,
        resource: String,
    },
    /// TaskSucceeded / TaskSubmitted.
    TaskOutput {
        key: &'static str,
        resource_type: String,
        resource: String,
        output: Value,
    },
    /// LambdaFunctionScheduled / ActivityScheduled.
    Scheduled {
        key: &'static str,
        resource: String,
        input: Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    },
    /// LambdaFunctionSucceeded / ActivitySucceeded.
    Output { key: &'static str, output: Value },
    /// EvaluationFailed: a JSONata expression failed (or gave nothing) in `location`.
    Evaluation {
        error: String,
        cause: String,
        location: String,
        state: String,
    },
    /// LambdaFunctionStarted (empty details).
    Empty { key: &'static str },
    /// ActivityStarted: the worker that took the task, when it gave a name.
    Worker {
        key: &'static str,
        worker_name: Option<String>,
    },
    /// MapRunStarted: the Map Run a Distributed Map started.
    MapRunStarted { map_run_arn: String },
    /// ExecutionRedriven: how many times the execution was redriven.
    Redriven { count: u32 },
}

fn text(v: &Value) -> Value {
    Value::String(v.to_string())
}

fn untruncated() -> Value {
    json!({ "truncated": false })
}

impl From<OtherDetails> for Details {
    fn from(d: OtherDetails) -> Self {
        Details::Other(Box::new(d))
    }
}

impl Details {
    /// The member name and body of the details, as AWS names them.
    fn render(&self) -> Option<(&'static str, Value)> {
        let mut m = Map::new();
        let key = match self {
            Details::None => return None,
            Details::Other(other) => return Some(other.render()),
            Details::ExecutionStarted { input, role_arn } => {
                m.insert("input".into(), text(input));
                m.insert("inputDetails".into(), untruncated());
                m.insert("roleArn".into(), json!(role_arn));
                "executionStartedEventDetails"
            }
            Details::ExecutionSucceeded { output } => {
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), untruncated());
                "executionSucceededEventDetails"
            }
            Details::StateEntered { name, input } => {
                m.insert("name".into(), json!(name));
                m.insert("input".into(), text(input));
                m.insert("inputDetails".into(), untruncated());
                "stateEnteredEventDetails"
            }
            Details::StateExited {
                name,
                output,
                assigned,
            } => {
                m.insert("name".into(), json!(name));
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), untruncated());
                if let Some(values) = assigned {
                    let texts = values.iter().map(|(k, v)| (k.clone(), text(v))).collect();
                    m.insert("assignedVariables".into(), Value::Object(texts));
                    m.insert("assignedVariablesDetails".into(), untruncated());
                }
                "stateExitedEventDetails"
            }
            Details::MapStarted { length } => {
                m.insert("length".into(), json!(length));
                "mapStateStartedEventDetails"
            }
            Details::MapIteration { key, name, index } => {
                m.insert("name".into(), json!(name));
                m.insert("index".into(), json!(index));
                key
            }
        };
        Some((key, Value::Object(m)))
    }
}

impl OtherDetails {
    fn render(&self) -> (&'static str, Value) {
        let mut m = Map::new();
        let key = match self {
            OtherDetails::Error {
                key,
                error,
                cause,
                resource,
            } => {
                if let Some((ty, res)) = resource {
                    m.insert("resourceType".into(), json!(ty));
                    m.insert("resource".into(), json!(res));
                }
                if let Some(e) = error {
                    m.insert("error".into(), json!(e));
                }
                if let Some(c) = cause {
                    m.insert("cause".into(), json!(c));
                }
                key
            }
            OtherDetails::TaskScheduled {
                resource_type,
                resource,
                region,
                parameters,
                timeout,
                heartbeat,
            } => {
                m.insert("resourceType".into(), json!(resource_type));
                m.insert("resource".into(), json!(resource));
                m.insert("region".into(), json!(region));
                m.insert("parameters".into(), text(parameters));
                if let Some(t) = timeout {
                    m.insert("timeoutInSeconds".into(), json!(t));
                }
                if let Some(h) = heartbeat {
                    m.insert("heartbeatInSeconds".into(), json!(h));
                }
                "taskScheduledEventDetails"
            }
            OtherDetails::TaskResource {
                key,
                resource_type,
                resource,
            } => {
                m.insert("resourceType".into(), json!(resource_type));
                m.insert("resource".into(), json!(resource));
                key
            }
            OtherDetails::TaskOutput {
                key,
                resource_type,
                resource,
                output,
            } => {
                m.insert("resourceType".into(), json!(resource_type));
                m.insert("resource".into(), json!(resource));
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), untruncated());
                key
            }
            OtherDetails::Scheduled {
                key,
                resource,
                input,
                timeout,
                heartbeat,
            } => {
                m.insert("resource".into(), json!(resource));
                m.insert("input".into(), text(input));
                m.insert("inputDetails".into(), untruncated());
                if let Some(t) = timeout {
                    m.insert("timeoutInSeconds".into(), json!(t));
                }
                if let Some(h) = heartbeat {
                    m.insert("heartbeatInSeconds".into(), json!(h));
                }
                key
            }
            OtherDetails::Output { key, output } => {
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), untruncated());
                key
            }
            OtherDetails::Empty { key } => key,
            OtherDetails::Evaluation {
                error,
                cause,
                location,
                state,
            } => {
                m.insert("error".into(), json!(error));
                m.insert("cause".into(), json!(cause));
                m.insert("location".into(), json!(location));
                m.insert("state".into(), json!(state));
                "evaluationFailedEventDetails"
            }
            OtherDetails::Worker { key, worker_name } => {
                if let Some(w) = worker_name {
                    m.insert("workerName".into(), json!(w));
                }
                key
            }
            OtherDetails::Redriven { count } => {
                m.insert("redriveCount".into(), json!(count));
                "executionRedrivenEventDetails"
            }
            OtherDetails::MapRunStarted { map_run_arn } => {
                m.insert("mapRunArn".into(), json!(map_run_arn));
                "mapRunStartedEventDetails"
            }
        };
        (key, Value::Object(m))
    }
}

impl HistoryEvent {
    /// The event as `GetExecutionHistory` returns it (timestamps as ISO text here; the HTTP API
    /// renders epoch seconds itself).
    pub fn to_aws_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("timestamp".into(), json!(format_millis(self.timestamp)));
        m.insert("type".into(), json!(self.kind));
        m.insert("id".into(), json!(self.id));
        m.insert("previousEventId".into(), json!(self.previous_event_id));
        if let Some((key, body)) = self.details.render() {
            m.insert(key.into(), body);
        }
        Value::Object(m)
    }
}
