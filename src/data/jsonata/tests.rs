use super::*;
use serde_json::json;
use std::time::Duration;

fn input() -> Value {
    json!({"x": 1, "items": [1, 2, 3], "name": "Ada"})
}

fn eval_with(engine: &Jsonata, expression: &str) -> Result<Option<Value>, QueryError> {
    let input = input();
    engine.evaluate(expression, &Bindings::new(&input))
}

fn eval(expression: &str) -> Result<Option<Value>, QueryError> {
    eval_with(&Jsonata::default(), expression)
}

/// `expression` gives `expected`.
fn gives(expression: &str, expected: Value) {
    assert_eq!(eval(expression), Ok(Some(expected)), "{expression}");
}

/// `expression` fails with the JSONata code `code`.
fn fails(expression: &str, code: &str) {
    let error = eval(expression).expect_err(expression);
    assert_eq!(error.code(), Some(code), "{expression}: {error}");
}

fn limit(expression: &str) -> Limit {
    match eval(expression) {
        Err(QueryError::Limit(limit)) => limit,
        other => panic!("{expression}: expected a limit, got {other:?}"),
    }
}

#[test]
fn recognises_only_exact_delimiters() {
    let cases = [
        ("{% $states.input %}", Some("$states.input")),
        ("{%$x%}", Some("$x")),
        ("{%\n  1 + 1\n%}", Some("1 + 1")),
        ("{%%}", Some("")),
        (" {% $states.input %}", None),
        ("{% $states.input %} ", None),
        ("{% 1", None),
        ("1 %}", None),
        ("{%}", None),
        ("%}{%", None),
        ("$states.input", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(expression(text), expected, "{text:?}");
    }
}

#[test]
fn partition_as_states_array_partition() {
    gives("$partition([0,1,2], 2)", json!([[0, 1], [2]]));
    gives(
        "$partition([1,2,3,4,5,6,7,8,9], 3)",
        json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    );
    gives("$partition([1], 1)", json!([[1]]));
    gives("$partition([], 2)", json!([]));
    gives("$partition([1,2,3], 2.9)", json!([[1, 2], [3]]));
    assert!(eval("$partition([1,2], 0)").is_err());
    assert!(eval("$partition([1,2], 'a')").is_err());
    assert_eq!(eval("$partition($nothing, 2)"), Ok(None));
}

#[test]
fn range_is_inclusive_and_unwraps_a_singleton() {
    gives("$range(0, 10, 3)", json!([0, 3, 6, 9]));
    gives("$range(0, 10, 2)", json!([0, 2, 4, 6, 8, 10]));
    gives("$range(1, 9, 9)", json!(1));
    gives("$range(10, 0, -5)", json!([10, 5, 0]));
    gives("$range(1, 0, 1)", json!([]));
    gives("$range(0.9, 3.5, 1)", json!([0, 1, 2, 3]));
    assert!(eval("$range(0, 10, 0)").is_err());
    assert_eq!(limit("$range(1, 1000000, 1)"), Limit::Memory);
}

#[test]
fn hash_gives_lowercase_hex() {
    let cases = [
        ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "SHA-256",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "SHA-384",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            "SHA-512",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (algorithm, hex) in cases {
        gives(&format!("$hash('abc', '{algorithm}')"), json!(hex));
    }
    let error = eval("$hash('abc', 'MD4')").unwrap_err();
    assert!(error.to_string().contains("use MD5, SHA-1"), "{error}");
    assert_eq!(eval("$hash($nothing, 'MD5')"), Ok(None));
}

#[test]
fn random_with_a_seed_is_java_next_double() {
    gives("$random(42)", json!(0.7275636800328681));
    gives("$random(42.7)", json!(0.7275636800328681));
    let x = eval("$random()").unwrap().unwrap().as_f64().unwrap();
    assert!((0.0..1.0).contains(&x));
}

#[test]
fn random_uuid_and_shuffle_follow_the_seed() {
    let engine = Jsonata::default();
    let input = input();
    // An array constructor would splice the shuffled array in, so collect in an object.
    let expression =
        "{'0': $random(), '1': $uuid(), '2': $uuid(), '3': $shuffle([1,2,3,4,5,6,7,8])}";
    let run = |seed| engine.evaluate(expression, &Bindings::new(&input).random_seed(seed));
    let first = run(7).unwrap().unwrap();
    assert_eq!(run(7).unwrap().unwrap(), first);
    assert_ne!(run(8).unwrap().unwrap(), first);
    let uuid = first["1"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4", "version 4: {uuid}");
    assert_ne!(first["1"], first["2"], "two calls draw two UUIDs");
    let mut sorted: Vec<_> = first["3"].as_array().unwrap().clone();
    sorted.sort_by_key(|v| v.as_i64());
    assert_eq!(sorted, (1..=8).map(Value::from).collect::<Vec<_>>());
}

#[test]
fn parse_reads_json_scalars_included() {
    gives(r#"$parse('{"a":1}').a"#, json!(1));
    gives("$parse('1.1')", json!(1.1));
    gives(r#"$parse('"s"')"#, json!("s"));
    gives("$parse('[1,{\"b\":null}]')", json!([1, {"b": null}]));
    assert!(eval("$parse('{')").is_err());
}

#[test]
fn eval_and_unknown_functions_are_not_functions() {
    fails("$eval('1+1')", "T1006");
    fails("$randomSeeded(1)", "T1006");
    fails("$formatNumber(1, 'x')", "D3086");
}

#[test]
fn now_and_millis_come_from_the_bindings() {
    let input = input();
    let bindings = Bindings::new(&input).now_millis(1_700_000_000_123);
    let engine = Jsonata::default();
    let run = |e| engine.evaluate(e, &bindings).unwrap().unwrap();
    assert_eq!(run("$now()"), json!("2023-11-14T22:13:20.123Z"));
    assert_eq!(run("$millis()"), json!(1_700_000_000_123i64));
    assert_eq!(run("$now('[Y0001]-[M01]')"), json!("2023-11"));
    assert_eq!(run("$now('[H01]:[m01]', '+0100')"), json!("23:13"));
}

#[test]
fn states_and_variables_are_bound() {
    let (input, context, result, error) = (
        json!({"a": 1}),
        json!({"Execution": {"Name": "e1"}}),
        json!({"r": 2}),
        json!({"Error": "E"}),
    );
    let variables = serde_json::Map::from_iter([("x".to_string(), json!(40))]);
    let bindings = Bindings::new(&input)
        .context(&context)
        .result(&result)
        .error_output(&error)
        .variables(&variables);
    let engine = Jsonata::default();
    let run = |e| engine.evaluate(e, &bindings).unwrap();
    assert_eq!(
        run("$states.input.a + $x + $states.result.r"),
        Some(json!(43))
    );
    assert_eq!(run("$states.context.Execution.Name"), Some(json!("e1")));
    assert_eq!(run("$states.errorOutput.Error"), Some(json!("E")));
    assert_eq!(
        run("$keys($states)"),
        Some(json!(["input", "context", "result", "errorOutput"]))
    );
    assert_eq!(run("$y"), None);
    assert_eq!(run("($x := 2; $x)"), Some(json!(2)));
}

#[test]
fn results_are_json() {
    gives("0.1 + 0.2", json!(0.30000000000000004));
    gives("6 / 2", json!(3));
    gives("{'b': 1, 'a': 2}", json!({"b": 1, "a": 2}));
    gives("[$states.input.items[0]]", json!([1]));
    gives("{'f': function(){1}, 'a': 1}", json!({"a": 1}));
    gives("[function(){1}, 2]", json!([null, 2]));
    assert_eq!(eval("function(){1}"), Ok(None));
    assert_eq!(eval("$states.input.missing"), Ok(None));
    // No implicit input document: top-level field names find nothing.
    assert_eq!(eval("x"), Ok(None));
}

#[test]
fn deep_or_recursive_expressions_fail_with_a_stack_overflow() {
    let sum = vec!["1"; 200].join("+");
    assert_eq!(limit(&sum), Limit::Depth);
    gives(&vec!["1"; 50].join("+"), json!(50));
    let recursive = "($f := function($x){ 1 + $f($x) }; $f(1))";
    assert_eq!(limit(recursive), Limit::Depth);
    gives(
        "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(20))",
        json!(20),
    );
    // Deeper than the parser goes: refused before evaluation, without touching the stack.
    let parens = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(eval(&parens), Err(QueryError::Syntax { .. })));
    // A value nested deeper than any JSON document.
    let nested = "$reduce([1..5000], function($a, $b){ {'a': $a} }, 0)";
    assert_eq!(limit(nested), Limit::Depth);
}

#[test]
fn runaway_loops_time_out() {
    let engine = Jsonata::new(Limits {
        time: Some(Duration::from_millis(100)),
        ..Limits::AWS
    });
    let tail_recursive = "($f := function($x){ $f($x + 1) }; $f(1))";
    assert_eq!(
        eval_with(&engine, tail_recursive),
        Err(QueryError::Limit(Limit::Time))
    );
}

#[test]
fn large_sequences_exceed_the_memory_limit() {
    gives("[1..873782] ~> $count()", json!(873_782));
    assert_eq!(limit("[1..873783] ~> $count()"), Limit::Memory);
    assert_eq!(limit("$sum([1..900000])"), Limit::Memory);
    assert_eq!(limit("[1..100000000]"), Limit::Memory);
}

#[test]
fn causes_read_as_aws_writes_them() {
    let error = eval("$eval('1')").unwrap_err();
    assert_eq!(
        error.cause("$eval('1')", "Output/r"),
        "The JSONata expression '$eval('1')' specified for the field 'Output/r' threw an error \
         during evaluation. T1006: Attempted to invoke a non-function"
    );
    assert_eq!(
        QueryError::Limit(Limit::Memory).cause("[1..900000]", "Output/r"),
        "The JSONata expression '[1..900000]' specified for the field 'Output/r' threw an error \
         during evaluation: Expression evaluation memory limit exceeded: Check for excessive \
         memory usage"
    );
    assert_eq!(
        undefined_cause("$doesNotExist", "Output/result"),
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' \
         returned nothing (undefined)."
    );
}

#[test]
fn check_reports_syntax_errors_and_free_names() {
    let engine = Jsonata::default();
    let error = engine.check("1 +").unwrap_err();
    assert_eq!(error.code(), Some("S0207"));
    assert!(matches!(error, QueryError::Syntax { .. }));

    let analysis = engine
        .check(
            "$x + $states.input.a + $states.result + ($y := 1; $y) \
             + $sum($map([1], function($v){ $v + $z })) + ($f := function(){ $f() }; 0) \
             + $y2[$w > 0]",
        )
        .unwrap();
    let names = |set: &std::collections::BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>();
    assert_eq!(names(&analysis.variables), ["w", "x", "y2", "z"]);
    assert_eq!(names(&analysis.states_fields), ["input", "result"]);
    assert!(!analysis.states_whole);
    // `$f` is bound by `:=`, so only the built-ins are free.
    assert_eq!(names(&analysis.functions), ["map", "sum"]);
    assert!(engine.check("$keys($states)").unwrap().states_whole);
}

#[test]
fn check_flags_reads_of_the_input_document() {
    let engine = Jsonata::default();
    let reads = |e| engine.check(e).unwrap().reads_input_document;
    for e in [
        "$",
        "$$",
        "x",
        "x.y",
        "*",
        "**.a",
        "$count(items)",
        "1 + $.a",
        "(a)",
    ] {
        assert!(reads(e), "{e} reads the input document");
    }
    let fine = [
        "$states.input.items[price > 1].name",
        "$states.input.items.(qty * price)",
        "$map($states.input.items, function($v){ $v.price + $ })",
        "$states.input.items^(price).sku",
        "$states.input.items{sku: qty}",
        "$states.input ~> |items|{'t': qty}|",
        "$x.y",
        "'literal'",
    ];
    for e in fine {
        assert!(!reads(e), "{e} does not read the input document");
    }
}

#[test]
fn the_engine_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Jsonata>();
    let engine = std::sync::Arc::new(Jsonata::default());
    let worker = {
        let engine = std::sync::Arc::clone(&engine);
        std::thread::spawn(move || eval_with(&engine, "1 + 1"))
    };
    assert_eq!(worker.join().unwrap(), Ok(Some(json!(2))));
    assert_eq!(eval_with(&engine, "1 + 1"), Ok(Some(json!(2))));
}

/// Found by `scripts/fuzz`: jsonata-core 2.2.13 panics inside `$fromMillis` on these (a
/// non-ASCII first character in a picture marker; a timestamp that overflows once the offset is
/// added, in builds with overflow checks). The panic becomes an evaluation error of the state.
#[test]
fn library_panics_become_evaluation_errors() {
    for expression in [
        r#"$fromMillis(0, "[é]")"#,
        r#"$fromMillis(1709214330123, "[𒐍Y0001]-[M01]")"#,
        r#"$fromMillis(9223372036854775807, "[Y0001]", "+0530")"#,
    ] {
        match eval(expression) {
            Err(QueryError::Evaluation {
                code: None,
                message,
            }) => {
                assert!(
                    message.starts_with("the JSONata library failed"),
                    "{message}"
                )
            }
            other => panic!("{expression}: expected an evaluation error, got {other:?}"),
        }
    }
}

/// Found by `scripts/fuzz`: jsonata-core 2.2.13 panics parsing a function signature with a
/// non-ASCII character; the definition is refused with a syntax error instead.
#[test]
fn library_panics_in_signatures_become_syntax_errors() {
    let expression = r#"($f := function($x)<n𩯈:n>{ $x + 1 }; $f(1))"#;
    match Jsonata::default().check(expression) {
        Err(QueryError::Syntax {
            code: None,
            message,
        }) => {
            assert!(
                message.starts_with("the JSONata library failed"),
                "{message}"
            )
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

/// Found by `scripts/fuzz`: the library writes one `M` per thousand, so a huge number in roman
/// numerals never ended; beyond a million it is refused. Other pictures are the library's.
#[test]
fn format_integer_bounds_roman_numerals() {
    gives(r#"$formatInteger(1999, "I")"#, json!("MCMXCIX"));
    gives(r#"$formatInteger(1999, "i")"#, json!("mcmxcix"));
    gives(r##"$formatInteger(1234, "#,##0")"##, json!("1,234"));
    gives(r#"$formatInteger(3, "w")"#, json!("three"));
    let error = eval(r#"$formatInteger(199184467440737099951516169, "I")"#).unwrap_err();
    assert!(
        error.to_string().contains("roman numerals only up to"),
        "{error}"
    );
}

/// Found by `scripts/fuzz`: `$pad` to a huge width never ended; beyond a million characters it
/// is refused. Other widths are the library's.
#[test]
fn pad_bounds_the_width() {
    gives(r#"$pad("x", 3)"#, json!("x  "));
    gives(r##"$pad("x", -3, "#")"##, json!("##x"));
    for expression in [
        r#"$pad("x", 59007199254740993, "ab")"#,
        r#"$pad("x", -21474836485)"#,
    ] {
        let error = eval(expression).unwrap_err();
        assert!(error.to_string().contains("pads to at most"), "{error}");
    }
}

/// A long chain of context bindings is refused before jsonata-core evaluates it as a cross join
/// that never ends (found by fuzzing, FUZZING.md); a short one evaluates, and `@` in a string
/// or a backquoted name is not a binding.
#[test]
fn long_chains_of_context_bindings_are_refused() {
    let chain = format!("$states.input.items{}", "@$ut.items".repeat(233));
    match eval(&chain) {
        Err(QueryError::Syntax { message, .. }) => {
            assert!(message.contains("233 context bindings"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(eval(r#"[1, 2]@$x.($x)"#).is_ok());
    let quoted = format!("\"{}\" & `{}`", "@".repeat(20), "a@b");
    assert!(!matches!(eval(&quoted), Err(QueryError::Syntax { .. })));
}
