//! Conductor's AMQP and NATS event queues against the real brokers: RabbitMQ on
//! `STEPWISE_TEST_AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672/%2f) and NATS on
//! `STEPWISE_TEST_NATS_URL` (default nats://127.0.0.1:4222), as this project's machines run
//! them. An EVENT task publishes to the broker, an event handler listening there completes the
//! WAIT task of the same workflow; and the queue contract (receive, keep, redeliver, delete)
//! holds on each broker. Without a broker these tests fail saying which one to start.
#![allow(clippy::disallowed_methods)] // the tests read the environment

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use stepwise::runtime::consumer::Source;
use stepwise::runtime::queues::{Brokers, EventQueues, Queues};

fn amqp_url() -> String {
    std::env::var("STEPWISE_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

fn nats_url() -> String {
    std::env::var("STEPWISE_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A name no other run uses.
fn unique(prefix: &str) -> String {
    format!("stepwise-test-{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The seeds' round trip with `sink`: one branch WAITs, the other publishes an EVENT whose
/// handler completes the WAIT.
fn round_trip(dir: &Path, sink: &str) -> (String, String) {
    let workflow = json!({
        "name": "broker_round_trip", "version": 1, "schemaVersion": 2,
        "tasks": [
            {"name": "fork", "taskReferenceName": "fork_ref", "type": "FORK_JOIN", "forkTasks": [
                [{"name": "wait", "taskReferenceName": "wait_ref", "type": "WAIT"}],
                [{"name": "announce", "taskReferenceName": "announce_ref", "type": "EVENT",
                  "sink": sink, "inputParameters": {"order": "${workflow.input.order}"}}]
            ]},
            {"name": "join", "taskReferenceName": "join_ref", "type": "JOIN",
             "joinOn": ["wait_ref", "announce_ref"]}
        ],
        "outputParameters": {"answered": "${wait_ref.output.order}"}
    });
    let handler = json!({
        "name": unique("handler"), "event": sink, "active": true,
        "actions": [{"action": "complete_task", "complete_task": {
            "workflowId": "${workflowInstanceId}", "taskRefName": "wait_ref",
            "output": {"order": "${order}"}}}]
    });
    let wf = dir.join("workflow.json");
    let h = dir.join("handlers.json");
    std::fs::write(&wf, workflow.to_string()).unwrap();
    std::fs::write(&h, handler.to_string()).unwrap();
    (wf.display().to_string(), h.display().to_string())
}

fn run(args: &[&str]) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("run")
        .args(args)
        .args(["--format", "json"])
        .env_remove("STEPWISE_DB")
        .env_remove("STEPWISE_AMQP_URL")
        .env_remove("STEPWISE_NATS_URL")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    (doc, stderr)
}

fn completes_through(sink: &str, flags: &[&str]) {
    let dir = tempdir();
    let (wf, handlers) = round_trip(dir.path(), sink);
    let mut args = vec![
        wf.as_str(),
        "--event-handlers",
        &handlers,
        "--input",
        r#"{"order": "o-7"}"#,
    ];
    args.extend_from_slice(flags);
    let (doc, stderr) = run(&args);
    assert_eq!(doc["status"], "COMPLETED", "{doc}\n{stderr}");
    assert_eq!(doc["output"]["answered"], "o-7", "{doc}");
    let event = doc["tasks"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["referenceTaskName"] == "announce_ref"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(event["status"], "COMPLETED", "{event}");
}

fn tempdir() -> TempDir {
    let path = std::env::temp_dir().join(unique("dir"));
    std::fs::create_dir_all(&path).unwrap();
    TempDir(path)
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const NEEDS_AMQP: &str = "needs RabbitMQ on 127.0.0.1:5672 (or STEPWISE_TEST_AMQP_URL)";
const NEEDS_NATS: &str = "needs a NATS server on 127.0.0.1:4222 (or STEPWISE_TEST_NATS_URL)";

#[test]
#[ignore = "needs RabbitMQ on 127.0.0.1:5672 (or STEPWISE_TEST_AMQP_URL): run scripts/test"]
fn an_event_on_an_amqp_queue_completes_the_wait() {
    let url = amqp_url();
    // Exclusive: the broker deletes the queue when the run's connection closes.
    let flags = ["--amqp-url", url.as_str()];
    completes_through(
        &format!("amqp_queue:{}?exclusive=true", unique("q")),
        &flags,
    );
    // `amqp:` is the older module's name for the same.
    completes_through(&format!("amqp:{}?exclusive=true", unique("q")), &flags);
}

#[test]
#[ignore = "needs RabbitMQ on 127.0.0.1:5672 (or STEPWISE_TEST_AMQP_URL): run scripts/test"]
fn an_event_on_an_amqp_exchange_reaches_the_bound_queue() {
    let sink = format!(
        "amqp_exchange:{}?exchangeType=direct&routingKey=orders.ready&autoDelete=true&exclusive=true",
        unique("x")
    );
    completes_through(&sink, &["--amqp-url", &amqp_url()]);
}

#[test]
#[ignore = "needs a NATS server on 127.0.0.1:4222 (or STEPWISE_TEST_NATS_URL): run scripts/test"]
fn an_event_on_a_nats_subject_completes_the_wait() {
    let url = nats_url();
    completes_through(&format!("nats:{}", unique("s")), &["--nats-url", &url]);
    // In a queue group, as several nodes would share it.
    completes_through(
        &format!("nats:{}:workers", unique("s")),
        &["--nats-url", &url],
    );
}

#[test]
fn an_event_to_a_broker_not_configured_fails_saying_how_to_configure_it() {
    for (sink, says) in [
        ("nats:orders", "--nats-url"),
        ("amqp_queue:orders", "--amqp-url"),
    ] {
        let dir = tempdir();
        let (wf, handlers) = round_trip(dir.path(), sink);
        let (doc, stderr) = run(&[&wf, "--event-handlers", &handlers, "--input", "{}"]);
        assert_eq!(doc["status"], "FAILED", "{doc}\n{stderr}");
        let reason = doc["reasonForIncompletion"].as_str().unwrap_or_default();
        assert!(reason.contains(says), "{sink}: {reason}\n{doc}");
        assert!(
            reason.starts_with(&format!("Error loading queue:{sink}")),
            "{reason}"
        );
    }
}

fn queues(brokers: Brokers) -> Queues {
    let store: Arc<dyn stepwise::store::Store> = Arc::new(stepwise::store::MemoryStore::new());
    Queues::new(&store, None, &brokers)
}

/// Sends one message to `event`, then: it is received with the id it was sent as; kept (not
/// deleted), it comes back once its visibility has passed; deleted, it is gone.
fn keeps_the_queue_contract(q: &Queues, event: &str, needs: &str) {
    q.listen_to(event)
        .unwrap_or_else(|e| panic!("{e}: this test {needs}"));
    q.send(event, r#"{"n": 1}"#, "event-task-1")
        .unwrap_or_else(|e| panic!("{e}: this test {needs}"));
    let first = wait_for_message(q, event, 60_000);
    assert_eq!(first.id, "event-task-1");
    assert_eq!(first.body, r#"{"n": 1}"#);
    // Invisible while it is being handled.
    assert!(q.receive(event, 10, 60_000).unwrap().is_empty());
    // Kept: with a visibility of 0 it is offered again, with the same id.
    let again = wait_for_message(q, event, 0);
    assert_eq!(again.id, "event-task-1");
    q.delete(event, &again.receipt).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        q.receive(event, 10, 0).unwrap().is_empty(),
        "deleted, it stays gone"
    );
}

fn wait_for_message(
    q: &Queues,
    event: &str,
    visibility_ms: i64,
) -> stepwise::runtime::consumer::Message {
    for _ in 0..100 {
        let got = q.receive(event, 10, visibility_ms).unwrap();
        if let Some(m) = got.into_iter().next() {
            return m;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no message arrived on {event}");
}

#[test]
#[ignore = "needs RabbitMQ on 127.0.0.1:5672 (or STEPWISE_TEST_AMQP_URL): run scripts/test"]
fn an_amqp_queue_keeps_the_consumer_contract() {
    let q = queues(Brokers {
        amqp_url: Some(amqp_url()),
        nats_url: None,
    });
    let event = format!("amqp_queue:{}?exclusive=true", unique("contract"));
    keeps_the_queue_contract(&q, &event, NEEDS_AMQP);
}

#[test]
#[ignore = "needs a NATS server on 127.0.0.1:4222 (or STEPWISE_TEST_NATS_URL): run scripts/test"]
fn a_nats_subject_keeps_the_consumer_contract() {
    let q = queues(Brokers {
        amqp_url: None,
        nats_url: Some(nats_url()),
    });
    keeps_the_queue_contract(&q, &format!("nats:{}", unique("contract")), NEEDS_NATS);
}
