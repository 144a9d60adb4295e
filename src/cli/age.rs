//! `DURATION` flags (`executions purge --older-than`, `serve --retention`): a whole number and
//! a unit, `s`, `m`, `h` or `d` (`90s`, `30m`, `12h`, `7d`).

use std::time::Duration;

const UNITS: [(char, u64); 4] = [('s', 1), ('m', 60), ('h', 3_600), ('d', 86_400)];

/// The duration `text` spells, or what to write instead.
pub fn parse(text: &str) -> Result<Duration, String> {
    let wrong = || {
        format!(
            "'{text}' is not a duration: give a whole number and a unit (s, m, h or d), e.g. 30m, 12h or 7d"
        )
    };
    let unit = text.chars().last().ok_or_else(wrong)?;
    let (_, seconds) = UNITS.iter().find(|(u, _)| *u == unit).ok_or_else(wrong)?;
    let number = &text[..text.len() - unit.len_utf8()];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    let n: u64 = number.parse().map_err(|_| wrong())?;
    n.checked_mul(*seconds)
        .filter(|s| *s <= i64::MAX as u64 / 1_000)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("'{text}' is too long a duration"))
}

/// Epoch milliseconds `age` before `now_ms` (the cutoff of a purge).
pub fn before(now_ms: i64, age: Duration) -> i64 {
    now_ms.saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = |t: &str| parse(t).unwrap().as_secs();
        assert_eq!(ok("90s"), 90);
        assert_eq!(ok("30m"), 1_800);
        assert_eq!(ok("12h"), 43_200);
        assert_eq!(ok("7d"), 604_800);
        assert_eq!(ok("0s"), 0);
        for bad in ["", "7", "d", "7w", "-1d", "1.5h", " 7d", "7 d", "7é"] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("e.g. 30m"), "{bad}: {e}");
        }
        assert!(
            parse("99999999999999999d")
                .unwrap_err()
                .contains("too long")
        );
        assert_eq!(before(10_000, Duration::from_secs(3)), 7_000);
        assert_eq!(before(0, Duration::from_secs(u64::MAX / 2)), -i64::MAX);
    }
}
