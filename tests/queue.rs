//! The embedded queue from the command line, and the seed's inventory-verification demo: orders
//! go to the queue with task tokens, a worker (an SQS-triggered Lambda, locally) answers them.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};

struct Db(PathBuf);

impl Db {
    fn new(name: &str) -> Db {
        let dir =
            std::env::temp_dir().join(format!("stepwise-queue-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Db(dir)
    }

    fn stepwise(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("STEPWISE_DB", self.0.join("stepwise.db"))
            .output()
            .expect("the binary runs")
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.stepwise(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn send_receive_and_delete_by_hand() {
    let db = Db::new("manual");
    assert_eq!(
        db.json(&["queue", "create", "jobs"])["QueueUrl"],
        "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
    );
    let sent = db.json(&["queue", "send", "jobs", "hello"]);
    assert_eq!(sent["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592");
    let got = db.json(&["queue", "receive", "jobs", "--visibility-timeout", "60"]);
    assert_eq!(got["Messages"][0]["Body"], "hello");
    assert_eq!(got["Messages"][0]["MessageId"], sent["MessageId"]);
    assert_eq!(
        db.json(&["queue", "receive", "jobs"])["Messages"],
        json!([]),
        "in flight: invisible"
    );
    let list = db.json(&["queue", "list"]);
    assert_eq!(
        (
            list["Queues"][0]["Visible"].as_u64(),
            list["Queues"][0]["InFlight"].as_u64()
        ),
        (Some(0), Some(1))
    );
    db.json(&["queue", "create", "later", "--attribute", "DelaySeconds=60"]);
    db.json(&["queue", "send", "later", "wait for it"]);
    let later = db.json(&["queue", "list"]);
    assert_eq!(
        later["Queues"][1]["Delayed"], 1,
        "the queue's DelaySeconds applies: {later}"
    );
    let missing = db.stepwise(&["queue", "send", "nope", "x"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("stepwise queue create nope"));
}

#[test]
fn a_task_sending_to_a_missing_embedded_queue_fails_with_the_sqs_error_and_a_hint() {
    let db = Db::new("missing");
    let out = db.stepwise(&[
        "run",
        "state-machines/inventory-verification.asl.json",
        "--detach",
        "--input-file",
        "examples/orders/order-1001.json",
    ]);
    assert!(out.status.success());
    let arn = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let d = db.json(&["executions", "describe", &arn]);
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["error"], "SQS.QueueDoesNotExistException");
    assert!(
        d["cause"]
            .as_str()
            .unwrap()
            .contains("stepwise queue create Onlineorders"),
        "{d}"
    );
}

#[test]
fn inventory_demo_confirms_one_order_and_rejects_the_other() {
    let db = Db::new("demo");
    db.json(&["queue", "create", "Onlineorders"]);
    let mut arns = Vec::new();
    for order in ["1001", "1002"] {
        let input = format!("examples/orders/order-{order}.json");
        let name = format!("order-{order}");
        let out = db.stepwise(&[
            "run",
            "state-machines/inventory-verification.asl.json",
            "--detach",
            "--name",
            &name,
            "--input-file",
            &input,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        arns.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    let queued = db.json(&["queue", "list"]);
    assert_eq!(
        queued["Queues"][0]["Visible"], 2,
        "both orders wait in the queue"
    );
    let body: Value = {
        let peek = db.json(&[
            "queue",
            "receive",
            "Onlineorders",
            "--visibility-timeout",
            "0",
        ]);
        serde_json::from_str(peek["Messages"][0]["Body"].as_str().unwrap()).unwrap()
    };
    assert!(
        body["TaskToken"].is_string() && body["order"]["orderId"].is_string(),
        "{body}"
    );

    let out = db.stepwise(&[
        "resume",
        "--worker",
        "Onlineorders=python3 examples/inventory-worker.py",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let confirmed = db.json(&["executions", "describe", &arns[0]]);
    assert_eq!(confirmed["status"], "SUCCEEDED", "{confirmed}");
    let output: Value = serde_json::from_str(confirmed["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"orderId": "1001", "status": "CONFIRMED", "reservedFrom": "DUB-1"})
    );
    let rejected = db.json(&["executions", "describe", &arns[1]]);
    assert_eq!(
        (rejected["status"].as_str(), rejected["error"].as_str()),
        (Some("FAILED"), Some("Inventory.OutOfStock"))
    );
    assert_eq!(rejected["cause"], "Order 1002: only 1 of lamp left");
    assert_eq!(
        db.json(&["queue", "list"])["Queues"][0]["Visible"],
        0,
        "the worker consumed the messages"
    );
    let listed = db.json(&["executions", "list"]);
    assert_eq!(listed["executions"].as_array().unwrap().len(), 2);
}
