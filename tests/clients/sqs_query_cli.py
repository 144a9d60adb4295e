"""The AWS CLI v1 of botocore 1.34.89, whose SQS speaks the Query protocol (forms answered in
XML), against a server with `--auth-token test` (the secret run_client gives the CLI): every
request is signed over its form body. Checks that the CLI really sent forms (`--debug`), then
create-queue, send-message with message attributes, receive-message with attribute names,
delete-message, get-queue-attributes, send-message-batch, list-queues, a queue that does not
exist and a wrong secret."""
import json
import os
import subprocess

import botocore.session

from common import ENDPOINT
from sqs_common import md5_of_attributes, md5_of_body

assert botocore.session.get_session().get_service_model("sqs").protocol == "query", \
    "this client must speak SQS's Query protocol: run it from `scripts/python-env query`"


def aws(*args, ok=True, env=None):
    p = subprocess.run(["aws", "--endpoint-url", ENDPOINT, "--output", "json", "sqs", *args],
                       capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    if ok:
        assert p.returncode == 0, f"aws sqs {args[0]} failed ({p.returncode}): {p.stderr}"
    return p


created = aws("create-queue", "--queue-name", "query-cli", "--attributes", "VisibilityTimeout=45",
              "--debug")
url = json.loads(created.stdout)["QueueUrl"]
assert url == f"{ENDPOINT}/123456789012/query-cli", url
# What went over the wire: a form with the action, and XML back.
assert "'Action': 'CreateQueue'" in created.stderr, created.stderr[-3000:]
assert "application/x-www-form-urlencoded" in created.stderr, created.stderr[-3000:]
assert "x-amz-json" not in created.stderr, created.stderr[-3000:]
assert "<CreateQueueResponse" in created.stderr, created.stderr[-3000:]

body = "hello <query> & 'xml' \"quotes\"\r\nline two é ✓"
attributes = {"k": {"DataType": "String", "StringValue": "v & <w>"},
              "n": {"DataType": "Number", "StringValue": "3"}}
sent = json.loads(aws("send-message", "--queue-url", url, "--message-body", body,
                      "--message-attributes", json.dumps(attributes)).stdout)
assert sent["MD5OfMessageBody"] == md5_of_body(body), sent
assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes), sent

got = json.loads(aws("receive-message", "--queue-url", url, "--message-attribute-names", "All",
                     "--attribute-names", "SentTimestamp", "ApproximateReceiveCount",
                     "--wait-time-seconds", "1").stdout)
[m] = got["Messages"]
assert m["Body"] == body and m["MessageId"] == sent["MessageId"], m
assert m["MD5OfBody"] == md5_of_body(body), m
assert m["MessageAttributes"] == attributes, m
assert m["MD5OfMessageAttributes"] == md5_of_attributes(attributes), m
assert sorted(m["Attributes"]) == ["ApproximateReceiveCount", "SentTimestamp"], m
assert m["Attributes"]["ApproximateReceiveCount"] == "1", m
# `=`: a receipt handle may start with "-", which argparse would take for an option.
aws("delete-message", "--queue-url", url, f"--receipt-handle={m['ReceiptHandle']}")
assert aws("receive-message", "--queue-url", url).stdout.strip() == ""  # nothing left

attrs = json.loads(aws("get-queue-attributes", "--queue-url", url, "--attribute-names", "All").stdout)
assert attrs["Attributes"]["VisibilityTimeout"] == "45", attrs
assert attrs["Attributes"]["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:query-cli", attrs

entries = [{"Id": "a", "MessageBody": "one"},
           {"Id": "b", "MessageBody": "two", "DelaySeconds": 0,
            "MessageAttributes": {"t": {"DataType": "String", "StringValue": "x"}}},
           {"Id": "c", "MessageBody": "three", "DelaySeconds": 901}]
batch = json.loads(aws("send-message-batch", "--queue-url", url, "--entries", json.dumps(entries)).stdout)
assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"], batch
assert all(e["MD5OfMessageBody"] == md5_of_body(b) for e, b in
           zip(sorted(batch["Successful"], key=lambda e: e["Id"]), ["one", "two"])), batch
[failed] = batch["Failed"]
assert failed["Id"] == "c" and failed["SenderFault"] is True, failed
assert failed["Code"] == "InvalidParameterValue", failed

aws("create-queue", "--queue-name", "query-cli-2")
listed = json.loads(aws("list-queues", "--queue-name-prefix", "query-cli").stdout)
assert listed["QueueUrls"] == [url, f"{url}-2"], listed

missing = aws("get-queue-url", "--queue-name", "nope", ok=False)
assert missing.returncode == 255, missing
assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr, missing.stderr
gone = aws("send-message", "--queue-url", f"{ENDPOINT}/123456789012/nope", "--message-body", "x", ok=False)
assert gone.returncode == 255 and "AWS.SimpleQueueService.NonExistentQueue" in gone.stderr, gone.stderr
wrong = aws("list-queues", ok=False, env={"AWS_SECRET_ACCESS_KEY": "not-the-token"})
assert wrong.returncode == 255 and "SignatureDoesNotMatch" in wrong.stderr, wrong.stderr
print("ok")
