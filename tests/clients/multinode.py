"""Several `stepwise serve` nodes on one PostgreSQL database, used the way a team would: boto3
starts N executions of a callback state machine spread over the nodes, worker threads receive
the SQS messages from any node and answer the task tokens through any node, while the test
harness kills a node with SIGKILL now and then and restarts it. Calls to a node that is down go
to another. At the end every execution is SUCCEEDED exactly once with the right output, and its
history has no gap and no duplicate.

Environment: STEPWISE_ENDPOINTS (comma-separated node URLs), MULTINODE_N (executions)."""
import json
import os
import random
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

ENDPOINTS = os.environ["STEPWISE_ENDPOINTS"].split(",")
N = int(os.environ.get("MULTINODE_N", "1000"))
ROLE = "arn:aws:iam::123456789012:role/test"
CONFIG = Config(retries={"max_attempts": 1}, read_timeout=20, connect_timeout=2)
DOWN = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectionError)
local = threading.local()


def clients(service):
    key = f"clients_{service}"
    if not hasattr(local, key):
        setattr(local, key, [
            boto3.client(service, endpoint_url=e, region_name="us-east-1", aws_access_key_id="test",
                         aws_secret_access_key="test", config=CONFIG)
            for e in ENDPOINTS
        ])
    return getattr(local, key)


def call(service, op, **kwargs):
    """`op` on a random node; a node that is down (or restarting) is skipped for another."""
    deadline = time.monotonic() + 60
    while True:
        client = random.choice(clients(service))
        try:
            return getattr(client, op)(**kwargs)
        except DOWN:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        except ClientError as e:
            # A node being killed may answer 5xx half-way; try another.
            if e.response["ResponseMetadata"].get("HTTPStatusCode", 0) >= 500 and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise


queue_url = call("sqs", "create_queue", QueueName="warehouse")["QueueUrl"]
queue_name_url = "https://sqs.us-east-1.amazonaws.com/123456789012/warehouse"
definition = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": queue_name_url,
                "MessageBody": {"n.$": "$.n", "token.$": "$$.Task.Token"},
            },
            "ResultPath": "$.answer",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "Parameters": {"n.$": "$.n", "doubled.$": "$.answer.doubled"}, "End": True},
    },
}
try:
    machine = call("stepfunctions", "create_state_machine", name="warehouse", definition=json.dumps(definition),
                   roleArn=ROLE)["stateMachineArn"]
except ClientError as e:
    raise SystemExit(f"create_state_machine: {e}")

answered = set()
answered_lock = threading.Lock()
stop = threading.Event()


def worker():
    while not stop.is_set():
        try:
            got = call("sqs", "receive_message", QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        except DOWN:
            continue
        for m in got.get("Messages", []):
            body = json.loads(m["Body"])
            try:
                call("stepfunctions", "send_task_success", taskToken=body["token"],
                     output=json.dumps({"doubled": body["n"] * 2}))
            except ClientError as e:
                # Answered before (a message redelivered after a node died): the task is closed.
                if e.response["Error"]["Code"] not in ("TaskTimedOut", "TaskDoesNotExist"):
                    raise
            with answered_lock:
                answered.add(body["n"])
            try:
                call("sqs", "delete_message", QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            except ClientError:
                pass  # the receipt handle went stale: the message comes back and is answered again


workers = [threading.Thread(target=worker, daemon=True) for _ in range(6)]
for w in workers:
    w.start()

started = time.monotonic()
arns = {}
for n in range(N):
    name = f"order-{n}"
    try:
        arns[n] = call("stepfunctions", "start_execution", stateMachineArn=machine, name=name,
                       input=json.dumps({"n": n}))["executionArn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        # The first attempt reached a node that died before answering: it started it.
        arns[n] = machine.replace(":stateMachine:", ":execution:") + ":" + name
print(f"started {N} executions in {time.monotonic() - started:.1f} s", flush=True)


def succeeded():
    found = set()
    token = None
    while True:
        kwargs = {"stateMachineArn": machine, "statusFilter": "SUCCEEDED", "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = call("stepfunctions", "list_executions", **kwargs)
        found.update(e["executionArn"] for e in page["executions"])
        token = page.get("nextToken")
        if not token:
            return found


deadline = time.monotonic() + float(os.environ.get("MULTINODE_TIMEOUT", "300"))
while len(done := succeeded()) < N:
    if time.monotonic() > deadline:
        missing = sorted(n for n, a in arns.items() if a not in done)[:20]
        raise SystemExit(f"only {len(done)} of {N} SUCCEEDED after the deadline; e.g. not: {missing}")
    time.sleep(0.5)
stop.set()
print(f"all {N} SUCCEEDED after {time.monotonic() - started:.1f} s", flush=True)

expected_types = ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                  "TaskSucceeded", "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
for n, arn in arns.items():
    d = call("stepfunctions", "describe_execution", executionArn=arn)
    assert d["status"] == "SUCCEEDED", (n, d)
    assert json.loads(d["output"]) == {"n": n, "doubled": 2 * n}, (n, d["output"])
    events = call("stepfunctions", "get_execution_history", executionArn=arn, maxResults=1000)["events"]
    ids = [e["id"] for e in events]
    assert ids == list(range(1, len(events) + 1)), (n, ids)
    types = [e["type"] for e in events]
    assert types == expected_types, (n, types)
print(f"checked {N} outputs and histories", flush=True)
