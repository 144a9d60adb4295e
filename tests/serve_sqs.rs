//! `stepwise serve` driven by boto3 and the AWS CLI: the SQS API. Each case runs one script of
//! `tests/clients/` against its own server; the scripts hold the assertions.

mod support;

use support::{Server, python, run_client};

/// Runs `tests/clients/<script>` against a new server named after the case.
fn case(name: &str, script: &str) {
    let py = python(name);
    let server = Server::start(name, &[]);
    let out = run_client(&py, &server, script, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ok",
        "{script} should end by printing ok"
    );
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn queues_create_list_attributes_purge_delete() {
    case("sqs-queues", "sqs_queues.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn messages_attributes_digests_and_batches() {
    case("sqs-messages", "sqs_messages.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn long_polls_wake_on_send_and_time_out() {
    case("sqs-long-poll", "sqs_long_poll.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn visibility_timeouts_and_receipt_handles() {
    case("sqs-visibility", "sqs_visibility.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn fifo_order_groups_and_deduplication() {
    case("sqs-fifo", "sqs_fifo.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn redrive_to_dead_letter_queue() {
    case("sqs-redrive", "sqs_redrive.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn errors_are_modeled_exceptions() {
    case("sqs-errors", "sqs_errors.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn aws_cli_round_trip() {
    case("sqs-cli", "sqs_cli.py");
}

#[test]
#[ignore = "needs the Python clients (boto3, awscli, conductor-python; STEPWISE_PYTHON): run scripts/test"]
fn state_machine_sends_to_the_same_queue() {
    case("sqs-state-machine", "sqs_state_machine.py");
}

/// The Rust SDK stepwise itself uses for `--sqs-endpoint`: another client nobody here wrote,
/// run with or without the Python venv.
#[test]
fn rust_sdk_round_trip_and_modeled_error() {
    use aws_sdk_sqs::error::ProvideErrorMetadata;
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
    use md5::{Digest, Md5};

    let server = Server::start("sqs-rust-sdk", &[]);
    let sqs = rust_client(&server.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let url = rt
        .block_on(sqs.create_queue().queue_name("rusty").send())
        .expect("CreateQueue")
        .queue_url
        .expect("a queue URL");
    let text = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("v")
        .build()
        .expect("an attribute");
    let blob = MessageAttributeValue::builder()
        .data_type("Binary")
        .binary_value(Blob::new(vec![0u8, 1, 255]))
        .build()
        .expect("an attribute");
    let sent = rt
        .block_on(
            sqs.send_message()
                .queue_url(&url)
                .message_body("from rust")
                .message_attributes("text", text)
                .message_attributes("blob", blob.clone())
                .send(),
        )
        .expect("SendMessage");
    let body_md5 = format!("{:x}", Md5::digest(b"from rust"));
    assert_eq!(sent.md5_of_message_body(), Some(body_md5.as_str()));
    let got = rt
        .block_on(
            sqs.receive_message()
                .queue_url(&url)
                .wait_time_seconds(1)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send(),
        )
        .expect("ReceiveMessage");
    let m = got.messages().first().expect("the message");
    assert_eq!(m.body(), Some("from rust"));
    assert_eq!(m.message_id(), sent.message_id());
    assert_eq!(
        m.message_attributes().and_then(|a| a.get("blob")),
        Some(&blob)
    );
    assert_eq!(
        m.md5_of_message_attributes(),
        sent.md5_of_message_attributes()
    );

    let err = rt
        .block_on(sqs.get_queue_url().queue_name("nope").send())
        .expect_err("no such queue");
    let service = err.as_service_error().expect("a service error");
    assert!(service.is_queue_does_not_exist(), "{service:?}");
    assert_eq!(
        service.code(),
        Some("AWS.SimpleQueueService.NonExistentQueue")
    );
}

fn rust_client(url: &str) -> aws_sdk_sqs::Client {
    use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(url)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// Queue URLs point at the server as the client reached it (its Host header), so a client that
/// follows the URL gets back here even when the server listens on 0.0.0.0 (a name it is told to
/// answer to with `--allow-host`).
#[test]
fn queue_urls_follow_the_host_the_client_used() {
    use std::io::{Read, Write};
    let server = Server::start("host-urls", &["--allow-host", "stepwise.internal"]);
    let body = r#"{"QueueName": "via-host"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: stepwise.internal:9324\r\nX-Amz-Target: AmazonSQS.CreateQueue\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(r#""QueueUrl":"http://stepwise.internal:9324/123456789012/via-host""#),
        "{answer}"
    );
}
