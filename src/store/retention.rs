//! Deleting the executions that ended before a cutoff, a batch at a time: what
//! `stepwise executions purge` and `serve --retention` run.

use super::{ExecutionStore, Result};

/// Executions deleted per transaction: a batch holds the write lock (SQLite) or its rows'
/// locks (PostgreSQL) only briefly, so steps of other executions go on between batches.
pub const BATCH: usize = 100;

/// Deletes every execution that ended before `stopped_before_ms` with its rows, `BATCH` at a
/// time, calling `between` after each full batch (where `serve` pauses, so the requests and
/// timers waiting for the store get their turn); how many it deleted. A failure after some
/// batches leaves those deleted.
pub fn purge_ended(
    store: &dyn ExecutionStore,
    stopped_before_ms: i64,
    mut between: impl FnMut(),
) -> Result<usize> {
    let mut deleted = 0;
    loop {
        let n = store.purge_executions(stopped_before_ms, BATCH)?;
        deleted += n;
        if n < BATCH {
            return Ok(deleted);
        }
        between();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::{next, record};
    use crate::store::{Commit, ExecutionRecord, ExecutionStatus, MemoryStore};

    #[test]
    fn deletes_batch_after_batch_until_none_is_left() {
        let s = MemoryStore::new();
        for i in 0..(2 * BATCH + 5) {
            let x = record(&format!("x{i}"), 1);
            s.create_execution(&x, &Commit::default()).unwrap();
            let ended = ExecutionRecord {
                status: ExecutionStatus::Succeeded,
                stop_ms: Some(i as i64),
                ..next(&x)
            };
            s.commit(&[Commit {
                execution: Some(ended),
                ..Commit::default()
            }])
            .unwrap();
        }
        let mut pauses = 0;
        let deleted = purge_ended(&s, (2 * BATCH) as i64, || pauses += 1).unwrap();
        assert_eq!((deleted, pauses), (2 * BATCH, 2));
        assert_eq!(purge_ended(&s, i64::MAX, || pauses += 1).unwrap(), 5);
        assert_eq!(purge_ended(&s, i64::MAX, || pauses += 1).unwrap(), 0);
        assert_eq!(pauses, 2, "no pause after a batch that was not full");
    }
}
