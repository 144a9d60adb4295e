//! The test file format (`*.test.json`, `*.test.yaml`): which definition, and its cases — input,
//! mocks, context overrides and expectations. Parsing only: paths stay as written, relative to
//! the test file; `load.rs` reads what they name.

use super::expect::Expect;
use serde_json::{Map, Value};

/// One test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The definition, relative to the test file.
    pub definition: String,
    /// The state machine name (default: the definition's file name without `.asl.json`).
    pub state_machine: Option<String>,
    /// A Step Functions Local `MockConfigFile.json` whose test cases and mocked responses the
    /// cases may use, relative to the test file.
    pub mock_config: Option<String>,
    pub cases: Vec<CaseSpec>,
}

/// One case of a test file.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub name: String,
    pub input: Input,
    /// A test case of the mock config whose mocks apply (inline `mocks` override them).
    pub mock_test_case: Option<String>,
    /// State name → response: a name in the mock config's `MockedResponses`, or inline.
    pub mocks: Vec<(String, Value)>,
    pub context: Context,
    pub expect: Expect,
    /// Reported as skipped, with this reason.
    pub skip: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Value(Value),
    /// A file relative to the test file.
    File(String),
}

/// Overrides of the context object (`$$`), in its own shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub execution_name: Option<String>,
    /// `$$.Execution.StartTime` as an ISO 8601 timestamp.
    pub start_time: Option<String>,
    pub role_arn: Option<String>,
    pub state_machine_name: Option<String>,
}

/// A problem in a test file, with where it is (`cases[2].expect.status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// Parses a test file's text; YAML when `yaml`, else JSON.
pub fn parse(text: &str, yaml: bool) -> Result<TestFile, SpecError> {
    let value: Value = if yaml {
        yaml_serde::from_str(text).map_err(|e| err("", format!("not valid YAML: {e}")))?
    } else {
        serde_json::from_str(text).map_err(|e| err("", format!("not valid JSON: {e}")))?
    };
    from_value(&value)
}

fn from_value(v: &Value) -> Result<TestFile, SpecError> {
    let top = Fields::new(v, "")?;
    top.only(&[
        "definition",
        "stateMachineName",
        "mockConfig",
        "cases",
        "Comment",
        "comment",
    ])?;
    let definition = top.string("definition")?.ok_or_else(|| {
        err(
            "definition",
            "required: the definition file, relative to this file",
        )
    })?;
    let cases = match top.get("cases") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, c)| case(c, &format!("cases[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(err("cases", "must be a list of cases")),
        None => return Err(err("cases", "required: a list of cases")),
    };
    check_unique(&cases)?;
    Ok(TestFile {
        definition,
        state_machine: top.string("stateMachineName")?,
        mock_config: top.string("mockConfig")?,
        cases,
    })
}

fn case(v: &Value, at: &str) -> Result<CaseSpec, SpecError> {
    let f = Fields::new(v, at)?;
    f.only(&[
        "name",
        "input",
        "inputFile",
        "mockTestCase",
        "mocks",
        "context",
        "expect",
        "skip",
        "Comment",
        "comment",
    ])?;
    let name = f
        .string("name")?
        .ok_or_else(|| err(at, "every case needs a \"name\""))?;
    let input = match (f.get("input"), f.string("inputFile")?) {
        (Some(_), Some(_)) => return Err(err(at, "give \"input\" or \"inputFile\", not both")),
        (Some(v), None) => Input::Value(v.clone()),
        (None, Some(path)) => Input::File(path),
        (None, None) => Input::Value(Value::Object(Map::new())),
    };
    let mocks = match f.get("mocks") {
        None => Vec::new(),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => {
            return Err(err(
                &f.at("mocks"),
                "must map state names to mocked responses",
            ));
        }
    };
    let skip = match f.get("skip") {
        None | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(String::new()),
        Some(Value::String(reason)) => Some(reason.clone()),
        Some(_) => return Err(err(&f.at("skip"), "must be true, false or a reason")),
    };
    Ok(CaseSpec {
        name,
        input,
        mock_test_case: f.string("mockTestCase")?,
        mocks,
        context: match f.get("context") {
            Some(c) => context(c, &f.at("context"))?,
            None => Context::default(),
        },
        expect: match f.get("expect") {
            Some(e) => Expect::parse(e, &f.at("expect"))?,
            None => Expect::default(),
        },
        skip,
    })
}

fn context(v: &Value, at: &str) -> Result<Context, SpecError> {
    let top = Fields::new(v, at)?;
    top.only(&["Execution", "StateMachine"])?;
    let mut c = Context::default();
    if let Some(e) = top.get("Execution") {
        let e = Fields::new(e, &top.at("Execution"))?;
        e.only(&["Name", "StartTime", "RoleArn"])?;
        c.execution_name = e.string("Name")?;
        c.start_time = e.string("StartTime")?;
        c.role_arn = e.string("RoleArn")?;
    }
    if let Some(s) = top.get("StateMachine") {
        let s = Fields::new(s, &top.at("StateMachine"))?;
        s.only(&["Name"])?;
        c.state_machine_name = s.string("Name")?;
    }
    Ok(c)
}

fn check_unique(cases: &[CaseSpec]) -> Result<(), SpecError> {
    for (i, c) in cases.iter().enumerate() {
        if cases[..i].iter().any(|o| o.name == c.name) {
            return Err(err(
                &format!("cases[{i}]"),
                format!("the name '{}' is used by an earlier case", c.name),
            ));
        }
    }
    Ok(())
}

pub(super) fn err(at: &str, message: impl Into<String>) -> SpecError {
    SpecError {
        at: at.to_string(),
        message: message.into(),
    }
}

/// An object's fields, read with their location for messages.
pub(super) struct Fields<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

impl<'a> Fields<'a> {
    pub(super) fn new(v: &'a Value, at: &str) -> Result<Self, SpecError> {
        match v {
            Value::Object(map) => Ok(Fields {
                map,
                at: at.to_string(),
            }),
            _ => Err(err(at, "must be an object")),
        }
    }

    pub(super) fn at(&self, key: &str) -> String {
        if self.at.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// Unknown keys are errors: a misspelt expectation must not pass silently.
    pub(super) fn only(&self, known: &[&str]) -> Result<(), SpecError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(err(
                &self.at(k),
                format!("unknown field (expected one of: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>, SpecError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(err(&self.at(key), "must be a string")),
        }
    }

    pub(super) fn strings(&self, key: &str) -> Result<Option<Vec<String>>, SpecError> {
        let Some(v) = self.map.get(key) else {
            return Ok(None);
        };
        let list = v.as_array().filter(|a| a.iter().all(Value::is_string));
        match list {
            Some(a) => Ok(Some(
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect(),
            )),
            None => Err(err(&self.at(key), "must be a list of state names")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        parse(text, false).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_json_file() {
        let f = parse(
            r#"{"definition": "a.asl.json", "cases": [
                {"name": "one", "input": {"x": 1}, "mocks": {"T": {"Return": 1}},
                 "context": {"Execution": {"Name": "e-1"}}, "expect": {"status": "FAILED"}}
            ]}"#,
            false,
        )
        .unwrap();
        assert_eq!(f.definition, "a.asl.json");
        assert_eq!(f.cases[0].input, Input::Value(serde_json::json!({"x": 1})));
        assert_eq!(f.cases[0].mocks[0].0, "T");
        assert_eq!(f.cases[0].context.execution_name.as_deref(), Some("e-1"));
    }

    #[test]
    fn reads_yaml() {
        let f = parse(
            "definition: a.asl.json\ncases:\n  - name: one\n    input: {x: 1}\n    skip: not yet\n",
            true,
        )
        .unwrap();
        assert_eq!(f.cases[0].skip.as_deref(), Some("not yet"));
    }

    #[test]
    fn problems_say_where() {
        for (text, expected) in [
            (r#"{"cases": []}"#, "definition: required"),
            (
                r#"{"definition": "a", "cases": {}}"#,
                "cases: must be a list",
            ),
            (
                r#"{"definition": "a", "cases": [{"input": 1}]}"#,
                "cases[0]: every case needs",
            ),
            (
                r#"{"definition": "a", "cases": [{"name": "x", "expect": {"stauts": "FAILED"}}]}"#,
                "cases[0].expect.stauts: unknown field",
            ),
            (
                r#"{"definition": "a", "cases": [{"name": "x"}, {"name": "x"}]}"#,
                "cases[1]: the name 'x' is used",
            ),
            (
                r#"{"definition": "a", "cases": [{"name": "x", "context": {"Execution": {"Id": 1}}}]}"#,
                "cases[0].context.Execution.Id: unknown field",
            ),
        ] {
            let got = problem(text);
            assert!(got.starts_with(expected), "{text}: {got}");
        }
    }
}
