//! Properties of the parsers and evaluators that read what users send, checked with proptest on
//! a few hundred generated cases each (a few seconds in all). `scripts/fuzz` runs the same code
//! for volume; these state what must hold beyond "no panic".

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use stepwise::data::choice::Condition;
use stepwise::data::intrinsic::{Call, Env};
use stepwise::data::jsonpath::{Path, PathError};
use stepwise::integrations::sqs::md5;

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e15f64..1e15).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Text that looks like a path often and like anything sometimes.
fn path_like() -> impl Strategy<Value = String> {
    prop_oneof![
        r"\$[a-z0-9.\[\]*?@()'=<>!&|:, $-]{0,30}",
        r"\$\.[a-z]{1,5}(\[\?\(@\.[a-z]{1,3} [=<>!]{1,2} [0-9a-z']{1,4}\)\])?",
        ".{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Parsing is total, keeps the source, and a refusal says what is wrong.
    #[test]
    fn jsonpath_parse_is_total_and_errors_say_why(src in path_like()) {
        match Path::parse(&src) {
            Ok(path) => prop_assert_eq!(path.source(), src.as_str()),
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    /// A definite path of member names reads back what `set` wrote there.
    #[test]
    fn jsonpath_set_then_select_round_trips(
        names in prop::collection::vec("[a-z][a-z0-9_]{0,6}", 1..5),
        value in json_value(),
        doc in json_value(),
    ) {
        let path = Path::parse(&format!("$.{}", names.join("."))).expect("a valid path");
        prop_assert!(path.is_definite());
        if let Ok(written) = path.set(doc, value.clone()) {
            prop_assert_eq!(path.select(&written).map(|v| v.into_owned()), Ok(value));
        }
    }

    /// Any JSON value survives `States.JsonToString` then `States.StringToJson`.
    #[test]
    fn intrinsic_json_round_trips(value in json_value()) {
        let input = json!({"x": value});
        let text = eval("States.JsonToString($.x)", &input).expect("serializes");
        let back = eval("States.StringToJson($.s)", &json!({"s": text})).expect("parses back");
        prop_assert_eq!(back, input["x"].clone());
    }

    /// `States.Base64Decode` undoes `States.Base64Encode`.
    #[test]
    fn intrinsic_base64_round_trips(s in ".{0,40}") {
        let encoded = eval("States.Base64Encode($.s)", &json!({"s": s})).expect("encodes");
        let decoded = eval("States.Base64Decode($.e)", &json!({"e": encoded})).expect("decodes");
        prop_assert_eq!(decoded, json!(s));
    }

    /// Choice evaluation is total, and `Not` negates whatever its operand decides.
    #[test]
    fn choice_rules_are_total_and_not_negates(
        operator in prop::sample::select(OPERATORS.to_vec()),
        operand in json_value(),
        doc in json_value(),
        path in prop::sample::select(vec!["$", "$.a", "$.a[0]", "$.b.c", "$[1]"]),
    ) {
        let rule = json!({"Variable": path, operator: operand});
        let Some(plain) = condition(&json!({"And": [rule.clone()], "Next": "N"})) else {
            return Ok(()); // The operand's type is wrong for the operator: refused at load.
        };
        let negated = condition(&json!({"Not": rule, "Next": "N"})).expect("Not of a valid rule");
        match (decide(&plain, &doc), decide(&negated, &doc)) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, !b),
            (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
        }
    }

    /// The attributes digest does not depend on the order attributes are given in, and
    /// changing a value changes it.
    #[test]
    fn sqs_attribute_digest_ignores_order(
        attrs in prop::collection::btree_map("[A-Za-z.]{1,8}", ".{0,10}", 1..6),
        extra in ".{1,10}",
    ) {
        let forward: Map<String, Value> = attrs.iter()
            .map(|(k, v)| (k.clone(), json!({"DataType": "String", "StringValue": v}))).collect();
        let backward: Map<String, Value> = attrs.iter().rev()
            .map(|(k, v)| (k.clone(), json!({"DataType": "String", "StringValue": v}))).collect();
        let digest = md5::of_attributes(&Value::Object(forward.clone()));
        prop_assert_eq!(&digest, &md5::of_attributes(&Value::Object(backward)));
        let mut changed = forward;
        let first = changed.keys().next().cloned().expect("one attribute at least");
        let old = changed[&first]["StringValue"].as_str().unwrap_or_default().to_string();
        changed.insert(first, json!({"DataType": "String", "StringValue": format!("{old}{extra}")}));
        prop_assert_ne!(digest, md5::of_attributes(&Value::Object(changed)));
    }

    /// `MD5OfMessageBody` is the MD5 of the body's UTF-8 bytes, as 32 hex digits.
    #[test]
    fn sqs_body_digest_is_hex_md5(body in ".{0,64}") {
        let digest = md5::of_body(&body);
        prop_assert_eq!(digest.len(), 32);
        prop_assert!(digest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        prop_assert_eq!(digest == md5::of_body(&format!("{body} ")), false);
    }

    /// The loader is total, every refusal carries a diagnostic with a message, and what it
    /// decides does not depend on how the JSON is laid out.
    #[test]
    fn loader_is_total_and_ignores_layout(definition in asl_like()) {
        let compact = stepwise::asl::load(&definition.to_string());
        let pretty = stepwise::asl::load(&serde_json::to_string_pretty(&definition).expect("writes"));
        match (&compact, &pretty) {
            (Err(a), Err(b)) => {
                prop_assert!(!a.is_empty());
                prop_assert!(a.iter().all(|d| !d.message.is_empty()));
                prop_assert_eq!(a, b);
            }
            (Ok(_), Ok(_)) => {}
            _ => prop_assert!(false, "compact and pretty disagree on {}", definition),
        }
    }
}

/// A definition built from the fields and state types the loader knows, valid or not.
fn asl_like() -> impl Strategy<Value = Value> {
    let state = (
        prop::sample::select(vec![
            "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Map", "Parallel", "Nope",
        ]),
        prop::option::of(prop::sample::select(vec!["A", "B", "Missing"])),
        any::<bool>(),
        prop::option::of(json_value()),
        prop::option::of(prop::sample::select(vec![
            "$",
            "$.a",
            "$$.Execution",
            "bad",
            "$[",
            "{% $states.input %}",
        ])),
    )
        .prop_map(|(kind, next, end, result, path)| {
            let mut s = json!({"Type": kind});
            if let Some(next) = next {
                s["Next"] = json!(next);
            }
            if end {
                s["End"] = json!(true);
            }
            if let Some(result) = result {
                s["Result"] = result;
            }
            if let Some(path) = path {
                s["InputPath"] = json!(path);
            }
            if kind == "Task" {
                s["Resource"] = json!("arn:aws:states:::lambda:invoke");
            }
            if kind == "Wait" {
                s["Seconds"] = json!(1);
            }
            if kind == "Choice" {
                s["Choices"] = json!([{"Variable": "$.a", "IsPresent": true, "Next": "A"}]);
            }
            s
        })
        .boxed();
    (
        prop::sample::select(vec!["A", "B", "C"]),
        state.clone(),
        state,
        prop::option::of(prop::sample::select(vec!["JSONata", "JSONPath", "Other"])),
    )
        .prop_map(|(start, a, b, language)| {
            let mut d = json!({"StartAt": start, "States": {"A": a, "B": b}});
            if let Some(language) = language {
                d["QueryLanguage"] = json!(language);
            }
            d
        })
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
    "StringEqualsPath",
    "NumericLessThanPath",
];

fn condition(rule: &Value) -> Option<Condition> {
    Condition::parse(rule, "/States/C/Choices/0", true, &mut Vec::new())
}

fn decide(c: &Condition, doc: &Value) -> Result<bool, String> {
    c.eval(&mut |path: &Path| match path.select(doc) {
        Ok(v) => Ok(Some(v.into_owned())),
        Err(PathError::NoResults { .. } | PathError::MissingProperty { .. }) => Ok(None),
        Err(e) => Err(e),
    })
    .map_err(|e| format!("{e:?}"))
}

/// Resolves path arguments in one document.
struct Doc<'a>(&'a Value);

impl Env for Doc<'_> {
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError> {
        path.select(self.0).map(|v| v.into_owned())
    }
    fn random_u64(&mut self) -> u64 {
        4
    }
}

fn eval(call: &str, input: &Value) -> Result<Value, String> {
    Call::parse(call)?
        .eval(&mut Doc(input))
        .map_err(|e| e.to_string())
}
