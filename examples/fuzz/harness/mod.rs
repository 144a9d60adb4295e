//! The fuzz harness shared by `scripts/fuzz` (long runs, `examples/fuzz/main.rs`) and the bounded
//! run of the test suite (`tests/fuzz.rs`): one [`Target`] per parser or evaluator that reads
//! what users and clients send, a deterministic generator per target, and a runner that turns a
//! panic into a [`Finding`] instead of a crash.
//!
//! Input number `i` of a run with seed `s` is generated from `(s, i)` alone, so any input can be
//! generated again without the ones before it: that is how the supervisor finds the input that
//! overflowed the stack (which no `catch_unwind` can catch) after the worker died.

pub mod corpus;
pub mod mutate;
pub mod rng;
pub mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

pub use rng::Rng;

/// One thing to fuzz: generates inputs as bytes (so any input can be saved and replayed) and
/// runs one. `run` returns normally for every input, errors included; a panic is a bug.
pub trait Target {
    /// Generates input `rng` stands for, from the target's seeds and mutations.
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8>;
    /// Feeds one input to the code under test.
    fn run(&mut self, input: &[u8]);
}

/// A panic caught while running one input.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The panic's message and location, e.g. `index out of bounds ... at src/x.rs:1:2`.
    pub message: String,
    pub input: Vec<u8>,
}

/// Every target's name, in the order runs report them.
pub const TARGETS: &[&str] = &[
    "asl",
    "jsonpath",
    "intrinsic",
    "jsonata",
    "choice",
    "conductor-expr",
    "conductor-js",
    "sfn-api",
    "sqs-api",
    "conductor-api",
];

/// The target called `name`, ready to run (`None` for an unknown name).
pub fn target(name: &str) -> Option<Box<dyn Target>> {
    targets::by_name(name)
}

/// The last panic's message, set by the hook [`quiet_panics`] installs. A global, not a
/// thread-local: the API targets run operations on tokio's blocking pool, which turns a panic
/// into an error reply, so the hook is the only place that sees it.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replaces the panic hook by one that records the message instead of printing it (a run can
/// meet the same panic thousands of times).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-text payload".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(format!("{message}{location}"));
    }));
}

/// The message of the last panic on any thread, taken: the API targets re-raise a panic the
/// server caught on its blocking pool (and answered with a 500) so it counts as a finding.
pub fn take_last_panic() -> Option<String> {
    LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Runs one input; a panic that reaches the target (or that the target re-raises) becomes a
/// [`Finding`]. A panic the code under test catches and turns into an error on purpose is not
/// one.
pub fn run_one(target: &mut dyn Target, input: &[u8]) -> Option<Finding> {
    take_last_panic();
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(input)));
    let recorded = take_last_panic();
    match outcome {
        Ok(()) => None,
        Err(_) => Some(Finding {
            message: recorded
                .unwrap_or_else(|| "a panic (no hook installed: call quiet_panics first)".into()),
            input: input.to_vec(),
        }),
    }
}

/// Runs inputs `start..start + count` of `seed` through `target`, calling `each` after every
/// input (for progress and deadlines: return `false` to stop). Returns the findings and how many
/// inputs ran.
pub fn run_range(
    target: &mut dyn Target,
    seed: u64,
    start: u64,
    count: u64,
    each: &mut dyn FnMut(u64, &[u8]) -> bool,
) -> (Vec<Finding>, u64) {
    let mut findings = Vec::new();
    let mut ran = 0;
    for i in start..start.saturating_add(count) {
        let mut rng = Rng::for_input(seed, i);
        let input = target.generate(&mut rng);
        if let Some(f) = run_one(target, &input) {
            findings.push(f);
        }
        ran += 1;
        if !each(i, &input) {
            break;
        }
    }
    (findings, ran)
}
