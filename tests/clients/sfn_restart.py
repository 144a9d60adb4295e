"""Nothing is lost when the server is killed: `start STATE_FILE` leaves executions waiting (for
callbacks, an activity worker and a Wait timer) and writes what it needs to STATE_FILE; after
SIGKILL and a restart on the same database, `finish STATE_FILE` checks they are still RUNNING
and completes them. The server runs the state `Notify` with a command that swallows its input."""
import json
import sys
import threading

from common import ROLE
from sfn_common import dumps, history, sfn_client, status_is, task_token

sfn = sfn_client()
X = sfn.exceptions
phase, path = sys.argv[1], sys.argv[2]

if phase == "start":
    notify = sfn.create_state_machine(name="notify", roleArn=ROLE, definition=dumps({
        "StartAt": "Notify", "States": {"Notify": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                           "MessageBody": {"n.$": "$.n", "token.$": "$$.Task.Token"}},
            "End": True}}}))["stateMachineArn"]
    callbacks = []
    for n in range(3):
        arn = sfn.start_execution(stateMachineArn=notify, name=f"cb-{n}", input=json.dumps({"n": n}))["executionArn"]
        callbacks.append({"arn": arn, "token": task_token(sfn, arn)})
    activity = sfn.create_activity(name="survive")["activityArn"]
    worked = sfn.create_state_machine(name="worked", roleArn=ROLE, definition=dumps({
        "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}))["stateMachineArn"]
    worked_run = sfn.start_execution(stateMachineArn=worked, name="act", input='{"job": 1}')["executionArn"]
    waited = sfn.create_state_machine(name="waited", roleArn=ROLE, definition=dumps({
        "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": True}}}))["stateMachineArn"]
    waited_run = sfn.start_execution(stateMachineArn=waited, name="timer")["executionArn"]
    # Scheduled but not yet taken: wait for the ActivityScheduled event.
    status_is(sfn, worked_run, "RUNNING")
    assert any(e["type"] == "ActivityScheduled" for e in history(sfn, worked_run))
    with open(path, "w") as f:
        json.dump({"callbacks": callbacks, "activity": activity, "worked": worked_run, "waited": waited_run}, f)
    print("ok")
    sys.exit(0)

assert phase == "finish", phase
with open(path) as f:
    saved = json.load(f)

for c in saved["callbacks"]:
    assert sfn.describe_execution(executionArn=c["arn"])["status"] == "RUNNING", c
assert sfn.describe_execution(executionArn=saved["worked"])["status"] == "RUNNING"
# The callbacks complete the executions that waited across the kill.
for i, c in enumerate(saved["callbacks"]):
    sfn.send_task_success(taskToken=c["token"], output=json.dumps({"answer": i}))
for i, c in enumerate(saved["callbacks"]):
    d = status_is(sfn, c["arn"], "SUCCEEDED")
    assert json.loads(d["output"]) == {"answer": i}, d
    raises_timed_out = False
    try:
        sfn.send_task_success(taskToken=c["token"], output="{}")
    except X.TaskTimedOut:
        raises_timed_out = True
    assert raises_timed_out, c
# The activity task scheduled before the kill is still there for a worker.
got = {}


def worker():
    task = sfn_client().get_activity_task(activityArn=saved["activity"], workerName="after-restart")
    got.update(task)


t = threading.Thread(target=worker)
t.start()
t.join(15)
assert json.loads(got["input"]) == {"job": 1}, got
sfn.send_task_success(taskToken=got["taskToken"], output='{"done": 1}')
assert json.loads(status_is(sfn, saved["worked"], "SUCCEEDED")["output"]) == {"done": 1}
# The Wait timer armed before the kill fires after the restart.
status_is(sfn, saved["waited"], "SUCCEEDED", timeout=10)
print("ok")
