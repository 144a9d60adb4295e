//! What the SQS and Lambda clients share: where an endpoint is (a URL, a local server such as
//! moto or `sam local start-lambda`, or [`AWS`] itself, found through the region), and
//! explaining a request that got no answer. The SDK itself is in [`sdk`] (the `aws` feature), the
//! generic signed client of the other services in `signed`, and what it knows of them in
//! [`catalog`].

pub mod catalog;
#[cfg(feature = "aws")]
pub mod sdk;
#[cfg(feature = "aws")]
pub mod signed;

/// The endpoint value meaning AWS itself: the SDK's own endpoint for the region, ignoring
/// `AWS_ENDPOINT_URL*`.
pub const AWS: &str = "aws";

/// The region when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A service as the messages name it.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// `SQS`, `Lambda`: also the prefix of task error names.
    pub name: &'static str,
    /// The `stepwise run` flag that sets its endpoint.
    pub flag: &'static str,
    /// The service-specific endpoint variable.
    pub env: &'static str,
}

pub const SQS: Service = Service {
    name: "SQS",
    flag: "--sqs-endpoint",
    env: "AWS_ENDPOINT_URL_SQS",
};
pub const LAMBDA: Service = Service {
    name: "Lambda",
    flag: "--lambda-endpoint",
    env: "AWS_ENDPOINT_URL_LAMBDA",
};

/// Checks an endpoint given on the command line or in the environment: `aws`, or an http(s) URL.
pub fn check_endpoint(service: Service, value: &str) -> Result<String, String> {
    let v = value.trim();
    let url_like = |scheme: &str| v.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty());
    if v == AWS || url_like("http://") || url_like("https://") {
        Ok(v.trim_end_matches('/').to_string())
    } else {
        Err(format!(
            "{}: expected an endpoint URL such as http://127.0.0.1:4566, or `aws` for AWS itself; got '{value}'",
            service.flag
        ))
    }
}

/// Where a service's tasks go, as `stepwise run` resolves it: the flag, else the service's
/// `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` (both skipped when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else `None`. `env` looks variables up.
pub fn endpoint_setting(
    flag: Option<&str>,
    service: Service,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(v) = flag {
        return check_endpoint(service, v).map(Some);
    }
    if env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    for name in [service.env, "AWS_ENDPOINT_URL"] {
        if let Some(v) = env(name) {
            return check_endpoint(service, &v)
                .map(Some)
                .map_err(|e| e.replacen(service.flag, name, 1));
        }
    }
    Ok(None)
}

/// The endpoint URL to set on a client: `None` for AWS itself.
pub fn url(endpoint: &str) -> Option<String> {
    (endpoint != AWS).then(|| endpoint.to_string())
}

/// Why a request got no answer from the service.
#[derive(Debug, Clone, PartialEq)]
pub enum NoAnswer {
    /// No credentials to sign the request with.
    NoCredentials(String),
    /// The endpoint could not be reached: refused, unknown host, TLS, connect timeout.
    Unreachable(String),
    /// The endpoint took the request but gave no answer within the operation timeout.
    TimedOut(String),
    /// The request could not be built, or the answer could not be read.
    Other(String),
}

impl NoAnswer {
    /// The Java-SDK-style message AWS records for a client-side failure.
    pub fn message(&self) -> String {
        match self {
            NoAnswer::NoCredentials(d) => {
                // The chain's report lists every provider on further lines: keep its summary.
                let summary = d
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches("Attempted:")
                    .trim();
                format!(
                    "Unable to load AWS credentials from any provider in the chain: {}",
                    summary.trim_end_matches('.')
                )
            }
            NoAnswer::Unreachable(d) => format!("Unable to execute HTTP request: {d}"),
            NoAnswer::TimedOut(d) => format!("Unable to execute HTTP request: timed out ({d})"),
            NoAnswer::Other(d) => d.clone(),
        }
    }

    /// What the user can do about it.
    pub fn hint(&self, service: Service, endpoint: &str, region: &str) -> String {
        let local = endpoint != AWS;
        match self {
            NoAnswer::NoCredentials(_) => format!(
                "(stepwise: no AWS credentials to call {} in {region}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE to a profile in ~/.aws/credentials (for an SSO profile: eval \"$(aws configure export-credentials --format env)\"); or pass {} URL to use a local server)",
                service.name, service.flag
            ),
            NoAnswer::Unreachable(_) if local => format!(
                "(stepwise: no {} endpoint answers at {endpoint}: start it, or pass {} URL)",
                service.name, service.flag
            ),
            NoAnswer::Unreachable(_) => format!(
                "(stepwise: {} in region {region} could not be reached: check the network connection and AWS_REGION, or pass {} URL to use a local server)",
                service.name, service.flag
            ),
            NoAnswer::TimedOut(_) => format!(
                "(stepwise: {} at {} took the request but did not answer in time: is it overloaded or stuck? A Task's TimeoutSeconds bounds a Lambda call)",
                service.name,
                place(endpoint, region)
            ),
            NoAnswer::Other(_) => format!(
                "(stepwise: the {} request to {} failed before an answer came)",
                service.name,
                place(endpoint, region)
            ),
        }
    }
}

/// Why a task cannot reach `service` at `endpoint` in a build without the `aws` feature, and
/// what to do: a build with it, or a handler that needs no SDK.
#[cfg(not(feature = "aws"))]
pub fn without_sdk(service: Service, endpoint: &str) -> String {
    let place = url(endpoint).unwrap_or_else(|| "AWS".into());
    let instead = match service.name {
        "SQS" => format!(
            "leave out {} and {} to use the embedded queue",
            service.flag, service.env
        ),
        _ => {
            "serve the task with a mock (--mock-config) or a local command (--lambda NAME=COMMAND)"
                .to_string()
        }
    };
    format!(
        "This stepwise was built without its `aws` feature, so it cannot call {} at {place}: install a build with it (`cargo install stepwise` builds it by default), or {instead}.",
        service.name
    )
}

/// `http://127.0.0.1:4566` or `AWS (us-east-1)`, for messages.
pub fn place(endpoint: &str, region: &str) -> String {
    if endpoint == AWS {
        format!("AWS ({region})")
    } else {
        endpoint.to_string()
    }
}

/// The region in an AWS URL or ARN: `https://sqs.eu-west-1.amazonaws.com/...` or
/// `arn:aws:lambda:eu-west-1:...`.
pub fn region_in(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix("arn:") {
        let region = rest.split(':').nth(2)?;
        return (!region.is_empty()).then_some(region);
    }
    let host = s.split("://").nth(1)?.split(['/', ':']).next()?;
    let mut labels = host.split('.');
    let (first, second) = (labels.next()?, labels.next()?);
    let aws = host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
    match (first, aws) {
        ("sqs", true) => Some(second),
        (region, true) if second == "queue" => Some(region),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_aws_or_http_urls() {
        assert_eq!(check_endpoint(SQS, "aws"), Ok("aws".into()));
        assert_eq!(
            check_endpoint(SQS, "http://127.0.0.1:4566/"),
            Ok("http://127.0.0.1:4566".into())
        );
        assert_eq!(
            check_endpoint(LAMBDA, "https://lambda.example"),
            Ok("https://lambda.example".into())
        );
        for bad in ["", "localhost:4566", "http://", "AWS"] {
            assert!(
                check_endpoint(SQS, bad)
                    .unwrap_err()
                    .starts_with("--sqs-endpoint: expected"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_flag_wins_then_the_service_variable_then_the_global_one() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let both = vars(&[
            ("AWS_ENDPOINT_URL_SQS", "http://sqs:1"),
            ("AWS_ENDPOINT_URL", "http://all:2"),
        ]);
        assert_eq!(
            endpoint_setting(Some("aws"), SQS, both),
            Ok(Some("aws".into()))
        );
        assert_eq!(
            endpoint_setting(None, SQS, both),
            Ok(Some("http://sqs:1".into()))
        );
        assert_eq!(
            endpoint_setting(None, LAMBDA, both),
            Ok(Some("http://all:2".into()))
        );
        assert_eq!(endpoint_setting(None, LAMBDA, vars(&[])), Ok(None));
        let ignored = vars(&[
            ("AWS_ENDPOINT_URL", "http://all:2"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(endpoint_setting(None, SQS, ignored), Ok(None));
        let bad = endpoint_setting(
            None,
            LAMBDA,
            vars(&[("AWS_ENDPOINT_URL_LAMBDA", "localhost:3001")]),
        );
        assert!(
            bad.unwrap_err()
                .starts_with("AWS_ENDPOINT_URL_LAMBDA: expected")
        );
    }

    #[test]
    fn regions_come_from_aws_urls_and_arns() {
        let cases = [
            (
                "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
                Some("eu-west-1"),
            ),
            (
                "https://us-west-2.queue.amazonaws.com/123456789012/orders",
                Some("us-west-2"),
            ),
            (
                "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/orders",
                Some("cn-north-1"),
            ),
            (
                "arn:aws:lambda:ap-south-1:123456789012:function:f",
                Some("ap-south-1"),
            ),
            ("http://127.0.0.1:4566/123456789012/orders", None),
            ("http://sqs.localhost:4566/123456789012/orders", None),
            ("my-function", None),
            ("123456789012:function:f", None),
        ];
        for (s, want) in cases {
            assert_eq!(region_in(s), want, "{s}");
        }
    }
}
