//! `stepwise validate FILE...`

use super::Format;
use crate::asl::Diagnostic;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Definition files (ASL JSON or YAML, or Conductor workflow definitions).
    #[arg(required_unless_present = "template")]
    files: Vec<String>,
    /// A SAM or CloudFormation template (YAML or JSON; CDK's `*.template.json` too): checks
    /// every state machine in it, with its DefinitionSubstitutions and the template's references
    /// resolved to plausible values.
    #[arg(long, value_name = "FILE")]
    template: Option<String>,
    /// `json` prints the diagnostics as a JSON array on stdout.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    source: super::source::Source,
}

pub fn main(args: Args) -> ExitCode {
    let subs = match args.source.substitutions() {
        Ok(s) => s,
        Err(e) => return super::report::usage(e),
    };
    // Each problem with its file, and the line its pointer names when it can be told.
    let mut all: Vec<Entry> = Vec::new();
    let mut warnings: Vec<Entry> = Vec::new();
    let mut unreadable = false;
    let mut checked = args.files.len();
    for file in &args.files {
        let text = match super::read_file(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
                continue;
            }
        };
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text)
            && super::conductor::is_workflow(&doc)
        {
            if let Err(diags) = crate::conductor::def::load_workflow(&doc) {
                all.extend(diags.into_iter().map(|d| (file.clone(), None, d)));
            }
            continue;
        }
        check_one(file, &text, &subs, None, &mut all, &mut warnings);
    }
    if let Some(template) = &args.template {
        match check_template(template, &subs, &mut all, &mut warnings) {
            Ok(n) => checked += n,
            Err(e) => {
                eprintln!("error: {template}: {e}");
                unreadable = true;
            }
        }
    }
    let shown = |f: &str, l: &Option<usize>| match l {
        Some(n) => format!("{f}:{n}"),
        None => f.to_string(),
    };
    match args.format {
        Format::Json => {
            let entry = |(f, l, d): &(String, Option<usize>, Diagnostic), severity: &str| json!({"file": f, "line": l, "code": d.code, "pointer": d.pointer, "message": d.message, "severity": severity});
            let list: Vec<_> = all
                .iter()
                .map(|e| entry(e, "ERROR"))
                .chain(warnings.iter().map(|e| entry(e, "WARNING")))
                .collect();
            outln!("{}", serde_json::Value::Array(list));
        }
        Format::Text => {
            for (f, l, d) in &warnings {
                eprintln!("warning: {}", line(&shown(f, l), d));
            }
            for (f, l, d) in &all {
                eprintln!("{}", line(&shown(f, l), d));
            }
            if all.is_empty() && !unreadable {
                eprintln!("{} valid", plural(checked, "definition"));
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

/// A problem: its file, the line its pointer names (when told), and the diagnostic.
type Entry = (String, Option<usize>, Diagnostic);

/// Checks one ASL definition's text as `file`; `inline` is the template's text and the pointer
/// of the definition in it, for a definition written inside a template (lines are counted
/// there).
fn check_one(
    file: &str,
    text: &str,
    subs: &crate::asl::source::Substitutions,
    inline: Option<(&str, &str)>,
    all: &mut Vec<Entry>,
    warnings: &mut Vec<Entry>,
) {
    let prepared = match crate::asl::source::prepare(file, text, subs) {
        Ok(p) => p,
        Err(diags) => {
            all.extend(diags.into_iter().map(|d| (file.to_string(), None, d)));
            return;
        }
    };
    let line = |d: &Diagnostic| {
        let pointer = d.pointer.as_deref()?;
        match inline {
            Some((template, at)) => {
                crate::asl::source::line_of(template, &format!("{at}{pointer}"))
            }
            None => crate::asl::source::line_of(&prepared.text, pointer),
        }
    };
    for w in &prepared.warnings {
        warnings.push((file.to_string(), line(w), w.clone()));
    }
    match crate::asl::load(&prepared.json) {
        Err(diags) => all.extend(diags.into_iter().map(|d| (file.to_string(), line(&d), d))),
        Ok(_) => {
            if let Ok(doc) = serde_json::from_str(&prepared.json) {
                warn_uncallable(file, &doc);
            }
        }
    }
}

/// Checks every state machine of a template; how many definitions were checked.
fn check_template(
    path: &str,
    subs: &crate::asl::source::Substitutions,
    all: &mut Vec<Entry>,
    warnings: &mut Vec<Entry>,
) -> Result<usize, String> {
    use crate::asl::template::{Definition, machines};
    let text = super::read_file(path)?;
    let found = machines(&text)?;
    if found.is_empty() {
        return Err(
            "no AWS::Serverless::StateMachine or AWS::StepFunctions::StateMachine in it".into(),
        );
    }
    let dir = std::path::Path::new(path)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut checked = 0;
    for m in &found {
        // The template's DefinitionSubstitutions, and the command line's over them.
        let mut values = m.substitutions.clone();
        values.extend(subs.values.clone());
        let subs = crate::asl::source::Substitutions {
            values,
            allow_unresolved: subs.allow_unresolved,
        };
        match &m.definition {
            Definition::File(rel) => {
                let file = dir.join(rel).to_string_lossy().into_owned();
                match super::read_file(&file) {
                    Ok(t) => check_one(&file, &t, &subs, None, all, warnings),
                    Err(e) => return Err(format!("{} ({}): {e}", m.logical_id, rel)),
                }
            }
            Definition::Inline(def) => {
                let shown = format!("{path} ({})", m.logical_id);
                check_one(&shown, def, &subs, Some((&text, &m.pointer)), all, warnings);
            }
            Definition::Elsewhere(why) => {
                eprintln!("warning: {path}: {} is not checked: {why}", m.logical_id);
                continue;
            }
        }
        checked += 1;
    }
    Ok(checked)
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
