//! The flags that choose who answers Task states, shared by `run` and `serve`.

use crate::integrations::aws;
use crate::integrations::command::Binding;
use crate::integrations::services::endpoints;
use crate::runtime::config::HandlerConfig;
use crate::runtime::queues::Brokers;

#[derive(clap::Args, Debug, Clone)]
pub struct Handlers {
    /// Serve a Lambda function with a local command: NAME=COMMAND (payload on stdin, result on stdout).
    #[arg(long, value_name = "NAME=COMMAND")]
    pub lambda: Vec<Binding>,
    /// Serve a Task state with a local command: STATE=COMMAND.
    #[arg(long, value_name = "STATE=COMMAND")]
    pub task: Vec<Binding>,
    /// Send `sqs:` tasks to this SQS endpoint (`aws`: AWS itself) instead of the embedded queue.
    /// Default: AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    pub sqs_endpoint: Option<String>,
    /// Invoke Lambda functions without a --lambda command through this Lambda Invoke API
    /// endpoint (`aws`: AWS itself). Default: AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    pub lambda_endpoint: Option<String>,
    /// Send a service's tasks (`aws-sdk:SERVICE:*`; `dynamodb`, `sns`, `eventbridge` also for
    /// the optimized integrations) to this endpoint: SERVICE=URL, repeatable; URL `aws` for AWS
    /// itself. Default: AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER), else
    /// AWS_ENDPOINT_URL, else AWS. `sqs=URL` and `lambda=URL` also stand for --sqs-endpoint and
    /// --lambda-endpoint.
    #[arg(long = "endpoint", value_name = "SERVICE=URL", value_parser = endpoints::parse_flag)]
    pub endpoints: Vec<(String, String)>,
    /// The RabbitMQ broker Conductor's `amqp_queue:`/`amqp_exchange:` events go through (EVENT
    /// tasks and event handlers): amqp://USER:PASSWORD@HOST:5672/VHOST (`%2f` for `/`).
    #[arg(long, value_name = "URL", env = "STEPWISE_AMQP_URL")]
    pub amqp_url: Option<String>,
    /// The NATS server Conductor's `nats:` events go through: nats://HOST:4222.
    #[arg(long, value_name = "URL", env = "STEPWISE_NATS_URL")]
    pub nats_url: Option<String>,
    /// Kill a --lambda/--task command of a Task without TimeoutSeconds after this long: a whole
    /// number and a unit, e.g. 90s, 15m, 2h (a Task's TimeoutSeconds always applies). Default: 15m.
    #[arg(long, value_name = "DURATION", value_parser = duration_seconds)]
    pub command_timeout: Option<u64>,
}

/// A timeout flag's value ("90s", "15m", "2h"), in whole seconds; never 0.
pub(super) fn duration_seconds(s: &str) -> Result<u64, String> {
    match super::age::parse(s)?.as_secs() {
        0 => Err("the timeout must be longer than 0 seconds".into()),
        secs => Ok(secs),
    }
}

impl Handlers {
    /// The brokers of Conductor's `amqp*:` and `nats:` events.
    pub fn brokers(&self) -> Brokers {
        Brokers {
            amqp_url: self.amqp_url.clone(),
            nats_url: self.nats_url.clone(),
        }
    }

    /// The handler settings, endpoints resolved now: they are stored with each execution, so
    /// tasks go to the same place whichever process continues it.
    pub fn config(&self) -> Result<HandlerConfig, String> {
        let env = |name: &str| std::env::var(name).ok();
        let flag = |service: &str| {
            self.endpoints
                .iter()
                .rev()
                .find(|(s, _)| s == service)
                .map(|(_, url)| url.as_str())
        };
        Ok(HandlerConfig {
            lambdas: self.lambda.clone(),
            tasks: self.task.clone(),
            cwd: std::env::current_dir()
                .ok()
                .map(|d| d.to_string_lossy().into_owned()),
            sqs_endpoint: aws::endpoint_setting(
                self.sqs_endpoint.as_deref().or(flag("sqs")),
                aws::SQS,
                env,
            )?,
            lambda_endpoint: aws::endpoint_setting(
                self.lambda_endpoint.as_deref().or(flag("lambda")),
                aws::LAMBDA,
                env,
            )?,
            service_endpoints: endpoints::resolve(&self.endpoints, env)?,
            command_timeout_seconds: self.command_timeout,
            ..HandlerConfig::default()
        })
    }
}
