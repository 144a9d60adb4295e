//! The Conductor front end: workflow definitions, task definitions and event handlers
//! (`def`), `${...}` expressions (`expr`, over the document in `document`), JavaScript
//! of SWITCH, DO_WHILE, INLINE and handler conditions (`js`, on embedded QuickJS), jq for JSON_JQ_TRANSFORM
//! (`jq`, run in a child process by the runtime), and the decider that runs
//! a workflow (`decide`, with `schedule` per task type, `looping` for DO_WHILE and `dynamic_fork` for
//! FORK_JOIN_DYNAMIC; the
//! operations on a workflow in `ops`; task domains (which queue a worker task waits on) in
//! `domains`; worker-task timeouts in `timeouts`; the state in
//! `workflow`). Event handlers' decisions are in
//! `events`. All pure: the runtime (`runtime/conductor/`) stores workflows and performs effects.

pub mod decide;
pub mod def;
pub mod document;
pub mod domains;
pub mod duration;
pub mod dynamic_fork;
pub mod events;
pub mod expr;
pub mod jq;
pub mod js;
pub mod looping;
pub mod ops;
pub mod schedule;
pub mod timeouts;
pub mod workflow;
