"""Activities: create (idempotent), describe, list, delete, ActivityDoesNotExist, and workers that
long-poll GetActivityTask in threads, receive tasks as soon as executions schedule them and
answer with SendTaskSuccess / SendTaskFailure."""
import json
import queue
import threading
import time

from botocore.exceptions import ReadTimeoutError

from common import ROLE
from sfn_common import dumps, history, is_datetime, message, raises, sfn_client, status_is, wait_for

sfn = sfn_client()
X = sfn.exceptions

# --- The registry.
created = sfn.create_activity(name="pack")
arn = created["activityArn"]
assert arn == "arn:aws:states:us-east-1:123456789012:activity:pack", created
assert is_datetime(created["creationDate"]), created
again = sfn.create_activity(name="pack")
assert again["activityArn"] == arn and again["creationDate"] == created["creationDate"], again
d = sfn.describe_activity(activityArn=arn)
assert d["activityArn"] == arn and d["name"] == "pack" and d["creationDate"] == created["creationDate"], d
for bad in ["has space", "a/b", "x" * 81]:
    raises(X.InvalidName, sfn.create_activity, name=bad)
missing = arn + "-nope"
e = raises(X.ActivityDoesNotExist, sfn.describe_activity, activityArn=missing)
assert missing in message(e), message(e)
raises(X.ActivityDoesNotExist, sfn.get_activity_task, activityArn=missing)
raises(X.InvalidArn, sfn.describe_activity, activityArn="arn:aws:states:us-east-1:123456789012:stateMachine:pack")

names = ["pack"] + [f"act-{i}" for i in range(4)]
for n in names[1:]:
    sfn.create_activity(name=n)
pages = list(sfn.get_paginator("list_activities").paginate(PaginationConfig={"PageSize": 2}))
assert len(pages) == 3, pages
listed = [a for p in pages for a in p["activities"]]
assert sorted(a["name"] for a in listed) == sorted(names), listed
assert all(is_datetime(a["creationDate"]) and a["activityArn"].endswith(":" + a["name"]) for a in listed), listed

# --- A worker thread long-polls before the execution starts and gets the task at once.
definition = dumps({"StartAt": "Pack", "States": {"Pack": {
    "Type": "Task", "Resource": arn, "TimeoutSeconds": 60, "HeartbeatSeconds": 30, "End": True}}})
machine = sfn.create_state_machine(name="packing", definition=definition, roleArn=ROLE)["stateMachineArn"]
received = queue.Queue()


def worker(answer):
    w = sfn_client()
    task = w.get_activity_task(activityArn=arn, workerName="packer-1")
    received.put((time.time(), task))
    answer(w, task)


def succeed(w, task):
    w.send_task_success(taskToken=task["taskToken"], output=json.dumps({"packed": json.loads(task["input"])}))


thread = threading.Thread(target=worker, args=(succeed,))
thread.start()
time.sleep(0.5)  # the worker is waiting in its long poll
started_at = time.time()
execution = sfn.start_execution(stateMachineArn=machine, input='{"items": 3}')["executionArn"]
got_at, task = received.get(timeout=10)
thread.join(10)
assert got_at - started_at < 2, f"the worker waited {got_at - started_at:.2f} s for the task"
assert json.loads(task["input"]) == {"items": 3} and task["taskToken"], task
d = status_is(sfn, execution, "SUCCEEDED")
assert json.loads(d["output"]) == {"packed": {"items": 3}}, d
events = history(sfn, execution)
types = [e["type"] for e in events]
assert types == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
                 "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"], types
# ActivityStarted is recorded when the worker takes the task, with the name it gave.
assert events[3]["activityStartedEventDetails"] == {"workerName": "packer-1"}, events[3]
scheduled = events[2]["activityScheduledEventDetails"]
assert scheduled["resource"] == arn and json.loads(scheduled["input"]) == {"items": 3}, scheduled
assert scheduled["timeoutInSeconds"] == 60 and scheduled["heartbeatInSeconds"] == 30, scheduled
assert json.loads(events[4]["activitySucceededEventDetails"]["output"]) == {"packed": {"items": 3}}, events[4]
raises(X.TaskTimedOut, sfn.send_task_success, taskToken=task["taskToken"], output="{}")

# --- A task scheduled while nobody polls waits for the next worker; a worker can fail it.
execution = sfn.start_execution(stateMachineArn=machine, input='{"items": 0}')["executionArn"]
time.sleep(0.3)
assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
waiting = [e["type"] for e in history(sfn, execution)]
assert waiting[-1] == "ActivityScheduled", f"no worker took the task yet: {waiting}"


def fail(w, task):
    w.send_task_failure(taskToken=task["taskToken"], error="Pack.Empty", cause="nothing to pack")


thread = threading.Thread(target=worker, args=(fail,))
thread.start()
_, task = received.get(timeout=10)
thread.join(10)
d = status_is(sfn, execution, "FAILED")
assert d["error"] == "Pack.Empty" and d["cause"] == "nothing to pack", d
failed = [e for e in history(sfn, execution) if e["type"] == "ActivityFailed"]
assert failed and failed[0]["activityFailedEventDetails"] == {"error": "Pack.Empty", "cause": "nothing to pack"}, failed

# --- The task of an execution stopped before any worker came is not handed out.
stopped = sfn.start_execution(stateMachineArn=machine, input='{"items": "stopped"}')["executionArn"]
wait_for(lambda: any(e["type"] == "ActivityScheduled" for e in history(sfn, stopped)), what="ActivityScheduled")
sfn.stop_execution(executionArn=stopped)
execution = sfn.start_execution(stateMachineArn=machine, input='{"items": "live"}')["executionArn"]
thread = threading.Thread(target=worker, args=(succeed,))
thread.start()
_, task = received.get(timeout=10)
thread.join(10)
assert json.loads(task["input"]) == {"items": "live"}, task
status_is(sfn, execution, "SUCCEEDED")

# --- A worker that gives up on its long poll does not swallow the next task.
impatient = sfn_client(read_timeout=1)
raises(ReadTimeoutError, impatient.get_activity_task, activityArn=arn)
execution = sfn.start_execution(stateMachineArn=machine, input='{"items": 1}')["executionArn"]
thread = threading.Thread(target=worker, args=(succeed,))
thread.start()
_, task = received.get(timeout=10)
thread.join(10)
assert json.loads(task["input"]) == {"items": 1}, task
status_is(sfn, execution, "SUCCEEDED")

# --- Two tasks, two workers: each task goes to exactly one of them.
threads = [threading.Thread(target=worker, args=(succeed,)) for _ in range(2)]
for t in threads:
    t.start()
time.sleep(0.3)
executions = [sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": i}))["executionArn"]
              for i in (10, 20)]
inputs = sorted(json.loads(received.get(timeout=10)[1]["input"])["items"] for _ in range(2))
assert inputs == [10, 20], inputs
for t in threads:
    t.join(10)
for x in executions:
    status_is(sfn, x, "SUCCEEDED")

# --- Delete: gone; deleting again is fine; a new execution cannot schedule the task.
sfn.delete_activity(activityArn=arn)
raises(X.ActivityDoesNotExist, sfn.describe_activity, activityArn=arn)
raises(X.ActivityDoesNotExist, sfn.get_activity_task, activityArn=arn)
assert "pack" not in [a["name"] for a in sfn.list_activities()["activities"]]
sfn.delete_activity(activityArn=arn)
execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
d = status_is(sfn, execution, "FAILED")
assert d["error"] == "States.Runtime" and arn in d["cause"], d
print("ok")
