//! The server process over time: resident memory (`VmRSS` in `/proc/PID/status`), CPU time
//! (`/proc/PID/stat`) and the size of its database files, sampled every second; and the
//! verdict on memory: flat after warm-up when the mean of the run's last quarter exceeds the
//! mean of its second quarter by no more than `GROWTH_PERCENT` % or `GROWTH_FLOOR_MIB` MiB,
//! whichever is larger (the floor keeps allocator noise on a small heap from failing a run).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const GROWTH_PERCENT: f64 = 10.0;
pub const GROWTH_FLOOR_MIB: f64 = 8.0;

/// Clock ticks per second of `/proc/PID/stat` times (`getconf CLK_TCK`, 100 on Linux).
const TICKS: f64 = 100.0;

#[derive(Clone, Copy)]
pub struct Sample {
    /// Seconds since the clients started.
    pub at: f64,
    pub rss_kib: u64,
    /// CPU seconds the server used so far (user + system).
    pub cpu: f64,
    /// Bytes of the SQLite files (0 on PostgreSQL), and of its write-ahead log alone.
    pub db_bytes: u64,
    pub wal_bytes: u64,
}

pub struct Sampler {
    pid: u32,
    dir: PathBuf,
    start: Instant,
    pub samples: Mutex<Vec<Sample>>,
}

impl Sampler {
    pub fn new(pid: u32, dir: &Path, start: Instant) -> Sampler {
        Sampler {
            pid,
            dir: dir.to_path_buf(),
            start,
            samples: Mutex::new(Vec::new()),
        }
    }

    /// Samples every second while `go` says so.
    pub fn run(&self, go: impl Fn() -> bool) {
        while go() {
            if let Some(s) = self.sample() {
                self.samples.lock().expect("samples").push(s);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    pub fn last(&self) -> Option<Sample> {
        self.samples.lock().expect("samples").last().copied()
    }

    fn sample(&self) -> Option<Sample> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which may hold spaces): utime is the 14th field.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        let db_bytes = ["stepwise.db", "stepwise.db-wal", "stepwise.db-shm"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.join(f)).ok())
            .map(|m| m.len())
            .sum();
        let wal_bytes = std::fs::metadata(self.dir.join("stepwise.db-wal")).map_or(0, |m| m.len());
        Some(Sample {
            at: self.start.elapsed().as_secs_f64(),
            rss_kib,
            cpu: ticks / TICKS,
            db_bytes,
            wal_bytes,
        })
    }
}

/// The verdict on `samples` of a run of `length` seconds: the means of the second and last
/// quarters (MiB), and whether the growth between them is within the threshold.
pub fn verdict(samples: &[Sample], length: f64) -> Option<(f64, f64, bool)> {
    let mean = |from: f64, to: f64| {
        let xs: Vec<f64> = samples
            .iter()
            .filter(|s| s.at >= from && s.at < to)
            .map(|s| s.rss_kib as f64 / 1024.0)
            .collect();
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    let second = mean(length / 4.0, length / 2.0)?;
    let last = mean(length * 3.0 / 4.0, length + 0.5)?;
    let allowed = (second * GROWTH_PERCENT / 100.0).max(GROWTH_FLOOR_MIB);
    Some((second, last, last - second <= allowed))
}
