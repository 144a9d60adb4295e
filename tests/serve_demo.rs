//! The inventory demo the AWS way: `stepwise serve`, the AWS CLI to create the queue and start the
//! orders, and `examples/inventory-worker-boto3.py` run exactly as written, with only
//! `AWS_ENDPOINT_URL` pointing at the server.

mod support;

use serde_json::Value;
use std::process::Command;
use support::{Server, python};

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:inventory-verification";

fn aws(py: &std::path::Path, server: &Server, args: &[&str]) -> Value {
    let cli = py.parent().expect("venv bin").join("aws");
    let out = Command::new(cli)
        .args(["--endpoint-url", &server.url, "--output", "json"])
        .args(args)
        .envs(credentials())
        .output()
        .expect("the AWS CLI runs");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn credentials() -> [(&'static str, &'static str); 4] {
    [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_PAGER", ""),
    ]
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn the_boto3_worker_answers_the_orders_unchanged() {
    let py = python("the_boto3_worker_answers_the_orders_unchanged");
    let server = Server::start("demo", &["--state-machines", "state-machines"]);
    aws(
        &py,
        &server,
        &["sqs", "create-queue", "--queue-name", "Onlineorders"],
    );
    for order in ["1001", "1002"] {
        let input = format!("file://examples/orders/order-{order}.json");
        let name = format!("order-{order}");
        aws(
            &py,
            &server,
            &[
                "stepfunctions",
                "start-execution",
                "--state-machine-arn",
                MACHINE,
                "--name",
                &name,
                "--input",
                &input,
            ],
        );
    }
    let worker = Command::new(&py)
        .args(["examples/inventory-worker-boto3.py", "--drain"])
        .env("AWS_ENDPOINT_URL", &server.url)
        .envs(credentials())
        .output()
        .expect("the worker runs");
    let log = String::from_utf8_lossy(&worker.stderr);
    assert!(worker.status.success(), "worker: {log}");
    assert!(
        log.contains("order 1001: IN_STOCK") && log.contains("order 1002: OUT_OF_STOCK"),
        "{log}"
    );

    let describe = |name: &str| {
        let arn = format!(
            "arn:aws:states:us-east-1:123456789012:execution:inventory-verification:{name}"
        );
        aws(
            &py,
            &server,
            &[
                "stepfunctions",
                "describe-execution",
                "--execution-arn",
                &arn,
            ],
        )
    };
    let confirmed = describe("order-1001");
    assert_eq!(confirmed["status"], "SUCCEEDED", "{confirmed}");
    let output: Value = serde_json::from_str(confirmed["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["status"], "CONFIRMED");
    assert_eq!(output["reservedFrom"], "DUB-1");
    let rejected = describe("order-1002");
    assert_eq!(rejected["status"], "FAILED", "{rejected}");
    assert_eq!(rejected["error"], "Inventory.OutOfStock");
    let queue = aws(
        &py,
        &server,
        &[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &format!("{}/123456789012/Onlineorders", server.url),
            "--attribute-names",
            "All",
        ],
    );
    assert_eq!(
        queue["Attributes"]["ApproximateNumberOfMessages"], "0",
        "{queue}"
    );
    assert_eq!(
        queue["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "0",
        "{queue}"
    );
}
