//! jq for Conductor's JSON_JQ_TRANSFORM task (conductor-semantics §3.11), run by `jaq`, a Rust
//! implementation of jq.
//!
//! [`transform`] is the whole task: the jq input is the *whole* resolved task input (the
//! `queryExpression` key included, as in Conductor), and the output is
//! `{"result": <first output or null>, "resultList": [<every output>]}`. Any problem — a missing
//! or non-string `queryExpression`, a syntax error, an undefined filter, a runtime error, too many
//! outputs — is an `Err` with a message for people; the caller fails the task with it (Conductor
//! also copies it into the task output as `error`).
//!
//! [`Jq::compile`] parses and compiles once; the compiled program owns its data (no arena
//! lifetimes), is `Send + Sync`, and [`Jq::run`] runs it on any number of inputs. Compiling takes
//! a few milliseconds, because jaq compiles its standard library along with every program, so a
//! caller that runs the same query often may keep the [`Jq`]; [`transform`] compiles every time.
//!
//! ## The language
//!
//! jaq's jq (jaq-core, jaq-std, jaq-json): `map`, `select`, `keys`, `to_entries`, `tostring`,
//! `path`, `setpath`, `test`/`match`/`sub`, `@base64`, `strftime`, math … ; stepwise adds `@csv`,
//! `@tsv` and `leaf_paths`, and takes away what would reach outside the data or the process:
//!
//! - `env`, `$ENV`, `now`, `localtime`, `strflocaltime` would read the environment, the clock or
//!   the time zone: they fail (`$ENV` does not compile). Time comes in the input.
//! - `debug`, `stderr` pass their input through and log nothing; `input`/`inputs` do not compile;
//!   `import`/`include` load no modules.
//! - `halt` ends the program with the outputs so far, as jq ends; `halt_error` and `halt(n)`
//!   with `n` other than 0 fail it.
//! - `fromjson` parses with serde_json, whose parser stops at 128 levels of nesting.
//!
//! Where jaq differs from jq (and from jackson-jq, Conductor's engine): updating `null` at a path
//! fails (`{} | .a.b = 1`, `setpath(["a","b"]; 1)` on `{}`); `4 / 2` is `2.0`; `tostream`,
//! `@base32`, `ascii`, `$__loc__` and `input_filename` are missing; errors are worded as jaq words
//! them. Indexing `null` gives `null`, as in jq.
//!
//! Numbers: integers stay integers (big ones too, passed through exactly); other numbers are
//! `f64`. A result that is NaN or infinite (`nan`, `infinite`, `1e1000`) becomes `null`, as jq
//! prints it. Object keys in results must be strings (jaq allows others: `{(1): 2}` fails here).
//!
//! ## The stack, and programs that never end
//!
//! jaq parses, compiles and runs by recursion, and its frames are big: in a debug build a 2 MiB
//! stack (a tokio worker's) overflows on a few hundred chained `-` or elements of an array literal.
//! So the work runs on a helper thread with a [`JQ_STACK_BYTES`] stack (one short-lived thread
//! per [`Jq::compile`], [`Jq::run`] or [`transform`], about 0.2 ms), the query is at most
//! [`MAX_QUERY_BYTES`] long, and input and output values nest at most [`MAX_VALUE_DEPTH`] deep.
//! With those bounds no query text and no input data overflows the stack; the tests run the worst
//! shapes we found.
//!
//! **What nothing here stops: a jq program that runs forever, or that recurses or allocates
//! without end.** jaq has no step budget and no cancellation. `last(repeat(1))`, `def f: f; f`
//! or `last(range(1e18))` never return; `def f: [f]; f` recurses until the helper thread's stack
//! overflows, which aborts the process (an abort, not a panic); `[range(1e9)]` is one huge output.
//! [`MAX_OUTPUTS`] only stops an unbounded *stream* of outputs (`repeat(1)`, `range(1e18)`).
//! The workflow's author writes the program, as with INLINE JavaScript; a deployment that must
//! survive hostile programs has to run them in a separate process.

use jaq_core::load::{self, Arena, File, Loader, lex, parse};
use jaq_core::native::{self, bome};
use jaq_core::{Compiler, Ctx, Cv, Error, Vars, compile, data};
use jaq_json::{Num, Val};
use serde_json::{Map, Number, Value};

/// How many outputs a run may give.
pub const MAX_OUTPUTS: usize = 10_000;
/// How long a query may be, in bytes. Every byte may add a level to jaq's recursion (`-----1`,
/// `[[[[.]]]]`, `[1,1,1]`), so this bounds the stack that parsing, compiling and running take.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// How deeply input and output values may nest (arrays and objects).
pub const MAX_VALUE_DEPTH: usize = 256;
/// The stack of the helper thread that compiles and runs jq: address space, touched only as
/// deep as the recursion goes. The worst queries of [`MAX_QUERY_BYTES`] (see the tests) need less
/// than 16 MiB in a release build, 64 MiB in stepwise's dev profile (dependencies at opt-level 1)
/// and 128 MiB with no optimisation at all; data [`MAX_VALUE_DEPTH`] deep needs far less.
pub const JQ_STACK_BYTES: usize = 128 << 20;

/// The longest runtime error message (jaq puts whole values in them); longer ones are cut.
const MAX_MESSAGE_CHARS: usize = 500;
/// How many compile errors a message lists.
const MAX_ERRORS_SHOWN: usize = 5;

/// The key of the task input that holds the jq program.
const QUERY_KEY: &str = "queryExpression";

/// What jaq's filters run on: JSON values, with nothing but the program as global data.
type Data = data::JustLut<Val>;

/// Natives of jaq that reach outside the data or the process, or that [`replacement_natives`]
/// replaces; [`REPLACEMENT_DEFS`] defines the others again.
const DROPPED_NATIVES: &[&str] = &[
    "env",
    "now",
    "localtime",
    "strflocaltime",
    "debug_empty",
    "stderr_empty",
    "fromjson",
];

/// jq definitions that take the place of the dropped natives. They come after jaq-core's
/// definitions (they use `error/1`) and before jaq-std's, which use them (`debug`, `stderr`,
/// `halt_error`).
const REPLACEMENT_DEFS: &str = r#"
def debug_empty: empty;
def stderr_empty: empty;
def env: error("env is not available in stepwise: pass configuration in the task input");
def now: error("now is not available in stepwise: pass the time in the task input");
def localtime: error("localtime is not available in stepwise: use gmtime");
def strflocaltime($fmt): error("strflocaltime is not available in stepwise: use strftime");
"#;

/// jq filters that jaq lacks, written in jq; they come last.
const ADDED_DEFS: &str = r#"
def leaf_paths: paths(scalars);
def @csv:
  def field:
    if type == "string" then "\"" + (split("\"") | join("\"\"")) + "\""
    elif . == null then ""
    elif type == "array" or type == "object" then error("\(type) is not valid in a csv row")
    else tostring end;
  if type == "array" then map(field) | join(",") else error("cannot csv-format \(type)") end;
def @tsv:
  def field:
    if type == "string"
    then split("\\") | join("\\\\") | split("\t") | join("\\t") | split("\n") | join("\\n")
      | split("\r") | join("\\r")
    elif . == null then ""
    elif type == "array" or type == "object" then error("\(type) is not valid in a tsv row")
    else tostring end;
  if type == "array" then map(field) | join("\t") else error("cannot tsv-format \(type)") end;
"#;

/// A compiled jq program. It owns everything it needs, so it can be kept, shared between threads
/// (`Send + Sync`) and run any number of times.
pub struct Jq {
    filter: jaq_core::Filter<Data>,
}

impl std::fmt::Debug for Jq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jq { .. }")
    }
}

impl Jq {
    /// Parses and compiles `query`. `Err` is a message for people, naming the line and column of
    /// the problem when jaq says where it is, e.g. "jq syntax error: expected key, found end of
    /// input at line 1, column 4".
    pub fn compile(query: &str) -> Result<Jq, String> {
        on_jq_stack(|| compile_here(query))
    }

    /// Every output of the program for `input`, in order. `Err` on the first runtime error (a
    /// message for people), when an input or output value nests deeper than
    /// [`MAX_VALUE_DEPTH`], or when the program gives more than [`MAX_OUTPUTS`] outputs.
    ///
    /// This returns only when the program does: see the module documentation for programs that
    /// never end.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>, String> {
        on_jq_stack(|| self.run_here(to_val(input, 0)?))
    }

    /// [`Jq::run`] on the current thread.
    fn run_here(&self, input: Val) -> Result<Vec<Value>, String> {
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        let mut outputs = Vec::new();
        for output in self.filter.id.run((ctx, input)) {
            let output = match output {
                Ok(output) => output,
                Err(exception) => match exception.get_err() {
                    Ok(error) => return Err(format!("jq error: {}", error_text(error))),
                    Err(exception) => match exception.get_halt() {
                        // `halt` ends the program as jq ends: with what it gave so far.
                        Ok(0) => break,
                        Ok(code) => {
                            return Err(format!("the jq program halted with exit code {code}"));
                        }
                        Err(_) => {
                            return Err("jq error: internal control flow escaped jaq".to_string());
                        }
                    },
                },
            };
            if outputs.len() == MAX_OUTPUTS {
                return Err(format!(
                    "the jq program gave more than {MAX_OUTPUTS} results"
                ));
            }
            outputs.push(from_val(&output, 0)?);
        }
        Ok(outputs)
    }
}

/// Conductor's output for a JSON_JQ_TRANSFORM task whose resolved input is `input`:
/// `{"result": <first output or null>, "resultList": [<every output>]}`, or `Err(message)` when
/// `queryExpression` is missing or not a string, or the program does not compile or fails.
/// Compiles the query every time.
pub fn transform(input: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let query = match input.get(QUERY_KEY) {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => {
            return Err(format!(
                "JSON_JQ_TRANSFORM needs `{QUERY_KEY}` in its input parameters"
            ));
        }
        Some(other) => {
            return Err(format!(
                "JSON_JQ_TRANSFORM's `{QUERY_KEY}` must be a string, not {}",
                crate::data::type_name(other)
            ));
        }
    };
    let results = on_jq_stack(|| compile_here(query)?.run_here(map_to_val(input, 0)?))?;
    let mut output = Map::new();
    output.insert(
        "result".to_string(),
        results.first().cloned().unwrap_or(Value::Null),
    );
    output.insert("resultList".to_string(), Value::Array(results));
    Ok(output)
}

/// Runs `work` on a helper thread with a [`JQ_STACK_BYTES`] stack and waits for it. A panic there
/// carries on here, as if `work` had run on this thread.
fn on_jq_stack<T: Send>(work: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("stepwise-jq".to_string())
            .stack_size(JQ_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|e| format!("cannot start a thread to run jq: {e}"))?;
        match helper.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// [`Jq::compile`] on the current thread.
fn compile_here(query: &str) -> Result<Jq, String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the jq program is {} bytes long; stepwise takes at most {MAX_QUERY_BYTES}",
            query.len()
        ));
    }
    let ours = |code| {
        load::parse(code, |p| p.defs())
            .ok_or_else(|| "internal error: stepwise's jq definitions do not parse".to_string())
    };
    let defs = jaq_core::defs()
        .chain(ours(REPLACEMENT_DEFS)?)
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(ours(ADDED_DEFS)?);
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader
        .load(
            &arena,
            File {
                code: query,
                path: (),
            },
        )
        .map_err(|errs| {
            let messages = errs.iter().flat_map(|(_, e)| load_messages(query, e));
            join("jq syntax error", messages)
        })?;
    let keep = |(name, _, _): &native::Fun<Data>| !DROPPED_NATIVES.contains(name);
    let funs = jaq_core::funs::<Data>()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(keep)
        .chain(replacement_natives());
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            let messages = errs.iter().flat_map(|(_, errs)| {
                errs.iter().map(|(name, undefined)| {
                    let what = match undefined {
                        compile::Undefined::Filter(arity) => format!("filter `{name}/{arity}`"),
                        other => format!("{} `{name}`", other.as_str()),
                    };
                    format!("undefined {what}{}", at(query, name))
                })
            });
            join("jq compile error", messages)
        })?;
    Ok(Jq { filter })
}

/// Natives that stepwise defines itself: `fromjson` by serde_json, whose parser has a nesting
/// limit (jaq's recurses without one).
fn replacement_natives() -> impl Iterator<Item = native::Fun<Data>> {
    let fromjson = native::run::<Data>(("fromjson", native::v(0), |cv: Cv<Data>| {
        // The start of the input, as JSON.
        let start = || shown(&cut_to(cv.1.to_string(), 40));
        let parsed = match &cv.1 {
            Val::TStr(text) => serde_json::from_slice::<Value>(text)
                .map_err(|e| format!("cannot parse {} as JSON: {e}", start()))
                .and_then(|value| to_val(&value, 0)),
            _ => Err(format!("cannot parse {} as JSON: not a string", start())),
        };
        bome(parsed.map_err(Error::str))
    }));
    [fromjson].into_iter()
}

/// Messages for the errors of loading (lexing and parsing) `code`.
fn load_messages(code: &str, error: &load::Error<&str>) -> Vec<String> {
    match error {
        load::Error::Io(errs) => errs
            .iter()
            .map(|(path, e)| format!("cannot load module `{path}`: {e}{}", at(code, path)))
            .collect(),
        // What a lexer error found is the rest of the input: show its first character.
        load::Error::Lex(errs) => errs
            .iter()
            .map(|(expect, rest)| {
                let found = &rest[..rest.chars().next().map_or(0, char::len_utf8)];
                let expected = match expect {
                    lex::Expect::Token => return unexpected(code, found),
                    lex::Expect::Delim(open) => match *open {
                        "(" => "closing parenthesis",
                        "[" => "closing bracket",
                        "{" => "closing brace",
                        "\"" => "closing quote",
                        _ => "closing delimiter",
                    },
                    other => other.as_str(),
                };
                expected_found(code, expected, found)
            })
            .collect(),
        load::Error::Parse(errs) => errs
            .iter()
            .map(|(expect, found): &parse::Error<&str>| match expect {
                parse::Expect::Nothing => unexpected(code, found),
                _ => expected_found(code, expect.as_str(), found),
            })
            .collect(),
    }
}

fn expected_found(code: &str, expected: &str, found: &str) -> String {
    format!(
        "expected {expected}, found {}{}",
        shown(found),
        at(code, found)
    )
}

fn unexpected(code: &str, found: &str) -> String {
    format!("unexpected {}{}", shown(found), at(code, found))
}

/// How a message shows a piece of the query: quoted and at most 40 characters, or "end of input".
fn shown(found: &str) -> String {
    if found.is_empty() {
        return "end of input".to_string();
    }
    format!("`{}`", cut_to(found.to_string(), 40))
}

/// " at line L, column C" (both from 1, the column in characters) when `part` is a slice of
/// `code` — jaq's errors point into the source — else nothing.
fn at(code: &str, part: &str) -> String {
    let start = (part.as_ptr() as usize).wrapping_sub(code.as_ptr() as usize);
    match code.get(..start) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + 1;
            format!(" at line {line}, column {column}")
        }
        None => String::new(),
    }
}

/// Joins the first few `messages` in one, opening with `kind`.
fn join(kind: &str, messages: impl Iterator<Item = String>) -> String {
    let mut messages: Vec<String> = messages.collect();
    let more = messages.len().saturating_sub(MAX_ERRORS_SHOWN);
    messages.truncate(MAX_ERRORS_SHOWN);
    match (messages.is_empty(), more) {
        (true, _) => format!("{kind}: the program does not compile"),
        (false, 0) => format!("{kind}: {}", messages.join("; ")),
        (false, more) => format!("{kind}: {}; and {more} more", messages.join("; ")),
    }
}

/// The text of a runtime error: a string given to `error` as it is, anything else as jaq shows it
/// (`cannot use 1 as iterable (array or object)`, or the JSON of a non-string `error` value).
fn error_text(error: Error<Val>) -> String {
    cut(match error.into_val() {
        Val::TStr(text) => String::from_utf8_lossy(&text).into_owned(),
        other => other.to_string(),
    })
}

/// `message`, cut to [`MAX_MESSAGE_CHARS`].
fn cut(message: String) -> String {
    cut_to(message, MAX_MESSAGE_CHARS)
}

/// `text`, cut to `chars` characters and an ellipsis.
fn cut_to(mut text: String, chars: usize) -> String {
    if let Some((end, _)) = text.char_indices().nth(chars) {
        text.truncate(end);
        text.push('…');
    }
    text
}

fn too_deep(what: &str) -> String {
    format!("the jq {what} nests more than {MAX_VALUE_DEPTH} arrays or objects deep")
}

/// serde_json's value as jaq's, refusing to nest deeper than [`MAX_VALUE_DEPTH`].
fn to_val(value: &Value, depth: usize) -> Result<Val, String> {
    Ok(match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Num::from_integral(i),
            (None, Some(u)) => Num::from_integral(u),
            (None, None) => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Value::String(s) => Val::from(s.clone()),
        Value::Array(items) => {
            if depth >= MAX_VALUE_DEPTH {
                return Err(too_deep("input"));
            }
            let items = items.iter().map(|item| to_val(item, depth + 1));
            items.collect::<Result<Vec<_>, _>>()?.into_iter().collect()
        }
        Value::Object(map) => map_to_val(map, depth)?,
    })
}

fn map_to_val(map: &Map<String, Value>, depth: usize) -> Result<Val, String> {
    if depth >= MAX_VALUE_DEPTH {
        return Err(too_deep("input"));
    }
    let entries = map
        .iter()
        .map(|(k, v)| Ok((Val::from(k.clone()), to_val(v, depth + 1)?)));
    Ok(Val::obj(entries.collect::<Result<_, String>>()?))
}

/// jaq's value as serde_json's, refusing to nest deeper than [`MAX_VALUE_DEPTH`] and object keys
/// that are not strings. Byte strings become text (invalid UTF-8 becomes U+FFFD).
fn from_val(value: &Val, depth: usize) -> Result<Value, String> {
    Ok(match value {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => num_to_value(n),
        Val::TStr(bytes) | Val::BStr(bytes) => {
            Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        Val::Arr(items) => {
            if depth >= MAX_VALUE_DEPTH {
                return Err(too_deep("result"));
            }
            let items = items.iter().map(|item| from_val(item, depth + 1));
            Value::Array(items.collect::<Result<_, _>>()?)
        }
        Val::Obj(map) => {
            if depth >= MAX_VALUE_DEPTH {
                return Err(too_deep("result"));
            }
            let entries = map.iter().map(|(k, v)| {
                let key = match k {
                    Val::TStr(bytes) | Val::BStr(bytes) => String::from_utf8_lossy(bytes),
                    other => {
                        let key = cut_to(other.to_string(), 40);
                        return Err(format!(
                            "the jq result has an object key that is not a string: {key}"
                        ));
                    }
                };
                Ok((key.into_owned(), from_val(v, depth + 1)?))
            });
            Value::Object(entries.collect::<Result<_, String>>()?)
        }
    })
}

/// A jaq number as a JSON number: integers exactly (serde_json keeps those beyond 64 bits as the
/// nearest `f64`), NaN and the infinities as `null`, as jq prints them.
fn num_to_value(n: &Num) -> Value {
    let float = |f: f64| Number::from_f64(f).map_or(Value::Null, Value::Number);
    match n {
        Num::Int(i) => i64::try_from(*i).map_or_else(|_| float(*i as f64), Value::from),
        Num::Float(f) => float(*f),
        Num::BigInt(_) | Num::Dec(_) => {
            let text = n.to_string();
            text.parse::<Number>()
                .map_or_else(|_| float(text.parse().unwrap_or(f64::NAN)), Value::Number)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// `others` with `queryExpression` set to `query`.
    fn task_input(query: &str, others: &Value) -> Map<String, Value> {
        let mut input = object(others.clone());
        input.insert(QUERY_KEY.to_string(), json!(query));
        input
    }

    #[test]
    fn transforms() {
        // (query, the other input keys, the expected resultList)
        let cases: &[(&str, Value, Value)] = &[
            (".a + .b", json!({"a": 1, "b": 2}), json!([3])),
            (".a + .b", json!({"a": 1.5, "b": 2}), json!([3.5])),
            (
                ".items | map(.x)",
                json!({"items": [{"x": 1}, {"x": "y"}, {}]}),
                json!([[1, "y", null]]),
            ),
            (".items[]", json!({"items": [1, 2, 3]}), json!([1, 2, 3])),
            (
                ".items[] | select(. > 1)",
                json!({"items": [1, 2, 3]}),
                json!([2, 3]),
            ),
            ("empty", json!({}), json!([])),
            (
                ".o | to_entries",
                json!({"o": {"k": 1, "a": 2}}),
                json!([[{"key": "k", "value": 1}, {"key": "a", "value": 2}]]),
            ),
            (
                ".o | with_entries(.value += 1)",
                json!({"o": {"k": 1}}),
                json!([{"k": 2}]),
            ),
            (
                ".o | keys",
                json!({"o": {"k": 1, "a": 2}}),
                json!([["a", "k"]]),
            ),
            (
                r#""\(.a)-\(.b)""#,
                json!({"a": 1, "b": "x"}),
                json!(["1-x"]),
            ),
            (
                r#""\(.a)-\("in\(.b)ner")""#,
                json!({"a": 1, "b": 2}),
                json!(["1-in2ner"]),
            ),
            (
                ".o | tostring",
                json!({"o": {"a": [1, null]}}),
                json!([r#"{"a":[1,null]}"#]),
            ),
            // The query is part of the input, as in Conductor.
            (".queryExpression", json!({}), json!([".queryExpression"])),
            ("keys", json!({"z": 0}), json!([["queryExpression", "z"]])),
            // Indexing null gives null, as in jq.
            (".missing.x, .missing[0]", json!({}), json!([null, null])),
            (".a // \"default\"", json!({"a": null}), json!(["default"])),
            (r#".s | test("^a.c$")"#, json!({"s": "abc"}), json!([true])),
            (r#".s | sub("b"; "B")"#, json!({"s": "abc"}), json!(["aBc"])),
            (".s | @base64", json!({"s": "hi"}), json!(["aGk="])),
            (
                ".s | fromjson | .n",
                json!({"s": r#"{"n": [1]}"#}),
                json!([[1]]),
            ),
            (
                r#".t | strftime("%Y-%m-%d")"#,
                json!({"t": 0}),
                json!(["1970-01-01"]),
            ),
            ("[limit(3; repeat(1))]", json!({}), json!([[1, 1, 1]])),
            (
                "{a: .a, s: (.b | length)}",
                json!({"a": 1, "b": "xyz"}),
                json!([{"a": 1, "s": 3}]),
            ),
            ("[.[] | numbers] | add", json!({"a": 1, "b": 2}), json!([3])),
            ("try error(\"x\") catch .", json!({}), json!(["x"])),
            ("# a comment\n.a", json!({"a": 1}), json!([1])),
            (
                "[paths(type == \"number\")]",
                json!({"a": [1]}),
                json!([[["a", 0]]]),
            ),
            (
                ".o | [leaf_paths]",
                json!({"o": {"a": [1, {"b": 2}]}}),
                json!([[["a", 0], ["a", 1, "b"]]]),
            ),
            (
                ".o | setpath([\"a\", 0]; 1)",
                json!({"o": {"a": [0]}}),
                json!([{"a": [1]}]),
            ),
            (
                ".o | delpaths([[\"a\", 0], [\"b\"]])",
                json!({"o": {"a": [1, 2], "b": 0}}),
                json!([{"a": [2]}]),
            ),
            (
                ".o | path(.a[0].b)",
                json!({"o": {}}),
                json!([["a", 0, "b"]]),
            ),
            (
                "[[1, 2], [3, 4]] | [combinations]",
                json!({}),
                json!([[[1, 3], [1, 4], [2, 3], [2, 4]]]),
            ),
            (
                r#"[1, "a\"b", null, true] | @csv"#,
                json!({}),
                json!([r#"1,"a""b",,true"#]),
            ),
            (
                "[1, \"a\\tb\", null] | @tsv",
                json!({}),
                json!(["1\ta\\tb\t"]),
            ),
            // Side channels do nothing; halt ends the program as jq ends.
            ("debug | .a", json!({"a": 1}), json!([1])),
            (
                r#"(.a | debug("msg")) + 1, (.a | stderr)"#,
                json!({"a": 1}),
                json!([2, 1]),
            ),
            ("1, halt, 2", json!({}), json!([1])),
            // Numbers keep their value through jaq.
            (
                "nan, infinite, -infinite, 1e1000",
                json!({}),
                json!([null, null, null, null]),
            ),
            ("100000000000000000000", json!({}), json!([1e20])),
            (
                ".big, .big - 1",
                json!({"big": u64::MAX}),
                json!([u64::MAX, u64::MAX - 1]),
            ),
            (
                ".x, .x * 2, .x == 0.1",
                json!({"x": 0.1}),
                json!([0.1, 0.2, true]),
            ),
            ("4 / 2", json!({}), json!([2.0])),
            ("\"x\" | tobytes", json!({}), json!(["x"])),
        ];
        for (query, others, expected) in cases {
            let output = transform(&task_input(query, others));
            let list = expected.as_array().cloned().unwrap_or_default();
            let first = list.first().cloned().unwrap_or(Value::Null);
            let expected = object(json!({"result": first, "resultList": list}));
            assert_eq!(output, Ok(expected), "{query}");
        }
    }

    #[test]
    fn failures() {
        // (query, the other input keys, words the message must contain)
        let cases: &[(&str, Value, &[&str])] = &[
            (
                ".a.",
                json!({}),
                &["jq syntax error: expected key, found end of input at line 1, column 4"],
            ),
            (
                ".a | ",
                json!({}),
                &["syntax error", "expected term", "line 1, column 6"],
            ),
            ("if . then 1", json!({}), &["syntax error", "else or end"]),
            (
                "\"abc",
                json!({}),
                &["syntax error", "closing quote", "end of input"],
            ),
            ("(1", json!({}), &["syntax error", "closing parenthesis"]),
            (
                "}",
                json!({}),
                &["syntax error: unexpected `}` at line 1, column 1"],
            ),
            (
                "\"\\q\"",
                json!({}),
                &["expected string escape sequence, found `q`", "column 3"],
            ),
            (
                ".a\n| foo(1)",
                json!({}),
                &["jq compile error: undefined filter `foo/1` at line 2, column 3"],
            ),
            (
                "$x",
                json!({}),
                &["undefined variable `$x` at line 1, column 1"],
            ),
            (
                "a, b, c, d, e, f, g",
                json!({}),
                &["undefined filter `a/0`", "and 2 more"],
            ),
            (
                ".a | keys",
                json!({"a": 1}),
                &["jq error: cannot use 1 as iterable"],
            ),
            (
                ".a + .b",
                json!({"a": 1, "b": "x"}),
                &["jq error: cannot calculate 1 + \"x\""],
            ),
            ("1, error(\"boom\")", json!({}), &["jq error: boom"]),
            ("error({a: 1})", json!({}), &[r#"jq error: {"a":1}"#]),
            (
                ".s | error",
                json!({"s": "x".repeat(1000)}),
                &["jq error: xxx", "x…"],
            ),
            (
                "range(20000)",
                json!({}),
                &["the jq program gave more than 10000 results"],
            ),
            ("repeat(1)", json!({}), &["more than 10000 results"]),
            // What would reach outside the data.
            ("env", json!({}), &["env is not available"]),
            ("$ENV", json!({}), &["undefined variable `$ENV`"]),
            ("now", json!({}), &["now is not available"]),
            ("0 | localtime", json!({}), &["localtime is not available"]),
            (
                "0 | strflocaltime(\"%H\")",
                json!({}),
                &["strflocaltime is not available"],
            ),
            (
                "\"bye\" | halt_error",
                json!({}),
                &["the jq program halted with exit code 5"],
            ),
            ("input", json!({}), &["undefined filter `input/0`"]),
            ("import \"m\" as m; .", json!({}), &["cannot load module"]),
            ("include \"m\"; .", json!({}), &["cannot load module"]),
            // Values that JSON cannot hold, or that nest too deeply.
            (
                "{(1): 2}",
                json!({}),
                &["object key that is not a string: 1"],
            ),
            (
                ".s | fromjson",
                json!({"s": "{"}),
                &["jq error: cannot parse `\"{\"` as JSON: EOF"],
            ),
            (
                ".s | fromjson",
                json!({"s": "[".repeat(100_000)}),
                &["recursion limit"],
            ),
            (
                "reduce range(300) as $i (0; [.])",
                json!({}),
                &["result nests more than 256"],
            ),
            // jaq does not make objects out of null when it updates.
            (
                "{} | .a.b = 1",
                json!({}),
                &["jq error: cannot use null as"],
            ),
            (
                "{} | setpath([\"a\", \"b\"]; 1)",
                json!({}),
                &["jq error: cannot use null as"],
            ),
            ("[] | @csv", json!({}), &[]),
            (
                "[[1]] | @csv",
                json!({}),
                &["array is not valid in a csv row"],
            ),
            ("1 | @tsv", json!({}), &["cannot tsv-format number"]),
        ];
        for (query, others, words) in cases {
            match transform(&task_input(query, others)) {
                Ok(output) if words.is_empty() => {
                    assert_eq!(output["result"], json!(""), "{query}")
                }
                Ok(output) => panic!("{query}: expected an error, got {output:?}"),
                Err(message) => {
                    for word in *words {
                        assert!(
                            message.contains(word),
                            "{query}: {message:?} lacks {word:?}"
                        );
                    }
                    assert!(message.chars().count() < 700, "{query}: {message:?}");
                }
            }
        }
    }

    #[test]
    fn query_expression_must_be_a_string() {
        for (input, word) in [
            (json!({"a": 1}), "needs `queryExpression`"),
            (json!({"queryExpression": null}), "needs `queryExpression`"),
            (
                json!({"queryExpression": 1}),
                "must be a string, not a number",
            ),
            (
                json!({"queryExpression": [".a"]}),
                "must be a string, not an array",
            ),
        ] {
            let message = transform(&object(input.clone())).err().unwrap_or_default();
            assert!(message.contains(word), "{input}: {message:?}");
        }
    }

    /// The shapes that recurse deepest in jaq per byte of query or level of data, at the bounds:
    /// they must give a result or an error, not overflow the stack. (This test runs on a 2 MiB
    /// test thread; the work runs on the helper thread.)
    #[test]
    fn survives_the_worst_shapes() {
        fn fill(open: &str, middle: &str, close: &str) -> String {
            let n = (MAX_QUERY_BYTES - middle.len()) / (open.len() + close.len());
            format!("{}{middle}{}", open.repeat(n), close.repeat(n))
        }
        let queries = [
            fill("-", "1", ""),
            fill("(", ".", ")"),
            fill("[", ".", "]"),
            fill("{a:", ".", "}"),
            fill("\"\\(", ".", ")\""),
            fill("1,", "1", ""),
            format!("[{}]", fill("1,", "1", "").get(2..).unwrap_or_default()),
            fill("1+", "1", ""),
            fill(".a|", ".", ""),
            fill(".a", "", ""),
            fill("try ", ".", ""),
            fill("if . then ", ".", " end"),
            fill(". as $x | ", ".", ""),
            fill("def f: ", ".", ";"),
            fill("label $x | ", ".", ""),
            fill("not | ", ".", ""),
            fill("reduce . as $x (", ".", "; .)"),
        ];
        for query in &queries {
            assert!(query.len() <= MAX_QUERY_BYTES, "{}", query.len());
            // Any outcome but an overflow will do.
            let _ = Jq::compile(query).and_then(|jq| jq.run(&json!({"a": 1})));
        }
        let message = Jq::compile(&".".repeat(MAX_QUERY_BYTES + 1)).err();
        assert!(message.unwrap_or_default().contains("bytes long"));

        let mut deep = json!(1);
        for level in 0..MAX_VALUE_DEPTH {
            deep = if level % 2 == 0 {
                json!([deep])
            } else {
                json!({"a": deep})
            };
        }
        let queries = [
            "walk(.)",
            "[..] | length",
            "tostring",
            "tojson",
            ". == .",
            "[paths]",
            ".. |= .",
            "[leaf_paths]",
            "flatten",
            "del(.. | select(. == 1))",
            "[.,.] | unique",
            "contains(.)",
        ];
        for query in queries {
            // `flatten` gives an array around the deepest object: one level too many.
            let outputs = Jq::compile(query).and_then(|jq| jq.run(&deep));
            let fine = outputs
                .as_ref()
                .map_or_else(|e| e.contains("nests more than"), |_| true);
            assert!(fine, "{query}: {outputs:?}");
        }
        let message = Jq::compile(".").and_then(|jq| jq.run(&json!([deep]))).err();
        assert!(
            message
                .unwrap_or_default()
                .contains("input nests more than 256")
        );
    }

    #[test]
    fn compiles_once_runs_many() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        let jq = Jq::compile(".x * 2");
        let Ok(jq) = jq else { panic!("{jq:?}") };
        send_sync(&jq);
        for x in 0..3 {
            assert_eq!(jq.run(&json!({"x": x})), Ok(vec![json!(x * 2)]));
        }
        let jq = &jq;
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|x| scope.spawn(move || (x, jq.run(&json!({"x": x})))))
                .collect();
            for run in runs {
                let (x, output) = run.join().unwrap_or((0, Err(String::new())));
                assert_eq!(output, Ok(vec![json!(x * 2)]));
            }
        });
    }
}
