//! The kill test: executions wait for task tokens while `stepwise` processes are killed with
//! SIGKILL at random points — before, inside and after their commits, and between a commit and the
//! effect that follows it. After restarts, callbacks, resends and `stepwise resume`, every
//! execution must end SUCCEEDED with the right output, its callback recorded exactly once.
//!
//! The definition is `fixtures/callbacks/kill.asl.json`: Task A hands its token to the
//! `collector` command, Task B (a local command run after the callback's commit) appends to
//! `b.log`, a Pass adds both results up.
//!
//! Replay a failure with the seed it printed: `STEPWISE_KILL_SEED=N cargo test --test kill --
//! --nocapture` (the kill decisions and delays repeat; process scheduling does not).
#![allow(clippy::disallowed_methods)] // an edge: reads the clock or the environment

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stepwise::runtime::clock::{Clock, system_now_ms};
use stepwise::runtime::durable::Durable;
use stepwise::store::SqliteStore;

const EXECUTIONS: u64 = 80;
/// Processes alive at once (the machine has 2 cores; more only stretches their lifetimes).
const PARALLEL: usize = 8;
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/callbacks/kill.asl.json"
);
const MACHINE_ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:kill";
/// Saves its payload (id and token) as `tokens/<id>.json`: written aside, then renamed, so a
/// killed process never leaves half a file.
const COLLECTOR: &str = r#"collector=p=$(cat); id=$(printf %s "$p" | tr -d ' \n' | sed -n 's/.*"id":\([0-9]*\).*/\1/p'); printf %s "$p" > tokens/$id.json.$$ && mv tokens/$id.json.$$ tokens/$id.json"#;
/// Task B: logs its input (one line per delivery) and returns it.
const TASK_B: &str = r#"B=p=$(cat); printf '%s\n' "$p" >> b.log; printf '{"seen":%s}' "$p""#;
/// How far ahead of the leases of killed processes the final worker's clock runs.
const PAST_LEASES_MS: i64 = 16_000;

/// xorshift64: kill decisions and delays come from the seed the test prints.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 spreads small seeds; xorshift needs a non-zero state.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// One process to run, and when to kill it (from the start of its batch).
struct Job {
    id: u64,
    args: Vec<String>,
    kill_after: Option<Duration>,
}

/// How a process ended: `None` when the kill landed before it exited.
struct Ran {
    id: u64,
    output: Option<Output>,
}

impl Ran {
    fn ok(&self) -> bool {
        self.output.as_ref().is_some_and(|o| o.status.success())
    }

    fn stderr(&self) -> String {
        self.output.as_ref().map_or("(killed)".into(), |o| {
            String::from_utf8_lossy(&o.stderr).trim().to_string()
        })
    }
}

/// What the phases observed, printed at the end to show which windows the kills hit.
#[derive(Default, Debug)]
struct Tally {
    starts_killed: usize,
    callbacks_killed: usize,
    resumes_killed: usize,
    /// A killed callback whose commit had landed: the resend got `TaskTimedOut`.
    callbacks_committed_before_kill: usize,
    /// A killed callback that had not committed: the resend won.
    callbacks_resent: usize,
    /// Effects that waited for the leases of killed processes to expire.
    stranded_effects: usize,
}

struct Lab {
    dir: PathBuf,
    rng: Rng,
    tally: Tally,
}

impl Lab {
    fn new(seed: u64) -> Lab {
        let dir = std::env::temp_dir().join(format!("stepwise-kill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tokens")).expect("temp dir");
        Lab {
            dir,
            rng: Rng::new(seed),
            tally: Tally::default(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.join("stepwise.db")
    }

    /// Commands run in the lab directory: the handlers write `tokens/` and `b.log` there.
    fn command(&self, args: &[String]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_stepwise"));
        c.args(args)
            .current_dir(&self.dir)
            .env("STEPWISE_DB", self.db())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = self.command(&args).output().expect("the binary runs");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON on stdout")
    }

    /// A delay within `span` with probability `percent`, else `None`.
    fn kill_plan(&mut self, percent: u64, span: Duration) -> Option<Duration> {
        let span_us = span.as_micros() as u64;
        self.rng
            .percent(percent)
            .then(|| Duration::from_micros(self.rng.below(span_us + 1)))
    }

    /// Runs `jobs`, `PARALLEL` at a time, killing each at its planned moment.
    fn batch(&self, jobs: Vec<Job>) -> Vec<Ran> {
        let mut ran = Vec::new();
        for chunk in jobs.chunks(PARALLEL) {
            let started = Instant::now();
            let mut children: Vec<_> = chunk
                .iter()
                .map(|j| self.command(&j.args).spawn().expect("the binary starts"))
                .collect();
            let mut kills: Vec<(Duration, usize)> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, j)| j.kill_after.map(|d| (d, i)))
                .collect();
            kills.sort();
            for (at, i) in kills {
                // The point: each kill falls at its chosen moment of the run.
                std::thread::sleep(at.saturating_sub(started.elapsed()));
                // SIGKILL; a process that already exited is a zombie until waited for: no-op.
                let _ = children[i].kill();
            }
            for (child, job) in children.into_iter().zip(chunk) {
                let out = child.wait_with_output().expect("wait");
                let killed = out.status.signal() == Some(9);
                ran.push(Ran {
                    id: job.id,
                    output: (!killed).then_some(out),
                });
            }
        }
        ran
    }

    /// How long one process of this kind lives when alone: the span kills are spread over.
    fn calibrate(&self, job: &Job) -> (Ran, Duration) {
        let started = Instant::now();
        let out = self.command(&job.args).output().expect("the binary runs");
        let lone = started.elapsed();
        let ran = Ran {
            id: job.id,
            output: Some(out),
        };
        assert!(ran.ok(), "{:?}: {}", job.args, ran.stderr());
        // Processes sharing 2 cores with PARALLEL others live several times longer.
        (
            ran,
            (lone * 3).clamp(Duration::from_millis(10), Duration::from_millis(150)),
        )
    }

    fn run_job(id: u64) -> Vec<String> {
        let input = json!({ "id": id }).to_string();
        [
            "run",
            FIXTURE,
            "--detach",
            "--name",
            &format!("e{id}"),
            "--input",
            &input,
            "--lambda",
            COLLECTOR,
            "--task",
            TASK_B,
        ]
        .map(String::from)
        .to_vec()
    }

    /// Starts every execution, killing about half of the `run --detach` processes, then starts
    /// again those whose process died (`Execution Already Exists` when its commit had landed).
    fn start_all(&mut self) {
        let first = Job {
            id: 0,
            args: Lab::run_job(0),
            kill_after: None,
        };
        let (_, span) = self.calibrate(&first);
        let jobs: Vec<Job> = (1..EXECUTIONS)
            .map(|id| Job {
                id,
                args: Lab::run_job(id),
                kill_after: self.kill_plan(50, span),
            })
            .collect();
        let ran = self.batch(jobs);
        for r in ran.iter().filter(|r| !r.ok()) {
            assert!(r.output.is_none(), "run e{} failed: {}", r.id, r.stderr());
            self.tally.starts_killed += 1;
            let out = self
                .command(&Lab::run_job(r.id))
                .output()
                .expect("the binary runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success()
                    || (out.status.code() == Some(2) && stderr.contains("Already Exists")),
                "restarting e{}: {stderr}",
                r.id
            );
        }
    }

    /// A few `stepwise resume` at once, most of them killed, then one left alone.
    fn resume(&mut self) {
        let jobs: Vec<Job> = (0..3)
            .map(|i| Job {
                id: i,
                args: vec!["resume".into()],
                kill_after: (i > 0).then(|| Duration::from_micros(self.rng.below(30_000))),
            })
            .collect();
        for r in self.batch(jobs) {
            if r.output.is_none() {
                self.tally.resumes_killed += 1;
            } else {
                assert!(r.ok(), "resume failed: {}", r.stderr());
            }
        }
        self.ok(&["resume"]);
    }

    /// Delivers what killed processes left leased. A lease lasts 15 s (LEASE_MS in src/runtime/mod.rs), and `stepwise resume` has
    /// no way to skip ahead, so this worker is a process whose clock runs 16 s later.
    fn resume_past_leases(&mut self) {
        let store = SqliteStore::open(&self.db()).expect("the store opens");
        let mut rt = Durable::new(Arc::new(store), Arc::new(Later(PAST_LEASES_MS)));
        self.tally.stranded_effects += rt.drive().expect("the late worker drives");
        assert_eq!(rt.drive().expect("drives"), 0, "nothing left to deliver");
    }

    /// The token the collector saved for every execution; each one waits for it.
    fn tokens(&self) -> BTreeMap<u64, String> {
        (0..EXECUTIONS)
            .map(|id| {
                let path = self.dir.join("tokens").join(format!("{id}.json"));
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("e{id}: the collector never ran: {e}"));
                let payload: Value = serde_json::from_str(&text).expect("a whole JSON file");
                assert_eq!(payload["id"], json!(id));
                let token = payload["token"].as_str().expect("a token").to_string();
                let d = self.json(&["executions", "describe", &arn(id)]);
                assert_eq!(d["status"], "RUNNING", "e{id} before its callback: {d}");
                assert_eq!(
                    d["waitingTasks"],
                    json!([{"stateName": "A", "taskToken": token}]),
                    "e{id} waits for the token its collector got"
                );
                (id, token)
            })
            .collect()
    }

    fn success_job(id: u64, token: &str) -> Vec<String> {
        let output = json!({ "answer": answer(id) }).to_string();
        // `--token=T`: one token in 64 starts with `-`, which clap takes for a flag otherwise.
        let token = format!("--token={token}");
        ["task", "success", &token, "--output", &output]
            .map(String::from)
            .to_vec()
    }

    /// Sends every callback, killing about half of the senders.
    fn callbacks(&mut self, tokens: &BTreeMap<u64, String>) -> Vec<Ran> {
        let (first, span) = self.calibrate(&Job {
            id: 0,
            args: Lab::success_job(0, &tokens[&0]),
            kill_after: None,
        });
        let jobs: Vec<Job> = tokens
            .iter()
            .skip(1)
            .map(|(&id, token)| Job {
                id,
                args: Lab::success_job(id, token),
                kill_after: self.kill_plan(50, span),
            })
            .collect();
        let mut ran = vec![first];
        ran.extend(self.batch(jobs));
        ran
    }

    /// Sends again every callback whose sender was killed. It wins when the first one had not
    /// committed; it gets `TaskTimedOut` when it had. A callback that completed must never win.
    fn resend(&mut self, tokens: &BTreeMap<u64, String>, first: &[Ran]) {
        let jobs: Vec<Job> = tokens
            .iter()
            .map(|(&id, token)| Job {
                id,
                args: Lab::success_job(id, token),
                kill_after: None,
            })
            .collect();
        for (again, first) in self.batch(jobs).iter().zip(first) {
            assert_eq!(again.id, first.id);
            let id = again.id;
            if first.output.is_some() {
                assert!(first.ok(), "callback for e{id} failed: {}", first.stderr());
                assert!(
                    !again.ok(),
                    "e{id}: a second callback won after the first completed"
                );
            } else {
                self.tally.callbacks_killed += 1;
            }
            if again.ok() {
                self.tally.callbacks_resent += 1;
            } else {
                let e = again.stderr();
                assert!(e.contains("(TaskTimedOut)"), "resend for e{id}: {e}");
                if first.output.is_none() {
                    self.tally.callbacks_committed_before_kill += 1;
                }
            }
        }
    }

    /// Every execution ended once, with the right output and a gapless history.
    fn check(&self) {
        let list = self.json(&["executions", "list", "--max-results", "1000"]);
        let mut names: Vec<&str> = list["executions"]
            .as_array()
            .expect("executions")
            .iter()
            .map(|x| x["name"].as_str().expect("a name"))
            .collect();
        names.sort();
        let mut expected: Vec<String> = (0..EXECUTIONS).map(|id| format!("e{id}")).collect();
        expected.sort();
        assert_eq!(names, expected, "each execution exists once");
        for id in 0..EXECUTIONS {
            self.check_one(id);
        }
        self.check_b_log();
    }

    fn check_one(&self, id: u64) {
        let d = self.json(&["executions", "describe", &arn(id)]);
        assert_eq!(d["status"], "SUCCEEDED", "e{id}: {d}");
        let output: Value = serde_json::from_str(d["output"].as_str().expect("output")).unwrap();
        let request = json!({"id": id, "answer": answer(id)});
        assert_eq!(
            output,
            json!({"id": id, "answer": answer(id), "seen": request, "sum": id + answer(id)}),
            "e{id}"
        );
        let history = self.json(&["executions", "history", &arn(id)]);
        let events = history["events"].as_array().expect("events");
        let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
        assert_eq!(
            ids,
            (1..=events.len() as u64).collect::<Vec<_>>(),
            "e{id}: event ids"
        );
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .filter(|&t| t != "TaskSubmitted")
            .collect();
        assert_eq!(kinds, EXPECTED_EVENTS, "e{id}: {history}");
        let submitted: Vec<usize> = (0..events.len())
            .filter(|&i| events[i]["type"] == "TaskSubmitted")
            .collect();
        assert!(
            submitted.is_empty() || submitted == [4],
            "e{id}: at most one TaskSubmitted, right after TaskStarted: {history}"
        );
        let result = events
            .iter()
            .find(|e| e["type"] == "TaskSucceeded")
            .expect("TaskSucceeded");
        let result: Value = serde_json::from_str(
            result["taskSucceededEventDetails"]["output"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(result, json!({"answer": answer(id)}), "e{id}");
    }

    /// Task B ran for every execution; at least once, maybe more (killed after the effect).
    fn check_b_log(&self) {
        let log = std::fs::read_to_string(self.dir.join("b.log")).expect("b.log");
        let mut runs: BTreeMap<u64, usize> = BTreeMap::new();
        // An empty line: B started, but its caller was killed before it wrote B's input.
        for line in log.lines().filter(|l| !l.is_empty()) {
            let v: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("b.log line {line:?}: {e}"));
            let id = v["id"].as_u64().expect("an id");
            assert_eq!(v, json!({"id": id, "answer": answer(id)}));
            *runs.entry(id).or_default() += 1;
        }
        assert_eq!(
            runs.keys().copied().collect::<Vec<_>>(),
            (0..EXECUTIONS).collect::<Vec<_>>(),
            "Task B ran for every execution"
        );
        let repeated = runs.values().filter(|&&n| n > 1).count();
        println!(
            "Task B performed more than once for {repeated} executions (at least once is the contract)"
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The system clock, shifted: a process that comes after every lease of a killed one expired.
struct Later(i64);

impl Clock for Later {
    fn now_ms(&self) -> i64 {
        system_now_ms() + self.0
    }
    fn wait_until(&self, _: i64) {}
}

/// The history of every execution, `TaskSubmitted` left out: it is missing when the callback
/// committed before the submission did.
const EXPECTED_EVENTS: [&str; 14] = [
    "ExecutionStarted",
    "TaskStateEntered",
    "TaskScheduled",
    "TaskStarted",
    "TaskSucceeded",
    "TaskStateExited",
    "TaskStateEntered",
    "LambdaFunctionScheduled",
    "LambdaFunctionStarted",
    "LambdaFunctionSucceeded",
    "TaskStateExited",
    "PassStateEntered",
    "PassStateExited",
    "ExecutionSucceeded",
];

fn arn(id: u64) -> String {
    format!("{MACHINE_ARN}:e{id}")
}

/// What the callback answers for execution `id`.
fn answer(id: u64) -> u64 {
    3 * id + 1
}

fn seed() -> u64 {
    std::env::var("STEPWISE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| system_now_ms() as u64)
}

#[test]
fn killed_processes_lose_no_execution_and_repeat_no_transition() {
    let seed = seed();
    let started = Instant::now();
    let mut lab = Lab::new(seed);
    println!(
        "kill test seed {seed} in {}: replay with STEPWISE_KILL_SEED={seed}",
        lab.dir.display()
    );
    lab.start_all();
    lab.resume();
    lab.resume_past_leases();
    let tokens = lab.tokens();
    let first = lab.callbacks(&tokens);
    lab.resend(&tokens, &first);
    lab.resume();
    lab.resume_past_leases();
    lab.check();
    println!("{:?} in {:.1?}", lab.tally, started.elapsed());
}
