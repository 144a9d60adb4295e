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

# Variables: DescribeStateMachine lists what each state reads.
with_vars = {"StartAt": "Set", "States": {
    "Set": {"Type": "Pass", "Assign": {"guess": "a", "answer": "a"}, "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [
        {"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "Right"}], "Default": "Right"},
    "Right": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $answer %}", "End": True}}}
arn = sfn.create_state_machine(name="vars", definition=json.dumps(with_vars), roleArn=ROLE)["stateMachineArn"]
refs = sfn.describe_state_machine(stateMachineArn=arn)["variableReferences"]
assert refs == {"Check": ["answer", "guess"], "Right": ["answer"]}, refs
run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
assert json.loads(sfn.describe_execution(executionArn=run)["output"]) == "a"
print("ok")
