//! `sqs:` tasks in a build without the `aws` feature: with an SQS endpoint configured, a send
//! fails with `SQS.SdkClientException` saying which feature calls it.

use super::{Backend, SendRequest, Sent, SqsError};
use crate::integrations::aws;

/// Stands where the SQS client would be.
pub struct Remote {
    /// A URL, or [`aws::AWS`].
    endpoint: String,
}

impl Remote {
    pub fn new(endpoint: &str) -> Self {
        Remote {
            endpoint: endpoint.to_string(),
        }
    }

    /// Why nothing can be sent or received.
    pub fn unavailable(&self) -> SqsError {
        SqsError {
            code: "SdkClientException".into(),
            error_code: String::new(),
            status: 0,
            message: aws::without_sdk(aws::SQS, &self.endpoint),
            hint: None,
        }
    }
}

impl Backend for Remote {
    fn send(&self, _request: &SendRequest) -> Result<Sent, SqsError> {
        Err(self.unavailable())
    }

    /// Answered at once: nothing to wait for.
    fn local(&self) -> bool {
        true
    }
}
