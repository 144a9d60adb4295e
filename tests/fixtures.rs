//! One fixture per diagnostic: `fixtures/invalid/NAME.asl.json` must be rejected with exactly
//! the `CODE at /pointer` lines of `NAME.expected` (in any order).

use std::path::Path;

#[test]
fn every_invalid_fixture_gets_its_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/invalid");
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/invalid exists") {
        let path = entry.expect("readable dir").path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".asl.json"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        let expected = std::fs::read_to_string(dir.join(format!("{name}.expected")))
            .expect("each fixture has an .expected file");
        let mut want: Vec<String> = expected
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        let mut got: Vec<String> = match stepwise::asl::load(&text) {
            Ok(_) => vec!["(valid)".to_string()],
            Err(diags) => diags
                .iter()
                .map(|d| match &d.pointer {
                    Some(p) if p.is_empty() => format!("{} at /", d.code),
                    Some(p) => format!("{} at {p}", d.code),
                    None => d.code.to_string(),
                })
                .collect(),
        };
        want.sort();
        got.sort();
        if want != got {
            problems.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixtures found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn garbage_never_panics() {
    let seeds = [
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#,
        r#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}}}"#,
        r#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsPresent":true}],"Next":"D"}]},"D":{"Type":"Fail"}}}"#,
    ];
    let mut n = 0u64;
    for seed in seeds {
        let bytes = seed.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [
                b'"', b'{', b'}', b'[', b']', b':', b',', b'$', b'.', b'0', b'x', b'\\',
            ] {
                let mut mutated = bytes.to_vec();
                mutated[i] = replacement;
                let text = String::from_utf8_lossy(&mutated);
                let _ = stepwise::asl::load(&text);
                n += 1;
            }
            let _ = stepwise::asl::load(&String::from_utf8_lossy(&bytes[..i]));
        }
    }
    assert!(n > 1000);
}
