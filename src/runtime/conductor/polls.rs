//! Who last polled for each task type in each domain, and when (Conductor's poll data): a task
//! domain given as a list (`"mydomain,NO_DOMAIN"`) goes to the first domain polled lately
//! (`conductor::domains`), and `GET /api/tasks/queue/polldata` shows them. Kept in this
//! process's memory, not in the database: a poll counts for ten seconds, so only a server
//! restarted within them, or another server on the same database, does not see it, and then
//! the list's last entry is chosen, as Conductor chooses it when no worker polled.

use crate::conductor::domains::ACTIVE_POLL_MS;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// Records kept at most: past it those older than `ACTIVE_POLL_MS` are dropped, and a new one
/// is not kept while all are recent (a client may make up any number of domains).
const MAX_RECORDS: usize = 10_000;

/// One task type's last poll in one domain (`None`: the plain queue).
#[derive(Debug, Clone, PartialEq)]
pub struct PollData {
    pub task_type: String,
    pub domain: Option<String>,
    pub worker_id: Option<String>,
    pub last_poll_time: i64,
}

impl PollData {
    /// Conductor's `PollData` JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "queueName": self.task_type,
            "domain": self.domain,
            "workerId": self.worker_id,
            "lastPollTime": self.last_poll_time,
        })
    }
}

type Key = (String, Option<String>);

#[derive(Default)]
pub struct Polls(Mutex<HashMap<Key, PollData>>);

impl Polls {
    /// A worker polled for `task_type` in `domain` at `now`.
    pub fn record(&self, task_type: &str, domain: Option<&str>, worker_id: Option<&str>, now: i64) {
        let mut polls = self.lock();
        let key = (task_type.to_string(), domain.map(str::to_string));
        if polls.len() >= MAX_RECORDS && !polls.contains_key(&key) {
            polls.retain(|_, p| p.last_poll_time > now - ACTIVE_POLL_MS);
            if polls.len() >= MAX_RECORDS {
                // Polls in that many domains within ten seconds: a new one is not remembered
                // (its list falls back to its last entry), and memory stays bounded.
                return;
            }
        }
        polls.insert(
            key,
            PollData {
                task_type: task_type.to_string(),
                domain: domain.map(str::to_string),
                worker_id: worker_id.map(str::to_string),
                last_poll_time: now,
            },
        );
    }

    /// When a worker last polled for `task_type` in `domain`.
    pub fn last_poll(&self, task_type: &str, domain: Option<&str>) -> Option<i64> {
        let key = (task_type.to_string(), domain.map(str::to_string));
        self.lock().get(&key).map(|p| p.last_poll_time)
    }

    /// The records of `task_type` (all of them with `None`), by task type and domain.
    pub fn of(&self, task_type: Option<&str>) -> Vec<PollData> {
        let mut out: Vec<PollData> = (self.lock().values())
            .filter(|p| task_type.is_none_or(|t| p.task_type == t))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.task_type, &a.domain).cmp(&(&b.task_type, &b.domain)));
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, PollData>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_poll_per_type_and_domain() {
        let polls = Polls::default();
        polls.record("t", Some("d"), Some("w1"), 5);
        polls.record("t", Some("d"), Some("w2"), 7);
        polls.record("t", None, None, 6);
        polls.record("u", Some("d"), None, 1);
        assert_eq!(polls.last_poll("t", Some("d")), Some(7));
        assert_eq!(polls.last_poll("t", None), Some(6));
        assert_eq!(polls.last_poll("t", Some("e")), None);
        let t = polls.of(Some("t"));
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].worker_id.as_deref(), Some("w2"));
        assert_eq!(polls.of(None).len(), 3);
        assert_eq!(
            t[1].to_json(),
            json!({"queueName": "t", "domain": "d", "workerId": "w2", "lastPollTime": 7})
        );
    }

    #[test]
    fn made_up_domains_do_not_grow_it_past_its_bound() {
        let polls = Polls::default();
        for i in 0..MAX_RECORDS + 5 {
            polls.record("t", Some(&format!("d{i}")), None, 100);
        }
        assert_eq!(polls.of(None).len(), MAX_RECORDS);
        // Known ones are still updated; once the old ones are stale, new ones are kept again.
        polls.record("t", Some("d0"), None, 101);
        assert_eq!(polls.last_poll("t", Some("d0")), Some(101));
        polls.record("t", Some("new"), None, 100 + ACTIVE_POLL_MS + 1);
        assert_eq!(polls.of(None).len(), 1);
    }
}
