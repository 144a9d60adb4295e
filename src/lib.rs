//! stepwise: Amazon States Language state machines, run locally with AWS Step Functions semantics.
//!
//! The pipeline has one type per stage: JSON text → [`asl::Machine`] (validated, every
//! diagnostic reported) → [`engine::Execution`] driven by events → effects for a host to perform.
//! [`runtime::local::run`] is the simplest host: it performs effects in-process.
//!
//! ```
//! use serde_json::json;
//! use stepwise::engine::{ExecutionInfo, Status};
//! use stepwise::integrations::Router;
//! use stepwise::runtime::clock::VirtualClock;
//!
//! let machine = stepwise::asl::load(r#"{
//!     "StartAt": "Greet",
//!     "States": {
//!         "Greet": {"Type": "Pass", "Parameters": {"msg.$": "States.Format('Hello, {}!', $.name)"}, "End": true}
//!     }
//! }"#).expect("a valid definition");
//! let info = ExecutionInfo {
//!     execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Hello:1".into(),
//!     name: "1".into(),
//!     state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Hello".into(),
//!     state_machine_name: "Hello".into(),
//!     role_arn: "arn:aws:iam::123456789012:role/demo".into(),
//!     region: "us-east-1".into(),
//!     start_ms: 0,
//!     input: json!({"name": "Ada"}),
//! };
//! let done = stepwise::runtime::local::run(&machine, info, [0; 32], &mut Router::default(), &VirtualClock::new(0));
//! assert_eq!(done.status, Status::Succeeded { output: json!({"msg": "Hello, Ada!"}) });
//! assert_eq!(done.history.len(), 4); // ExecutionStarted, PassStateEntered/Exited, ExecutionSucceeded
//! ```

mod allocator;
pub mod arn;
pub mod asl;
pub mod cli;
pub mod conductor;
pub mod data;
pub mod engine;
pub mod graph;
pub mod integrations;
pub mod runtime;
pub mod serve;
pub mod status;
pub mod store;
pub mod testing;
