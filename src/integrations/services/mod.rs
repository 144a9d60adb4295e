//! AWS service tasks: `arn:aws:states:::aws-sdk:SERVICE:ACTION` for the services in the
//! catalog (AWS JSON, S3's REST-XML, SNS's Query protocol), and the optimized integrations
//! `dynamodb:getItem|putItem|updateItem|deleteItem`, `sns:publish` and `events:putEvents`, with
//! AWS's parameters, result shapes and error names. Calls go through one SigV4-signed HTTP
//! client ([`call`], the `aws` feature) to the endpoint each service resolves to
//! ([`endpoints`]). Step Functions' own API (`aws-sdk:sfn`, `states:`) is not served here.

pub mod check;
pub mod endpoints;

#[cfg(feature = "aws")]
mod call;
#[cfg(not(feature = "aws"))]
#[path = "call_without_sdk.rs"]
mod call;
#[cfg(feature = "aws")]
mod errors;
#[cfg(feature = "aws")]
mod json;
#[cfg(feature = "aws")]
mod optimized;
#[cfg(feature = "aws")]
mod query;
#[cfg(feature = "aws")]
mod s3;
#[cfg(feature = "aws")]
mod xml;

use super::{Handler, Reply};
use crate::asl::model::{Pattern, ResourceKind};
use crate::engine::Invocation;
use crate::integrations::aws::catalog::{self, ServiceInfo};
use endpoints::ServiceEndpoints;

/// What a task asks of an AWS service.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// `aws-sdk:SERVICE:action`: `operation` is the API's name for it (`GetObject`).
    Sdk {
        service: &'static ServiceInfo,
        operation: String,
    },
    /// `dynamodb:getItem` and the like: `operation` is `GetItem`, ...
    DynamoDb {
        operation: String,
    },
    SnsPublish,
    PutEvents,
    /// A task stepwise cannot call: why, and what to do instead.
    Cannot(String),
}

/// The optimized DynamoDB operations (AWS rejects the others at definition time).
const DYNAMODB_ACTIONS: [&str; 4] = ["getItem", "putItem", "updateItem", "deleteItem"];

/// What `kind` asks, and whether it then waits for a task token; `None` when this is not an
/// AWS service task served here (Lambda, SQS, activities, Step Functions itself, and the
/// optimized integrations of other services).
pub fn route(kind: &ResourceKind) -> Option<(Route, bool)> {
    let ResourceKind::Service { service, action } = kind else {
        return None;
    };
    let (action, wait) = match action.strip_suffix(".waitForTaskToken") {
        Some(a) => (a, true),
        None => (action.as_str(), false),
    };
    if let Some(name) = service.strip_prefix("aws-sdk:") {
        if name == "sfn" {
            return None;
        }
        if action.ends_with(".sync") || action.ends_with(".sync:2") {
            return Some((
                Route::Cannot(format!(
                    "aws-sdk:{name}:{action} cannot run: AWS SDK integrations support request-response and .waitForTaskToken only."
                )),
                false,
            ));
        }
        return Some(match catalog::service(name) {
            Some(info)
                if info.protocol == catalog::Protocol::RestXml
                    && catalog::s3_operation(&catalog::operation(action)).is_none() =>
            {
                let known: Vec<String> = catalog::S3_OPERATIONS
                    .iter()
                    .map(|o| lower_first(o.name))
                    .collect();
                (
                    Route::Cannot(format!(
                        "stepwise cannot call aws-sdk:{name}:{action}: it calls these S3 actions: {}. Mock the task with --mock-config FILE --test-case NAME, or serve it with a local command: --task STATE=COMMAND.",
                        known.join(", ")
                    )),
                    false,
                )
            }
            Some(info) => (
                Route::Sdk {
                    service: info,
                    operation: catalog::operation(action),
                },
                wait,
            ),
            None => (
                Route::Cannot(cannot_call(&format!("aws-sdk:{name}"))),
                false,
            ),
        });
    }
    let route = match (service.as_str(), action) {
        ("dynamodb", a) if !wait && DYNAMODB_ACTIONS.contains(&a) => Route::DynamoDb {
            operation: catalog::operation(a),
        },
        ("sns", "publish") => Route::SnsPublish,
        ("events", "putEvents") => Route::PutEvents,
        _ => return None,
    };
    Some((route, wait))
}

/// `GetObject` → `getObject`.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Why stepwise cannot call `what`, and the flags that serve such a task instead.
pub fn cannot_call(what: &str) -> String {
    let known: Vec<&str> = catalog::SERVICES.iter().map(|s| s.arn).collect();
    format!(
        "stepwise cannot call {what}: it calls aws-sdk integrations of {} (and Step Functions itself). Mock the task with --mock-config FILE --test-case NAME, or serve it with a local command: --task STATE=COMMAND.",
        known.join(", ")
    )
}

/// The service's name in `--endpoint NAME=URL`.
fn endpoint_name(route: &Route) -> &'static str {
    match route {
        Route::Sdk { service, .. } => service.arn,
        Route::DynamoDb { .. } => "dynamodb",
        Route::SnsPublish => "sns",
        Route::PutEvents => "eventbridge",
        Route::Cannot(_) => "",
    }
}

/// Serves AWS service tasks.
pub struct Services {
    endpoints: ServiceEndpoints,
    /// The signed clients, one per endpoint, made on first use.
    calls: call::Calls,
}

impl Services {
    pub fn new(endpoints: &ServiceEndpoints) -> Self {
        Services {
            endpoints: endpoints.clone(),
            calls: call::Calls::default(),
        }
    }
}

impl Handler for Services {
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        let (route, _) = route(&inv.resource.kind)?;
        Some(matches!(route, Route::Cannot(_)) || !call::AVAILABLE)
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let (route, wait) = route(&inv.resource.kind)?;
        if let Route::Cannot(why) = route {
            return Some(Reply::NotRunnable(why));
        }
        let endpoint = self.endpoints.of(endpoint_name(&route)).to_string();
        let reply = self.calls.call(&route, inv, &endpoint);
        Some(match reply {
            Reply::Succeeded(v) if wait || inv.resource.pattern == Pattern::WaitForTaskToken => {
                Reply::Pending(v)
            }
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(service: &str, action: &str) -> ResourceKind {
        ResourceKind::Service {
            service: service.into(),
            action: action.into(),
        }
    }

    #[test]
    fn routes() {
        let r = route(&kind("aws-sdk:s3", "getObject")).expect("served");
        assert!(
            matches!(&r.0, Route::Sdk { service, operation } if service.arn == "s3" && operation == "GetObject")
        );
        assert!(!r.1);
        let r = route(&kind("aws-sdk:eventbridge", "putEvents.waitForTaskToken")).expect("served");
        assert!(r.1);
        assert_eq!(route(&kind("aws-sdk:sfn", "startExecution")), None);
        assert_eq!(route(&kind("states", "startExecution.sync:2")), None);
        assert_eq!(route(&kind("sqs", "sendMessage")), None);
        assert_eq!(route(&kind("lambda", "invoke")), None);
        assert_eq!(route(&kind("dynamodb", "query")), None);
        assert_eq!(
            route(&kind("dynamodb", "putItem")),
            Some((
                Route::DynamoDb {
                    operation: "PutItem".into()
                },
                false
            ))
        );
        assert_eq!(
            route(&kind("sns", "publish.waitForTaskToken")),
            Some((Route::SnsPublish, true))
        );
        assert_eq!(
            route(&kind("events", "putEvents")),
            Some((Route::PutEvents, false))
        );
        let Some((Route::Cannot(why), _)) = route(&kind("aws-sdk:lambda", "invoke")) else {
            panic!("aws-sdk:lambda is not callable");
        };
        assert!(
            why.contains("--task STATE=COMMAND") && why.contains("--mock-config"),
            "{why}"
        );
    }
}
