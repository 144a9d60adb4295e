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

    /// Reads `path` (`-`: stdin) and prepares it (`Err` with the problems, each with its line);
    /// `path` may also be a SAM or CloudFormation template: then
    /// its state machine `pick` (a logical id; may be left out when there is one) is read,
    /// with its DefinitionSubstitutions under the command line's. Also the logical id.
    pub fn read_picked(
        &self,
        path: &str,
        pick: Option<&str>,
    ) -> Result<(Prepared, Option<String>), Vec<String>> {
        let mut subs = self.substitutions().map_err(|e| vec![e])?;
        let text = super::read_file(path).map_err(|e| vec![e])?;
        let (text, logical_id) = match template_machine(path, &text, pick)? {
            Some((definition, id, values)) => {
                let mut all = values;
                all.extend(subs.values);
                subs.values = all;
                (definition, Some(id))
            }
            None => (text, None),
        };
        let prepared = prepare(path, &text, &subs).map_err(|diags| {
            diags
                .iter()
                .map(|d| super::validate::line(path, d))
                .collect::<Vec<_>>()
        })?;
        Ok((prepared, logical_id))
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

/// When `text` is a template with state machines: the definition of `pick` (or of the only one),
/// its logical id and its substitutions.
#[allow(clippy::type_complexity)]
fn template_machine(
    path: &str,
    text: &str,
    pick: Option<&str>,
) -> Result<Option<(String, String, std::collections::BTreeMap<String, String>)>, Vec<String>> {
    use crate::asl::template::{Definition, machines};
    if !text.contains("Resources") {
        return Ok(None);
    }
    let Ok(found) = machines(text) else {
        return Ok(None);
    };
    if found.is_empty() {
        return Ok(None);
    }
    let ids: Vec<&str> = found.iter().map(|m| m.logical_id.as_str()).collect();
    let chosen = match pick {
        Some(id) => found.iter().find(|m| m.logical_id == id),
        None if found.len() == 1 => found.first(),
        None => None,
    };
    let Some(m) = chosen else {
        return Err(vec![format!(
            "{path} is a template with state machines {}: pick one with --state-machine LOGICAL_ID",
            ids.join(", ")
        )]);
    };
    let definition = match &m.definition {
        Definition::Inline(d) => d.clone(),
        Definition::File(rel) => {
            let dir = std::path::Path::new(path)
                .parent()
                .unwrap_or(std::path::Path::new(""));
            super::read_file(&dir.join(rel).to_string_lossy()).map_err(|e| vec![e])?
        }
        Definition::Elsewhere(why) => {
            return Err(vec![format!(
                "{path}: {} cannot be run: {why}",
                m.logical_id
            )]);
        }
    };
    Ok(Some((
        definition,
        m.logical_id.clone(),
        m.substitutions.clone(),
    )))
}
