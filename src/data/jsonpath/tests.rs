//! Table-style tests: `sel(doc, path)` gives the selection or the error text.

use super::*;
use serde_json::json;

const BOOKS: &str = r#"{"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99}],
  "bicycle":{"color":"red","price":19.95}},
  "expensive":10}"#;

const NUMS: &str = r#"{"nums":[0,1,2,3,4]}"#;

fn doc(text: &str) -> Value {
    serde_json::from_str(text).expect("test document is JSON")
}

fn sel(text: &str, path: &str) -> Result<Value, String> {
    let p = Path::parse(path).map_err(|e| format!("parse: {e}"))?;
    p.select(&doc(text))
        .map(Cow::into_owned)
        .map_err(|e| e.to_string())
}

fn gives(text: &str, cases: &[(&str, &str)]) {
    for (path, want) in cases {
        assert_eq!(sel(text, path), Ok(doc(want)), "path {path}");
    }
}

fn fails(text: &str, cases: &[(&str, &str)]) {
    for (path, want) in cases {
        assert_eq!(sel(text, path), Err(want.to_string()), "path {path}");
    }
}

fn parse_error(path: &str) -> String {
    match Path::parse(path) {
        Ok(p) => panic!("{path} parsed: {p:?}"),
        Err(e) => e.message,
    }
}

fn set(text: &str, path: &str, value: Value) -> Result<String, String> {
    let p = Path::parse(path).map_err(|e| e.message)?;
    let out = p.set(doc(text), value).map_err(|e| e.to_string())?;
    Ok(out.to_string())
}

// ---- roots ----

#[test]
fn roots() {
    let cases = [
        ("$", Root::Input),
        ("$.a", Root::Input),
        ("$[0]", Root::Input),
        ("$$", Root::Context),
        ("$$.Execution.Id", Root::Context),
        ("$$['State']", Root::Context),
        ("$var", Root::Variable("var".into())),
        ("$var.a.b", Root::Variable("var".into())),
        ("$_v1[0]", Root::Variable("_v1".into())),
        ("$ñame.x", Root::Variable("ñame".into())),
    ];
    for (path, root) in cases {
        let p = Path::parse(path).expect(path);
        assert_eq!(p.root(), &root, "{path}");
        assert_eq!(p.source(), path);
    }
}

#[test]
fn select_applies_the_steps_after_the_root() {
    let context = doc(r#"{"Execution":{"Id":"arn:x","Input":{"k":1}}}"#);
    let p = Path::parse("$$.Execution.Id").unwrap();
    assert_eq!(p.select(&context).unwrap().into_owned(), json!("arn:x"));
    let var = doc(r#"{"a":{"b":[7]}}"#);
    let p = Path::parse("$myVar.a.b[0]").unwrap();
    assert_eq!(p.select(&var).unwrap().into_owned(), json!(7));
    let p = Path::parse("$$").unwrap();
    assert!(matches!(p.select(&context), Ok(Cow::Borrowed(v)) if *v == context));
}

#[test]
fn definite_paths_borrow() {
    let d = doc(r#"{"a":{"b":[1,{"c":true}]}}"#);
    for path in ["$", "$.a", "$.a.b[1].c", "$['a']['b'][-1]"] {
        let p = Path::parse(path).unwrap();
        assert!(matches!(p.select(&d), Ok(Cow::Borrowed(_))), "{path}");
    }
    assert!(matches!(Path::parse("$").unwrap().select(&d), Ok(Cow::Borrowed(v)) if *v == d));
}

// ---- segments ----

#[test]
fn names_and_brackets() {
    let text = r#"{"a":{"b":1},"a b":2,"a.b":3,"it's":4,"say \"hi\"":5,"back\\slash":6,
        "abc":{"def ghi":7},"a-b":8,"ñandú":9,"$x":10,"":11,"a\\\"b":12}"#;
    gives(
        text,
        &[
            ("$.a.b", "1"),
            ("$['a']['b']", "1"),
            (r#"$["a"]["b"]"#, "1"),
            ("$['a b']", "2"),
            ("$['a.b']", "3"),
            (r"$['it\'s']", "4"),
            (r#"$["it's"]"#, "4"),
            (r#"$["say \"hi\""]"#, "5"),
            (r"$['back\\slash']", "6"),
            ("$.abc.['def ghi']", "7"),
            ("$.abc[ 'def ghi' ]", "7"),
            ("$.a-b", "8"),
            ("$.ñandú", "9"),
            ("$.$x", "10"),
            ("$['']", "11"),
            (r#"$['a\"b']"#, "12"),
            ("$.a.['b']", "1"),
        ],
    );
}

#[test]
fn indexes() {
    gives(
        NUMS,
        &[
            ("$.nums[0]", "0"),
            ("$.nums[4]", "4"),
            ("$.nums[-1]", "4"),
            ("$.nums[-5]", "0"),
            ("$.nums[0,2]", "[0,2]"),
            ("$.nums[ 0 , -1 ]", "[0,4]"),
            ("$.nums[0,9]", "[0]"),
            ("$['nums'][1]", "1"),
        ],
    );
    gives(
        r#"[[1,2],[3]]"#,
        &[("$[0][1]", "2"), ("$[1][0]", "3"), ("$.[1]", "[3]")],
    );
}

#[test]
fn wildcards() {
    gives(
        r#"{"o":{"x":1,"y":[2]},"a":[3,{"z":4}],"s":"str"}"#,
        &[
            ("$.o.*", "[1,[2]]"),
            ("$.o[*]", "[1,[2]]"),
            ("$.a[*]", r#"[3,{"z":4}]"#),
            ("$.a.*", r#"[3,{"z":4}]"#),
            ("$.s.*", "[]"),
            ("$.a[*].z", "[4]"),
            ("$.*.x", "[1]"),
        ],
    );
}

#[test]
fn slices_follow_python() {
    gives(
        NUMS,
        &[
            ("$.nums[1:3]", "[1,2]"),
            ("$.nums[1:]", "[1,2,3,4]"),
            ("$.nums[:2]", "[0,1]"),
            ("$.nums[:]", "[0,1,2,3,4]"),
            ("$.nums[-2:]", "[3,4]"),
            ("$.nums[:-3]", "[0,1]"),
            ("$.nums[1:-1]", "[1,2,3]"),
            ("$.nums[::2]", "[0,2,4]"),
            ("$.nums[1::2]", "[1,3]"),
            ("$.nums[::-1]", "[4,3,2,1,0]"),
            ("$.nums[4:0:-1]", "[4,3,2,1]"),
            ("$.nums[-1:-3:-1]", "[4,3]"),
            ("$.nums[100:200]", "[]"),
            ("$.nums[-100:2]", "[0,1]"),
            ("$.nums[3:1]", "[]"),
            ("$.nums[0:1]", "[0]"),
            ("$.nums[ 1 : 3 ]", "[1,2]"),
        ],
    );
    gives(
        r#"{"o":{"a":1},"e":[]}"#,
        &[("$.o[0:1]", "[]"), ("$.e[::-1]", "[]"), ("$.e[:]", "[]")],
    );
}

#[test]
fn name_unions_merge_at_the_end_and_iterate_elsewhere() {
    gives(
        r#"{"a":1,"b":2,"c":3}"#,
        &[
            ("$['a','b']", r#"{"a":1,"b":2}"#),
            ("$['a','x']", r#"{"a":1}"#),
        ],
    );
    gives(
        r#"{"x":[{"a":1,"b":2},{"a":3},5]}"#,
        &[("$.x[*]['a','b']", r#"[{"a":1,"b":2},{"a":3}]"#)],
    );
    gives(
        r#"{"x":{"v":1},"y":{"v":2}}"#,
        &[("$['x','y'].v", "[1,2]"), ("$['y','x'].v", "[2,1]")],
    );
}

#[test]
fn deep_scan() {
    let authors = r#"["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]"#;
    gives(
        BOOKS,
        &[
            ("$..author", authors),
            ("$.store.book[*].author", authors),
            ("$.store..price", "[8.95,12.99,8.99,22.99,19.95]"),
            ("$..book[2].title", r#"["Moby Dick"]"#),
            ("$..book[-1].title", r#"["The Lord of the Rings"]"#),
            (
                "$..book[0,1].title",
                r#"["Sayings of the Century","Sword of Honour"]"#,
            ),
            (
                "$..book[:2].title",
                r#"["Sayings of the Century","Sword of Honour"]"#,
            ),
            ("$..['color','price']", r#"[{"color":"red","price":19.95}]"#),
            ("$..nothing", "[]"),
        ],
    );
    gives(
        r#"{"a":{"b":1},"c":[2,[3]]}"#,
        &[
            ("$..*", r#"[{"b":1},[2,[3]],1,2,[3],3]"#),
            ("$..[0]", "[2,3]"),
            ("$..b", "[1]"),
        ],
    );
}

#[test]
fn deep_scan_survives_deep_documents() {
    let mut v = json!({"x": 1});
    for _ in 0..20_000 {
        v = Value::Array(vec![v]);
    }
    let p = Path::parse("$..x").unwrap();
    assert_eq!(p.select(&v).unwrap().into_owned(), json!([1]));
    // serde_json drops values recursively; take the tower apart by hand.
    while let Value::Array(mut items) = v {
        v = items.pop().unwrap_or(Value::Null);
    }
}

// ---- filters ----

#[test]
fn filters_compare_and_combine() {
    gives(
        BOOKS,
        &[
            (
                "$..book[?(@.isbn)].title",
                r#"["Moby Dick","The Lord of the Rings"]"#,
            ),
            (
                "$..book[?(!@.isbn)].title",
                r#"["Sayings of the Century","Sword of Honour"]"#,
            ),
            (
                "$.store.book[?(@.price < 10)].title",
                r#"["Sayings of the Century","Moby Dick"]"#,
            ),
            (
                "$.store.book[?(@.price <= $.expensive)].price",
                "[8.95,8.99]",
            ),
            ("$.store.book[?(@.price >= 12.99)].price", "[12.99,22.99]"),
            ("$.store.book[?(@.price > 22.99)].price", "[]"),
            ("$.store.book[?(10 > @.price)].price", "[8.95,8.99]"),
            (
                "$..book[?(@.category == 'fiction' && @.price > 20)].title",
                r#"["The Lord of the Rings"]"#,
            ),
            (
                r#"$..book[?(@.category == "reference" || @.price > 20)].title"#,
                r#"["Sayings of the Century","The Lord of the Rings"]"#,
            ),
            ("$..book[?(!(@.price < 10))].price", "[12.99,22.99]"),
            (
                "$..book[?( ( @.price<10 ) && !( @.isbn ) )].price",
                "[8.95]",
            ),
            (
                "$..book[?(@.author != 'Nigel Rees')].price",
                "[12.99,8.99,22.99]",
            ),
            (
                "$..book[?(@.price < 10 || @.price > 20 && @.isbn)].price",
                "[8.95,8.99,22.99]",
            ),
            ("$..[?(@.color == 'red')].price", "[19.95]"),
            ("$..[?(@.price > 19)].price", "[22.99,19.95]"),
        ],
    );
}

#[test]
fn filter_literals_and_types() {
    let text =
        r#"{"v":[{"a":1},{"a":"1"},{"a":1.0},{"a":null},{"a":true},{"b":0},{"a":"b"},{"a":[1]}]}"#;
    gives(
        text,
        &[
            ("$.v[?(@.a == 1)]", r#"[{"a":1},{"a":1.0}]"#),
            ("$.v[?(@.a == 1.0)]", r#"[{"a":1},{"a":1.0}]"#),
            ("$.v[?(@.a == 1e0)]", r#"[{"a":1},{"a":1.0}]"#),
            ("$.v[?(@.a == '1')]", r#"[{"a":"1"}]"#),
            ("$.v[?(@.a == \"1\")]", r#"[{"a":"1"}]"#),
            ("$.v[?(@.a < 2)]", r#"[{"a":1},{"a":1.0}]"#),
            ("$.v[?(@.a > '0')]", r#"[{"a":"1"},{"a":"b"}]"#),
            ("$.v[?(@.a == null)]", r#"[{"a":null}]"#),
            ("$.v[?(@.a == true)]", r#"[{"a":true}]"#),
            (
                "$.v[?(@.a != true && @.a != 1 && @.a != '1')]",
                r#"[{"a":null},{"b":0},{"a":"b"},{"a":[1]}]"#,
            ),
            (
                "$.v[?(@.a)]",
                r#"[{"a":1},{"a":"1"},{"a":1.0},{"a":null},{"a":true},{"a":"b"},{"a":[1]}]"#,
            ),
            ("$.v[?(@.b == 0)]", r#"[{"b":0}]"#),
            ("$.v[?(@.b == -0)]", r#"[{"b":0}]"#),
            ("$.v[?(@.a == $.v[7].a)]", r#"[{"a":[1]}]"#),
            ("$.v[?(@.a == false)]", "[]"),
        ],
    );
}

#[test]
fn missing_operands_only_satisfy_not_equal() {
    gives(
        r#"[{"a":1},{"b":2}]"#,
        &[
            ("$[?(@.a != 1)]", r#"[{"b":2}]"#),
            ("$[?(@.a == 1)]", r#"[{"a":1}]"#),
            ("$[?(@.a < 5)]", r#"[{"a":1}]"#),
            ("$[?(@.a >= 0)]", r#"[{"a":1}]"#),
            ("$[?(@.a == @.nope)]", "[]"),
        ],
    );
}

/// Our choice: a bare `@` compares the element itself (Jayway), while a filter that reads a
/// member of `@` skips scalars (the AWS guide: "@ does not match scalars"). Arrays are still
/// tested, as containers.
#[test]
fn scalars_and_at() {
    gives(
        NUMS,
        &[
            ("$.nums[?(@ > 2)]", "[3,4]"),
            ("$.nums[?(@ == 2)]", "[2]"),
            ("$.nums[?(@)]", "[0,1,2,3,4]"),
        ],
    );
    gives(
        r#"{"m":[1,"s",null,{"x":1},{"x":2},{"y":0},[1]]}"#,
        &[
            ("$.m[?(@.x != 1)]", r#"[{"x":2},{"y":0},[1]]"#),
            ("$.m[?(!@.x)]", r#"[{"y":0},[1]]"#),
            ("$.m[?(@[0] == 1)]", "[[1]]"),
            ("$.m[?(@ == 's')]", r#"["s"]"#),
        ],
    );
}

#[test]
fn a_filter_on_an_object_tests_the_object() {
    gives(
        r#"{"obj":{"x":1,"y":{"x":2}}}"#,
        &[
            ("$.obj[?(@.x == 1)]", r#"[{"x":1,"y":{"x":2}}]"#),
            ("$.obj[?(@.x == 2)]", "[]"),
            ("$.obj[?(@.x == 1)].y.x", "[2]"),
            ("$.obj.x[?(@ == 1)]", "[]"),
        ],
    );
}

#[test]
fn nested_filters_and_string_order() {
    gives(
        r#"{"a":[{"items":[{"v":1}]},{"items":[{"v":2}]},{"items":[]}]}"#,
        &[
            ("$.a[?(@.items[?(@.v > 1)])]", r#"[{"items":[{"v":2}]}]"#),
            ("$.a[?(@.items[0])].items[0].v", "[1,2]"),
        ],
    );
    // Java orders strings by UTF-16 code units: U+1F600 (surrogates D83D DE00) sorts before
    // U+FF61, although its UTF-8 bytes sort after.
    gives(
        r#"["😀","｡"]"#,
        &[
            ("$[?(@ < '｡')]", r#"["😀"]"#),
            ("$[?(@ > '😀')]", r#"["｡"]"#),
        ],
    );
    gives(r#"["b","a","c"]"#, &[("$[?(@ >= 'b')]", r#"["b","c"]"#)]);
}

// ---- cardinality ----

#[test]
fn indefinite_paths_give_arrays_and_never_fail() {
    for path in [
        "$.items[*]",
        "$.items[1:]",
        "$.item.items[1:5].itemValue",
        "$..x",
        "$.a[?(@.b)]",
        "$.a[0,1]",
        "$.a.*.b",
        "$.a['x','y'].z",
    ] {
        assert_eq!(sel("{}", path), Ok(json!([])), "{path}");
        assert_eq!(
            sel(r#"{"items":"s","a":5,"item":null}"#, path),
            Ok(json!([])),
            "{path}"
        );
    }
    gives(
        r#"{"items":[1,2]}"#,
        &[("$.items[1:]", "[2]"), ("$.items[*]", "[1,2]")],
    );
}

#[test]
fn definite_paths_give_the_node() {
    let items: Vec<Value> = (0..11)
        .collect::<Vec<i32>>()
        .into_iter()
        .map(Value::from)
        .collect();
    let text = json!({"items": items, "n": null}).to_string();
    gives(
        &text,
        &[
            ("$.items[10]", "10"),
            ("$.n", "null"),
            ("$.items", "[0,1,2,3,4,5,6,7,8,9,10]"),
        ],
    );
}

// ---- errors on definite paths ----

const JAYWAY_TAIL: &str = "This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.";

#[test]
fn missing_data_errors_use_jayway_wording() {
    fails(
        r#"{"int-literal":0}"#,
        &[
            (
                "$.NoSuchInputPath",
                "No results for path: $['NoSuchInputPath']",
            ),
            ("$.no.such.result.path", "Missing property in path $['no']"),
            (r#"$["x y"]"#, r#"No results for path: $["x y"]"#),
            (r"$['it\'s']", r"No results for path: $['it\'s']"),
        ],
    );
    fails(
        r#"{"a":{},"items":[1],"e":[]}"#,
        &[
            ("$.a.b.c", "Missing property in path $['a']['b']"),
            ("$.a.b", "No results for path: $['a']['b']"),
            ("$.items[5]", "No results for path: $['items'][5]"),
            ("$.items[-2]", "No results for path: $['items'][-2]"),
            (
                "$.items[5].name",
                "No results for path: $['items'][5]['name']",
            ),
            ("$.e[0]", "No results for path: $['e'][0]"),
        ],
    );
    let p = Path::parse("$.no.such").unwrap();
    let err = p.select(&json!({})).unwrap_err();
    assert_eq!(
        err,
        PathError::MissingProperty {
            path: "$['no']".into()
        }
    );
    let p = Path::parse("$.none").unwrap();
    assert_eq!(
        p.select(&json!({})).unwrap_err(),
        PathError::NoResults {
            path: "$['none']".into()
        }
    );
}

#[test]
fn wrong_type_errors_use_jayway_wording() {
    let not_object = |prop: &str, at: &str, class: &str| {
        format!(
            "Expected to find an object with property {prop} in path {at} but found '{class}'. {JAYWAY_TAIL}"
        )
    };
    let text = r#"{"s":"str","n":null,"a":[1],"i":5,"l":10000000000,"f":5.5,"b":true,"o":{"b":1}}"#;
    fails(
        text,
        &[
            ("$.s.b", &not_object("['b']", "$['s']", "java.lang.String")),
            ("$.n.b", &not_object("['b']", "$['n']", "null")),
            (
                "$.a.b",
                &not_object("['b']", "$['a']", "net.minidev.json.JSONArray"),
            ),
            ("$.i.b", &not_object("['b']", "$['i']", "java.lang.Integer")),
            ("$.l.b", &not_object("['b']", "$['l']", "java.lang.Long")),
            ("$.f.b", &not_object("['b']", "$['f']", "java.lang.Double")),
            (
                "$.b['x','y']",
                &not_object("['x','y']", "$['b']", "java.lang.Boolean"),
            ),
            (
                "$.a[0].c",
                &not_object("['c']", "$['a'][0]", "java.lang.Integer"),
            ),
            ("$.n[0]", "The path $['n'] is null"),
            (
                "$.o[0].b",
                r#"Filter: [0]['b'] can only be applied to arrays. Current context is: {"b":1}"#,
            ),
            (
                "$.s[0]",
                "Filter: [0] can only be applied to arrays. Current context is: str",
            ),
        ],
    );
    fails(
        r#""foo""#,
        &[("$.x", &not_object("['x']", "$", "java.lang.String"))],
    );
}

// ---- classification ----

#[test]
fn definite_and_reference_classification() {
    let cases = [
        ("$", true, true),
        ("$.a.b[0]", true, true),
        ("$['a'][-1]", true, true),
        ("$$.Execution.Id", true, true),
        ("$var.a", true, true),
        ("$.a[*]", false, false),
        ("$.a.*", false, false),
        ("$..a", false, false),
        ("$.a..b", false, false),
        ("$.a[?(@.b)]", false, false),
        ("$.a[0:1]", false, false),
        ("$.a[0,1]", false, false),
        ("$['a','b']", true, false),
        ("$['a','b'].c", false, false),
    ];
    for (path, definite, reference) in cases {
        let p = Path::parse(path).unwrap();
        assert_eq!(p.is_definite(), definite, "definite {path}");
        assert_eq!(p.is_reference(), reference, "reference {path}");
    }
}

// ---- parse errors ----

#[test]
fn parse_errors_are_clear() {
    let cases = [
        ("", "a path must start with '$': ''"),
        ("a.b", "a path must start with '$': 'a.b'"),
        (" $.a", "a path must start with '$': ' $.a'"),
        ("$.a.#b", "unexpected character '#' at offset 4 in '$.a.#b'"),
        ("$.a b", "unexpected character ' ' at offset 3 in '$.a b'"),
        ("$1", "unexpected character '1' at offset 1 in '$1'"),
        ("$$x", "unexpected character 'x' at offset 2 in '$$x'"),
        ("$...a", "unexpected character '.' at offset 3 in '$...a'"),
        ("$.a[0", "unclosed bracket at offset 3 in '$.a[0'"),
        ("$.a['b'", "unclosed bracket at offset 3 in '$.a['b''"),
        ("$.a[", "unclosed bracket at offset 3 in '$.a['"),
        ("$.a['b", "unclosed quote at offset 4 in '$.a['b'"),
        ("$.", "trailing '.' at offset 1 in '$.'"),
        ("$.a.", "trailing '.' at offset 3 in '$.a.'"),
        ("$..", "trailing '..' at offset 1 in '$..'"),
        (
            "$. a",
            "empty name after '.' (use ['a b'] for names with spaces) at offset 1 in '$. a'",
        ),
        ("$.a[]", "empty brackets at offset 3 in '$.a[]'"),
        (
            "$['a',1]",
            "unexpected character '1' at offset 6 in '$['a',1]'",
        ),
        ("$[0,]", "unexpected character ']' at offset 4 in '$[0,]'"),
        ("$[-]", "unexpected character ']' at offset 3 in '$[-]'"),
        (
            "$[::0]",
            "slice step cannot be zero at offset 4 in '$[::0]'",
        ),
        (
            "$[99999999999999999999]",
            "index out of range at offset 2 in '$[99999999999999999999]'",
        ),
        (
            "$.a.length()",
            "functions such as 'length()' are not supported in paths at offset 4 in '$.a.length()'",
        ),
        (
            "$[?@.b]",
            "a filter must be written [?(<expression>)] at offset 2 in '$[?@.b]'",
        ),
        (
            "$[?(@.b = 1)]",
            "use '==' to compare at offset 8 in '$[?(@.b = 1)]'",
        ),
        (
            "$[?(1)]",
            "a filter condition must be a comparison or a path at offset 4 in '$[?(1)]'",
        ),
        (
            "$[?(@.b == 1]",
            "unexpected character ']' at offset 12 in '$[?(@.b == 1]'",
        ),
        (
            "$[?(@.b == )]",
            "unexpected character ')' at offset 11 in '$[?(@.b == )]'",
        ),
        (
            "$[?(@.b == $$.x)]",
            "only '$' and '@' paths may be used inside a filter at offset 11 in '$[?(@.b == $$.x)]'",
        ),
        (
            "$[?(@.b == yes)]",
            "unexpected word 'yes' (a path starts with '@' or '$') at offset 11 in '$[?(@.b == yes)]'",
        ),
    ];
    for (path, want) in cases {
        assert_eq!(parse_error(path), want, "{path}");
    }
}

#[test]
fn unsupported_jayway_features_are_rejected() {
    let cases = [
        ("$.a.length()", "functions such as 'length()'"),
        ("$.a.sum()", "functions such as 'sum()'"),
        ("$..book.length()", "functions such as 'length()'"),
        ("$[?(@.b.length() > 1)]", "functions such as 'length()'"),
        ("$[?(@.b =~ /x.*/i)]", "the operator '=~' is not supported"),
        ("$[?(/x/ == @.b)]", "regular expressions are not supported"),
        ("$[?(@.b in ['x'])]", "the operator 'in' is not supported"),
        ("$[?(@.b nin ['x'])]", "the operator 'nin' is not supported"),
        ("$[?(@.b size 2)]", "the operator 'size' is not supported"),
        (
            "$[?(@.b empty true)]",
            "the operator 'empty' is not supported",
        ),
        (
            "$[?(@.b subsetof ['x'])]",
            "the operator 'subsetof' is not supported",
        ),
        (
            "$[?(@.b anyof ['x'])]",
            "the operator 'anyof' is not supported",
        ),
        ("$[?(@.b === 1)]", "the operator '===' is not supported"),
        (
            "$[?(@.b == [1])]",
            "JSON literals are not supported in filters",
        ),
    ];
    for (path, want) in cases {
        let got = parse_error(path);
        assert!(got.contains(want), "{path}: {got}");
    }
}

#[test]
fn filter_nesting_is_bounded() {
    let deep = |open: &str, close: &str| {
        format!("$[?({}@.a{})]", open.repeat(10_000), close.repeat(10_000))
    };
    for path in [deep("(", ")"), deep("!", ""), deep("@[?(", ")]")] {
        assert!(
            parse_error(&path).starts_with("filter expression nested too deeply"),
            "{}",
            &path[..20]
        );
    }
    let ok = format!("$[?({}@.a{})]", "(".repeat(30), ")".repeat(30));
    assert!(Path::parse(&ok).is_ok());
}

// ---- set ----

#[test]
fn set_creates_and_overwrites_in_place() {
    let cases = [
        (r#"{"a":1}"#, "$", json!("Hi!"), r#""Hi!""#),
        (
            r#"{"a":1}"#,
            "$.b.greeting",
            json!("Hi!"),
            r#"{"a":1,"b":{"greeting":"Hi!"}}"#,
        ),
        (
            r#"{"a":1,"b":2,"c":3}"#,
            "$.b",
            json!(9),
            r#"{"a":1,"b":9,"c":3}"#,
        ),
        (
            r#"{"c":1,"a":2}"#,
            "$.b",
            json!(4),
            r#"{"c":1,"a":2,"b":4}"#,
        ),
        (
            r#"{"a":{"x":1},"z":0}"#,
            "$.a.y",
            json!(2),
            r#"{"a":{"x":1,"y":2},"z":0}"#,
        ),
        (
            r#"{"a":{"x":1}}"#,
            "$['a']['x']",
            json!(null),
            r#"{"a":{"x":null}}"#,
        ),
        (r#"{"a":[1,2]}"#, "$.a[1]", json!("x"), r#"{"a":[1,"x"]}"#),
        (r#"{"a":[1,2]}"#, "$.a[-1]", json!("x"), r#"{"a":[1,"x"]}"#),
        (
            r#"{"a":[{}]}"#,
            "$.a[0].b.c",
            json!(1),
            r#"{"a":[{"b":{"c":1}}]}"#,
        ),
        (
            r#"{"a":"old"}"#,
            "$.a",
            json!({"k":[1]}),
            r#"{"a":{"k":[1]}}"#,
        ),
        (r#"{}"#, "$$.x", json!(1), r#"{"x":1}"#),
    ];
    for (text, path, value, want) in cases {
        assert_eq!(
            set(text, path, value),
            Ok(want.to_string()),
            "{path} on {text}"
        );
    }
}

#[test]
fn set_errors() {
    let cases = [
        (
            r#""foo""#,
            "$.x",
            "Unable to apply ResultPath '$.x': the value at $ is a string, not an object",
        ),
        (
            r#"{"a":5}"#,
            "$.a.b",
            "Unable to apply ResultPath '$.a.b': the value at $['a'] is a number, not an object",
        ),
        (
            r#"{"a":null}"#,
            "$.a.b",
            "Unable to apply ResultPath '$.a.b': the value at $['a'] is null, not an object",
        ),
        (
            r#"[1]"#,
            "$.a",
            "Unable to apply ResultPath '$.a': the value at $ is an array, not an object",
        ),
        (
            r#"{"a":[1,2]}"#,
            "$.a[2]",
            "Unable to apply ResultPath '$.a[2]': index 2 is out of bounds for the array at $['a'] (length 2)",
        ),
        (
            r#"{"a":{}}"#,
            "$.a[0]",
            "Unable to apply ResultPath '$.a[0]': the value at $['a'] is an object, not an array",
        ),
        (
            r#"{}"#,
            "$.a[0]",
            "Unable to apply ResultPath '$.a[0]': the value at $['a'] is an object, not an array",
        ),
        (
            r#"{}"#,
            "$.a[*]",
            "'$.a[*]' is not a reference path: only names and single indexes can be written",
        ),
        (
            r#"{}"#,
            "$..a",
            "'$..a' is not a reference path: only names and single indexes can be written",
        ),
    ];
    for (text, path, want) in cases {
        assert_eq!(
            set(text, path, json!(1)),
            Err(want.to_string()),
            "{path} on {text}"
        );
    }
}

// ---- robustness ----

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "$", "$$", "$v", ".", "..", "[", "]", "'", "\"", "\\", "?", "(", ")", "@", "*", ":", ",", "-",
    "0", "1", "9", "a", "b", " ", "=", "==", "!=", "<", ">=", "!", "&&", "||", "ñ", "😀", "\\u",
    "d83d", "true", "null", "/", "#", "length()", "[?(", ")]", "['x']", "[0]", "[1:2:-1]", "e",
    "1.5", "-0",
];

fn random_path(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.below(4) > 0 {
        s.push('$');
    }
    for _ in 0..rng.below(24) {
        s.push_str(PIECES[rng.below(PIECES.len())]);
    }
    s
}

#[test]
fn garbled_input_never_panics() {
    let docs = [
        doc(BOOKS),
        doc(NUMS),
        json!(null),
        json!("s"),
        json!([[1, {"x": [2]}], {"a": {"b": null}}]),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for _ in 0..5000 {
        let path = random_path(&mut rng);
        let Ok(p) = Path::parse(&path) else { continue };
        parsed += 1;
        for d in &docs {
            let _ = p.select(d);
            let _ = p.set(d.clone(), json!(1));
        }
    }
    assert!(
        parsed > 100,
        "the generator should produce some valid paths, got {parsed}"
    );
}

#[test]
fn every_prefix_and_byte_cut_of_valid_paths_is_handled() {
    let paths = [
        "$..book[?(@.price < 10 && !(@.isbn) || @.category == 'fiction')].title",
        "$['a b']['c\\'d'][-1][1:5:2]",
        "$$.Execution.Input['ñ']",
        "$v[?(@ >= -1.5e3)]",
    ];
    for path in paths {
        for (i, _) in path.char_indices() {
            let _ = Path::parse(&path[..i]);
            let _ = Path::parse(&path[i..]);
        }
    }
}

#[test]
fn filter_equality_compares_deep_structures() {
    gives(
        r#"{"want":{"a":[1,{"b":2.0}]},"v":[{"k":{"a":[1,{"b":2}]}},{"k":{"a":[1,{"b":3}]}},{"k":{"a":[1]}},{"k":[1]}]}"#,
        &[
            ("$.v[?(@.k == $.want)]", r#"[{"k":{"a":[1,{"b":2}]}}]"#),
            (
                "$.v[?(@.k != $.want)].k",
                r#"[{"a":[1,{"b":3}]},{"a":[1]},[1]]"#,
            ),
        ],
    );
    let mut deep = json!(1);
    for _ in 0..1000 {
        deep = Value::Array(vec![deep]);
    }
    let d = json!({"x": [{"k": deep.clone()}, {"k": [deep.clone()]}], "w": deep});
    let p = Path::parse("$.x[?(@.k == $.w)]").unwrap();
    assert_eq!(p.select(&d).unwrap().as_array().map(Vec::len), Some(1));
}

/// Found by `scripts/fuzz`: chained deep scans revisit each node once per match above it, so
/// this selection never ended. It now fails once it has visited `MAX_VISITS` nodes, and one scan
/// over the same document still works.
#[test]
fn chained_scans_over_a_deep_document_fail_instead_of_running_on() {
    let mut doc = json!([[], 2, []]);
    for _ in 0..64 {
        doc = json!({ "a": doc });
    }
    let path = Path::parse(&format!("${}", "..a".repeat(37))).unwrap();
    match path.select(&doc) {
        Err(PathError::Other { message }) => {
            assert!(message.contains("visits more than"), "{message}")
        }
        other => panic!("expected the visit limit, got {other:?}"),
    }
    let once = Path::parse("$..a").unwrap().select(&doc).unwrap();
    assert_eq!(once.as_array().map(Vec::len), Some(64));
}

/// Found by `scripts/fuzz`: a ResultPath of 34,000 steps built a value so deep that dropping it
/// overflowed the stack. Paths are limited to `MAX_STEPS` steps.
#[test]
fn paths_have_at_most_max_steps() {
    let longest = format!("${}", ".a".repeat(MAX_STEPS));
    let doc = Path::parse(&longest)
        .unwrap()
        .set(json!({}), json!(1))
        .unwrap();
    assert!(doc.pointer(&"/a".repeat(MAX_STEPS)).is_some());
    let error = Path::parse(&format!("{longest}.a")).unwrap_err();
    assert_eq!(
        error.message,
        format!(
            "the path has {} steps; at most {MAX_STEPS} are allowed",
            MAX_STEPS + 1
        )
    );
    assert!(Path::parse(&format!("${}", ".a".repeat(34_000))).is_err());
}

#[test]
fn may_read_tells_paths_that_stay_away_from_a_member() {
    let reads = |path: &str| Path::parse(path).unwrap().may_read(&["Execution", "Input"]);
    for path in [
        "$$",
        "$$.Execution",
        "$$.Execution.Input",
        "$$.Execution.Input.items[0]",
        "$$['Execution']['Input']",
        "$$..Input",
        "$$.*",
        "$$.Execution.*",
        "$$.Execution[?(@.x)]",
        "$$['Execution','State'].Input",
    ] {
        assert!(reads(path), "{path} may read the input");
    }
    for path in [
        "$$.Map.Item.Value",
        "$$.Map.Item.Index",
        "$$.Task.Token",
        "$$.Execution.Id",
        "$$.Execution.Name",
        "$$['State','Map']",
        "$$.State.EnteredTime",
    ] {
        assert!(!reads(path), "{path} cannot read the input");
    }
}
