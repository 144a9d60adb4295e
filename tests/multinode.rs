//! Several `stepwise serve` nodes on one PostgreSQL database sharing the work, as real
//! processes: three nodes, boto3 starting executions of a callback state machine over all of
//! them and answering their tokens through any of them (`tests/clients/multinode.py`), while
//! one node at a time is killed with SIGKILL at a random moment and restarted. Needs PostgreSQL
//! (`STEPWISE_TEST_POSTGRES`, default the local server) and the Python clients (`scripts/test`).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Schema, Server, python};

/// A number in `0..n` from the system's random source.
fn random(n: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    u64::from_le_bytes(bytes) % n
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
        std::thread::sleep(Duration::from_millis(500 + random(6_000)));
        if client.try_wait().expect("wait").is_some() {
            break;
        }
        let victim = random(nodes.len() as u64) as usize;
        nodes[victim].kill_and_restart();
        eprintln!(
            "killed and restarted node-{victim} at {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let out = client.wait_with_output().expect("the client ends");
    if !out.status.success() {
        let logs: String = nodes
            .iter()
            .map(|n| {
                let log = std::fs::read_to_string(n.dir.join("serve.log")).unwrap_or_default();
                format!("--- {} serve.log\n{log}\n", n.url)
            })
            .collect();
        panic!(
            "multinode.py failed ({}):\n--- stdout\n{}\n--- stderr\n{}\n{logs}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
}

/// 1,000 callback executions over three nodes, two of which are killed and restarted on the way.
#[test]
fn three_nodes_share_callbacks_through_kills() {
    run("multinode", 1_000, 2);
}
