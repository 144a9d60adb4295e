"""A state machine's `arn:aws:states:::sqs:sendMessage` tasks and boto3 see the same queue: an
execution started through the Step Functions API of the server sends (to the server's queue URL
and to an AWS-style URL of the same name), and boto3 receives what it sent, while long polling."""
import json
import threading
import time

from common import ROLE, client
from sqs_common import check_digests, sqs

sfn = client("stepfunctions")
url = sqs.create_queue(QueueName="from-sfn")["QueueUrl"]
definition = {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": url,
                "MessageBody.$": "$.order",
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}},
            },
            "ResultPath": "$.first",
            "Next": "SendViaAwsUrl",
        },
        "SendViaAwsUrl": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/from-sfn",
                "MessageBody": "second",
            },
            "ResultPath": "$.second",
            "End": True,
        },
    },
}
machine = sfn.create_state_machine(name="sender", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]

# A consumer already waiting when the execution starts.
received = []


def consume():
    consumer = client("sqs")
    deadline = time.monotonic() + 10
    while len(received) < 2 and time.monotonic() < deadline:
        got = consumer.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"])
        received.extend(got.get("Messages", []))


consumer = threading.Thread(target=consume)
consumer.start()
time.sleep(0.2)
order = {"id": 7, "items": ["tea"]}
execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"order": order}))["executionArn"]
deadline = time.monotonic() + 10
while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
    assert time.monotonic() < deadline, described
    time.sleep(0.05)
assert described["status"] == "SUCCEEDED", described
output = json.loads(described["output"])
consumer.join()

assert len(received) == 2, received
by_body = {m["Body"]: m for m in received}
[first] = [m for m in received if m["Body"] != "second"]
assert json.loads(first["Body"]) == order, first
assert first["MessageId"] == output["first"]["MessageId"], (first, output)
assert first["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "order"}}, first
assert first["MD5OfMessageAttributes"] == output["first"]["MD5OfMessageAttributes"], (first, output)
assert by_body["second"]["MessageId"] == output["second"]["MessageId"], (by_body, output)
for m in received:
    check_digests(m)
    assert m["MD5OfBody"] in (output["first"]["MD5OfMessageBody"], output["second"]["MD5OfMessageBody"])
print("ok")
