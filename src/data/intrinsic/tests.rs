//! Tables of calls and what AWS answers, plus every intrinsic case recorded against AWS.

use super::java::{self, JavaRandom};
use super::{Call, Env, EvalError};
use crate::data::jsonpath::{Path, PathError};
use serde_json::{Value, json};

/// Resolves `$...`, `$$.Execution.Input...` and `$name...` by walking member names and
/// indexes, standing in for the JSONPath module.
struct TestEnv {
    input: Value,
    variables: Value,
    state: u64,
}

impl TestEnv {
    fn new(input: Value) -> TestEnv {
        TestEnv {
            input,
            variables: json!({}),
            state: 7,
        }
    }
}

impl Env for TestEnv {
    fn resolve(&mut self, path: &Path) -> Result<Value, PathError> {
        let src = path.source();
        let missing = || PathError::MissingProperty {
            path: src.to_string(),
        };
        let context = json!({"Execution": {"Input": self.input, "Name": "exec-1"}});
        let (doc, rest) = if let Some(rest) = src.strip_prefix("$$") {
            (&context, rest)
        } else if src == "$" || src.starts_with("$.") || src.starts_with("$[") {
            (&self.input, &src[1..])
        } else {
            let end = src.find(['.', '[']).unwrap_or(src.len());
            (
                self.variables.get(&src[1..end]).ok_or_else(missing)?,
                &src[end..],
            )
        };
        walk(doc, rest).cloned().ok_or_else(missing)
    }

    fn random_u64(&mut self) -> u64 {
        // splitmix64: deterministic and well spread.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Follows `.name`, `[0]` and `['name']` steps.
fn walk<'a>(doc: &'a Value, steps: &str) -> Option<&'a Value> {
    if steps.is_empty() {
        return Some(doc);
    }
    if let Some(rest) = steps.strip_prefix("['") {
        let end = rest.find("']")?;
        return walk(doc.get(&rest[..end])?, &rest[end + 2..]);
    }
    if let Some(rest) = steps.strip_prefix('[') {
        let end = rest.find(']')?;
        let index: usize = rest[..end].parse().ok()?;
        return walk(doc.get(index)?, &rest[end + 1..]);
    }
    let rest = steps.strip_prefix('.')?;
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    walk(doc.get(&rest[..end])?, &rest[end..])
}

fn eval_with(call: &str, env: &mut TestEnv) -> Result<Value, String> {
    let call = Call::parse(call).map_err(|e| format!("parse: {e}"))?;
    call.eval(env).map_err(|e| e.to_string())
}

fn eval(call: &str, input: Value) -> Result<Value, String> {
    eval_with(call, &mut TestEnv::new(input))
}

fn gives(cases: &[(&str, Value, Value)]) {
    for (call, input, expected) in cases {
        let got = eval(call, input.clone());
        assert_eq!(got.as_ref(), Ok(expected), "{call} on {input}");
    }
}

/// Each call fails at run time with a cause containing the text.
fn fails(cases: &[(&str, Value, &str)]) {
    for (call, input, text) in cases {
        match eval(call, input.clone()) {
            Err(e) if !e.starts_with("parse:") && e.contains(text) => {}
            other => panic!("{call} on {input}: expected a failure with {text:?}, got {other:?}"),
        }
    }
}

/// Each call is rejected by the parser with a message containing the text.
fn rejects(cases: &[(&str, &str)]) {
    for (call, text) in cases {
        match Call::parse(call) {
            Err(e) if e.contains(text) => {}
            other => panic!("{call}: expected a parse error with {text:?}, got {other:?}"),
        }
    }
}

#[test]
#[rustfmt::skip]
fn parser_rejects_bad_calls_with_specific_messages() {
    rejects(&[
        ("States.Foo()", "unknown intrinsic function 'States.Foo'"),
        ("States.Hash('a')", "States.Hash takes 2 arguments, got 1"),
        ("States.UUID(1)", "States.UUID takes no arguments, got 1"),
        ("States.ArrayLength()", "States.ArrayLength takes 1 argument, got 0"),
        ("States.MathRandom(1)", "States.MathRandom takes 2 or 3 arguments, got 1"),
        ("States.MathRandom(1, 2, 3, 4)", "takes 2 or 3 arguments, got 4"),
        ("States.Format()", "States.Format takes at least 1 argument, got 0"),
        ("States.JsonMerge($.a, $.b)", "States.JsonMerge takes 3 arguments, got 2"),
        ("States.ArrayPartition($.a)", "takes 2 arguments, got 1"),
        ("States.Format('abc", "unterminated string literal"),
        ("States.Format('abc\\", "unterminated string literal"),
        ("States.Format('a \\\"b\\\"')", "invalid escape '\\\"'"),
        ("States.Format('a\\nb')", "invalid escape '\\n'"),
        ("States.Format(1)", "template of States.Format"),
        ("States.Format(null, 1)", "template of States.Format"),
        ("States.Array(1,)", "argument 2 of States.Array is empty"),
        ("States.Array(,1)", "argument 1 of States.Array is empty"),
        ("States.Array(1 2)", "expected ',' or ')' after argument 1"),
        ("States.Array(1", "missing ')'"),
        ("States.Array(", "missing ')'"),
        ("States.Array() x", "unexpected 'x' after the closing ')'"),
        ("States.Array(nope)", "unexpected 'nope'"),
        ("States.Array(#)", "unexpected '#'"),
        ("States.Array(1.)", "invalid number '1.'"),
        ("States.Array(01)", "invalid number '01'"),
        ("States.Array(-)", "invalid number '-'"),
        ("States.Array($['a)", "unclosed"),
        ("States.Array", "expected '(' after States.Array"),
        ("States.Array ()", "expected '(' after States.Array"),
        ("", "expected an intrinsic function name"),
        ("'x'", "expected an intrinsic function name"),
        ("states.array()", "unknown intrinsic function 'states.array'"),
        ("States.Array(States.Nope(1))", "unknown intrinsic function 'States.Nope'"),
    ]);
}

#[test]
#[rustfmt::skip]
fn parser_accepts_every_argument_form() {
    gives(&[
        ("States.Array()", json!(null), json!([])),
        (" States.Array( 'a' ,1, -2.5 ,null,true, false , 1e2 ) ", json!(null), json!(["a", 1, -2.5, null, true, false, 100.0])),
        ("States.Array(-0)", json!(null), json!([0])),
        ("States.Array($, $.a, $['x y'], $.list[1], $$.Execution.Name)", json!({"a": 1, "x y": 2, "list": [3, 4]}), json!([{"a": 1, "x y": 2, "list": [3, 4]}, 1, 2, 4, "exec-1"])),
        ("States.Array($['a,b)'])", json!({"a,b)": 5}), json!([5])),
        ("States.Array($.a )", json!({"a": 5}), json!([5])),
        ("States.Array('\\'', '\\{', '\\}', '\\\\', '{', '}')", json!(null), json!(["'", "{", "}", "\\", "{", "}"])),
        ("States.Array('x\ny\tz')", json!(null), json!(["x\ny\tz"])),
        ("States.Array('é,ü')", json!(null), json!(["é,ü"])),
        ("States.Array('a(b)c', 'd,e')", json!(null), json!(["a(b)c", "d,e"])),
    ]);
}

#[test]
fn variables_are_paths() {
    let mut env = TestEnv::new(json!({}));
    env.variables = json!({"name": "World", "obj": {"k": [1, 2]}});
    let got = eval_with("States.Format('Hello {}, {}', $name, $obj.k[1])", &mut env);
    assert_eq!(got, Ok(json!("Hello World, 2")));
}

#[test]
fn nesting_is_limited_to_ten_calls() {
    let nest = |n: usize| format!("{}1{}", "States.MathAdd(".repeat(n), ", 1)".repeat(n));
    assert_eq!(eval(&nest(10), json!(null)), Ok(json!(11)));
    rejects(&[(&nest(11), "nested more than 10 deep")]);
    // Far past the limit: an error, not a stack overflow.
    rejects(&[(&nest(100_000), "nested more than 10 deep")]);
}

#[test]
fn paths_lists_every_path_at_any_depth() {
    let call =
        Call::parse("States.Format($.t, States.Array($.a, 'x', $$.Execution.Id), $v)").unwrap();
    let sources: Vec<&str> = call.paths().iter().map(|p| p.source()).collect();
    assert_eq!(sources, ["$.t", "$.a", "$$.Execution.Id", "$v"]);
}

#[test]
fn a_parsed_call_evaluates_many_times() {
    let call = Call::parse("States.Format('n={}', $.n)").unwrap();
    for n in 0..3 {
        let got = call.eval(&mut TestEnv::new(json!({ "n": n })));
        assert_eq!(got, Ok(json!(format!("n={n}"))));
    }
}

#[test]
fn path_errors_name_the_path() {
    let call = Call::parse("States.ArrayLength(States.Array($.missing))").unwrap();
    let got = call.eval(&mut TestEnv::new(json!({})));
    assert_eq!(
        got,
        Err(EvalError::Path {
            path: "$.missing".into(),
            error: PathError::MissingProperty {
                path: "$.missing".into()
            },
        })
    );
}

#[test]
#[rustfmt::skip]
fn format() {
    let object = json!({"Arg1": 1, "Arg2": [], "n": null, "s": "x", "l": [1.5, "y", {"k": true}]});
    gives(&[
        ("States.Format('Formatting argument {}.', $)", json!(null), json!("Formatting argument null.")),
        ("States.Format('Formatting argument {}.', $)", json!(""), json!("Formatting argument .")),
        ("States.Format('arg {}.', $)", json!(1.1), json!("arg 1.1.")),
        ("States.Format('fst={}', $)", json!({"Arg1": 1, "Arg2": []}), json!("fst={Arg1=1, Arg2=[]}")),
        ("States.Format('{}', $)", object, json!("{Arg1=1, Arg2=[], n=null, s=x, l=[1.5, y, {k=true}]}")),
        ("States.Format('{} and {}', 'a', 2)", json!(null), json!("a and 2")),
        ("States.Format('no placeholders')", json!(null), json!("no placeholders")),
        ("States.Format('\\{\\} is {}', 'kept')", json!(null), json!("{} is kept")),
        ("States.Format('{\\} {}', 'x')", json!(null), json!("{} x")),
        ("States.Format('{{}}', 'x')", json!(null), json!("{x}")),
        ("States.Format($.t, $.a)", json!({"t": "It's {}!", "a": "Pikachu"}), json!("It's Pikachu!")),
        ("States.Format(States.Format('{}\\{\\}', 'a'), 'b')", json!(null), json!("ab")),
    ]);
    fails(&[
        ("States.Format('{} {}', 'a')", json!(null), "2 placeholder(s) but 1 argument(s)"),
        ("States.Format('{}', 'a', 'b')", json!(null), "1 placeholder(s) but 2 argument(s)"),
        ("States.Format($, 'a')", json!(5), "States.Format: argument 1 must be a string, got 5"),
    ]);
}

#[test]
#[rustfmt::skip]
fn json_conversions() {
    gives(&[
        ("States.StringToJson($)", json!(""), json!(null)),
        ("States.StringToJson($)", json!(" "), json!(null)),
        ("States.StringToJson($)", json!("null"), json!(null)),
        ("States.StringToJson($)", json!("-0"), json!(0)),
        ("States.StringToJson($)", json!("\"HelloWorld\""), json!("HelloWorld")),
        ("States.StringToJson($)", json!("[1, 2, \"HelloWorld\"]"), json!([1, 2, "HelloWorld"])),
        ("States.StringToJson($)", json!("{\"a\": [-0]}"), json!({"a": [0]})),
        ("States.JsonToString($)", json!({"Arg1": 1, "Arg2": []}), json!("{\"Arg1\":1,\"Arg2\":[]}")),
        ("States.JsonToString($)", json!("HelloWorld"), json!("\"HelloWorld\"")),
        ("States.JsonToString($)", json!(null), json!("null")),
    ]);
    fails(&[
        ("States.StringToJson($)", json!("{nope"), "States.StringToJson: argument 1 is not valid JSON"),
        ("States.StringToJson($)", json!("1 2"), "not valid JSON"),
        ("States.StringToJson($)", json!(5), "argument 1 must be a string, got 5"),
    ]);
}

#[test]
#[rustfmt::skip]
fn arrays() {
    let nine = json!([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    gives(&[
        ("States.Array($.a, $.b)", json!({"a": null, "b": null}), json!([null, null])),
        ("States.ArrayPartition($, 3)", json!([0, 1, 2, 3]), json!([[0, 1, 2], [3]])),
        ("States.ArrayPartition($, 5)", json!([0, 1]), json!([[0, 1]])),
        ("States.ArrayPartition($, 2.0)", json!([]), json!([])),
        ("States.ArrayContains($, $[0])", json!([[1, 2, 3], 2]), json!(true)),
        ("States.ArrayContains($.a, $.b)", json!({"a": [{"1": 2, "2": []}], "b": {"2": [], "1": 2}}), json!(true)),
        ("States.ArrayContains($, 1)", json!([]), json!(false)),
        ("States.ArrayContains($, false)", json!([true, false]), json!(true)),
        ("States.ArrayContains($, 1)", json!([1.0]), json!(true)),
        ("States.ArrayContains($, null)", json!([[1, 2, 3], 2]), json!(false)),
        ("States.ArrayRange(0, 9, 3)", json!(null), json!([0, 3, 6, 9])),
        ("States.ArrayRange(0, 10, 3)", json!(null), json!([0, 3, 6, 9])),
        ("States.ArrayRange(1, 9, 9)", json!(null), json!([1])),
        ("States.ArrayRange(1, 9, 2)", json!(null), json!([1, 3, 5, 7, 9])),
        ("States.ArrayRange(5, 1, -2)", json!(null), json!([5, 3, 1])),
        ("States.ArrayRange(5, 1, 1)", json!(null), json!([])),
        ("States.ArrayRange(1, 1000, 1)", json!(null), Value::from((1..=1000).collect::<Vec<i64>>())),
        ("States.ArrayGetItem($, 5)", nine.clone(), json!(6)),
        ("States.ArrayLength($)", nine, json!(9)),
        ("States.ArrayUnique($)", json!([null, null, 1, 1.0, "a", "a", [], [], {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1}]), json!([null, 1, "a", [], {"a": 1, "b": 2}, {"a": 1}])),
        ("States.ArrayUnique($)", json!([1, 2, 2, 3, 3, 4]), json!([1, 2, 3, 4])),
    ]);
    fails(&[
        ("States.ArrayLength($)", json!("abc"), "States.ArrayLength: argument 1 must be an array, got a string"),
        ("States.ArrayPartition($, 0)", json!([1]), "chunk size (argument 2) must be positive, got 0"),
        ("States.ArrayPartition($, 1.5)", json!([1]), "argument 2 must be an integer, got 1.5"),
        ("States.ArrayPartition(1, 1)", json!(null), "argument 1 must be an array, got 1"),
        ("States.ArrayContains($, 1)", json!({}), "argument 1 must be an array, got an object"),
        ("States.ArrayRange(1, 2, 0)", json!(null), "step (argument 3) must not be 0"),
        ("States.ArrayRange(1, 1001, 1)", json!(null), "1001 items, more than the 1000 allowed"),
        ("States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)", json!(null), "more than the 1000 allowed"),
        ("States.ArrayRange('1', 2, 1)", json!(null), "argument 1 must be an integer, got a string"),
        ("States.ArrayGetItem($, 9)", json!([1, 2]), "index 9 is out of bounds for an array of length 2"),
        ("States.ArrayGetItem($, -1)", json!([1, 2]), "index -1 is out of bounds"),
        ("States.ArrayUnique(null)", json!(null), "argument 1 must be an array, got null"),
    ]);
}

#[test]
#[rustfmt::skip]
fn encodings_and_hashes() {
    let long = "x".repeat(10_001);
    gives(&[
        ("States.Base64Encode($)", json!("Data to encode"), json!("RGF0YSB0byBlbmNvZGU=")),
        ("States.Base64Encode($)", json!(""), json!("")),
        ("States.Base64Decode($)", json!("RGF0YSB0byBlbmNvZGU="), json!("Data to encode")),
        ("States.Base64Decode($)", json!("RGF0YSB0byBlbmNvZGU"), json!("Data to encode")),
        ("States.Base64Decode($)", json!(""), json!("")),
        ("States.Base64Encode($)", json!("x".repeat(10_000)), json!("eHh4".repeat(3333) + "eA==")),
        ("States.Hash('input data', 'MD5')", json!(null), json!("812f45842bc6d66ee14572ce20db8e86")),
        ("States.Hash('input data', 'SHA-1')", json!(null), json!("aaff4a450a104cd177d28d18d74485e8cae074b7")),
        ("States.Hash('input data', 'SHA-256')", json!(null), json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")),
        (
            "States.Hash('input data', 'SHA-384')",
            json!(null),
            json!(
                "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"
            ),
        ),
        (
            "States.Hash('input data', 'SHA-512')",
            json!(null),
            json!(
                "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"
            ),
        ),
        // A non-string is hashed as its JSON text: MD5 of `{"a":1}`.
        ("States.Hash($, 'MD5')", json!({"a": 1}), json!("bb6cb5c68df4652941caf652a366f2d8")),
    ]);
    fails(&[
        ("States.Base64Encode($)", json!(long), "10001 characters long, more than the 10000 allowed"),
        ("States.Base64Decode($)", json!(long), "more than the 10000 allowed"),
        ("States.Hash($, 'MD5')", json!(long), "more than the 10000 allowed"),
        ("States.Base64Decode($)", json!("!!!"), "not valid base64"),
        ("States.Base64Decode($)", json!("/w=="), "not valid UTF-8"),
        ("States.Base64Encode(1)", json!(null), "argument 1 must be a string, got 1"),
        ("States.Hash('x', 'sha-256')", json!(null), "unknown algorithm 'sha-256' (argument 2)"),
        ("States.Hash('x', 1)", json!(null), "argument 2 must be a string"),
    ]);
}

#[test]
fn json_merge() {
    let a = json!({"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3});
    let b = json!({"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4});
    let input = json!({"a": a, "b": b});
    gives(&[
        (
            "States.JsonMerge($.a, $.b, false)",
            input.clone(),
            json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4}),
        ),
        (
            "States.JsonMerge($.a, $.b, true)",
            input,
            json!({"a": {"a1": 1, "a2": 2, "a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4}),
        ),
        (
            "States.JsonMerge(States.StringToJson('{\"k\": \"false\"}'), $$.Execution.Input.f, false)",
            json!({"f": {"x": 1}}),
            json!({"k": "false", "x": 1}),
        ),
    ]);
    fails(&[
        (
            "States.JsonMerge($, $, 'false')",
            json!({}),
            "argument 3 must be a boolean, got a string",
        ),
        (
            "States.JsonMerge($, 1, false)",
            json!({}),
            "argument 2 must be an object, got 1",
        ),
    ]);
}

#[test]
#[rustfmt::skip]
fn math() {
    gives(&[
        ("States.MathAdd(1.49, 1.5)", json!(null), json!(3)),
        ("States.MathAdd(1.5, 1.51)", json!(null), json!(4)),
        ("States.MathAdd(-1.5, 0)", json!(null), json!(-1)),
        ("States.MathAdd(-2.5, 0)", json!(null), json!(-2)),
        ("States.MathAdd(-0.5, 0.5)", json!(null), json!(1)),
        ("States.MathAdd(-1.51, 0)", json!(null), json!(-2)),
        ("States.MathAdd(-9, 3)", json!(null), json!(-6)),
        ("States.MathAdd($.i, -1)", json!({"i": 1}), json!(0)),
        ("States.MathRandom(0, 10, 42)", json!(null), json!(0)),
        ("States.MathRandom(0, 1000, 1)", json!(null), json!(985)),
        ("States.MathRandom(-50, 50, -7)", json!(null), json!(12)),
        ("States.MathRandom(0.6, 16.5, 0)", json!(null), json!(12)),
        ("States.MathRandom(5, 6)", json!(null), json!(5)),
    ]);
    fails(&[
        ("States.MathAdd('1', 2)", json!(null), "States.MathAdd: argument 1 must be a number, got a string"),
        ("States.MathAdd(9223372036854775807, 1)", json!(null), "overflows"),
        ("States.MathRandom(5, 5)", json!(null), "must be greater than the start"),
        ("States.MathRandom(0, 3000000000)", json!(null), "must be greater than the start"),
        ("States.MathRandom(0, 1, 'x')", json!(null), "argument 3 must be a number"),
    ]);
}

#[test]
fn unseeded_random_stays_in_range_and_follows_the_env() {
    let mut env = TestEnv::new(json!(null));
    let draws: Vec<Value> = (0..200)
        .map(|_| eval_with("States.MathRandom(12.5, 44.51)", &mut env).unwrap())
        .collect();
    assert!(
        draws
            .iter()
            .all(|v| (13..45).contains(&v.as_i64().unwrap()))
    );
    assert!(draws.iter().any(|v| v != &draws[0]));
    let again: Vec<Value> = (0..200)
        .map(|_| {
            eval_with(
                "States.MathRandom(12.5, 44.51)",
                &mut TestEnv::new(json!(null)),
            )
            .unwrap()
        })
        .collect();
    assert!(
        again.iter().all(|v| v == &again[0]),
        "same env seed, same first draw"
    );
}

#[test]
#[rustfmt::skip]
fn strings_and_uuids() {
    gives(&[
        ("States.StringSplit($, ',')", json!("1,2,3,4,5"), json!(["1", "2", "3", "4", "5"])),
        ("States.StringSplit($, ',')", json!(", , ,"), json!([" ", " "])),
        ("States.StringSplit($, ',')", json!(",,,,"), json!([])),
        ("States.StringSplit($, '.+,=')", json!("This.is+a,test=string"), json!(["This", "is", "a", "test", "string"])),
        ("States.StringSplit($, 'T\n')", json!("split on T and \nnew line"), json!(["split on ", " and ", "new line"])),
        ("States.StringSplit('Hello\nWorld', '\n')", json!(null), json!(["Hello", "World"])),
        ("States.StringSplit('abc', '')", json!(null), json!(["abc"])),
    ]);
    fails(&[(
        "States.StringSplit($, 1)",
        json!("a"),
        "argument 2 must be a string, got 1",
    )]);
    let mut env = TestEnv::new(json!(null));
    let first = eval_with("States.UUID()", &mut env).unwrap();
    let second = eval_with("States.UUID()", &mut env).unwrap();
    let text = first.as_str().unwrap();
    assert_eq!(text.len(), 36);
    assert_eq!(&text[14..15], "4", "version 4: {text}");
    assert!("89ab".contains(&text[19..20]), "RFC 4122 variant: {text}");
    assert_ne!(first, second);
}

#[test]
#[rustfmt::skip]
fn java_random_matches_the_jdk() {
    // Values printed by OpenJDK's `new Random(seed).nextInt(bound)`.
    let cases: [(i64, &[(i32, i32)]); 4] = [
        (
            0,
            &[
                (1, 0),
                (2, 1),
                (10, 0),
                (16, 11),
                (100, 60),
                (998, 134),
                (i32::MAX, 1569741360),
                (1 << 30, 784870680),
                (1073741825, 516548029),
            ],
        ),
        (
            42,
            &[
                (10, 0),
                (16, 11),
                (100, 30),
                (998, 254),
                (1000, 130),
                (i32::MAX, 1562431130),
                (1073741825, 117392763),
            ],
        ),
        (
            -7,
            &[
                (2, 0),
                (10, 2),
                (16, 4),
                (100, 62),
                (998, 846),
                (1000, 662),
                (1073741825, 577934662),
            ],
        ),
        (i64::MIN, &[(10, 0), (100, 60), (1000, 360)]),
    ];
    for (seed, draws) in cases {
        for &(bound, expected) in draws {
            assert_eq!(
                JavaRandom::new(seed).next_int(bound),
                Some(expected),
                "seed {seed} bound {bound}"
            );
        }
    }
    let mut r = JavaRandom::new(5);
    let seq: Vec<i32> = (0..10).filter_map(|_| r.next_int(3)).collect();
    assert_eq!(seq, [2, 1, 2, 2, 0, 2, 1, 2, 2, 0]);
    assert_eq!(JavaRandom::new(42).next_double(), 0.7275636800328681);
    assert_eq!(JavaRandom::new(1).next_int(0), None);
}

#[test]
fn java_round_matches_the_jdk() {
    let cases = [
        (0.49999999999999994, 0),
        (-0.5, 0),
        (-1.5, -1),
        (2.5, 3),
        (-2.5, -2),
        (1e300, i64::MAX),
        (-1e300, i64::MIN),
        (4503599627370497.0, 4503599627370497),
    ];
    for (x, expected) in cases {
        assert_eq!(java::round(x), expected, "{x}");
    }
}

/// Random token soup: the parser must answer, never panic, and a parsed call must evaluate.
#[test]
fn garbage_never_panics() {
    const TOKENS: [&str; 24] = [
        "States.Format",
        "States.Array",
        "States.MathRandom",
        "States.Hash",
        "(",
        ")",
        ",",
        "'",
        "\\",
        "{",
        "}",
        "{}",
        "$",
        ".a",
        "[",
        "]",
        "\"",
        " ",
        "1",
        "-",
        "null",
        "é",
        "\n",
        "States.UUID()",
    ];
    let mut env = TestEnv::new(json!({"a": [1, "x", {"a": null}]}));
    for _ in 0..20_000 {
        let len = (env.random_u64() % 12) as usize;
        let src: String = (0..len)
            .map(|_| TOKENS[(env.random_u64() % TOKENS.len() as u64) as usize])
            .collect();
        if let Ok(call) = Call::parse(&src) {
            let _ = call.eval(&mut env);
        }
    }
    for src in [
        "States.Format('{}', $)",
        "States.Array($['a'], States.Array(1))",
    ] {
        for end in 0..src.len() {
            let _ = Call::parse(&src[..end]);
        }
    }
}

/// Whether `got` is what AWS recorded; the recording parsed JSON strings holding objects.
fn same_as_recorded(got: &Value, expected: &Value) -> bool {
    match (got, expected) {
        (Value::String(s), Value::Object(_) | Value::Array(_)) => {
            serde_json::from_str::<Value>(s).is_ok_and(|v| &v == expected)
        }
        _ => got == expected,
    }
}

/// Every JSONPath intrinsic case recorded against AWS: a Pass state whose Parameters hold one
/// `key.$` call; its result must be what AWS put under that key.
#[test]
#[ignore = "needs the recorded AWS corpus: ../shared/conformance beside the clone, or STEPWISE_CONFORMANCE=FILE"]
fn recorded_aws_cases() {
    let text = crate::data::recorded::text();
    let cases: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|c: &Value| c["area"] == "intrinsic_functions" && c["query_language"] == "JSONPath")
        .collect();
    let failures: Vec<String> = cases.iter().filter_map(check_recorded).collect();
    assert_eq!(cases.len(), 124);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn check_recorded(case: &Value) -> Option<String> {
    let id = case["id"].as_str().unwrap_or("?");
    let states = case["definition"]["States"].as_object()?;
    let params = states.values().next()?["Parameters"].as_object()?;
    let (key, src) = params.iter().find(|(k, _)| k.ends_with(".$"))?;
    let src = src.as_str()?;
    let output = &case["expected"]["output"];
    // All but one keep the result under `FunctionResult`; that one selects it with OutputPath.
    let expected = output.get("FunctionResult").unwrap_or(output);
    match eval(src, case["input"].clone()) {
        Ok(got) if same_as_recorded(&got, expected) => None,
        other => Some(format!(
            "{id} ({key}: {src}): got {other:?}, want {expected}"
        )),
    }
}
