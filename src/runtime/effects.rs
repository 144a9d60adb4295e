//! Effect workers: the threads that perform claimed outbox entries (Task invocations: local
//! commands, AWS calls, SQS sends), so that the drive loop never waits for one. A slow command
//! occupies one worker while the loop goes on firing timers (a Task's `TimeoutSeconds` among
//! them), committing the outcomes of the others, and claiming more. A finished job's outcome
//! waits in `finished` for the loop, which it wakes.
//!
//! Threads are started as jobs need them, up to the pool's size, and stay for the next job.

use crate::runtime::wake::Wake;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};

/// How many effects one runtime performs at once unless told otherwise (`set_workers`, from
/// `STEPWISE_EFFECT_WORKERS` at the process edge).
pub const DEFAULT_WORKERS: usize = 32;

static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// The pool size of this process's runtimes (read once, by the CLI; at least 1).
pub fn set_workers(n: usize) {
    let _ = WORKERS.set(n.max(1));
}

type Job<T> = Box<dyn FnOnce() -> T + Send>;

pub struct Pool<T: Send + 'static> {
    size: usize,
    jobs: Sender<Job<T>>,
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    /// Taken by whichever idle worker gets there first.
    jobs: Mutex<Receiver<Job<T>>>,
    state: Mutex<State<T>>,
    /// Told when a job finishes.
    wake: Arc<Wake>,
}

struct State<T> {
    finished: Vec<T>,
    /// Jobs submitted and not yet taken back with `take_finished`.
    in_flight: usize,
    /// Worker threads started, and how many of them wait for a job.
    threads: usize,
    idle: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Send + 'static> Pool<T> {
    /// A pool of at most `size` workers (at least one) that wake `wake` as jobs finish.
    pub fn new(size: usize, wake: Arc<Wake>) -> Pool<T> {
        let (jobs, receiver) = channel();
        Pool {
            size: size.max(1),
            jobs,
            shared: Arc::new(Shared {
                jobs: Mutex::new(receiver),
                state: Mutex::new(State {
                    finished: Vec::new(),
                    in_flight: 0,
                    threads: 0,
                    idle: 0,
                }),
                wake,
            }),
        }
    }

    /// The size `set_workers` gave, else `DEFAULT_WORKERS`.
    pub fn configured_size() -> usize {
        WORKERS.get().copied().unwrap_or(DEFAULT_WORKERS)
    }

    /// How many more jobs can start at once now.
    pub fn room(&self) -> usize {
        self.size.saturating_sub(self.shared.lock().in_flight)
    }

    /// Jobs whose outcomes have not been taken yet.
    pub fn in_flight(&self) -> usize {
        self.shared.lock().in_flight
    }

    /// Runs `job` on a worker; its outcome comes back through `take_finished`.
    pub fn submit(&self, job: impl FnOnce() -> T + Send + 'static) {
        let start_one = {
            let mut state = self.shared.lock();
            state.in_flight += 1;
            let start = state.idle == 0 && state.threads < self.size;
            if start {
                state.threads += 1;
            } else {
                state.idle = state.idle.saturating_sub(1);
            }
            start
        };
        if start_one {
            let shared = self.shared.clone();
            let started = std::thread::Builder::new()
                .name("stepwise-effect".into())
                .spawn(move || work(&shared));
            if started.is_err() {
                // No thread to be had: the job still runs, on the caller's.
                self.shared.lock().threads -= 1;
                let outcome = job();
                self.finish(outcome);
                return;
            }
        }
        if let Err(e) = self.jobs.send(Box::new(job)) {
            // Every worker has gone (they only leave with the pool): run it here.
            let outcome = (e.0)();
            self.finish(outcome);
        }
    }

    fn finish(&self, outcome: T) {
        self.shared.lock().finished.push(outcome);
        self.shared.wake.notify();
    }

    /// The outcomes of the jobs that finished since the last call.
    pub fn take_finished(&self) -> Vec<T> {
        let mut state = self.shared.lock();
        let done = std::mem::take(&mut state.finished);
        state.in_flight -= done.len();
        done
    }
}

/// A worker: takes jobs until the pool is dropped.
fn work<T>(shared: &Shared<T>) {
    loop {
        let job = {
            let jobs = shared.jobs.lock().unwrap_or_else(|e| e.into_inner());
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let outcome = job();
        let mut state = shared.lock();
        state.finished.push(outcome);
        state.idle += 1;
        drop(state);
        shared.wake.notify();
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests wait on the wall clock
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for(pool: &Pool<u32>, wake: &Wake, n: usize) -> Vec<u32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        while got.len() < n {
            assert!(Instant::now() < deadline, "only {got:?} finished");
            wake.wait(Some(Duration::from_millis(100)));
            got.extend(pool.take_finished());
        }
        got
    }

    #[test]
    fn a_slow_job_does_not_hold_up_the_others() {
        let wake = Wake::shared();
        let pool = Pool::new(4, wake.clone());
        let (release, slow_waits) = channel::<()>();
        pool.submit(move || {
            let _ = slow_waits.recv();
            0
        });
        for i in 1..=3 {
            pool.submit(move || i);
        }
        let mut quick = wait_for(&pool, &wake, 3);
        quick.sort();
        assert_eq!(quick, [1, 2, 3]);
        assert_eq!(pool.in_flight(), 1);
        assert_eq!(pool.room(), 3);
        release.send(()).unwrap();
        assert_eq!(wait_for(&pool, &wake, 1), [0]);
        assert_eq!(pool.in_flight(), 0);
    }

    #[test]
    fn idle_workers_are_reused() {
        let wake = Wake::shared();
        let pool = Pool::new(8, wake.clone());
        for round in 0..5 {
            pool.submit(move || round);
            assert_eq!(wait_for(&pool, &wake, 1), [round]);
        }
        assert_eq!(
            pool.shared.lock().threads,
            1,
            "one thread served every job in turn"
        );
    }
}
