//! Task domains, as Conductor routes worker tasks: a workflow's `taskToDomain` maps a task type
//! (or `*`, every worker task) to a domain, or to a comma-separated list of them tried in order
//! (`"mydomain,NO_DOMAIN"`); a task given domain `D` waits on queue `D:TYPE`, which only a poll
//! with `domain=D` reads. Pure: when a domain's workers last polled comes in as a function.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A workflow's `taskToDomain`: task type (or `*`) → domain list.
pub type TaskToDomain = BTreeMap<String, String>;

/// The entry of a domain list that means "no domain" (the plain queue).
pub const NO_DOMAIN: &str = "NO_DOMAIN";

/// How recently a domain's worker must have polled for the domain to count as active
/// (Conductor's `activeWorkerLastPollTimeout`, 10 s by default).
pub const ACTIVE_POLL_MS: i64 = 10_000;

/// The domain a worker task of `task_type` is queued in (`None`: the plain queue), as
/// Conductor's `setTaskDomains`: the entry for the type, else the one for `*`.
/// `last_poll(domain)` says when a worker of the type last polled in that domain.
pub fn domain_for(
    task_to_domain: &TaskToDomain,
    task_type: &str,
    now: i64,
    last_poll: &dyn Fn(&str) -> Option<i64>,
) -> Option<String> {
    let list = task_to_domain
        .get(task_type)
        .or_else(|| task_to_domain.get("*"))?;
    active_domain(list, now, last_poll)
}

/// Conductor's `getActiveDomain`: the first domain of the list whose workers polled within
/// `ACTIVE_POLL_MS`; when none did, the last entry (`NO_DOMAIN` there: no domain).
fn active_domain(list: &str, now: i64, last_poll: &dyn Fn(&str) -> Option<i64>) -> Option<String> {
    let domains: Vec<&str> = list.split(',').map(str::trim).collect();
    let active = domains
        .iter()
        .filter(|d| !d.eq_ignore_ascii_case(NO_DOMAIN) && !d.is_empty())
        .find(|d| last_poll(d).is_some_and(|at| at > now - ACTIVE_POLL_MS));
    let chosen = active.or(domains.last())?;
    // An empty entry names no domain either (Conductor would queue on `:TYPE`, which no
    // client polls).
    (!chosen.eq_ignore_ascii_case(NO_DOMAIN) && !chosen.is_empty()).then(|| chosen.to_string())
}

/// Conductor's queue name for a task type in a domain (`QueueUtils.getQueueName`).
pub fn queue_name(task_type: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) => format!("{d}:{task_type}"),
        None => task_type.to_string(),
    }
}

/// A `taskToDomain` as a request gives it: an object of strings (`null` or absent: none).
pub fn parse(v: Option<&Value>) -> Result<TaskToDomain, String> {
    let map = match v {
        None | Some(Value::Null) => return Ok(TaskToDomain::new()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(
                "taskToDomain must be an object of task type to domain, e.g. {\"*\": \"mydomain\"}"
                    .into(),
            );
        }
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(format!(
                "taskToDomain.{k} must be a string: a domain, or domains tried in order (\"mydomain,NO_DOMAIN\")"
            )),
        })
        .collect()
}

/// The `taskToDomain` JSON object Conductor shows.
pub fn to_json(t: &TaskToDomain) -> Value {
    Value::Object(
        t.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect::<Map<String, Value>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> TaskToDomain {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const NOW: i64 = 1_000_000;

    /// `(taskToDomain, task type, domains polled 1 s ago, expected domain)`.
    fn gives(t: &[(&str, &str)], task_type: &str, polling: &[&str], want: Option<&str>) {
        let last_poll = |d: &str| polling.contains(&d).then_some(NOW - 1_000);
        let got = domain_for(&map(t), task_type, NOW, &last_poll);
        assert_eq!(
            got.as_deref(),
            want,
            "{t:?} for {task_type}, polling {polling:?}"
        );
    }

    #[test]
    fn picks_the_domain_as_conductor_does() {
        gives(&[], "t", &[], None);
        gives(&[("*", "d")], "t", &[], Some("d"));
        gives(&[("*", "d"), ("t", "e")], "t", &[], Some("e"));
        gives(&[("*", "d"), ("t", "e")], "u", &[], Some("d"));
        gives(&[("u", "e")], "t", &[], None);
        // A list: the first domain polled lately, else the last entry.
        gives(&[("*", "a,b")], "t", &[], Some("b"));
        gives(&[("*", "a,b")], "t", &["a"], Some("a"));
        gives(&[("*", "a, b")], "t", &["b"], Some("b"));
        gives(
            &[("*", "mydomain,NO_DOMAIN")],
            "t",
            &["mydomain"],
            Some("mydomain"),
        );
        gives(&[("*", "mydomain,NO_DOMAIN")], "t", &[], None);
        gives(&[("*", "mydomain,no_domain")], "t", &[], None);
        gives(&[("t", "NO_DOMAIN")], "t", &[], None);
        gives(&[("t", "")], "t", &[], None);
    }

    #[test]
    fn a_poll_long_ago_does_not_make_a_domain_active() {
        let last_poll = |_: &str| Some(NOW - ACTIVE_POLL_MS);
        let t = map(&[("*", "a,b")]);
        assert_eq!(domain_for(&t, "x", NOW, &last_poll).as_deref(), Some("b"));
    }

    #[test]
    fn queue_names_are_conductors() {
        assert_eq!(queue_name("encode", None), "encode");
        assert_eq!(queue_name("encode", Some("eu")), "eu:encode");
    }

    #[test]
    fn parses_a_request_map() {
        let v = serde_json::json!({"*": "a", "t": "b,NO_DOMAIN"});
        assert_eq!(
            parse(Some(&v)),
            Ok(map(&[("*", "a"), ("t", "b,NO_DOMAIN")]))
        );
        assert_eq!(parse(None), Ok(TaskToDomain::new()));
        assert_eq!(parse(Some(&Value::Null)), Ok(TaskToDomain::new()));
        let bad = parse(Some(&serde_json::json!({"t": 1}))).unwrap_err();
        assert!(bad.contains("taskToDomain.t must be a string"), "{bad}");
        assert!(parse(Some(&serde_json::json!([]))).is_err());
        assert_eq!(to_json(&map(&[("*", "a")])), serde_json::json!({"*": "a"}));
    }
}
