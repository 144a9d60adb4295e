//! The flags that say how a definition file is read: `${NAME}` placeholders filled as
//! `DefinitionSubstitutions` fills them (`--substitute`, `--substitutions`), or accepted
//! unfilled (`--allow-unresolved`); JSON or YAML either way. Shared by `validate`, `run` and
//! `test`.

use crate::asl::Diagnostic;
use crate::asl::source::{Prepared, Substitutions, prepare};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Source {
    /// Fill `${NAME}` placeholders with VALUE, as DefinitionSubstitutions does (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub substitute: Vec<String>,
    /// Fill placeholders from a JSON or YAML object of NAME: VALUE (--substitute wins).
    #[arg(long, value_name = "FILE")]
    pub substitutions: Option<String>,
    /// Accept placeholders nothing fills: each is a warning, and a stand-in is checked in its
    /// place (a Resource placeholder becomes a Lambda function of its name).
    #[arg(long)]
    pub allow_unresolved: bool,
}

impl Source {
    /// The substitutions the flags give.
    pub fn substitutions(&self) -> Result<Substitutions, String> {
        let mut values = std::collections::BTreeMap::new();
        if let Some(path) = &self.substitutions {
            let text = super::read_file(path)?;
            let doc: serde_json::Value = if crate::asl::source::is_yaml(path, &text) {
                yaml_serde::from_str(&text)
                    .map_err(|e| format!("--substitutions {path}: not valid YAML: {e}"))?
            } else {
                serde_json::from_str(&text)
                    .map_err(|e| format!("--substitutions {path}: not valid JSON: {e}"))?
            };
            let map = doc.as_object().ok_or_else(|| {
                format!("--substitutions {path}: expected an object of NAME: VALUE")
            })?;
            for (k, v) in map {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                values.insert(k.clone(), text);
            }
        }
        for pair in &self.substitute {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                format!("--substitute: expected NAME=VALUE, e.g. FunctionArn=arn:aws:lambda:us-east-1:123456789012:function:f; got '{pair}'")
            })?;
            values.insert(k.to_string(), v.to_string());
        }
        Ok(Substitutions {
            values,
            allow_unresolved: self.allow_unresolved,
        })
    }

    /// Reads `path` (`-`: stdin) and prepares it; `Err` with the problems, each with its line.
    pub fn read(&self, path: &str) -> Result<Prepared, Vec<String>> {
        let subs = self.substitutions().map_err(|e| vec![e])?;
        let text = super::read_file(path).map_err(|e| vec![e])?;
        prepare(path, &text, &subs).map_err(|diags| {
            diags
                .iter()
                .map(|d| super::validate::line(path, d))
                .collect()
        })
    }
}

/// A diagnostic about `prepared`'s definition, with the line its pointer names.
pub fn located(file: &str, prepared: &Prepared, d: &Diagnostic) -> String {
    let line = d
        .pointer
        .as_deref()
        .and_then(|p| crate::asl::source::line_of(&prepared.text, p));
    match line {
        Some(n) => super::validate::line(&format!("{file}:{n}"), d),
        None => super::validate::line(file, d),
    }
}
