//! State machine definitions named by their files: `serve --state-machines DIR` registers them,
//! and `run --state-machines DIR`/`--state-machine-file NAME=FILE` gives them to the execution
//! for the children its Task states start (`states:startExecution`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `*.json` files directly in `dir`, by name.
pub fn json_files(dir: &str) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {dir}: {e}"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// `orders.asl.json` → `orders`.
pub fn name_of(file: &Path) -> String {
    let base = file
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let stem = base.strip_suffix(".json").unwrap_or(base);
    stem.strip_suffix(".asl").unwrap_or(stem).to_string()
}

/// Whether `text` is a state machine definition (mock files, inputs and tests sit beside them).
pub fn is_definition(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|v| v.get("States").is_some() && v.get("StartAt").is_some())
}

/// The definitions of `--state-machines DIR` (every definition in it, named after its file) and
/// `--state-machine-file NAME=FILE` (which win), each checked now: a child that cannot run is
/// reported before the parent starts.
pub fn definitions(
    dir: Option<&str>,
    files: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    let mut add = |name: String, path: &str, text: String| -> Result<(), String> {
        crate::asl::load(&text).map_err(|diags| {
            let lines: Vec<String> = diags
                .iter()
                .map(|d| super::validate::line(path, d))
                .collect();
            format!(
                "{}\n{path} (state machine '{name}') is not a valid state machine ({} problems)",
                lines.join("\n"),
                diags.len()
            )
        })?;
        found.insert(name, text);
        Ok(())
    };
    if let Some(dir) = dir {
        for file in json_files(dir)? {
            let shown = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {shown}: {e}"))?;
            if is_definition(&text) {
                add(name_of(&file), &shown, text)?;
            }
        }
    }
    for spec in files {
        let (name, path) = spec.split_once('=').ok_or_else(|| {
            format!(
                "--state-machine-file: expected NAME=FILE, e.g. Child=child.asl.json; got '{spec}'"
            )
        })?;
        crate::arn::check_name(name).map_err(|e| format!("--state-machine-file {spec}: {e}"))?;
        let text = super::read_file(path)?;
        add(name.to_string(), path, text)?;
    }
    Ok(found)
}
