//! Conductor's WAIT time grammar: `duration` ("1m 30s") → seconds, `until` ("2030-01-31 18:00 UTC")
//! → epoch milliseconds. Pure text functions; no clock (a past `until` is the caller's business).
//!
//! Both follow `DateTimeUtils` in conductor-oss (`core/…/utils/DateTimeUtils.java`). Conductor's WAIT
//! treats a blank `duration`/`until` as "not given" (wait until completed from outside), so check
//! [`is_blank`] before parsing: both parsers reject blank text.

/// The duration units in the only order Conductor accepts them, with their spellings and seconds.
const UNITS: [(&[&str], u64); 4] = [
    (&["days", "day", "d"], 86_400),
    (&["hours", "hour", "hrs", "hr", "h"], 3_600),
    (&["minutes", "minute", "mins", "min", "m"], 60),
    (&["seconds", "second", "secs", "sec", "s"], 1),
];

/// The accepted duration forms, quoted in diagnostics.
pub const DURATION_FORMS: &str = "a number and a unit per part, units in the order days, hours, minutes, seconds (d/day/days, h/hr/hrs/hour/hours, m/min/mins/minute/minutes, s/sec/secs/second/seconds), for example \"10s\", \"1m 30s\", \"1m30s\" or \"2 hours 30 minutes\"";

/// The accepted `until` forms, quoted in diagnostics.
pub const UNTIL_FORMS: &str = "\"yyyy-MM-dd HH:mm\", \"yyyy-MM-dd HH:mm z\" (z = UTC, GMT, Z, GMT+04:00 or +04:00) or \"yyyy-MM-dd\", for example \"2030-01-31 18:00 UTC\"";

/// True when `s` is empty or whitespace only (Java's `StringUtils.isBlank`).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_java_whitespace)
}

/// Java's `Character.isWhitespace`: Unicode spaces except the non-breaking ones, plus U+001C–U+001F.
fn is_java_whitespace(c: char) -> bool {
    let no_break = matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}');
    (c.is_whitespace() && !no_break) || ('\u{1C}'..='\u{1F}').contains(&c)
}

/// Seconds in a WAIT `duration` such as `"10s"`, `"1m 30s"`, `"2 hours 30 minutes"` or
/// `"1 day 2 hrs"`; `None` when the text does not match Conductor's grammar or is blank.
///
/// Case-insensitive; each part is digits, optional whitespace, a unit; units appear at most once,
/// in the order days, hours, minutes, seconds (`"30s 1m"` is invalid), and a bare number (`"90"`)
/// is invalid. Each number must fit a Java `int`, as `Integer.parseInt` requires.
pub fn parse_duration(s: &str) -> Option<u64> {
    if is_blank(s) {
        return None;
    }
    let mut rest = s.as_bytes();
    let mut next_unit = 0;
    let mut total = 0u64;
    loop {
        rest = skip_space(rest);
        if rest.is_empty() {
            return Some(total);
        }
        let (count, after) = number(rest)?;
        let (word, after) = word(skip_space(after));
        let unit = unit_index(word).filter(|u| *u >= next_unit)?;
        let seconds = UNITS.get(unit).map_or(0, |(_, secs)| *secs);
        total = total.saturating_add(count.saturating_mul(seconds));
        next_unit = unit + 1;
        rest = after;
    }
}

/// Java regex `\s`: space, tab, newline, vertical tab, form feed, carriage return.
fn skip_space(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'))
        .count();
    s.get(n..).unwrap_or_default()
}

/// Leading ASCII digits as a number no larger than `i32::MAX`, and the rest.
fn number(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, rest) = s.split_at_checked(n)?;
    let text = std::str::from_utf8(digits).ok()?;
    let value = text.parse::<u64>().ok().filter(|v| *v <= i32::MAX as u64)?;
    Some((value, rest))
}

/// Leading ASCII letters, and the rest.
fn word(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    s.split_at_checked(n).unwrap_or((s, &[]))
}

/// Which of [`UNITS`] a word spells, ignoring ASCII case.
fn unit_index(word: &[u8]) -> Option<usize> {
    UNITS.iter().position(|(spellings, _)| {
        spellings
            .iter()
            .any(|sp| sp.as_bytes().eq_ignore_ascii_case(word))
    })
}

/// Epoch milliseconds of a WAIT `until` in one of Conductor's forms: `yyyy-MM-dd HH:mm`,
/// `yyyy-MM-dd HH:mm z` or `yyyy-MM-dd`; `None` when it is none of them.
///
/// Zone-less forms are read as UTC (Conductor uses the server's default zone, UTC in containers).
/// `z` is `UTC`, `GMT`, `UT` or `Z`, or an offset `±HH:mm` / `±HHmm` / `±H`, optionally after
/// `GMT`/`UTC` (`GMT+04:00`); zone names such as `PST` are not supported. Fields are checked
/// strictly: Java's lenient parser would roll `2024-02-30` over into March, this rejects it.
pub fn parse_until(s: &str) -> Option<i64> {
    let mut parts = s.split_whitespace();
    let days = date(parts.next()?)?;
    let minutes = parts.next().map_or(Some(0), time)?;
    let offset = parts.next().map_or(Some(0), zone)?;
    if parts.next().is_some() {
        return None;
    }
    Some(((days * 1440 + minutes) * 60 - offset) * 1000)
}

/// Days since 1970-01-01 of `yyyy-MM-dd`.
fn date(s: &str) -> Option<i64> {
    let mut fields = s.split('-');
    let year = digits(fields.next()?, 4, 4)?;
    let month = digits(fields.next()?, 1, 2).filter(|m| (1..=12).contains(m))?;
    let day = digits(fields.next()?, 1, 2).filter(|d| *d >= 1 && *d <= month_days(year, month))?;
    if fields.next().is_some() {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Minutes since midnight of `HH:mm`.
fn time(s: &str) -> Option<i64> {
    let (hour, minute) = s.split_once(':')?;
    let hour = digits(hour, 1, 2).filter(|h| *h < 24)?;
    let minute = digits(minute, 1, 2).filter(|m| *m < 60)?;
    Some(hour * 60 + minute)
}

/// Seconds east of UTC for a zone.
fn zone(s: &str) -> Option<i64> {
    let upper = s.to_ascii_uppercase();
    if matches!(upper.as_str(), "UTC" | "GMT" | "UT" | "Z") {
        return Some(0);
    }
    let offset = upper
        .strip_prefix("GMT")
        .or_else(|| upper.strip_prefix("UTC"))
        .unwrap_or(&upper);
    signed_offset(offset)
}

/// `±HH:mm`, `±H:mm`, `±HHmm`, `±HH` or `±H` as seconds.
fn signed_offset(s: &str) -> Option<i64> {
    let (sign, body) = match s.split_at_checked(1)? {
        ("+", body) => (1, body),
        ("-", body) => (-1, body),
        _ => return None,
    };
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (digits(h, 1, 2)?, digits(m, 2, 2)?),
        None if body.len() == 4 => (digits(body.get(..2)?, 2, 2)?, digits(body.get(2..)?, 2, 2)?),
        None => (digits(body, 1, 2)?, 0),
    };
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// An unsigned decimal of `min..=max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> Option<i64> {
    let ok = (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.parse().ok()).flatten()
}

fn month_days(year: i64, month: i64) -> i64 {
    crate::data::timestamp::days_in_month(year.into(), month.into()) as i64
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    crate::data::timestamp::days_from_civil(year.into(), month.into(), day.into()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, Option<u64>)] = &[
            // §3.2 and Appendix A of the semantics notes.
            ("10s", Some(10)),
            ("1m 30s", Some(90)),
            ("1m30s", Some(90)),
            ("10m20s", Some(620)),
            ("2 hours 30 minutes", Some(9000)),
            ("1 day 2 hrs", Some(93_600)),
            ("60seconds", Some(60)),
            ("1H 2M", Some(3720)),
            ("90", None),
            ("30s 1m", None),
            ("10 seconds", Some(10)),
            // Every spelling, whitespace and case.
            ("2d", Some(172_800)),
            ("1 days", Some(86_400)),
            ("1hour", Some(3600)),
            ("1 hr", Some(3600)),
            ("3 mins", Some(180)),
            ("1 minute", Some(60)),
            ("5 sec", Some(5)),
            ("5secs", Some(5)),
            ("1 second", Some(1)),
            ("  1d 1h 1m 1s  ", Some(90_061)),
            ("\t1M\n", Some(60)),
            ("0s", Some(0)),
            ("007s", Some(7)),
            ("2147483647s", Some(2_147_483_647)),
            // Rejected.
            ("", None),
            ("   ", None),
            ("1m 30", None),
            ("1ms", None),
            ("1h 1h", None),
            ("1s1m", None),
            ("s", None),
            ("-1s", None),
            ("1.5s", None),
            ("1 month", None),
            ("2147483648s", None),
            ("10s!", None),
            ("١s", None),
            ("${workflow.input.wait}", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), *want, "{text:?}");
        }
    }

    #[test]
    fn blank() {
        for (text, want) in [
            ("", true),
            (" \t\n", true),
            ("\u{2003}", true),
            ("\u{A0}", false),
            ("1s", false),
        ] {
            assert_eq!(is_blank(text), want, "{text:?}");
        }
    }

    #[test]
    fn untils() {
        const DAY: i64 = 86_400_000;
        const HOUR: i64 = 3_600_000;
        // 2030-01-31T00:00:00Z = 1_896_048_000 s.
        const JAN31: i64 = 1_896_048_000_000;
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01", Some(0)),
            ("1970-01-02 00:00", Some(DAY)),
            ("1969-12-31", Some(-DAY)),
            ("2030-01-31", Some(JAN31)),
            ("2030-01-31 18:00", Some(JAN31 + 18 * HOUR)),
            ("2030-01-31 18:00 UTC", Some(JAN31 + 18 * HOUR)),
            ("2030-01-31 18:00 utc", Some(JAN31 + 18 * HOUR)),
            ("2030-01-31 18:00 GMT", Some(JAN31 + 18 * HOUR)),
            ("2030-01-31 18:00 Z", Some(JAN31 + 18 * HOUR)),
            ("2030-01-31 18:00 GMT+04:00", Some(JAN31 + 14 * HOUR)),
            ("2030-01-31 18:00 +04:00", Some(JAN31 + 14 * HOUR)),
            ("2030-01-31 18:00 -0130", Some(JAN31 + 19 * HOUR + HOUR / 2)),
            ("2030-01-31 18:00 GMT-5", Some(JAN31 + 23 * HOUR)),
            (
                "2030-1-5 9:05",
                Some(JAN31 - 26 * DAY + 9 * HOUR + 5 * 60_000),
            ),
            ("2024-02-29", Some(1_709_164_800_000)),
            ("2000-03-01 00:00", Some(951_868_800_000)),
            ("2030-01-31 18:00 PST", None),
            ("2030-01-31 18:00 +25:00", None),
            ("2023-02-29", None),
            ("2030-13-01", None),
            ("2030-01-32", None),
            ("2030-01-31 24:00", None),
            ("2030-01-31 18:60", None),
            ("2030-01-31T18:00", None),
            ("2030-01-31 18", None),
            ("2030-01-31 18:00 UTC extra", None),
            ("30-01-31", None),
            ("", None),
            ("tomorrow", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_until(text), *want, "{text:?}");
        }
    }
}
