//! `stepwise serve` in SQS's Query protocol: forms (`Action=SendMessage&...`) answered in XML.
//! Raw requests over a `TcpStream` check the XML of each kind of answer and the refusals; the AWS
//! CLI v1 and boto3 of botocore 1.34.89 (the last whose SQS speaks Query, installed by
//! `scripts/python-env query`) check that real clients read it.

mod support;

use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{Server, query_python, run_client};

/// An answer: status, content type and body.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    /// The texts of every element at `path` (from the root element), read by the SDK's parser.
    fn texts(&self, path: &[&str]) -> Vec<String> {
        let mut doc = Document::new(&self.body);
        let mut root = doc
            .root_element()
            .unwrap_or_else(|e| panic!("not XML ({e}): {}", self.body));
        assert_eq!(root.start_el().local(), path[0], "{}", self.body);
        let mut out = Vec::new();
        collect(&mut root, &path[1..], &mut out);
        out
    }

    /// The one text at `path`.
    fn text(&self, path: &[&str]) -> String {
        match &self.texts(path)[..] {
            [one] => one.clone(),
            other => panic!("{path:?}: {other:?} in {}", self.body),
        }
    }

    /// The Query error code, after checking the error's shape.
    fn error_code(&self) -> String {
        assert!(self.status >= 400, "not an error: {}", self.body);
        assert!(
            self.content_type.starts_with("text/xml"),
            "{}",
            self.content_type
        );
        assert_eq!(self.text(&["ErrorResponse", "Error", "Type"]), "Sender");
        assert!(!self.text(&["ErrorResponse", "Error", "Message"]).is_empty());
        assert_eq!(self.texts(&["ErrorResponse", "RequestId"]).len(), 1);
        self.text(&["ErrorResponse", "Error", "Code"])
    }
}

fn collect(d: &mut ScopedDecoder, path: &[&str], out: &mut Vec<String>) {
    while let Some(mut tag) = d.next_tag() {
        if tag.start_el().local() != path[0] {
            continue;
        }
        if path.len() == 1 {
            out.push(try_data(&mut tag).expect("text").into_owned());
        } else {
            collect(&mut tag, &path[1..], out);
        }
    }
}

/// One request over a new connection; `headers` are extra lines.
fn send(server: &Server, method: &str, target: &str, headers: &[&str], body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n",
        server.port,
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("write");
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {raw:?}"));
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(String::from)
        })
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: body.to_string(),
    }
}

const FORM: &str = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
/// Any signature: the server has no `--auth-token`, so only its presence is checked.
const SIGNED: &str = "Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0";

/// A signed form posted to `path`.
fn post_to(server: &Server, path: &str, params: &[(&str, &str)]) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    send(server, "POST", path, &[FORM, SIGNED], body.as_bytes())
}

fn post(server: &Server, params: &[(&str, &str)]) -> Answer {
    post_to(server, "/", params)
}

/// A successful answer of `action`, after checking its envelope.
fn ok(a: Answer, action: &str) -> Answer {
    assert_eq!(a.status, 200, "{action}: {}", a.body);
    assert!(a.content_type.starts_with("text/xml"), "{}", a.content_type);
    assert!(
        a.body.starts_with(&format!(
            "<{action}Response xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
        )),
        "{}",
        a.body
    );
    let id = a.text(&[
        &format!("{action}Response"),
        "ResponseMetadata",
        "RequestId",
    ]);
    assert_eq!(id.len(), 36, "{}", a.body);
    a
}

#[test]
fn queues_messages_attributes_and_batches_in_xml() {
    let server = Server::start("sqs-query-raw", &[]);
    let created = ok(
        post(
            &server,
            &[
                ("Action", "CreateQueue"),
                ("Version", "2012-11-05"),
                ("QueueName", "raw"),
                ("Attribute.1.Name", "VisibilityTimeout"),
                ("Attribute.1.Value", "30"),
            ],
        ),
        "CreateQueue",
    );
    let url = created.text(&["CreateQueueResponse", "CreateQueueResult", "QueueUrl"]);
    assert_eq!(url, format!("{}/123456789012/raw", server.url));

    let body = "<b>&amp; 'it' \"is\"\r\n ✓";
    let sent = ok(
        post(
            &server,
            &[
                ("Action", "SendMessage"),
                ("QueueUrl", &url),
                ("MessageBody", body),
                ("MessageAttribute.1.Name", "k"),
                ("MessageAttribute.1.Value.DataType", "String"),
                ("MessageAttribute.1.Value.StringValue", "<v>"),
            ],
        ),
        "SendMessage",
    );
    let result = ["SendMessageResponse", "SendMessageResult"];
    assert_eq!(
        sent.text(&[result[0], result[1], "MD5OfMessageBody"]),
        stepwise::integrations::sqs::md5::of_body(body)
    );
    assert_eq!(
        sent.texts(&[result[0], result[1], "MD5OfMessageAttributes"])
            .len(),
        1
    );
    let id = sent.text(&[result[0], result[1], "MessageId"]);

    // Posted to the queue's URL, without QueueUrl, as some SDKs do.
    let got = ok(
        post_to(
            &server,
            "/123456789012/raw",
            &[
                ("Action", "ReceiveMessage"),
                ("AttributeName.1", "ApproximateReceiveCount"),
                ("MessageAttributeName.1", "All"),
                ("WaitTimeSeconds", "1"),
            ],
        ),
        "ReceiveMessage",
    );
    let message = ["ReceiveMessageResponse", "ReceiveMessageResult", "Message"];
    let at = |rest: &[&'static str]| [&message[..], rest].concat();
    assert_eq!(
        got.text(&at(&["Body"])),
        body,
        "the body as sent: {}",
        got.body
    );
    assert_eq!(got.text(&at(&["MessageId"])), id);
    assert_eq!(
        got.text(&at(&["Attribute", "Name"])),
        "ApproximateReceiveCount"
    );
    assert_eq!(got.text(&at(&["Attribute", "Value"])), "1");
    assert_eq!(got.text(&at(&["MessageAttribute", "Name"])), "k");
    assert_eq!(
        got.text(&at(&["MessageAttribute", "Value", "DataType"])),
        "String"
    );
    assert_eq!(
        got.text(&at(&["MessageAttribute", "Value", "StringValue"])),
        "<v>"
    );
    let handle = got.text(&at(&["ReceiptHandle"]));
    let deleted = ok(
        post(
            &server,
            &[
                ("Action", "DeleteMessage"),
                ("QueueUrl", &url),
                ("ReceiptHandle", &handle),
            ],
        ),
        "DeleteMessage",
    );
    assert!(
        !deleted.body.contains("DeleteMessageResult"),
        "no output, no result: {}",
        deleted.body
    );
    let empty = ok(
        post(&server, &[("Action", "ReceiveMessage"), ("QueueUrl", &url)]),
        "ReceiveMessage",
    );
    assert!(
        empty
            .body
            .contains("<ReceiveMessageResult></ReceiveMessageResult>"),
        "{}",
        empty.body
    );

    // GET with the action in the query string.
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", url.as_str()),
            ("AttributeName.1", "VisibilityTimeout"),
            ("AttributeName.2", "DelaySeconds"),
        ])
        .finish();
    let attrs = ok(
        send(&server, "GET", &format!("/?{query}"), &[SIGNED], b""),
        "GetQueueAttributes",
    );
    let result = ["GetQueueAttributesResponse", "GetQueueAttributesResult"];
    assert_eq!(
        attrs.texts(&[result[0], result[1], "Attribute", "Name"]),
        ["DelaySeconds", "VisibilityTimeout"]
    );
    assert_eq!(
        attrs.texts(&[result[0], result[1], "Attribute", "Value"]),
        ["0", "30"]
    );

    let batch = ok(
        post(
            &server,
            &[
                ("Action", "SendMessageBatch"),
                ("QueueUrl", &url),
                ("SendMessageBatchRequestEntry.1.Id", "a"),
                ("SendMessageBatchRequestEntry.1.MessageBody", "one"),
                ("SendMessageBatchRequestEntry.2.Id", "b"),
                ("SendMessageBatchRequestEntry.2.MessageBody", "two"),
                ("SendMessageBatchRequestEntry.2.DelaySeconds", "901"),
            ],
        ),
        "SendMessageBatch",
    );
    let result = ["SendMessageBatchResponse", "SendMessageBatchResult"];
    assert_eq!(
        batch.texts(&[result[0], result[1], "SendMessageBatchResultEntry", "Id"]),
        ["a"]
    );
    let failed = |field| batch.text(&[result[0], result[1], "BatchResultErrorEntry", field]);
    assert_eq!(failed("Id"), "b");
    assert_eq!(failed("SenderFault"), "true");
    assert_eq!(failed("Code"), "InvalidParameterValue");

    let got = ok(
        post(&server, &[("Action", "ReceiveMessage"), ("QueueUrl", &url)]),
        "ReceiveMessage",
    );
    let handle = got.text(&at(&["ReceiptHandle"]));
    let deleted = ok(
        post(
            &server,
            &[
                ("Action", "DeleteMessageBatch"),
                ("QueueUrl", &url),
                ("DeleteMessageBatchRequestEntry.1.Id", "x"),
                ("DeleteMessageBatchRequestEntry.1.ReceiptHandle", &handle),
            ],
        ),
        "DeleteMessageBatch",
    );
    assert_eq!(
        deleted.texts(&[
            "DeleteMessageBatchResponse",
            "DeleteMessageBatchResult",
            "DeleteMessageBatchResultEntry",
            "Id"
        ]),
        ["x"]
    );

    ok(
        post(
            &server,
            &[("Action", "CreateQueue"), ("QueueName", "raw-2")],
        ),
        "CreateQueue",
    );
    let listed = ok(
        post(
            &server,
            &[("Action", "ListQueues"), ("QueueNamePrefix", "raw")],
        ),
        "ListQueues",
    );
    assert_eq!(
        listed.texts(&["ListQueuesResponse", "ListQueuesResult", "QueueUrl"]),
        [url.clone(), format!("{url}-2")]
    );
    ok(
        post(&server, &[("Action", "DeleteQueue"), ("QueueUrl", &url)]),
        "DeleteQueue",
    );
    // The request log names the action from the form (it is not in the head).
    let log = std::fs::read_to_string(server.dir.join("serve.log")).expect("serve.log");
    assert!(
        log.contains("operation=AmazonSQS.DeleteQueue (Query) status=200"),
        "{log}"
    );
}

#[test]
fn errors_have_query_codes_and_nothing_panics() {
    let server = Server::start("sqs-query-errors", &[]);
    let code = |a: Answer| a.error_code();
    let nope = format!("{}/123456789012/nope", server.url);
    assert_eq!(
        code(post(
            &server,
            &[
                ("Action", "SendMessage"),
                ("QueueUrl", &nope),
                ("MessageBody", "x")
            ]
        )),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(
        code(post(
            &server,
            &[("Action", "GetQueueUrl"), ("QueueName", "nope")]
        )),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(
        code(post(
            &server,
            &[("Action", "TagQueue"), ("QueueUrl", &nope)]
        )),
        "InvalidAction"
    );
    assert_eq!(code(post(&server, &[("QueueName", "q")])), "MissingAction");
    assert_eq!(
        code(post(
            &server,
            &[("Action", "SendMessage"), ("MessageBody", "x")]
        )),
        "MissingParameter"
    );
    assert_eq!(
        code(post(&server, &[("Action", "CreateQueue")])),
        "MissingParameter"
    );
    assert_eq!(
        code(post(
            &server,
            &[("Action", "CreateQueue"), ("QueueName", "bad name")]
        )),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(post(
            &server,
            &[
                ("Action", "CreateQueue"),
                ("QueueName", "ok"),
                ("Attribute.x.Name", "y")
            ]
        )),
        "InvalidParameterValue"
    );
    // Not signed: a web page could send it.
    let unsigned = send(
        &server,
        "POST",
        "/",
        &[FORM],
        b"Action=CreateQueue&QueueName=csrf",
    );
    assert_eq!(unsigned.status, 403, "{}", unsigned.body);
    assert_eq!(unsigned.error_code(), "MissingAuthenticationToken");
    let linked = send(
        &server,
        "GET",
        "/?Action=CreateQueue&QueueName=csrf",
        &[],
        b"",
    );
    assert_eq!(linked.status, 403, "{}", linked.body);
    let foreign = send(
        &server,
        "POST",
        "/",
        &[FORM, SIGNED, "Origin: http://evil.example"],
        b"Action=CreateQueue&QueueName=csrf",
    );
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert_eq!(foreign.error_code(), "AccessDeniedException");
    let listed = ok(post(&server, &[("Action", "ListQueues")]), "ListQueues");
    assert!(
        listed
            .texts(&["ListQueuesResponse", "ListQueuesResult", "QueueUrl"])
            .is_empty()
    );
    // Whatever bytes arrive, an answer (and the server stays up).
    let deep = format!("Action=ListQueues&{}=1", "a.".repeat(50_000));
    for junk in [
        &b"Action=SendMessage&QueueUrl=%ff%fe&MessageBody=%00\x01"[..],
        b"Action=ReceiveMessage&QueueUrl=/1/q&AttributeName.99999999999999999999=All",
        b"%%%&&&===",
        deep.as_bytes(),
        b"Action=SendMessageBatch&QueueUrl=x&SendMessageBatchRequestEntry.1=flat",
    ] {
        let a = send(&server, "POST", "/", &[FORM, SIGNED], junk);
        assert!((400..500).contains(&a.status), "{}", a.body);
        assert!(!a.error_code().is_empty());
    }
    ok(post(&server, &[("Action", "ListQueues")]), "ListQueues");
}

/// The AWS CLI v1 in Query mode, signing every request with the server's token.
#[test]
#[ignore = "needs the Python clients: run scripts/test"]
fn aws_cli_v1_in_query_mode() {
    let py = query_python("sqs-query-cli");
    let server = Server::start("sqs-query-cli", &["--auth-token", "test"]);
    let out = run_client(&py, &server, "sqs_query_cli.py", &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

/// boto3 on a botocore whose SQS speaks Query: every operation served, modeled exceptions.
#[test]
#[ignore = "needs the Python clients: run scripts/test"]
fn boto3_in_query_mode() {
    let py = query_python("sqs-query-boto3");
    let server = Server::start("sqs-query-boto3", &[]);
    let out = run_client(&py, &server, "sqs_query_boto3.py", &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}
