//! `MemoryStore`: the whole store in maps behind one mutex, for tests and in-process runs. The
//! embedded queue lives in `memory/queue.rs`.
//!
//! A `commit` first checks every commit of the batch (versions, duplicate history ids and tokens)
//! and only then applies them, so a failing batch leaves nothing behind, as a SQL rollback would.

mod conductor;
mod queue;
mod registry;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use super::{
    Commit, Decider, Error, ExecutionFilter, ExecutionRecord, ExecutionStore, ExecutionSummary,
    HistoryRow, Outbox, OutboxRecord, Result, Scope, TimerRecord, TimerStore, TokenRecord,
    TokenStore,
};

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    executions: HashMap<String, ExecutionRecord>,
    history: HashMap<String, BTreeMap<u64, HistoryRow>>,
    tokens: HashMap<String, TokenRecord>,
    /// Open tokens per execution.
    open_tokens: HashMap<String, BTreeSet<String>>,
    timers: HashMap<(String, u64), (i64, Decider)>,
    /// The same timers, ordered as `due_timers` returns them.
    timers_by_due: BTreeSet<(i64, String, u64)>,
    outbox: BTreeMap<i64, OutboxRecord>,
    /// Ids are never reused: a late `done_outbox` must not delete a newer record.
    last_outbox_id: i64,
    queues: queue::Queues,
    /// `(kind, name)` → resource; a `BTreeMap`, so listing is by name.
    resources: BTreeMap<(String, String), crate::store::ResourceRecord>,
    workflows: HashMap<String, crate::store::WorkflowRow>,
    event_executions: BTreeMap<String, String>,
}

impl Inner {
    /// A workflow with its tokens and timers.
    fn delete_workflow(&mut self, id: &str) -> bool {
        let found = self.workflows.remove(id).is_some();
        self.tokens.retain(|_, t| t.execution_arn != id);
        self.open_tokens.remove(id);
        self.timers.retain(|(arn, _), _| arn != id);
        self.timers_by_due.retain(|(_, arn, _)| arn != id);
        found
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Applying never panics half-way, so a poisoned lock still guards consistent data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One process: its own commits wake its runtime directly.
impl super::Changes for MemoryStore {}

impl ExecutionStore for MemoryStore {
    fn create_execution(&self, record: &ExecutionRecord, first: &Commit) -> Result<()> {
        let mut inner = self.lock();
        if inner.executions.contains_key(&record.arn) {
            return Err(Error::AlreadyExists {
                arn: record.arn.clone(),
            });
        }
        let first = Commit {
            execution: None,
            ..first.clone()
        };
        inner.check(&[(&first, Some(record.arn.as_str()))])?;
        inner.executions.insert(record.arn.clone(), record.clone());
        inner.apply(&first, &record.arn);
        Ok(())
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>> {
        Ok(self.lock().executions.get(arn).cloned())
    }

    fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>> {
        let inner = self.lock();
        let mut found: Vec<&ExecutionRecord> = inner
            .executions
            .values()
            .filter(|x| {
                filter
                    .machine_arn
                    .as_ref()
                    .is_none_or(|m| *m == x.machine_arn)
            })
            .filter(|x| filter.status.as_ref().is_none_or(|s| *s == x.status))
            .filter(|x| {
                filter
                    .after
                    .as_ref()
                    .is_none_or(|(ms, arn)| (x.start_ms, &x.arn) < (*ms, arn))
            })
            .collect();
        found.sort_by(|a, b| (b.start_ms, &b.arn).cmp(&(a.start_ms, &a.arn)));
        let limit = if filter.limit == 0 {
            usize::MAX
        } else {
            filter.limit
        };
        Ok(found.into_iter().take(limit).map(summary).collect())
    }

    fn history(&self, arn: &str, after: u64, limit: usize) -> Result<Vec<HistoryRow>> {
        let inner = self.lock();
        let Some(rows) = inner.history.get(arn) else {
            return Ok(Vec::new());
        };
        let limit = if limit == 0 { usize::MAX } else { limit };
        let later = rows.range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded));
        Ok(later.take(limit).map(|(_, row)| row.clone()).collect())
    }

    fn history_reversed(
        &self,
        arn: &str,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<HistoryRow>> {
        let inner = self.lock();
        let Some(rows) = inner.history.get(arn) else {
            return Ok(Vec::new());
        };
        let limit = if limit == 0 { usize::MAX } else { limit };
        let end = before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        let earlier = rows.range((std::ops::Bound::Unbounded, end)).rev();
        Ok(earlier.take(limit).map(|(_, row)| row.clone()).collect())
    }

    fn purge_executions(&self, stopped_before_ms: i64, limit: usize) -> Result<usize> {
        let mut inner = self.lock();
        let mut ended: Vec<(i64, String)> = inner
            .executions
            .values()
            .filter(|x| super::ENDED.contains(&x.status))
            .filter_map(|x| x.stop_ms.map(|ms| (ms, x.arn.clone())))
            .filter(|(ms, _)| *ms < stopped_before_ms)
            .collect();
        ended.sort();
        ended.truncate(limit.max(1));
        for (_, arn) in &ended {
            inner.forget_execution(arn);
        }
        Ok(ended.len())
    }

    fn commit(&self, commits: &[Commit]) -> Result<()> {
        let owned: Vec<(&Commit, Option<&str>)> = commits
            .iter()
            .map(|c| (c, c.execution.as_ref().map(|x| x.arn.as_str())))
            .collect();
        let mut inner = self.lock();
        inner.check(&owned)?;
        for c in commits {
            if let Some(w) = &c.workflow {
                inner.workflows.insert(w.row.id.clone(), w.row.clone());
            }
            let arn = match &c.execution {
                Some(x) => {
                    inner.replace_execution(x);
                    x.arn.as_str()
                }
                None => "",
            };
            inner.apply(c, arn);
        }
        Ok(())
    }
}

impl Inner {
    /// Everything that could make the batch fail, checked before anything is written. Each
    /// commit comes with the execution its history belongs to.
    fn check(&self, commits: &[(&Commit, Option<&str>)]) -> Result<()> {
        let mut versions: HashMap<&str, i64> = HashMap::new();
        let mut events: HashSet<(&str, u64)> = HashSet::new();
        let mut tokens: HashSet<&str> = HashSet::new();
        let mut revisions: HashMap<&str, i64> = HashMap::new();
        for (c, owner) in commits {
            if let Some(w) = &c.workflow {
                let id = w.row.id.as_str();
                let stored = revisions
                    .get(id)
                    .copied()
                    .or_else(|| self.workflows.get(id).map(|r| r.revision));
                match (w.insert, stored) {
                    (true, Some(_)) => {
                        return Err(Error::AlreadyExists {
                            arn: id.to_string(),
                        });
                    }
                    (false, s) if s.is_none() || s != w.row.revision.checked_sub(1) => {
                        return Err(Error::Conflict {
                            arn: id.to_string(),
                        });
                    }
                    _ => {}
                }
                revisions.insert(id, w.row.revision);
            }
            if let Some(x) = &c.execution {
                let stored = versions
                    .get(x.arn.as_str())
                    .copied()
                    .or_else(|| self.executions.get(&x.arn).map(|r| r.version));
                if stored.is_none() || stored != x.version.checked_sub(1) {
                    return Err(Error::Conflict { arn: x.arn.clone() });
                }
                versions.insert(&x.arn, x.version);
            }
            if !c.history.is_empty() {
                let Some(arn) = owner else {
                    return Err(history_without_execution());
                };
                let stored = self.history.get(*arn);
                for row in &c.history {
                    if stored.is_some_and(|h| h.contains_key(&row.id))
                        || !events.insert((arn, row.id))
                    {
                        return Err(duplicate_event(arn, row.id));
                    }
                }
            }
            for t in &c.new_tokens {
                if self.tokens.contains_key(&t.token) || !tokens.insert(&t.token) {
                    return Err(Error::Backend(format!(
                        "task token {} is already stored (execution {})",
                        t.token, t.execution_arn
                    )));
                }
            }
        }
        Ok(())
    }

    /// Applies everything but the execution row; cannot fail once `check` passed. The order
    /// (insert, then close or delete) lets one step arm and cancel the same timer.
    fn apply(&mut self, c: &Commit, arn: &str) {
        if !c.history.is_empty() {
            let rows = self.history.entry(arn.to_owned()).or_default();
            rows.extend(c.history.iter().map(|row| (row.id, row.clone())));
        }
        for t in &c.new_tokens {
            if t.open {
                let open = self.open_tokens.entry(t.execution_arn.clone()).or_default();
                open.insert(t.token.clone());
            }
            self.tokens.insert(t.token.clone(), t.clone());
        }
        for token in &c.closed_tokens {
            self.close_token(token);
        }
        for t in &c.new_timers {
            self.remove_timer(&t.execution_arn, t.timer);
            let key = (t.execution_arn.clone(), t.timer);
            self.timers.insert(key, (t.due_ms, t.decider));
            let by_due = (t.due_ms, t.execution_arn.clone(), t.timer);
            self.timers_by_due.insert(by_due);
        }
        for (arn, timer) in &c.removed_timers {
            self.remove_timer(arn, *timer);
        }
        for o in &c.new_outbox {
            self.last_outbox_id += 1;
            let id = self.last_outbox_id;
            self.outbox.insert(id, OutboxRecord { id, ..o.clone() });
        }
        for id in &c.done_outbox {
            self.outbox.remove(id);
        }
    }

    /// A commit's new row; the definition and configuration stay those of the creation.
    fn replace_execution(&mut self, x: &ExecutionRecord) {
        let mut row = x.clone();
        if let Some(stored) = self.executions.get_mut(&x.arn) {
            row.definition = std::mem::take(&mut stored.definition);
            row.config = std::mem::take(&mut stored.config);
        }
        self.executions.insert(x.arn.clone(), row);
    }

    /// Removes an execution and every row that belongs to it.
    fn forget_execution(&mut self, arn: &str) {
        self.executions.remove(arn);
        self.history.remove(arn);
        self.open_tokens.remove(arn);
        self.tokens.retain(|_, t| t.execution_arn != arn);
        let timers: Vec<u64> = (self.timers.keys())
            .filter(|(a, _)| a == arn)
            .map(|(_, t)| *t)
            .collect();
        for timer in timers {
            self.remove_timer(arn, timer);
        }
        self.outbox.retain(|_, o| o.execution_arn != arn);
    }

    fn close_token(&mut self, token: &str) {
        let Some(t) = self.tokens.get_mut(token) else {
            return;
        };
        t.open = false;
        if let Some(open) = self.open_tokens.get_mut(&t.execution_arn) {
            open.remove(token);
            if open.is_empty() {
                self.open_tokens.remove(&t.execution_arn);
            }
        }
    }

    fn timer(&self, (due_ms, execution_arn, timer): &(i64, String, u64)) -> TimerRecord {
        let decider = self.timers.get(&(execution_arn.clone(), *timer));
        TimerRecord {
            execution_arn: execution_arn.clone(),
            timer: *timer,
            due_ms: *due_ms,
            decider: decider.map_or(Decider::Asl, |(_, d)| *d),
        }
    }

    fn remove_timer(&mut self, arn: &str, timer: u64) {
        if let Some((due, _)) = self.timers.remove(&(arn.to_owned(), timer)) {
            self.timers_by_due.remove(&(due, arn.to_owned(), timer));
        }
    }
}

// The errors both backends word the same way.

pub(super) fn history_without_execution() -> Error {
    Error::Backend("a commit carries history events but no execution row to own them".into())
}

pub(super) fn duplicate_event(arn: &str, id: u64) -> Error {
    Error::Backend(format!(
        "history event {id} of execution {arn} is already stored"
    ))
}

fn summary(x: &ExecutionRecord) -> ExecutionSummary {
    ExecutionSummary {
        arn: x.arn.clone(),
        name: x.name.clone(),
        machine_arn: x.machine_arn.clone(),
        status: x.status,
        start_ms: x.start_ms,
        stop_ms: x.stop_ms,
    }
}

impl TokenStore for MemoryStore {
    fn token(&self, token: &str) -> Result<Option<TokenRecord>> {
        Ok(self.lock().tokens.get(token).cloned())
    }

    fn open_tokens(&self, execution_arn: &str) -> Result<Vec<TokenRecord>> {
        let inner = self.lock();
        let Some(open) = inner.open_tokens.get(execution_arn) else {
            return Ok(Vec::new());
        };
        let mut found: Vec<TokenRecord> = open
            .iter()
            .filter_map(|t| inner.tokens.get(t).cloned())
            .collect();
        found.sort_by(|a, b| (a.created_ms, &a.token).cmp(&(b.created_ms, &b.token)));
        Ok(found)
    }
}

impl TimerStore for MemoryStore {
    fn due_timers(&self, now_ms: i64, limit: usize, scope: Scope<'_>) -> Result<Vec<TimerRecord>> {
        let inner = self.lock();
        let due = inner
            .timers_by_due
            .iter()
            .take_while(|(due, _, _)| *due <= now_ms)
            .map(|key| inner.timer(key))
            .filter(|t| scope.holds(t.decider, &t.execution_arn));
        Ok(due.take(limit).collect())
    }

    fn next_timer(&self, scope: Scope<'_>) -> Result<Option<TimerRecord>> {
        let inner = self.lock();
        let next = inner
            .timers_by_due
            .iter()
            .map(|key| inner.timer(key))
            .find(|t| scope.holds(t.decider, &t.execution_arn));
        Ok(next)
    }
}

impl Outbox for MemoryStore {
    fn claim_outbox(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        owner: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<OutboxRecord>> {
        let mut inner = self.lock();
        let lease_until_ms = now_ms.saturating_add(lease_ms);
        let free = inner
            .outbox
            .values_mut()
            .filter(|o| o.lease_until_ms <= now_ms && scope.holds(o.decider, &o.execution_arn));
        Ok(free
            .take(limit)
            .map(|o| {
                o.lease_until_ms = lease_until_ms;
                o.attempts = o.attempts.saturating_add(1);
                o.lease_owner = Some(owner.to_string());
                o.clone()
            })
            .collect())
    }

    fn release_leases(&self, dead: &dyn Fn(&str) -> bool) -> Result<usize> {
        let mut inner = self.lock();
        let mut freed = 0;
        for o in inner.outbox.values_mut() {
            if o.lease_until_ms > 0 && o.lease_owner.as_deref().is_some_and(dead) {
                o.lease_until_ms = 0;
                freed += 1;
            }
        }
        Ok(freed)
    }

    fn renew_leases(&self, ids: &[i64], owner: &str, until_ms: i64) -> Result<usize> {
        let mut inner = self.lock();
        let mut renewed = 0;
        for id in ids {
            if let Some(o) = inner.outbox.get_mut(id)
                && o.lease_until_ms > 0
                && o.lease_owner.as_deref() == Some(owner)
            {
                o.lease_until_ms = o.lease_until_ms.max(until_ms);
                renewed += 1;
            }
        }
        Ok(renewed)
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryStore;

    crate::store::contract::contract_tests!(Box::new(MemoryStore::new()));
}
