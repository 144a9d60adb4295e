"""The AWS CLI (`aws stepfunctions ... --endpoint-url URL`): create-state-machine,
start-execution, get-execution-history (the token, and pages), send-task-success,
describe-execution, list-executions, and an error: its message on stderr and exit code 255.
The server runs the state `Notify` with a command that swallows its input."""
import json
import os
import subprocess
import time

from common import ENDPOINT, ROLE


def aws(*args, ok=True):
    """Runs `aws stepfunctions ARGS` against the server; (exit code, stdout, stderr)."""
    p = subprocess.run(["aws", "stepfunctions", *args, "--endpoint-url", ENDPOINT, "--output", "json"],
                       capture_output=True, text=True, timeout=60, env=os.environ)
    if ok and p.returncode != 0:
        raise AssertionError(f"aws stepfunctions {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p.returncode, p.stdout, p.stderr


def call(*args):
    _, out, _ = aws(*args)
    return json.loads(out) if out.strip() else {}


definition = json.dumps({
    "StartAt": "Notify",
    "States": {
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                           "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
})
machine = call("create-state-machine", "--name", "cli", "--definition", definition, "--role-arn", ROLE)
arn = machine["stateMachineArn"]
assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:cli", machine
# AWS CLI v1 prints timestamps as they come on the wire: epoch seconds.
assert isinstance(machine["creationDate"], (int, float)) and machine["creationDate"] > 1.5e9, machine

started = call("start-execution", "--state-machine-arn", arn, "--name", "from-cli", "--input", '{"order": 1}')
execution = started["executionArn"]
assert execution.endswith(":execution:cli:from-cli"), started

token = None
deadline = time.time() + 10
while token is None:
    for e in call("get-execution-history", "--execution-arn", execution)["events"]:
        if e["type"] == "TaskScheduled":
            token = json.loads(e["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"]
    assert token or time.time() < deadline, "no TaskScheduled event"
    time.sleep(0.05)

assert call("describe-execution", "--execution-arn", execution)["status"] == "RUNNING"
call("send-task-success", "--task-token", token, "--task-output", '{"approved": true}')
deadline = time.time() + 10
while (d := call("describe-execution", "--execution-arn", execution))["status"] == "RUNNING":
    assert time.time() < deadline, d
    time.sleep(0.05)
assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"approved": True}, d
assert json.loads(d["input"]) == {"order": 1} and d["stopDate"] >= d["startDate"] > 1.5e9, d

# The CLI follows nextToken on its own: a page size of 2 still gives every event, in order.
events = call("get-execution-history", "--execution-arn", execution, "--page-size", "2")["events"]
assert [e["id"] for e in events] == list(range(1, len(events) + 1)), events
assert events[-1]["type"] == "ExecutionSucceeded", events
newest = call("get-execution-history", "--execution-arn", execution, "--reverse-order", "--max-items", "1")
assert [e["type"] for e in newest["events"]] == ["ExecutionSucceeded"], newest
listed = call("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED")
assert [x["name"] for x in listed["executions"]] == ["from-cli"], listed

# Errors: the code in the message, exit code 255.
code, out, err = aws("describe-execution", "--execution-arn", execution + "-nope", ok=False)
assert code == 255, (code, out, err)
assert "An error occurred (ExecutionDoesNotExist) when calling the DescribeExecution operation" in err, err
code, _, err = aws("send-task-success", "--task-token", token, "--task-output", "{}", ok=False)
assert code == 255 and "An error occurred (TaskTimedOut)" in err, (code, err)
code, _, err = aws("start-execution", "--state-machine-arn", arn, "--name", "from-cli", "--input", "{}", ok=False)
assert code == 255 and "(ExecutionAlreadyExists)" in err, (code, err)
print("ok")
