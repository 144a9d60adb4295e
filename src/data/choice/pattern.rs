//! `StringMatches` patterns: `*` matches any run of characters (also none), `\*` is a literal
//! star and `\\` a literal backslash. Nothing else is special — `?` and `[` are literal — so
//! this is deliberately not a glob or regex engine.

/// A compiled pattern: the literal runs between its wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pattern {
    /// One part means no wildcard; `n` wildcards give `n + 1` parts, some possibly empty.
    parts: Vec<String>,
}

impl Pattern {
    /// Compiles the pattern as it reads after JSON decoding. `Err` describes a bad escape.
    pub(super) fn compile(src: &str) -> Result<Pattern, String> {
        let mut parts = vec![String::new()];
        let mut chars = src.chars();
        while let Some(c) = chars.next() {
            let literal = match c {
                '*' => {
                    parts.push(String::new());
                    continue;
                }
                '\\' => unescape(chars.next())?,
                other => other,
            };
            if let Some(last) = parts.last_mut() {
                last.push(literal);
            }
        }
        Ok(Pattern { parts })
    }

    /// Whether `text` matches the whole pattern. Each literal run is found at its leftmost
    /// place after the previous one: with `*` as the only wildcard that choice never needs
    /// revisiting, so matching is linear in the text per run, never exponential.
    pub(super) fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.parts.split_first() else {
            return text.is_empty();
        };
        let Some((last, middle)) = rest.split_last() else {
            return text == first;
        };
        let Some(mut tail) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        for part in middle {
            match tail.find(part.as_str()) {
                Some(at) => tail = &tail[at + part.len()..],
                None => return false,
            }
        }
        tail.ends_with(last.as_str())
    }
}

fn unescape(next: Option<char>) -> Result<char, String> {
    match next {
        Some(c @ ('*' | '\\')) => Ok(c),
        Some(c) => Err(format!("'\\{c}' is not a valid escape")),
        None => Err("it ends with a lone backslash".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern).unwrap().matches(text)
    }

    #[test]
    fn wildcards_and_literals() {
        let cases = [
            ("log-*.txt", "log-2024.txt", true),
            ("log-*.txt", "log-.txt", true),
            ("log-*.txt", "log-2024.txt.bak", false),
            ("log-*.txt", "xlog-1.txt", false),
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "acb", false),
            ("*ab", "aab", true),
            ("ab*ab", "abab", true),
            ("ab*ab", "aba", false),
            ("**", "x", true),
            ("a?b", "a?b", true),
            ("a?b", "axb", false),
            ("[ab]", "[ab]", true),
            ("[ab]", "a", false),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("\\\\", "\\", true),
            ("a\\*b*", "a*bcd", true),
            ("a\\*b*", "aXbcd", false),
            ("é*ü", "éaü", true),
            ("*ü", "ü", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(matches(pattern, text), want, "{pattern:?} on {text:?}");
        }
    }

    #[test]
    fn bad_escapes_are_refused() {
        for pattern in ["\\d", "a\\", "\\?", "\\n"] {
            assert!(Pattern::compile(pattern).is_err(), "{pattern:?}");
        }
    }

    #[test]
    fn adversarial_input_stays_fast() {
        let pattern = "*a".repeat(200) + "b";
        assert!(!matches(&pattern, &"a".repeat(20_000)));
    }
}
