//! The runtime shell under both front ends: one clock (`clock.rs`), one store-backed driver of
//! the ASL engine and of the Conductor decider (`durable.rs` and `conductor/`: instance rows
//! with optimistic versions, history, one timers table, task tokens, one leased outbox), one
//! drive loop that is woken rather than polling (`drive.rs`, `wake.rs`) with the workers that
//! perform effects beside it (`effects.rs`), one queue consumer
//! (`consumer.rs`) over the queues the runtime reads and writes (`queues.rs`: embedded or SQS)
//! used by queue workers (`worker.rs`), triggers and Conductor event handlers, and the
//! in-memory driver `stepwise run` and `stepwise test` use without a database (`local.rs`).

pub mod asl;
pub mod bounded;
pub mod clock;
pub mod conductor;
pub mod config;
pub mod consumer;
pub mod decider;
pub mod drive;
pub mod durable;
pub mod effects;
pub mod local;
pub mod process;
pub mod queues;
pub mod renew;
pub mod wake;
pub mod worker;

/// How long a process may hold an outbox entry before another one delivers it again: after a
/// crash, `stepwise resume` redelivers the dead process's effects once this has passed.
pub const LEASE_MS: i64 = 15_000;

/// Timers or outbox entries claimed per round and committed in one transaction (group commit).
/// 64: on PostgreSQL a round's claim, read and commit cost about as much for 16 steps as for 64
/// (BENCHMARKS.md, issue 14). Claimed effects are performed by the effect workers
/// (`effects.rs`), at most their number at a time; a slow one occupies one worker.
pub const BATCH: usize = 64;

/// A task token from fresh operating-system randomness (256 bits, URL-safe), for tasks whose
/// decider draws no tokens of its own (Conductor's WAIT and HUMAN tasks).
pub fn new_token() -> Result<String, String> {
    Ok(crate::engine::rng::Rng::new(seed()?).token())
}

/// 256 bits from the operating system: task tokens are derived from them, so without that
/// source nothing is started (a token guessed from the time and the process id would let
/// anyone answer a task).
pub fn seed() -> Result<[u8; 32], String> {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).map_err(|e| {
        format!("the operating system's random source failed ({e}); task tokens cannot be made safely, so nothing was started")
    })?;
    Ok(s)
}
