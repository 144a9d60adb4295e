"""The AWS CLI against the server: create-queue, send-message, receive-message, delete-message
and an error, checking exit codes and output."""
import json
import subprocess

from common import ENDPOINT
from sqs_common import md5_of_attributes, md5_of_body


def aws(*args, ok=True):
    p = subprocess.run(["aws", "--endpoint-url", ENDPOINT, "--output", "json", "sqs", *args],
                       capture_output=True, text=True, timeout=60)
    if ok:
        assert p.returncode == 0, f"aws sqs {args[0]} failed ({p.returncode}): {p.stderr}"
    return p


url = json.loads(aws("create-queue", "--queue-name", "cli-q").stdout)["QueueUrl"]
assert url == f"{ENDPOINT}/123456789012/cli-q", url
attributes = {"k": {"DataType": "String", "StringValue": "v"}, "n": {"DataType": "Number", "StringValue": "3"}}
sent = json.loads(aws("send-message", "--queue-url", url, "--message-body", "hello",
                      "--message-attributes", json.dumps(attributes)).stdout)
assert sent["MD5OfMessageBody"] == md5_of_body("hello"), sent
assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes), sent

got = json.loads(aws("receive-message", "--queue-url", url, "--message-attribute-names", "All",
                     "--attribute-names", "All", "--wait-time-seconds", "1").stdout)
[m] = got["Messages"]
assert m["Body"] == "hello" and m["MessageId"] == sent["MessageId"], m
assert m["MessageAttributes"] == attributes, m
assert m["Attributes"]["ApproximateReceiveCount"] == "1", m
# `=`: a receipt handle may start with "-", which argparse would take for an option.
aws("delete-message", "--queue-url", url, f"--receipt-handle={m['ReceiptHandle']}")
empty = aws("receive-message", "--queue-url", url)
assert empty.stdout.strip() == "", empty.stdout  # no messages: the CLI prints nothing

missing = aws("get-queue-url", "--queue-name", "nope", ok=False)
assert missing.returncode == 255, missing
assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr, missing.stderr
bad = aws("delete-message", "--queue-url", url, "--receipt-handle", "forged", ok=False)
assert bad.returncode == 255 and "ReceiptHandleIsInvalid" in bad.stderr, bad
print("ok")
