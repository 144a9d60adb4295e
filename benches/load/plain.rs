//! Plain SQS traffic beside the executions: a sender at a steady rate and a consumer that
//! receives and deletes; every message must arrive, once.

use super::ctx::{Ctx, Pacer};
use serde_json::json;

pub fn sender(ctx: &Ctx, per_second: f64) {
    let mut api = ctx.api();
    let mut pacer = Pacer::new(per_second);
    let queue = ctx.setup.plain_url.clone();
    let mut seq = 0u64;
    while ctx.starting() {
        pacer.tick();
        let body = json!({"QueueUrl": queue, "MessageBody": format!("{{\"seq\":{seq}}}")});
        if api.sqs_ok("SendMessage", "SendMessage", &body).is_some() {
            ctx.plain.lock().expect("plain").sent += 1;
            seq += 1;
        }
    }
}

pub fn consumer(ctx: &Ctx) {
    let mut api = ctx.api();
    let queue = ctx.setup.plain_url.clone();
    while ctx.running() {
        for m in &api.receive("ReceiveMessage (poll 1s)", &queue) {
            let body: serde_json::Value =
                serde_json::from_str(m["Body"].as_str().unwrap_or("")).unwrap_or_default();
            match body["seq"].as_u64() {
                Some(seq) => {
                    let mut plain = ctx.plain.lock().expect("plain");
                    if !plain.seen.insert(seq) {
                        plain.duplicates += 1;
                    }
                }
                None => ctx
                    .stats
                    .unintended("SQS message body changed", m.to_string()),
            }
            api.sqs_ok(
                "DeleteMessage",
                "DeleteMessage",
                &json!({"QueueUrl": queue, "ReceiptHandle": m["ReceiptHandle"]}),
            );
        }
    }
}
