//! The layer that performs effects: clocks, and the in-process driver `stepwise run` uses.

pub mod clock;
pub mod config;
pub mod durable;
pub mod local;
pub mod worker;
