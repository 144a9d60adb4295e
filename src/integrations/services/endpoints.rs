//! Where AWS service tasks (`aws-sdk:*`, `dynamodb:*`, `sns:publish`, `events:putEvents`) go:
//! `--endpoint SERVICE=URL`, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else
//! AWS itself. Resolved when an execution starts and stored with it, so that a process
//! continuing the execution calls the same place.

use crate::integrations::aws::catalog::{self, SERVICES};
use crate::integrations::aws::{AWS, Service, check_endpoint};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The endpoints of AWS services, by the service's name in `aws-sdk:NAME` ARNs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceEndpoints {
    /// Per service: a URL, or `aws`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_service: BTreeMap<String, String>,
    /// Every other service (`AWS_ENDPOINT_URL`); `None`: AWS itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl ServiceEndpoints {
    pub fn is_empty(&self) -> bool {
        self.by_service.is_empty() && self.default.is_none()
    }

    /// Where `service`'s tasks go: a URL, or [`AWS`].
    pub fn of(&self, service: &str) -> &str {
        self.by_service
            .get(service)
            .or(self.default.as_ref())
            .map_or(AWS, String::as_str)
    }
}

/// The flag, for messages.
const FLAG: Service = Service {
    name: "AWS",
    flag: "--endpoint",
    env: "AWS_ENDPOINT_URL",
};

/// One `--endpoint SERVICE=URL`: the service's name (as in `aws-sdk:NAME`, or `lambda`) and the
/// endpoint, checked.
pub fn parse_flag(value: &str) -> Result<(String, String), String> {
    let Some((service, url)) = value.split_once('=') else {
        return Err(format!(
            "--endpoint: expected SERVICE=URL (e.g. dynamodb=http://127.0.0.1:8000, or s3=aws for AWS itself); got '{value}'"
        ));
    };
    let service = service.trim().to_ascii_lowercase();
    if service != "lambda" && catalog::service(&service).is_none() {
        let known: Vec<&str> = SERVICES.iter().map(|s| s.arn).collect();
        return Err(format!(
            "--endpoint: unknown service '{service}': use the name in arn:aws:states:::aws-sdk:NAME:action, one of lambda, {}",
            known.join(", ")
        ));
    }
    let url = check_endpoint(FLAG, url)?;
    Ok((service, url))
}

/// The endpoints of every service in the catalog, from the `--endpoint` flags (`flags`) and the
/// environment (`env` looks variables up): a flag wins, then the service's
/// `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (both skipped when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`).
pub fn resolve(
    flags: &[(String, String)],
    env: impl Fn(&str) -> Option<String>,
) -> Result<ServiceEndpoints, String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut by_service: BTreeMap<String, String> = flags
        .iter()
        .filter(|(s, _)| s != "lambda")
        .cloned()
        .collect();
    let ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignore {
        return Ok(ServiceEndpoints {
            by_service,
            default: None,
        });
    }
    for s in SERVICES {
        if by_service.contains_key(s.arn) {
            continue;
        }
        let name = s.endpoint_env();
        if let Some(v) = env(&name) {
            let url = check_endpoint(FLAG, &v).map_err(|e| e.replacen("--endpoint", &name, 1))?;
            by_service.insert(s.arn.to_string(), url);
        }
    }
    let default = match env("AWS_ENDPOINT_URL") {
        Some(v) => Some(
            check_endpoint(FLAG, &v)
                .map_err(|e| e.replacen("--endpoint", "AWS_ENDPOINT_URL", 1))?,
        ),
        None => None,
    };
    Ok(ServiceEndpoints {
        by_service,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flags_name_a_known_service_and_an_endpoint() {
        assert_eq!(
            parse_flag("DynamoDB=http://127.0.0.1:8000/"),
            Ok(("dynamodb".into(), "http://127.0.0.1:8000".into()))
        );
        assert_eq!(parse_flag("s3=aws"), Ok(("s3".into(), "aws".into())));
        assert!(
            parse_flag("nosuch=http://x")
                .unwrap_err()
                .contains("unknown service 'nosuch'")
        );
        assert!(
            parse_flag("http://x")
                .unwrap_err()
                .contains("expected SERVICE=URL")
        );
        assert!(
            parse_flag("s3=localhost:9000")
                .unwrap_err()
                .starts_with("--endpoint: expected")
        );
    }

    #[test]
    fn the_flag_wins_then_the_service_variable_then_the_global_one() {
        let env = vars(&[
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:1"),
            ("AWS_ENDPOINT_URL_S3", "http://s3:2"),
            ("AWS_ENDPOINT_URL", "http://all:3"),
        ]);
        let flags = [("s3".to_string(), "aws".to_string())];
        let e = resolve(&flags, env).expect("resolves");
        assert_eq!(e.of("s3"), "aws");
        assert_eq!(e.of("secretsmanager"), "http://sm:1");
        assert_eq!(e.of("dynamodb"), "http://all:3");
        let none = resolve(&[], vars(&[])).expect("resolves");
        assert_eq!(none.of("dynamodb"), AWS);
        assert!(none.is_empty());
        let ignored = resolve(
            &[],
            vars(&[
                ("AWS_ENDPOINT_URL", "http://all:3"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ]),
        )
        .expect("resolves");
        assert_eq!(ignored.of("sns"), AWS);
        let bad = resolve(&[], vars(&[("AWS_ENDPOINT_URL_SNS", "sns:4")])).unwrap_err();
        assert!(bad.starts_with("AWS_ENDPOINT_URL_SNS: expected"), "{bad}");
    }
}
