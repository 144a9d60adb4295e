//! Black-box tests of `stepwise test`: the examples, Step Functions Local's mock semantics,
//! failure messages, broken tests, validation, JUnit XML (parsed by Python's XML parser) and
//! coverage.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stepwise_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(args)
        .current_dir(dir)
        .env_remove("SFN_MOCK_CONFIG")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A scratch directory holding `files` (name → JSON value, or text for strings).
fn scratch(case: &str, files: &[(&str, Value)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-test-{}-{case}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (name, v) in files {
        let text = match v {
            Value::String(s) => s.clone(),
            other => serde_json::to_string_pretty(other).expect("json"),
        };
        std::fs::write(dir.join(name), text).expect("scratch file");
    }
    dir
}

/// A Task that retries, inside a Map over two items: the mock's invocation counter spans both.
fn map_with_retry() -> Value {
    json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "End": true}}},
        "End": true}}})
}

fn callback_machine() -> Value {
    json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q", "MessageBody": {"t.$": "$$.Task.Token"}},
                "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}})
}

#[test]
fn the_examples_pass_with_junit_and_coverage() {
    let junit = std::env::temp_dir().join(format!("stepwise-junit-{}.xml", std::process::id()));
    let junit_arg = junit.to_string_lossy().into_owned();
    let (code, out) = stepwise_in(
        &root(),
        &[
            "test",
            "state-machines/",
            "--mock-config",
            "state-machines/MockConfigFile.json",
            "--junit",
            &junit_arg,
            "--coverage",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("test result: ok. 20 passed, 0 failed"),
        "{out}"
    );
    // Without a terminal: plain words, one line per case.
    assert!(
        out.contains(
            "PASS state-machines/MockConfigFile.json › inventory-verification › OutOfStock"
        ),
        "{out}"
    );
    assert!(
        out.contains("not exercised: Choice 'Done?' Choices[1] (→ GaveUp)"),
        "{out}"
    );
    let r = junit_summary(&junit);
    assert_eq!(r["tests"], 20, "{r}");
    assert_eq!(r["failures"], 0, "{r}");
    assert_eq!(r["cases"].as_array().map(Vec::len), Some(20), "{r}");
}

#[test]
fn step_functions_local_mock_semantics() {
    let config = json!({
        "StateMachines": {
            "mapped": {"TestCases": {
                "CounterSpansRetriesAndIterations": {"Call": "Flaky"},
                "NoEntryForAnInvocation": {"Call": "OnlyOnce"}}},
            "callback": {"TestCases": {
                "Answered": {"Ask": "Answer"},
                "Unmocked": {}}}
        },
        "MockedResponses": {
            "Flaky": {
                "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "first"}},
                "1-2": {"Return": "idx"},
                "3": {"Return": "never"}},
            "OnlyOnce": {"0": {"Throw": {"Error": "E", "Cause": "c"}}},
            "Answer": {"0": {"Return": {"approved": true}}}
        }
    });
    let dir = scratch(
        "sfn-local",
        &[
            ("MockConfigFile.json", config),
            ("mapped.asl.json", map_with_retry()),
            ("mapped.input.json", json!({"items": [1, 2]})),
            (
                "mapped.CounterSpansRetriesAndIterations.expect.json",
                json!({"output": ["idx", "idx"], "states": ["Each", "Call", "Call"]}),
            ),
            ("callback.asl.json", callback_machine()),
            (
                "callback.Answered.expect.json",
                json!({"output": {"approved": true}}),
            ),
        ],
    );
    let (code, out) = stepwise_in(&dir, &["test", "--mock-config", "MockConfigFile.json"]);
    assert_eq!(code, 1, "{out}");
    for line in [
        "PASS MockConfigFile.json › mapped › CounterSpansRetriesAndIterations",
        "PASS MockConfigFile.json › callback › Answered",
        "FAIL MockConfigFile.json › mapped › NoEntryForAnInvocation",
        "has no entry for invocation number 1",
        // A state its test case does not mock runs for real (here: the embedded queue).
        "FAIL MockConfigFile.json › callback › Unmocked",
        "FAILED (SQS.QueueDoesNotExistException",
        "test result: FAILED. 2 passed, 2 failed",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn failures_show_expected_and_actual_at_the_first_difference() {
    let dir = scratch(
        "failures",
        &[
            (
                "calc.asl.json",
                json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": {"b": [1, 3]}}, "End": true}}}),
            ),
            (
                "calc.test.json",
                json!({"definition": "calc.asl.json", "cases": [
                    {"name": "exact", "expect": {"output": {"a": {"b": [1, 2]}}}},
                    {"name": "partial", "expect": {"outputContains": {"a": {"c": 1}}}},
                    {"name": "status", "expect": {"status": "FAILED", "error": "X"}},
                    {"name": "passes", "expect": {"outputContains": {"a": {"b": [1, 3.0]}}, "states": ["P"]}}
                ]}),
            ),
        ],
    );
    let (code, out) = stepwise_in(&dir, &["test"]);
    assert_eq!(code, 1, "{out}");
    for text in [
        "FAIL calc.test.json › exact",
        "output differs at $.a.b[1]\n        expected: 2\n        actual:   3",
        "output (outputContains) differs at $.a.c\n        expected: 1\n        actual:   (missing)",
        "status\n        expected: FAILED\n        actual:   SUCCEEDED",
        "error\n        expected: \"X\"\n        actual:   (none)",
        "PASS calc.test.json › passes",
        "test result: FAILED. 1 passed, 3 failed",
    ] {
        assert!(out.contains(text), "{text}\n{out}");
    }
}

#[test]
fn broken_tests_and_invalid_definitions_fail_the_run_with_their_reasons() {
    let dir = scratch(
        "broken",
        &[
            (
                "ok.asl.json",
                json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
            ),
            (
                "bad.asl.json",
                json!({"StartAt": "Nope", "States": {"P": {"Type": "Pass", "Next": "Gone"}}}),
            ),
            (
                "ok.test.json",
                json!({"definition": "ok.asl.json", "cases": [
                    {"name": "typo in a state", "expect": {"visited": ["Q"]}},
                    {"name": "mock for no state", "mocks": {"T": {"Return": 1}}},
                    {"name": "named mock without a mock config", "mocks": {"P": "Resp"}},
                    {"name": "bad start time", "context": {"Execution": {"StartTime": "yesterday"}}},
                    {"name": "later", "skip": "waiting for the Lambda"}
                ]}),
            ),
            (
                "bad.test.yaml",
                json!("definition: bad.asl.json\ncases:\n  - name: never runs\n"),
            ),
            (
                "typo.test.yaml",
                json!(
                    "definition: ok.asl.json\ncases:\n  - name: x\n    expect: {stats: FAILED}\n"
                ),
            ),
        ],
    );
    let junit = dir.join("out.xml");
    let (code, out) = stepwise_in(&dir, &["test", "--junit", "out.xml"]);
    assert_eq!(code, 1, "{out}");
    for text in [
        "FAIL bad.asl.json: invalid definition",
        "bad.asl.json: MISSING_TRANSITION_TARGET",
        "ERROR bad.test.yaml › never runs",
        "the definition bad.asl.json is invalid",
        "cases[0].expect: the definition has no state named 'Q'",
        "cases[1].mocks: the definition has no state named 'T'",
        "cases[2].mocks.P: 'Resp' names a mocked response, but the test file names no \"mockConfig\"",
        "cases[3].context.Execution.StartTime: 'yesterday' is not an ISO 8601 timestamp",
        "SKIP ok.test.json › later",
        "typo.test.yaml: cases[0].expect.stats: unknown field",
        "0 passed, 0 failed, 6 could not run, 1 skipped, 1 invalid definition(s)",
    ] {
        assert!(out.contains(text), "{text}\n{out}");
    }
    let r = junit_summary(&junit);
    assert_eq!(
        (&r["errors"], &r["skipped"], &r["failures"]),
        (&json!(6), &json!(1), &json!(1)),
        "{r}"
    );
}

#[test]
fn usage_errors_and_filters() {
    let empty = scratch("empty", &[]);
    let (code, out) = stepwise_in(&empty, &["test"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no test files"), "{out}");
    let (code, out) = stepwise_in(&root(), &["test", "no/such/dir"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = stepwise_in(
        &root(),
        &["test", "state-machines/", "--filter", "declined"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 passed, 0 failed (1 case in"), "{out}");
}

/// Parses the JUnit file with Python's XML parser: `{tests, failures, errors, skipped, cases:
/// [{name, time, failure}]}`.
fn junit_summary(path: &Path) -> Value {
    const SCRIPT: &str = r#"
import json, sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
cases = []
for s in root.findall("testsuite"):
    assert int(s.get("tests")) == len(s.findall("testcase"))
    for c in s.findall("testcase"):
        float(c.get("time"))
        bad = c.find("failure") if c.find("failure") is not None else c.find("error")
        cases.append({"name": c.get("name"), "time": c.get("time"),
                      "failure": None if bad is None else bad.get("message")})
print(json.dumps({k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")} | {"cases": cases}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .output()
        .expect(
            "this test needs python3 on PATH to parse the JUnit XML (the README asks for Python 3)",
        );
    assert!(
        out.status.success(),
        "the JUnit XML does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}
