//! Every execution the workload starts, with how and when it should end: the checker looks at
//! each once it is due and records it finished (with the expected status or not) or, when it
//! is still running long after, stuck. Checks happen well inside the server's retention, so an
//! ended execution is still there to be described.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What kind of execution, which says how it should end.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Kind {
    /// Map of Wait states: SUCCEEDED after its longest wait.
    Wait,
    /// `sqs:sendMessage.waitForTaskToken`, answered by SendTaskSuccess: SUCCEEDED.
    Callback,
    /// The same with `TimeoutSeconds` 2 and the answer sent too late: FAILED, `States.Timeout`.
    Timeout,
    /// An activity task, answered by a worker: SUCCEEDED.
    Activity,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Wait, Kind::Callback, Kind::Timeout, Kind::Activity];

    /// The status and (for FAILED) error the execution must end with.
    pub fn expected(self) -> (&'static str, Option<&'static str>) {
        match self {
            Kind::Timeout => ("FAILED", Some("States.Timeout")),
            _ => ("SUCCEEDED", None),
        }
    }

    /// The label of how long its executions took beyond `lasts` (start to stop).
    pub fn overshoot(self) -> &'static str {
        match self {
            Kind::Wait => "[exec] wait: stop-start-longest Wait",
            Kind::Callback => "[exec] callback: start -> stop",
            Kind::Timeout => "[exec] timing out: stop-start-2s",
            Kind::Activity => "[exec] activity: start -> stop",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Wait => "wait (Map of Waits)",
            Kind::Callback => "callback (SQS token)",
            Kind::Timeout => "callback timing out",
            Kind::Activity => "activity",
        }
    }
}

struct Tracked {
    arn: String,
    kind: Kind,
    started: Instant,
    /// Seconds the execution should last at least (its longest wait, or its timeout).
    lasts: u64,
    /// The Wait seconds of a `Wait` execution (for the pending-timer estimate).
    waits: Vec<u64>,
}

#[derive(Default, Clone, Copy)]
pub struct Counts {
    pub started: u64,
    pub finished: u64,
    pub wrong: u64,
    pub stuck: u64,
}

#[derive(Default)]
pub struct Tracker {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    open: HashMap<u64, Tracked>,
    counts: BTreeMap<Kind, Counts>,
    next: u64,
}

/// An execution the checker should look at.
pub struct Due {
    pub id: u64,
    pub arn: String,
    pub kind: Kind,
    pub lasts: u64,
    /// How long past due it is.
    pub late: Duration,
}

/// What the checker should do with an execution it looked at.
pub enum Verdict {
    Finished { wrong: bool },
    StillRunning,
}

/// How long after it is due an execution may still be RUNNING before it counts as stuck.
pub const STUCK_AFTER: Duration = Duration::from_secs(60);

impl Tracker {
    /// Tracks an execution that lasts `lasts` seconds at least and should have ended by `due`.
    pub fn add(&self, arn: String, kind: Kind, (lasts, due): (u64, Instant), waits: Vec<u64>) {
        let mut inner = self.inner.lock().expect("tracker");
        let id = inner.next;
        inner.next += 1;
        inner.due.push(Reverse((due, id)));
        let started = Instant::now();
        inner.open.insert(
            id,
            Tracked {
                arn,
                kind,
                started,
                lasts,
                waits,
            },
        );
        inner.counts.entry(kind).or_default().started += 1;
    }

    /// The next execution due by now.
    pub fn next_due(&self) -> Option<Due> {
        let mut inner = self.inner.lock().expect("tracker");
        let now = Instant::now();
        let Reverse((due, id)) = *inner.due.peek()?;
        if due > now {
            return None;
        }
        inner.due.pop();
        let t = &inner.open[&id];
        Some(Due {
            id,
            arn: t.arn.clone(),
            kind: t.kind,
            lasts: t.lasts,
            late: now - due,
        })
    }

    /// Records what the checker saw; a running one is looked at again in a second, unless it
    /// is `STUCK_AFTER` past due: then it counts as stuck, and the answer is true.
    pub fn settle(&self, id: u64, verdict: Verdict, late: Duration) -> bool {
        let mut inner = self.inner.lock().expect("tracker");
        let kind = inner.open[&id].kind;
        match verdict {
            Verdict::Finished { wrong } => {
                inner.open.remove(&id);
                let c = inner.counts.entry(kind).or_default();
                c.finished += 1;
                c.wrong += u64::from(wrong);
                false
            }
            Verdict::StillRunning if late >= STUCK_AFTER => {
                inner.open.remove(&id);
                inner.counts.entry(kind).or_default().stuck += 1;
                true
            }
            Verdict::StillRunning => {
                let again = Instant::now() + Duration::from_secs(1);
                inner.due.push(Reverse((again, id)));
                false
            }
        }
    }

    pub fn counts(&self) -> BTreeMap<Kind, Counts> {
        self.inner.lock().expect("tracker").counts.clone()
    }

    /// Executions not yet seen ended.
    pub fn open(&self) -> usize {
        self.inner.lock().expect("tracker").open.len()
    }

    /// Wait states whose timer has not fired yet, estimated from start times (Map iterations
    /// start together, so each wait ends about its seconds after the start).
    pub fn timers_pending(&self) -> usize {
        let inner = self.inner.lock().expect("tracker");
        let now = Instant::now();
        inner
            .open
            .values()
            .flat_map(|t| {
                t.waits
                    .iter()
                    .map(move |w| t.started + Duration::from_secs(*w))
            })
            .filter(|end| *end > now)
            .count()
    }
}
