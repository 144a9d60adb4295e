//! A batch of commits as a handful of statements, sent together: each kind of row (execution
//! rows, history events, tokens, timers, outbox entries) of every commit in the batch is one
//! `UNNEST` statement, and all of them go to the server as one pipeline before any answer is
//! awaited. So a transaction costs three round trips (`BEGIN`, the pipeline, `COMMIT`) whatever
//! its size, where statement-by-statement it cost four or more per commit.
//!
//! The order of the statements is the order one commit's rows are applied in (`apply` in
//! `postgres.rs` spells it out): inserts before closes and deletes. Results are checked after
//! the pipeline: an execution whose stored version was not the expected one is a `Conflict`,
//! an event id already stored a duplicate; the caller then rolls the transaction back.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::pool::Db;
use super::{Fail, conductor, id};
use crate::store::memory::duplicate_event;
use crate::store::{
    Commit, Error, ExecutionRecord, HistoryRow, OutboxRecord, TimerRecord, TokenRecord,
    WorkflowWrite,
};

/// One statement of a pipeline, with its rows.
pub(super) type Step<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Row>, tokio_postgres::Error>> + 'a>>;

/// The texts (definition, configuration) are fixed at creation and never rewritten.
const UPDATE_EXECUTIONS: &str =
    "UPDATE executions e SET name = n.name, machine_arn = n.machine_arn,
        machine_name = n.machine_name, status = n.status,
        input = n.input, output = n.output, error = n.error, cause = n.cause,
        start_ms = n.start_ms, stop_ms = n.stop_ms, state = n.state, version = n.version
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[],
                 $12::text[], $13::bigint[], $14::bigint[])
          AS n(arn, name, machine_arn, machine_name, status, input, output, error,
               cause, start_ms, stop_ms, state, version, from_version)
     WHERE e.arn = n.arn AND e.version = n.from_version
     RETURNING e.arn";

const INSERT_HISTORY: &str = "INSERT INTO history (execution_arn, id, timestamp_ms, json)
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[])
     ON CONFLICT DO NOTHING RETURNING execution_arn, id";

const INSERT_TOKENS: &str = "INSERT INTO tokens
         (token, execution_arn, task, state_name, open, created_ms, decider)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::boolean[],
                          $6::bigint[], $7::text[])
     ON CONFLICT DO NOTHING RETURNING token";

const CLOSE_TOKENS: &str = "UPDATE tokens SET open = FALSE WHERE token = ANY($1)";

const ARM_TIMERS: &str = "INSERT INTO timers (execution_arn, timer, due_ms, decider)
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[])
     ON CONFLICT (execution_arn, timer)
     DO UPDATE SET due_ms = excluded.due_ms, decider = excluded.decider,
                   lease_until_ms = 0, lease_owner = NULL";

const REMOVE_TIMERS: &str = "DELETE FROM timers t
     USING UNNEST($1::text[], $2::bigint[]) AS r(arn, timer)
     WHERE t.execution_arn = r.arn AND t.timer = r.timer";

/// `WITH ORDINALITY` keeps the batch's order in the ids.
const INSERT_OUTBOX: &str =
    "INSERT INTO outbox (execution_arn, payload, lease_until_ms, attempts, decider)
     SELECT a, p, l, n, d FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[],
                                      $5::text[]) WITH ORDINALITY AS r(a, p, l, n, d, i)
     ORDER BY i";

const DONE_OUTBOX: &str = "DELETE FROM outbox WHERE id = ANY($1)";

const STATEMENTS: &[&str] = &[
    UPDATE_EXECUTIONS,
    INSERT_HISTORY,
    INSERT_TOKENS,
    CLOSE_TOKENS,
    ARM_TIMERS,
    REMOVE_TIMERS,
    INSERT_OUTBOX,
    DONE_OUTBOX,
];

/// The rows of a batch of commits, gathered per kind.
pub(super) struct Batch<'c> {
    /// Each execution's last row, and the version the first of its commits was computed from.
    executions: Vec<(&'c ExecutionRecord, i64)>,
    workflows: Vec<&'c WorkflowWrite>,
    history: Vec<(&'c str, &'c HistoryRow)>,
    new_tokens: Vec<&'c TokenRecord>,
    closed_tokens: Vec<&'c str>,
    timers: Vec<&'c TimerRecord>,
    removed_timers: Vec<(&'c str, i64)>,
    outbox: Vec<&'c OutboxRecord>,
    done: Vec<i64>,
}

impl<'c> Batch<'c> {
    /// Gathers `commits`; a commit for an execution that does not follow the batch's previous
    /// commit for it (version + 1) is a `Conflict`, as applying them one by one would find.
    pub(super) fn of(commits: &'c [Commit]) -> Result<Batch<'c>, Error> {
        Batch::gather(commits, None)
    }

    /// The rows of the first commit of the new execution `arn` (whose row is inserted, not
    /// updated: the commit's own execution row is ignored).
    pub(super) fn first(arn: &'c str, first: &'c Commit) -> Result<Batch<'c>, Error> {
        Batch::gather(std::slice::from_ref(first), Some(arn))
    }

    fn gather(commits: &'c [Commit], new: Option<&'c str>) -> Result<Batch<'c>, Error> {
        let mut executions: Vec<(&ExecutionRecord, i64)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        let mut b = Batch {
            executions: Vec::new(),
            workflows: Vec::new(),
            history: Vec::new(),
            new_tokens: Vec::new(),
            closed_tokens: Vec::new(),
            timers: Vec::new(),
            removed_timers: Vec::new(),
            outbox: Vec::new(),
            done: Vec::new(),
        };
        for c in commits {
            let arn = match (&c.execution, new) {
                (_, Some(arn)) => arn,
                (Some(x), None) => {
                    let conflict = || Error::Conflict { arn: x.arn.clone() };
                    let from = x.version.checked_sub(1).ok_or_else(conflict)?;
                    match at.get(x.arn.as_str()) {
                        Some(&i) if executions[i].0.version == from => executions[i].0 = x,
                        Some(_) => return Err(conflict()),
                        None => {
                            at.insert(&x.arn, executions.len());
                            executions.push((x, from));
                        }
                    }
                    x.arn.as_str()
                }
                (None, None) => "",
            };
            b.workflows.extend(&c.workflow);
            b.history.extend(c.history.iter().map(|h| (arn, h)));
            b.new_tokens.extend(&c.new_tokens);
            b.closed_tokens
                .extend(c.closed_tokens.iter().map(String::as_str));
            for t in &c.new_timers {
                // One statement may not upsert a row twice: the last arming wins, as it would
                // one statement at a time.
                match b
                    .timers
                    .iter_mut()
                    .find(|l| l.execution_arn == t.execution_arn && l.timer == t.timer)
                {
                    Some(l) => *l = t,
                    None => b.timers.push(t),
                }
            }
            b.removed_timers.extend(
                c.removed_timers
                    .iter()
                    .map(|(arn, timer)| (arn.as_str(), id(*timer))),
            );
            b.outbox.extend(&c.new_outbox);
            b.done.extend(&c.done_outbox);
        }
        b.executions = executions;
        Ok(b)
    }

    /// Applies the batch inside the caller's transaction.
    pub(super) async fn apply(&self, db: &Db) -> Result<(), Fail> {
        for w in &self.workflows {
            conductor::write_workflow(db, w).await?;
        }
        db.prepare_all(STATEMENTS).await?;
        let x = &self.executions;
        let rows = |f: fn(&ExecutionRecord) -> &str| -> Vec<&str> {
            x.iter().map(|(r, _)| f(r)).collect()
        };
        let opt = |f: fn(&ExecutionRecord) -> Option<&str>| -> Vec<Option<&str>> {
            x.iter().map(|(r, _)| f(r)).collect()
        };
        let arns = rows(|r| &r.arn);
        let names = rows(|r| &r.name);
        let machine_arns = rows(|r| &r.machine_arn);
        let machine_names = rows(|r| &r.machine_name);
        let statuses = rows(|r| r.status.name());
        let inputs = rows(|r| &r.input);
        let outputs = opt(|r| r.output.as_deref());
        let errors = opt(|r| r.error.as_deref());
        let causes = opt(|r| r.cause.as_deref());
        let starts: Vec<i64> = x.iter().map(|(r, _)| r.start_ms).collect();
        let stops: Vec<Option<i64>> = x.iter().map(|(r, _)| r.stop_ms).collect();
        let states = rows(|r| &r.state);
        let versions: Vec<i64> = x.iter().map(|(r, _)| r.version).collect();
        let froms: Vec<i64> = x.iter().map(|(_, from)| *from).collect();

        let h = &self.history;
        let h_arns: Vec<&str> = h.iter().map(|(a, _)| *a).collect();
        let h_ids: Vec<i64> = h.iter().map(|(_, e)| id(e.id)).collect();
        let h_times: Vec<i64> = h.iter().map(|(_, e)| e.timestamp_ms).collect();
        let h_json: Vec<&str> = h.iter().map(|(_, e)| e.json.as_str()).collect();

        let t = &self.new_tokens;
        let t_names: Vec<&str> = t.iter().map(|t| t.token.as_str()).collect();
        let t_arns: Vec<&str> = t.iter().map(|t| t.execution_arn.as_str()).collect();
        let t_tasks: Vec<i64> = t.iter().map(|t| id(t.task)).collect();
        let t_states: Vec<&str> = t.iter().map(|t| t.state_name.as_str()).collect();
        let t_open: Vec<bool> = t.iter().map(|t| t.open).collect();
        let t_created: Vec<i64> = t.iter().map(|t| t.created_ms).collect();
        let t_deciders: Vec<&str> = t.iter().map(|t| t.decider.as_str()).collect();

        let m = &self.timers;
        let m_arns: Vec<&str> = m.iter().map(|t| t.execution_arn.as_str()).collect();
        let m_ids: Vec<i64> = m.iter().map(|t| id(t.timer)).collect();
        let m_due: Vec<i64> = m.iter().map(|t| t.due_ms).collect();
        let m_deciders: Vec<&str> = m.iter().map(|t| t.decider.as_str()).collect();
        let r_arns: Vec<&str> = self.removed_timers.iter().map(|(a, _)| *a).collect();
        let r_ids: Vec<i64> = self.removed_timers.iter().map(|(_, t)| *t).collect();

        let o = &self.outbox;
        let o_arns: Vec<&str> = o.iter().map(|o| o.execution_arn.as_str()).collect();
        let o_payloads: Vec<&str> = o.iter().map(|o| o.payload.as_str()).collect();
        let o_leases: Vec<i64> = o.iter().map(|o| o.lease_until_ms).collect();
        let o_attempts: Vec<i64> = o.iter().map(|o| o.attempts).collect();
        let o_deciders: Vec<&str> = o.iter().map(|o| o.decider.as_str()).collect();

        let update_params: [&(dyn ToSql + Sync); 14] = [
            &arns,
            &names,
            &machine_arns,
            &machine_names,
            &statuses,
            &inputs,
            &outputs,
            &errors,
            &causes,
            &starts,
            &stops,
            &states,
            &versions,
            &froms,
        ];
        let history_params: [&(dyn ToSql + Sync); 4] = [&h_arns, &h_ids, &h_times, &h_json];
        let token_params: [&(dyn ToSql + Sync); 7] = [
            &t_names,
            &t_arns,
            &t_tasks,
            &t_states,
            &t_open,
            &t_created,
            &t_deciders,
        ];
        let close_params: [&(dyn ToSql + Sync); 1] = [&self.closed_tokens];
        let arm_params: [&(dyn ToSql + Sync); 4] = [&m_arns, &m_ids, &m_due, &m_deciders];
        let remove_params: [&(dyn ToSql + Sync); 2] = [&r_arns, &r_ids];
        let outbox_params: [&(dyn ToSql + Sync); 5] =
            [&o_arns, &o_payloads, &o_leases, &o_attempts, &o_deciders];
        let done_params: [&(dyn ToSql + Sync); 1] = [&self.done];
        // Each statement that has rows to write, in order; the positions of those checked.
        let mut steps: Vec<Step<'_>> = Vec::new();
        let s = &mut steps;
        let updated = push(s, db, UPDATE_EXECUTIONS, &update_params, x.len());
        let history = push(s, db, INSERT_HISTORY, &history_params, h.len());
        let tokens = push(s, db, INSERT_TOKENS, &token_params, t.len());
        push(s, db, CLOSE_TOKENS, &close_params, self.closed_tokens.len());
        push(s, db, ARM_TIMERS, &arm_params, m.len());
        push(s, db, REMOVE_TIMERS, &remove_params, r_arns.len());
        push(s, db, INSERT_OUTBOX, &outbox_params, o.len());
        push(s, db, DONE_OUTBOX, &done_params, self.done.len());
        let mut results = pipeline(steps).await;
        // The first failure, in statement order, is the one to report: later statements of an
        // aborted transaction only say it is aborted.
        if let Some(pos) = results.iter().position(Result::is_err) {
            return Err(Fail::Sql(results.swap_remove(pos).unwrap_err()));
        }
        let mut results: Vec<Vec<Row>> =
            results.into_iter().map(Result::unwrap_or_default).collect();
        if let Some(i) = updated {
            let changed: Vec<String> = std::mem::take(&mut results[i])
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            if let Some((x, _)) = x.iter().find(|(x, _)| !changed.contains(&x.arn)) {
                return Err(Fail::Store(Error::Conflict { arn: x.arn.clone() }));
            }
        }
        if let Some(i) = history
            && results[i].len() < h.len()
        {
            let stored: Vec<(String, i64)> = results[i]
                .iter()
                .map(|r| Ok::<_, tokio_postgres::Error>((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, _>>()?;
            let mut seen = std::collections::HashSet::new();
            let (arn, event) = h
                .iter()
                .find(|(a, e)| {
                    !stored.contains(&(a.to_string(), id(e.id))) || !seen.insert((*a, e.id))
                })
                .copied()
                .unwrap_or(h[0]);
            return Err(Fail::Store(duplicate_event(arn, event.id)));
        }
        if let Some(i) = tokens
            && results[i].len() < t.len()
        {
            let stored: Vec<String> = results[i]
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            let mut seen = std::collections::HashSet::new();
            let token = t
                .iter()
                .find(|t| !stored.contains(&t.token) || !seen.insert(&t.token))
                .unwrap_or(&t[0]);
            return Err(Fail::Store(Error::Backend(format!(
                "task token {} is already stored (execution {})",
                token.token, token.execution_arn
            ))));
        }
        Ok(())
    }
}

/// Adds the statement to the pipeline when it has rows to write; its position.
fn push<'a>(
    steps: &mut Vec<Step<'a>>,
    db: &'a Db,
    sql: &'static str,
    params: &'a [&'a (dyn ToSql + Sync)],
    rows: usize,
) -> Option<usize> {
    if rows == 0 {
        return None;
    }
    steps.push(Box::pin(db.query(sql, params)));
    Some(steps.len() - 1)
}

/// Runs `steps` as one pipeline: polled in order, each sends its statement on its first poll
/// (their statements are prepared already), so the server receives them in order before any
/// answer is awaited; the answers, in order.
pub(super) async fn pipeline<T>(steps: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut steps: Vec<Option<Pin<Box<dyn Future<Output = T> + '_>>>> =
        steps.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = steps.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, result) in steps.iter_mut().zip(out.iter_mut()) {
            if let Some(step) = slot {
                match step.as_mut().poll(cx) {
                    Poll::Ready(r) => {
                        *result = Some(r);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
