//! State machine definitions named by their files: `serve --state-machines DIR` registers them,
//! and `run --state-machines DIR`/`--state-machine-file NAME=FILE` gives them to the execution
//! for the children its Task states start (`states:startExecution`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `*.json` files directly in `dir`, by name.
pub fn json_files(dir: &str) -> Result<Vec<PathBuf>, String> {
    files_with(dir, &["json"])
}

/// The definition files directly in `dir` (`*.json`, `*.yaml`, `*.yml`), by name.
pub fn definition_files(dir: &str) -> Result<Vec<PathBuf>, String> {
    files_with(dir, &["json", "yaml", "yml"])
}

fn files_with(dir: &str, extensions: &[&str]) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {dir}: {e}"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| extensions.contains(&x))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// `orders.asl.json` (or `.asl.yaml`, `.yml`) → `orders`.
pub fn name_of(file: &Path) -> String {
    let base = file
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let stem = [".json", ".yaml", ".yml"]
        .iter()
        .find_map(|x| base.strip_suffix(x))
        .unwrap_or(base);
    stem.strip_suffix(".asl").unwrap_or(stem).to_string()
}

/// Whether `text` is a state machine definition (mock files, inputs and tests sit beside them),
/// in JSON or YAML.
pub fn is_definition(name: &str, text: &str) -> bool {
    let doc: Option<serde_json::Value> = if crate::asl::source::is_yaml(name, text) {
        yaml_serde::from_str(text).ok()
    } else {
        serde_json::from_str(text).ok()
    };
    doc.is_some_and(|v| v.get("States").is_some() && v.get("StartAt").is_some())
}

/// The definitions of `--state-machines DIR` (every definition in it, named after its file) and
/// `--state-machine-file NAME=FILE` (which win), each checked now: a child that cannot run is
/// reported before the parent starts.
pub fn definitions(
    dir: Option<&str>,
    files: &[String],
    subs: &crate::asl::source::Substitutions,
) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    let mut add = |name: String, path: &str, text: String| -> Result<(), String> {
        let text = crate::asl::source::prepare(path, &text, subs)
            .map_err(|diags| {
                let lines: Vec<String> = diags
                    .iter()
                    .map(|d| super::validate::line(path, d))
                    .collect();
                lines.join("\n")
            })?
            .definition()
            .to_string();
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
        for file in definition_files(dir)? {
            let shown = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {shown}: {e}"))?;
            if is_definition(&shown, &text) {
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
