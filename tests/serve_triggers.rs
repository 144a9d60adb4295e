//! Queue triggers of `stepwise serve` (`--trigger QUEUE=STATE_MACHINE`, `--triggers FILE`),
//! driven by boto3 through the server's own SQS API.

mod support;

use support::{Server, python, run_client};

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn messages_start_executions_and_failures_go_to_the_dead_letter_queue() {
    let py = python("triggers");
    let server = Server::start(
        "triggers",
        &[
            "--state-machines",
            "fixtures/serve",
            "--triggers",
            "fixtures/serve/triggers.json",
        ],
    );
    run_client(&py, &server, "triggers.py", &[]);
}

#[test]
fn a_trigger_on_a_missing_state_machine_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("stepwise-trigger-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--trigger",
            "orders=nope",
            "--db",
        ])
        .arg(dir.join("db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("trigger orders=nope") && stderr.contains("State Machine Does Not Exist"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
