//! `stepwise task success|failure|heartbeat`: answer a task token, as SendTaskSuccess,
//! SendTaskFailure and SendTaskHeartbeat do, then continue the execution in this process. The
//! token may be an ASL callback task's or a Conductor WAIT or HUMAN task's; what a Conductor
//! workflow does next is left to the process that drives it (`serve`, `run --db`), which knows
//! where its queues are.

use super::report::usage;
use crate::runtime::clock::SystemClock;
use crate::runtime::conductor::Conductor;
use crate::runtime::durable::{Durable, Error};
use crate::runtime::queues::Queues;
use clap::Subcommand;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    db: super::store::Db,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// The task succeeded with OUTPUT (JSON) as its result.
    Success {
        #[arg(long, allow_hyphen_values = true)]
        token: String,
        #[arg(long)]
        output: String,
    },
    /// The task failed; Retry and Catch see ERROR and CAUSE.
    Failure {
        #[arg(long, allow_hyphen_values = true)]
        token: String,
        #[arg(long)]
        error: Option<String>,
        #[arg(long)]
        cause: Option<String>,
    },
    /// The task is alive: its HeartbeatSeconds clock starts again.
    Heartbeat {
        #[arg(long, allow_hyphen_values = true)]
        token: String,
    },
}

pub fn main(args: Args) -> ExitCode {
    let (_, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let queues = Queues::new(&store, None, &Default::default());
    let conductor = Arc::new(Conductor::new(store.clone(), queues, SystemClock::shared()));
    let mut rt = Durable::new(store, SystemClock::shared()).with_conductor(conductor, false);
    let (operation, result) = match args.action {
        Action::Success { token, output } => {
            ("SendTaskSuccess", rt.send_task_success(&token, &output))
        }
        Action::Failure {
            token,
            error,
            cause,
        } => (
            "SendTaskFailure",
            rt.send_task_failure(&token, error, cause),
        ),
        Action::Heartbeat { token } => ("SendTaskHeartbeat", rt.send_task_heartbeat(&token)),
    };
    match result.and_then(|()| rt.drive().map(|_| ())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => aws_error(operation, &e),
    }
}

/// Prints an error the way the AWS CLI does: `An error occurred (CODE) when calling the OP
/// operation: message`, exit 1; store problems exit 2.
pub(crate) fn aws_error(operation: &str, e: &Error) -> ExitCode {
    match e {
        Error::Callback { code, message } => {
            eprintln!(
                "An error occurred ({code}) when calling the {operation} operation: {message}"
            );
            ExitCode::from(1)
        }
        Error::NoSuchExecution(_) => {
            eprintln!(
                "An error occurred (ExecutionDoesNotExist) when calling the {operation} operation: {e}"
            );
            ExitCode::from(1)
        }
        other => usage(other),
    }
}
