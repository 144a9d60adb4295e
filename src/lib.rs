//! stepwise: a local interpreter for Amazon States Language.
pub mod asl;
pub mod data;
