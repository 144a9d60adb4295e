//! The AWS SDK's side of the SQS and Lambda clients: loading the configuration for an
//! endpoint, a runtime to wait on the SDK's futures, and classifying an SDK error. Credentials
//! and region come from the standard chain; a local endpoint falls back to dummy credentials and
//! every endpoint to `us-east-1`, so local servers work with no setup at all.

use super::{AWS, DEFAULT_REGION, NoAnswer, url};
use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use std::error::Error;
use std::time::Duration;

/// A single-threaded runtime: the handlers are synchronous and call one request at a time.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the runtime for AWS calls: {e}"))
}

/// A client of one service for `endpoint`, on a runtime of its own, and the region it uses:
/// `client` builds it from the loaded configuration and the endpoint URL to set (`None` for AWS).
/// Its requests give up after `operation` (see [`timeouts`]).
pub fn connect<C>(
    endpoint: &str,
    operation: Duration,
    client: impl FnOnce(&SdkConfig, Option<String>) -> C,
) -> Result<(C, tokio::runtime::Runtime, String), String> {
    let rt = runtime()?;
    let sdk = rt.block_on(load(endpoint, timeouts(operation)));
    let region = sdk
        .region()
        .map_or(DEFAULT_REGION.to_string(), |r| r.to_string());
    Ok((client(&sdk, url(endpoint)), rt, region))
}

/// How long reaching an endpoint may take (TCP and TLS): an endpoint that is down or
/// unroutable is reported after this, not after the operating system's minutes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The SDK timeouts of a request: [`CONNECT_TIMEOUT`], and `operation` for the whole call
/// (each attempt and all of them together), so that a handler never waits forever for an
/// endpoint that accepted the connection and then said nothing.
pub fn timeouts(operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(operation)
        .operation_timeout(operation)
        .build()
}

/// The SDK configuration for `endpoint` (the caller sets the endpoint URL on the service
/// client, so that `aws` really means AWS even when `AWS_ENDPOINT_URL` is set).
pub async fn load(endpoint: &str, timeouts: TimeoutConfig) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if endpoint == AWS {
        let region =
            RegionProviderChain::default_provider().or_else(Region::from_static(DEFAULT_REGION));
        return loader.region(region).load().await;
    }
    // A local server: no instance metadata lookups (they time out off AWS), and dummy
    // credentials when none are configured (local servers accept any signature).
    let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::builder().build())
        .or_else(Region::from_static(DEFAULT_REGION));
    let credentials = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", ProfileFileCredentialsProvider::builder().build())
    .or_else(
        "Local",
        Credentials::new("test", "test", None, None, "stepwise-local"),
    );
    loader
        .region(region)
        .credentials_provider(credentials)
        .load()
        .await
}

/// Classifies an SDK error that is not a service error (`SdkError::ServiceError` is the
/// caller's to map, with the service's own names).
pub fn no_answer<E: Error + 'static, R: std::fmt::Debug + 'static>(
    err: &aws_sdk_sqs::error::SdkError<E, R>,
) -> NoAnswer {
    use aws_sdk_sqs::error::SdkError;
    if let Some(detail) = credentials_problem(err) {
        return NoAnswer::NoCredentials(detail);
    }
    match err {
        SdkError::DispatchFailure(_) => NoAnswer::Unreachable(root_cause(err)),
        SdkError::TimeoutError(_) => NoAnswer::TimedOut(root_cause(err)),
        _ => NoAnswer::Other(root_cause(err)),
    }
}

fn credentials_problem(err: &(dyn Error + 'static)) -> Option<String> {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<CredentialsError>().is_some() {
            return Some(root_cause(e));
        }
        next = e.source();
    }
    None
}

/// The innermost message in an error's chain: the one that says what happened
/// (`Connection refused (os error 111)`), rather than where.
pub fn root_cause(err: &(dyn Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() {
            last = text;
        }
        next = e.source();
    }
    last
}
