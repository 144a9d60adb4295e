//! Step Functions calling itself: `arn:aws:states:::states:startExecution[.sync|.sync:2|
//! .waitForTaskToken]` and `arn:aws:states:::aws-sdk:sfn:ACTION`. stepwise is the Step Functions
//! service, so nothing goes over the network: this handler only reads the Task's parameters into
//! a [`Call`], which the runtime that drives the execution makes against its own store
//! (`runtime/asl/nested.rs`), and builds the answers in AWS's shapes from what the runtime found.
//!
//! Shapes (recorded against AWS, docs/design/issue-17-research.md §1): the optimized
//! `startExecution` answers `ExecutionArn`, `StartDate` and the Java SDK's `SdkHttpMetadata`;
//! `.sync` ends with the child's `DescribeExecution` (`Input`/`Output` as JSON text), `.sync:2`
//! with the same keys holding JSON; a child that did not succeed fails the Task with
//! `States.TaskFailed` and that description as the cause. The aws-sdk integration answers the
//! SDK's PascalCase shape with ISO-8601 dates, and names errors `Sfn.<Code>Exception`.

use super::{Handler, Reply};
use crate::asl::model::ResourceKind;
use crate::data::timestamp::{format_http_date, format_millis};
use crate::engine::Invocation;
use crate::store::{ExecutionRecord, ExecutionStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// How the parent waits for a child it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// `states:startExecution`: the start's answer is the result.
    Start,
    /// `.sync`: the child's description, `Input`/`Output` as JSON text.
    Sync,
    /// `.sync:2`: the child's description, `Input`/`Output` as JSON.
    Sync2,
    /// `.waitForTaskToken`: the child (or anyone) answers the token.
    Token,
    /// `aws-sdk:sfn:startExecution`.
    Sdk,
    /// A Distributed Map's Map Run (`map_run.rs`): its output is the Map's result.
    MapRun,
}

impl Mode {
    /// Whether the task waits for the child's end.
    pub fn waits(self) -> bool {
        matches!(self, Mode::Sync | Mode::Sync2 | Mode::MapRun)
    }
}

/// A call to the Step Functions service, made by the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Start {
        machine_arn: String,
        name: Option<String>,
        /// The child's input as JSON text (`{}` when none was given).
        input: String,
        mode: Mode,
    },
    SendSuccess {
        token: String,
        output: String,
    },
    SendFailure {
        token: String,
        error: Option<String>,
        cause: Option<String>,
    },
    Heartbeat {
        token: String,
    },
    Describe {
        arn: String,
    },
    Stop {
        arn: String,
        error: Option<String>,
        cause: Option<String>,
    },
    /// A Distributed Map's Map Run.
    MapRun(Box<super::map_run::Request>),
}

/// Serves Step Functions' own resources by handing them to the runtime; reads a Map Run's
/// items through `s3` (the S3 client, `aws-sdk:s3:*`).
pub struct StepFunctions {
    s3: Box<dyn Handler>,
}

impl StepFunctions {
    pub fn new(s3: Box<dyn Handler>) -> Self {
        StepFunctions { s3 }
    }

    /// `states:readItems`: a Map Run's ItemReader — S3's answer made items, batched.
    fn read_items(&mut self, inv: &Invocation) -> Reply {
        let reader = &inv.payload["Reader"];
        let (action, parameters) = super::map_run::reader_call(reader);
        let call = Invocation {
            resource: crate::asl::model::Resource {
                arn: format!("arn:aws:states:::aws-sdk:s3:{action}"),
                kind: ResourceKind::Service {
                    service: "aws-sdk:s3".into(),
                    action: action.into(),
                },
                pattern: crate::asl::model::Pattern::RequestResponse,
            },
            payload: parameters,
            token: None,
            ..inv.clone()
        };
        let unreadable = |cause: String| Reply::Failed {
            error: Some("States.ItemReaderFailed".into()),
            cause: Some(cause),
        };
        match self.s3.invoke(&call) {
            Some(Reply::Succeeded(answer)) => {
                let args = json!({"Answer": answer, "Action": action,
                    "ReaderConfig": reader["ReaderConfig"], "ItemBatcher": inv.payload["ItemBatcher"]});
                match super::map_run::parse_items(&args) {
                    Ok(items) => Reply::Succeeded(Value::Array(items)),
                    Err(cause) => unreadable(cause),
                }
            }
            Some(Reply::Failed { error, cause }) => unreadable(format!(
                "{}: {}",
                error.unwrap_or_default(),
                cause.unwrap_or_default()
            )),
            Some(Reply::NotRunnable(why)) => Reply::NotRunnable(why),
            _ => unreadable(format!("S3 {action} gave no answer")),
        }
    }
}

impl Handler for StepFunctions {
    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let (sdk, action) = ours(inv)?;
        if !sdk && action == "mapRun" {
            let request = super::map_run::Request::read(&inv.payload);
            return Some(Reply::StepFunctions(Box::new(Call::MapRun(Box::new(
                request,
            )))));
        }
        if !sdk && action == "readItems" {
            return Some(self.read_items(inv));
        }
        Some(match read(sdk, action, &inv.payload) {
            Ok(call) => Reply::StepFunctions(Box::new(call)),
            Err(e) => e.reply(sdk),
        })
    }

    /// The runtime answers at once, from its store; reading items waits on S3.
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        ours(inv).map(|(sdk, action)| sdk || action != "readItems")
    }
}

/// `(aws-sdk?, action without suffix)` when `inv` calls Step Functions.
fn ours(inv: &Invocation) -> Option<(bool, &str)> {
    let ResourceKind::Service { service, action } = &inv.resource.kind else {
        return None;
    };
    match service.as_str() {
        "states" => Some((false, action.as_str())),
        "aws-sdk:sfn" => Some((true, action.as_str())),
        _ => None,
    }
}

/// An error of the service, named as the integration names it: `StepFunctions.<Code>Exception`
/// for the optimized one, `Sfn.<Code>Exception` for aws-sdk.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// The API's error code, e.g. `StateMachineDoesNotExist`, `InvalidToken`.
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl ServiceError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ServiceError {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }

    /// The Task's failure, as AWS records it.
    pub fn reply(&self, sdk: bool) -> Reply {
        let name = if self.code.ends_with("Exception") {
            self.code.clone()
        } else {
            format!("{}Exception", self.code)
        };
        let request_id = uuid::Uuid::new_v4();
        let (error, cause) = if sdk {
            (
                format!("Sfn.{name}"),
                format!(
                    "{} (Service: Sfn, Status Code: {}, Request ID: {request_id})",
                    self.message, self.status
                ),
            )
        } else {
            (
                format!("StepFunctions.{name}"),
                format!(
                    "{} (Service: AWSStepFunctions; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)",
                    self.message, self.status, self.code
                ),
            )
        };
        Reply::Failed {
            error: Some(error),
            cause: Some(cause),
        }
    }
}

/// The call a Task's parameters ask for; `Err` when they do not make one.
pub fn read(sdk: bool, action: &str, params: &Value) -> Result<Call, ServiceError> {
    let (base, suffix) = match action.find('.') {
        Some(i) => (&action[..i], &action[i..]),
        None => (action, ""),
    };
    let mode = match (sdk, suffix) {
        (true, "") => Mode::Sdk,
        (false, "") => Mode::Start,
        (false, ".sync") => Mode::Sync,
        (false, ".sync:2") => Mode::Sync2,
        (_, ".waitForTaskToken") => Mode::Token,
        _ => return Err(unsupported(sdk, action)),
    };
    let field = |k: &str| params.get(k).filter(|v| !v.is_null());
    let text = |k: &str| -> Result<Option<String>, ServiceError> {
        match field(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ServiceError::new(
                "Validation",
                format!("{k} must be a string, not {other}"),
            )),
        }
    };
    let required = |k: &str| {
        text(k)?.ok_or_else(|| {
            ServiceError::new(
                "Validation",
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", camel(k)),
            )
        })
    };
    let lower = base.to_ascii_lowercase();
    match lower.as_str() {
        "startexecution" => Ok(Call::Start {
            machine_arn: required("StateMachineArn")?,
            name: text("Name")?,
            input: match field("Input") {
                None => "{}".into(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            },
            mode,
        }),
        _ if !sdk || mode == Mode::Token => Err(unsupported(sdk, action)),
        "sendtasksuccess" => Ok(Call::SendSuccess {
            token: required("TaskToken")?,
            output: match field("Output") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => "null".into(),
            },
        }),
        "sendtaskfailure" => Ok(Call::SendFailure {
            token: required("TaskToken")?,
            error: text("Error")?,
            cause: text("Cause")?,
        }),
        "sendtaskheartbeat" => Ok(Call::Heartbeat {
            token: required("TaskToken")?,
        }),
        "describeexecution" => Ok(Call::Describe {
            arn: required("ExecutionArn")?,
        }),
        "stopexecution" => Ok(Call::Stop {
            arn: required("ExecutionArn")?,
            error: text("Error")?,
            cause: text("Cause")?,
        }),
        _ => Err(unsupported(sdk, action)),
    }
}

fn camel(k: &str) -> String {
    let mut c = k.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn unsupported(sdk: bool, action: &str) -> ServiceError {
    let resource = if sdk { "aws-sdk:sfn" } else { "states" };
    ServiceError::new(
        "Unsupported",
        format!(
            "stepwise does not serve arn:aws:states:::{resource}:{action}: it runs startExecution (with .sync, .sync:2, .waitForTaskToken), and through aws-sdk:sfn also sendTaskSuccess, sendTaskFailure, sendTaskHeartbeat, describeExecution and stopExecution; mock the state (--mock-config) or serve it with --task STATE=COMMAND"
        ),
    )
}

/// What `startExecution` answers: with the Java SDK's HTTP metadata (optimized), or the SDK's
/// plain shape with an ISO-8601 date (aws-sdk).
pub fn started(child: &ExecutionRecord, mode: Mode) -> Value {
    if mode == Mode::Sdk {
        return json!({"ExecutionArn": child.arn, "StartDate": format_millis(child.start_ms)});
    }
    let body = json!({"executionArn": child.arn, "startDate": child.start_ms as f64 / 1000.0});
    let mut answer = sdk_http_metadata(body.to_string().len(), child.start_ms);
    answer.insert("ExecutionArn".into(), json!(child.arn));
    answer.insert("StartDate".into(), json!(child.start_ms));
    sorted(answer)
}

/// The Java SDK (v1) metadata optimized integrations add to an answer.
fn sdk_http_metadata(content_length: usize, now_ms: i64) -> Map<String, Value> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let date = format_http_date(now_ms);
    let headers = [
        ("Content-Length", content_length.to_string()),
        ("Content-Type", "application/x-amz-json-1.0".to_string()),
        ("Date", date),
        ("connection", "keep-alive".to_string()),
        ("x-amzn-RequestId", request_id.clone()),
    ];
    let all: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!([v])))
        .collect();
    let single: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut m = Map::new();
    m.insert(
        "SdkHttpMetadata".into(),
        json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": 200}),
    );
    m.insert(
        "SdkResponseMetadata".into(),
        json!({"RequestId": request_id}),
    );
    m
}

fn sorted(m: Map<String, Value>) -> Value {
    let mut pairs: Vec<_> = m.into_iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(pairs.into_iter().collect())
}

/// The child's `DescribeExecution` in the optimized `.sync` (JSON text) or `.sync:2` (JSON)
/// shape, or the aws-sdk shape (`Sdk`: text, ISO-8601 dates).
pub fn described(child: &ExecutionRecord, mode: Mode) -> Value {
    let json_values = mode == Mode::Sync2;
    let date = |ms: i64| match mode {
        Mode::Sdk => json!(format_millis(ms)),
        _ => json!(ms),
    };
    let data = |text: &str| match json_values {
        true => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        false => json!(text),
    };
    let mut m = Map::new();
    if let Some(c) = &child.cause {
        m.insert("Cause".into(), json!(c));
    }
    if let Some(e) = &child.error {
        m.insert("Error".into(), json!(e));
    }
    m.insert("ExecutionArn".into(), json!(child.arn));
    m.insert("Input".into(), data(&child.input));
    m.insert("InputDetails".into(), json!({"Included": true}));
    m.insert("Name".into(), json!(child.name));
    if let Some(o) = &child.output {
        m.insert("Output".into(), data(o));
        m.insert("OutputDetails".into(), json!({"Included": true}));
    }
    m.insert("StartDate".into(), date(child.start_ms));
    m.insert("StateMachineArn".into(), json!(child.machine_arn));
    m.insert("Status".into(), json!(child.status.name()));
    if let Some(s) = child.stop_ms {
        m.insert("StopDate".into(), date(s));
    }
    Value::Object(m)
}

/// How a `.sync`/`.sync:2` Task ends with its child ended: the description, or
/// `States.TaskFailed` with the description as the cause when the child did not succeed.
pub fn outcome(child: &ExecutionRecord, mode: Mode) -> crate::engine::CallbackOutcome {
    use crate::engine::CallbackOutcome;
    if mode == Mode::MapRun {
        // The run's own output or failure is the Map's.
        return match (&child.output, child.status) {
            (Some(out), ExecutionStatus::Succeeded) => {
                CallbackOutcome::Success(serde_json::from_str(out).unwrap_or(Value::Null))
            }
            _ => CallbackOutcome::Failure {
                error: child.error.clone(),
                cause: child.cause.clone(),
            },
        };
    }
    let described = described(child, mode);
    if child.status == ExecutionStatus::Succeeded {
        CallbackOutcome::Success(described)
    } else {
        CallbackOutcome::Failure {
            error: Some(crate::engine::failure::TASK_FAILED.into()),
            cause: Some(described.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(status: &str) -> ExecutionRecord {
        ExecutionRecord {
            arn: "arn:aws:states:us-east-1:123456789012:execution:Child:c1".into(),
            name: "c1".into(),
            machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Child".into(),
            machine_name: "Child".into(),
            definition: String::new(),
            status: ExecutionStatus::parse(status).unwrap_or(ExecutionStatus::Running),
            state: String::new(),
            config: String::new(),
            version: 1,
            input: "{}".into(),
            output: (status == "SUCCEEDED").then(|| r#"{"Arg1":"argument1"}"#.into()),
            error: (status == "FAILED").then(|| "SomeFailure".into()),
            cause: (status == "FAILED").then(|| "it failed".into()),
            start_ms: 1_000,
            stop_ms: Some(2_000),
        }
    }

    #[test]
    fn parameters_make_calls() {
        let p = json!({"StateMachineArn": "arn:x", "Input": {"a": 1}, "Name": "n"});
        assert_eq!(
            read(false, "startExecution.sync:2", &p),
            Ok(Call::Start {
                machine_arn: "arn:x".into(),
                name: Some("n".into()),
                input: r#"{"a":1}"#.into(),
                mode: Mode::Sync2
            })
        );
        let none = read(
            false,
            "startExecution",
            &json!({"StateMachineArn": "arn:x", "Input": null}),
        );
        assert!(matches!(none, Ok(Call::Start { ref input, .. }) if input == "{}"));
        let missing = read(false, "startExecution", &json!({})).unwrap_err();
        assert!(missing.message.contains("'stateMachineArn'"), "{missing:?}");
        assert_eq!(
            read(
                true,
                "sendTaskFailure",
                &json!({"TaskToken": "t", "Error": "E"})
            ),
            Ok(Call::SendFailure {
                token: "t".into(),
                error: Some("E".into()),
                cause: None
            })
        );
        assert_eq!(
            read(false, "sendTaskSuccess", &json!({})).unwrap_err().code,
            "Unsupported"
        );
    }

    #[test]
    fn errors_are_named_per_integration() {
        let e = ServiceError::new(
            "StateMachineDoesNotExist",
            "State Machine Does Not Exist: 'arn'",
        );
        let Reply::Failed { error, cause } = e.reply(false) else {
            panic!("a failure")
        };
        assert_eq!(
            error.as_deref(),
            Some("StepFunctions.StateMachineDoesNotExistException")
        );
        let cause = cause.unwrap_or_default();
        assert!(cause.starts_with("State Machine Does Not Exist: 'arn' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: "), "{cause}");
        assert!(cause.ends_with("; Proxy: null)"));
        let Reply::Failed { error, .. } = ServiceError::new("InvalidToken", "x").reply(true) else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("Sfn.InvalidTokenException"));
    }

    #[test]
    fn sync_and_sync2_differ_in_their_data() {
        let c = child("SUCCEEDED");
        let one = described(&c, Mode::Sync);
        assert_eq!(one["Output"], json!(r#"{"Arg1":"argument1"}"#));
        assert_eq!(one["Input"], json!("{}"));
        assert_eq!(one["StartDate"], json!(1_000));
        let two = described(&c, Mode::Sync2);
        assert_eq!(two["Output"], json!({"Arg1": "argument1"}));
        assert_eq!(two["Input"], json!({}));
        let sdk = described(&c, Mode::Sdk);
        assert_eq!(sdk["StopDate"], json!("1970-01-01T00:00:02Z"));
    }

    #[test]
    fn a_failed_child_fails_the_task_with_its_description() {
        let crate::engine::CallbackOutcome::Failure { error, cause } =
            outcome(&child("FAILED"), Mode::Sync)
        else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("States.TaskFailed"));
        let cause: Value = serde_json::from_str(&cause.unwrap_or_default()).unwrap_or_default();
        assert_eq!(cause["Error"], json!("SomeFailure"));
        assert_eq!(cause["Status"], json!("FAILED"));
        assert!(cause.get("Output").is_none());
    }

    #[test]
    fn the_optimized_start_carries_http_metadata() {
        let s = started(&child("RUNNING"), Mode::Start);
        assert_eq!(s["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
        assert_eq!(s["StartDate"], json!(1_000));
        let sdk = started(&child("RUNNING"), Mode::Sdk);
        assert_eq!(sdk.as_object().map(Map::len), Some(2));
    }
}
