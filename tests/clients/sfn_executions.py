"""Executions: StartExecution (names, idempotency, errors), DescribeExecution, ListExecutions
with statusFilter and a paginator, StopExecution, GetExecutionHistory (pages, reverseOrder,
includeExecutionData), StartSyncExecution on Express machines, and a 1 s Wait."""
import json
import re
import time

from common import ROLE
from sfn_common import (dumps, history, is_datetime, message, pass_machine, raises, sfn_client, status_is,
                        wait_machine)

sfn = sfn_client()
X = sfn.exceptions
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

waiting = sfn.create_state_machine(name="waiting", definition=wait_machine(600), roleArn=ROLE)["stateMachineArn"]
quick = sfn.create_state_machine(name="quick", definition=pass_machine({"done": True}), roleArn=ROLE)["stateMachineArn"]

# --- StartExecution
default = sfn.start_execution(stateMachineArn=quick)
name = default["executionArn"].rsplit(":", 1)[1]
assert UUID.match(name), default
assert default["executionArn"] == f"arn:aws:states:us-east-1:123456789012:execution:quick:{name}", default
assert is_datetime(default["startDate"]), default

first = sfn.start_execution(stateMachineArn=waiting, name="same", input='{"a": 1}')
again = sfn.start_execution(stateMachineArn=waiting, name="same", input='{"a": 1}')
assert again["executionArn"] == first["executionArn"] and again["startDate"] == first["startDate"], (first, again)
e = raises(X.ExecutionAlreadyExists, sfn.start_execution, stateMachineArn=waiting, name="same", input='{"a": 2}')
assert first["executionArn"] in message(e), message(e)
done = sfn.start_execution(stateMachineArn=quick, name="closed", input="{}")["executionArn"]
status_is(sfn, done, "SUCCEEDED")
raises(X.ExecutionAlreadyExists, sfn.start_execution, stateMachineArn=quick, name="closed", input="{}")

for bad in ["has space", "slash/name", "x" * 81, "star*"]:
    raises(X.InvalidName, sfn.start_execution, stateMachineArn=quick, name=bad)
for bad in ["not json", "{'a': 1}", "", "{\"a\": }"]:
    e = raises(X.InvalidExecutionInput, sfn.start_execution, stateMachineArn=quick, input=bad)
    assert message(e).startswith("Invalid State Machine Execution Input: '"), message(e)
# Any JSON text is input, not only objects.
scalar = sfn.start_execution(stateMachineArn=quick, input="2")["executionArn"]
assert sfn.describe_execution(executionArn=scalar)["input"] == "2"

missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nope"
e = raises(X.StateMachineDoesNotExist, sfn.start_execution, stateMachineArn=missing)
assert missing in message(e), message(e)
for bad in ["nope", "arn:aws:states:us-east-1:123456789012:activity:quick", "arn:aws:sqs:us-east-1:1:q"]:
    raises(X.InvalidArn, sfn.start_execution, stateMachineArn=bad)

# --- DescribeExecution
d = sfn.describe_execution(executionArn=done)
assert d["executionArn"] == done and d["stateMachineArn"] == quick and d["name"] == "closed", d
assert d["status"] == "SUCCEEDED" and d["input"] == "{}" and json.loads(d["output"]) == {"done": True}, d
assert d["inputDetails"] == {"included": True} and d["outputDetails"] == {"included": True}, d
assert is_datetime(d["startDate"]) and is_datetime(d["stopDate"]) and d["stopDate"] >= d["startDate"], d
assert d["redriveCount"] == 0 and d["redriveStatus"] == "NOT_REDRIVABLE", d
events = history(sfn, done)
assert events[0]["timestamp"] == d["startDate"] and events[-1]["timestamp"] == d["stopDate"], (events, d)
running = sfn.describe_execution(executionArn=first["executionArn"])
assert running["status"] == "RUNNING" and "stopDate" not in running and "output" not in running, running
assert json.loads(running["input"]) == {"a": 1}, running
raises(X.ExecutionDoesNotExist, sfn.describe_execution, executionArn=done + "-nope")
raises(X.InvalidArn, sfn.describe_execution, executionArn=quick)

# --- A Wait of 1 s completes on its own.
one = sfn.create_state_machine(name="one-second", definition=dumps({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
    "P": {"Type": "Pass", "Result": "waited", "End": True}}}), roleArn=ROLE)["stateMachineArn"]
t0 = time.time()
w = sfn.start_execution(stateMachineArn=one)["executionArn"]
assert sfn.describe_execution(executionArn=w)["status"] == "RUNNING"
d = status_is(sfn, w, "SUCCEEDED", timeout=10)
elapsed = time.time() - t0
assert 0.9 <= elapsed < 5, elapsed
assert d["output"] == '"waited"', d
assert (d["stopDate"] - d["startDate"]).total_seconds() >= 0.99, d
assert [e["type"] for e in history(sfn, w)] == [
    "ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited",
    "ExecutionSucceeded"]

# --- StopExecution
stopped = sfn.start_execution(stateMachineArn=waiting, name="to-stop")["executionArn"]
answer = sfn.stop_execution(executionArn=stopped, error="Operator.Cancelled", cause="no longer needed")
assert is_datetime(answer["stopDate"]), answer
d = sfn.describe_execution(executionArn=stopped)
assert d["status"] == "ABORTED" and d["error"] == "Operator.Cancelled" and d["cause"] == "no longer needed", d
assert d["stopDate"] == answer["stopDate"], (d, answer)
events = history(sfn, stopped)
assert events[-1]["type"] == "ExecutionAborted", events
assert events[-1]["previousEventId"] == 0, events[-1]
assert events[-1]["executionAbortedEventDetails"] == {"error": "Operator.Cancelled", "cause": "no longer needed"}, events[-1]
# Stopping again changes nothing.
assert sfn.stop_execution(executionArn=stopped)["stopDate"] == answer["stopDate"]
assert sfn.describe_execution(executionArn=stopped)["error"] == "Operator.Cancelled"
bare = sfn.start_execution(stateMachineArn=waiting)["executionArn"]
sfn.stop_execution(executionArn=bare)
d = sfn.describe_execution(executionArn=bare)
assert d["status"] == "ABORTED" and "error" not in d and "cause" not in d, d
raises(X.ExecutionDoesNotExist, sfn.stop_execution, executionArn=bare + "-nope")

# --- ListExecutions: filters and pages.
for i in range(5):
    sfn.start_execution(stateMachineArn=waiting, name=f"run-{i}")
paginator = sfn.get_paginator("list_executions")


def listed(**kwargs):
    pages = list(paginator.paginate(stateMachineArn=waiting, PaginationConfig={"PageSize": 2}, **kwargs))
    return pages, [x for p in pages for x in p["executions"]]


pages, everything = listed()
# same, to-stop, a default name, run-0..4: 8 executions.
assert len(everything) == 8 and len(pages) == 4, [len(p["executions"]) for p in pages]
assert len({x["executionArn"] for x in everything}) == 8, everything
starts = [x["startDate"] for x in everything]
assert starts == sorted(starts, reverse=True), starts  # newest first
pages, running = listed(statusFilter="RUNNING")
assert {x["name"] for x in running} == {"same", "run-0", "run-1", "run-2", "run-3", "run-4"}, running
assert all(x["status"] == "RUNNING" and "stopDate" not in x for x in running), running
_, aborted = listed(statusFilter="ABORTED")
assert len(aborted) == 2 and all(is_datetime(x["stopDate"]) for x in aborted), aborted
item = aborted[0]
assert set(item) >= {"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate"}, item
_, none = listed(statusFilter="FAILED")
assert none == [], none
raises(X.ClientError, sfn.list_executions, stateMachineArn=waiting, statusFilter="running")
raises(X.InvalidToken, sfn.list_executions, stateMachineArn=waiting, nextToken="garbage")
raises(X.StateMachineDoesNotExist, sfn.list_executions, stateMachineArn=missing)

# --- GetExecutionHistory
full = sfn.get_execution_history(executionArn=w)["events"]
assert [e["id"] for e in full] == list(range(1, len(full) + 1)), full
assert all(is_datetime(e["timestamp"]) for e in full), full
started = full[0]
assert started["type"] == "ExecutionStarted" and started["previousEventId"] == 0, started
assert started["executionStartedEventDetails"]["input"] == "{}", started
assert started["executionStartedEventDetails"]["roleArn"] == ROLE, started
page1 = sfn.get_execution_history(executionArn=w, maxResults=4)
assert [e["id"] for e in page1["events"]] == [1, 2, 3, 4] and page1["nextToken"], page1
page2 = sfn.get_execution_history(executionArn=w, maxResults=4, nextToken=page1["nextToken"])
assert [e["id"] for e in page2["events"]] == [5, 6] and "nextToken" not in page2, page2
assert [e["id"] for e in history(sfn, w, PaginationConfig={"PageSize": 1})] == [1, 2, 3, 4, 5, 6]
backwards = history(sfn, w, reverseOrder=True, PaginationConfig={"PageSize": 4})
assert [e["id"] for e in backwards] == [6, 5, 4, 3, 2, 1], backwards
assert backwards[0]["type"] == "ExecutionSucceeded", backwards
lean = sfn.get_execution_history(executionArn=w, includeExecutionData=False)["events"]
assert [e["type"] for e in lean] == [e["type"] for e in full]
for e in lean:
    details = [v for k, v in e.items() if k.endswith("EventDetails")]
    for det in details:
        assert "input" not in det and "output" not in det, e
assert lean[0]["executionStartedEventDetails"]["roleArn"] == ROLE, lean[0]
assert lean[1]["stateEnteredEventDetails"]["name"] == "W", lean[1]
raises(X.ExecutionDoesNotExist, sfn.get_execution_history, executionArn=done + "-nope")
raises(X.InvalidToken, sfn.get_execution_history, executionArn=w, nextToken="garbage")

# --- Express: StartSyncExecution. The SDKs prefix the host with "sync-" for this operation;
# a local endpoint needs inject_host_prefix=False.
sync = sfn_client(inject_host_prefix=False)
fast = sfn.create_state_machine(name="fast", type="EXPRESS", roleArn=ROLE, definition=dumps({
    "StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True}}}))["stateMachineArn"]
assert sfn.describe_state_machine(stateMachineArn=fast)["type"] == "EXPRESS"
ok = sync.start_sync_execution(stateMachineArn=fast, name="sync-one", input='{"n": 21}')
assert ok["status"] == "SUCCEEDED" and json.loads(ok["output"]) == {"doubled": 42}, ok
assert ok["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:fast:sync-one:"), ok
assert ok["stateMachineArn"] == fast and ok["name"] == "sync-one" and ok["input"] == '{"n": 21}', ok
assert is_datetime(ok["startDate"]) and is_datetime(ok["stopDate"]), ok
assert ok["billingDetails"]["billedDurationInMilliseconds"] >= 100, ok
assert "error" not in ok, ok
failing = sfn.create_state_machine(name="failing", type="EXPRESS", roleArn=ROLE, definition=dumps({
    "StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Order.Invalid", "Cause": "no items"}}}))["stateMachineArn"]
bad = sync.start_sync_execution(stateMachineArn=failing)
assert bad["status"] == "FAILED" and bad["error"] == "Order.Invalid" and bad["cause"] == "no items", bad
assert "output" not in bad, bad
e = raises(X.StateMachineTypeNotSupported, sync.start_sync_execution, stateMachineArn=quick)
raises(X.StateMachineDoesNotExist, sync.start_sync_execution, stateMachineArn=missing)
raises(X.InvalidExecutionInput, sync.start_sync_execution, stateMachineArn=fast, input="nope")
# Express executions are not described, listed or given a history through the API.
raises(X.InvalidArn, sfn.describe_execution, executionArn=ok["executionArn"])
raises(X.InvalidArn, sfn.get_execution_history, executionArn=ok["executionArn"])
raises(X.StateMachineTypeNotSupported, sfn.list_executions, stateMachineArn=fast)
# StartExecution on Express: a new execution each time, even with the same name and input.
a = sfn.start_execution(stateMachineArn=fast, name="twice", input='{"n": 1}')
b = sfn.start_execution(stateMachineArn=fast, name="twice", input='{"n": 1}')
assert a["executionArn"] != b["executionArn"], (a, b)
assert a["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:fast:twice:"), a
print("ok")
