//! RFC 3339 timestamps as Step Functions reads them (Wait `Timestamp`, Choice `Timestamp*`) and
//! writes them (context-object times), with the calendar math done by hand.
//!
//! Reading is strict on purpose: AWS rejects a lowercase `t`/`z`, a missing offset and a space
//! for `T` (recorded Wait cases, asl-semantics §2.5), and a definition that AWS rejects must not
//! run here. Writing follows Java's `Instant.toString`, which is what AWS's context object shows.

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i128 = 86_400;
/// Java's `ZoneOffset` refuses offsets beyond ±18:00, so AWS cannot accept them either.
const MAX_OFFSET_SECONDS: i128 = 18 * 3600;

/// Parses an RFC 3339 timestamp with an uppercase `T` and a `Z` or `±hh:mm` offset, with 0–9
/// fractional digits, into nanoseconds since the Unix epoch. `None` when it is not one.
///
/// The date must exist (leap years included) and the time must be within `23:59:59`: a leap
/// second `:60` is refused, because Java's parser refuses it too.
pub fn parse_rfc3339(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let (date, time) = (b.get(..10)?, b.get(11..19)?);
    if b.get(10) != Some(&b'T') {
        return None;
    }
    let days = parse_date(date)?;
    let seconds = parse_time(time)?;
    let (nanos, zone) = parse_fraction(&b[19..])?;
    let offset = parse_offset(zone)?;
    let total = days * SECONDS_PER_DAY + seconds - offset;
    Some(total * NANOS_PER_SECOND + nanos)
}

/// Formats milliseconds since the epoch as AWS writes context-object times:
/// `2025-08-27T10:04:42.001Z`, with an all-zero fraction dropped (`...:42Z` when whole).
pub fn format_millis(ms: i64) -> String {
    format_nanos_rfc3339(i128::from(ms) * 1_000_000)
}

/// Formats milliseconds since the epoch as an HTTP `Date` header: `Sun, 06 Dec 2026 19:39:33 GMT`.
pub fn format_http_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let seconds = i128::from(ms.div_euclid(1000));
    let (days, second_of_day) = (
        seconds.div_euclid(SECONDS_PER_DAY),
        seconds.rem_euclid(SECONDS_PER_DAY),
    );
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(month - 1).clamp(0, 11) as usize];
    format!(
        "{weekday}, {day:02} {month} {year} {:02}:{:02}:{:02} GMT",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Formats nanoseconds since the epoch in UTC the way Java's `Instant.toString` does: no
/// fraction when it is zero, otherwise 3, 6 or 9 digits, whichever is the shortest exact one.
/// Years outside 0000–9999 get a sign, as in Java (`+10000-01-01T00:00:00Z`).
pub fn format_nanos_rfc3339(nanos: i128) -> String {
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let fraction = nanos.rem_euclid(NANOS_PER_SECOND);
    let (days, second_of_day) = (
        seconds.div_euclid(SECONDS_PER_DAY),
        seconds.rem_euclid(SECONDS_PER_DAY),
    );
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    format!(
        "{}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{}Z",
        format_year(year),
        format_fraction(fraction)
    )
}

fn format_year(year: i128) -> String {
    match year {
        0..=9999 => format!("{year:04}"),
        10000.. => format!("+{year}"),
        _ => format!("-{:04}", year.unsigned_abs()),
    }
}

fn format_fraction(nanos: i128) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

/// `YYYY-MM-DD` → days since 1970-01-01, if that day exists.
fn parse_date(b: &[u8]) -> Option<i128> {
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM:SS` → seconds since midnight.
fn parse_time(b: &[u8]) -> Option<i128> {
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

/// An optional `.f` with 1–9 digits → (nanoseconds, what follows).
fn parse_fraction(b: &[u8]) -> Option<(i128, &[u8])> {
    let Some(rest) = b.strip_prefix(b".") else {
        return Some((0, b));
    };
    let len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=9).contains(&len) {
        return None;
    }
    let scale = 10_i128.pow(9 - len as u32);
    Some((digits(&rest[..len])? * scale, &rest[len..]))
}

/// `Z` or `±HH:MM` (nothing after it) → seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<i128> {
    if b == b"Z" {
        return Some(0);
    }
    let (&sign, rest) = b.split_first()?;
    if rest.len() != 5 || rest[2] != b':' {
        return None;
    }
    let (h, m) = (digits(&rest[0..2])?, digits(&rest[3..5])?);
    let seconds = h * 3600 + m * 60;
    if m >= 60 || seconds > MAX_OFFSET_SECONDS {
        return None;
    }
    match sign {
        b'+' => Some(seconds),
        b'-' => Some(-seconds),
        _ => None,
    }
}

/// A run of ASCII digits as a number; `None` for anything else (signs included).
fn digits(b: &[u8]) -> Option<i128> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + i128::from(d - b'0')))
}

fn is_leap(year: i128) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i128, month: i128) -> i128 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`): the
/// year is shifted to start in March so the leap day falls at its end.
pub(crate) fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of `days_from_civil`: (year, month, day). `i128` so that no input overflows.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i128 = NANOS_PER_SECOND;

    #[test]
    fn http_dates_name_the_weekday() {
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_http_date(1_796_585_973_000),
            "Sun, 06 Dec 2026 19:39:33 GMT"
        );
    }

    #[test]
    fn parses_known_instants() {
        let cases: &[(&str, i128)] = &[
            ("1970-01-01T00:00:00Z", 0),
            ("2016-03-14T01:59:00Z", 1_457_920_740 * S),
            (
                "2016-03-05T21:29:29.243167252Z",
                1_457_213_369 * S + 243_167_252,
            ),
            ("2024-01-01T00:00:00Z", 1_704_067_200 * S),
            ("2024-01-01T00:00:00.000000Z", 1_704_067_200 * S),
            ("2024-01-01T00:00:00.00Z", 1_704_067_200 * S),
            ("2024-01-01T00:00:00.5Z", 1_704_067_200 * S + 500_000_000),
            ("2024-01-01T02:00:00+02:00", 1_704_067_200 * S),
            ("2023-12-31T18:30:00-05:30", 1_704_067_200 * S),
            ("2024-01-01T00:00:00-00:00", 1_704_067_200 * S),
            ("1969-12-31T23:59:59.999Z", -1_000_000),
            ("0000-01-01T00:00:00Z", -62_167_219_200 * S),
            ("9999-12-31T23:59:59Z", 253_402_300_799 * S),
            ("2016-02-29T00:00:00Z", 1_456_704_000 * S),
            ("2000-02-29T00:00:00Z", 951_782_400 * S),
            ("2024-01-01T00:00:00+18:00", (1_704_067_200 - 18 * 3600) * S),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text), Some(*want), "{text}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        let cases = [
            "",
            "2016-03-14",
            "2016-03-14t01:59:00Z",
            "2016-03-14T01:59:00z",
            "2016-03-14T01:59:00",
            "2016-03-14T01:59:00.000000",
            "2016-03-14 01:59:00Z",
            "2016-13-14T01:59:00Z",
            "2016-00-14T01:59:00Z",
            "2016-03-32T01:59:00Z",
            "2016-03-00T01:59:00Z",
            "2016-02-30T01:59:00Z",
            "2015-02-29T01:59:00Z",
            "1900-02-29T01:59:00Z",
            "2016-04-31T01:59:00Z",
            "2016-03-14T25:59:00Z",
            "2016-03-14T24:00:00Z",
            "2016-03-14T01:60:00Z",
            "2016-03-14T01:59:60Z",
            "2016-03-14T01:59Z",
            "2016-03-14T01:59:00.Z",
            "2016-03-14T01:59:00.1234567890Z",
            "2016-03-14T01:59:00+2:00",
            "2016-03-14T01:59:00+0200",
            "2016-03-14T01:59:00+02:60",
            "2016-03-14T01:59:00+19:00",
            "2016-03-14T01:59:00+02:00:00",
            "2016-03-14T01:59:00Z ",
            " 2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00ZZ",
            "+2016-03-14T01:59:00Z",
            "20160-03-14T01:59:00Z",
            "2016-3-14T01:59:00Z",
            "2016/03/14T01:59:00Z",
            "2016-03-14T01:59:0xZ",
            "2016-03-14T01:59:00.12a4Z",
            "２０16-03-14T01:59:00Z",
            "2016-03-14T01:59:00\u{e9}",
        ];
        for text in cases {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn formats_like_java_instant() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01T00:00:00Z"),
            (1_756_289_082_000, "2025-08-27T10:04:42Z"),
            (1_756_289_082_001, "2025-08-27T10:04:42.001Z"),
            (1_756_289_082_100, "2025-08-27T10:04:42.100Z"),
            (1_457_920_740_000, "2016-03-14T01:59:00Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_000, "9999-12-31T23:59:59Z"),
            (253_402_300_800_000, "+10000-01-01T00:00:00Z"),
            (-62_167_219_200_001, "-0001-12-31T23:59:59.999Z"),
        ];
        for (ms, want) in cases {
            assert_eq!(format_millis(*ms), *want, "{ms}");
        }
    }

    #[test]
    fn formats_nanos_in_groups_of_three() {
        let base = 1_457_213_369 * S;
        assert_eq!(
            format_nanos_rfc3339(base + 243_167_252),
            "2016-03-05T21:29:29.243167252Z"
        );
        assert_eq!(
            format_nanos_rfc3339(base + 243_167_000),
            "2016-03-05T21:29:29.243167Z"
        );
        assert_eq!(
            format_nanos_rfc3339(base + 1),
            "2016-03-05T21:29:29.000000001Z"
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        format_millis(i64::MIN);
        format_millis(i64::MAX);
        format_nanos_rfc3339(i128::MIN);
        format_nanos_rfc3339(i128::MAX);
    }

    #[test]
    fn calendar_is_contiguous_and_invertible() {
        let mut expected = days_from_civil(0, 1, 1);
        for year in 0..=9999 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(days_from_civil(year, month, day), expected);
                    assert_eq!(civil_from_days(expected), (year, month, day));
                    expected += 1;
                }
            }
        }
    }

    #[test]
    fn format_and_parse_round_trip() {
        for day in (-719_528..2_932_897_i128).step_by(997) {
            let nanos = day * SECONDS_PER_DAY * S + 3_723 * S + 4_000_000;
            let text = format_nanos_rfc3339(nanos);
            assert_eq!(parse_rfc3339(&text), Some(nanos), "{text}");
        }
    }
}
