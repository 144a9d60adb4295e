"""RedriveExecution: a failed execution continues from the state that failed, as AWS does —
the states before it do not run again, the history goes on with ExecutionRedriven, and the
execution counts its redrives. The Task `Flaky` fails the first time (the server's --task
command), then succeeds."""
import json
import time

from common import ROLE, client
from sfn_common import raises

sfn = client("stepfunctions")
definition = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.prepared", "Next": "Flaky"},
        "Flaky": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                  "OutputPath": "$.Payload", "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}
arn = sfn.create_state_machine(name="redrive", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"order": 7}))["executionArn"]


def wait(status_not):
    deadline = time.time() + 30
    while True:
        d = sfn.describe_execution(executionArn=execution)
        if d["status"] != status_not:
            return d
        assert time.time() < deadline, d
        time.sleep(0.05)


failed = wait("RUNNING")
assert failed["status"] == "FAILED", failed
assert failed["redriveStatus"] == "REDRIVABLE" and failed["redriveCount"] == 0, failed

redriven = sfn.redrive_execution(executionArn=execution)
assert "redriveDate" in redriven, redriven
done = wait("RUNNING")
assert done["status"] == "SUCCEEDED", done
assert json.loads(done["output"]) == {"order": 7, "prepared": {"n": 1}}, done
assert done["redriveCount"] == 1 and done["redriveStatus"] == "NOT_REDRIVABLE", done

events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
types = [e["type"] for e in events]
assert types.count("ExecutionFailed") == 1 and types.count("ExecutionRedriven") == 1, types
after = types[types.index("ExecutionRedriven"):]
assert "PassStateEntered" not in after[:2], after  # Prepare does not run again
assert after[1] == "TaskStateEntered", after
redriven_event = events[types.index("ExecutionRedriven")]
assert redriven_event["executionRedrivenEventDetails"] == {"redriveCount": 1}, redriven_event
assert types[-1] == "ExecutionSucceeded", types

# A succeeded execution cannot be redriven.
e = raises(sfn.exceptions.ExecutionNotRedrivable, sfn.redrive_execution, executionArn=execution)
print("ok")
