//! Black-box tests of the `stepwise` binary: exit codes, stdout/stderr contracts, examples.

mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use support::wait_until;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stepwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn json_run(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["run", "--format", "json", "--skip-waits"];
    all.extend_from_slice(args);
    let out = stepwise(&all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn write_temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stepwise-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file");
    path.to_string_lossy().into_owned()
}

#[test]
fn validate_accepts_the_examples() {
    let out = stepwise(&[
        "validate",
        "state-machines/order-processing.asl.json",
        "state-machines/wait-and-retry.asl.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn validate_reports_file_code_pointer_and_message() {
    let out = stepwise(&["validate", "fixtures/invalid/missing-next.asl.json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fixtures/invalid/missing-next.asl.json:1: MISSING_TRANSITION_TARGET at /States/A/Next: Missing 'Next' target: Nope"),
        "{stderr}"
    );
}

#[test]
fn validate_json_format_is_an_array_on_stdout() {
    let out = stepwise(&[
        "validate",
        "--format",
        "json",
        "fixtures/invalid/several-problems.asl.json",
        "state-machines/order-processing.asl.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let list = v.as_array().expect("an array");
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(
        |d| d["file"] == "fixtures/invalid/several-problems.asl.json" && d["code"].is_string()
    ));
}

#[test]
fn validate_reports_json_syntax_errors_with_line_and_column() {
    let out = stepwise(&["validate", "fixtures/invalid/invalid-json.asl.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("INVALID_JSON_DESCRIPTION: Invalid JSON at line 2, column 0")
    );
}

#[test]
fn missing_file_is_a_usage_error() {
    assert_eq!(
        stepwise(&["validate", "no/such/file.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        stepwise(&["run", "no/such/file.json"]).status.code(),
        Some(2)
    );
}

#[test]
fn run_order_processing_with_mocks() {
    let base = [
        "state-machines/order-processing.asl.json",
        "--input-file",
        "state-machines/order-processing.input.json",
        "--mock-config",
        "state-machines/MockConfigFile.json",
        "--test-case",
    ];
    let (code, doc) = json_run(&[&base[..], &["HappyPath"]].concat());
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc,
        json!({"status": "SUCCEEDED", "output": {
            "orderId": "o-1001", "reference": "c-42-o-1001", "status": "CONFIRMED", "charged": 37.5,
            "reservation": "r-77", "message": "Order o-1001 confirmed: 2 line(s), 37.5 charged"}})
    );
    let (code, doc) = json_run(&[&base[..], &["ThrottledThenPriced"]].concat());
    assert_eq!((code, &doc["status"]), (0, &json!("SUCCEEDED")), "{doc}");
    let (code, doc) = json_run(&[&base[..], &["PaymentDeclined"]].concat());
    assert_eq!(code, 0);
    assert_eq!(
        doc["output"],
        json!({"orderId": "o-1001", "status": "DECLINED", "reason": "Insufficient funds"})
    );
}

#[test]
fn run_order_processing_with_local_commands() {
    let (code, doc) = json_run(&[
        "state-machines/order-processing.asl.json",
        "--input-file",
        "state-machines/order-processing.input.json",
        "--lambda",
        "price-line=python3 state-machines/handlers/price-line.py",
        "--lambda",
        "charge-card=python3 state-machines/handlers/charge-card.py",
        "--lambda",
        "reserve-stock=python3 state-machines/handlers/reserve-stock.py",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["output"]["charged"], json!(37.5));
    assert_eq!(doc["output"]["reservation"], json!("r-o-1001"));
}

#[test]
fn a_function_error_from_a_command_is_a_task_failure() {
    let input = r#"{"orderId":"o-2","customer":{"id":"c"},"items":[{"sku":"NOPE","qty":1}]}"#;
    let (code, doc) = json_run(&[
        "state-machines/order-processing.asl.json",
        "--input",
        input,
        "--lambda",
        "price-line=python3 state-machines/handlers/price-line.py",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["status"], "FAILED");
    assert_eq!(doc["error"], "UnknownSku");
    let cause: Value = serde_json::from_str(doc["cause"].as_str().expect("cause text"))
        .expect("Lambda-style JSON cause");
    assert_eq!(cause["errorMessage"], "no price for NOPE");
}

#[test]
fn a_task_without_handler_says_how_to_provide_one() {
    let (code, doc) = json_run(&[
        "state-machines/order-processing.asl.json",
        "--input-file",
        "state-machines/order-processing.input.json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"], "States.Runtime");
    let cause = doc["cause"].as_str().unwrap_or_default();
    assert!(
        cause.contains("PriceLine")
            && cause.contains("--lambda 'price-line=COMMAND'")
            && cause.contains("--mock-config"),
        "{cause}"
    );
}

#[test]
fn empty_order_fails_with_the_fail_state_error() {
    let (code, doc) = json_run(&[
        "state-machines/order-processing.asl.json",
        "--input",
        r#"{"orderId":"o","customer":{"id":"c"},"items":[]}"#,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        doc,
        json!({"status": "FAILED", "error": "Order.Empty", "cause": "The order has no items."})
    );
}

#[test]
fn skip_waits_runs_the_polling_loop_instantly_with_history() {
    let (code, doc) = json_run(&[
        "state-machines/wait-and-retry.asl.json",
        "--input",
        r#"{"jobId":"j-9"}"#,
        "--history",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["output"]["checks"], json!(3));
    let history = doc["history"].as_array().expect("history array");
    assert_eq!(history[0]["type"], "ExecutionStarted");
    assert_eq!(history[1]["previousEventId"], 0);
    assert_eq!(
        history
            .iter()
            .filter(|e| e["type"] == "WaitStateEntered")
            .count(),
        3
    );
    assert_eq!(
        history.last().expect("events")["type"],
        "ExecutionSucceeded"
    );
}

#[test]
fn bad_input_and_bad_definitions_exit_2() {
    let out = stepwise(&[
        "run",
        "state-machines/wait-and-retry.asl.json",
        "--input",
        "{not json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
    let out = stepwise(&["run", "fixtures/invalid/unreachable.asl.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not reachable"));
    let out = stepwise(&[
        "run",
        "state-machines/wait-and-retry.asl.json",
        "--name",
        "has space",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn oversize_results_fail_with_data_limit_exceeded() {
    let big = "x".repeat(300_000);
    let def = format!(
        r#"{{"StartAt":"Big","States":{{"Big":{{"Type":"Pass","Result":"{big}","End":true}}}}}}"#
    );
    let path = write_temp("big.asl.json", &def);
    let (code, doc) = json_run(&[&path]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"], "States.DataLimitExceeded");
    let input = write_temp("big-input.json", &format!(r#"{{"a":"{big}"}}"#));
    let out = stepwise(&[
        "run",
        "state-machines/wait-and-retry.asl.json",
        "--input-file",
        &input,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 262144"));
}

#[test]
fn mock_config_problems_are_usage_errors() {
    let out = stepwise(&[
        "run",
        "state-machines/order-processing.asl.json",
        "--mock-config",
        "state-machines/MockConfigFile.json",
        "--test-case",
        "NoSuchCase",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no test case 'NoSuchCase'"));
}

/// `fixtures/runs/NAME.asl.json` (+ optional `NAME.input.json`) must produce `NAME.expected.json`:
/// every key given there must match (`cause` may be left out).
#[test]
fn every_run_fixture_gives_its_expected_result() {
    let dir = root().join("fixtures/runs");
    let mut problems = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/runs exists") {
        let path = entry.expect("dir entry").path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".asl.json"))
        else {
            continue;
        };
        let def = format!("fixtures/runs/{name}.asl.json");
        let input = dir.join(format!("{name}.input.json"));
        let input_arg = input
            .exists()
            .then(|| format!("fixtures/runs/{name}.input.json"));
        let mut args = vec![def.as_str()];
        if let Some(i) = &input_arg {
            args.extend(["--input-file", i.as_str()]);
        }
        let (_, got) = json_run(&args);
        let text = std::fs::read_to_string(dir.join(format!("{name}.expected.json")))
            .expect("expected file");
        let want: Value = serde_json::from_str(&text).expect("expected is JSON");
        let mismatched: Vec<&String> = want
            .as_object()
            .expect("object")
            .keys()
            .filter(|k| got[k.as_str()] != want[k.as_str()])
            .collect();
        if !mismatched.is_empty() {
            problems.push(format!(
                "{name}: {mismatched:?} differ\n  want {want}\n  got  {got}"
            ));
        }
        count += 1;
    }
    assert!(count >= 5);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sfn_mock_config_in_the_environment_applies_when_a_test_case_is_named() {
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--format", "json", "--skip-waits"];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(&args)
            .current_dir(root())
            .env("SFN_MOCK_CONFIG", "state-machines/MockConfigFile.json")
            .output()
            .expect("runs")
    };
    let plain = run(&[
        "state-machines/wait-and-retry.asl.json",
        "--input",
        r#"{"jobId":"j"}"#,
    ]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let mocked = run(&[
        "state-machines/order-processing.asl.json",
        "--input-file",
        "state-machines/order-processing.input.json",
        "--test-case",
        "HappyPath",
    ]);
    assert_eq!(
        mocked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&mocked.stderr)
    );
}

/// `--db` with a URL stepwise cannot open is a usage error that says why, and creates nothing
/// (it used to create a SQLite file under a directory named `postgres:`); `sqlite:PATH` is a file.
#[test]
fn a_database_it_cannot_open_is_refused_and_sqlite_urls_are_files() {
    let dir = std::env::temp_dir().join(format!("stepwise-cli-db-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run = |db: &str| {
        Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(["executions", "list", "--db", db])
            .current_dir(&dir)
            .output()
            .expect("the binary runs")
    };
    // A PostgreSQL server that is not there (a port nothing listens on), and a scheme stepwise
    // does not know: usage errors that name the database, and no file named after the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let absent = format!("postgres://me@127.0.0.1:{port}/test?connect_timeout=2");
    for (url, hint) in [
        (absent.as_str(), "check that PostgreSQL runs there"),
        ("mysql://h/db", "sqlite:PATH"),
    ] {
        let out = run(url);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        let shown = url.split('?').next().unwrap_or(url);
        assert!(stderr.contains(shown) && stderr.contains(hint), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{url} created {left:?}");
    }
    let out = run("sqlite:data/x.db");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("data/x.db").exists(),
        "sqlite:PATH opens the file PATH"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An SQLite file that belongs to another user is refused (its rows hold commands that would
/// run as this user), with the flag that opens it anyway.
#[test]
fn a_database_of_another_user_is_refused_unless_allowed() {
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata("/proc/self").expect("procfs").uid();
    let (db, can_allow) = if me == 0 {
        // Root can give a fresh database to another user (65534: nobody).
        let dir = std::env::temp_dir().join(format!("stepwise-cli-owner-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("theirs.db");
        let made = stepwise(&["executions", "list", "--db", db.to_str().expect("UTF-8")]);
        assert!(made.status.success(), "{made:?}");
        std::os::unix::fs::chown(&db, Some(65534), Some(65534)).expect("chown as root");
        (db.to_string_lossy().into_owned(), true)
    } else {
        // Anyone else finds a file of another user's (root's) in /etc: it is refused before
        // it is opened, and never written.
        ("/etc/passwd".to_string(), false)
    };
    let refused = stepwise(&["executions", "list", "--db", &db]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("belongs to user") && stderr.contains("--allow-other-owner"),
        "{stderr}"
    );
    if can_allow {
        let allowed = stepwise(&["executions", "list", "--db", &db, "--allow-other-owner"]);
        assert!(allowed.status.success(), "{allowed:?}");
        let by_env = Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .args(["executions", "list", "--db", &db])
            .env("STEPWISE_ALLOW_OTHER_OWNER", "1")
            .output()
            .expect("runs");
        assert!(by_env.status.success(), "{by_env:?}");
    }
}

/// Whether process `pid` still runs (a zombie no one reaped does not).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.starts_with(" Z")))
}

/// A command that outlives its Task's `TimeoutSeconds` is killed then, with the processes it
/// started, and the Task ends as AWS ends it: `States.Timeout` in a `...TimedOut` event.
#[test]
#[allow(clippy::disallowed_methods)] // measures how long the run took
fn a_command_past_its_timeout_is_killed_and_the_task_times_out() {
    let pids = write_temp("timeout-pids", "");
    let machine = write_temp(
        "timeout.asl.json",
        r#"{"StartAt": "Slow", "States": {
            "Slow": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "slow"}, "TimeoutSeconds": 2, "End": true}}}"#,
    );
    let command = format!("slow=sleep 30 & echo $$ $! > {pids}; wait; echo {{}}");
    let started = std::time::Instant::now();
    let out = stepwise(&[
        "run",
        &machine,
        "--format",
        "json",
        "--history",
        "--lambda",
        &command,
    ]);
    let took = started.elapsed();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(out.status.code(), Some(1), "{doc}");
    assert_eq!(doc["error"], "States.Timeout", "{doc}");
    // Killed at its 2 s timeout, long before the command's 30 s (the upper bound leaves room
    // for a loaded machine).
    assert!(
        took >= std::time::Duration::from_secs(2) && took < std::time::Duration::from_secs(20),
        "took {took:?}"
    );
    let kinds: Vec<&str> = doc["history"]
        .as_array()
        .expect("the history")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(kinds.contains(&"TaskTimedOut"), "{kinds:?}");
    assert!(!kinds.contains(&"TaskFailed"), "{kinds:?}");
    let pids = std::fs::read_to_string(&pids).expect("the command wrote its pids");
    assert_eq!(pids.split_whitespace().count(), 2, "{pids}");
    for pid in pids.split_whitespace() {
        assert!(!alive(pid), "process {pid} of the command still runs");
    }
}

/// Without `TimeoutSeconds`, `--command-timeout` bounds a command; the cause says how to change it.
#[test]
#[allow(clippy::disallowed_methods)] // measures how long the run took
fn the_command_timeout_caps_tasks_without_timeout_seconds() {
    let started = std::time::Instant::now();
    let (code, doc) = json_run(&[
        &greet_machine(),
        "--command-timeout",
        "1s",
        "--lambda",
        "greet=sleep 30",
    ]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"], "States.Timeout", "{doc}");
    let cause = doc["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("--command-timeout"), "{cause}");
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
    let out = stepwise(&["run", "x.json", "--command-timeout", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a duration"));
}

/// A command that prints more than a result may hold is stopped and the task fails with
/// `States.DataLimitExceeded`, without reading it all into memory.
#[test]
fn a_chatty_command_is_stopped_at_the_output_cap() {
    let (code, doc) = json_run(&[
        &greet_machine(),
        "--lambda",
        "greet=yes '\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"' | head -c 100000000",
    ]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"], "States.DataLimitExceeded", "{doc}");
    assert!(doc["cause"].as_str().unwrap_or_default().contains("stdout"));
}

/// One Task calling the Lambda function `greet`, without `TimeoutSeconds`.
fn greet_machine() -> String {
    write_temp(
        "greet.asl.json",
        r#"{"StartAt": "Greet", "States": {
            "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": true}}}"#,
    )
}

/// Commands run in process groups of their own (so that a timeout kills their children), which
/// the terminal's Ctrl-C does not reach: `run` kills them itself when interrupted.
#[test]
fn an_interrupted_run_kills_its_running_command() {
    let pids = write_temp("interrupt-pids", "");
    let command = format!("greet=sleep 30 & echo $$ $! > {pids}; wait; echo {{}}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["run", &greet_machine(), "--lambda", &command])
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let written = support::wait_for(
        "the command writes its pids",
        Duration::from_secs(5),
        || {
            let written = std::fs::read_to_string(&pids).unwrap_or_default();
            (written.split_whitespace().count() == 2).then_some(written)
        },
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("run exits");
    assert_eq!(exit.code(), Some(130), "{exit}");
    // The group is killed before `run` exits; the kernel may take a moment to end them.
    let pids: Vec<&str> = written.split_whitespace().collect();
    wait_until(
        &format!("processes {pids:?} of the command end"),
        Duration::from_secs(5),
        || !pids.iter().any(|pid| alive(pid)),
    );
}

/// A `TimeoutSecondsPath` beyond AWS's maximum (99999999 s) is refused as any invalid value is,
/// rather than overflowing the timer's due time.
#[test]
fn a_timeout_path_beyond_the_maximum_is_a_runtime_error() {
    let machine = write_temp(
        "huge-timeout.asl.json",
        r#"{"StartAt": "Greet", "States": {
            "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet",
                      "TimeoutSecondsPath": "$.t", "End": true}}}"#,
    );
    for t in ["9223372036854775807", "100000000"] {
        let input = format!(r#"{{"t": {t}}}"#);
        let (code, doc) = json_run(&[&machine, "--input", &input, "--lambda", "greet=echo {}"]);
        assert_eq!(code, 1, "{doc}");
        assert_eq!(doc["error"], "States.Runtime", "{doc}");
    }
    let (code, doc) = json_run(&[
        &machine,
        "--input",
        r#"{"t": 99999999}"#,
        "--lambda",
        "greet=echo {}",
    ]);
    assert_eq!(code, 0, "{doc}");
}

/// Completion scripts for bash, zsh and fish, and a manual page, from the same clap definitions
/// the parser uses: every subcommand is in them, and bash accepts its script.
#[test]
fn completions_and_the_manual_page_cover_every_subcommand() {
    let subcommands = [
        "validate",
        "run",
        "task",
        "executions",
        "resume",
        "queue",
        "serve",
        "test",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let out = stepwise(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8_lossy(&out.stdout);
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let bash = stepwise(&["completions", "bash"]).stdout;
    let path = write_temp("stepwise.bash", &String::from_utf8_lossy(&bash));
    let checked = Command::new("bash")
        .args(["-n", &path])
        .output()
        .expect("bash runs");
    assert!(checked.status.success(), "{checked:?}");
    let man = stepwise(&["man"]);
    assert!(man.status.success(), "{man:?}");
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.contains(".TH stepwise 1"), "{page}");
    for sub in subcommands {
        assert!(page.contains(sub), "the manual page lacks {sub}");
    }
    let wrong = stepwise(&["completions", "tcsh"]);
    assert_eq!(wrong.status.code(), Some(2));
}
