//! The bounded fuzz run of the test suite: every target of `scripts/fuzz` for a fixed number of
//! inputs from a fixed seed, so a failure here reproduces with
//! `scripts/fuzz --replay TARGET FILE` on the input it prints (or by rerunning this test).

#[path = "../examples/fuzz/harness/mod.rs"]
#[allow(dead_code)]
mod harness;

/// Runs `count` inputs of `target` and fails listing every panic with its input.
fn fuzz(target: &str, count: u64) {
    harness::quiet_panics();
    let mut t = harness::target(target).expect("a known target");
    let (findings, ran) = harness::run_range(&mut *t, 15, 0, count, &mut |_, _| true);
    assert_eq!(ran, count);
    let report: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}\n  input: {:?}",
                f.message,
                String::from_utf8_lossy(&f.input)
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "{target}: {} panic(s):\n{}",
        findings.len(),
        report.join("\n")
    );
}

#[test]
fn asl_loader() {
    fuzz("asl", 3_000);
}

#[test]
fn jsonpath() {
    fuzz("jsonpath", 20_000);
}

#[test]
fn intrinsic_functions() {
    fuzz("intrinsic", 20_000);
}

#[test]
fn jsonata_fields() {
    fuzz("jsonata", 3_000);
}

#[test]
fn choice_rules() {
    fuzz("choice", 20_000);
}

#[test]
fn conductor_expressions() {
    fuzz("conductor-expr", 10_000);
}

#[test]
fn conductor_scripts() {
    fuzz("conductor-js", 10_000);
}

#[test]
fn step_functions_api() {
    fuzz("sfn-api", 2_000);
}

#[test]
fn sqs_api() {
    fuzz("sqs-api", 2_000);
}

#[test]
fn conductor_api() {
    fuzz("conductor-api", 2_000);
}
