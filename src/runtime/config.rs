//! Which handlers serve an execution's Task states, kept with the execution so that any process
//! continuing it (a callback from another shell, `stepwise resume`) invokes the same ones.

use crate::integrations::Router;
use crate::integrations::activity::Activities;
#[cfg(doc)]
use crate::integrations::command::DEFAULT_COMMAND_TIMEOUT;
use crate::integrations::command::{Binding, Commands};
use crate::integrations::lambda::Lambda;
use crate::integrations::mock::Mocks;
use crate::integrations::services::Services;
use crate::integrations::services::endpoints::ServiceEndpoints;
use crate::integrations::sqs::Sqs;
use crate::integrations::sqs::embedded::Embedded;
use crate::integrations::sqs::remote::Remote;
use crate::integrations::states::StepFunctions;
use crate::runtime::clock::system_now_ms;
use crate::store::queue::QueueStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HandlerConfig {
    /// The content of a `MockConfigFile.json`, and the test case to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_case: Option<String>,
    /// The state machine to pick in the mock config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock_state_machine: Option<String>,
    #[serde(default)]
    pub lambdas: Vec<Binding>,
    #[serde(default)]
    pub tasks: Vec<Binding>,
    /// Where local commands run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Environment for local commands.
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// Where `sqs:` tasks send: an SQS endpoint URL, or `aws` for AWS itself; `None` for the
    /// embedded queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqs_endpoint: Option<String>,
    /// Where Lambda tasks without a local command go: a Lambda Invoke API endpoint URL, or
    /// `aws` for AWS itself; `None` for no Lambda endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_endpoint: Option<String>,
    /// State machines Task states may start (`states:startExecution`), by name: their
    /// definitions, from `stepwise run --state-machines DIR`/`--state-machine-file NAME=FILE`.
    /// A machine not here is looked up among the registered ones (`serve`'s).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state_machines: BTreeMap<String, String>,
    /// Set on a child execution a Task started: which parent task it answers when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentLink>,
    /// Where AWS service tasks (`aws-sdk:*`, `dynamodb:*`, `sns:publish`, `events:putEvents`)
    /// go, by service: `--endpoint SERVICE=URL`, `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`;
    /// AWS itself for the rest.
    #[serde(default, skip_serializing_if = "ServiceEndpoints::is_empty")]
    pub service_endpoints: ServiceEndpoints,
    /// `--command-timeout`: how long a local command of a Task without `TimeoutSeconds` may
    /// run, in seconds; `None`: [`DEFAULT_COMMAND_TIMEOUT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_timeout_seconds: Option<u64>,
}

/// The task of a parent execution that started a child (`states:startExecution`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentLink {
    pub execution_arn: String,
    pub task: crate::engine::WaitId,
    /// How the parent waits: `.sync`/`.sync:2` are answered when the child ends.
    pub mode: crate::integrations::states::Mode,
}

impl HandlerConfig {
    /// The handlers, in order: mocks, local commands, the Lambda endpoint, then `sqs:` tasks on
    /// the SQS endpoint, or else on the embedded queue in `queues`, activities, then Step
    /// Functions itself (child executions, which the runtime starts), then the other AWS
    /// services. `Err` explains a bad mock
    /// config. Cheap: the AWS clients connect on their first call.
    pub fn router(
        &self,
        queues: Option<Arc<dyn QueueStore + Send + Sync>>,
    ) -> Result<Router, String> {
        self.router_until(queues, None)
    }

    /// [`router`](Self::router) for a run that ends at `deadline` (a synchronous Express
    /// execution): local commands still running then are killed.
    pub fn router_until(
        &self,
        queues: Option<Arc<dyn QueueStore + Send + Sync>>,
        deadline: Option<Instant>,
    ) -> Result<Router, String> {
        let mut router = Router::default();
        if let (Some(config), Some(case)) = (&self.mock_config, &self.test_case) {
            let mocks = Mocks::from_config(config, self.mock_state_machine.as_deref(), case)
                .map_err(|e| e.to_string())?;
            router.push(Box::new(mocks));
        }
        router.push(Box::new(Commands {
            deadline,
            ..self.commands()
        }));
        if let Some(endpoint) = &self.lambda_endpoint {
            router.push(Box::new(Lambda::new(endpoint)));
        }
        if let Some(endpoint) = &self.sqs_endpoint {
            router.push(Box::new(Sqs::new(Box::new(Remote::new(endpoint)))));
        } else if let Some(q) = &queues {
            router.push(Box::new(Sqs::new(Box::new(Embedded::new(
                q.clone(),
                system_now_ms,
            )))));
        }
        if let Some(store) = queues {
            router.push(Box::new(Activities {
                store,
                now_ms: system_now_ms,
            }));
        }
        router.push(Box::new(StepFunctions::new(Box::new(Services::new(
            &self.service_endpoints,
        )))));
        router.push(Box::new(Services::new(&self.service_endpoints)));
        Ok(router)
    }

    /// Local commands run in the directory and environment the execution was started with.
    pub fn commands(&self) -> Commands {
        Commands {
            tasks: self.tasks.clone(),
            lambdas: self.lambdas.clone(),
            cwd: self.cwd.as_ref().map(Into::into),
            env: self.env.clone(),
            timeout: self.command_timeout_seconds.map(Duration::from_secs),
            deadline: None,
        }
    }
}
