//! The functions Step Functions adds to JSONata (`$partition`, `$range`, `$hash`, `$random`
//! with a seed, `$uuid`, `$parse`), the ones it takes away (`$eval`), and the impure
//! built-ins (`$now`, `$millis`, `$random`, `$shuffle`) made to draw on the bindings instead
//! of the clock and the operating system.

use super::convert::to_jvalue;
use crate::data::intrinsic::functions::{HASH_ALGORITHMS, MAX_INPUT_CHARS, digest};
use crate::data::intrinsic::java::JavaRandom;
use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::JValue;
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// What the functions need from the bindings and the limits.
pub(super) struct Host {
    pub(super) now_millis: i64,
    pub(super) random_seed: u64,
    /// The longest `$range` allowed (the sequence limit), if any.
    pub(super) max_items: Option<usize>,
}

type Result<T> = std::result::Result<T, EvaluatorError>;

/// Registers every function on `evaluator`.
pub(super) fn register(evaluator: &mut Evaluator, host: &Host) -> Result<()> {
    let draws = Draws::new(host.random_seed);
    let (now, max_items) = (host.now_millis, host.max_items);
    evaluator.register_fn("partition", partition)?;
    evaluator.register_fn("range", move |args: &[JValue]| range(args, max_items))?;
    evaluator.register_fn("hash", hash)?;
    evaluator.register_fn("parse", parse)?;
    let uuid_draws = draws.clone();
    evaluator.register_fn("uuid", move |_: &[JValue]| Ok(uuid(&uuid_draws)))?;
    let shuffle_draws = draws.clone();
    evaluator.register_fn_override("shuffle", move |args: &[JValue]| {
        shuffle(args, &shuffle_draws)
    })?;
    evaluator.register_fn_override("random", move |args: &[JValue]| random(args, &draws))?;
    evaluator.register_fn_override("millis", move |_: &[JValue]| Ok(JValue::from(now)))?;
    super::url::register(evaluator)?;
    evaluator.register_fn_override("formatInteger", format_integer)?;
    evaluator.register_fn_override("pad", pad)?;
    evaluator.register_fn_override("eval", |_: &[JValue]| {
        Err(EvaluatorError::ReferenceError(
            "T1006: Attempted to invoke a non-function".to_string(),
        ))
    })
}

/// The largest magnitude `$formatInteger` writes in roman numerals. The library writes one `M`
/// per thousand, so `$formatInteger(1e27, "I")` never ended (found by `scripts/fuzz`); AWS's one
/// second limit would stop it there.
const MAX_ROMAN: f64 = 1_000_000.0;

/// `$formatInteger(number, picture)`: the library's own, except that roman numerals (a picture
/// starting with `I` or `i`) beyond [`MAX_ROMAN`] are refused.
fn format_integer(args: &[JValue]) -> Result<JValue> {
    let roman = args
        .get(1)
        .and_then(JValue::as_str)
        .is_some_and(|p| p.starts_with(['I', 'i']));
    let number = args.first().and_then(JValue::as_f64);
    if roman && number.is_some_and(|n| n.abs() > MAX_ROMAN) {
        return Err(EvaluatorError::EvaluationError(format!(
            "D3130: $formatInteger writes roman numerals only up to {MAX_ROMAN}"
        )));
    }
    library("$formatInteger($a, $b)", args)
}

/// The widest `$pad` may make a string: `$pad("x", 59007199254740993)` never ended (found by
/// `scripts/fuzz`); AWS's payload limit is 256 KiB anyway.
const MAX_PAD: f64 = 1_000_000.0;

/// `$pad(string, width [, char])`: the library's own, except that widths beyond [`MAX_PAD`] are
/// refused.
fn pad(args: &[JValue]) -> Result<JValue> {
    if args
        .get(1)
        .and_then(JValue::as_f64)
        .is_some_and(|w| w.abs() > MAX_PAD)
    {
        return Err(EvaluatorError::EvaluationError(format!(
            "D3130: $pad pads to at most {MAX_PAD} characters"
        )));
    }
    match args.len() {
        0..=2 => library("$pad($a, $b)", args),
        _ => library("$pad($a, $b, $c)", args),
    }
}

/// Calls the library's own function through an evaluator without our overrides: `call` names
/// the arguments `$a`, `$b`, `$c`.
fn library(call: &'static str, args: &[JValue]) -> Result<JValue> {
    thread_local! {
        static PARSED: std::cell::RefCell<HashMap<&'static str, AstNode>> = Default::default();
    }
    let ast = PARSED.with(|parsed| -> Result<AstNode> {
        let mut parsed = parsed.borrow_mut();
        if let Some(ast) = parsed.get(call) {
            return Ok(ast.clone());
        }
        let ast = jsonata_core::parser::parse(call)
            .map_err(|e| EvaluatorError::EvaluationError(format!("{call} does not parse: {e}")))?;
        parsed.insert(call, ast.clone());
        Ok(ast)
    })?;
    let mut context = jsonata_core::evaluator::Context::new();
    for (name, value) in ["a", "b", "c"].into_iter().zip(args) {
        context.bind(name.to_string(), value.clone());
    }
    Evaluator::with_context(context).evaluate(&ast, &JValue::Null)
}

/// `$now([picture [, timezone]])` as jsonata-js defines it, over the `$millis()` registered
/// above: bind the returned function as `now`. (The library's own `$now` reads the clock and
/// takes no picture.)
pub(super) fn now_function() -> Result<JValue> {
    static NOW: OnceLock<Option<AstNode>> = OnceLock::new();
    const SOURCE: &str =
        "function($picture, $timezone){ $fromMillis($millis(), $picture, $timezone) }";
    let ast = NOW.get_or_init(|| jsonata_core::parser::parse(SOURCE).ok());
    let ast = ast.as_ref().ok_or_else(|| {
        EvaluatorError::EvaluationError("the definition of $now does not parse".to_string())
    })?;
    Evaluator::new().evaluate(ast, &JValue::Null)
}

/// A splitmix64 stream seeded by the bindings, shared by the functions of one evaluation.
#[derive(Clone)]
struct Draws(Rc<Cell<u64>>);

impl Draws {
    fn new(seed: u64) -> Draws {
        Draws(Rc::new(Cell::new(seed)))
    }

    fn next_u64(&self) -> u64 {
        let state = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 bits, like `Math.random()`.
    fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn fail(function: &str, message: impl std::fmt::Display) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("${function}: {message}"))
}

fn type_name(value: &JValue) -> &'static str {
    match value {
        JValue::Null => "null",
        JValue::Bool(_) => "a boolean",
        JValue::Number(_) => "a number",
        JValue::String(_) => "a string",
        JValue::Array(_) => "an array",
        JValue::Object(_) => "an object",
        JValue::Undefined => "nothing",
        _ => "a function",
    }
}

fn arg(args: &[JValue], i: usize) -> &JValue {
    args.get(i).unwrap_or(&JValue::Undefined)
}

/// A number argument rounded down, as AWS does for arguments that must be integers.
fn integer(function: &str, args: &[JValue], i: usize) -> Result<i64> {
    match arg(args, i) {
        JValue::Number(n) if n.is_finite() => Ok(n.floor() as i64),
        other => Err(fail(
            function,
            format!(
                "argument {} must be a number, got {}",
                i + 1,
                type_name(other)
            ),
        )),
    }
}

/// `$partition(array, size)`: consecutive chunks of `size` items, the last one shorter
/// (`$partition([1,2,3], 2)` → `[[1,2],[3]]`), as `States.ArrayPartition`.
fn partition(args: &[JValue]) -> Result<JValue> {
    let items = match arg(args, 0) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::Array(items) => items.to_vec(),
        // JSONata treats a single value as a one-item array.
        other => vec![other.clone()],
    };
    let size = integer("partition", args, 1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            fail(
                "partition",
                format!("the chunk size (argument 2) must be at least 1, got {size}"),
            )
        })?;
    let chunks = items.chunks(size).map(|c| JValue::array(c.to_vec()));
    Ok(JValue::array(chunks.collect()))
}

/// `$range(start, end, step)`: `start`, `start + step`, … up to and including `end`; a
/// one-item range is the item itself (`$range(1, 9, 9)` → `1`).
fn range(args: &[JValue], max_items: Option<usize>) -> Result<JValue> {
    if args.iter().any(JValue::is_undefined) {
        return Ok(JValue::Undefined);
    }
    let (first, last) = (integer("range", args, 0)?, integer("range", args, 1)?);
    let step = if args.len() > 2 {
        integer("range", args, 2)?
    } else {
        1
    };
    if step == 0 {
        return Err(fail("range", "the step (argument 3) must not be 0"));
    }
    let (first, last, step) = (i128::from(first), i128::from(last), i128::from(step));
    let count = if (last - first) * step.signum() < 0 {
        0
    } else {
        (last - first) / step + 1
    };
    if max_items.is_some_and(|max| count > max as i128) {
        // The code the limits translate into AWS's memory-limit error.
        return Err(EvaluatorError::EvaluationError(format!(
            "D2015: $range would make {count} items"
        )));
    }
    // Every item lies between `first` and `last`, so it fits in an i64.
    let mut items: Vec<JValue> = (0..count)
        .map(|i| JValue::from((first + i * step) as i64))
        .collect();
    Ok(match items.len() {
        1 => items.remove(0),
        _ => JValue::array(items),
    })
}

/// `$hash(value, algorithm)`: the lowercase hex digest of a string (any other value is hashed
/// as its JSON text), as `States.Hash`.
fn hash(args: &[JValue]) -> Result<JValue> {
    let text = match arg(args, 0) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::String(s) => s.to_string(),
        other => other
            .to_json_string()
            .map_err(|e| fail("hash", format!("argument 1 cannot be written as JSON: {e}")))?,
    };
    let chars = text.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(fail(
            "hash",
            format!(
                "argument 1 is {chars} characters long, more than the {MAX_INPUT_CHARS} allowed"
            ),
        ));
    }
    let algorithm = match arg(args, 1) {
        JValue::String(s) => s.clone(),
        other => {
            return Err(fail(
                "hash",
                format!(
                    "argument 2 must be the algorithm's name ({HASH_ALGORITHMS}), got {}",
                    type_name(other)
                ),
            ));
        }
    };
    let hex = digest(&algorithm, text.as_bytes()).ok_or_else(|| {
        fail(
            "hash",
            format!("unknown algorithm '{algorithm}' (argument 2): use {HASH_ALGORITHMS}"),
        )
    })?;
    Ok(JValue::from(hex))
}

/// `$parse(text)`: `JSON.parse`, scalars included (`$parse("1.1")` → `1.1`).
fn parse(args: &[JValue]) -> Result<JValue> {
    match arg(args, 0) {
        JValue::Undefined => Ok(JValue::Undefined),
        JValue::String(text) => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| fail("parse", format!("argument 1 is not valid JSON: {e}")))?;
            Ok(to_jvalue(&value))
        }
        other => Err(fail(
            "parse",
            format!("argument 1 must be a string, got {}", type_name(other)),
        )),
    }
}

/// `$random()`: uniform in `[0, 1)`; `$random(seed)`: Java's `new Random(seed).nextDouble()`,
/// which is what AWS computes (`$random(42)` → `0.7275636800328681`).
fn random(args: &[JValue], draws: &Draws) -> Result<JValue> {
    Ok(JValue::from(match arg(args, 0) {
        JValue::Undefined => draws.next_f64(),
        _ => JavaRandom::new(integer("random", args, 0)?).next_double(),
    }))
}

/// `$uuid()`: a version 4 UUID from the seeded stream.
fn uuid(draws: &Draws) -> JValue {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&draws.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&draws.next_u64().to_be_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    JValue::from(id.to_string())
}

/// `$shuffle(array)`: a Fisher-Yates shuffle from the seeded stream.
fn shuffle(args: &[JValue], draws: &Draws) -> Result<JValue> {
    let mut items = match arg(args, 0) {
        JValue::Undefined => return Ok(JValue::Undefined),
        JValue::Array(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    for i in (1..items.len()).rev() {
        // `i + 1` is far below 2^53, so the product rounds down to an index in `0..=i`.
        let j = (draws.next_f64() * (i + 1) as f64) as usize;
        items.swap(i, j);
    }
    Ok(JValue::array(items))
}
