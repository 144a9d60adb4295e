//! What every client thread shares: where the server is, what it measured, the executions it
//! tracks, the phase of the run, and small helpers (pacing, random numbers).

use super::api::Api;
use super::setup::Setup;
use super::stats::Stats;
use super::tracker::Tracker;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a started execution stays a candidate for history reads: well inside the
/// server's retention, so a read never finds it purged.
pub const RECENT: Duration = Duration::from_secs(60);

pub struct Ctx {
    pub addr: String,
    pub stats: Arc<Stats>,
    pub tracker: Tracker,
    pub setup: Setup,
    /// Map iterations (Wait states) per wait execution.
    pub waits: usize,
    /// Starters and the plain SQS sender run while set.
    pub starting: AtomicBool,
    /// Everything else runs while set.
    pub running: AtomicBool,
    /// Executions started lately, for the readers.
    pub recent: Mutex<VecDeque<(Instant, String)>>,
    /// Tokens to answer after their Task timed out, and when.
    pub late: Mutex<VecDeque<(Instant, String)>>,
    pub plain: Mutex<Plain>,
}

/// The plain SQS traffic: sent, received (distinct) and received again.
#[derive(Default)]
pub struct Plain {
    pub sent: u64,
    pub seen: HashSet<u64>,
    pub duplicates: u64,
}

impl Ctx {
    pub fn api(&self) -> Api {
        Api::new(&self.addr, self.stats.clone())
    }

    pub fn starting(&self) -> bool {
        self.starting.load(Ordering::SeqCst)
    }

    pub fn running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    pub fn remember(&self, arn: String) {
        let mut recent = self.recent.lock().expect("recent");
        let now = Instant::now();
        while recent.front().is_some_and(|(t, _)| now - *t > RECENT) {
            recent.pop_front();
        }
        recent.push_back((now, arn));
    }

    /// A random execution started lately.
    pub fn pick(&self, rng: &mut Rng) -> Option<String> {
        let recent = self.recent.lock().expect("recent");
        let now = Instant::now();
        let fresh: Vec<&String> = recent
            .iter()
            .filter(|(t, _)| now - *t <= RECENT)
            .map(|(_, a)| a)
            .collect();
        (!fresh.is_empty()).then(|| fresh[rng.below(fresh.len() as u64) as usize].clone())
    }
}

/// Calls at a steady rate: `tick` sleeps until the next slot (a client that fell more than a
/// second behind starts afresh rather than bursting).
pub struct Pacer {
    every: Duration,
    next: Instant,
}

impl Pacer {
    pub fn new(per_second: f64) -> Pacer {
        Pacer {
            every: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            next: Instant::now(),
        }
    }

    pub fn tick(&mut self) {
        let now = Instant::now();
        if self.next > now {
            std::thread::sleep(self.next - now);
        } else if now - self.next > Duration::from_secs(1) {
            self.next = now;
        }
        self.next += self.every;
    }
}

/// xorshift64*: enough randomness to spread waits and reads, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((t ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}
