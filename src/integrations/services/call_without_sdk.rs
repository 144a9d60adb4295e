//! Service tasks in a build without the `aws` feature: each fails with
//! `<Service>.SdkClientException` saying which feature calls it.

use super::Route;
use crate::engine::Invocation;
use crate::integrations::Reply;
use crate::integrations::aws::{AWS, url};

/// Nothing is called: answered at once.
pub const AVAILABLE: bool = false;

/// Stands where the signed clients would be.
#[derive(Default)]
pub struct Calls {}

impl Calls {
    pub fn call(&mut self, route: &Route, _inv: &Invocation, endpoint: &str) -> Reply {
        let (prefix, name) = match route {
            Route::Sdk { service, .. } => (service.java, service.arn),
            Route::DynamoDb { .. } => ("DynamoDB", "dynamodb"),
            Route::SnsPublish => ("SNS", "sns"),
            Route::PutEvents => ("EventBridge", "eventbridge"),
            Route::Cannot(why) => return Reply::NotRunnable(why.clone()),
        };
        let place = url(endpoint).unwrap_or_else(|| AWS.to_uppercase());
        Reply::Failed {
            error: Some(format!("{prefix}.SdkClientException")),
            cause: Some(format!(
                "This stepwise was built without its `aws` feature, so it cannot call {name} at {place}: install a build with it (`cargo install stepwise` builds it by default), or serve the task with a mock (--mock-config) or a local command (--task STATE=COMMAND)."
            )),
        }
    }
}
