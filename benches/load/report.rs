//! What the run prints: a block every report interval, and the final report (throughput and
//! latency per operation, errors, executions, RSS per minute with its verdict).

use super::ctx::Ctx;
use super::rss::{self, Sample};
use super::stats::Figures;
use super::tracker::Kind;
use std::time::Duration;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The block printed every interval of `secs` seconds.
pub fn interval(ctx: &Ctx, at: f64, secs: f64, last: Option<Sample>, cpu_before: f64) {
    let counts = ctx.tracker.counts();
    let started: u64 = counts.values().map(|c| c.started).sum();
    let finished: u64 = counts.values().map(|c| c.finished).sum();
    let (rss, cpu, db) = last.map_or((0.0, 0.0, 0.0), |s| {
        (
            mib(s.rss_kib),
            (s.cpu - cpu_before) / secs * 100.0,
            s.db_bytes as f64 / 1048576.0,
        )
    });
    println!(
        "[{at:>5.0} s] RSS {rss:.1} MiB, server CPU {cpu:.0} %, db {db:.1} MiB; executions \
         started {started}, finished {finished}, open {}, Wait timers pending ≈ {}; \
         unintended errors {}",
        ctx.tracker.open(),
        ctx.tracker.timers_pending(),
        ctx.stats.unintended_count()
    );
    for (what, e) in ctx.stats.errors().1 {
        println!("    UNINTENDED so far: {what}: {}", e.count);
    }
    for f in ctx.stats.take_interval() {
        println!(
            "    {:<38} {:>8.1}/s   p50 {:>8.2} ms   p99 {:>8.2} ms",
            f.op,
            f.count as f64 / secs,
            ms(f.p50),
            ms(f.p99)
        );
    }
}

/// The final report; whether the run passed.
pub fn finish(ctx: &Ctx, figures: &[Figures], length: f64, samples: &[Sample]) -> bool {
    println!("\n== operations over {length:.0} s (latency from the client, keep-alive) ==");
    println!(
        "{:<38} {:>9} {:>10} {:>10} {:>10} {:>10}",
        "operation", "count", "per s", "p50 ms", "p99 ms", "max ms"
    );
    for f in figures.iter().filter(|f| f.op != "setup") {
        println!(
            "{:<38} {:>9} {:>10.1} {:>10.2} {:>10.2} {:>10.1}",
            f.op,
            f.count,
            f.count as f64 / length,
            ms(f.p50),
            ms(f.p99),
            ms(f.max)
        );
    }
    let errors_ok = errors(ctx);
    let executions_ok = executions(ctx);
    let plain_ok = plain(ctx);
    let rss_ok = memory(samples, length);
    let pass = errors_ok && executions_ok && plain_ok && rss_ok;
    println!("\n== verdict: {} ==", if pass { "PASS" } else { "FAIL" });
    pass
}

fn errors(ctx: &Ctx) -> bool {
    let (intended, unintended) = ctx.stats.errors();
    println!("\n== errors ==");
    for (title, map) in [("intended", &intended), ("UNINTENDED", &unintended)] {
        let total: u64 = map.values().map(|e| e.count).sum();
        println!("{title}: {total}");
        for (what, e) in map {
            println!("  {what}: {}", e.count);
            for x in &e.examples {
                println!("      e.g. {}", x.chars().take(300).collect::<String>());
            }
        }
    }
    unintended.is_empty()
}

fn executions(ctx: &Ctx) -> bool {
    println!("\n== executions (each checked with DescribeExecution once due) ==");
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>7} {:>7}  expected",
        "kind", "started", "finished", "as exp.", "wrong", "stuck"
    );
    let counts = ctx.tracker.counts();
    let mut ok = true;
    for kind in Kind::ALL {
        let c = counts.get(&kind).copied().unwrap_or_default();
        let (status, error) = kind.expected();
        println!(
            "{:<24} {:>9} {:>9} {:>9} {:>7} {:>7}  {status} {}",
            kind.name(),
            c.started,
            c.finished,
            c.finished - c.wrong,
            c.wrong,
            c.stuck,
            error.unwrap_or("")
        );
        ok &= c.started == c.finished && c.wrong == 0 && c.stuck == 0;
    }
    if ctx.tracker.open() > 0 {
        println!("{} executions were never seen ended", ctx.tracker.open());
    }
    ok
}

fn plain(ctx: &Ctx) -> bool {
    let p = ctx.plain.lock().expect("plain");
    let received = p.seen.len() as u64;
    println!(
        "\n== plain SQS == sent {}, received {received}, received again {}",
        p.sent, p.duplicates
    );
    p.sent == received && p.duplicates == 0
}

fn memory(samples: &[Sample], length: f64) -> bool {
    println!("\n== server over time ==");
    println!(
        "{:>6} {:>10} {:>12} {:>10} {:>10}",
        "minute", "RSS MiB", "CPU % (min)", "db MiB", "WAL MiB"
    );
    let mut before = 0.0;
    let mut next = 0.0;
    for s in samples {
        if s.at >= next {
            let cpu = if next == 0.0 {
                0.0
            } else {
                (s.cpu - before) / 60.0 * 100.0
            };
            println!(
                "{:>6.0} {:>10.1} {:>12.0} {:>10.1} {:>10.1}",
                s.at / 60.0,
                mib(s.rss_kib),
                cpu,
                mib(s.db_bytes / 1024),
                mib(s.wal_bytes / 1024)
            );
            before = s.cpu;
            next += 60.0;
        }
    }
    if let Some(s) = samples.last() {
        println!(
            "{:>6} {:>10.1}   (last sample, {:.0} s)",
            "end",
            mib(s.rss_kib),
            s.at
        );
    }
    let peak = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    println!("peak RSS {:.1} MiB", mib(peak));
    match rss::verdict(samples, length) {
        Some((second, last, flat)) => {
            println!(
                "RSS mean, 2nd quarter {second:.1} MiB, last quarter {last:.1} MiB: {:+.1} MiB \
                 ({:+.1} %); threshold max({} %, {} MiB): {}",
                last - second,
                (last - second) / second * 100.0,
                rss::GROWTH_PERCENT,
                rss::GROWTH_FLOOR_MIB,
                if flat { "flat" } else { "GROWING" }
            );
            flat
        }
        None => {
            println!("too few RSS samples for a verdict");
            false
        }
    }
}
