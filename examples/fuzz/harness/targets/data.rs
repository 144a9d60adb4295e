//! The data language: JSONPath, intrinsic functions, JSONata fields, Choice rules.

use super::{Corpus, Rng, Target, WithDocument, mutate};
use crate::harness::corpus::rust_literals;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;
use stepwise::data::choice::Condition;
use stepwise::data::intrinsic::{Call, Env};
use stepwise::data::jsonata::{self, Bindings, Jsonata, Limits, QueryEngine};
use stepwise::data::jsonpath::{Path, PathError};

const PATH_TOKENS: &[&str] = &[
    "$",
    "$$",
    "@",
    ".",
    "..",
    "*",
    "[",
    "]",
    "[*]",
    "['a']",
    "[\"b\"]",
    "[0]",
    "[-1]",
    "[1:]",
    "[::-1]",
    "[0:10:0]",
    "[?(@.a)]",
    "[?(@.a == 1)]",
    "[?(@ > 3 && @ < 5)]",
    "[?(!@.x)]",
    "[?(@.a == $.b)]",
    "[?(",
    ")]",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "&&",
    "||",
    "!",
    "=~",
    ".length()",
    "'",
    "\"",
    ",",
    ":",
    "a",
    "b",
    "$.a",
    "$$.Execution.Input",
    "$var",
    "[0,1]",
    "['a','b']",
    "true",
    "null",
    "1.5e3",
    "-",
    " ",
];

const INTRINSIC_TOKENS: &[&str] = &[
    "States.Format(",
    "States.StringToJson(",
    "States.JsonToString(",
    "States.Array(",
    "States.ArrayPartition(",
    "States.ArrayContains(",
    "States.ArrayRange(",
    "States.ArrayGetItem(",
    "States.ArrayLength(",
    "States.ArrayUnique(",
    "States.Base64Encode(",
    "States.Base64Decode(",
    "States.Hash(",
    "States.JsonMerge(",
    "States.MathRandom(",
    "States.MathAdd(",
    "States.StringSplit(",
    "States.UUID(",
    ")",
    ",",
    "'",
    "\\'",
    "\\{",
    "{}",
    "$",
    "$.a",
    "$$.Execution.Id",
    "$var",
    "'SHA-256'",
    "'MD5'",
    "1",
    "-1",
    "0",
    "1.5",
    "2147483648",
    "-2147483649",
    "null",
    "true",
    "'{\"a\":1}'",
];

const JSONATA_TOKENS: &[&str] = &[
    "$states",
    "$states.input",
    "$states.context",
    "$",
    "$$",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "..",
    ".",
    "*",
    "**",
    "%",
    "&",
    "?",
    ":",
    ";",
    ":=",
    "function($x){",
    "λ($x){",
    "~>",
    "$sum(",
    "$count(",
    "$string(",
    "$number(",
    "$map(",
    "$filter(",
    "$reduce(",
    "$sort(",
    "$match(",
    "$replace(",
    "$split(",
    "$join(",
    "$eval(",
    "$range(",
    "$partition(",
    "$hash(",
    "$random()",
    "$uuid()",
    "$parse(",
    "$now()",
    "$millis()",
    "$formatNumber(",
    "$formatInteger(",
    "$fromMillis(",
    "$toMillis(",
    "$pad(",
    "$substring(",
    "/a+/",
    "`a b`",
    "1..100",
    "[1..9]",
    "and",
    "or",
    "in",
    "=",
    "!=",
    "<",
    "<=",
    "\"s\"",
    "'s'",
    "1e308",
    "-0",
    "@$x",
    "#$i",
    "^(a)",
];

pub fn jsonpath(corpus: &Corpus) -> WithDocument {
    let mut seeds = corpus.strings_where(|s| s.starts_with('$'), &["$", "$$", "$.a[*].b"]);
    seeds.extend(
        rust_literals("src/data/jsonpath/tests.rs")
            .into_iter()
            .filter(|s| s.starts_with('$')),
    );
    WithDocument::new(seeds, PATH_TOKENS, |text, doc| match Path::parse(text) {
        Ok(path) => {
            assert_eq!(path.source(), text);
            let _ = path.select(doc);
            let _ = path.set(doc.clone(), json!({"set": true}));
        }
        Err(e) => assert!(!e.message.is_empty(), "an empty parse error for {text:?}"),
    })
}

/// Resolves path arguments in one document, as the engine's scope would.
struct DocEnv<'a>(&'a Value, u64);

impl Env for DocEnv<'_> {
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError> {
        path.select(self.0).map(|v| v.into_owned())
    }

    fn random_u64(&mut self) -> u64 {
        self.1 = self.1.wrapping_mul(6364136223846793005).wrapping_add(1);
        self.1
    }
}

pub fn intrinsic(corpus: &Corpus) -> WithDocument {
    let mut seeds =
        corpus.strings_where(|s| s.starts_with("States."), &["States.Format('{}', $.a)"]);
    seeds.extend(
        rust_literals("src/data/intrinsic/tests.rs")
            .into_iter()
            .filter(|s| s.starts_with("States.")),
    );
    WithDocument::new(seeds, INTRINSIC_TOKENS, |text, doc| {
        match Call::parse(text) {
            Ok(call) => {
                let _ = call.paths();
                let _ = call.eval(&mut DocEnv(doc, 7));
            }
            Err(e) => assert!(!e.is_empty(), "an empty parse error for {text:?}"),
        }
    })
}

/// AWS's limits but a shorter time budget: a runaway expression is found as well in 50 ms.
fn engine() -> &'static Jsonata {
    static ENGINE: OnceLock<Jsonata> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Jsonata::new(Limits {
            time: Some(Duration::from_millis(50)),
            ..Limits::AWS
        })
    })
}

pub fn jsonata(corpus: &Corpus) -> WithDocument {
    let mut seeds: Vec<String> = corpus.jsonata.clone();
    for s in &corpus.strings {
        if let Some(e) = jsonata::expression(s) {
            seeds.push(e.to_string());
        }
    }
    WithDocument::new(seeds, JSONATA_TOKENS, |text, doc| {
        let mut execution = serde_json::Map::new();
        execution.insert("Input".into(), doc.clone());
        let context = Value::Object(serde_json::Map::from_iter([(
            "Execution".into(),
            Value::Object(execution),
        )]));
        let bindings = Bindings::new(doc)
            .context(&context)
            .now_millis(0)
            .random_seed(1);
        if jsonata::shared().check(text).is_ok() {
            let _ = engine().evaluate(text, &bindings);
        }
    })
}

const CHOICE_TOKENS: &[&str] = &[
    "Variable",
    "Next",
    "And",
    "Or",
    "Not",
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericGreaterThanEqualsPath",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThanPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
    "Condition",
    "Assign",
    "Comment",
    "$",
    "$.a",
    "$.b[0]",
    "$$.Execution.Input",
    "$v",
    "*",
    "a*b",
    "\\*",
    "2016-03-14T01:59:00Z",
    "2016-03-14T01:59:00.123+01:00",
    "{% $states.input.a %}",
];

/// Choice rules: parse, then evaluate against a document; evaluation must be total.
pub struct Choice {
    rules: Vec<Value>,
    documents: WithDocument,
}

impl Choice {
    pub fn new(corpus: &Corpus) -> Choice {
        let mut rules = corpus.choice_rules.clone();
        rules.push(json!({"Variable": "$.a", "NumericEquals": 1, "Next": "X"}));
        rules.push(json!({"Not": {"Variable": "$.a", "IsPresent": true}, "Next": "X"}));
        Choice {
            rules,
            documents: WithDocument::new(vec![], CHOICE_TOKENS, |_, _| ()),
        }
    }
}

impl Target for Choice {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        let mut rule = rng.pick(&self.rules).clone();
        for _ in 0..rng.below(3) {
            mutate::json(rng, &mut rule, CHOICE_TOKENS);
        }
        let document = super::document(rng, &self.documents.documents, CHOICE_TOKENS);
        format!("{rule}{}{document}", super::SEPARATOR).into_bytes()
    }

    fn run(&mut self, input: &[u8]) {
        let input = String::from_utf8_lossy(input);
        let (rule, document) = input
            .split_once(super::SEPARATOR)
            .unwrap_or((&input, "null"));
        let Ok(rule) = serde_json::from_str::<Value>(rule) else {
            return;
        };
        let document: Value = serde_json::from_str(document).unwrap_or(Value::Null);
        let mut diags = Vec::new();
        let Some(condition) = Condition::parse(&rule, "/States/C/Choices/0", true, &mut diags)
        else {
            assert!(
                !diags.is_empty(),
                "a rule refused without a diagnostic: {rule}"
            );
            return;
        };
        let _ = condition.eval(&mut |path: &Path| match path.select(&document) {
            Ok(v) => Ok(Some(v.into_owned())),
            Err(PathError::NoResults { .. } | PathError::MissingProperty { .. }) => Ok(None),
            Err(e) => Err(e),
        });
    }
}
