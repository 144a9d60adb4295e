//! `stepwise run FILE`: one execution, in this process, to the end.

use super::Format;
use crate::arn;
use crate::engine::{ExecutionInfo, HistoryEvent, Status};
use crate::integrations::Router;
use crate::integrations::command::{Binding, Commands};
use crate::integrations::mock::Mocks;
use crate::runtime::clock::{Clock, SystemClock, VirtualClock, system_now_ms};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The state machine definition (ASL JSON).
    file: String,
    /// Execution input as JSON text (default `{}`).
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// Read the execution input from a file (`-` for stdin).
    #[arg(long)]
    input_file: Option<String>,
    /// Execution name (default: a random UUID).
    #[arg(long)]
    name: Option<String>,
    /// State machine name (default: the file name without `.asl.json`/`.json`); also selects
    /// the state machine in a mock config.
    #[arg(long)]
    state_machine: Option<String>,
    /// Run Wait states and retry back-offs in virtual time instead of sleeping.
    #[arg(long)]
    skip_waits: bool,
    /// A Step Functions Local mock file (MockConfigFile.json).
    #[arg(long, env = "SFN_MOCK_CONFIG", requires = "test_case")]
    mock_config: Option<String>,
    /// The test case of the mock file to use.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// Serve a Lambda function with a local command: NAME=COMMAND (payload on stdin, result on stdout).
    #[arg(long, value_name = "NAME=COMMAND")]
    lambda: Vec<Binding>,
    /// Serve a Task state with a local command: STATE=COMMAND.
    #[arg(long, value_name = "STATE=COMMAND")]
    task: Vec<Binding>,
    /// Include the execution history (AWS's event shapes).
    #[arg(long)]
    history: bool,
    /// `json` prints one JSON object on stdout.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Region for ARNs.
    #[arg(long, env = "AWS_REGION", default_value = arn::DEFAULT_REGION)]
    region: String,
    /// Account id for ARNs.
    #[arg(long, env = "STEPWISE_ACCOUNT_ID", default_value = arn::DEFAULT_ACCOUNT)]
    account: String,
}

/// A usage or input problem: printed with `error:` and exit code 2.
fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn main(args: Args) -> ExitCode {
    let text = match super::read_file(&args.file) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let machine = match crate::asl::load(&text) {
        Ok(m) => m,
        Err(diags) => {
            for d in &diags {
                eprintln!("{}", super::validate::line(&args.file, d));
            }
            eprintln!(
                "error: {} is not a valid state machine ({} problems)",
                args.file,
                diags.len()
            );
            return ExitCode::from(2);
        }
    };
    let input = match read_input(&args) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let sm_name = args
        .state_machine
        .clone()
        .unwrap_or_else(|| machine_name(&args.file));
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if let Err(e) = arn::check_name(&name) {
        return usage(format!("--name: {e}"));
    }
    let mut router = match router(&args, &sm_name) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let started = Instant::now();
    let start_ms = system_now_ms();
    let info = ExecutionInfo {
        execution_arn: arn::execution(&args.region, &args.account, &sm_name, &name),
        name,
        state_machine_arn: arn::state_machine(&args.region, &args.account, &sm_name),
        state_machine_name: sm_name,
        role_arn: arn::role(&args.account),
        region: args.region.clone(),
        start_ms,
        input,
    };
    let mut clock: Box<dyn Clock> = if args.skip_waits {
        Box::new(VirtualClock::new(start_ms))
    } else {
        Box::new(SystemClock)
    };
    let done = crate::runtime::local::run(&machine, info, seed(), &mut router, clock.as_mut());
    report(&args, &done.status, &done.history, started);
    if matches!(done.status, Status::Succeeded { .. }) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn read_input(args: &Args) -> Result<Value, String> {
    let (text, from) = match (&args.input, &args.input_file) {
        (Some(t), _) => (t.clone(), "--input".to_string()),
        (None, Some(path)) => (super::read_file(path)?, path.clone()),
        (None, None) => return Ok(json!({})),
    };
    if text.len() > crate::engine::failure::MAX_PAYLOAD_BYTES {
        return Err(format!(
            "the input from {from} is {} bytes; AWS accepts at most 262144 (States.DataLimitExceeded)",
            text.len()
        ));
    }
    serde_json::from_str(&text).map_err(|e| format!("the input from {from} is not valid JSON: {e}"))
}

fn router(args: &Args, sm_name: &str) -> Result<Router, String> {
    let mut router = Router::default();
    if let (Some(path), Some(case)) = (&args.mock_config, &args.test_case) {
        let text = super::read_file(path)?;
        let config: Value =
            serde_json::from_str(&text).map_err(|e| format!("{path} is not valid JSON: {e}"))?;
        let explicit = args.state_machine.as_deref().or(Some(sm_name));
        let mocks =
            Mocks::from_config(&config, explicit, case).map_err(|e| format!("{path}: {e}"))?;
        router.push(Box::new(mocks));
    }
    router.push(Box::new(Commands {
        tasks: args.task.clone(),
        lambdas: args.lambda.clone(),
    }));
    Ok(router)
}

/// `orders/process-order.asl.json` → `process-order`.
fn machine_name(file: &str) -> String {
    let base = std::path::Path::new(file)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("StateMachine");
    let stem = base.strip_suffix(".json").unwrap_or(base);
    let stem = stem.strip_suffix(".asl").unwrap_or(stem);
    if arn::check_name(stem).is_ok() {
        stem.to_string()
    } else {
        "StateMachine".to_string()
    }
}

/// 256 bits from the operating system: task tokens are derived from them.
fn seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    if getrandom::fill(&mut s).is_err() {
        let t = system_now_ms().to_le_bytes();
        s[..8].copy_from_slice(&t);
        s[8..16].copy_from_slice(&(std::process::id() as u64).to_le_bytes());
    }
    s
}

fn report(args: &Args, status: &Status, history: &[HistoryEvent], started: Instant) {
    let mut doc = status_json(status);
    if args.history {
        doc["history"] = Value::Array(history.iter().map(HistoryEvent::to_aws_json).collect());
    }
    if args.format == Format::Json {
        println!("{doc}");
        return;
    }
    if let Status::Succeeded { output } = status {
        println!(
            "{}",
            serde_json::to_string_pretty(output).unwrap_or_default()
        );
    }
    if args.history {
        for e in history {
            let name = e
                .to_aws_json()
                .as_object()
                .and_then(|m| m.values().nth(4))
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string);
            eprintln!("{:>5}  {:<28} {}", e.id, e.kind, name.unwrap_or_default());
        }
    }
    let took = started.elapsed().as_secs_f64() * 1000.0;
    match status {
        Status::Succeeded { .. } => eprintln!("SUCCEEDED ({} events, {took:.1} ms)", history.len()),
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            eprintln!(
                "{}: {}",
                status.name(),
                error.as_deref().unwrap_or("(no error name)")
            );
            if let Some(c) = cause {
                eprintln!("cause: {c}");
            }
        }
        Status::Running => {}
    }
}

/// `{"status":"SUCCEEDED","output":...}` or `{"status":"FAILED","error":...,"cause":...}`.
pub fn status_json(status: &Status) -> Value {
    match status {
        Status::Succeeded { output } => json!({"status": "SUCCEEDED", "output": output}),
        Status::Failed { error, cause }
        | Status::TimedOut { error, cause }
        | Status::Aborted { error, cause } => {
            json!({"status": status.name(), "error": error, "cause": cause})
        }
        Status::Running => json!({"status": "RUNNING"}),
    }
}
