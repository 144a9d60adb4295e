//! Table statistics for a young database. PostgreSQL plans a prepared statement once per
//! connection for any parameters (a generic plan) from the statistics it has then, and keeps the
//! plan until they change; autovacuum refreshes them at most once a minute
//! (`autovacuum_naptime`). A new stepwise database grows from empty much faster than that, and
//! plans made on empty tables scan them whole (the batch statements' `UNNEST` joins, `= ANY`
//! lookups, the claims): each step would get slower with every row the tables gain. So the
//! store analyzes its tables itself each time this process's commits have about tripled, from
//! its 30th to its 100,000th; from there on the tables change by a small share between
//! autovacuum's visits, which keep the statistics fresh.

use std::sync::atomic::{AtomicU64, Ordering};

/// Commits of this process after which the tables are analyzed.
const ANALYZE_AFTER: [u64; 8] = [30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];

pub(super) const ANALYZE: &str =
    "ANALYZE executions, history, tokens, timers, outbox, queues, messages, resources,
             conductor_workflows, texts";

#[derive(Default)]
pub(super) struct Young {
    commits: AtomicU64,
}

impl Young {
    /// Counts a commit; whether the tables are to be analyzed now.
    pub(super) fn committed(&self) -> bool {
        let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        ANALYZE_AFTER.contains(&n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzes_as_the_commits_grow_while_young() {
        let young = Young::default();
        let at: Vec<u64> = (1..=200_000).filter(|_| young.committed()).collect();
        assert_eq!(at, ANALYZE_AFTER);
    }
}
