//! Shared by the tests that drive `stepwise serve` with clients no one here wrote (boto3, the
//! AWS CLI): a server on a free loopback port, killed by its PID when dropped, and a way to run
//! the Python clients from `scripts/test`'s virtual environment (`STEPWISE_PYTHON`). A test that
//! needs them is `#[ignore = "needs ..."]`, which `scripts/test` runs (`--run-ignored all`); run
//! without them, it fails saying how to get them.
//!
//! A server keeps its data in an SQLite file in its scratch directory; with
//! `STEPWISE_TEST_BACKEND=postgres` (a second pass of `scripts/test`) in a PostgreSQL schema of
//! its own on `STEPWISE_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`),
//! created for the server and dropped with it, so every scenario runs on both stores.
#![allow(dead_code, clippy::disallowed_methods)] // an edge: reads the environment

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running `stepwise serve` with its own database, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub dir: PathBuf,
    pub args: Vec<String>,
    /// `--db`: the SQLite file, or the PostgreSQL URL of the server's schema.
    db: String,
    /// The schema, dropped when the last server on it is.
    _schema: Option<Arc<Schema>>,
}

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Whether the servers of this run keep their data in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("STEPWISE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The PostgreSQL server of the tests.
pub fn postgres_url() -> String {
    std::env::var("STEPWISE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into())
}

/// A schema of its own on the tests' PostgreSQL server, dropped on drop unless a test failed.
pub struct Schema {
    pub name: String,
    url: String,
}

impl Schema {
    pub fn new(case: &str) -> Schema {
        let case: String = case
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("stepwise_{case}_{}_{nanos}", std::process::id());
        let server = postgres_url();
        let url = stepwise::store::postgres::schema::create(&server, &name).unwrap_or_else(|e| {
            panic!(
                "{e}: the PostgreSQL tests need a server; start it, or set STEPWISE_TEST_POSTGRES=postgres://USER@HOST:PORT/DATABASE"
            )
        });
        Schema { name, url }
    }

    /// A URL whose connections use this schema.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = stepwise::store::postgres::schema::drop(&postgres_url(), &self.name);
        }
    }
}

impl Server {
    /// Starts a server in a new scratch directory; `args` are extra `serve` arguments.
    pub fn start(case: &str, args: &[&str]) -> Server {
        Server::start_in(scratch(case), args)
    }

    /// Starts a server on an existing directory (its SQLite database `db` is reused; on
    /// PostgreSQL, a new schema).
    pub fn start_in(dir: PathBuf, args: &[&str]) -> Server {
        let (db, schema) = if on_postgres() {
            let case = dir
                .file_name()
                .map_or("serve".into(), |n| n.to_string_lossy().into_owned());
            let schema = Arc::new(Schema::new(&case));
            (schema.url(), Some(schema))
        } else {
            (dir.join("db").to_string_lossy().into_owned(), None)
        };
        Server::launch(dir, db, schema, args)
    }

    /// A second server on the same database as `other` (a scratch directory of its own).
    pub fn beside(other: &Server, case: &str, args: &[&str]) -> Server {
        Server::launch(scratch(case), other.db.clone(), other._schema.clone(), args)
    }

    /// A server on a PostgreSQL schema the caller keeps (a scratch directory of its own).
    pub fn on(schema: &Schema, case: &str, args: &[&str]) -> Server {
        Server::launch(scratch(case), schema.url(), None, args)
    }

    fn launch(dir: PathBuf, db: String, schema: Option<Arc<Schema>>, args: &[&str]) -> Server {
        let port = free_port();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let child = spawn(&dir, &db, port, &args);
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
            args,
            db,
            _schema: schema,
        };
        server.wait_until_it_answers();
        server
    }

    /// The database, as `--db` and `STEPWISE_DB` take it.
    pub fn db(&self) -> &str {
        &self.db
    }

    /// The server's store, opened in this process.
    pub fn store(&self) -> Arc<dyn stepwise::store::Store> {
        if self.db.starts_with("postgres://") {
            Arc::new(stepwise::store::PostgresStore::open(&self.db).expect("the database opens"))
        } else {
            Arc::new(
                stepwise::store::SqliteStore::open(Path::new(&self.db))
                    .expect("the database opens"),
            )
        }
    }

    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "stepwise serve did not listen on port {} within 20 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL, then a new server on the same database and port.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.dir, &self.db, self.port, &self.args);
        self.wait_until_it_answers();
    }

    /// SIGTERM; the exit status once it stopped (within 10 s).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn spawn(dir: &Path, db: &str, port: u16, args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .arg("serve")
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--db", db])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STEPWISE_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.log")).expect("a log file"))
        .spawn()
        .expect("stepwise serve starts")
}

impl Drop for Server {
    /// Kills the server; removes its scratch directory unless the test failed (its `serve.log`
    /// and database are then kept for a look).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A new, empty scratch directory for a case.
fn scratch(case: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-serve-{case}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Waits until `ready` gives a value, looking every 20 ms; fails saying `what` did not happen
/// within `within`. For tests that wait on something to happen instead of sleeping a guess.
pub fn wait_for<T>(what: &str, within: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `wait_for` a condition.
pub fn wait_until(what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
    wait_for(what, within, || ready().then_some(()))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local address").port()
}

/// The Python of `scripts/test`'s virtual environment (with boto3 and awscli); without it, a
/// failure naming the case and what to do.
pub fn python(case: &str) -> PathBuf {
    match std::env::var_os("STEPWISE_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "{case} needs the Python clients: run scripts/test (it installs moto, boto3, awscli and conductor-python into a venv and sets STEPWISE_PYTHON), or set STEPWISE_PYTHON to the python of such a venv (scripts/python-env prints it)"
        ),
    }
}

/// The Python of the second virtual environment, whose AWS CLI v1 and boto3 speak SQS's Query
/// protocol (`scripts/python-env query`, `STEPWISE_QUERY_PYTHON`); without it, a failure naming
/// the case and what to do.
pub fn query_python(case: &str) -> PathBuf {
    match std::env::var_os("STEPWISE_QUERY_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "{case} needs the Query-protocol Python clients: run scripts/test, or set STEPWISE_QUERY_PYTHON to the python `scripts/python-env query` prints (it installs awscli 1.32.89 and boto3 1.34.89 into a second venv)"
        ),
    }
}

/// Runs `tests/clients/<script>` with `python` against the server (`STEPWISE_ENDPOINT`), and
/// fails with its output unless it exits 0.
pub fn run_client(python: &Path, server: &Server, script: &str, args: &[&str]) -> Output {
    run_client_with(python, server, script, args, &[])
}

/// `run_client` with more environment for the script.
pub fn run_client_with(
    python: &Path,
    server: &Server,
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let bin_dir = python.parent().expect("the venv's bin directory");
    let path_var = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(python)
        .arg(&path)
        .args(args)
        .env("STEPWISE_ENDPOINT", &server.url)
        .env("STEPWISE_DB", server.db())
        .env("PATH", path_var)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .envs(env.iter().copied())
        .output()
        .expect("python runs");
    if !out.status.success() {
        let log = std::fs::read_to_string(server.dir.join("serve.log")).unwrap_or_default();
        panic!(
            "{script} failed ({}):\n--- stdout\n{}\n--- stderr\n{}\n--- serve.log\n{log}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// A whole client case: a fresh server with `args`, then `tests/clients/<script>` against it;
/// it fails saying what to do when the Python clients are not installed.
pub fn client_case(case: &str, args: &[&str], script: &str) {
    let py = python(case);
    let server = Server::start(case, args);
    run_client(&py, &server, script, &[]);
}

/// A running `moto_server` on a free port, killed when dropped; a failure saying what to do when moto
/// is not installed (`STEPWISE_MOTO_SERVER`, which `scripts/test` sets).
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start(case: &str) -> Moto {
        let Some(exe) = std::env::var_os("STEPWISE_MOTO_SERVER").filter(|p| !p.is_empty()) else {
            panic!(
                "{case} needs moto_server: run scripts/test (it installs moto), or set STEPWISE_MOTO_SERVER to the moto_server of the venv scripts/python-env prints"
            );
        };
        let port = free_port();
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Conductor's REST API over a plain `TcpStream` (one request per connection).
pub mod rest {
    use super::Server;
    use std::io::{Read, Write};

    pub fn call(server: &Server, method: &str, path: &str, body: &str) -> (u16, String) {
        try_call(server, method, path, body).expect("the server answers")
    }

    /// `None` when the server cannot be reached or hangs up (it is being killed).
    pub fn try_call(
        server: &Server,
        method: &str,
        path: &str,
        body: &str,
    ) -> Option<(u16, String)> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).ok()?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(request.as_bytes()).ok()?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).ok()?;
        let status = answer.get(9..12).and_then(|c| c.parse().ok())?;
        let body = answer
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        Some((status, body))
    }
}

/// AWS JSON 1.0 over a plain `TcpStream`, for requests no SDK would send.
pub mod raw {
    use super::Server;
    use serde_json::Value;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    /// Sends one request (`Connection: close`) and returns the open stream to read the answer from.
    pub fn send(server: &Server, target: Option<&str>, body: &[u8]) -> TcpStream {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if let Some(t) = target {
            head.push_str(&format!("X-Amz-Target: {t}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("write the head");
        // The server may answer (413) and close before taking the whole body.
        let _ = s.write_all(body);
        s
    }

    /// The status and JSON body of the answer on `s`.
    pub fn answer(mut s: TcpStream) -> (u16, Value) {
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw);
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// `AWSStepFunctions.<op>` with a JSON body.
    pub fn call(server: &Server, op: &str, body: &str) -> (u16, Value) {
        answer(send(
            server,
            Some(&format!("AWSStepFunctions.{op}")),
            body.as_bytes(),
        ))
    }

    /// Starts an execution named `name` and waits until it is no longer running: its description.
    pub fn run(server: &Server, machine: &str, name: &str) -> Value {
        let (status, started) = call(
            server,
            "StartExecution",
            &format!(r#"{{"stateMachineArn": "{machine}", "name": "{name}"}}"#),
        );
        assert_eq!(status, 200, "{started}");
        let arn = started["executionArn"].as_str().expect("an execution ARN");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, d) = call(
                server,
                "DescribeExecution",
                &format!(r#"{{"executionArn": "{arn}"}}"#),
            );
            if d["status"] != "RUNNING" {
                return d;
            }
            assert!(Instant::now() < deadline, "{arn} still running: {d}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
