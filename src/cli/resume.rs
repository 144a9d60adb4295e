//! `stepwise resume`: continue what the database holds — fire due timers, deliver effects a
//! dead process left undelivered; with `--follow`, keep doing so (a worker).

use super::report::usage;
use crate::integrations::command::Binding;
use crate::runtime::clock::SystemClock;
use crate::runtime::config::HandlerConfig;
use crate::runtime::durable::Durable;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    db: super::store::Db,
    /// Keep running: wait for timers and new work instead of returning when idle.
    #[arg(long)]
    follow: bool,
    /// Consume an embedded queue: run COMMAND for each batch of messages with the event an
    /// SQS-triggered Lambda gets; delete them when it succeeds.
    #[arg(long, value_name = "QUEUE=COMMAND")]
    worker: Vec<Binding>,
}

pub fn main(args: Args) -> ExitCode {
    let (path, store) = match args.db.open() {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let config = HandlerConfig {
        cwd: std::env::current_dir()
            .ok()
            .map(|d| d.to_string_lossy().into_owned()),
        env: super::run::callback_env(&path),
        ..HandlerConfig::default()
    };
    let clock = SystemClock::shared();
    let workers = super::workers(
        &args.worker,
        &store,
        &config,
        &clock,
        crate::arn::DEFAULT_REGION,
        crate::arn::DEFAULT_ACCOUNT,
    );
    let mut rt = Durable::new(store, clock);
    // A killed process's leased effects are delivered now, not when their leases run out.
    match rt.release_dead_leases() {
        Ok(0) => {}
        Ok(n) => eprintln!("resumed: {n} effects a dead process had taken are free again"),
        Err(e) => return usage(e),
    }
    let mut work = Resume {
        rt: &mut rt,
        workers: &workers,
        follow: args.follow,
    };
    let clock = work.rt.clock();
    let wake = work.rt.wake();
    match crate::runtime::drive::run(&mut work, clock.as_ref(), &wake, Some(POLL)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage(e),
    }
}

/// How often `--follow` looks for work other processes committed (SQLite cannot notify it).
const POLL: Duration = Duration::from_millis(50);

struct Resume<'a> {
    rt: &'a mut Durable,
    workers: &'a crate::runtime::worker::Workers,
    follow: bool,
}

impl crate::runtime::drive::Work for Resume<'_> {
    fn round(&mut self) -> Result<crate::runtime::drive::Round, String> {
        // Without --follow it ends when nothing is left: the effects in progress finish first.
        let drove = if self.follow {
            self.rt.turn()
        } else {
            self.rt.drive()
        }
        .map_err(|e| e.to_string())?;
        let n = drove + self.workers.poll()?;
        if n > 0 {
            eprintln!("resumed: {n} timers, effects and messages handled");
        }
        if n == 0 && !self.follow {
            return Ok(crate::runtime::drive::Round::Done);
        }
        Ok(crate::runtime::drive::Round::Did(n))
    }

    fn next_due(&mut self) -> Result<Option<i64>, String> {
        Ok(self.rt.next_due())
    }
}
