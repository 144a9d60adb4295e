//! `stepwise serve` driven by boto3 and the AWS CLI: the Step Functions API. Each case runs one
//! script of `tests/clients/` against its own server.

mod support;

use support::{Server, python, run_client};

#[test]
fn boto3_smoke() {
    let Some(py) = python("boto3_smoke") else {
        return;
    };
    let server = Server::start("smoke", &[]);
    run_client(&py, &server, "sfn_smoke.py", &[]);
}
