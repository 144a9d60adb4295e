//! Finding test files and definitions: `*.test.json`, `*.test.yaml` and `*.test.yml` are test
//! files, `*.asl.json`, `*.asl.yaml` and `*.asl.yml` are definitions; directories are searched recursively, skipping hidden
//! ones, `target` and `node_modules`.

use std::path::{Path, PathBuf};

/// What a set of paths holds, each list sorted.
#[derive(Debug, Default)]
pub struct Found {
    pub tests: Vec<PathBuf>,
    pub definitions: Vec<PathBuf>,
}

pub fn is_test_file(p: &Path) -> bool {
    let name = file_name(p);
    [".test.json", ".test.yaml", ".test.yml"]
        .iter()
        .any(|s| name.ends_with(s))
}

pub fn is_definition(p: &Path) -> bool {
    let name = file_name(p);
    [".asl.json", ".asl.yaml", ".asl.yml"]
        .iter()
        .any(|x| name.ends_with(x))
}

/// Searches `paths`; a file given by name counts whatever it is called (a definition when it
/// is not a test file). `Err` names a path that does not exist.
pub fn find(paths: &[PathBuf]) -> Result<Found, String> {
    let mut found = Found::default();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut found);
        } else if p.is_file() {
            if is_test_file(p) {
                found.tests.push(p.clone());
            } else {
                found.definitions.push(p.clone());
            }
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    for list in [&mut found.tests, &mut found.definitions] {
        list.sort();
        list.dedup();
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Found) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = file_name(&path);
        if path.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                walk(&path, found);
            }
        } else if is_test_file(&path) {
            found.tests.push(path);
        } else if is_definition(&path) {
            found.definitions.push(path);
        }
    }
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|s| s.to_str()).unwrap_or_default()
}

/// `./a/b` → `a/b`, for messages.
pub fn shown(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
