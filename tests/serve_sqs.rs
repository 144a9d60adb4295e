//! `stepwise serve` driven by boto3 and the AWS CLI: the SQS API. Each case runs one script of
//! `tests/clients/` against its own server; the scripts hold the assertions.

mod support;

use support::{Server, python, run_client};

/// Runs `tests/clients/<script>` against a new server named after the case.
fn case(name: &str, script: &str) {
    let Some(py) = python(name) else {
        return;
    };
    let server = Server::start(name, &[]);
    let out = run_client(&py, &server, script, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ok",
        "{script} should end by printing ok"
    );
}

#[test]
fn queues_create_list_attributes_purge_delete() {
    case("sqs-queues", "sqs_queues.py");
}

#[test]
fn messages_attributes_digests_and_batches() {
    case("sqs-messages", "sqs_messages.py");
}

#[test]
fn long_polls_wake_on_send_and_time_out() {
    case("sqs-long-poll", "sqs_long_poll.py");
}

#[test]
fn visibility_timeouts_and_receipt_handles() {
    case("sqs-visibility", "sqs_visibility.py");
}

#[test]
fn fifo_order_groups_and_deduplication() {
    case("sqs-fifo", "sqs_fifo.py");
}

#[test]
fn redrive_to_dead_letter_queue() {
    case("sqs-redrive", "sqs_redrive.py");
}

#[test]
fn errors_are_modeled_exceptions() {
    case("sqs-errors", "sqs_errors.py");
}

#[test]
fn aws_cli_round_trip() {
    case("sqs-cli", "sqs_cli.py");
}

#[test]
fn state_machine_sends_to_the_same_queue() {
    case("sqs-state-machine", "sqs_state_machine.py");
}
