//! Several `stepwise serve` nodes on one PostgreSQL database sharing the work, as real
//! processes: three nodes, boto3 starting executions of a callback state machine over all of
//! them and answering their tokens through any of them (`tests/clients/multinode.py`), while
//! one node at a time is killed with SIGKILL at a random moment and restarted. Needs PostgreSQL
//! (`STEPWISE_TEST_POSTGRES`, default the local server) and the Python clients (`scripts/test`).
//! The same for Conductor workflows with a WAIT, an EVENT and an event handler.

#![allow(clippy::disallowed_methods)] // an edge: processes, the clock and the environment

mod support;

use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Schema, Server, python, rest};

/// A number in `0..n` from the system's random source.
fn random(n: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    u64::from_le_bytes(bytes) % n
}

/// Three nodes on one schema, each with its node ID.
fn nodes(schema: &Schema, case: &str) -> Vec<Server> {
    (0..3)
        .map(|i| {
            let id = format!("node-{i}");
            Server::on(schema, &format!("{case}-{i}"), &["--node-id", &id])
        })
        .collect()
}

/// Kills a random node with SIGKILL and restarts it.
fn kill_one(nodes: &mut [Server], started: Instant) {
    let victim = random(nodes.len() as u64) as usize;
    nodes[victim].kill_and_restart();
    eprintln!(
        "killed and restarted node-{victim} at {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn logs(nodes: &[Server]) -> String {
    nodes
        .iter()
        .map(|n| {
            let log = std::fs::read_to_string(n.dir.join("serve.log")).unwrap_or_default();
            format!("--- {} serve.log\n{log}\n", n.url)
        })
        .collect()
}

fn run(case: &str, executions: usize, kills: usize) {
    let py = python(case);
    let schema = Schema::new(case);
    let mut nodes: Vec<Server> = (0..3)
        .map(|i| {
            Server::on(
                &schema,
                &format!("{case}-{i}"),
                &["--node-id", &format!("node-{i}")],
            )
        })
        .collect();
    let endpoints: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/multinode.py");
    let bin_dir = py.parent().expect("the venv's bin directory").to_path_buf();
    let mut client = Command::new(&py)
        .arg(script)
        .env("STEPWISE_ENDPOINTS", endpoints.join(","))
        .env("MULTINODE_N", executions.to_string())
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients"),
        )
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    let started = Instant::now();
    for _ in 0..kills {
        // The point: a kill at a random moment of the run.
        std::thread::sleep(Duration::from_millis(500 + random(6_000)));
        if client.try_wait().expect("wait").is_some() {
            break;
        }
        kill_one(&mut nodes, started);
    }
    let out = client.wait_with_output().expect("the client ends");
    if !out.status.success() {
        panic!(
            "multinode.py failed ({}):\n--- stdout\n{}\n--- stderr\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            logs(&nodes)
        );
    }
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
}

/// 1,000 callback executions over three nodes, two of which are killed and restarted on the way.
#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES) and the Python clients (STEPWISE_PYTHON): run scripts/test"]
fn three_nodes_share_callbacks_through_kills() {
    run("multinode", 1_000, 2);
}

/// A REST call to a random node, going to another while one is down.
fn call_any(nodes: &[Server], method: &str, path: &str, body: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let node = &nodes[random(nodes.len() as u64) as usize];
        match rest::try_call(node, method, path, body) {
            Some((status, body)) if status < 500 => return (status, body),
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("{method} {path}: no node answered: {other:?}"),
        }
    }
}

/// 200 Conductor workflows over three nodes (a WAIT of two seconds, an EVENT on the embedded queue
/// whose handler starts a child workflow, then a SET_VARIABLE), two nodes killed and restarted
/// on the way: every workflow COMPLETED, one child per EVENT.
#[test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (STEPWISE_TEST_POSTGRES): run scripts/test"]
fn three_nodes_share_conductor_workflows_through_kills() {
    const N: usize = 200;
    let schema = Schema::new("multinode_conductor");
    let mut nodes = nodes(&schema, "multinode-conductor");
    let parent = json!({
        "name": "ship", "version": 1, "schemaVersion": 2,
        "tasks": [
            {"name": "pause", "taskReferenceName": "pause_ref", "type": "WAIT",
             "inputParameters": {"duration": "2 seconds"}},
            {"name": "announce", "taskReferenceName": "announce_ref", "type": "EVENT",
             "sink": "sqs:mn_shipped", "inputParameters": {"n": "${workflow.input.n}"}},
            {"name": "after", "taskReferenceName": "after_ref", "type": "SET_VARIABLE",
             "inputParameters": {"done": true}}
        ]
    });
    let child = json!({
        "name": "shipped", "version": 1, "schemaVersion": 2,
        "tasks": [{"name": "note", "taskReferenceName": "note_ref", "type": "SET_VARIABLE",
                   "inputParameters": {"n": "${workflow.input.n}"}}]
    });
    let handler = json!({
        "name": "on_shipped", "event": "sqs:mn_shipped", "active": true,
        "actions": [{"action": "start_workflow",
                     "start_workflow": {"name": "shipped", "input": {"n": "${n}"}}}]
    });
    for def in [&parent, &child] {
        let path = "/api/metadata/workflow?overwrite=true";
        assert_eq!(call_any(&nodes, "POST", path, &def.to_string()).0, 200);
    }
    assert_eq!(
        call_any(&nodes, "POST", "/api/event", &handler.to_string()).0,
        200
    );
    let started = Instant::now();
    let ids: Vec<String> = (0..N)
        .map(|n| {
            let body = json!({"name": "ship", "version": 1, "input": {"n": n},
                              "correlationId": format!("order-{n}")})
            .to_string();
            let (status, id) = call_any(&nodes, "POST", "/api/workflow", &body);
            assert_eq!(status, 200, "{id}");
            id
        })
        .collect();
    // The kills fall while the workflows wait, publish and their children start (a start
    // itself is not idempotent in Conductor: a client retrying one a dying node may have
    // committed would start a second workflow).
    for _ in 0..2 {
        // The point: a kill at a random moment of that window.
        std::thread::sleep(Duration::from_millis(200 + random(1_500)));
        kill_one(&mut nodes, started);
    }
    let store = nodes[0].store();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let parents = store.list_workflows(Some("ship"), 0).expect("listed");
        let children = store.list_workflows(Some("shipped"), 0).expect("listed");
        let done = parents
            .iter()
            .filter(|w| w.status == stepwise::status::WorkflowStatus::Completed)
            .count();
        if done == N && children.len() >= N {
            // Whatever a second publication would start has had time to start: a duplicate
            // shows only by appearing, so this waits for something that must not happen.
            std::thread::sleep(Duration::from_millis(1_500));
            let children = store.list_workflows(Some("shipped"), 0).expect("listed");
            let mut ns: Vec<i64> = children
                .iter()
                .map(|r| {
                    let wf: Value = serde_json::from_str(&r.body).expect("json");
                    wf["input"]["n"].as_i64().expect("n")
                })
                .collect();
            ns.sort();
            assert_eq!(ns, (0..N as i64).collect::<Vec<_>>(), "one child per EVENT");
            let mut starts: Vec<&str> = parents
                .iter()
                .filter_map(|r| r.correlation_id.as_deref())
                .collect();
            starts.sort();
            starts.dedup();
            assert_eq!(parents.len(), N, "one workflow per start");
            assert_eq!(starts.len(), N);
            assert!(parents.iter().all(|p| ids.contains(&p.id)));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 180 s: {done} of {N} workflows COMPLETED, {} children\n{}",
            children.len(),
            logs(&nodes)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "{N} workflows COMPLETED with one child each after {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
