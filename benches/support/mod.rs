//! What the benches that drive `stepwise serve` over HTTP share (`serve.rs`, `load/`): the
//! release binary's path, a server spawned on a fresh database, a PostgreSQL schema per case, a
//! minimal keep-alive AWS JSON 1.0 client, percentiles.
#![allow(dead_code)] // each bench uses its own part of this module

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `$STEPWISE_BIN`, else `stepwise` next to this bench's `deps/` directory.
pub fn binary() -> PathBuf {
    if let Ok(b) = std::env::var("STEPWISE_BIN") {
        return PathBuf::from(b);
    }
    // target/release/deps/serve-HASH → target/release/stepwise
    let exe = std::env::current_exe().expect("the bench binary");
    let dir = exe.parent().and_then(|d| d.parent()).expect("a target dir");
    dir.join("stepwise")
}

/// A free loopback port (there is a small window in which another process could take it).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("an address").port()
}

/// A running `stepwise serve` on a fresh database, killed (and its directory removed) on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: PathBuf,
    /// Whether drop removes `dir` (a load run that failed keeps its log and database).
    pub remove_dir: bool,
}

/// How to start a server: its database (`None`: a SQLite file in its directory), further
/// `serve` arguments, and whether its stderr goes to `serve.log` in its directory.
#[derive(Default)]
pub struct Options<'a> {
    pub db: Option<&'a str>,
    pub args: &'a [&'a str],
    pub log: bool,
}

impl Server {
    pub fn spawn(tag: &str) -> Server {
        Server::spawn_on(tag, None)
    }

    /// A server on its SQLite file, or on the PostgreSQL database `url`.
    pub fn spawn_on(tag: &str, url: Option<&str>) -> Server {
        Server::spawn_with(
            tag,
            &Options {
                db: url,
                ..Options::default()
            },
        )
    }

    pub fn spawn_with(tag: &str, options: &Options) -> Server {
        let dir =
            std::env::temp_dir().join(format!("stepwise-bench-serve-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let addr = format!("127.0.0.1:{}", free_port());
        let db = options.db.map_or_else(
            || dir.join("stepwise.db").to_string_lossy().into_owned(),
            str::to_string,
        );
        let stderr = if options.log {
            Stdio::from(std::fs::File::create(dir.join("serve.log")).expect("a log file"))
        } else {
            Stdio::null()
        };
        let child = Command::new(binary())
            .args(["serve", "--bind", &addr, "--node-id", tag, "--db", &db])
            // Warnings only: a soak's request lines would fill the disk, and the figures are
            // the server's, not its log's (RUST_LOG overrides it).
            .args(["--log-level", "warn"])
            .args(options.args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the stepwise binary runs (cargo build --release --bin stepwise)");
        Server {
            child,
            addr,
            dir,
            remove_dir: true,
        }
    }

    /// Connects once the server answers (the first answer is what serve's (d) measures).
    pub fn client(&self) -> Client {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut c) = Client::connect(&self.addr)
                && c.try_call("ListStateMachines", "{}").is_ok()
            {
                return c;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer in 10 s"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.remove_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A PostgreSQL schema of one case's own, dropped on drop.
pub struct Schema {
    pub name: String,
    pub url: String,
}

impl Schema {
    /// A fresh schema on `server`, else on `$STEPWISE_BENCH_POSTGRES` or the local server;
    /// `None` (with a line saying why) when PostgreSQL cannot be reached.
    pub fn new(tag: &str, server: Option<&str>) -> Option<Schema> {
        let server = server.map(str::to_string).unwrap_or_else(|| {
            std::env::var("STEPWISE_BENCH_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
        });
        let name = format!("stepwise_bench_serve_{tag}_{}", std::process::id());
        let _ = stepwise::store::postgres::schema::drop(&server, &name);
        match stepwise::store::postgres::schema::create(&server, &name) {
            Ok(url) => Some(Schema { name, url }),
            Err(e) => {
                eprintln!("PostgreSQL cases skipped: {e} (set STEPWISE_BENCH_POSTGRES)");
                None
            }
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let server = self.url.split('?').next().unwrap_or_default().to_string();
        let _ = stepwise::store::postgres::schema::drop(&server, &self.name);
    }
}

/// A minimal HTTP/1.1 keep-alive client for AWS JSON 1.0 calls.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    addr: String,
    /// Header lines sent with every request, each ending in CRLF (see `with_header`).
    headers: String,
    /// Whether the server said `Connection: close` (moto does, every time): the next request
    /// goes on a new connection.
    closed: bool,
    /// How many times the server closed the connection so.
    pub reconnects: usize,
}

impl Client {
    pub fn connect(addr: &str) -> std::io::Result<Client> {
        let (reader, writer) = Client::open(addr)?;
        Ok(Client {
            reader,
            writer,
            addr: addr.to_string(),
            headers: String::new(),
            closed: false,
            reconnects: 0,
        })
    }

    fn open(addr: &str) -> std::io::Result<(BufReader<TcpStream>, TcpStream)> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(90)))?;
        Ok((BufReader::new(stream.try_clone()?), stream))
    }

    /// Sends `name: value` with every Step Functions call (moto picks the service from `Authorization`).
    pub fn with_header(mut self, name: &str, value: &str) -> Client {
        self.headers.push_str(&format!("{name}: {value}\r\n"));
        self
    }

    /// One Step Functions call; the status and the body.
    pub fn try_call(&mut self, op: &str, body: &str) -> std::io::Result<(u16, String)> {
        self.try_target(&format!("AWSStepFunctions.{op}"), body)
    }

    /// One call of `target` (`AWSStepFunctions.StartExecution`, `AmazonSQS.SendMessage`); the
    /// status and the body.
    pub fn try_target(&mut self, target: &str, body: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nX-Amz-Target: {target}\r\n{}\
             Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.headers,
            body.len()
        );
        self.exchange(&request)
    }

    /// `POST path` of a JSON `body` (moto's `/moto-api/config`); the status and the body.
    pub fn post(&mut self, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        self.exchange(&request)
    }

    /// `GET path` (the web console); the status and the body.
    pub fn get(&mut self, path: &str) -> std::io::Result<(u16, String)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr);
        self.exchange(&request)
    }

    /// Sends a whole request and reads its answer on the kept-alive connection.
    fn exchange(&mut self, request: &str) -> std::io::Result<(u16, String)> {
        if self.closed {
            (self.reader, self.writer) = Client::open(&self.addr)?;
            self.closed = false;
            self.reconnects += 1;
        }
        self.writer.write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("connection") {
                    self.closed = value.trim().eq_ignore_ascii_case("close");
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    /// One Step Functions call that must succeed; its answer.
    pub fn call(&mut self, op: &str, body: &Value) -> Value {
        let (status, text) = self
            .try_call(op, &body.to_string())
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(status, 200, "{op}: {text}");
        serde_json::from_str(&text).expect("a JSON answer")
    }
}

/// Executions of `machine` with `status`, through ListExecutions pages.
pub fn count(c: &mut Client, machine: &str, status: &str) -> usize {
    let mut n = 0;
    let mut token: Option<String> = None;
    loop {
        let mut req = serde_json::json!({"stateMachineArn": machine, "statusFilter": status, "maxResults": 1000});
        if let Some(t) = &token {
            req["nextToken"] = serde_json::json!(t);
        }
        let out = c.call("ListExecutions", &req);
        n += out["executions"].as_array().map_or(0, Vec::len);
        match out["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return n,
        }
    }
}

/// The `p` quantile (0 to 1) of `sorted`, which is not empty.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
