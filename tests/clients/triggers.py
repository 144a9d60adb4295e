"""Queue triggers: every message on `greetings` starts one execution of `greet` with the body as
input and is deleted once it started; a body that is not JSON stays, is received again after the
visibility timeout, and goes to the dead-letter queue after maxReceiveCount receives."""
import json
import time

from common import client

sqs = client("sqs")
sfn = client("stepfunctions")
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:greet"

dlq_url = sqs.create_queue(QueueName="greetings-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
url = sqs.get_queue_url(QueueName="greetings")["QueueUrl"]  # created by serve for its trigger
sqs.set_queue_attributes(
    QueueUrl=url,
    Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}),
    },
)

names = [f"user-{i}" for i in range(7)]
sent = {}
for name in names:
    sent[sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"name": name}))["MessageId"]] = name
bad = sqs.send_message(QueueUrl=url, MessageBody="not json")["MessageId"]


def executions():
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=MACHINE)
    return [e for page in pages for e in page["executions"]]


deadline = time.time() + 10
while len(executions()) < len(names) and time.time() < deadline:
    time.sleep(0.05)
found = executions()
assert len(found) == len(names), found
for e in found:
    # The message id names the execution: a redelivered message cannot start a second one.
    assert e["name"] in sent, e
    described = sfn.describe_execution(executionArn=e["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["input"]) == {"name": sent[e["name"]]}
    assert json.loads(described["output"]) == {"greeting": f"Hello, {sent[e['name']]}!"}

# The bad message: received twice (1 s visibility each), then moved to the dead-letter queue.
deadline = time.time() + 10
moved = []
while not moved and time.time() < deadline:
    moved = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])
assert [m["MessageId"] for m in moved] == [bad], moved
assert moved[0]["Body"] == "not json"
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0", attrs
assert len(executions()) == len(names)
print("ok")
