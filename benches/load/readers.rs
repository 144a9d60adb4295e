//! The readers: DescribeExecution and GetExecutionHistory pages (forward to the end, and the
//! first two pages in reverse) of executions started lately, with the event ids checked for
//! order; and the checker, which describes each tracked execution once it is due.

use super::api::Api;
use super::ctx::{Ctx, Pacer, Rng};
use super::tracker::{Due, Kind, Verdict};
use serde_json::{Value, json};
use std::time::Duration;

/// Forward pages read at most per execution.
const PAGES: usize = 20;

pub fn reader(ctx: &Ctx, per_second: f64, seed: u64) {
    let mut api = ctx.api();
    let mut pacer = Pacer::new(per_second);
    let mut rng = Rng::new(seed);
    while ctx.running() {
        pacer.tick();
        let Some(arn) = ctx.pick(&mut rng) else {
            continue;
        };
        api.sfn_ok(
            "DescribeExecution",
            "DescribeExecution",
            &json!({"executionArn": arn}),
        );
        forward(ctx, &mut api, &arn);
        reverse(ctx, &mut api, &arn);
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_i64())
        .collect()
}

/// Every page from the first: ids 1, 2, 3, ... without a gap.
fn forward(ctx: &Ctx, api: &mut Api, arn: &str) {
    let mut expected = 1;
    let mut token = Value::Null;
    for _ in 0..PAGES {
        let mut req = json!({"executionArn": arn, "maxResults": 10});
        if !token.is_null() {
            req["nextToken"] = token.clone();
        }
        let Some(page) = api.sfn_ok("GetExecutionHistory", "GetExecutionHistory", &req) else {
            return;
        };
        for id in ids(&page) {
            if id != expected {
                let what = format!("{arn}: event id {id} where {expected} was expected");
                return ctx.stats.unintended("history pages out of order", what);
            }
            expected += 1;
        }
        token = page["nextToken"].clone();
        if token.is_null() {
            return;
        }
    }
}

/// The first two pages newest first: ids strictly decreasing.
fn reverse(ctx: &Ctx, api: &mut Api, arn: &str) {
    let mut seen = Vec::new();
    let mut token = Value::Null;
    for _ in 0..2 {
        let mut req = json!({"executionArn": arn, "maxResults": 5, "reverseOrder": true});
        if !token.is_null() {
            req["nextToken"] = token.clone();
        }
        let label = "GetExecutionHistory (reverse)";
        let Some(page) = api.sfn_ok(label, "GetExecutionHistory", &req) else {
            return;
        };
        seen.extend(ids(&page));
        token = page["nextToken"].clone();
        if token.is_null() {
            break;
        }
    }
    if seen.windows(2).any(|w| w[0] <= w[1]) {
        let what = format!("{arn}: ids {seen:?}");
        ctx.stats
            .unintended("reverse history pages out of order", what);
    }
}

/// Describes each tracked execution once it is due.
pub fn checker(ctx: &Ctx) {
    let mut api = ctx.api();
    while ctx.running() {
        let Some(Due {
            id,
            arn,
            kind,
            lasts,
            late,
        }) = ctx.tracker.next_due()
        else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let Some(d) = api.sfn_ok(
            "DescribeExecution (check)",
            "DescribeExecution",
            &json!({"executionArn": arn}),
        ) else {
            ctx.tracker
                .settle(id, Verdict::Finished { wrong: true }, late);
            continue;
        };
        let verdict = judge(ctx, &arn, kind, &d);
        if matches!(verdict, Verdict::Finished { .. }) {
            overshoot(ctx, kind, lasts, &d);
        }
        if ctx.tracker.settle(id, verdict, late) {
            let what = format!("{arn} still RUNNING {} s after it was due", late.as_secs());
            ctx.stats
                .unintended(&format!("{} execution stuck", kind.name()), what);
        }
    }
}

fn judge(ctx: &Ctx, arn: &str, kind: Kind, d: &Value) -> Verdict {
    let status = d["status"].as_str().unwrap_or("");
    if status == "RUNNING" {
        return Verdict::StillRunning;
    }
    let (want, error) = kind.expected();
    let wrong = status != want || error.is_some_and(|e| d["error"] != e);
    if wrong {
        let what = format!(
            "{arn}: {status} {} {} (expected {want} {})",
            d["error"],
            d["cause"],
            error.unwrap_or("")
        );
        ctx.stats
            .unintended(&format!("{} execution ended wrong", kind.name()), what);
    }
    Verdict::Finished { wrong }
}

/// How long the execution took beyond the seconds it had to last (start to stop dates).
fn overshoot(ctx: &Ctx, kind: Kind, lasts: u64, d: &Value) {
    if let (Some(start), Some(stop)) = (d["startDate"].as_f64(), d["stopDate"].as_f64()) {
        let over = (stop - start - lasts as f64).max(0.0);
        ctx.stats
            .record(kind.overshoot(), Duration::from_secs_f64(over));
    }
}
