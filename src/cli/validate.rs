//! `stepwise validate FILE...`

use super::Format;
use crate::asl::Diagnostic;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Definition files (ASL JSON, or Conductor workflow definitions).
    #[arg(required = true)]
    files: Vec<String>,
    /// `json` prints the diagnostics as a JSON array on stdout.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn main(args: Args) -> ExitCode {
    let mut all: Vec<(String, Diagnostic)> = Vec::new();
    let mut unreadable = false;
    for file in &args.files {
        match super::read_file(file) {
            Ok(text) => match check(&text) {
                Err(diags) => all.extend(diags.into_iter().map(|d| (file.clone(), d))),
                Ok(()) => {
                    if let Ok(doc) = serde_json::from_str(&text) {
                        warn_uncallable(file, &doc);
                    }
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
            }
        }
    }
    match args.format {
        Format::Json => {
            let list: Vec<_> = all
                .iter()
                .map(|(f, d)| json!({"file": f, "code": d.code, "pointer": d.pointer, "message": d.message}))
                .collect();
            println!("{}", serde_json::Value::Array(list));
        }
        Format::Text => {
            for (f, d) in &all {
                eprintln!("{}", line(f, d));
            }
            if all.is_empty() && !unreadable {
                eprintln!("{} valid", plural(args.files.len(), "definition"));
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if all.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// An ASL definition, or a Conductor workflow definition (`tasks`, no `States`).
fn check(text: &str) -> Result<(), Vec<Diagnostic>> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(doc) if super::conductor::is_workflow(&doc) => {
            crate::conductor::def::load_workflow(&doc).map(|_| ())
        }
        _ => crate::asl::load(text).map(|_| ()),
    }
}

/// Prints a warning line for each Task state of a valid definition that stepwise cannot call
/// (a mock or a `--task` command can still serve it).
pub fn warn_uncallable(file: &str, definition: &serde_json::Value) {
    for w in crate::integrations::services::check::warnings(definition) {
        eprintln!("warning: {file} at {}: {}", w.pointer, w.message);
    }
}

/// `FILE: CODE at /pointer: message`
pub fn line(file: &str, d: &Diagnostic) -> String {
    match &d.pointer {
        Some(p) => format!(
            "{file}: {} at {}: {}",
            d.code,
            if p.is_empty() { "/" } else { p },
            d.message
        ),
        None => format!("{file}: {}: {}", d.code, d.message),
    }
}

/// `1 case`, `2 cases`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
