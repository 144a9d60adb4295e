//! Table tests of the whole pipeline: source and input in, JSON or an error out.

use super::*;
use serde_json::json;

fn run(src: &str, input: &Value) -> Result<Value, JsError> {
    Script::parse(src)?.eval(input)
}

/// Each case: source, input, expected value.
fn gives(cases: &[(&str, Value, Value)]) {
    for (src, input, want) in cases {
        match run(src, input) {
            Ok(got) => assert_eq!(&got, want, "{src}"),
            Err(e) => panic!("{src}: {e}"),
        }
    }
}

/// Each case: source, expected value, with an empty input.
fn gives_plain(cases: &[(&str, Value)]) {
    let cases: Vec<(&str, Value, Value)> = cases
        .iter()
        .map(|(s, v)| (*s, json!({}), v.clone()))
        .collect();
    gives(&cases);
}

/// A failing case: source, input, a fragment of the message, the line and column.
type Failing<'a> = (&'a str, Value, &'a str, Option<(u32, u32)>);

/// Each case must fail as it says.
fn fails(cases: &[Failing<'_>]) {
    for (src, input, fragment, at) in cases {
        match run(src, input) {
            Ok(v) => panic!("{src}: expected an error, got {v}"),
            Err(e) => {
                assert!(e.message.contains(fragment), "{src}: {e}");
                assert_eq!(e.at, *at, "{src}: {e}");
            }
        }
    }
}

#[test]
fn evaluates_the_documented_examples() {
    gives(&[
        (
            "$.inputValue == 'fedex' ? 'fedex' : 'ups'",
            json!({"inputValue": "fedex"}),
            json!("fedex"),
        ),
        (
            "$.inputValue == 'fedex' ? 'fedex' : 'ups'",
            json!({"inputValue": "dhl"}),
            json!("ups"),
        ),
        (
            "if ($.loop_ref['iteration'] < 3) { true; } else { false; }",
            json!({"loop_ref": {"iteration": 1}}),
            json!(true),
        ),
        (
            "if ($.loop_ref['iteration'] < 3) { true; } else { false; }",
            json!({"loop_ref": {"iteration": 3}}),
            json!(false),
        ),
        (
            "(function(){ return $.a + 1; })()",
            json!({"a": 1}),
            json!(2),
        ),
        (
            "(function(){ return $.a + 1; }())",
            json!({"a": 1.5}),
            json!(2.5),
        ),
        (
            "$.status == 'READY'",
            json!({"status": "READY"}),
            json!(true),
        ),
        (
            "$.status == 'READY';",
            json!({"status": "DONE"}),
            json!(false),
        ),
        (
            "$.value > 10 && $.list.length >= 2",
            json!({"value": 11, "list": [1, 2]}),
            json!(true),
        ),
        (
            "$.value > 10 && $.list.length >= 2",
            json!({"value": 11, "list": [1]}),
            json!(false),
        ),
        (
            "$.value > 10 && $.list.length >= 2",
            json!({"value": 3}),
            json!(false),
        ),
        ("'id-' + $.n", json!({"n": 7}), json!("id-7")),
        ("'id-' + $.n", json!({"n": 1.5}), json!("id-1.5")),
        ("typeof $.missing === 'undefined'", json!({}), json!(true)),
        (
            "typeof $.missing === 'undefined'",
            json!({"missing": 0}),
            json!(false),
        ),
        (
            "JSON.stringify({a: 1, 'b': [true, null], \"c\": 'x', d: undefined})",
            json!({}),
            json!(r#"{"a":1,"b":[true,null],"c":"x"}"#),
        ),
        (
            "JSON.stringify($)",
            json!({"z": 1, "a": [1.5, "q"]}),
            json!(r#"{"z":1,"a":[1.5,"q"]}"#),
        ),
    ]);
}

#[test]
fn applies_operators_with_javascript_semantics() {
    gives_plain(&[
        ("1 + 2 * 3", json!(7)),
        ("(1 + 2) * 3", json!(9)),
        ("10 - 4 - 3", json!(3)),
        ("2 * 3 % 4", json!(2)),
        ("10 / 4", json!(2.5)),
        ("-5 % 3", json!(-2)),
        ("1 / 0", json!(null)),
        ("0 / 0", json!(null)),
        ("'a' + 1", json!("a1")),
        ("1 + '1'", json!("11")),
        ("1 + 2 + '3'", json!("33")),
        ("1.5 + ''", json!("1.5")),
        ("1e21 + ''", json!("1e+21")),
        ("0.1 + 0.2", json!(0.30000000000000004)),
        ("true + 1", json!(2)),
        ("null + 1", json!(1)),
        ("'3' * '4'", json!(12)),
        ("2 - '1'", json!(1)),
        ("[1, 2] + ''", json!("1,2")),
        ("({}) + ''", json!("[object Object]")),
        ("undefined + 'x'", json!("undefinedx")),
        ("1 - -1", json!(2)),
        ("-'3'", json!(-3)),
        ("+'  12  '", json!(12)),
        ("+'0x1f'", json!(31)),
        ("+'abc'", json!(null)),
        ("+[]", json!(0)),
        ("!0", json!(true)),
        ("!''", json!(true)),
        ("!'0'", json!(false)),
        ("!!{}", json!(true)),
        ("!![]", json!(true)),
        ("null == undefined", json!(true)),
        ("null === undefined", json!(false)),
        ("null == 0", json!(false)),
        ("'1' == 1", json!(true)),
        ("'1' === 1", json!(false)),
        ("'1' != 1", json!(false)),
        ("'1' !== 1", json!(true)),
        ("true == 1", json!(true)),
        ("true == '1'", json!(true)),
        ("false == ''", json!(true)),
        ("'' == 0", json!(true)),
        ("[1] == 1", json!(true)),
        ("[1, 2] == '1,2'", json!(true)),
        ("[] == []", json!(false)),
        ("NaN == NaN", json!(false)),
        ("'abc' < 'abd'", json!(true)),
        ("'10' < '9'", json!(true)),
        ("'10' < 9", json!(false)),
        ("10 <= 10", json!(true)),
        ("'b' >= 'a'", json!(true)),
        ("undefined < 1", json!(false)),
        ("null < 1", json!(true)),
        ("0 || 'x'", json!("x")),
        ("'' || 0", json!(0)),
        ("1 && 'y'", json!("y")),
        ("null && nope()", json!(null)),
        ("'a' || nope()", json!("a")),
        ("1 ? 2 : nope()", json!(2)),
        ("0 ? 1 : '' ? 2 : 3", json!(3)),
        ("true ? false ? 1 : 2 : 3", json!(2)),
        ("1 < 2 == true", json!(true)),
        ("typeof null", json!("object")),
        ("typeof 1", json!("number")),
        ("typeof 'x'", json!("string")),
        ("typeof true", json!("boolean")),
        ("typeof $", json!("object")),
        ("typeof []", json!("object")),
        ("typeof Math", json!("object")),
        ("typeof Math.max", json!("function")),
        ("typeof nope", json!("undefined")),
        ("typeof typeof 1", json!("string")),
        ("-0", json!(0)),
        ("1e300", json!(1e300)),
        ("9007199254740993", json!(9_007_199_254_740_992_i64)),
        ("123456789012", json!(123_456_789_012_i64)),
        ("0x10", json!(16)),
        ("1.0", json!(1)),
        (".5", json!(0.5)),
    ]);
}

#[test]
fn runs_statements_like_eval() {
    gives(&[
        ("var x = 1; x + 1", json!({}), json!(2)),
        ("var x = 1; var y = 2;", json!({}), json!(null)),
        ("1; var x = 2;", json!({}), json!(1)),
        ("", json!({}), json!(null)),
        (";;", json!({}), json!(null)),
        (
            "let a = 'p'; if (a == 'p') 'yes'; else 'no'",
            json!({}),
            json!("yes"),
        ),
        (
            "if (false) { 1 } else if ($.n > 2) { 2 } else { 3 }",
            json!({"n": 5}),
            json!(2),
        ),
        (
            "if (false) { 1 } else if ($.n > 2) { 2 } else { 3 }",
            json!({"n": 1}),
            json!(3),
        ),
        ("5; if (false) { 6 }", json!({}), json!(null)), // ES2015: an empty `if` completes with undefined
        (
            "var x = $.a\nvar y = x + 1\ny * 10",
            json!({"a": 1}),
            json!(20),
        ),
        (
            "var r = 'small'; if ($.n > 1) { r = 'big'; } r",
            json!({"n": 2}),
            json!("big"),
        ),
        ("var s = 'a'; s += 'b'; s += 1; s", json!({}), json!("ab1")),
        (
            "var n = 10; n -= 3; n *= 2; n /= 7; n %= 3; n",
            json!({}),
            json!(2),
        ),
        (
            "var a = 1, b = a + 1, c; [a, b, typeof c]",
            json!({}),
            json!([1, 2, "undefined"]),
        ),
        ("var a = b = 2; a + b", json!({}), json!(4)),
        ("x = 3; x", json!({}), json!(3)),
        ("var x = 1; var x; x", json!({}), json!(1)),
        ("{ let x = 1; } typeof x", json!({}), json!("undefined")),
        ("let x = 1; { let x = 2; } x", json!({}), json!(1)),
        ("let x = 1; { x = 2; } x", json!({}), json!(2)),
        ("const k = $.k; k + k", json!({"k": "ab"}), json!("abab")),
        ("/* lead */ 1 // trail", json!({}), json!(1)),
        ("'use strict'; 2", json!({}), json!(2)),
        ("var $ = 5; $", json!({"a": 1}), json!(5)),
        ("var $; $.a", json!({"a": 1}), json!(1)),
        ("$ = 5; $", json!({"a": 1}), json!(5)),
        ("$", json!("raw payload"), json!("raw payload")),
        ("$.length", json!([1, 2, 3]), json!(3)),
    ]);
}

#[test]
fn runs_the_iife_wrapper() {
    gives(&[
        (
            "(function(){ if ($.n > 1) { return 'big'; } return 'small'; })()",
            json!({"n": 2}),
            json!("big"),
        ),
        (
            "(function(){ if ($.n > 1) { return 'big'; } return 'small'; })()",
            json!({"n": 1}),
            json!("small"),
        ),
        ("(function(){ var x = 1; }())", json!({}), json!(null)),
        ("(function(){ return; })()", json!({}), json!(null)),
        (
            "(function(){ return x; var x = 3; })()",
            json!({}),
            json!(null),
        ),
        ("(function () {\n return\n 1; })()", json!({}), json!(null)),
        (
            "(function(){ return { a: 1, b: [1, 2], c: { d: $.x } }; })()",
            json!({"x": "y"}),
            json!({"a": 1, "b": [1, 2], "c": {"d": "y"}}),
        ),
        ("(function named(){ return 1 })();", json!({}), json!(1)),
        (
            "var x = (function(){ 5; return 1; })();",
            json!({}),
            json!(null),
        ),
        (
            "var x = (function(){ return 1; })(); x + 1",
            json!({}),
            json!(2),
        ),
        (
            "(function(){ var v = 1; { let v = 2; } return v; })()",
            json!({}),
            json!(1),
        ),
        (
            "(function(){ if (true) { return 'a'; } })()",
            json!({}),
            json!("a"),
        ),
        (
            "(function(){ return (function(){ return $.a; })() * 2; })()",
            json!({"a": 4}),
            json!(8),
        ),
        (
            "(function(){ var inner = 1; })(); typeof inner",
            json!({}),
            json!("undefined"),
        ),
        (
            "(function(){ return undefined; })()",
            json!({}),
            json!(null),
        ),
        (
            "(function(){ return 'x'; })().toUpperCase()",
            json!({}),
            json!("X"),
        ),
    ]);
}

#[test]
fn runs_the_declared_function_wrapper() {
    let doc = "function e() { if ($.value == 1){return {\"result\": true}} else { return {\"result\": false}}} e();";
    let hour = "function e(){return $.hour<6?'night':$.hour<12?'morning':$.hour<18?'afternoon':'evening'}e();";
    gives(&[
        (doc, json!({"value": 1}), json!({"result": true})),
        (doc, json!({"value": 2}), json!({"result": false})),
        (hour, json!({"hour": 13}), json!("afternoon")),
        (hour, json!({"hour": 3}), json!("night")),
        ("e(); function e() { return 1 }", json!({}), json!(1)),
        ("function e() { return 1 }", json!({}), json!(null)),
        (
            "function e() { return 2 } var x = e(); x + e()",
            json!({}),
            json!(4),
        ),
        (
            "function e() { return 1 } typeof e",
            json!({}),
            json!("function"),
        ),
        ("var e; function e() { return 1 } e()", json!({}), json!(1)),
        (
            "function e() { return (function(){ return $.a; })(); } e()",
            json!({"a": 5}),
            json!(5),
        ),
        ("function e() { 5; } e()", json!({}), json!(null)),
        (
            "function e() { return 1 } ({f: e, g: [e]})",
            json!({}),
            json!({"f": {}, "g": [{}]}),
        ),
        (
            "function e() { return 1 } JSON.stringify({f: e, g: [e]})",
            json!({}),
            json!(r#"{"g":[null]}"#),
        ),
    ]);
}

#[test]
fn reads_members() {
    let input = json!({"list": [1, 2], "o": {"k": "v", "n": null}, "s": "Hello", "e": []});
    let cases: Vec<(&str, Value, Value)> = [
        ("$.list[0]", json!(1)),
        ("$['list'][1]", json!(2)),
        ("$.list['1']", json!(2)),
        ("$.list[2]", json!(null)),
        ("$.list[-1]", json!(null)),
        ("$.list['01']", json!(null)),
        ("$.list.length", json!(2)),
        ("$.o.k", json!("v")),
        ("$.o['k']", json!("v")),
        ("$.o[$.o.k == 'v' ? 'k' : 'n']", json!("v")),
        ("$.o.n", json!(null)),
        ("$.o.missing", json!(null)),
        ("$.o.n === null", json!(true)),
        ("$.o.missing === undefined", json!(true)),
        ("$.o.length", json!(null)),
        ("$.s.length", json!(5)),
        ("$.s[1]", json!("e")),
        ("$.s[9]", json!(null)),
        ("(5).x", json!(null)),
        ("$.o", json!({"k": "v", "n": null})),
        ("$.list === $.list", json!(true)),
        ("$.e.length == 0", json!(true)),
        ("({b: 1, a: 2, b: 3})", json!({"b": 3, "a": 2})),
        (
            "({1: 'one', 1.5: 'x', true: 1, default: 2})",
            json!({"1": "one", "1.5": "x", "true": 1, "default": 2}),
        ),
        ("var k = 'z'; ({k, y: k})", json!({"k": "z", "y": "z"})),
        ("[1, [2, [3]], {a: [4]}]", json!([1, [2, [3]], {"a": [4]}])),
        ("[1, 2,]", json!([1, 2])),
        ("[undefined, 0/0]", json!([null, null])),
        ("({a: undefined})", json!({"a": null})),
    ]
    .into_iter()
    .map(|(s, v)| (s, input.clone(), v))
    .collect();
    gives(&cases);
    let wide = "var o = {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9, k1: 'one'};";
    let wide = format!("{wide} [o.k9, o['k1'], o.k10, JSON.parse(JSON.stringify(o)).k8]");
    assert_eq!(run(&wide, &json!({})), Ok(json!([9, "one", null, 8])));
    let order = run("({z: 1, a: 2, m: $.x})", &json!({"x": 3})).map(|v| v.to_string());
    assert_eq!(order, Ok(r#"{"z":1,"a":2,"m":3}"#.to_string()));
}

#[test]
fn calls_the_builtins() {
    gives_plain(&[
        ("Math.max(1, 3, 2)", json!(3)),
        ("Math.max('4', 3)", json!(4)),
        ("Math.max(1, 'x')", json!(null)),
        ("Math.min()", json!(null)),
        ("Math.min(2, -1)", json!(-1)),
        ("Math.floor(1.7)", json!(1)),
        ("Math.floor(-1.2)", json!(-2)),
        ("Math.ceil(1.2)", json!(2)),
        ("Math.round(2.5)", json!(3)),
        ("Math.round(-2.5)", json!(-2)),
        ("Math.round(0.49999999999999994)", json!(0)),
        ("Math.abs(-3)", json!(3)),
        ("parseInt('42px')", json!(42)),
        ("parseInt('0x1A')", json!(26)),
        ("parseInt('101', 2)", json!(5)),
        ("parseInt(' -7.9 ')", json!(-7)),
        ("parseInt('abc')", json!(null)),
        ("parseFloat('2.5abc')", json!(2.5)),
        ("parseFloat('.5')", json!(0.5)),
        ("String(1.5)", json!("1.5")),
        ("String(null)", json!("null")),
        ("String()", json!("")),
        ("String([1, [2, 3]])", json!("1,2,3")),
        ("Number('12')", json!(12)),
        ("Number('')", json!(0)),
        ("Number(' x')", json!(null)),
        ("Number(true)", json!(1)),
        ("Number()", json!(0)),
        ("Boolean('')", json!(false)),
        ("Boolean('0')", json!(true)),
        ("Boolean()", json!(false)),
        ("isNaN('x')", json!(true)),
        ("isFinite('1')", json!(true)),
        (
            "JSON.stringify({a: [1, {}]}, null, 2)",
            json!("{\n  \"a\": [\n    1,\n    {}\n  ]\n}"),
        ),
        ("JSON.stringify([], null, '--')", json!("[]")),
        ("JSON.stringify([1], null, '--')", json!("[\n--1\n]")),
        (
            "JSON.stringify('a\"b\\n\\u0001')",
            json!("\"a\\\"b\\n\\u0001\""),
        ),
        (
            "JSON.stringify([undefined, Math.max, 0/0, 1e21])",
            json!("[null,null,null,1e+21]"),
        ),
        ("JSON.stringify(undefined)", json!(null)),
        ("typeof JSON.stringify(undefined)", json!("undefined")),
        ("JSON.stringify(1.5)", json!("1.5")),
        ("JSON.parse('{\"a\": [1, 2]}').a[1]", json!(2)),
        (
            "JSON.parse('{\"b\": 1, \"a\": {\"c\": null}}')",
            json!({"b": 1, "a": {"c": null}}),
        ),
        ("JSON.parse(' \"s\" ')", json!("s")),
        ("Array.isArray([1])", json!(true)),
        ("Array.isArray('a')", json!(false)),
    ]);
}

#[test]
fn calls_string_and_array_methods() {
    gives_plain(&[
        ("'Hello'.indexOf('l')", json!(2)),
        ("'Hello'.indexOf('l', 3)", json!(3)),
        ("'Hello'.indexOf('z')", json!(-1)),
        ("'Hello'.indexOf('')", json!(0)),
        ("'😀ab'.indexOf('b')", json!(3)),
        ("'Hello'.includes('ell')", json!(true)),
        ("'Hello'.includes('ell', 2)", json!(false)),
        ("'Hello'.startsWith('He')", json!(true)),
        ("'Hello'.startsWith('ll', 2)", json!(true)),
        ("'Hello'.endsWith('lo')", json!(true)),
        ("'Hello'.endsWith('ll', 4)", json!(true)),
        ("'Hello'.toUpperCase()", json!("HELLO")),
        ("'Straße'.toUpperCase()", json!("STRASSE")),
        ("'HeLLo'.toLowerCase()", json!("hello")),
        ("' \\t x \\n'.trim()", json!("x")),
        ("'Hello'.substring(1, 3)", json!("el")),
        ("'Hello'.substring(3, 1)", json!("el")),
        ("'Hello'.substring(-2)", json!("Hello")),
        ("'Hello'.substring(2)", json!("llo")),
        ("'Hello'.slice(-3, -1)", json!("ll")),
        ("'a,b,c'.split(',')", json!(["a", "b", "c"])),
        ("'a,b,c'.split(',', 2)", json!(["a", "b"])),
        ("'abc'.split('')", json!(["a", "b", "c"])),
        ("'abc'.split()", json!(["abc"])),
        ("''.split(',')", json!([""])),
        ("'Hello'.charAt(1)", json!("e")),
        ("'Hello'.charAt(10)", json!("")),
        ("'a'.concat('b', 1, null)", json!("ab1null")),
        ("'é😀'.length", json!(3)),
        ("(5).toString() + true.toString()", json!("5true")),
        ("[1, 2, 3].indexOf(2)", json!(1)),
        ("[1, 2, 3].indexOf('2')", json!(-1)),
        ("[1, 2, 1].indexOf(1, 1)", json!(2)),
        ("[1, 2, 1].indexOf(1, -1)", json!(2)),
        ("[1, 2, 3].includes(4)", json!(false)),
        ("[NaN].includes(NaN)", json!(true)),
        ("[NaN].indexOf(NaN)", json!(-1)),
        ("[1, [2, 3], null, undefined].join('-')", json!("1-2,3--")),
        ("[1, 2].join()", json!("1,2")),
        ("[1, 2, 3, 4].slice(1, -1)", json!([2, 3])),
        ("[1, 2, 3].slice(-2)", json!([2, 3])),
        ("[1].concat([2, 3], 4, [[5]])", json!([1, 2, 3, 4, [5]])),
        ("[1, 2].toString()", json!("1,2")),
    ]);
    gives(&[
        (
            "$.tags.includes('x') && $.name.startsWith('a')",
            json!({"tags": ["x"], "name": "ab"}),
            json!(true),
        ),
        (
            "$.list.join('|')",
            json!({"list": [1, "a", null, [2]]}),
            json!("1|a||2"),
        ),
        (
            "$.list.indexOf($.list[1])",
            json!({"list": [{"a": 1}, {"a": 2}]}),
            json!(1),
        ),
        (
            "$.list.slice(1).concat($.list)",
            json!({"list": [1, 2]}),
            json!([2, 1, 2]),
        ),
        (
            "Array.isArray($.list) && !Array.isArray($.o)",
            json!({"list": [], "o": {}}),
            json!(true),
        ),
    ]);
}

#[test]
fn runs_what_the_old_subset_rejected() {
    gives(&[
        (
            "(function(){ var s = 0; for (var i = 0; i < 4; i++) s += i; return s; })()",
            json!({}),
            json!(6),
        ),
        (
            "$.xs.map(x => x * 2).filter(x => x > 2)",
            json!({"xs": [1, 2, 3]}),
            json!([4, 6]),
        ),
        ("$.o.k = 5; $.o", json!({"o": {}}), json!({"k": 5})),
        ("`n=${$.n}`", json!({"n": 3}), json!("n=3")),
        ("/b+/.test($.s)", json!({"s": "abbc"}), json!(true)),
        (
            "new Date($.ts).getTime() + 86400000",
            json!({"ts": "1970-01-01T00:00:00Z"}),
            json!(86_400_000),
        ),
        ("Object.keys($)", json!({"a": 1, "b": 2}), json!(["a", "b"])),
        (
            "(function(){ try { null.x } catch (e) { return e.name } })()",
            json!({}),
            json!("TypeError"),
        ),
        (
            "(function(){ switch ($.k) { case 1: return 'one'; default: return 'other' } })()",
            json!({"k": 1}),
            json!("one"),
        ),
        ("$.a?.b ?? 'none'", json!({}), json!("none")),
        ("(1.005).toFixed(2)", json!({}), json!("1.00")),
        ("new Date(0)", json!({}), json!({})),
        (
            "({f: function () {}, u: undefined})",
            json!({}),
            json!({"f": {}, "u": null}),
        ),
        (
            "[NaN, Infinity, -0, 2 ** 53, 0.5]",
            json!({}),
            json!([null, null, 0, 9_007_199_254_740_992_i64, 0.5]),
        ),
    ]);
}

#[test]
fn reports_malformed_scripts_with_line_and_column() {
    let cases: &[(&str, &str, (u32, u32))] = &[
        ("1 +", "SyntaxError", (1, 4)),
        ("(1", "SyntaxError", (1, 3)),
        ("var x = 1;\nvar = 2;", "SyntaxError", (2, 5)),
        ("'abc", "SyntaxError", (1, 1)),
        ("$.", "SyntaxError", (1, 3)),
    ];
    for (src, fragment, at) in cases {
        let Err(e) = Script::parse(src) else {
            panic!("{src}: parsed")
        };
        assert!(e.message.contains(fragment), "{src}: {e}");
        assert_eq!(e.at, Some(*at), "{src}: {e}");
    }
}

#[test]
fn checking_runs_nothing() {
    // A syntax check of a script that would loop forever returns at once, and a valid script's
    // check does not need its input.
    assert!(Script::parse("while (true) {}").is_ok());
    assert!(Script::parse("$.a.b.c").is_ok());
}

#[test]
fn reports_runtime_errors() {
    fails(&[
        (
            "foo(1)",
            json!({}),
            "ReferenceError: foo is not defined",
            Some((1, 1)),
        ),
        (
            "var a = 1;\n$.missing.x",
            json!({}),
            "TypeError: cannot read property 'x' of undefined",
            Some((2, 1)),
        ),
        (
            "throw new Error('bad input')",
            json!({}),
            "Error: bad input",
            Some((1, 11)),
        ),
        (
            "throw 'plain'",
            json!({}),
            "the script threw \"plain\"",
            None,
        ),
        (
            "throw {code: 7}",
            json!({}),
            "the script threw {\"code\":7}",
            None,
        ),
    ]);
}

#[test]
fn bounds_time_memory_stack_and_result() {
    fails(&[
        (
            "while (true) {}",
            json!({}),
            "the script ran too long and was stopped",
            None,
        ),
        (
            "(function(){ try { while (true) {} } catch (e) { return 'caught' } })()",
            json!({}),
            "ran too long",
            None,
        ),
        (
            "var a = []; while (true) a.push('x'.repeat(1000) + a.length)",
            json!({}),
            "the script ran out of memory",
            None,
        ),
        (
            "function f() { return f() + 1 } f()",
            json!({}),
            "RangeError",
            Some((1, 22)),
        ),
        (
            "var o = {}; o.o = o; o",
            json!({}),
            "refers to itself",
            None,
        ),
    ]);
    // The engine is usable again afterwards.
    gives_plain(&[("1 + 1", json!(2))]);
}

#[test]
fn scripts_do_not_share_globals() {
    let leaky = [
        "var leaked = 1; const c = 2; let l = 3; class K {} function f() {} globalThis.g = 4; \
         implicit = 5; this.t = 6; globalThis[Symbol.for('s')] = 7; leaked",
        "Array.prototype.first = 1; Object.prototype.inherited = 2; JSON.extra = 3; 1",
        "JSON = null; Math = 1; Object = undefined; Array.prototype.map = null; 1",
        "Object.defineProperty(globalThis, 'stuck', {value: 1}); 1",
        "Object.defineProperty(globalThis, 'getter', {get() { return 1 }, configurable: true}); 1",
        "Object.prototype.toString = function () { return 'mine' }; 1",
        "Promise.resolve().then(() => { globalThis.late = 1 }); 1",
    ];
    let sees = "[typeof leaked, typeof c, typeof l, typeof K, typeof f, typeof g, typeof implicit, \
         typeof t, globalThis[Symbol.for('s')], [].first, ({}).inherited, JSON.extra, \
         typeof JSON.parse, typeof Math.max, typeof Object.keys, [1].map(x => x + 1), \
         typeof stuck, typeof getter, String({}), typeof late, $.x]";
    let clean = json!([
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        "undefined",
        null,
        null,
        null,
        null,
        "function",
        "function",
        "function",
        [2],
        "undefined",
        "undefined",
        "[object Object]",
        "undefined",
        1
    ]);
    for script in leaky {
        assert_eq!(run(script, &json!({})), Ok(json!(1)), "{script}");
        assert_eq!(
            run(sees, &json!({"x": 1})),
            Ok(clean.clone()),
            "after {script}"
        );
    }
    // The same declarations again: no "redeclaration" of the previous evaluation's.
    for _ in 0..3 {
        gives_plain(&[("let a = 1; const b = 2; class C {} a + b", json!(3))]);
    }
}

#[test]
fn built_ins_are_frozen_but_own_properties_can_still_shadow_them() {
    gives_plain(&[
        ("Array.prototype.first = 1; [].first", json!(null)),
        ("Math.max = null; typeof Math.max", json!("function")),
        (
            "var e = new Error('x'); e.name = 'Custom'; e.name + ': ' + e.message",
            json!("Custom: x"),
        ),
        (
            "class E extends Error { constructor(m) { super(m); this.name = 'E'; } } String(new E('m'))",
            json!("E: m"),
        ),
        (
            "var o = {}; o.toString = function () { return 'o' }; '' + o",
            json!("o"),
        ),
        (
            "function P() {} P.prototype.valueOf = function () { return 7 }; new P() * 1",
            json!(7),
        ),
        ("var JSON = 5; JSON", json!(5)),
        ("Map = 1; Map", json!(1)),
        ("typeof Map", json!("function")),
    ]);
    fails(&[(
        "'use strict'; Array.prototype.first = 1",
        json!({}),
        "TypeError",
        Some((1, 15)),
    )]);
}

#[test]
fn recovers_after_running_out_of_time_or_memory() {
    let needs_memory = "var a = []; for (var i = 0; i < 200000; i++) a.push({i: i}); a.length";
    for failing in [
        "var a = []; while (true) a.push('x'.repeat(1000) + a.length)",
        "while (true) {}",
        "var kept = []; globalThis.kept = kept; while (true) kept.push([kept])",
    ] {
        assert!(run(failing, &json!({})).is_err(), "{failing}");
        gives_plain(&[
            (needs_memory, json!(200000)),
            ("typeof kept", json!("undefined")),
        ]);
    }
}

#[test]
fn converts_maps_and_sets_as_conductor_does() {
    gives_plain(&[
        ("new Map([['a', 1], ['b', [2]]])", json!({"a": 1, "b": [2]})),
        (
            "new Map([[1, 'one'], [2.5, 'x'], [true, 't'], [null, 'n']])",
            json!({"1": "one", "2.5": "x", "true": "t", "null": "n"}),
        ),
        (
            "({m: new Map([['in', new Map([['deep', 1]])]])})",
            json!({"m": {"in": {"deep": 1}}}),
        ),
        (
            "class M extends Map {} new M([['k', 'v']])",
            json!({"k": "v"}),
        ),
        ("var m = new Map([['k', 1]]); m.own = 2; m", json!({"k": 1})),
        ("Object.create(Map.prototype)", json!({})),
        ("new Set([1, 2])", json!({})),
        ("new Map()", json!({})),
    ]);
}

#[test]
fn has_no_file_network_or_process_access() {
    gives_plain(&[(
        "[typeof require, typeof process, typeof std, typeof os, typeof fetch, typeof XMLHttpRequest, typeof print, typeof console]",
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined"
        ]),
    )]);
}

#[test]
fn never_panics_on_generated_scripts() {
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "$", ".a", "[", "]", "(", ")", "{", "}", "1", "'s'", "+", "-", "*", "/", "%", "==", "===",
        "!", "<", "&&", "||", "?", ":", ";", ",", "var x = ", "x", "if (", "else", "return ",
        "(function(){", "})()", "typeof ", "Math.max(", "JSON.stringify(", "function e() {", "e()",
        "JSON.parse(", ".length", ".indexOf(", ".split(", "null", "undefined", "\n", "=", "+=",
        "[1, 2]", "{a: 1}", "'\\u", "\"", "/*", "//", "0x", "1e", ".5", "let ", "const ",
    ];
    let input = json!({"a": [1, "x", {"a": null}], "s": "abc"});
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        let mut src = String::new();
        for _ in 0..(seed % 12 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            src.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
        }
        if let Ok(script) = Script::parse(&src) {
            let _ = script.eval(&input);
        }
    }
}

#[test]
fn scripts_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Script>();
    shareable::<JsError>();
}

#[test]
fn applies_conductor_truthiness() {
    let cases = [
        (json!(true), true),
        (json!(1), true),
        (json!(0.5), true),
        (json!(0), false),
        (json!(-1), false),
        (json!("true"), false),
        (json!(null), false),
        (json!(false), false),
        (json!([1]), false),
        (json!({}), false),
    ];
    for (v, want) in cases {
        assert_eq!(conductor_truthy(&v), want, "{v}");
    }
    let loop_condition = Script::parse("$.loop['iteration'] < 3")
        .map(|s| s.eval(&json!({"loop": {"iteration": 2}})));
    assert!(matches!(loop_condition, Ok(Ok(v)) if conductor_truthy(&v)));
}
