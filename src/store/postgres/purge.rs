//! Deleting executions that ended long enough ago, with every row that belongs to them, and the
//! texts (`texts.rs`) they alone used.

use super::Fail;
use super::pool::Db;
use crate::store::ENDED;

/// Stores texts by key, skipping those already there: `$1` keys, `$2` texts, each key once.
pub(super) const KEEP_TEXTS: &str = "INSERT INTO texts (hash, body)
     SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING";

/// Deletes up to `limit` ended executions stopped before `stopped_before_ms` (oldest first;
/// rows another node is deleting are skipped) and their history, tokens, timers and outbox
/// entries. How many it deleted, and the keys of their texts.
pub(super) async fn executions(
    db: &Db,
    stopped_before_ms: i64,
    limit: i64,
) -> Result<(usize, Vec<String>), Fail> {
    let ended: Vec<&str> = ENDED.iter().map(|s| s.name()).collect();
    let gone = db
        .query(
            "DELETE FROM executions WHERE arn IN (
                 SELECT arn FROM executions WHERE stop_ms < $1 AND status = ANY($3)
                 ORDER BY stop_ms, arn LIMIT $2 FOR UPDATE SKIP LOCKED)
               AND status = ANY($3)
             RETURNING arn, definition_hash, config_hash",
            &[&stopped_before_ms, &limit, &ended],
        )
        .await?;
    let mut arns: Vec<String> = Vec::with_capacity(gone.len());
    let mut texts: Vec<String> = Vec::new();
    for row in &gone {
        arns.push(row.try_get(0)?);
        texts.push(row.try_get(1)?);
        texts.push(row.try_get(2)?);
    }
    if arns.is_empty() {
        return Ok((0, texts));
    }
    for sql in [
        "DELETE FROM history WHERE execution_arn = ANY($1)",
        "DELETE FROM tokens WHERE execution_arn = ANY($1)",
        "DELETE FROM timers WHERE execution_arn = ANY($1)",
        "DELETE FROM outbox WHERE execution_arn = ANY($1)",
    ] {
        db.execute(sql, &[&arns]).await?;
    }
    texts.sort();
    texts.dedup();
    Ok((arns.len(), texts))
}

/// Deletes the texts of `keys` no execution references. The table lock waits for the
/// executions being created (their `KEEP_TEXTS` holds a conflicting lock until they commit)
/// and holds new ones back meanwhile, so a text is never deleted under a new execution that is
/// about to reference it.
pub(super) async fn unused_texts(db: &Db, keys: &[String]) -> Result<(), Fail> {
    db.batch("LOCK TABLE texts IN SHARE ROW EXCLUSIVE MODE")
        .await?;
    db.execute(
        "DELETE FROM texts t WHERE t.hash = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM executions WHERE definition_hash = t.hash)
           AND NOT EXISTS (SELECT 1 FROM executions WHERE config_hash = t.hash)",
        &[&keys],
    )
    .await?;
    Ok(())
}
