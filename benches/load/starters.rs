//! The starters: StartExecution of one kind at a steady rate, each execution tracked with
//! when it should have ended.

use super::ctx::{Ctx, Pacer, Rng};
use super::setup::TIMEOUT_SECONDS;
use super::tracker::Kind;
use serde_json::json;
use std::time::{Duration, Instant};

/// Grace after the expected end before the checker first looks.
const GRACE: Duration = Duration::from_secs(2);

/// Starts `kind` executions at `per_second` until the run stops starting.
pub fn run(ctx: &Ctx, kind: Kind, per_second: f64, seed: u64) {
    let mut api = ctx.api();
    let mut pacer = Pacer::new(per_second);
    let mut rng = Rng::new(seed);
    let machine = ctx.setup.machine(kind).to_string();
    while ctx.starting() {
        pacer.tick();
        let waits: Vec<u64> = match kind {
            Kind::Wait => (0..ctx.waits).map(|_| 1 + rng.below(5)).collect(),
            _ => Vec::new(),
        };
        let (input, lasts) = match kind {
            Kind::Wait => (
                json!({"waits": waits}),
                waits.iter().max().copied().unwrap_or(0),
            ),
            Kind::Callback => (json!({"late": false, "t": epoch_ms()}), 0),
            Kind::Timeout => (json!({"late": true, "t": epoch_ms()}), TIMEOUT_SECONDS),
            Kind::Activity => (json!({}), 0),
        };
        let started = Instant::now();
        let Some(out) = api.sfn_ok(
            "StartExecution",
            "StartExecution",
            &json!({"stateMachineArn": machine, "input": input.to_string()}),
        ) else {
            continue;
        };
        let Some(arn) = out["executionArn"].as_str() else {
            ctx.stats
                .unintended("StartExecution: no executionArn", out.to_string());
            continue;
        };
        let due = started + Duration::from_secs(lasts) + GRACE;
        ctx.tracker.add(arn.to_string(), kind, (lasts, due), waits);
        ctx.remember(arn.to_string());
    }
}

/// Milliseconds since the epoch: a callback's input carries its start time to the client that
/// receives its token.
pub fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
