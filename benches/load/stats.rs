//! What the clients measured: latencies per operation (for the whole run and for the current
//! report interval) and errors, split into intended ones (a late callback answered
//! `TaskTimedOut`, as it should be) and unintended ones (anything else: the run fails on one).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How many examples of each error are kept for the report.
const EXAMPLES: usize = 3;

#[derive(Default)]
pub struct Stats {
    inner: Mutex<Inner>,
    /// Set while the server is being stopped: calls cut short then are not errors.
    quiet: AtomicBool,
}

#[derive(Default)]
struct Inner {
    ops: BTreeMap<&'static str, Op>,
    intended: BTreeMap<String, Errors>,
    unintended: BTreeMap<String, Errors>,
}

/// Latencies in microseconds.
#[derive(Default)]
struct Op {
    total: Vec<u32>,
    interval: Vec<u32>,
}

#[derive(Default, Clone)]
pub struct Errors {
    pub count: u64,
    pub examples: Vec<String>,
}

/// One operation's figures over a window.
pub struct Figures {
    pub op: &'static str,
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Stats {
    pub fn record(&self, op: &'static str, latency: Duration) {
        let us = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        let mut inner = self.inner.lock().expect("stats");
        let entry = inner.ops.entry(op).or_default();
        entry.total.push(us);
        entry.interval.push(us);
    }

    /// An error the workload provokes on purpose, under `what` (e.g. `SendTaskSuccess after
    /// the timeout: TaskTimedOut`).
    pub fn intended(&self, what: &str, example: String) {
        add(
            &mut self.inner.lock().expect("stats").intended,
            what,
            example,
        );
    }

    /// Anything else that went wrong; ignored once the server is being stopped.
    pub fn unintended(&self, what: &str, example: String) {
        if !self.quiet.load(Ordering::SeqCst) {
            add(
                &mut self.inner.lock().expect("stats").unintended,
                what,
                example,
            );
        }
    }

    pub fn quiet(&self) {
        self.quiet.store(true, Ordering::SeqCst);
    }

    pub fn unintended_count(&self) -> u64 {
        let inner = self.inner.lock().expect("stats");
        inner.unintended.values().map(|e| e.count).sum()
    }

    /// The figures since the last call, per operation (and resets the interval).
    pub fn take_interval(&self) -> Vec<Figures> {
        let mut inner = self.inner.lock().expect("stats");
        let mut out = Vec::new();
        for (op, o) in &mut inner.ops {
            out.extend(figures(op, &mut o.interval));
            o.interval.clear();
        }
        out
    }

    /// The figures of the whole run, per operation.
    pub fn totals(&self) -> Vec<Figures> {
        let mut inner = self.inner.lock().expect("stats");
        inner
            .ops
            .iter_mut()
            .filter_map(|(op, o)| figures(op, &mut o.total))
            .collect()
    }

    pub fn errors(&self) -> (BTreeMap<String, Errors>, BTreeMap<String, Errors>) {
        let inner = self.inner.lock().expect("stats");
        (inner.intended.clone(), inner.unintended.clone())
    }
}

fn add(map: &mut BTreeMap<String, Errors>, what: &str, example: String) {
    let e = map.entry(what.to_string()).or_default();
    e.count += 1;
    if e.examples.len() < EXAMPLES {
        e.examples.push(example);
    }
}

fn figures(op: &'static str, samples: &mut [u32]) -> Option<Figures> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let us = |v: u32| Duration::from_micros(u64::from(v));
    Some(Figures {
        op,
        count: samples.len(),
        p50: us(crate::support::percentile(samples, 0.5)),
        p99: us(crate::support::percentile(samples, 0.99)),
        max: us(samples[samples.len() - 1]),
    })
}
