//! Conductor's `${...}` parameter expressions and its JavaScript (on the embedded engine).

use super::{Corpus, WithDocument, corpus};
use crate::harness::corpus::rust_literals;
use serde_json::Value;
use stepwise::conductor::document::resolve_in;
use stepwise::conductor::expr::{expand_inline_json, java_to_string};
use stepwise::conductor::js::Script;

const EXPR_TOKENS: &[&str] = &[
    "${",
    "}",
    "$${",
    "${workflow.input.a}",
    "${CPEWF_TASK_ID}",
    "${t1.output.x}",
    "[",
    "]",
    "['a.b']",
    "[0]",
    "[${i}]",
    ".",
    "..",
    "*",
    "$.",
    "workflow.input",
    "{\"a\": 1}",
    "[1,2]",
    " ",
    "${}",
    "${   }",
];

pub fn expressions(corpus: &Corpus) -> WithDocument {
    let mut seeds =
        corpus.strings_where(|s| s.contains("${"), &["${a ${b}", "$${x}", "${x[${i}]}"]);
    seeds.extend(
        rust_literals("src/conductor/expr.rs")
            .into_iter()
            .filter(|s| s.contains("${")),
    );
    WithDocument::new(seeds, EXPR_TOKENS, |text, doc| {
        let template = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()));
        let resolved = resolve_in(doc, &template, Some("task-1"));
        let _ = java_to_string(&resolved);
        let _ = expand_inline_json(&resolved);
        let _ = resolve_in(doc, &Value::String(text.into()), None);
    })
}

const JS_TOKENS: &[&str] = &[
    "$",
    "$.a",
    "$['a']",
    "(function(){",
    "return ",
    "})()",
    "function e() {",
    "} e();",
    "var ",
    "let ",
    "const ",
    "if (",
    ") {",
    "} else {",
    "}",
    "{",
    "(",
    ")",
    "[",
    "]",
    ";",
    "==",
    "===",
    "!=",
    "!==",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "typeof ",
    "'a'",
    "\"b\"",
    "1e309",
    "-0",
    "0x1f",
    "NaN",
    "Infinity",
    "undefined",
    "null",
    ".length",
    ".indexOf(",
    ".substring(",
    ".split(",
    ".join(",
    ".map(",
    ".toString(",
    "JSON.stringify(",
    "JSON.parse(",
    "Math.max(",
    "parseInt(",
    "=>",
    "x",
    "x = ",
    "++",
    "--",
    "<<",
    ">>>",
    "~",
];

pub fn scripts() -> WithDocument {
    let mut seeds: Vec<String> = rust_literals("src/conductor/js/tests.rs")
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    seeds.extend(corpus().strings_where(
        |s| s.contains("$.") && !s.starts_with('$') && !s.contains("${"),
        &["(function(){ return $.a; })()"],
    ));
    WithDocument::new(seeds, JS_TOKENS, |text, doc| {
        if let Ok(script) = Script::parse(text) {
            let _ = script.eval(doc);
        }
    })
}
