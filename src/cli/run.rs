//! `stepwise run FILE`: one execution to its end — in memory, or durably in a store (`--db`),
//! where other processes can answer its callbacks and `--detach` returns at once.

use super::Format;
use super::report::{History, report, usage};
use crate::arn;
use crate::asl::Machine;
use crate::engine::{ExecutionInfo, HistoryEvent};
use crate::integrations::command::Binding;
use crate::runtime::clock::{SharedClock, SystemClock, VirtualClock, system_now_ms};
use crate::runtime::config::HandlerConfig;
use crate::runtime::durable::{Durable, status_of};
use crate::runtime::worker::Workers;
use crate::store::queue::QueueStore;
use crate::store::{ExecutionStatus, MemoryStore};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The state machine definition (ASL JSON or YAML), or a SAM/CloudFormation template (pick
    /// its state machine with --state-machine LOGICAL_ID).
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
    /// A Step Functions Local mock file (MockConfigFile.json); used with --test-case.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<String>,
    /// The test case of the mock file to use.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    #[command(flatten)]
    handlers: super::handlers::Handlers,
    #[command(flatten)]
    source: super::source::Source,
    /// State machines the Task states may start (`arn:aws:states:::states:startExecution...`):
    /// every definition in DIR, named after its file (`child.asl.json` is `child`).
    #[arg(long, value_name = "DIR")]
    state_machines: Option<String>,
    /// A state machine the Task states may start: NAME=FILE (repeatable; wins over
    /// --state-machines).
    #[arg(long, value_name = "NAME=FILE")]
    state_machine_file: Vec<String>,
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
    /// Run durably in the database (`--db PATH` or `STEPWISE_DB`, created on first use);
    /// callbacks may then come from other processes (`stepwise task success`).
    #[command(flatten)]
    db: super::store::Db,
    /// Start the execution, print its ARN and return; other processes continue it.
    /// Implies a database (`--db`, `STEPWISE_DB`, or the default location).
    #[arg(long)]
    detach: bool,
    /// Consume an embedded queue while waiting: run COMMAND for each batch of messages with the
    /// event an SQS-triggered Lambda gets (`{"Records": [...]}`); delete them when it succeeds.
    /// Implies a database.
    #[arg(long, value_name = "QUEUE=COMMAND")]
    worker: Vec<Binding>,
    /// Run FILE as a Conductor workflow definition (detected when it has `tasks` and no `States`).
    #[arg(long)]
    conductor: bool,
    /// Conductor: event handlers to register (a JSON object, a list, or {"eventHandlers": [...]}).
    #[arg(long, value_name = "FILE")]
    event_handlers: Vec<String>,
    /// Conductor: other workflow definitions to register (sub-workflows, workflows handlers start).
    #[arg(long, value_name = "FILE")]
    workflow_def: Vec<String>,
    /// Conductor: task definitions to register (retries, timeouts, input templates).
    #[arg(long, value_name = "FILE")]
    task_defs: Vec<String>,
}

/// What both ways of running need.
struct Prepared {
    text: String,
    machine: Machine,
    info: ExecutionInfo,
    config: HandlerConfig,
}

pub fn main(args: Args) -> ExitCode {
    if let Some(code) = conductor(&args) {
        return code;
    }
    let prepared = match prepare(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let started = Instant::now();
    let clock: SharedClock = if args.skip_waits {
        VirtualClock::shared(prepared.info.start_ms)
    } else {
        SystemClock::shared()
    };
    if args.db.path.is_some() || args.detach || !args.worker.is_empty() {
        return run_durable(&args, prepared, clock, started);
    }
    // Child executions need a store to run in: this process's own, in memory.
    if calls_step_functions(&prepared.machine) {
        let store: Arc<dyn crate::store::Store> = Arc::new(MemoryStore::new());
        return drive_durable(&args, prepared, clock, started, store, None);
    }
    let queues: Arc<dyn QueueStore + Send + Sync> = Arc::new(MemoryStore::new());
    let mut router = match prepared.config.router(Some(queues)) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let seed = match crate::runtime::seed() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let (machine, info) = (&prepared.machine, prepared.info);
    // The history is built only to be shown: without --history, only its length is kept.
    let done = if args.history {
        crate::runtime::local::run(machine, info, seed, &mut router, clock.as_ref())
    } else {
        crate::runtime::local::run_counting(machine, info, seed, &mut router, clock.as_ref())
    };
    let history = if args.history {
        History::Shown(done.history.iter().map(HistoryEvent::to_aws_json).collect())
    } else {
        History::Counted(done.events)
    };
    report(args.format, &done.status, history, started)
}

/// Runs FILE as a Conductor workflow when it is one (`None`: it is a state machine).
fn conductor(args: &Args) -> Option<ExitCode> {
    let doc = super::read_file(&args.file)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let is_workflow = doc.as_ref().is_some_and(super::conductor::is_workflow);
    if !args.conductor && !is_workflow {
        return None;
    }
    let input = match read_input(args) {
        Ok(i) => i,
        Err(e) => return Some(usage(e)),
    };
    let db = match &args.db.path {
        Some(_) => match args.db.open() {
            Ok((_, store)) => Some(store),
            Err(code) => return Some(code),
        },
        None => None,
    };
    let (sqs_endpoint, command_timeout) = match args.handlers.config() {
        Ok(c) => (c.sqs_endpoint, c.command_timeout_seconds),
        Err(e) => return Some(usage(e)),
    };
    Some(super::conductor::run(super::conductor::Options {
        file: &args.file,
        input,
        event_handlers: &args.event_handlers,
        workflow_defs: &args.workflow_def,
        task_defs: &args.task_defs,
        tasks: &args.handlers.task,
        sqs_endpoint,
        brokers: args.handlers.brokers(),
        command_timeout,
        skip_waits: args.skip_waits,
        format: args.format,
        db,
    }))
}

fn prepare(args: &Args) -> Result<Prepared, ExitCode> {
    let picked = args
        .source
        .read_picked(&args.file, args.state_machine.as_deref());
    let (prepared, logical_id) = picked.map_err(|lines| {
        for l in &lines {
            eprintln!("{l}");
        }
        eprintln!("error: {} cannot be read as a state machine", args.file);
        ExitCode::from(2)
    })?;
    for w in &prepared.warnings {
        eprintln!(
            "warning: {}",
            super::source::located(&args.file, &prepared, w)
        );
    }
    let text = prepared.definition().to_string();
    let machine = crate::asl::load(&text).map_err(|diags| {
        for d in &diags {
            eprintln!("{}", super::source::located(&args.file, &prepared, d));
        }
        eprintln!(
            "error: {} is not a valid state machine ({} problems)",
            args.file,
            diags.len()
        );
        ExitCode::from(2)
    })?;
    super::validate::warn_uncallable(&args.file, &machine.definition);
    let input = read_input(args).map_err(usage)?;
    let sm_name = logical_id
        .or_else(|| args.state_machine.clone())
        .unwrap_or_else(|| arn::machine_name_of_file(&args.file));
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    arn::check_name(&name).map_err(|e| usage(format!("--name: {e}")))?;
    let config = handler_config(args, &sm_name).map_err(usage)?;
    config.router(None).map_err(usage)?;
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
    Ok(Prepared {
        text,
        machine,
        info,
        config,
    })
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
    let input = serde_json::from_str(&text)
        .map_err(|e| format!("the input from {from} is not valid JSON: {e}"))?;
    crate::data::depth::check(&format!("the input from {from}"), &input)?;
    Ok(input)
}

fn handler_config(args: &Args, sm_name: &str) -> Result<HandlerConfig, String> {
    // SFN_MOCK_CONFIG may be set for a whole shell: the mocks apply when a test case is named.
    let mock_config = match args
        .mock_config
        .as_ref()
        .filter(|_| args.test_case.is_some())
    {
        Some(path) => {
            let text = super::read_file(path)?;
            Some(
                serde_json::from_str(&text)
                    .map_err(|e| format!("{path} is not valid JSON: {e}"))?,
            )
        }
        None => None,
    };
    Ok(HandlerConfig {
        mock_config,
        test_case: args.test_case.clone(),
        mock_state_machine: Some(
            args.state_machine
                .clone()
                .unwrap_or_else(|| sm_name.to_string()),
        ),
        state_machines: super::machines::definitions(
            args.state_machines.as_deref(),
            &args.state_machine_file,
            &args.source.substitutions()?,
        )?,
        ..args.handlers.config()?
    })
}

/// Whether `machine` calls Step Functions itself: a Task that starts a child execution or
/// answers a task token, or a Distributed Map (its Map Run runs child executions).
fn calls_step_functions(machine: &Machine) -> bool {
    use crate::asl::model::{Kind, ResourceKind};
    machine.states.iter().any(|s| match &s.kind {
        Kind::Task(t) => matches!(
            &t.resource.kind,
            ResourceKind::Service { service, .. } if service == "states" || service == "aws-sdk:sfn"
        ),
        Kind::Map(m) => m.run.is_some(),
        _ => false,
    })
}

fn run_durable(args: &Args, p: Prepared, clock: SharedClock, started: Instant) -> ExitCode {
    let (path, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    drive_durable(args, p, clock, started, store, Some(&path))
}

/// Runs the execution in `store` (the database at `path`, or memory) until it ends.
fn drive_durable(
    args: &Args,
    mut p: Prepared,
    clock: SharedClock,
    started: Instant,
    store: Arc<dyn crate::store::Store>,
    path: Option<&super::store::Location>,
) -> ExitCode {
    // Commands can answer callbacks themselves: `stepwise task success` reaches the same file.
    if let Some(path) = path {
        p.config.env.extend(callback_env(path));
    }
    let nested = calls_step_functions(&p.machine);
    let workers = super::workers(
        &args.worker,
        &store,
        &p.config,
        &clock,
        &args.region,
        &args.account,
    );
    let virtual_time = clock.is_virtual();
    let seed = match crate::runtime::seed() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut rt = Durable::new(store.clone(), clock);
    let arn = match rt.start(&p.text, Arc::new(p.machine), p.info, seed, &p.config) {
        Ok(arn) => arn,
        Err(crate::runtime::durable::Error::Store(crate::store::Error::AlreadyExists { arn })) => {
            return usage(format!(
                "Execution Already Exists: '{arn}' (choose another --name)"
            ));
        }
        Err(e) => return usage(e),
    };
    // Virtual time is this execution's alone: other executions' timers keep real time. Its
    // children need theirs fired too: then the whole store runs in virtual time.
    let mut rt = if virtual_time && !nested {
        rt.confine_to(&arn)
    } else {
        rt
    };
    if let Err(e) = rt.drive() {
        return usage(e);
    }
    if args.detach {
        outln!("{arn}");
        return ExitCode::SUCCESS;
    }
    let record = match wait_for_end(&mut rt, &*store, &workers, &arn) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let history = if args.history {
        History::Shown(super::store::history_json(&*store, &arn).unwrap_or_default())
    } else {
        // Event ids run 1, 2, 3, …: the last one's is the count.
        let last = store.history_reversed(&arn, None, 1).unwrap_or_default();
        History::Counted(last.first().map_or(0, |e| e.id))
    };
    report(args.format, &status_of(&record), history, started)
}

/// What a local command needs to answer a task token: the same database, and this binary.
pub(crate) fn callback_env(db: &super::store::Location) -> Vec<(String, String)> {
    let mut env = vec![("STEPWISE_DB".to_string(), db.as_env())];
    if let Ok(exe) = std::env::current_exe() {
        env.push(("STEPWISE_BIN".into(), exe.to_string_lossy().into_owned()));
    }
    env
}

/// Keeps driving the execution (and any other work in the store) until it ends, picking up
/// callbacks other processes commit; in virtual time, only this execution's timers and effects.
fn wait_for_end(
    rt: &mut Durable,
    store: &dyn crate::store::Store,
    workers: &Workers,
    arn: &str,
) -> Result<crate::store::ExecutionRecord, String> {
    let clock = rt.clock();
    let wake = rt.wake();
    let mut follow = UntilEnd {
        rt,
        store,
        workers,
        arn,
        ended: None,
    };
    crate::runtime::drive::run(&mut follow, clock.as_ref(), &wake, Some(POLL))?;
    follow
        .ended
        .ok_or_else(|| "the drive loop ended early".to_string())
}

/// How often a durable run looks for what other processes committed (callbacks from another
/// shell, workers): SQLite cannot notify it.
const POLL: Duration = Duration::from_millis(50);

struct UntilEnd<'a> {
    rt: &'a mut Durable,
    store: &'a dyn crate::store::Store,
    workers: &'a Workers,
    arn: &'a str,
    ended: Option<crate::store::ExecutionRecord>,
}

impl crate::runtime::drive::Work for UntilEnd<'_> {
    fn round(&mut self) -> Result<crate::runtime::drive::Round, String> {
        let drove = self.rt.turn().map_err(|e| e.to_string())?;
        let record = self
            .store
            .execution(self.arn)
            .map_err(|e| e.to_string())?
            .ok_or("the execution disappeared from the store")?;
        if record.status != ExecutionStatus::Running {
            self.ended = Some(record);
            return Ok(crate::runtime::drive::Round::Done);
        }
        let polled = self.workers.poll()?;
        Ok(crate::runtime::drive::Round::Did(drove + polled))
    }

    fn next_due(&mut self) -> Result<Option<i64>, String> {
        Ok(self.rt.next_due())
    }
}
