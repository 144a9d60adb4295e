//! `stepwise resume`: continue what the database holds — fire due timers, deliver effects a
//! dead process left undelivered; with `--follow`, keep doing so (a worker).

use super::report::usage;
use crate::runtime::clock::SystemClock;
use crate::runtime::durable::Durable;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The database (default: STEPWISE_DB, else the per-user default location).
    #[arg(long, env = "STEPWISE_DB")]
    db: Option<String>,
    /// Keep running: wait for timers and new work instead of returning when idle.
    #[arg(long)]
    follow: bool,
}

pub fn main(args: Args) -> ExitCode {
    let path = super::store::path(args.db.as_deref());
    let store = match super::store::open(&path) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut rt = Durable::new(&store, Box::new(SystemClock));
    loop {
        match rt.drive() {
            Ok(n) if n > 0 => eprintln!("resumed: {n} timers and effects handled"),
            Ok(_) => {}
            Err(e) => return usage(e),
        }
        if !args.follow {
            return ExitCode::SUCCESS;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
