//! Turning test files into runnable cases: reads the definitions (each loaded and validated
//! once), mock configs and input files they name, and checks every name a case uses, so that a
//! case fails for what its definition does, never for a typo in the test.

use super::discover::shown;
use super::run::{Case, Definition, seed_for};
use super::spec::{self, CaseSpec, Context, Input};
use crate::asl::Diagnostic;
use crate::integrations::mock::{MockedResponse, Mocks, named_response};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A definition as found: loaded, or its diagnostics.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: String,
    pub result: Result<Arc<Definition>, Arc<Vec<Diagnostic>>>,
}

/// The cases of one test file (or of one state machine of a mock config).
#[derive(Debug)]
pub struct Suite {
    pub name: String,
    /// The file the cases come from.
    pub file: String,
    pub definition: Option<Arc<Definition>>,
    pub cases: Vec<Planned>,
}

#[derive(Debug)]
pub struct Planned {
    pub name: String,
    pub item: Item,
}

#[derive(Debug)]
pub enum Item {
    Ready(Box<Case>),
    Skipped(String),
    /// The case cannot run: its test is wrong, or its definition invalid.
    Broken(String),
}

/// What all cases share: the start time default and the files read so far.
pub struct Loader {
    pub now_ms: i64,
    /// How definitions' `${NAME}` placeholders are filled (YAML definitions are read too).
    pub substitutions: crate::asl::source::Substitutions,
    definitions: HashMap<PathBuf, Loaded>,
    mock_configs: HashMap<PathBuf, Result<Arc<Value>, String>>,
    /// Definitions given rather than read from their path (a template's state machines): their
    /// text and substitutions.
    given: HashMap<PathBuf, (String, crate::asl::source::Substitutions)>,
}

impl Loader {
    pub fn new(now_ms: i64) -> Loader {
        Loader {
            now_ms,
            substitutions: Default::default(),
            definitions: HashMap::new(),
            mock_configs: HashMap::new(),
            given: HashMap::new(),
        }
    }

    /// Every definition read so far, in path order.
    pub fn definitions(&self) -> Vec<Loaded> {
        let mut all: Vec<Loaded> = self.definitions.values().cloned().collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    }

    /// A definition known by `path` (a template's state machine): `text`, filled with `subs`.
    pub fn give(&mut self, path: &Path, text: String, subs: crate::asl::source::Substitutions) {
        self.given.insert(path.to_path_buf(), (text, subs));
    }

    /// Reads and validates a definition, once.
    pub fn definition(&mut self, path: &Path) -> Loaded {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(d) = self.definitions.get(&key) {
            return d.clone();
        }
        let shown = shown(path);
        let (read, subs) = match self.given.get(path) {
            Some((text, subs)) => (Ok(text.clone()), subs.clone()),
            None => (std::fs::read_to_string(path), self.substitutions.clone()),
        };
        let result = match read {
            Ok(text) => crate::asl::source::prepare(&shown, &text, &subs)
                .and_then(|p| crate::asl::load(&p.json))
                .map(|machine| {
                    Arc::new(Definition {
                        path: shown.clone(),
                        machine,
                    })
                })
                .map_err(Arc::new),
            Err(e) => Err(Arc::new(vec![Diagnostic {
                code: "UNREADABLE",
                pointer: None,
                message: format!("cannot read the definition: {e}"),
            }])),
        };
        let loaded = Loaded {
            path: shown,
            result,
        };
        self.definitions.insert(key, loaded.clone());
        loaded
    }

    pub fn mock_config(&mut self, path: &Path) -> Result<Arc<Value>, String> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.mock_configs
            .entry(key)
            .or_insert_with(|| read_json(path).map(Arc::new))
            .clone()
    }

    /// The suite of one test file; a file that cannot be read or parsed is one broken case.
    pub fn test_file(&mut self, path: &Path) -> Suite {
        let file = shown(path);
        let broken = |message: String| Suite {
            name: file.clone(),
            file: file.clone(),
            definition: None,
            cases: vec![Planned {
                name: "(test file)".into(),
                item: Item::Broken(message),
            }],
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return broken(format!("cannot read {file}: {e}")),
        };
        let yaml = !file.ends_with(".json");
        let spec = match spec::parse(&text, yaml) {
            Ok(s) => s,
            Err(e) => return broken(format!("{file}: {e}")),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let loaded = self.definition(&dir.join(&spec.definition));
        let config = match &spec.mock_config {
            Some(m) => match self.mock_config(&dir.join(m)) {
                Ok(c) => Some(c),
                Err(e) => return broken(format!("mockConfig: {e}")),
            },
            None => None,
        };
        let state_machine = spec
            .state_machine
            .clone()
            .unwrap_or_else(|| crate::arn::machine_name_of_file(&spec.definition));
        let definition = loaded.result.as_ref().ok().cloned();
        let cases = spec
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| Planned {
                name: c.name.clone(),
                item: match &loaded.result {
                    Err(_) => Item::Broken(invalid(&loaded.path)),
                    Ok(def) => {
                        let sources = Sources {
                            dir,
                            file: &file,
                            config: config.as_deref(),
                            state_machine: &state_machine,
                        };
                        self.case(def, &sources, c, i)
                    }
                },
            })
            .collect();
        Suite {
            name: file.clone(),
            file,
            definition,
            cases,
        }
    }

    pub(super) fn case(
        &self,
        def: &Arc<Definition>,
        src: &Sources,
        c: &CaseSpec,
        i: usize,
    ) -> Item {
        if let Some(reason) = &c.skip {
            return Item::Skipped(reason.clone());
        }
        let at = format!("cases[{i}]");
        match self.build(def, src, c) {
            Ok(case) => Item::Ready(Box::new(case)),
            Err(e) => Item::Broken(format!("{}: {at}.{e}", src.file)),
        }
    }

    fn build(&self, def: &Arc<Definition>, src: &Sources, c: &CaseSpec) -> Result<Case, String> {
        let input = match &c.input {
            Input::Value(v) => v.clone(),
            Input::File(f) => read_json(&src.dir.join(f)).map_err(|e| format!("inputFile: {e}"))?,
        };
        let mut mocks = match (&c.mock_test_case, src.config) {
            (Some(case), Some(config)) => Mocks::from_config(config, Some(src.state_machine), case)
                .map_err(|e| format!("mockTestCase: {e}"))?,
            (Some(_), None) => {
                return Err("mockTestCase: the test file names no \"mockConfig\"".into());
            }
            (None, _) => Mocks::default(),
        };
        for (state, raw) in &c.mocks {
            let response =
                inline_mock(src.config, state, raw).map_err(|e| format!("mocks.{state}: {e}"))?;
            mocks.insert(state, &mock_name(state, raw), response);
        }
        let machine = &def.machine;
        let named = c.mocks.iter().map(|(s, _)| s.as_str());
        if let Some(bad) = named
            .chain(c.expect.state_names())
            .find(|n| !has_state(machine, n))
        {
            return Err(format!(
                "{}: the definition has no state named '{bad}'",
                if c.mocks.iter().any(|(s, _)| s == bad) {
                    "mocks"
                } else {
                    "expect"
                }
            ));
        }
        self.with_context(def, src, c, input, mocks)
    }

    fn with_context(
        &self,
        def: &Arc<Definition>,
        src: &Sources,
        c: &CaseSpec,
        input: Value,
        mocks: Mocks,
    ) -> Result<Case, String> {
        let Context {
            execution_name,
            start_time,
            role_arn,
            state_machine_name,
        } = &c.context;
        let execution_name = execution_name.clone().unwrap_or_else(|| name_for(&c.name));
        crate::arn::check_name(&execution_name)
            .map_err(|e| format!("context.Execution.Name: {e}"))?;
        let start_ms = match start_time {
            Some(t) => (crate::data::timestamp::parse_rfc3339(t).ok_or_else(|| {
                format!("context.Execution.StartTime: '{t}' is not an ISO 8601 timestamp such as 2024-01-31T12:00:00Z")
            })? / 1_000_000) as i64,
            None => self.now_ms,
        };
        Ok(Case {
            definition: def.clone(),
            state_machine: state_machine_name
                .clone()
                .unwrap_or_else(|| src.state_machine.to_string()),
            execution_name,
            role_arn: role_arn.clone(),
            start_ms,
            input,
            mocks,
            expect: c.expect.clone(),
            seed: seed_for(src.file, &c.name),
        })
    }
}

/// Where a case's references resolve.
pub(super) struct Sources<'a> {
    pub dir: &'a Path,
    pub file: &'a str,
    pub config: Option<&'a Value>,
    pub state_machine: &'a str,
}

pub(super) fn invalid(path: &str) -> String {
    format!("the definition {path} is invalid (its diagnostics are listed above)")
}

fn inline_mock(config: Option<&Value>, state: &str, raw: &Value) -> Result<MockedResponse, String> {
    match (raw, config) {
        (Value::String(name), Some(config)) => {
            named_response(config, name).map_err(|e| e.to_string())
        }
        (Value::String(name), None) => Err(format!(
            "'{name}' names a mocked response, but the test file names no \"mockConfig\" to find it in"
        )),
        _ => MockedResponse::inline(state, raw).map_err(|e| e.to_string()),
    }
}

fn mock_name(state: &str, raw: &Value) -> String {
    raw.as_str()
        .map_or_else(|| format!("{state} (inline)"), str::to_string)
}

fn has_state(machine: &crate::asl::Machine, name: &str) -> bool {
    machine.states.iter().any(|s| &*s.name == name)
}

/// A valid execution name from a case name: `happy path` → `happy-path`.
pub(super) fn name_for(case: &str) -> String {
    let cleaned: String = case
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    if cleaned.is_empty() {
        "test".into()
    } else {
        cleaned
    }
}

pub(super) fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", shown(path)))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", shown(path)))
}
