//! `stepwise graph`: every example state machine drawn as DOT and as Mermaid, naming every state.
#![allow(clippy::disallowed_methods)] // an edge: runs the binary

use std::process::Command;

fn graph(file: &str, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["graph", file, "--format", format])
        .output()
        .expect("stepwise runs");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The state names of a definition, at any depth.
fn names(v: &serde_json::Value, into: &mut Vec<String>) {
    if let Some(states) = v["States"].as_object() {
        for (name, state) in states {
            into.push(name.clone());
            for branch in state["Branches"].as_array().into_iter().flatten() {
                names(branch, into);
            }
            if let Some(p) = state.get("ItemProcessor").or_else(|| state.get("Iterator")) {
                names(p, into);
            }
        }
    }
}

#[test]
fn every_example_is_drawn_with_every_state_named() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files: Vec<String> = Vec::new();
    for dir in [
        "state-machines",
        "examples/nested",
        "examples/distributed",
        "fixtures/nested",
    ] {
        for e in std::fs::read_dir(format!("{root}/{dir}"))
            .expect("a directory")
            .flatten()
        {
            let p = e.path().to_string_lossy().into_owned();
            if p.ends_with(".asl.json") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 10, "{files:?}");
    for file in &files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("JSON");
        let mut all = Vec::new();
        names(&doc, &mut all);
        let dot = graph(file, "dot");
        let mermaid = graph(file, "mermaid");
        assert!(
            dot.starts_with("digraph ") && dot.trim_end().ends_with('}'),
            "{file}"
        );
        assert!(mermaid.starts_with("flowchart TD"), "{file}");
        for name in &all {
            let shown = name.replace('"', "\\\"");
            assert!(
                dot.contains(&format!("label=\"{shown}\\n")),
                "{file}: {name} not in\n{dot}"
            );
            assert!(
                mermaid.contains(&name.replace('"', "#quot;")),
                "{file}: {name}"
            );
        }
        // Nested scopes are clusters; their count matches the branches and processors.
        let scopes = dot.matches("subgraph cluster_").count();
        assert_eq!(
            scopes,
            mermaid.matches("\n  subgraph ").count()
                + mermaid.matches("\n    subgraph ").count()
                + mermaid.matches("\n      subgraph ").count(),
            "{file}"
        );
    }
}

#[test]
fn templates_and_placeholders_are_drawn_too_and_svg_says_what_to_do() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "graph",
            &format!("{root}/examples/sam/template.yaml"),
            "--state-machine",
            "OrdersStateMachine",
            "--format",
            "mermaid",
        ])
        .output()
        .expect("stepwise runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Confirm"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "graph",
            &format!("{root}/examples/nested/child.asl.json"),
            "--format",
            "svg",
        ])
        .output()
        .expect("stepwise runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dot -Tsvg"));
}
