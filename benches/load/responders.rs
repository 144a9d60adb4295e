//! The clients that answer tasks, as an application would: an SQS consumer that receives the
//! callback tokens and sends SendTaskSuccess (or, for the timing-out kind, sends it after the
//! Task's `TimeoutSeconds` and expects `TaskTimedOut`), and activity workers.

use super::ctx::Ctx;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long after receiving a late token its SendTaskSuccess is sent: the Task timed out by
/// then (`TIMEOUT_SECONDS` after it started, which was before the message was sent).
const LATE_BY: Duration = Duration::from_secs(4);

/// Receives callback tokens from the embedded queue and answers them.
pub fn callbacks(ctx: &Ctx) {
    let mut api = ctx.api();
    let queue = ctx.setup.callbacks_url.clone();
    while ctx.running() {
        for m in &api.receive("ReceiveMessage (tokens, poll 1s)", &queue) {
            answer(ctx, &mut api, m);
            api.sqs_ok(
                "DeleteMessage (tokens)",
                "DeleteMessage",
                &json!({"QueueUrl": queue, "ReceiptHandle": m["ReceiptHandle"]}),
            );
        }
    }
}

fn answer(ctx: &Ctx, api: &mut super::api::Api, message: &Value) {
    let body: Value =
        serde_json::from_str(message["Body"].as_str().unwrap_or("")).unwrap_or_default();
    let Some(token) = body["token"].as_str() else {
        ctx.stats
            .unintended("callback message without a token", message.to_string());
        return;
    };
    if let Some(t) = body["t"].as_u64() {
        let delivered = super::starters::epoch_ms().saturating_sub(t);
        ctx.stats.record(
            "[token] start -> received",
            Duration::from_millis(delivered),
        );
    }
    if body["late"] == true {
        let when = Instant::now() + LATE_BY;
        ctx.late
            .lock()
            .expect("late")
            .push_back((when, token.to_string()));
        return;
    }
    api.sfn_ok(
        "SendTaskSuccess",
        "SendTaskSuccess",
        &json!({"taskToken": token, "output": r#"{"ok":true}"#}),
    );
}

/// Sends the late answers once due: each must be refused with `TaskTimedOut`.
pub fn late(ctx: &Ctx) {
    let mut api = ctx.api();
    while ctx.running() {
        let next = {
            let mut late = ctx.late.lock().expect("late");
            match late.front() {
                Some((when, _)) if *when <= Instant::now() => late.pop_front(),
                _ => None,
            }
        };
        let Some((_, token)) = next else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let out = api.sfn(
            "SendTaskSuccess (late)",
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": "{}"}),
        );
        match out {
            Err(e) if e.code.ends_with("TaskTimedOut") => ctx.stats.intended(
                "SendTaskSuccess after TimeoutSeconds: TaskTimedOut",
                e.message,
            ),
            Err(e) => ctx
                .stats
                .unintended(&format!("SendTaskSuccess (late): {}", e.code), e.message),
            Ok(v) => ctx
                .stats
                .unintended("SendTaskSuccess after the timeout accepted", v.to_string()),
        }
    }
}

/// An activity worker: GetActivityTask (a long poll), a heartbeat, SendTaskSuccess.
pub fn activities(ctx: &Ctx, worker: usize) {
    let mut api = ctx.api();
    let activity = ctx.setup.activity.clone();
    while ctx.running() {
        let Some(task) = api.sfn_ok(
            "GetActivityTask (long poll)",
            "GetActivityTask",
            &json!({"activityArn": activity, "workerName": format!("load-{worker}")}),
        ) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let Some(token) = task["taskToken"].as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        let token = json!(token);
        api.sfn_ok(
            "SendTaskHeartbeat",
            "SendTaskHeartbeat",
            &json!({"taskToken": token}),
        );
        api.sfn_ok(
            "SendTaskSuccess",
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": r#"{"done":true}"#}),
        );
    }
}
