//! Keeping outbox leases alive while their effects run. A runtime claims entries for
//! `LEASE_MS`; an effect that runs longer (a slow command, a long AWS call) would let another
//! node take it over and perform it a second time while the first still runs. So while a batch
//! of claimed entries is being performed, a helper thread extends their leases every third of
//! `LEASE_MS`. A process that dies stops renewing, and its leases run out as before.
#![allow(clippy::disallowed_methods)] // an edge: a thread of its own, the wall clock

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::runtime::LEASE_MS;
use crate::store::Store;

/// How often held leases are extended.
const EVERY: Duration = Duration::from_millis(LEASE_MS as u64 / 3);

pub struct Renewer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The entries being performed.
    held: std::collections::HashSet<i64>,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Renewer {
    /// A renewer of `owner`'s leases in `store`, with its thread.
    pub fn start(store: Arc<dyn Store>, owner: String) -> Renewer {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("stepwise-leases".into())
                .spawn(move || renew(&shared, &*store, &owner))
                .ok()
        };
        Renewer { shared, thread }
    }

    /// Keeps the leases of `ids` alive until `release`.
    pub fn hold(&self, ids: impl IntoIterator<Item = i64>) {
        self.shared.lock().held.extend(ids);
    }

    /// Stops extending the leases of `ids` (performed, or given up).
    pub fn release(&self, ids: impl IntoIterator<Item = i64>) {
        let mut state = self.shared.lock();
        for id in ids {
            state.held.remove(&id);
        }
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn renew(shared: &Shared, store: &dyn Store, owner: &str) {
    let mut said = false;
    loop {
        let ids = {
            let state = shared.lock();
            if state.stop {
                return;
            }
            let (state, _) = shared
                .changed
                .wait_timeout(state, EVERY)
                .unwrap_or_else(|e| e.into_inner());
            if state.stop {
                return;
            }
            if state.held.is_empty() {
                continue;
            }
            state.held.iter().copied().collect::<Vec<i64>>()
        };
        let until = crate::runtime::clock::system_now_ms().saturating_add(LEASE_MS);
        match store.renew_leases(&ids, owner, until) {
            Ok(_) => said = false,
            Err(e) if !said => {
                tracing::warn!("cannot extend the leases of effects in progress: {e}");
                said = true;
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Commit, MemoryStore, Outbox, Scope, contract};

    #[test]
    fn held_leases_are_extended_and_released_ones_are_not() {
        let store = Arc::new(MemoryStore::new());
        let x = contract::record("a", 1);
        let first = Commit {
            new_outbox: vec![contract::effect("a", "slow")],
            ..Commit::default()
        };
        crate::store::ExecutionStore::create_execution(&*store, &x, &first).unwrap();
        let now = crate::runtime::clock::system_now_ms();
        let claimed = store.claim_outbox(now, 1, 1, "me", Scope::ALL).unwrap();
        let renewer = Renewer::start(store.clone(), "me".into());
        renewer.hold([claimed[0].id]);
        // Renewed after EVERY: a claim after the original 1 ms lease finds nothing. The sleep is
        // the point: the original lease must have run out.
        std::thread::sleep(EVERY + Duration::from_millis(300));
        let later = crate::runtime::clock::system_now_ms();
        assert_eq!(
            store
                .claim_outbox(later, 1, 1, "other", Scope::ALL)
                .unwrap(),
            []
        );
        renewer.release([claimed[0].id]);
        drop(renewer);
        let expired = later + LEASE_MS + 1;
        assert_eq!(
            store
                .claim_outbox(expired, 1, 1, "other", Scope::ALL)
                .unwrap()
                .len(),
            1
        );
    }
}
