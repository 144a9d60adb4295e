//! `stepwise graph`: every example state machine drawn as DOT, as Mermaid and as stepwise's own
//! SVG, naming every state; every example (and the Conductor workflows, and a generated large
//! machine) laid out with no two boxes overlapping and every state inside its scope.
#![allow(clippy::disallowed_methods)] // an edge: runs the binary

use serde_json::{Value, json};
use std::process::Command;
use stepwise::graph::{self, Graph, layout::Rect};

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
        let svg = graph(file, "svg");
        well_formed(&svg).unwrap_or_else(|e| panic!("{file}: {e}"));
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
            assert!(
                svg.contains(&format!("data-state=\"{}\"", name.replace('"', "&quot;"))),
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
fn templates_and_placeholders_are_drawn_too_and_svg_is_built_in() {
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
    let svg = graph(&format!("{root}/examples/nested/child.asl.json"), "svg");
    assert!(svg.starts_with("<svg "), "{svg}");
    well_formed(&svg).unwrap();
}

#[test]
fn svg_is_the_default_for_an_svg_output_and_workflows_are_drawn_too() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = std::env::temp_dir().join(format!("stepwise-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("shipping.svg");
    let status = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "graph",
            &format!("{root}/state-machines/conductor/shipping_workflow.json"),
            "-o",
        ])
        .arg(&out)
        .status()
        .expect("stepwise runs");
    assert!(status.success());
    let svg = std::fs::read_to_string(&out).unwrap();
    well_formed(&svg).unwrap();
    for name in [
        "make_label_ref",
        "pick_carrier_ref",
        "local_courier_ref",
        "national_post_ref",
    ] {
        assert!(svg.contains(&format!("data-state=\"{name}\"")), "{name}");
    }
    let dot = graph(
        &format!("{root}/state-machines/conductor/event_testing.json"),
        "dot",
    );
    assert!(
        dot.contains("subgraph cluster_") && dot.contains("join_ref"),
        "{dot}"
    );
    let mermaid = graph(
        &format!("{root}/state-machines/conductor/docusign.json"),
        "mermaid",
    );
    assert!(mermaid.contains("human_docusign_step_ref"), "{mermaid}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every example definition (ASL, JSON or YAML, and Conductor workflows), as a graph.
fn every_graph() -> Vec<(String, Graph, Vec<String>)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    let mut files = Vec::new();
    for dir in [
        "state-machines",
        "state-machines/conductor",
        "fixtures/nested",
    ] {
        for e in std::fs::read_dir(format!("{root}/{dir}"))
            .expect("a directory")
            .flatten()
        {
            files.push(e.path());
        }
    }
    let mut stack = vec![std::path::PathBuf::from(format!("{root}/examples"))];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).expect("a directory").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    for path in files {
        let file = path.to_string_lossy().into_owned();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let doc: Option<Value> = if file.ends_with(".asl.yaml") {
            yaml_serde::from_str(&text).ok()
        } else if file.ends_with(".json") && !file.ends_with(".handlers.json") {
            serde_json::from_str(&text).ok()
        } else {
            None
        };
        let Some(doc) = doc else { continue };
        if doc["States"].is_object() {
            let mut all = Vec::new();
            names(&doc, &mut all);
            out.push((file, graph::of_definition(&doc), all));
        } else if doc["tasks"].is_array() {
            let mut all = Vec::new();
            task_names(&doc["tasks"], &mut all);
            out.push((file, graph::workflow::of_workflow(&doc), all));
        }
    }
    out
}

/// The task reference names of a Conductor task list, at any depth.
fn task_names(tasks: &Value, into: &mut Vec<String>) {
    for t in tasks.as_array().into_iter().flatten() {
        into.push(
            t["taskReferenceName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        for case in t["decisionCases"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            task_names(case, into);
        }
        task_names(&t["defaultCase"], into);
        task_names(&t["loopOver"], into);
        for branch in t["forkTasks"].as_array().into_iter().flatten() {
            task_names(branch, into);
        }
    }
}

/// No two boxes overlap unless one holds the other; every state lies in its scope, every
/// scope in its owner and its parent scope; every edge path stays in the drawing.
fn check_layout(file: &str, g: &Graph) {
    let l = graph::layout::layout(g);
    assert_eq!(l.nodes.len(), g.nodes.len(), "{file}");
    // Each box with the boxes it lies inside.
    let mut boxes: Vec<(String, Rect, Vec<String>)> = Vec::new();
    let scope_chain = |mut s: Option<usize>| {
        let mut chain = Vec::new();
        while let Some(i) = s {
            chain.push(format!("scope {i}"));
            let owner = g.scopes[i].owner.clone().unwrap_or_default();
            chain.push(format!("node {owner}"));
            s = g.scopes[i].parent;
        }
        chain
    };
    for (i, n) in g.nodes.iter().enumerate() {
        boxes.push((
            format!("node {}", n.id),
            l.nodes[i].rect,
            scope_chain(n.scope),
        ));
        if let Some(s) = n.scope {
            assert!(
                l.scopes[s].contains(&l.nodes[i].rect),
                "{file}: {} outside its scope",
                n.name
            );
        }
        assert!(
            l.nodes[i].rect.w > 0.0 && l.nodes[i].rect.h > 0.0,
            "{file}: {}",
            n.name
        );
    }
    for (s, scope) in g.scopes.iter().enumerate() {
        let mut chain = scope_chain(Some(s));
        chain.remove(0);
        boxes.push((format!("scope {s}"), l.scopes[s], chain));
        let owner = g
            .nodes
            .iter()
            .position(|n| Some(&n.id) == scope.owner.as_ref())
            .unwrap();
        assert!(
            l.nodes[owner].rect.contains(&l.scopes[s]),
            "{file}: {} outside its state",
            scope.label
        );
        if let Some(p) = scope.parent {
            assert!(
                l.scopes[p].contains(&l.scopes[s]),
                "{file}: {} outside its parent",
                scope.label
            );
        }
    }
    for (name, r) in [("start", l.start), ("end", l.end)] {
        if let Some(r) = r {
            boxes.push((name.to_string(), r, Vec::new()));
        }
    }
    for (a, ra, ancestors_a) in &boxes {
        for (b, rb, ancestors_b) in &boxes {
            if a < b && !ancestors_a.contains(b) && !ancestors_b.contains(a) {
                assert!(!ra.overlaps(rb), "{file}: {a} {ra:?} overlaps {b} {rb:?}");
            }
        }
    }
    let whole = Rect {
        x: 0.0,
        y: 0.0,
        w: l.width,
        h: l.height,
    };
    for (_, r, _) in &boxes {
        assert!(whole.contains(r), "{file}: {r:?} outside the drawing");
    }
    for e in &l.edges {
        assert!(e.points.len() >= 2, "{file}");
        for &(x, y) in &e.points {
            assert!(
                x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0,
                "{file}: {e:?}"
            );
            assert!(x <= l.width + 0.01 && y <= l.height + 0.01, "{file}: {e:?}");
        }
    }
}

/// A small well-formedness check: tags nest and close, attributes are quoted, entities known.
fn well_formed(xml: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    let mut roots = 0;
    while let Some(lt) = rest.find('<') {
        entities(&rest[..lt])?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unclosed comment")?;
            rest = &after[end + 3..];
            continue;
        }
        let gt = tag_end(rest)
            .ok_or_else(|| format!("unclosed tag at {}", &rest[..rest.len().min(40)]))?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or_else(|| format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad tag name in <{tag}>"));
        }
        attributes(&body[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
    }
    entities(rest)?;
    if !stack.is_empty() || roots != 1 || !rest.trim().is_empty() {
        return Err(format!("unclosed {stack:?} or {roots} roots"));
    }
    Ok(())
}

/// Where a tag ends: the first `>` outside a quoted attribute value.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            (None, '<') if i > 0 => return None,
            (Some(_), '<') => return None,
            _ => {}
        }
    }
    None
}

fn attributes(s: &str) -> Result<(), String> {
    let mut rest = s.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("attribute without value: {rest}"))?;
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {name:?}"));
        }
        let value = rest[eq + 1..].trim_start();
        let q = value
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or("unquoted attribute")?;
        let end = value[1..].find(q).ok_or("unterminated attribute")?;
        entities(&value[1..1 + end])?;
        rest = value[end + 2..].trim_start();
    }
    Ok(())
}

fn entities(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("stray < in {text}"));
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or_else(|| format!("bare & in {text}"))?;
        let name = &after[..semi];
        let known = ["amp", "lt", "gt", "quot", "apos"].contains(&name)
            || name
                .strip_prefix('#')
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty());
        if !known {
            return Err(format!("unknown entity &{name};"));
        }
        rest = &after[semi + 1..];
    }
    Ok(())
}

#[test]
fn every_example_lays_out_without_overlap_and_its_svg_names_every_state() {
    let all = every_graph();
    assert!(all.len() >= 15, "{}", all.len());
    assert!(
        all.iter()
            .filter(|(f, ..)| f.contains("/conductor/"))
            .count()
            >= 4
    );
    for (file, g, names) in &all {
        check_layout(file, g);
        let svg = graph::svg::render(g, "example <&>", None);
        well_formed(&svg).unwrap_or_else(|e| panic!("{file}: {e}"));
        for name in names {
            let escaped = name
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&apos;");
            assert!(
                svg.contains(&format!("data-state=\"{escaped}\"")),
                "{file}: {name}"
            );
            assert!(
                svg.contains(&format!("<title>{escaped}&#10;")),
                "{file}: {name}"
            );
        }
        // Deterministic.
        assert_eq!(svg, graph::svg::render(g, "example <&>", None), "{file}");
    }
}

/// A 60-odd state machine: chains, choices, a retry loop, a Parallel of three branches, a Map.
fn big_machine() -> Value {
    let mut states = serde_json::Map::new();
    let chain = |prefix: &str, n: usize, end: &str, states: &mut serde_json::Map<String, Value>| {
        for i in 0..n {
            let next = if i + 1 == n {
                end.to_string()
            } else {
                format!("{prefix} {}", i + 1)
            };
            states.insert(
                format!("{prefix} {i}"),
                json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": next,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Give up"}]}),
            );
        }
    };
    chain("Prepare step", 12, "Route", &mut states);
    states.insert("Route".into(), json!({"Type": "Choice", "Choices": [
        {"Variable": "$.kind", "StringEquals": "bulk", "Next": "Bulk 0"},
        {"Variable": "$.kind", "StringEquals": "express", "Next": "Express 0"},
        {"Variable": "$.retry", "BooleanEquals": true, "Next": "Prepare step 3"}], "Default": "Fan out"}));
    chain("Bulk", 8, "Fan out", &mut states);
    chain("Express", 5, "Wait a bit", &mut states);
    states.insert(
        "Wait a bit".into(),
        json!({"Type": "Wait", "Seconds": 5, "Next": "Check again"}),
    );
    states.insert("Check again".into(), json!({"Type": "Choice", "Choices": [
        {"Variable": "$.done", "BooleanEquals": false, "Next": "Wait a bit"}], "Default": "Fan out"}));
    let branch = |p: &str, n: usize| {
        let mut s = serde_json::Map::new();
        for i in 0..n {
            let mut st = json!({"Type": "Pass"});
            if i + 1 == n {
                st["End"] = json!(true)
            } else {
                st["Next"] = json!(format!("{p} {}", i + 1))
            }
            s.insert(format!("{p} {i}"), st);
        }
        json!({"StartAt": format!("{p} 0"), "States": s})
    };
    states.insert("Fan out".into(), json!({"Type": "Parallel", "Branches": [branch("Left", 4), branch("Middle", 6), branch("Right", 3)],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Give up"}], "Next": "Each item"}));
    states.insert(
        "Each item".into(),
        json!({"Type": "Map", "ItemProcessor": branch("Item step", 5), "Next": "Finish 0"}),
    );
    // Long and wide names wrap; names are text, so markup in them is escaped.
    let long = "Send the confirmation email to the customer & wait for <the> reply";
    chain("Finish", 10, long, &mut states);
    states.insert(
        long.into(),
        json!({"Type": "Pass", "Next": "注文を確認して発送の準備をする"}),
    );
    states.insert(
        "注文を確認して発送の準備をする".into(),
        json!({"Type": "Pass", "Next": "Done"}),
    );
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    states.insert(
        "Give up".into(),
        json!({"Type": "Fail", "Error": "Gave.Up"}),
    );
    json!({"StartAt": "Prepare step 0", "States": states})
}

#[test]
fn a_large_machine_lays_out_without_overlap() {
    let def = big_machine();
    let g = graph::of_definition(&def);
    assert!(g.nodes.len() >= 60, "{}", g.nodes.len());
    check_layout("big", &g);
    let svg = graph::svg::render(&g, "big", None);
    well_formed(&svg).unwrap();
    let mut all = Vec::new();
    names(&def, &mut all);
    for name in all {
        let escaped = name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(svg.contains(&format!("data-state=\"{escaped}\"")), "{name}");
    }
}

#[test]
fn the_well_formedness_check_catches_broken_xml() {
    assert!(well_formed("<svg><g></g></svg>").is_ok());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg>a & b</svg>").is_err());
    assert!(well_formed("<svg a=\"<\"/>").is_err());
}

/// `graph --execution ARN --db DB`: an execution run with `stepwise run --db` drawn from the
/// database, each state marked by what happened, the failing state's cause on it.
#[test]
fn an_execution_is_drawn_from_the_database() {
    let dir = std::env::temp_dir().join(format!("stepwise-graph-exec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("db");
    let db = db.to_str().unwrap();
    let bin = env!("CARGO_BIN_EXE_stepwise");
    let run = Command::new(bin)
        .args([
            "run",
            "--db",
            db,
            "--mock-config",
            "state-machines/MockConfigFile.json",
        ])
        .args([
            "--test-case",
            "OutOfStock",
            "--name",
            "inventory-verification",
        ])
        .args(["state-machines/inventory-verification.asl.json", "--input"])
        .arg(r#"{"orderId": "1002", "item": "lamp", "quantity": 3}"#)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "the order fails: {run:?}");
    let listed = Command::new(bin)
        .args(["executions", "list", "--db", db])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let arn = listed["executions"][0]["executionArn"].as_str().unwrap();
    let out = Command::new(bin)
        .args(["graph", "--execution", arn, "--db", db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let svg = String::from_utf8(out.stdout).unwrap();
    well_formed(&svg).unwrap();
    for (state, status) in [
        ("VerifyInventory", "succeeded"),
        ("InStock?", "succeeded"),
        ("OutOfStock", "failed"),
        ("ConfirmOrder", "not-reached"),
        ("RejectOrder", "not-reached"),
    ] {
        assert!(
            svg.contains(&format!("data-state=\"{state}\" data-status=\"{status}\"")),
            "{state} {status}: {svg}"
        );
    }
    assert!(
        svg.contains("Order 1002: only 1 of lamp left"),
        "the cause: {svg}"
    );
    let missing = Command::new(bin)
        .args([
            "graph",
            "--execution",
            "arn:aws:states:us-east-1:123456789012:execution:x:y",
            "--db",
            db,
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("executions list"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `test --coverage --graph DIR`: a picture per definition, what no case exercised not reached.
#[test]
fn a_suites_coverage_is_drawn_per_definition() {
    let dir = std::env::temp_dir().join(format!("stepwise-graph-cov-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args([
            "test",
            "state-machines/",
            "--mock-config",
            "state-machines/MockConfigFile.json",
        ])
        .args(["--coverage", "--graph"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let svg = std::fs::read_to_string(dir.join("wait-and-retry.svg")).unwrap();
    well_formed(&svg).unwrap();
    assert!(
        svg.contains("data-state=\"GaveUp\" data-status=\"not-reached\""),
        "{svg}"
    );
    assert!(
        svg.contains("data-state=\"Finished\" data-status=\"succeeded\""),
        "{svg}"
    );
    assert!(svg.contains("coverage: 7 of 9"), "{svg}");
    for name in [
        "inventory-verification",
        "order-processing",
        "order-pricing-jsonata",
    ] {
        assert!(dir.join(format!("{name}.svg")).exists(), "{name}.svg");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
