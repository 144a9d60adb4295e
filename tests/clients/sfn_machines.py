"""State machines: create (idempotent), describe, list with a paginator, update with revisions,
DescribeStateMachineForExecution, delete, InvalidDefinition, InvalidName, and
ValidateStateMachineDefinition."""
import json

from common import ROLE
from sfn_common import dumps, is_datetime, message, pass_machine, raises, sfn_client, status_is, wait_machine

sfn = sfn_client()
X = sfn.exceptions

# Create, and create again with the same definition: the same machine.
first = sfn.create_state_machine(name="orders", definition=pass_machine({"v": 1}), roleArn=ROLE)
arn = first["stateMachineArn"]
assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:orders", arn
assert is_datetime(first["creationDate"]), first
again = sfn.create_state_machine(name="orders", definition=pass_machine({"v": 1}), roleArn=ROLE)
assert again["stateMachineArn"] == arn and again["creationDate"] == first["creationDate"], again

# The same name with another definition, or another role, is a conflict.
e = raises(X.StateMachineAlreadyExists, sfn.create_state_machine, name="orders", definition=pass_machine({"v": 2}), roleArn=ROLE)
assert arn in message(e), message(e)
raises(X.StateMachineAlreadyExists, sfn.create_state_machine, name="orders", definition=pass_machine({"v": 1}),
       roleArn="arn:aws:iam::123456789012:role/other")

d = sfn.describe_state_machine(stateMachineArn=arn)
assert d["stateMachineArn"] == arn and d["name"] == "orders", d
assert d["status"] == "ACTIVE" and d["type"] == "STANDARD", d
assert json.loads(d["definition"]) == json.loads(pass_machine({"v": 1})), d
assert d["roleArn"] == ROLE, d
assert d["creationDate"] == first["creationDate"], d
assert d["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}, d
assert d["tracingConfiguration"] == {"enabled": False}, d
assert "revisionId" not in d, d

# Errors naming the machine.
missing = arn + "-nope"
e = raises(X.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=missing)
assert missing in message(e), message(e)
raises(X.InvalidArn, sfn.describe_state_machine, stateMachineArn="not-an-arn")
raises(X.InvalidArn, sfn.describe_state_machine, stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:orders")

# InvalidName: whitespace, forbidden characters, over 80 characters.
for bad in ["has space", "a/b", "q?", "x" * 81, "tab\tname"]:
    e = raises(X.InvalidName, sfn.create_state_machine, name=bad, definition=pass_machine(), roleArn=ROLE)
    assert "Invalid Name" in message(e), message(e)

# InvalidDefinition names every problem with its location.
broken = dumps({
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "Nowhere"},
        "B": {"Type": "Teleport", "End": True},
    },
})
e = raises(X.InvalidDefinition, sfn.create_state_machine, name="broken", definition=broken, roleArn=ROLE)
text = message(e)
assert text.startswith("Invalid State Machine Definition: '"), text
assert "MISSING_TRANSITION_TARGET" in text and "at /States/A/Next" in text, text
assert "SCHEMA_VALIDATION_FAILED" in text and "at /States/B/Type" in text, text
raises(X.InvalidDefinition, sfn.create_state_machine, name="notjson", definition="{not json", roleArn=ROLE)
# A problem without a single location reads `at null`, as on AWS.
loop = dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}})
e = raises(X.InvalidDefinition, sfn.create_state_machine, name="loop", definition=loop, roleArn=ROLE)
assert "MISSING_END_STATE" in message(e) and "at null" in message(e), message(e)
# Express machines cannot wait for callbacks or activities.
callback = dumps({"StartAt": "T", "States": {"T": {
    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"}, "End": True}}})
e = raises(X.InvalidDefinition, sfn.create_state_machine, name="fast", type="EXPRESS", definition=callback, roleArn=ROLE)
assert "'.waitForTaskToken'" in message(e) and "/States/T/Resource" in message(e), message(e)
express = sfn.validate_state_machine_definition(definition=callback, type="EXPRESS")
assert express["result"] == "FAIL" and express["diagnostics"][0]["location"] == "/States/T/Resource", express
assert sfn.validate_state_machine_definition(definition=callback)["result"] == "OK"
raises(X.StateMachineDoesNotExist, sfn.describe_state_machine,
       stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:broken")

# ValidateStateMachineDefinition: OK, and FAIL with every diagnostic (HTTP 200 both ways).
ok = sfn.validate_state_machine_definition(definition=pass_machine())
assert ok["result"] == "OK" and ok["diagnostics"] == [] and ok["truncated"] is False, ok
fail = sfn.validate_state_machine_definition(definition=broken)
assert fail["result"] == "FAIL", fail
found = {(d["code"], d.get("location")) for d in fail["diagnostics"]}
assert ("MISSING_TRANSITION_TARGET", "/States/A/Next") in found, fail
assert ("SCHEMA_VALIDATION_FAILED", "/States/B/Type") in found, fail
assert all(d["severity"] == "ERROR" and d["message"] for d in fail["diagnostics"]), fail
one = sfn.validate_state_machine_definition(definition=broken, maxResults=1)
assert len(one["diagnostics"]) == 1 and one["truncated"] is True, one
empty = sfn.validate_state_machine_definition(definition="{}")
assert empty["result"] == "FAIL" and empty["diagnostics"][0]["code"] == "SCHEMA_VALIDATION_FAILED", empty
garbage = sfn.validate_state_machine_definition(definition="not json")
assert garbage["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION", garbage

# List: every machine, page by page.
names = ["orders"] + [f"m{i:02d}" for i in range(7)]
for n in names[1:]:
    sfn.create_state_machine(name=n, definition=pass_machine(), roleArn=ROLE)
pages = list(sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 3}))
assert len(pages) == 3, [len(p["stateMachines"]) for p in pages]
listed = [m for p in pages for m in p["stateMachines"]]
assert sorted(m["name"] for m in listed) == sorted(names), listed
assert len({m["stateMachineArn"] for m in listed}) == len(names), listed
assert all(m["type"] == "STANDARD" and is_datetime(m["creationDate"]) for m in listed), listed
assert "nextToken" not in pages[-1], pages[-1]
raises(X.InvalidToken, sfn.list_state_machines, nextToken="!!not a token!!")

# Update: a new revision; executions keep the definition they started with.
slow = sfn.create_state_machine(name="slow", definition=wait_machine(60), roleArn=ROLE)["stateMachineArn"]
old_run = sfn.start_execution(stateMachineArn=slow, name="old")["executionArn"]
updated = sfn.update_state_machine(stateMachineArn=slow, definition=pass_machine({"v": "new"}))
assert is_datetime(updated["updateDate"]) and updated["revisionId"], updated
d = sfn.describe_state_machine(stateMachineArn=slow)
assert d["revisionId"] == updated["revisionId"], d
assert json.loads(d["definition"]) == json.loads(pass_machine({"v": "new"})), d
new_run = sfn.start_execution(stateMachineArn=slow, name="new")["executionArn"]
status_is(sfn, new_run, "SUCCEEDED")
for_old = sfn.describe_state_machine_for_execution(executionArn=old_run)
assert json.loads(for_old["definition"]) == json.loads(wait_machine(60)), for_old
assert for_old["stateMachineArn"] == slow and for_old["name"] == "slow", for_old
assert for_old["roleArn"] == ROLE and is_datetime(for_old["updateDate"]), for_old
assert "revisionId" not in for_old, for_old  # the first revision has no id
for_new = sfn.describe_state_machine_for_execution(executionArn=new_run)
assert json.loads(for_new["definition"]) == json.loads(pass_machine({"v": "new"})), for_new
assert for_new["revisionId"] == updated["revisionId"], for_new
assert for_new["updateDate"] == updated["updateDate"], (for_new, updated)
assert sfn.describe_execution(executionArn=old_run)["status"] == "RUNNING"

# A second update: the older execution still reports the revision it ran.
second = sfn.update_state_machine(stateMachineArn=slow, roleArn="arn:aws:iam::123456789012:role/second")
assert second["revisionId"] != updated["revisionId"], second
assert sfn.describe_state_machine_for_execution(executionArn=new_run)["revisionId"] == updated["revisionId"]
assert sfn.describe_state_machine(stateMachineArn=slow)["roleArn"] == "arn:aws:iam::123456789012:role/second"

# Update errors.
raises(X.InvalidDefinition, sfn.update_state_machine, stateMachineArn=slow, definition=broken)
assert json.loads(sfn.describe_state_machine(stateMachineArn=slow)["definition"]) == json.loads(pass_machine({"v": "new"}))
raises(X.MissingRequiredParameter, sfn.update_state_machine, stateMachineArn=slow)
raises(X.StateMachineDoesNotExist, sfn.update_state_machine, stateMachineArn=missing, definition=pass_machine())

# Delete: gone from describe and list; deleting again is fine; the running execution goes on.
sfn.delete_state_machine(stateMachineArn=slow)
raises(X.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=slow)
assert "slow" not in [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
sfn.delete_state_machine(stateMachineArn=slow)
raises(X.StateMachineDoesNotExist, sfn.start_execution, stateMachineArn=slow)
assert sfn.describe_execution(executionArn=old_run)["status"] == "RUNNING"
print("ok")
