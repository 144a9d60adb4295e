//! `$encodeUrl`, `$encodeUrlComponent`, `$decodeUrl` and `$decodeUrlComponent` exactly as
//! JavaScript's `encodeURI` & co., which the reference calls. The library's own versions keep
//! spaces in `$encodeUrl`, escape `-_.!~*'()` in `$encodeUrlComponent` and accept a malformed
//! `%` in the decoders, so these replace them.

use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::JValue;

/// Characters neither function escapes.
const UNRESERVED_MARKS: &str = "-_.!~*'()";
/// Characters `encodeURI` keeps and `decodeURI` leaves escaped: they give a URL its structure.
const RESERVED: &str = ";/?:@&=+$,#";

pub(super) fn register(evaluator: &mut Evaluator) -> Result<(), EvaluatorError> {
    evaluator.register_fn_override("encodeUrlComponent", |args: &[JValue]| {
        string_fn(args, |s| Ok(encode(s, "")))
    })?;
    evaluator.register_fn_override("encodeUrl", |args: &[JValue]| {
        string_fn(args, |s| Ok(encode(s, RESERVED)))
    })?;
    evaluator.register_fn_override("decodeUrlComponent", |args: &[JValue]| {
        string_fn(args, |s| decode(s, "", "decodeUrlComponent"))
    })?;
    evaluator.register_fn_override("decodeUrl", |args: &[JValue]| {
        string_fn(args, |s| decode(s, RESERVED, "decodeUrl"))
    })
}

/// Applies `f` to a string argument; undefined gives undefined, as the signature `<s-:s>`.
fn string_fn(
    args: &[JValue],
    f: impl Fn(&str) -> Result<String, EvaluatorError>,
) -> Result<JValue, EvaluatorError> {
    match args.first() {
        None | Some(JValue::Undefined) => Ok(JValue::Undefined),
        Some(JValue::String(s)) => Ok(JValue::from(f(s)?)),
        Some(_) => Err(EvaluatorError::TypeError(
            "T0410: Argument 1 of function does not match function signature".to_string(),
        )),
    }
}

/// Every character but ASCII letters, digits, [`UNRESERVED_MARKS`] and `keep`, as `%XX` of
/// its UTF-8 bytes.
fn encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || UNRESERVED_MARKS.contains(c) || keep.contains(c) {
            out.push(c);
            continue;
        }
        let mut buf = [0u8; 4];
        for byte in c.encode_utf8(&mut buf).bytes() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` runs as UTF-8, leaving the escape of a character in `keep` as it is. A `%`
/// without two hex digits, or bytes that are not UTF-8, fail with D3140 as in the reference.
fn decode(s: &str, keep: &str, function: &str) -> Result<String, EvaluatorError> {
    let malformed = || {
        EvaluatorError::EvaluationError(format!(
            "D3140: Malformed URL passed to ${function}(): \"{s}\""
        ))
    };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let byte = hex_byte(bytes, i).ok_or_else(malformed)?;
        // A one-byte character in `keep` stays escaped; `keep` is ASCII.
        if byte.is_ascii() && keep.contains(char::from(byte)) {
            out.extend_from_slice(&bytes[i..i + 3]);
        } else {
            out.push(byte);
        }
        i += 3;
    }
    String::from_utf8(out).map_err(|_| malformed())
}

/// The byte written as `%XX` at `at`.
fn hex_byte(bytes: &[u8], at: usize) -> Option<u8> {
    let digits = bytes.get(at + 1..at + 3)?;
    // `from_str_radix` would also take a sign (`%+1`), so check the digits first.
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}
