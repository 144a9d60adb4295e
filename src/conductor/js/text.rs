//! Text with JavaScript's rules: numbers to and from strings, whitespace, and string positions
//! counted in UTF-16 code units (what `length`, `indexOf` and `substring` count).

use std::cmp::Ordering;

/// `Number.prototype.toString()`: the shortest digits that read back as `n`, in fixed notation
/// when the decimal exponent is in -7..21 and exponential notation otherwise (ECMA-262 §9.8.1):
/// 1 → "1", 1.5 → "1.5", 1e21 → "1e+21", 1e-7 → "1e-7".
pub(super) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n < 0.0 {
        return format!("-{}", number_to_string(-n));
    }
    let scientific = format!("{n:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    layout(&digits, exponent.parse::<i32>().unwrap_or(0) + 1)
}

/// Places the decimal point: `digits` × 10^(`point` − digits.len()).
fn layout(digits: &str, point: i32) -> String {
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let zeros = |n: i32| "0".repeat(usize::try_from(n).unwrap_or(0));
    if k <= point && point <= 21 {
        return format!("{digits}{}", zeros(point - k));
    }
    if 0 < point && point <= 21 {
        let (int, frac) = digits
            .split_at_checked(point as usize)
            .unwrap_or((digits, ""));
        return format!("{int}.{frac}");
    }
    if -6 < point && point <= 0 {
        return format!("0.{}{digits}", zeros(-point));
    }
    let e = point - 1;
    let sign = if e < 0 { '-' } else { '+' };
    let (first, rest) = digits.split_at_checked(1).unwrap_or((digits, ""));
    let dot = if rest.is_empty() { "" } else { "." };
    format!("{first}{dot}{rest}e{sign}{}", e.unsigned_abs())
}

/// `Number(s)` for a string: trimmed decimal or `0x` hex, `Infinity`, empty → 0, else NaN.
pub(super) fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return parse_hex(hex).unwrap_or(f64::NAN);
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if decimal_prefix_len(t) == t.len() => t.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// All of `hex` as hexadecimal digits; `None` if empty or anything else is there.
fn parse_hex(hex: &str) -> Option<f64> {
    if hex.is_empty() {
        return None;
    }
    hex.chars().try_fold(0.0, |acc, c| {
        c.to_digit(16).map(|d| acc * 16.0 + f64::from(d))
    })
}

/// The length of the longest prefix of `t` that is a decimal literal (sign, digits, fraction,
/// exponent); 0 when there is none.
fn decimal_prefix_len(t: &str) -> usize {
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = skip_digits(b, i);
    let mut seen_digit = int_end > i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = skip_digits(b, i + 1);
        if seen_digit || frac_end > i + 1 {
            seen_digit = true;
            i = frac_end;
        }
    }
    if !seen_digit {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let j = i + 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let k = skip_digits(b, j);
        if k > j {
            i = k;
        }
    }
    i
}

/// The index of the first non-digit at or after `i`.
fn skip_digits(b: &[u8], i: usize) -> usize {
    let count = b
        .get(i..)
        .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    i + count
}

/// `parseFloat(s)`: the longest decimal prefix after leading whitespace, or NaN.
pub(super) fn parse_float(s: &str) -> f64 {
    let t = s.trim_start_matches(is_js_space);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned.starts_with("Infinity") {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    match decimal_prefix_len(t) {
        0 => f64::NAN,
        n => t.get(..n).and_then(|p| p.parse().ok()).unwrap_or(f64::NAN),
    }
}

/// `parseInt(s, radix)`: the longest prefix of digits in `radix` (2–36, or 0 for "10, or 16
/// after `0x`"), after whitespace and a sign; NaN when there are none.
pub(super) fn parse_int(s: &str, radix: f64) -> f64 {
    let t = s.trim_start_matches(is_js_space);
    let negative = t.starts_with('-');
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let mut radix = to_int32(radix);
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    let t = match (radix, hex) {
        (0 | 16, Some(rest)) => {
            radix = 16;
            rest
        }
        (0, None) => {
            radix = 10;
            t
        }
        (2..=36, _) => t,
        _ => return f64::NAN,
    };
    let radix = u32::try_from(radix).unwrap_or(10);
    let end = t
        .find(|c: char| c.to_digit(radix).is_none())
        .unwrap_or(t.len());
    let digits = t.get(..end).unwrap_or("");
    if digits.is_empty() {
        return f64::NAN;
    }
    let value = if radix == 10 {
        digits.parse().unwrap_or(f64::NAN)
    } else {
        let fold =
            |acc: f64, c: char| acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0));
        digits.chars().fold(0.0, fold)
    };
    if negative { -value } else { value }
}

/// ECMA-262 ToInt32: the number wrapped into a signed 32-bit integer; NaN and ±∞ give 0.
pub(super) fn to_int32(n: f64) -> i64 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc().rem_euclid(4_294_967_296.0);
    let m = if m >= 2_147_483_648.0 {
        m - 4_294_967_296.0
    } else {
        m
    };
    m as i64
}

/// ECMA-262 ToUint32, for `split`'s limit.
pub(super) fn to_uint32(n: f64) -> u64 {
    if !n.is_finite() {
        return 0;
    }
    n.trunc().rem_euclid(4_294_967_296.0) as u64
}

/// JavaScript's WhiteSpace and LineTerminator characters (what `trim` removes).
pub(super) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// The length of `s` in UTF-16 code units.
pub(super) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The byte offset of UTF-16 position `units` in `s` (rounded up to a whole character, and
/// `s.len()` past the end).
pub(super) fn byte_offset(s: &str, units: usize) -> usize {
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if seen >= units {
            return i;
        }
        seen += c.len_utf16();
    }
    s.len()
}

/// The UTF-16 position of byte offset `byte` in `s`.
pub(super) fn utf16_offset(s: &str, byte: usize) -> usize {
    s.get(..byte).map_or(0, utf16_len)
}

/// The UTF-16 code units `lo..hi` of `s` as a string; a lone surrogate becomes U+FFFD.
pub(super) fn utf16_slice(s: &str, lo: usize, hi: usize) -> String {
    let units: Vec<u16> = s
        .encode_utf16()
        .skip(lo)
        .take(hi.saturating_sub(lo))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Compares strings as JavaScript does: by UTF-16 code units.
pub(super) fn compare_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_like_javascript() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (0.0, "0"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123_456_789.0, "123456789"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000_001, "0.000001"),
            (1.234e25, "1.234e+25"),
            (5e-324, "5e-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (9_007_199_254_740_993.0, "9007199254740992"),
        ];
        for (n, want) in cases {
            assert_eq!(number_to_string(*n), *want, "{n}");
        }
    }

    #[test]
    fn reads_numbers_like_javascript() {
        let cases: &[(&str, f64)] = &[
            ("12", 12.0),
            ("  12  ", 12.0),
            ("", 0.0),
            (" \n", 0.0),
            ("1.5e3", 1500.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("-7", -7.0),
            ("0x1F", 31.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
        ];
        for (s, want) in cases {
            assert_eq!(string_to_number(s), *want, "{s:?}");
        }
        for s in [
            "abc", "1px", "inf", "nan", "0x", "1e", ".", "+", "1_0", "--1", "0x-1",
        ] {
            assert!(string_to_number(s).is_nan(), "{s:?}");
        }
    }

    #[test]
    fn parses_prefixes() {
        let ints: &[(&str, f64, f64)] = &[
            ("42px", f64::NAN, 42.0),
            ("  -42", f64::NAN, -42.0),
            ("0x1A", f64::NAN, 26.0),
            ("101", 2.0, 5.0),
            ("ff", 16.0, 255.0),
            ("0xff", 16.0, 255.0),
            ("3.9", 10.0, 3.0),
            ("z", 36.0, 35.0),
        ];
        for (s, radix, want) in ints {
            assert_eq!(parse_int(s, *radix), *want, "{s:?}");
        }
        for (s, radix) in [
            ("abc", f64::NAN),
            ("12", 1.0),
            ("12", 37.0),
            ("", f64::NAN),
            ("-", 10.0),
        ] {
            assert!(parse_int(s, radix).is_nan(), "{s:?}");
        }
        let floats: &[(&str, f64)] = &[
            ("2.5abc", 2.5),
            (".5", 0.5),
            (" -1e3x", -1000.0),
            ("1e", 1.0),
        ];
        for (s, want) in floats {
            assert_eq!(parse_float(s), *want, "{s:?}");
        }
        assert_eq!(parse_float("-Infinityx"), f64::NEG_INFINITY);
        assert!(parse_float("x1").is_nan());
    }

    #[test]
    fn counts_utf16_units() {
        assert_eq!(utf16_len("é😀"), 3);
        assert_eq!(byte_offset("é😀x", 1), 2);
        assert_eq!(byte_offset("é😀x", 3), 6);
        assert_eq!(byte_offset("é😀x", 9), 7);
        assert_eq!(utf16_offset("é😀x", 6), 3);
        assert_eq!(utf16_slice("a😀b", 1, 3), "😀");
        assert_eq!(compare_utf16("\u{ffff}", "😀"), Ordering::Greater);
    }
}
