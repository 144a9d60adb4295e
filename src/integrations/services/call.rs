//! Performs a service task through the signed client of its endpoint: the protocol the
//! service speaks, then the shape and error names of the integration (aws-sdk or optimized).

use super::errors::{self, DYNAMODB, EVENTBRIDGE, Failure, SNS};
use super::{Route, json, optimized, query, s3};
use crate::engine::Invocation;
use crate::integrations::Reply;
use crate::integrations::aws::catalog::{self, Protocol, ServiceInfo};
use crate::integrations::aws::signed::{Response, Signed};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Service calls are made here: answered over the network.
pub const AVAILABLE: bool = true;

/// How long a service call may take: these APIs answer in seconds; this only stops a stuck
/// endpoint from holding a worker for good (a Task's `TimeoutSeconds` bounds it further).
const OPERATION: Duration = Duration::from_secs(60);

/// The signed clients, one per endpoint, made on first use.
#[derive(Default)]
pub struct Calls {
    clients: HashMap<String, Signed>,
}

impl Calls {
    fn client(&mut self, endpoint: &str) -> &Signed {
        self.clients
            .entry(endpoint.to_string())
            .or_insert_with(|| Signed::new(endpoint, OPERATION))
    }

    /// Performs `route` for `inv` at `endpoint`.
    pub fn call(&mut self, route: &Route, inv: &Invocation, endpoint: &str) -> Reply {
        let limit = inv.timeout_seconds.map(Duration::from_secs);
        let client = self.client(endpoint);
        let region = || client.region();
        let params = &inv.payload;
        match route {
            Route::Sdk { service, operation } => {
                match sdk_call(client, service, operation, params, limit) {
                    Ok((v, _)) => Reply::Succeeded(v),
                    Err(Some(f)) => errors::sdk(service, endpoint, &region(), &f),
                    // `route` turns S3 actions stepwise does not call away first.
                    Err(None) => Reply::NotRunnable(format!("S3 {operation} is not callable")),
                }
            }
            Route::DynamoDb { operation } => {
                let service = known("dynamodb");
                match json::call(client, service, operation, params, limit) {
                    Ok((v, answer)) => Reply::Succeeded(optimized::with_metadata(v, &answer)),
                    Err(f) => errors::optimized(DYNAMODB, service, endpoint, &region(), &f),
                }
            }
            Route::SnsPublish => {
                let service = known("sns");
                let params = optimized::sns_publish_params(params);
                match query::call(client, service, "Publish", &params, limit) {
                    Ok((v, answer)) => Reply::Succeeded(optimized::with_metadata(v, &answer)),
                    Err(f) => errors::optimized(SNS, service, endpoint, &region(), &f),
                }
            }
            Route::PutEvents => {
                let service = known("eventbridge");
                let params = optimized::put_events_params(params);
                match json::call(client, service, "PutEvents", &params, limit) {
                    Ok((v, _)) => optimized::put_events_result(v),
                    Err(f) => errors::optimized(EVENTBRIDGE, service, endpoint, &region(), &f),
                }
            }
            Route::Cannot(why) => Reply::NotRunnable(why.clone()),
        }
    }
}

/// An aws-sdk call in the service's protocol; `Err(None)`: an S3 action stepwise does not call.
fn sdk_call(
    client: &Signed,
    service: &ServiceInfo,
    operation: &str,
    params: &Value,
    limit: Option<Duration>,
) -> Result<(Value, Response), Option<Failure>> {
    match service.protocol {
        Protocol::Json10 | Protocol::Json11 => {
            json::call(client, service, operation, params, limit).map_err(Some)
        }
        Protocol::Query => {
            let params = if operation == "Publish" {
                optimized::sns_publish_params(params)
            } else {
                params.clone()
            };
            query::call(client, service, operation, &params, limit).map_err(Some)
        }
        Protocol::RestXml => {
            let op = catalog::s3_operation(operation).ok_or(None)?;
            s3::call(client, op, params, limit).map_err(Some)
        }
    }
}

/// A service the catalog always has.
fn known(name: &str) -> &'static ServiceInfo {
    catalog::service(name).unwrap_or(&catalog::SERVICES[0])
}
