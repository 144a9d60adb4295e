//! Step Functions Local's `MockConfigFile.json`, accepted as is: test cases map state names to
//! mocked responses; a response maps invocation numbers (`"0"`, `"1-2"`) to `Return` or `Throw`.

use super::{Handler, Reply};
use crate::asl::model::ResourceKind;
use crate::engine::Invocation;
use serde_json::Value;
use std::collections::HashMap;

/// One mocked response: the answers by zero-based invocation number.
#[derive(Debug, Clone, Default)]
pub struct MockedResponse {
    ranges: Vec<(u64, u64, Reply)>,
}

/// The mocks of one test case, by state name.
#[derive(Debug, Clone, Default)]
pub struct Mocks {
    by_state: HashMap<String, (String, MockedResponse)>,
}

/// A problem with the mock file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockError(pub String);

impl std::fmt::Display for MockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The state machine names and their test case names, for messages.
pub fn list_cases(config: &Value) -> Vec<(String, Vec<String>)> {
    let Some(sms) = config.get("StateMachines").and_then(Value::as_object) else {
        return Vec::new();
    };
    sms.iter()
        .map(|(name, sm)| {
            let cases = sm
                .get("TestCases")
                .and_then(Value::as_object)
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            (name.clone(), cases)
        })
        .collect()
}

impl Mocks {
    /// Selects `test_case` of `state_machine` (or of the only state machine when `None`).
    pub fn from_config(
        config: &Value,
        state_machine: Option<&str>,
        test_case: &str,
    ) -> Result<Mocks, MockError> {
        let sms = config
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or_else(|| MockError("the mock config has no \"StateMachines\" object".into()))?;
        let (sm_name, sm) = match state_machine {
            Some(name) if sms.contains_key(name) => (name, &sms[name]),
            _ if sms.len() == 1 => sms
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v))
                .expect("len is 1"),
            Some(name) => {
                return Err(MockError(format!(
                    "the mock config has no state machine '{name}' (it has: {}); pass --state-machine NAME",
                    sms.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            None => {
                return Err(MockError(
                    "the mock config has several state machines; pass --state-machine NAME".into(),
                ));
            }
        };
        let case = sm
            .get("TestCases")
            .and_then(|c| c.get(test_case))
            .and_then(Value::as_object)
            .ok_or_else(|| {
                MockError(format!(
                    "state machine '{sm_name}' has no test case '{test_case}' in the mock config"
                ))
            })?;
        let mut mocks = Mocks::default();
        for (state, response_name) in case {
            let response_name = response_name.as_str().ok_or_else(|| {
                MockError(format!(
                    "test case '{test_case}': the mock for state '{state}' must be a response name"
                ))
            })?;
            let response = named_response(config, response_name)
                .map_err(|e| MockError(format!("test case '{test_case}': {e}")))?;
            mocks.insert(state, response_name, response);
        }
        Ok(mocks)
    }

    /// Mocks `state` with `response` (`name` appears in messages); replaces an earlier mock.
    pub fn insert(&mut self, state: &str, name: &str, response: MockedResponse) {
        self.by_state
            .insert(state.to_string(), (name.to_string(), response));
    }

    /// The mocked states.
    pub fn states(&self) -> impl Iterator<Item = &str> {
        self.by_state.keys().map(String::as_str)
    }
}

/// The response called `name` in the config's `"MockedResponses"`.
pub fn named_response(config: &Value, name: &str) -> Result<MockedResponse, MockError> {
    let raw = config
        .get("MockedResponses")
        .and_then(|r| r.get(name))
        .ok_or_else(|| {
            MockError(format!(
                "mocked response '{name}' is not defined in \"MockedResponses\""
            ))
        })?;
    parse_response(name, raw)
}

impl MockedResponse {
    /// A response written in a test file: MockConfigFile's shape (`{"0": ..., "1-2": ...}`),
    /// or the shorthands `{"Return": v}` / `{"Throw": {...}}` (every invocation) and
    /// `[first, second, ...]` (one entry per invocation, in order).
    pub fn inline(name: &str, raw: &Value) -> Result<MockedResponse, MockError> {
        match raw {
            Value::Object(m) if m.contains_key("Return") || m.contains_key("Throw") => {
                let reply = parse_entry(name, "every invocation", raw)?;
                Ok(MockedResponse {
                    ranges: vec![(0, u64::MAX, reply)],
                })
            }
            Value::Array(entries) => {
                let mut ranges = Vec::with_capacity(entries.len());
                for (i, entry) in entries.iter().enumerate() {
                    let reply = parse_entry(name, &i.to_string(), entry)?;
                    ranges.push((i as u64, i as u64, reply));
                }
                Ok(MockedResponse { ranges })
            }
            _ => parse_response(name, raw),
        }
    }
}

fn parse_response(name: &str, raw: &Value) -> Result<MockedResponse, MockError> {
    let map = raw
        .as_object()
        .ok_or_else(|| MockError(format!("mocked response '{name}' must be an object")))?;
    let mut ranges = Vec::new();
    for (key, entry) in map {
        let (lo, hi) = parse_range(key).ok_or_else(|| {
            MockError(format!("mocked response '{name}': invocation key '{key}' must be a number like \"0\" or a range like \"1-2\""))
        })?;
        ranges.push((lo, hi, parse_entry(name, key, entry)?));
    }
    Ok(MockedResponse { ranges })
}

fn parse_range(key: &str) -> Option<(u64, u64)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => key.trim().parse().ok().map(|n| (n, n)),
    }
}

fn parse_entry(name: &str, key: &str, entry: &Value) -> Result<Reply, MockError> {
    if let Some(v) = entry.get("Return") {
        return Ok(Reply::Succeeded(v.clone()));
    }
    if let Some(t) = entry.get("Throw") {
        let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
        return Ok(Reply::Failed {
            error: text("Error"),
            cause: text("Cause"),
        });
    }
    Err(MockError(format!(
        "mocked response '{name}', invocation '{key}': give \"Return\" or \"Throw\""
    )))
}

impl Handler for Mocks {
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        self.by_state.contains_key(&inv.state_name).then_some(true)
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let (response_name, response) = self.by_state.get(&inv.state_name)?;
        if matches!(inv.resource.kind, ResourceKind::Activity { .. }) {
            return Some(Reply::NotRunnable(
                "Activity state cannot be mocked. Please remove mocks mapped for all activity state in the mock config file.".into(),
            ));
        }
        // The engine counts invocations per state, durably, across retries and iterations.
        let n = inv.invocation;
        let reply = response
            .ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&n))
            .map(|(_, _, r)| r.clone());
        Some(reply.unwrap_or_else(|| {
            Reply::NotRunnable(format!(
                "The mocked response '{response_name}' for state '{}' has no entry for invocation number {n} (numbers start at 0 and count every attempt, loop and Map iteration).",
                inv.state_name
            ))
        }))
    }
}
