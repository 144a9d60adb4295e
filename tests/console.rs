//! The web console of `stepwise serve`: its pages over plain HTTP (what they show, how they
//! page, that they escape), the guard and `--auth-token` in front of them and their buttons,
//! and the whole console in headless Chromium (`tests/clients/console_browser.py`, Playwright),
//! following the inventory demo.

#![allow(clippy::disallowed_methods)] // an edge: the browser test reads where chromium is

mod support;

use std::io::{Read, Write};
use support::{Server, raw};

/// One request with the given extra headers; the status, the headers and the body.
fn http(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"))
    {
        request.push_str("Host: localhost\r\n");
    }
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let status = answer
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (status, head.to_string(), body.to_string())
}

fn get(server: &Server, path: &str) -> (u16, String) {
    let (status, _, body) = http(server, "GET", path, &[], "");
    (status, body)
}

fn q(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const WAITING: &str = r#"{"StartAt": "Ask", "States": {
  "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/asks",
                         "MessageBody": {"token.$": "$$.Task.Token"}}, "Next": "Done"},
  "Done": {"Type": "Succeed"}}}"#;

fn create(server: &Server, name: &str, definition: &str) -> String {
    let (status, created) = raw::call(
        server,
        "CreateStateMachine",
        &serde_json::json!({"name": name, "definition": definition,
            "roleArn": "arn:aws:iam::123456789012:role/r"})
        .to_string(),
    );
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

fn sqs(server: &Server, op: &str, body: &str) {
    let s = raw::send(server, Some(&format!("AmazonSQS.{op}")), body.as_bytes());
    let (status, answer) = raw::answer(s);
    assert_eq!(status, 200, "{answer}");
}

fn start(server: &Server, machine: &str, name: &str) -> String {
    start_with(server, machine, name, "{}")
}

fn start_with(server: &Server, machine: &str, name: &str, input: &str) -> String {
    let (status, started) = raw::call(
        server,
        "StartExecution",
        &serde_json::json!({"stateMachineArn": machine, "name": name, "input": input}).to_string(),
    );
    assert_eq!(status, 200, "{started}");
    started["executionArn"].as_str().unwrap().to_string()
}

/// The task token shown on an execution's page.
fn token_on_page(page: &str) -> String {
    let start = page.find("<code class=\"token\">").expect("a waiting task") + 20;
    let end = start + page[start..].find("</code>").unwrap();
    page[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn pages_show_machines_executions_and_history_and_answer_a_task() {
    let server = Server::start("console-pages", &[]);
    sqs(&server, "CreateQueue", r#"{"QueueName": "asks"}"#);
    let machine = create(&server, "approve", WAITING);
    let arn = start_with(
        &server,
        &machine,
        "order-1",
        r#"{"note": "<script>alert(1)</script>"}"#,
    );

    let (status, home) = get(&server, "/");
    assert_eq!(status, 200);
    assert!(
        home.contains("approve") && home.contains("order-1"),
        "{home}"
    );
    assert!(home.contains(&format!("/console/machine?arn={}", q(&machine))));

    let (status, page) = get(&server, &format!("/console/machine?arn={}", q(&machine)));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("order-1") && page.contains("<svg"), "{page}");

    support::wait_until("the task token", std::time::Duration::from_secs(10), || {
        get(&server, &format!("/console/execution?arn={}", q(&arn)))
            .1
            .contains("class=\"token\"")
    });
    let (_, page) = get(&server, &format!("/console/execution?arn={}", q(&arn)));
    assert!(
        page.contains("data-live=\"true\""),
        "a running execution's page refreshes"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)"),
        "the input, escaped: {page}"
    );
    assert!(!page.contains("<script>alert"));
    assert!(
        page.contains("data-state=\"Ask\" data-status=\"waiting\""),
        "{page}"
    );
    assert!(
        page.contains("TaskSubmitted") || page.contains("TaskScheduled"),
        "{page}"
    );
    let token = token_on_page(&page);

    // A button without the page's Origin is refused, and so is another site's.
    let form = format!("token={}&output=%7B%22ok%22%3Atrue%7D", q(&token));
    let (status, _, _) = http(&server, "POST", "/console/task/success", &[], &form);
    assert_eq!(status, 403);
    let evil = ["Origin: http://evil.example"];
    let (status, _, _) = http(&server, "POST", "/console/task/success", &evil, &form);
    assert_eq!(status, 403);
    // A wrong token gets the API's error.
    let mine = ["Origin: http://localhost"];
    let (status, _, body) = http(
        &server,
        "POST",
        "/console/task/success",
        &mine,
        "token=nope&output=%7B%7D",
    );
    assert!(
        status >= 400 && body.contains("TaskDoesNotExist"),
        "{status} {body}"
    );

    let (status, head, _) = http(
        &server,
        "POST",
        "/console/task/success",
        &mine,
        &format!("{form}&back=%2Fconsole%2Fexecutions"),
    );
    assert_eq!(status, 303, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("location: /console/executions")
    );
    support::wait_until(
        "the execution to succeed",
        std::time::Duration::from_secs(10),
        || {
            raw::call(
                &server,
                "DescribeExecution",
                &format!(r#"{{"executionArn": "{arn}"}}"#),
            )
            .1["status"]
                == "SUCCEEDED"
        },
    );
    let (_, page) = get(&server, &format!("/console/execution?arn={}", q(&arn)));
    assert!(page.contains("data-live=\"false\"") && page.contains("SUCCEEDED"));
    assert!(
        page.contains("{\n  &quot;ok&quot;: true\n}"),
        "the output: {page}"
    );
}

#[test]
fn the_executions_list_pages_by_position() {
    let server = Server::start("console-paging", &[]);
    let machine = create(
        &server,
        "pass",
        r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
    );
    for i in 0..60 {
        start(&server, &machine, &format!("run-{i:02}"));
    }
    let (status, first) = get(&server, "/console/executions");
    assert_eq!(status, 200);
    let rows = |page: &str| page.matches("/console/execution?arn=").count();
    assert_eq!(rows(&first), 50);
    let next = first.split("rel=\"next\"").next().unwrap();
    let href = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (status, second) = get(&server, &href);
    assert_eq!(status, 200, "{href}: {second}");
    assert_eq!(rows(&second), 10);
    assert!(!second.contains("rel=\"next\""));
    let names = |page: &str| -> Vec<String> {
        page.match_indices("run-")
            .map(|(i, _)| page[i..i + 6].to_string())
            .collect()
    };
    let mut all: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 60, "every execution once");

    let (status, filtered) = get(
        &server,
        &format!("/console/executions?status=FAILED&machine={}", q(&machine)),
    );
    assert_eq!(status, 200);
    assert_eq!(rows(&filtered), 0);
    let (status, _) = get(&server, "/console/executions?status=BOGUS");
    assert_eq!(status, 400);
}

#[test]
fn the_guard_and_the_auth_token_stand_before_the_console() {
    let server = Server::start("console-auth", &["--auth-token", "s3cret"]);
    let (status, _, _) = http(&server, "GET", "/", &["Host: evil.example"], "");
    assert_eq!(status, 403, "DNS rebinding");
    let (status, body) = get(&server, "/");
    assert_eq!(status, 200, "the login page, for health checks too");
    assert!(body.contains("/console/login"));
    let (status, _) = get(&server, "/console/executions");
    assert_eq!(status, 401);
    let (status, _) = get(&server, "/console/assets/console.css");
    assert_eq!(status, 200);

    let origin = ["Origin: http://localhost"];
    let (status, head, _) = http(&server, "POST", "/console/login", &origin, "token=wrong");
    assert_eq!(status, 401);
    assert!(!head.to_ascii_lowercase().contains("set-cookie"));
    let (status, head, _) = http(
        &server,
        "POST",
        "/console/login",
        &origin,
        "token=s3cret&next=%2Fconsole%2Fqueues",
    );
    assert_eq!(status, 303);
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("s3cret"), "the cookie is not the token");
    let session = format!("Cookie: {}", cookie.split(';').next().unwrap());
    let (status, _, body) = http(&server, "GET", "/console/queues", &[&session], "");
    assert_eq!(status, 200, "{body}");
    // The cookie proves nothing to the AWS API.
    let (status, _, _) = http(
        &server,
        "POST",
        "/",
        &[
            &session,
            "X-Amz-Target: AWSStepFunctions.ListStateMachines",
            "Content-Type: application/x-amz-json-1.0",
        ],
        "",
    );
    assert!(status == 401 || status == 403, "{status}");
}

#[test]
#[ignore = "needs chromium and Playwright for Python (STEPWISE_CHROMIUM, STEPWISE_PYTHON): run scripts/test"]
fn a_browser_follows_the_inventory_demo_and_answers_a_task() {
    let py = support::python("console browser test");
    let chromium =
        std::env::var("STEPWISE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "no chromium at {chromium}: apt-get install chromium, or set STEPWISE_CHROMIUM (scripts/test does both)"
    );
    let server = Server::start(
        "console-browser",
        &["--conductor", "state-machines/conductor"],
    );
    let mut env = vec![("STEPWISE_CHROMIUM", chromium.as_str())];
    // STEPWISE_SCREENSHOTS=docs/console refreshes the README's pictures.
    let shots = std::env::var("STEPWISE_SCREENSHOTS").unwrap_or_default();
    if !shots.is_empty() {
        env.push(("STEPWISE_SCREENSHOTS", shots.as_str()));
    }
    support::run_client_with(&py, &server, "console_browser.py", &[], &env);
}

/// A Conductor workflow's page: its graph with each task's status, its tasks, and a WAIT task
/// completed from the page through Conductor's own task update.
#[test]
fn a_conductor_workflow_is_drawn_and_its_wait_task_completed_from_the_page() {
    let server = Server::start(
        "console-conductor",
        &["--conductor", "state-machines/conductor"],
    );
    let (status, id) = support::rest::call(&server, "POST", "/api/workflow/event_testing", "{}");
    assert_eq!(status, 200, "{id}");
    let (status, list) = get(&server, "/console/workflows");
    assert_eq!(status, 200);
    assert!(
        list.contains("shipping_workflow") && list.contains(&id),
        "{list}"
    );

    let path = format!("/console/workflow?id={}", q(&id));
    let (status, page) = get(&server, &path);
    assert_eq!(status, 200, "{page}");
    for task in [
        "fork_ref",
        "task_1_ref",
        "task_2_ref",
        "send_sqs_message_ref",
        "join_ref",
    ] {
        assert!(
            page.contains(&format!("data-state=\"{task}\"")),
            "{task} drawn: {page}"
        );
    }
    assert!(
        page.contains("data-state=\"task_1_ref\" data-status=\"waiting\""),
        "{page}"
    );
    let at = page
        .find("name=\"task\" value=\"")
        .expect("a Complete form")
        + 19;
    let task = &page[at..at + page[at..].find('"').unwrap()];
    let form = format!(
        "workflow={}&task={}&status=COMPLETED&output=%7B%22ok%22%3A1%7D",
        q(&id),
        q(task)
    );
    let (status, head, body) = http(
        &server,
        "POST",
        "/console/workflow/task",
        &["Origin: http://localhost"],
        &form,
    );
    assert_eq!(status, 303, "{head}{body}");
    let (_, page) = get(&server, &path);
    assert!(
        page.contains("data-state=\"task_1_ref\" data-status=\"succeeded\""),
        "{page}"
    );
}
