//! `stepwise test`: test files (and Step Functions Local mock files) → planned cases → runs in
//! memory with mocked tasks → expectations checked, coverage gathered, JUnit XML.
//!
//! `spec` parses the test file format, `discover` finds files, `load` reads what they name and
//! plans the cases, `sfn_local` plans a `MockConfigFile.json`'s cases, `run` runs one case,
//! `expect` and `diff` judge it, `coverage` and `junit` report. The command line is in
//! `cli/test.rs`.

pub mod coverage;
pub mod diff;
pub mod discover;
pub mod expect;
pub mod junit;
pub mod load;
pub mod run;
pub mod sfn_local;
pub mod spec;
pub mod test_state;
