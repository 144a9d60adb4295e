"""Callbacks: a `.waitForTaskToken` task answered with SendTaskSuccess, SendTaskFailure (caught
and uncaught) and SendTaskHeartbeat, and the errors AWS gives for closed, unknown and garbage
tokens and for output that is not JSON. The server runs the state `Notify` with a local command
that hands nothing on (`--task Notify=...`): the token is read from the TaskScheduled event."""
import json
import time

from botocore.exceptions import ClientError

from common import ROLE
from sfn_common import dumps, history, message, raises, sfn_client, status_is, task_token

sfn = sfn_client()
X = sfn.exceptions


def approval(heartbeat):
    return dumps({
        "StartAt": "Notify",
        "States": {
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                    "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"},
                },
                "HeartbeatSeconds": heartbeat,
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    })


machine = sfn.create_state_machine(name="approval", definition=approval(60), roleArn=ROLE)["stateMachineArn"]


def start(arn=machine, order=7):
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": order}))["executionArn"]
    return execution, task_token(sfn, execution)


# --- Success, after a heartbeat; output that is not JSON is refused and leaves the task open.
execution, token = start()
assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
assert sfn.send_task_heartbeat(taskToken=token)["ResponseMetadata"]["HTTPStatusCode"] == 200
e = raises(X.InvalidOutput, sfn.send_task_success, taskToken=token, output="not json")
assert message(e).startswith("Invalid Output"), message(e)
raises(X.InvalidOutput, sfn.send_task_success, taskToken=token, output="{\"a\": }")
sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True, "by": "ana"}))
d = status_is(sfn, execution, "SUCCEEDED")
assert json.loads(d["output"]) == {"approved": True, "by": "ana"}, d
events = history(sfn, execution)
types = [e["type"] for e in events]
assert types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                 "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"], types
scheduled = events[2]["taskScheduledEventDetails"]
assert scheduled["resourceType"] == "sqs" and scheduled["resource"] == "sendMessage.waitForTaskToken", scheduled
assert scheduled["heartbeatInSeconds"] == 60, scheduled
assert json.loads(scheduled["parameters"])["MessageBody"] == {"order": 7, "token": token}, scheduled
assert json.loads(events[5]["taskSucceededEventDetails"]["output"]) == {"approved": True, "by": "ana"}, events[5]

# --- The task is closed: every answer with its token is TaskTimedOut.
for call in [lambda: sfn.send_task_success(taskToken=token, output="{}"),
             lambda: sfn.send_task_failure(taskToken=token, error="Late"),
             lambda: sfn.send_task_heartbeat(taskToken=token)]:
    e = raises(X.TaskTimedOut, call)
    assert message(e) == "Task Timed Out: 'Provided task does not exist anymore'", message(e)

# --- Tokens that are not tokens, and tokens of no task.
for garbage in ["not a token!", "é" * 10, "a.b.c"]:
    e = raises(X.InvalidToken, sfn.send_task_success, taskToken=garbage, output="{}")
    assert message(e) == "Invalid Token: 'Invalid token'", message(e)
raises(X.InvalidToken, sfn.send_task_heartbeat, taskToken="not a token!")
raises(X.InvalidToken, sfn.send_task_failure, taskToken="not a token!")
unknown = "A" * 43
raises(X.TaskDoesNotExist, sfn.send_task_success, taskToken=unknown, output="{}")
raises(X.TaskDoesNotExist, sfn.send_task_failure, taskToken=unknown)
raises(X.TaskDoesNotExist, sfn.send_task_heartbeat, taskToken=unknown)

# --- Over the API's length limits: a validation error, the task untouched.
execution, token = start()
for call in [lambda: sfn.send_task_failure(taskToken=token, error="E" * 257),
             lambda: sfn.send_task_failure(taskToken=token, cause="C" * 32769),
             lambda: sfn.send_task_success(taskToken=token, output=json.dumps("x" * 262144)),
             lambda: sfn.send_task_success(taskToken="T" * 2049, output="{}")]:
    e = raises(ClientError, call)
    assert e.response["Error"]["Code"] == "ValidationException", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"

# --- A failure the Catch handles.
sfn.send_task_failure(taskToken=token, error="Rejected", cause="out of stock")
d = status_is(sfn, execution, "SUCCEEDED")
assert json.loads(d["output"]) == {"order": 7, "rejection": {"Error": "Rejected", "Cause": "out of stock"}}, d
events = history(sfn, execution)
failed = [e for e in events if e["type"] == "TaskFailed"][0]["taskFailedEventDetails"]
assert failed["error"] == "Rejected" and failed["cause"] == "out of stock", failed
assert [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == "PassStateEntered"] == ["Handled"]

# --- A failure nobody catches fails the execution with its error and cause.
execution, token = start()
sfn.send_task_failure(taskToken=token, error="Payment.Declined", cause="card expired")
d = status_is(sfn, execution, "FAILED")
assert d["error"] == "Payment.Declined" and d["cause"] == "card expired", d
assert history(sfn, execution)[-1]["type"] == "ExecutionFailed"
# ... and without error or cause, neither is reported.
execution, token = start()
sfn.send_task_failure(taskToken=token)
d = status_is(sfn, execution, "FAILED")
assert "error" not in d and "cause" not in d, d

# --- Heartbeats keep a task with HeartbeatSeconds 1 alive; without them it times out.
beating = sfn.create_state_machine(name="beating", definition=approval(1), roleArn=ROLE)["stateMachineArn"]
execution, token = start(beating)
until = time.time() + 2.5
while time.time() < until:
    sfn.send_task_heartbeat(taskToken=token)
    time.sleep(0.3)
assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
sfn.send_task_success(taskToken=token, output='"in time"')
assert status_is(sfn, execution, "SUCCEEDED")["output"] == '"in time"'

execution, token = start(beating)
d = status_is(sfn, execution, "FAILED", timeout=10)
assert d["error"] == "States.Timeout", d
assert "TaskTimedOut" in [e["type"] for e in history(sfn, execution)]
raises(X.TaskTimedOut, sfn.send_task_success, taskToken=token, output="{}")

# --- Stopping the execution closes its task.
execution, token = start()
sfn.stop_execution(executionArn=execution)
raises(X.TaskTimedOut, sfn.send_task_success, taskToken=token, output="{}")
print("ok")
