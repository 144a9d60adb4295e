//! JUnit XML reports of `stepwise test` runs, for CI systems (GitHub Actions reporters, GitLab,
//! Jenkins): the document layout, the counts, and XML escaping that always yields a parsable file.

/// One test file's results: a `<testsuite>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    /// Written as the `file` attribute when present.
    pub file: Option<String>,
    pub cases: Vec<Case>,
}

/// One test: a `<testcase>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub classname: String,
    /// Seconds. Negative or non-finite times are written as 0.
    pub time: f64,
    pub outcome: Outcome,
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// An expectation did not hold: `<failure message="..." type="...">text</failure>`.
    Failure {
        message: String,
        kind: String,
        text: String,
    },
    /// The case could not run (bad mock, unreadable file): `<error message=... type=...>text</error>`.
    Error {
        message: String,
        kind: String,
        text: String,
    },
    /// `<skipped message="..."/>`.
    Skipped {
        message: String,
    },
}

/// The whole document: `<?xml version="1.0" encoding="UTF-8"?>` then
/// `<testsuites name tests failures errors skipped time>` (`name` is the argument) with one
/// `<testsuite name tests failures errors skipped time file?>` per [`Suite`] (`file` only when
/// `Some`) and one `<testcase name classname time>` per [`Case`] (self-closing when passed).
/// Counts and times are summed over the cases; times have 3 decimals ("0.001"). Every string is
/// escaped, and characters XML 1.0 forbids become U+FFFD, so the document always parses.
/// Indented by 2 spaces per level, ending with a newline.
pub fn render(suites: &[Suite], name: &str) -> String {
    let all: Vec<&Case> = suites.iter().flat_map(|s| &s.cases).collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    attr(&mut out, "name", name);
    totals(&mut out, &all);
    out.push_str(">\n");
    for suite in suites {
        render_suite(&mut out, suite);
    }
    out.push_str("</testsuites>\n");
    out
}

fn render_suite(out: &mut String, suite: &Suite) {
    out.push_str("  <testsuite");
    attr(out, "name", &suite.name);
    totals(out, &suite.cases.iter().collect::<Vec<_>>());
    if let Some(file) = &suite.file {
        attr(out, "file", file);
    }
    out.push_str(">\n");
    for case in &suite.cases {
        render_case(out, case);
    }
    out.push_str("  </testsuite>\n");
}

fn render_case(out: &mut String, case: &Case) {
    out.push_str("    <testcase");
    attr(out, "name", &case.name);
    attr(out, "classname", &case.classname);
    attr(out, "time", &seconds(case.time));
    let Some((tag, message, detail)) = parts(&case.outcome) else {
        return out.push_str("/>\n");
    };
    out.push_str(&format!(">\n      <{tag}"));
    attr(out, "message", message);
    match detail {
        Some((kind, text)) => {
            attr(out, "type", kind);
            out.push('>');
            crate::data::xml::escape_into(out, text, false);
            out.push_str(&format!("</{tag}>\n"));
        }
        None => out.push_str("/>\n"),
    }
    out.push_str("    </testcase>\n");
}

// The (type, text) of a failure or error.
type Detail<'a> = Option<(&'a str, &'a str)>;

// The child element of a case that did not pass: its tag, message and (type, text).
fn parts(outcome: &Outcome) -> Option<(&'static str, &str, Detail<'_>)> {
    match outcome {
        Outcome::Passed => None,
        Outcome::Skipped { message } => Some(("skipped", message, None)),
        Outcome::Failure {
            message,
            kind,
            text,
        } => Some(("failure", message, Some((kind, text)))),
        Outcome::Error {
            message,
            kind,
            text,
        } => Some(("error", message, Some((kind, text)))),
    }
}

// The count and time attributes shared by <testsuites> and <testsuite>.
fn totals(out: &mut String, cases: &[&Case]) {
    attr(out, "tests", &cases.len().to_string());
    for (name, tag) in [
        ("failures", "failure"),
        ("errors", "error"),
        ("skipped", "skipped"),
    ] {
        let n = cases
            .iter()
            .filter(|c| matches!(parts(&c.outcome), Some((t, ..)) if t == tag));
        attr(out, name, &n.count().to_string());
    }
    let time: f64 = cases.iter().map(|c| clean_time(c.time)).sum();
    attr(out, "time", &seconds(time));
}

// Readers parse `time` as a non-negative decimal; "NaN" or "-1.000" would break some of them.
fn clean_time(t: f64) -> f64 {
    if t.is_finite() && t > 0.0 { t } else { 0.0 }
}

fn seconds(t: f64) -> String {
    format!("{:.3}", clean_time(t))
}

fn attr(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!(" {name}=\""));
    crate::data::xml::escape_into(out, value, true);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, time: f64, outcome: Outcome) -> Case {
        let (name, classname) = (name.to_owned(), "suite".to_owned());
        Case {
            name,
            classname,
            time,
            outcome,
        }
    }

    fn failure(message: &str, text: &str) -> Outcome {
        let (message, kind, text) = (message.into(), "assertion".into(), text.into());
        Outcome::Failure {
            message,
            kind,
            text,
        }
    }

    fn suite(name: &str, file: Option<&str>, cases: Vec<Case>) -> Suite {
        let (name, file) = (name.to_owned(), file.map(str::to_owned));
        Suite { name, file, cases }
    }

    #[test]
    #[rustfmt::skip]
    fn renders_a_small_document() {
        let error = Outcome::Error { message: "no mock".into(), kind: "mock".into(), text: String::new() };
        let suites = [
            suite("orders", Some("tests/orders.test.json"), vec![
                case("ok", 0.0012, Outcome::Passed),
                case("<&\"'\u{1}", 0.5, failure("differs at $.a\n  expected: 1", "a < b\n  \u{1}")),
                case("boom", 0.0, error),
                case("later", -1.0, Outcome::Skipped { message: "todo".into() }),
            ]),
            suite("empty", None, vec![]),
        ];
        let want = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="stepwise test" tests="4" failures="1" errors="1" skipped="1" time="0.501">
  <testsuite name="orders" tests="4" failures="1" errors="1" skipped="1" time="0.501" file="tests/orders.test.json">
    <testcase name="ok" classname="suite" time="0.001"/>
    <testcase name="&lt;&amp;&quot;&apos;�" classname="suite" time="0.500">
      <failure message="differs at $.a&#10;  expected: 1" type="assertion">a &lt; b
  �</failure>
    </testcase>
    <testcase name="boom" classname="suite" time="0.000">
      <error message="no mock" type="mock"></error>
    </testcase>
    <testcase name="later" classname="suite" time="0.000">
      <skipped message="todo"/>
    </testcase>
  </testsuite>
  <testsuite name="empty" tests="0" failures="0" errors="0" skipped="0" time="0.000">
  </testsuite>
</testsuites>
"#;
        assert_eq!(render(&suites, "stepwise test"), want);
    }

    #[test]
    #[rustfmt::skip]
    fn counts_sum_over_suites() {
        let suites = [
            suite("s", None, vec![case("a", 1.0, Outcome::Passed), case("b", 2.0, failure("m", "t"))]),
            suite("s", None, vec![case("c", f64::NAN, failure("m", "t")), case("d", f64::INFINITY, Outcome::Passed)]),
        ];
        let doc = render(&suites, "all");
        let wants = [
            r#"<testsuites name="all" tests="4" failures="2" errors="0" skipped="0" time="3.000">"#,
            r#"<testsuite name="s" tests="2" failures="1" errors="0" skipped="0" time="3.000">"#,
            r#"<testsuite name="s" tests="2" failures="1" errors="0" skipped="0" time="0.000">"#,
        ];
        for want in wants {
            assert!(doc.contains(want), "{want} in {doc}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn escapes() {
        let cases = [
            ("a<b&c\"d'e>", true, "a&lt;b&amp;c&quot;d&apos;e&gt;"),
            ("a<b&c\"d'e>", false, "a&lt;b&amp;c&quot;d&apos;e&gt;"),
            ("x\u{1}y\u{0}\u{1f}", true, "x\u{FFFD}y\u{FFFD}\u{FFFD}"),
            ("\u{FFFE}\u{FFFF}\u{FFFD}\u{7f}é😀", false, "\u{FFFD}\u{FFFD}\u{FFFD}\u{7f}é😀"),
            ("l1\nl2\tx\r", true, "l1&#10;l2&#9;x&#13;"),
            ("l1\nl2\tx\r", false, "l1\nl2\tx&#13;"),
            ("]]>", false, "]]&gt;"),
        ];
        for (input, in_attr, want) in cases {
            let mut out = String::new();
            crate::data::xml::escape_into(&mut out, input, in_attr);
            assert_eq!(out, want, "{input:?} in_attr={in_attr}");
        }
    }
}
