//! `stepwise test-state`: AWS's TestState on the command line. The flags are TestState's
//! request fields (or `--request` gives them all as one JSON body); the answer is printed as
//! the API returns it. Exit status: 0 when the state succeeded or a Catcher caught its error,
//! 1 when it failed or a retrier would retry it, 2 when the request is refused.

use crate::testing::test_state::{Env, Request, test_state};
use serde_json::{Map, Value, json};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The state to test (one state's JSON), or a whole state machine with --state-name: a
    /// file, or JSON text.
    #[arg(long, value_name = "FILE|JSON")]
    definition: Option<String>,
    /// The whole TestState request as JSON (a file or JSON text): definition, input,
    /// inspectionLevel, mock, ... as boto3's `test_state` takes them; the other flags override
    /// its fields.
    #[arg(long, value_name = "FILE|JSON")]
    request: Option<String>,
    /// The state's input (JSON text; default `{}`).
    #[arg(long, value_name = "JSON")]
    input: Option<String>,
    /// INFO (status, output, error), DEBUG (also the input/output pipeline's values), or TRACE.
    #[arg(long, value_name = "LEVEL")]
    inspection_level: Option<String>,
    /// With a whole state machine as --definition: the state to test.
    #[arg(long, value_name = "NAME")]
    state_name: Option<String>,
    /// The role ARN the context object shows (`$$.Execution.RoleArn`).
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// Variables in scope when the state starts (a JSON object).
    #[arg(long, value_name = "JSON")]
    variables: Option<String>,
    /// The context object (`$$`) to use instead of the one built for the test (a JSON object).
    #[arg(long, value_name = "JSON")]
    context: Option<String>,
    /// The Task's (or Parallel's, Map's) answer instead of calling it: {"result": ...} or
    /// {"errorOutput": {"error": ..., "cause": ...}}, with optional "fieldValidationMode".
    /// A `result` that is not a string is taken as the result itself.
    #[arg(long, value_name = "JSON")]
    mock: Option<String>,
    /// TestState's stateConfiguration (a JSON object), e.g. {"retrierRetryCount": 1}.
    #[arg(long, value_name = "JSON")]
    state_configuration: Option<String>,
    /// Show secrets in the inspection data (accepted; stepwise's data holds none of AWS's).
    #[arg(long)]
    reveal_secrets: bool,
    #[command(flatten)]
    handlers: super::handlers::Handlers,
}

pub fn main(args: Args) -> ExitCode {
    let body = match body(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let req = match Request::from_json(&body) {
        Ok(r) => r,
        Err(r) => {
            eprintln!("error: {r}");
            return ExitCode::from(2);
        }
    };
    let router = match args.handlers.config().and_then(|c| c.router(None)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seed = match crate::runtime::seed() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let start_ms = crate::runtime::clock::Clock::now_ms(&crate::runtime::clock::SystemClock);
    // Virtual time: a Wait state does not hold the test up.
    let clock = crate::runtime::clock::VirtualClock::new(start_ms);
    let env = Env {
        region: "us-east-1".into(),
        account: "123456789012".into(),
        start_ms,
        execution_name: uuid::Uuid::new_v4().to_string(),
        machine_name: uuid::Uuid::new_v4().to_string(),
        seed,
    };
    match test_state(&req, &env, router, &clock) {
        Ok(answer) => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            );
            match answer["status"].as_str() {
                Some("SUCCEEDED" | "CAUGHT_ERROR") => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            }
        }
        Err(r) => {
            eprintln!("error: {r}");
            ExitCode::from(2)
        }
    }
}

/// The request body: `--request`, then each flag given.
fn body(args: &Args) -> Result<Map<String, Value>, String> {
    let mut body = match &args.request {
        None => Map::new(),
        Some(r) => match serde_json::from_str(&file_or_text(r)?) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("--request must be a JSON object".into()),
            Err(e) => return Err(format!("--request is not JSON: {e}")),
        },
    };
    if let Some(d) = &args.definition {
        body.insert("definition".into(), json!(file_or_text(d)?));
    }
    let texts = [
        ("input", &args.input),
        ("inspectionLevel", &args.inspection_level),
        ("stateName", &args.state_name),
        ("roleArn", &args.role_arn),
        ("variables", &args.variables),
        ("context", &args.context),
    ];
    for (field, value) in texts {
        if let Some(v) = value {
            body.insert(field.into(), json!(v));
        }
    }
    if let Some(m) = &args.mock {
        let mut mock: Value =
            serde_json::from_str(m).map_err(|e| format!("--mock is not JSON: {e}"))?;
        // The API takes the result as JSON text; on the command line the value itself will do.
        if let Some(r) = mock.get_mut("result")
            && !r.is_string()
        {
            *r = json!(r.to_string());
        }
        body.insert("mock".into(), mock);
    }
    if let Some(c) = &args.state_configuration {
        let config: Value = serde_json::from_str(c)
            .map_err(|e| format!("--state-configuration is not JSON: {e}"))?;
        body.insert("stateConfiguration".into(), config);
    }
    if args.reveal_secrets {
        body.insert("revealSecrets".into(), json!(true));
    }
    if !body.contains_key("definition") {
        return Err(
            "give the state to test: --definition FILE|JSON (or --request with a \"definition\")"
                .into(),
        );
    }
    Ok(body)
}

/// JSON text as it is; anything else is a file to read.
fn file_or_text(s: &str) -> Result<String, String> {
    if s.trim_start().starts_with(['{', '[']) {
        Ok(s.to_string())
    } else {
        super::read_file(s)
    }
}
