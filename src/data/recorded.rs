//! The executions recorded against real AWS Step Functions (`aws-recorded.jsonl`), which the
//! conformance tests read. The file is reference data kept beside the project, never copied
//! into it: `STEPWISE_CONFORMANCE` names it, else `../shared/conformance/aws-recorded.jsonl`
//! next to the clone. The tests that read it are `#[ignore]`d and named `recorded_aws_*`, so
//! `scripts/test` can run them when the file is there and say so when it is not; run without
//! it, they fail saying how to get it rather than pass having checked nothing.
//!
//! Shared by the unit tests (`data::intrinsic`, `data::choice`) and `tests/conformance.rs`,
//! which includes this file by path.
#![allow(clippy::disallowed_methods)] // an edge of the tests: reads the environment

use std::path::PathBuf;

/// Why the corpus tests are ignored; the same words as their `#[ignore = ...]`.
pub const NEEDS: &str = "needs the recorded AWS corpus: ../shared/conformance beside the clone, or STEPWISE_CONFORMANCE=FILE";

/// Where the corpus is: `STEPWISE_CONFORMANCE`, else beside the clone.
pub fn path() -> PathBuf {
    match std::env::var_os("STEPWISE_CONFORMANCE").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/conformance/aws-recorded.jsonl"),
    }
}

/// The corpus's text; without it, a failure saying how to provide it.
pub fn text() -> String {
    let path = path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): this test {NEEDS}. Put the project's shared/conformance folder beside the clone, point STEPWISE_CONFORMANCE at aws-recorded.jsonl, or run scripts/test (it runs these tests only when the file is there)",
            path.display()
        )
    })
}
