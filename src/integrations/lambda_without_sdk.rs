//! Lambda tasks in a build without the `aws` feature: with a Lambda endpoint configured, a
//! Lambda task fails saying which feature calls it, rather than as a task nothing serves.

use super::aws;
use super::{Handler, Reply};
use crate::asl::model::ResourceKind;
use crate::engine::Invocation;

/// Stands where the Invoke API client would be.
pub struct Lambda {
    /// A URL, or [`aws::AWS`].
    endpoint: String,
}

impl Lambda {
    pub fn new(endpoint: &str) -> Self {
        Lambda {
            endpoint: endpoint.to_string(),
        }
    }
}

impl Handler for Lambda {
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        is_lambda(inv).then_some(true)
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        is_lambda(inv).then(|| Reply::Failed {
            error: Some("Lambda.SdkClientException".into()),
            cause: Some(aws::without_sdk(aws::LAMBDA, &self.endpoint)),
        })
    }
}

/// A plain function ARN, or `arn:aws:states:::lambda:invoke[.waitForTaskToken]`.
fn is_lambda(inv: &Invocation) -> bool {
    match &inv.resource.kind {
        ResourceKind::LambdaFunction { .. } => true,
        ResourceKind::Service { service, action } => {
            service == "lambda" && action.starts_with("invoke")
        }
        _ => false,
    }
}
