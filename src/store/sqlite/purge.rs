//! Deleting executions that ended long enough ago, with every row that belongs to them, in one
//! short write transaction per batch.

use rusqlite::{Transaction, params};

use crate::store::ENDED;

/// Deletes up to `limit` ended executions stopped before `stopped_before_ms` (oldest first),
/// their history, tokens, timers and outbox entries, and the texts nobody references any more.
/// How many executions it deleted.
pub(super) fn executions(
    tx: &Transaction,
    stopped_before_ms: i64,
    limit: i64,
) -> rusqlite::Result<usize> {
    let [a, b, c, d] = ENDED.map(|s| s.name());
    let doomed: Vec<(String, String, String)> = tx
        .prepare_cached(
            "SELECT arn, definition_hash, config_hash FROM executions
             WHERE stop_ms < ?1 AND status IN (?3, ?4, ?5, ?6)
             ORDER BY stop_ms, arn LIMIT ?2",
        )?
        .query_map(params![stopped_before_ms, limit, a, b, c, d], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for sql in [
        "DELETE FROM executions WHERE arn = ?1",
        "DELETE FROM history WHERE execution_arn = ?1",
        "DELETE FROM tokens WHERE execution_arn = ?1",
        "DELETE FROM timers WHERE execution_arn = ?1",
        "DELETE FROM outbox WHERE execution_arn = ?1",
    ] {
        let mut delete = tx.prepare_cached(sql)?;
        for (arn, _, _) in &doomed {
            delete.execute([arn])?;
        }
    }
    let mut unused = tx.prepare_cached(
        "DELETE FROM texts WHERE hash = ?1
           AND NOT EXISTS (SELECT 1 FROM executions WHERE definition_hash = ?1)
           AND NOT EXISTS (SELECT 1 FROM executions WHERE config_hash = ?1)",
    )?;
    for (_, definition, config) in &doomed {
        unused.execute([definition])?;
        unused.execute([config])?;
    }
    Ok(doomed.len())
}
