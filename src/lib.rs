//! stepwise: a local interpreter for Amazon States Language.
pub mod arn;
pub mod asl;
pub mod cli;
pub mod data;
pub mod engine;
pub mod integrations;
pub mod runtime;
