//! The command line: clap structs here, one module per subcommand. Data goes to stdout,
//! everything else to stderr.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

/// `println!` for data on stdout that ends the process quietly when stdout is closed
/// (`stepwise run … | head`) instead of panicking, as Unix tools do.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

/// Writes one line to stdout; a closed stdout (a broken pipe) exits with 141, as SIGPIPE would.
pub(crate) fn write_out(line: std::fmt::Arguments) {
    use std::io::Write;
    // Formatted whole first: a large JSON document becomes one write, not thousands of small
    // ones through stdout's line buffer.
    let mut text = std::fmt::format(line);
    text.push('\n');
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(141);
    }
}

mod age;
mod conductor;
mod executions;
mod graph;
mod handlers;
mod logging;
mod machines;
mod queue;
mod report;
mod resume;
mod run;
mod serve;
mod source;
mod store;
mod task;
mod test;
mod test_state;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "stepwise",
    version,
    about = "Run Amazon States Language state machines locally, with AWS Step Functions semantics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// What to log to stderr when RUST_LOG is not set: error, warn, info (serve: one line per
    /// request), debug (executions starting, waiting, resuming, ending; effects delivered and
    /// retried; the AWS SDK's requests), trace. Default: info for serve, warn for the rest.
    #[arg(long, global = true, env = "STEPWISE_LOG_LEVEL", value_name = "LEVEL")]
    log_level: Option<String>,
    /// text, or json (one object per line).
    #[arg(long, global = true, value_enum, default_value_t)]
    log_format: logging::LogFormat,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check definitions; report every problem with its code and JSON Pointer.
    Validate(validate::Args),
    /// Draw a state machine or a Conductor workflow as a graph: SVG, Graphviz DOT or Mermaid.
    Graph(graph::Args),
    /// Run a definition (a state machine, or a Conductor workflow) to its end and print its output.
    Run(Box<run::Args>),
    /// Answer a task token: success, failure or heartbeat.
    Task(task::Args),
    /// List, describe, show the history of, stop or purge executions in the database.
    Executions(executions::Args),
    /// Continue executions whose process died: fire due timers, deliver pending effects.
    Resume(resume::Args),
    /// The embedded message queue: create, list, send, receive, purge, delete.
    Queue(queue::Args),
    /// Serve the AWS Step Functions and SQS APIs (AWS SDKs, the AWS CLI) and Conductor's REST API.
    Serve(Box<serve::Args>),
    /// Run test cases of definitions with mocked tasks (test files, Step Functions Local mock
    /// files); JUnit XML and coverage for CI.
    Test(Box<test::Args>),
    /// Test one state in isolation as AWS's TestState API does: its output, next state, and the
    /// input/output pipeline's values; Task results can be mocked.
    TestState(Box<test_state::Args>),
    /// Print a completion script for a shell: `stepwise completions bash > /etc/bash_completion.d/stepwise`,
    /// zsh (a file named `_stepwise` in `$fpath`), fish (`~/.config/fish/completions/stepwise.fish`).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `stepwise man > stepwise.1; man ./stepwise.1`.
    Man,
    /// Runs a Conductor JSON_JQ_TRANSFORM for the runtime (the task input on stdin).
    #[command(name = "internal-jq", hide = true)]
    InternalJq,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// For people: pretty JSON and a summary on stderr.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// Exit codes: 0 success, 1 the definition or execution failed, 2 usage or input error.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if let Some(n) = std::env::var("STEPWISE_EFFECT_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        crate::runtime::effects::set_workers(n);
    }
    let level = match (&cli.log_level, &cli.command) {
        (Some(level), _) => level.as_str(),
        (None, Command::Serve(_)) => "info",
        (None, _) => "warn",
    };
    logging::init(level, cli.log_format);
    match cli.command {
        Command::Validate(args) => validate::main(args),
        Command::Graph(args) => graph::main(args),
        Command::Run(args) => {
            crate::integrations::child::shutdown_on_signals();
            run::main(*args)
        }
        Command::Task(args) => task::main(args),
        Command::Executions(args) => executions::main(args),
        Command::Resume(args) => resume::main(args),
        Command::Queue(args) => queue::main(args),
        Command::Serve(args) => serve::main(*args),
        Command::Test(args) => {
            crate::integrations::child::shutdown_on_signals();
            test::main(*args)
        }
        Command::TestState(args) => test_state::main(*args),
        Command::InternalJq => crate::runtime::conductor::transform::child_main(),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "stepwise",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Man => {
            use clap::CommandFactory;
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                // `stepwise man | head`: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => report::usage(format!("cannot write the manual page: {e}")),
            }
        }
    }
}

/// Queue workers with the handlers' directory and environment.
pub(crate) fn workers(
    bindings: &[crate::integrations::command::Binding],
    store: &std::sync::Arc<dyn crate::store::Store>,
    config: &crate::runtime::config::HandlerConfig,
    clock: &crate::runtime::clock::SharedClock,
    region: &str,
    account: &str,
) -> crate::runtime::worker::Workers {
    crate::runtime::worker::Workers {
        bindings: bindings.to_vec(),
        source: crate::runtime::queues::Embedded {
            store: store.clone(),
            clock: clock.clone(),
        },
        commands: config.commands(),
        region: region.to_string(),
        account: account.to_string(),
    }
}

/// Reads a file for a subcommand, with a message that names it.
pub(crate) fn read_file(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        return std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map(|_| s)
            .map_err(|e| format!("cannot read stdin: {e}"));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}
