//! `stepwise serve`: the AWS Step Functions and SQS APIs on one port, for unmodified AWS
//! clients (boto3, the AWS CLI, the SDKs) pointed at it with an endpoint URL.

use super::report::usage;
use crate::arn;
use crate::runtime::config::HandlerConfig;
use crate::serve::connections::Connections;
use crate::serve::guard::Policy;
use crate::serve::sfn::executions::machine_arn_of;
use crate::serve::triggers::{Trigger, TriggersFile};
use crate::serve::{App, Settings, driver};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on. Loopback by default: without --auth-token the API has no
    /// authentication.
    #[arg(long, default_value = "127.0.0.1:8083", env = "STEPWISE_BIND")]
    bind: String,
    /// Also answer requests whose Host header names NAME (e.g. a Docker service name; `*` for
    /// any). By default only localhost, 127.0.0.1, [::1] and the --bind address are: a guard
    /// against DNS rebinding. Repeatable; the variable takes a comma-separated list.
    #[arg(
        long,
        value_name = "NAME",
        env = "STEPWISE_ALLOW_HOST",
        value_delimiter = ','
    )]
    allow_host: Vec<String>,
    /// Require TOKEN of every request (but `GET /`): `Authorization: Bearer TOKEN`, an AWS SigV4
    /// signature with TOKEN as the secret access key (any access key id), or Conductor's
    /// `X-Authorization` (conductor-python with TOKEN as its key secret).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "STEPWISE_AUTH_TOKEN",
        hide_env_values = true
    )]
    auth_token: Option<String>,
    /// Connections open at most; at the cap the longest-idle one is closed for a new one. Keep
    /// it well under the open-file limit (`ulimit -n`).
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Seconds a connection may take to send a request's head, counted from when it opened or
    /// its previous answer was sent (so idle keep-alive connections are closed after this
    /// long), and again to send the request's body.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    #[command(flatten)]
    db: super::store::Db,
    /// Create a state machine from every `*.asl.json` / `*.json` definition in DIR at start-up,
    /// named after its file (`orders.asl.json` → `orders`).
    #[arg(long, value_name = "DIR")]
    state_machines: Option<String>,
    /// Register every Conductor definition in DIR at start-up: workflow definitions (`tasks`),
    /// event handlers (`event` and `actions`, or a list of them) and task definitions (lists of
    /// `{"name", "retryCount", ...}` in `*.taskdefs.json`).
    #[arg(long, value_name = "DIR")]
    conductor: Option<String>,
    /// Start an execution of STATE_MACHINE (a name or ARN) for every message on QUEUE of the
    /// embedded queue, with the message body as input.
    #[arg(long, value_name = "QUEUE=STATE_MACHINE")]
    trigger: Vec<Trigger>,
    /// A JSON file of triggers: {"triggers": [{"queue", "stateMachine", "batchSize"}]}.
    #[arg(long, value_name = "FILE")]
    triggers: Option<String>,
    #[command(flatten)]
    handlers: super::handlers::Handlers,
    /// How `--state-machines DIR`'s definitions are read: `${NAME}` placeholders filled.
    #[command(flatten)]
    source: super::source::Source,
    /// Region for ARNs.
    #[arg(long, env = "AWS_REGION", default_value = arn::DEFAULT_REGION)]
    region: String,
    /// Account id for ARNs and queue URLs.
    #[arg(long, env = "STEPWISE_ACCOUNT_ID", default_value = arn::DEFAULT_ACCOUNT)]
    account: String,
    /// This server's name in outbox lease rows and logs, when several serve one database
    /// (default: pid:PID@HOST, which lets a restarted server on the same host take over a killed
    /// one's work at once; a named node's work is taken over when its leases end).
    #[arg(long, env = "STEPWISE_NODE_ID", value_name = "ID")]
    node_id: Option<String>,
    /// How long a StartSyncExecution may run (AWS: five minutes); for tests.
    #[arg(long, hide = true, value_name = "DURATION", value_parser = super::handlers::duration_seconds)]
    sync_execution_timeout: Option<u64>,
    /// Delete executions (with their history) that ended more than DURATION ago, e.g. 7d;
    /// checked every minute. Running executions are never deleted. Default: kept for ever.
    #[arg(long, value_name = "DURATION", value_parser = super::age::parse)]
    retention: Option<std::time::Duration>,
}

pub fn main(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(format!("cannot start the server runtime: {e}")),
    };
    let code = runtime.block_on(serve(args));
    // Operations still on the blocking pool finish (each is one short transaction).
    runtime.shutdown_timeout(std::time::Duration::from_secs(10));
    code
}

async fn serve(args: Args) -> ExitCode {
    if let Some(id) = &args.node_id {
        let valid = !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_graphic());
        if !valid || id.starts_with("pid:") {
            return usage(format!(
                "--node-id {id:?}: give 1-128 visible ASCII characters (letters, digits, punctuation; no spaces), not starting with pid: (the form of unnamed servers)"
            ));
        }
        if let Err(e) = crate::runtime::process::set_node_id(id) {
            return usage(e);
        }
    }
    if args
        .auth_token
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        return usage(
            "--auth-token (or STEPWISE_AUTH_TOKEN) is empty: give a secret, e.g. $(openssl rand -hex 24), or leave it out",
        );
    }
    let listener = match tokio::net::TcpListener::bind(&args.bind).await {
        Ok(l) => l,
        Err(e) => {
            return usage(format!(
                "cannot listen on {}: {e} (is another server using the port? pass --bind HOST:PORT)",
                args.bind
            ));
        }
    };
    let local = listener
        .local_addr()
        .map_or(args.bind.clone(), |a| a.to_string());
    let (path, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let mut triggers = args.trigger.clone();
    if let Some(file) = &args.triggers {
        match super::read_file(file).and_then(|t| {
            serde_json::from_str::<TriggersFile>(&t).map_err(|e| format!("{file}: {e}"))
        }) {
            Ok(f) => triggers.extend(f.triggers),
            Err(e) => return usage(e),
        }
    }
    let handlers = match handler_config(&args, &path) {
        Ok(h) => h,
        Err(e) => return usage(e),
    };
    let settings = Settings {
        region: args.region.clone(),
        account: args.account.clone(),
        base_url: format!("http://{local}"),
        handlers,
        brokers: args.handlers.brokers(),
        triggers,
        helper: std::env::current_exe().ok(),
        guard: Policy::new(&local, &args.allow_host, args.auth_token.clone()),
        sync_timeout: args
            .sync_execution_timeout
            .map_or(crate::serve::SYNC_TIMEOUT, std::time::Duration::from_secs),
    };
    let app = App::new(store, settings);
    if let Some(dir) = &args.state_machines
        && let Err(e) = args
            .source
            .substitutions()
            .and_then(|subs| create_from_dir(&app, dir, &subs))
    {
        return usage(e);
    }
    if let Some(dir) = &args.conductor
        && let Err(e) = conductor_from_dir(&app, dir)
    {
        return usage(e);
    }
    if let Err(e) = check_triggers(&app) {
        return usage(e);
    }
    if let Err(e) = app.durable(|d| d.release_previous_leases()) {
        tracing::warn!("{e}");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let driver = driver::spawn(app.clone(), stop.clone());
    if let Some(keep) = args.retention {
        crate::serve::retention::spawn(app.clone(), keep);
    }
    warn_if_open(&app.settings.guard, &local);
    eprintln!(
        "stepwise serve: node {} listening on http://{local} (database {})",
        crate::runtime::process::owner_id(),
        path
    );
    let connections = Connections::new(usize::try_from(args.max_connections).unwrap_or(usize::MAX));
    let idle = std::time::Duration::from_secs(args.idle_timeout);
    // After a failed accept (out of file descriptors, say) wait before the next one, longer
    // each time up to a second, and say so once per run of failures: not a busy loop.
    let mut backoff = std::time::Duration::ZERO;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff = std::time::Duration::ZERO;
                    // At the cap with every connection busy, the new one is closed (dropped).
                    if let Some(ticket) = connections.admit(app.now()) {
                        let served = crate::serve::http::connection(app.clone(), stream, ticket, idle);
                        tokio::spawn(served);
                    }
                }
                Err(e) => {
                    if backoff.is_zero() {
                        tracing::warn!("accept failed: {e}; trying again, up to once a second");
                    }
                    backoff = (backoff * 2).clamp(ACCEPT_BACKOFF_MIN, ACCEPT_BACKOFF_MAX);
                    tokio::time::sleep(backoff).await;
                }
            },
            _ = shutdown_signal() => break,
        }
    }
    tracing::info!("shutting down");
    stop.store(true, Ordering::Relaxed);
    app.kick();
    // The driver finishes the effect it is performing, if that is quick; a longer one (a slow
    // --task command) is left unfinished, and performed again after the next start, as after a
    // crash: the outbox keeps it until it is done.
    let deadline = tokio::time::Instant::now() + DRIVER_GRACE;
    while !driver.is_finished() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    if !driver.is_finished() {
        tracing::warn!(
            "a task was still being performed; it will be performed again after the next start"
        );
    }
    // Commands still running (in process groups of their own) end with the server.
    crate::integrations::child::shutdown();
    ExitCode::SUCCESS
}

/// Warnings, at start-up, about a server others can reach without a token.
fn warn_if_open(guard: &Policy, local: &str) {
    if guard.token.is_some() {
        return;
    }
    if !Policy::is_loopback_only(local) {
        tracing::warn!(
            "listening on {local}, beyond this machine, without authentication: anyone who reaches the port can start executions and read their data; pass --auth-token TOKEN (or STEPWISE_AUTH_TOKEN), or --bind 127.0.0.1:PORT"
        );
    }
    if guard.allows_any_host() {
        tracing::warn!(
            "--allow-host '*' without --auth-token: a web page can reach the API through DNS rebinding; name the hosts instead, or pass --auth-token TOKEN"
        );
    }
}

/// Every trigger names a state machine that exists; its queue is created when missing.
fn check_triggers(app: &App) -> Result<(), String> {
    for t in &app.settings.triggers {
        let machine = machine_arn_of(app, &t.state_machine);
        if let Err(e) = crate::serve::sfn::machines::load(app, &machine) {
            return Err(format!(
                "trigger {}={}: {} (create it first, or use --state-machines DIR)",
                t.queue, t.state_machine, e.message
            ));
        }
        let exists = app.store.queue(&t.queue).map_err(|e| e.to_string())?;
        if exists.is_none() {
            app.store
                .create_queue(&t.queue, "{}", app.now())
                .map_err(|e| e.to_string())?;
            tracing::info!("created queue {} for its trigger", t.queue);
        }
    }
    Ok(())
}

/// How long `serve` waits after a failed accept: doubling from the first to the second.
const ACCEPT_BACKOFF_MIN: std::time::Duration = std::time::Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(1);
/// How long SIGTERM waits for the effect being performed before exiting anyway.
const DRIVER_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn handler_config(args: &Args, db: &super::store::Location) -> Result<HandlerConfig, String> {
    let mut config = args.handlers.config()?;
    config.env.extend(super::run::callback_env(db));
    Ok(config)
}

/// `--conductor DIR`: Conductor's workflow definitions, event handlers and task definitions.
fn conductor_from_dir(app: &App, dir: &str) -> Result<(), String> {
    let files = super::machines::json_files(dir)?;
    let c = &app.conductor;
    for file in files {
        let shown = file.display().to_string();
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{shown} is not valid JSON: {e}"))?;
        let items = match doc {
            serde_json::Value::Array(a) => a,
            other => vec![other],
        };
        for item in items {
            let registered = if super::conductor::is_workflow(&item) {
                c.register_workflow(&item, true)
                    .map(|d| format!("workflow {}", d.name))
            } else if item.get("event").is_some() && item.get("actions").is_some() {
                c.upsert_event_handler(&item)
                    .map(|h| format!("event handler {} on {}", h.name, h.event))
            } else if shown.ends_with(".taskdefs.json") {
                c.register_task_defs(&item)
                    .map(|_| "task definitions".to_string())
            } else {
                continue;
            };
            let what = registered.map_err(|e| format!("{shown}: {e}"))?;
            tracing::info!("conductor {what} from {shown}");
        }
    }
    Ok(())
}

/// `--state-machines DIR`: every definition in DIR becomes a state machine named after its
/// file; an existing one is updated to the file's definition.
fn create_from_dir(
    app: &App,
    dir: &str,
    subs: &crate::asl::source::Substitutions,
) -> Result<(), String> {
    use crate::serve::sfn::machines::install;
    let files = super::machines::definition_files(dir)?;
    for file in files {
        let shown = file.display().to_string();
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("cannot read {shown}: {e}"))?;
        if !super::machines::is_definition(&shown, &text) {
            continue;
        }
        let name = super::machines::name_of(&file);
        let text = crate::asl::source::prepare(&shown, &text, subs)
            .map(|p| p.definition().to_string())
            .map_err(|d| {
                let lines: Vec<String> =
                    d.iter().map(|d| super::validate::line(&shown, d)).collect();
                lines.join("\n")
            })?;
        let stored =
            install(app, &name, text).map_err(|e| format!("{shown}: {}: {}", e.code, e.message))?;
        tracing::info!("state machine {} from {shown}", stored.arn);
    }
    Ok(())
}
