//! The Conductor JavaScript corpus (`tests/conductor_js/corpus.json`): scripts in the style of
//! Conductor's documentation and users' INLINE tasks, each with an input `$` and the result
//! Node.js gave (`want`, converted as Conductor converts a GraalJS value). One test checks
//! stepwise against the recorded results; the ignored one runs Node.js itself
//! (`tests/conductor_js/oracle.js`) as the oracle, so the recorded results can be trusted; and
//! the corpus as one workflow of INLINE tasks gives Node's results through `stepwise run` and
//! through `serve`'s REST API.
#![allow(clippy::disallowed_methods)] // support reads the environment

mod support;

use serde_json::{Map, Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use stepwise::conductor::js::Script;

const CORPUS: &str = include_str!("conductor_js/corpus.json");
const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conductor_js/oracle.js");

fn corpus() -> Vec<Value> {
    let cases: Vec<Value> = serde_json::from_str(CORPUS).expect("the corpus is JSON");
    assert!(cases.len() >= 40, "the corpus has {} scripts", cases.len());
    cases
}

fn stepwise(case: &Value) -> Value {
    let script = case["script"].as_str().expect("a script");
    Script::parse(script)
        .and_then(|s| s.eval(&case["input"]))
        .unwrap_or_else(|e| panic!("{}: {e}", case["name"]))
}

#[test]
fn corpus_gives_the_recorded_results() {
    for case in corpus() {
        assert_eq!(stepwise(&case), case["want"], "{}", case["name"]);
    }
}

/// Node's answers for `cases` (`[{name, script, input}]`).
fn node(cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg(ORACLE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("corpus_agrees_with_node needs node on PATH: {e}"));
    child
        .stdin
        .take()
        .expect("node's stdin is piped")
        .write_all(Value::from(cases.to_vec()).to_string().as_bytes())
        .expect("node reads the corpus");
    let output = child.wait_with_output().expect("node runs");
    assert!(output.status.success(), "node failed");
    let answers: Vec<Value> = serde_json::from_slice(&output.stdout).expect("node writes JSON");
    assert_eq!(answers.len(), cases.len());
    answers
}

#[test]
#[ignore = "needs node"]
fn corpus_agrees_with_node() {
    let cases = corpus();
    let answers = node(&cases);
    for (case, answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer["ok"], case["want"],
            "node, {}: {answer}",
            case["name"]
        );
        assert_eq!(stepwise(case), answer["ok"], "{}", case["name"]);
    }
}

/// The INLINE task of `case`: as in Conductor, its `$` is the task's whole input, the
/// `evaluatorType` and `expression` beside the case's own input.
fn inline_input(case: &Value) -> Map<String, Value> {
    let mut input = case["input"]
        .as_object()
        .cloned()
        .expect("inputs are objects");
    input.insert("evaluatorType".into(), json!("graaljs"));
    input.insert("expression".into(), case["script"].clone());
    input
}

/// `inline_input` as written in a workflow: a template literal's `${` escaped as `$${`, as a
/// Conductor user must (Conductor resolves `${...}` in every input parameter, the expression
/// too, before the script runs).
fn as_written(case: &Value) -> Map<String, Value> {
    let mut input = inline_input(case);
    let script = case["script"].as_str().unwrap_or_default();
    input.insert("expression".into(), json!(script.replace("${", "$${")));
    input
}

/// One workflow of an INLINE task per case, its output each task's `result` by case number.
fn corpus_workflow(cases: &[Value]) -> Value {
    let tasks: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            json!({"name": format!("case_{i}"), "taskReferenceName": format!("case_{i}"),
                   "type": "INLINE", "inputParameters": as_written(case)})
        })
        .collect();
    let outputs: Map<String, Value> = (0..cases.len())
        .map(|i| {
            (
                format!("case_{i}"),
                json!(format!("${{case_{i}.output.result}}")),
            )
        })
        .collect();
    json!({"name": "js_corpus", "version": 1, "schemaVersion": 2, "tasks": tasks,
           "outputParameters": outputs})
}

/// Checks a workflow's output against Node's answers for the cases as the workflow runs them.
fn agrees(how: &str, output: &Value, cases: &[Value], answers: &[Value]) {
    for (i, (case, answer)) in cases.iter().zip(answers).enumerate() {
        assert!(
            answer.get("ok").is_some(),
            "node, {}: {answer}",
            case["name"]
        );
        assert_eq!(
            output[format!("case_{i}")],
            answer["ok"],
            "{how}, {}: {}",
            case["name"],
            case["script"]
        );
    }
}

#[test]
#[ignore = "needs node"]
fn corpus_agrees_with_node_through_run_and_serve() {
    let cases = corpus();
    let as_run: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c["name"], "script": c["script"], "input": inline_input(c)}))
        .collect();
    let answers = node(&as_run);
    let workflow = corpus_workflow(&cases);

    let file = std::env::temp_dir().join(format!("stepwise-js-corpus-{}.json", std::process::id()));
    std::fs::write(&file, workflow.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["run", "--format", "json"])
        .arg(&file)
        .env_remove("STEPWISE_DB")
        .output()
        .expect("the binary runs");
    let _ = std::fs::remove_file(&file);
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(doc["status"], "COMPLETED", "{doc}");
    agrees("stepwise run", &doc["output"], &cases, &answers);

    let server = support::Server::start("js-corpus", &[]);
    let (status, body) = support::rest::call(
        &server,
        "POST",
        "/api/metadata/workflow",
        &workflow.to_string(),
    );
    assert!(status < 300, "{status}: {body}");
    let (status, id) = support::rest::call(&server, "POST", "/api/workflow/js_corpus", "{}");
    assert!(status < 300, "{status}: {id}");
    let done = support::wait_for(
        "the corpus workflow to complete",
        std::time::Duration::from_secs(30),
        || {
            let (_, body) = support::rest::call(&server, "GET", &format!("/api/workflow/{id}"), "");
            let wf: Value = serde_json::from_str(&body).ok()?;
            (wf["status"] != "RUNNING").then_some(wf)
        },
    );
    assert_eq!(done["status"], "COMPLETED", "{done}");
    agrees("serve", &done["output"], &cases, &answers);
}
