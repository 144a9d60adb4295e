//! The Conductor JavaScript corpus (`tests/conductor_js/corpus.json`): scripts in the style of
//! Conductor's documentation and users' INLINE tasks, each with an input `$` and the result
//! Node.js gave (`want`, converted as Conductor converts a GraalJS value). One test checks
//! stepwise against the recorded results; the ignored one runs Node.js itself
//! (`tests/conductor_js/oracle.js`) as the oracle, so the recorded results can be trusted.

use serde_json::Value;
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

#[test]
#[ignore = "needs node"]
fn corpus_agrees_with_node() {
    let cases = corpus();
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
        .write_all(CORPUS.as_bytes())
        .expect("node reads the corpus");
    let output = child.wait_with_output().expect("node runs");
    assert!(output.status.success(), "node failed");
    let answers: Vec<Value> = serde_json::from_slice(&output.stdout).expect("node writes JSON");
    assert_eq!(answers.len(), cases.len());
    for (case, answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer["ok"], case["want"],
            "node, {}: {answer}",
            case["name"]
        );
        assert_eq!(stepwise(case), answer["ok"], "{}", case["name"]);
    }
}
