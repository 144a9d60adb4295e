//! The embedded queue on an SQLite file, the store alone (run: `cargo bench --bench queue`, or
//! `scripts/bench`). No targets were set. For a standard and a FIFO queue (100 groups), 10,000
//! messages of 200 bytes:
//!
//! (a) sends per second, one message per transaction;
//! (b) messages per second received 10 at a time and each deleted, from that backlog.
//!
//! Each figure is the median of a few runs, each on a fresh file.
#![allow(clippy::disallowed_methods)] // an edge: reads the clock

use std::time::Instant;
use stepwise::store::{NewMessage, QueueStore, SqliteStore};

const RUNS: usize = 5;
const MESSAGES: usize = 10_000;

/// One run on a fresh file: (sends per second, messages received and deleted per second).
fn run(queue: &str, attributes: &str, groups: usize) -> (f64, f64) {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-queue-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let s = SqliteStore::open(&dir.join("stepwise.db")).expect("the store opens");
    s.create_queue(queue, attributes, 0).expect("a queue");
    let started = Instant::now();
    for i in 0..MESSAGES {
        let m = NewMessage {
            queue: queue.into(),
            id: format!("m{i}"),
            body: "x".repeat(200),
            attributes: "{}".into(),
            visible_at_ms: 0,
            sent_ms: 0,
            group_id: (groups > 0).then(|| format!("g{}", i % groups)),
            deduplication_id: (groups > 0).then(|| format!("d{i}")),
        };
        s.send_message(&m).expect("sent").expect("not a duplicate");
    }
    let sent = MESSAGES as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (mut received, mut now) = (0, 1);
    while received < MESSAGES {
        let batch = s
            .receive_messages(queue, 10, 30_000, now)
            .expect("received");
        now += 1;
        for m in &batch {
            let handle = m.receipt_handle.as_deref().expect("a receipt handle");
            s.delete_message(queue, handle).expect("deleted");
        }
        received += batch.len();
    }
    let taken = MESSAGES as f64 / started.elapsed().as_secs_f64();
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
    (sent, taken)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "embedded queue on an SQLite file (release build), median of {RUNS}, {MESSAGES} messages of 200 B:"
    );
    for (queue, attributes, groups) in [("q", "{}", 0), ("q.fifo", r#"{"FifoQueue":"true"}"#, 100)]
    {
        let runs: Vec<(f64, f64)> = (0..RUNS).map(|_| run(queue, attributes, groups)).collect();
        let sent = median(runs.iter().map(|r| r.0).collect());
        let taken = median(runs.iter().map(|r| r.1).collect());
        println!(
            "  {queue:<7} (a) send {sent:>7.0}/s   (b) receive 10 + delete each {taken:>7.0} messages/s"
        );
    }
}
