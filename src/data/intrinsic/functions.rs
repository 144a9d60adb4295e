//! What each of the 18 functions computes from its evaluated arguments. A failure is the
//! cause text of `States.IntrinsicFailure`, naming the function and the argument position.

use super::java::{self, JavaRandom};
use super::parse::normalize_zero;
use super::{Call, Env, Func, Template};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};
use sha2::Digest;
use std::borrow::Cow;
use std::collections::HashSet;

/// AWS's cap on the input of `States.Base64Encode`, `States.Base64Decode` and `States.Hash`.
pub(crate) const MAX_INPUT_CHARS: usize = 10_000;
/// AWS's cap on the length of `States.ArrayRange`'s result.
const MAX_RANGE_ITEMS: i128 = 1000;

pub(super) fn apply(call: &Call, values: Vec<Value>, env: &mut dyn Env) -> Result<Value, String> {
    let args = Args {
        func: call.func,
        values,
    };
    match call.func {
        Func::Format => format(call.template.as_ref(), &args),
        Func::StringToJson => string_to_json(&args),
        Func::JsonToString => json_to_string(&args),
        Func::Array => Ok(Value::Array(args.values)),
        Func::ArrayPartition => array_partition(&args),
        Func::ArrayContains => array_contains(&args),
        Func::ArrayRange => array_range(&args),
        Func::ArrayGetItem => array_get_item(&args),
        Func::ArrayLength => Ok(Value::from(args.array(0)?.len())),
        Func::ArrayUnique => array_unique(&args),
        Func::Base64Encode => base64_encode(&args),
        Func::Base64Decode => base64_decode(&args),
        Func::Hash => hash(&args),
        Func::JsonMerge => json_merge(&args),
        Func::MathRandom => math_random(&args, env),
        Func::MathAdd => math_add(&args),
        Func::StringSplit => string_split(&args),
        Func::Uuid => Ok(uuid(env)),
    }
}

/// Evaluated arguments with typed, position-reporting accessors.
struct Args {
    func: Func,
    values: Vec<Value>,
}

impl Args {
    fn fail(&self, message: impl std::fmt::Display) -> String {
        format!("{}: {message}", self.func.name())
    }

    fn value(&self, i: usize) -> Result<&Value, String> {
        self.values
            .get(i)
            .ok_or_else(|| self.fail(format!("argument {} is missing", i + 1)))
    }

    fn wrong_type(&self, i: usize, expected: &str) -> String {
        let got = match self.values.get(i) {
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => crate::data::type_name(other).to_string(),
            None => "nothing".to_string(),
        };
        self.fail(format!("argument {} must be {expected}, got {got}", i + 1))
    }

    fn array(&self, i: usize) -> Result<&Vec<Value>, String> {
        self.value(i)?
            .as_array()
            .ok_or_else(|| self.wrong_type(i, "an array"))
    }

    fn object(&self, i: usize) -> Result<&Map<String, Value>, String> {
        self.value(i)?
            .as_object()
            .ok_or_else(|| self.wrong_type(i, "an object"))
    }

    fn string(&self, i: usize) -> Result<&str, String> {
        self.value(i)?
            .as_str()
            .ok_or_else(|| self.wrong_type(i, "a string"))
    }

    fn boolean(&self, i: usize) -> Result<bool, String> {
        self.value(i)?
            .as_bool()
            .ok_or_else(|| self.wrong_type(i, "a boolean"))
    }

    /// A whole number (`2` or `2.0`) that fits in an `i64`.
    fn integer(&self, i: usize) -> Result<i64, String> {
        let value = self.value(i)?;
        let exact = value
            .as_i64()
            .or_else(|| value.as_f64().and_then(whole_i64));
        exact.ok_or_else(|| self.wrong_type(i, "an integer"))
    }

    /// Any number, rounded the way Java's `Math.round` does.
    fn rounded(&self, i: usize) -> Result<i64, String> {
        let value = self.value(i)?;
        value
            .as_i64()
            .or_else(|| value.as_f64().map(java::round))
            .ok_or_else(|| self.wrong_type(i, "a number"))
    }

    /// A string of at most `MAX_INPUT_CHARS` characters.
    fn bounded(&self, i: usize, text: &str) -> Result<(), String> {
        let chars = text.chars().count();
        if chars > MAX_INPUT_CHARS {
            return Err(self.fail(format!(
                "argument {} is {chars} characters long, more than the {MAX_INPUT_CHARS} allowed",
                i + 1
            )));
        }
        Ok(())
    }
}

fn format(literal: Option<&Template>, args: &Args) -> Result<Value, String> {
    let template = match literal {
        Some(template) => Cow::Borrowed(template),
        None => Cow::Owned(Template::from_runtime(args.string(0)?)),
    };
    let values = args.values.get(1..).unwrap_or(&[]);
    if template.placeholders() != values.len() {
        return Err(args.fail(format!(
            "the template has {} placeholder(s) but {} argument(s) follow it",
            template.placeholders(),
            values.len()
        )));
    }
    let mut out = String::new();
    for (i, piece) in template.pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(value) = values.get(i) {
            java::to_string(value, &mut out);
        }
    }
    Ok(Value::String(out))
}

fn string_to_json(args: &Args) -> Result<Value, String> {
    let text = args.string(0)?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| args.fail(format!("argument 1 is not valid JSON: {e}")))?;
    // Only a `-0` in the text can produce a negative zero, so skip the walk otherwise.
    Ok(if text.contains("-0") {
        normalize_zero(value)
    } else {
        value
    })
}

fn json_to_string(args: &Args) -> Result<Value, String> {
    let text = serde_json::to_string(args.value(0)?).map_err(|e| args.fail(e))?;
    Ok(Value::String(text))
}

fn array_partition(args: &Args) -> Result<Value, String> {
    let items = args.array(0)?;
    let size = args.integer(1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            args.fail(format!(
                "the chunk size (argument 2) must be positive, got {size}"
            ))
        })?;
    let chunks = items.chunks(size).map(|c| Value::Array(c.to_vec()));
    Ok(Value::Array(chunks.collect()))
}

fn array_contains(args: &Args) -> Result<Value, String> {
    let items = args.array(0)?;
    let wanted = equality_key(args.value(1)?);
    Ok(Value::Bool(items.iter().any(|v| equality_key(v) == wanted)))
}

fn array_range(args: &Args) -> Result<Value, String> {
    let (first, last, step) = (args.integer(0)?, args.integer(1)?, args.integer(2)?);
    if step == 0 {
        return Err(args.fail("the step (argument 3) must not be 0"));
    }
    let (first, last, step) = (i128::from(first), i128::from(last), i128::from(step));
    let count = if (last - first) * step.signum() < 0 {
        0
    } else {
        (last - first) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(args.fail(format!(
            "the range has {count} items, more than the {MAX_RANGE_ITEMS} allowed"
        )));
    }
    // Every item lies between `first` and `last`, so it fits in an i64.
    let items = (0..count).map(|i| Value::from((first + i * step) as i64));
    Ok(Value::Array(items.collect()))
}

fn array_get_item(args: &Args) -> Result<Value, String> {
    let items = args.array(0)?;
    let index = args.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            args.fail(format!(
                "index {index} is out of bounds for an array of length {}",
                items.len()
            ))
        })
}

fn array_unique(args: &Args) -> Result<Value, String> {
    let mut seen = HashSet::new();
    let items = args.array(0)?.iter();
    let unique = items.filter(|v| seen.insert(equality_key(v))).cloned();
    Ok(Value::Array(unique.collect()))
}

/// A text equal for two values exactly when they are deeply equal: object keys sorted and
/// numbers compared by value, so `1` and `1.0` are the same item.
fn equality_key(value: &Value) -> String {
    let mut out = String::new();
    write_key(value, &mut out);
    out
}

fn write_key(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => write_number_key(n, out),
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_key(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by_key(|(k, _)| *k);
            out.push('{');
            for (key, item) in entries {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_key(item, out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn write_number_key(n: &serde_json::Number, out: &mut String) {
    let whole = n.as_f64().and_then(whole_i64);
    match (n.as_i64(), n.as_u64(), whole) {
        (Some(i), _, _) | (None, None, Some(i)) => out.push_str(&i.to_string()),
        (None, Some(u), _) => out.push_str(&u.to_string()),
        (None, None, None) => out.push_str(&n.to_string()),
    }
}

/// `x` as an `i64` when it is a whole number in range (`2.0` → 2, `2.5` → none).
fn whole_i64(x: f64) -> Option<i64> {
    // 2^63 is the first whole f64 past i64::MAX.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let fits = x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x);
    fits.then_some(x as i64)
}

fn base64_encode(args: &Args) -> Result<Value, String> {
    let text = args.string(0)?;
    args.bounded(0, text)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    Ok(Value::String(encoded))
}

/// Java's decoder, which AWS uses, takes the padding as optional.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn base64_decode(args: &Args) -> Result<Value, String> {
    let text = args.string(0)?;
    args.bounded(0, text)?;
    let bytes = LENIENT_BASE64
        .decode(text)
        .map_err(|e| args.fail(format!("argument 1 is not valid base64: {e}")))?;
    let decoded = String::from_utf8(bytes)
        .map_err(|_| args.fail("the decoded bytes are not valid UTF-8 text"))?;
    Ok(Value::String(decoded))
}

fn hash(args: &Args) -> Result<Value, String> {
    // A non-string is hashed as its JSON text.
    let data = match args.value(0)? {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(other.to_string()),
    };
    args.bounded(0, &data)?;
    let algorithm = args.string(1)?;
    let digest = digest(algorithm, data.as_bytes()).ok_or_else(|| {
        args.fail(format!(
            "unknown algorithm '{algorithm}' (argument 2): use {HASH_ALGORITHMS}"
        ))
    })?;
    Ok(Value::String(digest))
}

/// The algorithms `States.Hash` and JSONata's `$hash` accept, for error messages.
pub(crate) const HASH_ALGORITHMS: &str = "MD5, SHA-1, SHA-256, SHA-384 or SHA-512";

/// The lowercase hex digest of `bytes` with `algorithm` (`MD5`, `SHA-1`, `SHA-256`, `SHA-384`,
/// `SHA-512`); `None` for any other name.
pub(crate) fn digest(algorithm: &str, bytes: &[u8]) -> Option<String> {
    Some(match algorithm {
        "MD5" => hex::<md5::Md5>(bytes),
        "SHA-1" => hex::<sha1::Sha1>(bytes),
        "SHA-256" => hex::<sha2::Sha256>(bytes),
        "SHA-384" => hex::<sha2::Sha384>(bytes),
        "SHA-512" => hex::<sha2::Sha512>(bytes),
        _ => return None,
    })
}

fn hex<D: Digest>(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for byte in D::digest(bytes) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn json_merge(args: &Args) -> Result<Value, String> {
    let mut merged = args.object(0)?.clone();
    let overlay = args.object(1)?;
    let deep = args.boolean(2)?;
    merge(&mut merged, overlay, deep);
    Ok(Value::Object(merged))
}

/// Puts `overlay`'s entries over `base`'s; when `deep`, two objects under the same key are
/// merged instead of the overlay's replacing the base's.
fn merge(base: &mut Map<String, Value>, overlay: &Map<String, Value>, deep: bool) {
    for (key, value) in overlay {
        match (base.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(over)) if deep => merge(inner, over, true),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// An integer in `[start, end)`, non-integer bounds rounded to the nearest integer. Seeded, it
/// is `start + new java.util.Random(seed).nextInt(end - start)`.
fn math_random(args: &Args, env: &mut dyn Env) -> Result<Value, String> {
    let (start, end) = (args.rounded(0)?, args.rounded(1)?);
    let span = i32::try_from(i128::from(end) - i128::from(start))
        .ok()
        .filter(|&span| span > 0)
        .ok_or_else(|| {
            args.fail(format!(
                "the end ({end}) must be greater than the start ({start}), by at most {}",
                i32::MAX
            ))
        })?;
    let offset = match args.values.len() {
        3 => JavaRandom::new(args.rounded(2)?).next_int(span),
        // The high half of a 64×31-bit product: uniform enough, no modulo bias to speak of.
        _ => i32::try_from((u128::from(env.random_u64()) * u128::from(span.unsigned_abs())) >> 64)
            .ok(),
    };
    let offset = offset.ok_or_else(|| args.fail("the range is empty"))?;
    Ok(Value::from(start + i64::from(offset)))
}

/// Each argument is rounded first (`1.5 + 1.51` is `2 + 2`).
fn math_add(args: &Args) -> Result<Value, String> {
    let (a, b) = (args.rounded(0)?, args.rounded(1)?);
    a.checked_add(b)
        .map(Value::from)
        .ok_or_else(|| args.fail(format!("{a} + {b} overflows a 64-bit integer")))
}

/// Splits at any character of the delimiter string and drops empty tokens.
fn string_split(args: &Args) -> Result<Value, String> {
    let text = args.string(0)?;
    let delimiters = args.string(1)?;
    let tokens = text
        .split(|c| delimiters.contains(c))
        .filter(|token| !token.is_empty())
        .map(|token| Value::String(token.to_string()));
    Ok(Value::Array(tokens.collect()))
}

fn uuid(env: &mut dyn Env) -> Value {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&env.random_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&env.random_u64().to_be_bytes());
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    Value::String(id.to_string())
}
