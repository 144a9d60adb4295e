//! `stepwise serve`'s Conductor API driven by clients nobody here wrote: `conductor-python` for
//! workflows, workers and metadata, boto3 for the SQS side of the seeds' scenarios — once on the
//! server's embedded queue and once on moto's SQS server (`serve --sqs-endpoint`).
#![allow(clippy::disallowed_methods)] // the tests read the environment

mod support;

use support::{Moto, Server, client_case, python, run_client, run_client_with};

/// Register, start, poll and complete a SIMPLE task, complete a WAIT by reference name, read
/// the workflow and its status, start by request, terminate, and the 404 of an unknown id.
#[test]
fn conductor_python_sdk() {
    client_case("conductor-sdk", &[], "conductor_sdk.py");
}

/// The seeds' scenarios (event_testing's FORK/WAIT/EVENT/JOIN completed by its handler, the
/// shipping start_workflow handler, the DocuSign complete_task/fail_task pair) with the queues
/// on the server's embedded queue, driven by boto3 against the server's own SQS API.
#[test]
fn seeds_on_the_embedded_queue() {
    let Some(py) = python("conductor seeds (embedded)") else {
        return;
    };
    let server = Server::start("conductor-seeds-embedded", &[]);
    run_client(&py, &server, "conductor_seeds.py", &[SCENARIOS]);
}

/// The same scenarios with the queues on moto's SQS server: EVENT tasks send through
/// `aws-sdk-sqs`, and the event handlers listen on moto.
#[test]
fn seeds_on_moto() {
    let Some(py) = python("conductor seeds (moto)") else {
        return;
    };
    let Some(moto) = Moto::start("conductor seeds (moto)") else {
        return;
    };
    let server = Server::start("conductor-seeds-moto", &["--sqs-endpoint", &moto.url]);
    let env = [("SQS_ENDPOINT", moto.url.as_str())];
    run_client_with(&py, &server, "conductor_seeds.py", &[SCENARIOS], &env);
}

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/state-machines/conductor");
