"""The shortest round trip: create, start, describe, a modeled error."""
import json

from common import ROLE, client

sfn = client("stepfunctions")
definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
arn = sfn.create_state_machine(name="smoke", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
started = sfn.start_execution(stateMachineArn=arn, name="one", input="{}")
described = sfn.describe_execution(executionArn=started["executionArn"])
assert described["status"] == "SUCCEEDED", described
assert json.loads(described["output"]) == {"ok": True}, described
try:
    sfn.describe_execution(executionArn=started["executionArn"] + "x")
    raise AssertionError("expected ExecutionDoesNotExist")
except sfn.exceptions.ExecutionDoesNotExist:
    pass
print("ok")
