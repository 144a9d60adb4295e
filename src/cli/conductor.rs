//! `stepwise run WORKFLOW.json` for a Conductor workflow definition: registers it (and the
//! other definitions and event handlers given), starts it, and drives it to its end in this
//! process — timers, EVENT messages on the embedded queue (or SQS with `--sqs-endpoint`, RabbitMQ
//! with `--amqp-url`, NATS with `--nats-url`), event
//! handlers listening on their queues, and SIMPLE tasks served by `--task NAME=COMMAND`.

use super::Format;
use super::report::usage;
use crate::conductor::ops::{Start, TaskUpdate};
use crate::conductor::workflow::{TaskStatus, Workflow, WorkflowStatus};
use crate::integrations::command::{Binding, Commands};
use crate::runtime::clock::{SharedClock, SystemClock, VirtualClock, system_now_ms};
use crate::runtime::conductor::Conductor;
use crate::runtime::drive::{self, Round, Work};
use crate::runtime::durable::Durable;
use crate::store::{MemoryStore, Store};
use serde_json::{Map, Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an in-memory run waits with nothing due and nothing arriving before it says the
/// workflow is stuck.
const STUCK_AFTER: Duration = Duration::from_secs(2);

/// How often a run on a database, or with SQS event queues, looks for what other processes did.
const POLL: Duration = Duration::from_millis(50);

/// What `run` passes on.
pub struct Options<'a> {
    pub file: &'a str,
    pub input: Value,
    pub event_handlers: &'a [String],
    pub workflow_defs: &'a [String],
    pub task_defs: &'a [String],
    pub tasks: &'a [Binding],
    pub sqs_endpoint: Option<String>,
    /// `--amqp-url`, `--nats-url`.
    pub brokers: crate::runtime::queues::Brokers,
    /// `--command-timeout`, in seconds.
    pub command_timeout: Option<u64>,
    pub skip_waits: bool,
    pub format: Format,
    pub db: Option<Arc<dyn Store>>,
}

/// Is this definition a Conductor workflow (`name` and `tasks`, no `States`)?
pub fn is_workflow(doc: &Value) -> bool {
    doc.get("tasks").is_some_and(Value::is_array) && doc.get("States").is_none()
}

pub fn run(o: Options) -> ExitCode {
    let store: Arc<dyn Store> = o.db.clone().unwrap_or_else(|| Arc::new(MemoryStore::new()));
    let clock: SharedClock = if o.skip_waits {
        VirtualClock::shared(system_now_ms())
    } else {
        SystemClock::shared()
    };
    let queues = crate::runtime::queues::Queues::new(&store, o.sqs_endpoint.as_deref(), &o.brokers);
    let mut c = Conductor::new(store, queues, clock);
    c.helper = std::env::current_exe().ok();
    let c = Arc::new(c);
    let name = match register(&c, &o) {
        Ok(n) => n,
        Err(e) => return usage(e),
    };
    let input = match o.input {
        Value::Object(m) => m,
        _ => return usage("a Conductor workflow's input must be a JSON object"),
    };
    let start = Start {
        input,
        ..Start::default()
    };
    let id = match c.start(&name, None, start) {
        Ok(id) => id,
        Err(e) => return usage(e),
    };
    let started = Instant::now();
    let commands = Commands {
        tasks: o.tasks.to_vec(),
        lambdas: Vec::new(),
        cwd: std::env::current_dir().ok(),
        env: Vec::new(),
        timeout: o.command_timeout.map(std::time::Duration::from_secs),
        deadline: None,
    };
    let since = c.now();
    // Work other processes commit to a shared database, and messages on SQS and the brokers,
    // are looked for.
    let poll = (o.db.is_some() || o.sqs_endpoint.is_some() || o.brokers.any()).then_some(POLL);
    match drive(&c, &id, &commands, poll, o.db.is_some()) {
        Ok(wf) => report(&wf, &others(&c, &id, since), o.format, started),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Registers the workflow, the extra definitions and the handlers; returns the workflow's name.
fn register(c: &Conductor, o: &Options) -> Result<String, String> {
    let read = |f: &str| -> Result<Value, String> {
        let text = super::read_file(f)?;
        serde_json::from_str(&text).map_err(|e| format!("{f} is not valid JSON: {e}"))
    };
    for f in o.task_defs {
        c.register_task_defs(&read(f)?)
            .map_err(|e| format!("{f}: {e}"))?;
    }
    for f in o.workflow_defs {
        c.register_workflow(&read(f)?, true)
            .map_err(|e| format!("{f}: {e}"))?;
    }
    let def = c
        .register_workflow(&read(o.file)?, true)
        .map_err(|e| format!("{}: {e}", o.file))?;
    for f in o.event_handlers {
        for h in list_of(read(f)?, "eventHandlers") {
            c.upsert_event_handler(&h)
                .map_err(|e| format!("{f}: {e}"))?;
        }
    }
    Ok(def.name)
}

/// A file of handlers: one object, a list, or `{"eventHandlers": [...]}`.
fn list_of(v: Value, key: &str) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(ref m) if m.get(key).is_some_and(Value::is_array) => m
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        other => vec![other],
    }
}

/// Drives until the workflow ends, through the runtime's one drive loop: with a virtual clock,
/// time jumps to the next deadline when nothing else can happen. In memory, a workflow nothing
/// can move is an error naming what it waits for.
fn drive(
    c: &Arc<Conductor>,
    id: &str,
    commands: &Commands,
    poll: Option<Duration>,
    durable: bool,
) -> Result<Workflow, String> {
    let rt = Durable::new(c.store.clone(), c.clock.clone()).with_conductor(c.clone(), true);
    let mut follow = Follow {
        c,
        rt,
        id,
        commands,
        durable,
        ended: None,
        shown: Vec::new(),
    };
    drive::run(&mut follow, c.clock.as_ref(), &c.wake, poll)?;
    follow
        .ended
        .ok_or_else(|| "the drive loop ended early".to_string())
}

struct Follow<'a> {
    c: &'a Conductor,
    rt: Durable,
    id: &'a str,
    commands: &'a Commands,
    durable: bool,
    ended: Option<Workflow>,
    /// Tokens already shown.
    shown: Vec<String>,
}

impl Follow<'_> {
    /// Says on stderr how to answer each WAIT or HUMAN task that waits for its token (once).
    fn show_tokens(&mut self, wf: &Workflow) {
        for t in &wf.tasks {
            let Some(token) = t
                .task_token
                .as_ref()
                .filter(|_| t.status == TaskStatus::InProgress)
            else {
                continue;
            };
            if self.shown.contains(token) {
                continue;
            }
            eprintln!(
                "waiting: {} {} (workflow {}): stepwise task success --token {token} --output JSON",
                t.task_type, t.reference_task_name, wf.workflow_id
            );
            self.shown.push(token.clone());
        }
    }
}

impl Work for Follow<'_> {
    fn round(&mut self) -> Result<Round, String> {
        let busy = self.rt.turn().map_err(|e| e.to_string())?
            + self.c.listen()
            + work(self.c, self.commands);
        let wf = self.c.workflow(self.id).map_err(|e| e.message)?;
        if wf.status.is_terminal() {
            self.ended = Some(wf);
            return Ok(Round::Done);
        }
        if self.durable {
            self.show_tokens(&wf);
        }
        Ok(Round::Did(busy))
    }

    fn next_due(&mut self) -> Result<Option<i64>, String> {
        Ok(self.rt.next_due())
    }

    fn idle(&mut self, idle: Duration) -> Result<(), String> {
        if !self.durable && idle > STUCK_AFTER {
            let wf = self.c.workflow(self.id).map_err(|e| e.message)?;
            return Err(stuck(&wf));
        }
        Ok(())
    }
}

/// Serves SIMPLE tasks that have a `--task NAME=COMMAND`; returns how many ran.
fn work(c: &Conductor, commands: &Commands) -> usize {
    let mut ran = 0;
    for b in &commands.tasks {
        while let Ok(Some((task, wf_id))) = c.poll(&b.name, None, Some("stepwise-run")) {
            ran += 1;
            let input = Value::Object(task.input_data.clone());
            let (status, output, reason) = match commands.run_value(&b.command, &input) {
                Ok(Value::Object(m)) => (TaskStatus::Completed, m, None),
                Ok(other) => (
                    TaskStatus::Completed,
                    json!({"result": other})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    None,
                ),
                Err((error, cause)) => (
                    TaskStatus::Failed,
                    Map::new(),
                    Some(format!("{error}: {cause}")),
                ),
            };
            let update = TaskUpdate {
                worker_id: Some("stepwise-run".into()),
                ..TaskUpdate::new(&task.task_id, status, output).because(reason)
            };
            if let Err(e) = c.update_task(&wf_id, update) {
                eprintln!("stepwise: task {}: {e}", task.task_id);
            }
        }
    }
    ran
}

/// What a stuck workflow waits for, and how to provide it.
fn stuck(wf: &Workflow) -> String {
    let waiting: Vec<String> = wf
        .tasks
        .iter()
        .filter(|t| !t.status.is_terminal())
        .map(|t| match t.task_type.as_str() {
            "JOIN" => format!("JOIN {} (for the tasks it joins)", t.reference_task_name),
            "WAIT" | "HUMAN" => format!(
                "{} {} (complete it from an event handler: --event-handlers FILE; or run with --db PATH and answer its task token with `stepwise task success --token TOKEN`, or through stepwise serve's /api/tasks/{}/{}/COMPLETED or SendTaskSuccess)",
                t.task_type, t.reference_task_name, wf.workflow_id, t.reference_task_name
            ),
            "SIMPLE" => format!(
                "SIMPLE {} (a worker: --task {}=COMMAND, or poll stepwise serve's /api/tasks/poll/{})",
                t.reference_task_name, t.task_def_name, t.task_def_name
            ),
            other => format!("{other} {}", t.reference_task_name),
        })
        .collect();
    format!(
        "workflow {} ({}) is waiting and nothing in this run can move it: {}",
        wf.workflow_id,
        wf.name,
        waiting.join("; ")
    )
}

/// The workflows this run started besides the main one (event handlers, sub-workflows).
fn others(c: &Conductor, main: &str, since: i64) -> Vec<Workflow> {
    let rows = c.store.list_workflows(None, 0).unwrap_or_default();
    let mut out: Vec<Workflow> = rows
        .iter()
        .filter(|r| r.id != main && r.created_ms >= since)
        .filter_map(|r| c.workflow(&r.id).ok())
        .collect();
    out.reverse();
    out
}

fn report(wf: &Workflow, others: &[Workflow], format: Format, started: Instant) -> ExitCode {
    let tasks: Vec<Value> = wf
        .tasks
        .iter()
        .map(|t| json!({"referenceTaskName": t.reference_task_name, "taskType": t.task_type, "status": t.status.name()}))
        .collect();
    let doc = json!({
        "workflowId": wf.workflow_id,
        "status": wf.status.name(),
        "output": wf.output,
        "reasonForIncompletion": wf.reason_for_incompletion,
        "tasks": tasks,
        "started": others.iter().map(|o| json!({
            "workflowId": o.workflow_id,
            "workflowType": o.name,
            "status": o.status.name(),
            "event": o.event,
            "output": o.output,
        })).collect::<Vec<_>>(),
    });
    if format == Format::Json {
        outln!("{doc}");
    } else {
        for o in others {
            eprintln!("also ran: {} {} {}", o.name, o.workflow_id, o.status.name());
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&wf.output).unwrap_or_default()
        );
        for t in &wf.tasks {
            eprintln!(
                "{:>4}  {:<10} {:<24} {}",
                t.seq,
                t.task_type,
                t.reference_task_name,
                t.status.name()
            );
        }
        let took = started.elapsed().as_secs_f64() * 1000.0;
        match &wf.reason_for_incompletion {
            Some(r) => eprintln!("{}: {r}", wf.status.name()),
            None => eprintln!(
                "{} ({} tasks, {took:.1} ms)",
                wf.status.name(),
                wf.tasks.len()
            ),
        }
    }
    if wf.status == WorkflowStatus::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
