//! Seeds from the repository: every JSON file under `state-machines/` and `fixtures/`, and the
//! JSONata differential corpus, sorted into what each target reads.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// What the seed files hold, by kind.
#[derive(Default)]
pub struct Corpus {
    /// Whole documents (definitions, inputs, handler files), as text.
    pub documents: Vec<String>,
    /// Definitions: documents with `States`.
    pub definitions: Vec<String>,
    /// Every string value found in any document.
    pub strings: Vec<String>,
    /// Every object key found in any document.
    pub keys: Vec<String>,
    /// Every rule object inside a `Choices` array.
    pub choice_rules: Vec<Value>,
    /// Lines of `tests/jsonata/cases.txt` (the expressions, without the `differs` notes).
    pub jsonata: Vec<String>,
}

/// Reads the seeds from the repository this harness was built from.
pub fn load() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Corpus::default();
    let mut files = Vec::new();
    for dir in ["state-machines", "fixtures"] {
        json_files(&root.join(dir), &mut files);
    }
    files.sort();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Ok(value) = serde_json::from_str::<Value>(&text) {
            if value.get("States").is_some() {
                corpus.definitions.push(text.clone());
            }
            walk(&value, &mut corpus, false);
        }
        corpus.documents.push(text);
    }
    let cases = std::fs::read_to_string(root.join("tests/jsonata/cases.txt")).unwrap_or_default();
    corpus.jsonata = cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap_or(l).to_string())
        .collect();
    corpus.strings.sort();
    corpus.strings.dedup();
    corpus.keys.sort();
    corpus.keys.dedup();
    corpus
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn walk(v: &Value, corpus: &mut Corpus, in_choices: bool) {
    match v {
        Value::String(s) => corpus.strings.push(s.clone()),
        Value::Array(items) => {
            for item in items {
                if in_choices && item.is_object() {
                    corpus.choice_rules.push(item.clone());
                }
                walk(item, corpus, false);
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                corpus.keys.push(k.clone());
                walk(v, corpus, k == "Choices");
            }
        }
        _ => {}
    }
}

impl Corpus {
    /// The strings `keep` accepts, plus `extra`, never empty.
    pub fn strings_where(&self, keep: impl Fn(&str) -> bool, extra: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self.strings.iter().filter(|s| keep(s)).cloned().collect();
        out.extend(extra.iter().map(|s| s.to_string()));
        out
    }
}

/// The string literals of a Rust source file of the repository (its table tests are good
/// seeds): simple escapes undone, raw strings skipped.
pub fn rust_literals(relative: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some(other) => s.push(other),
                    None => break,
                },
                other => s.push(other),
            }
        }
        out.push(s);
    }
    out
}
