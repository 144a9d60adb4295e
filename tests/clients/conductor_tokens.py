"""A Conductor WAIT task is a waiting task with a task token, closed the way an ASL callback
task is: the token is in the task's JSON (conductor-python's get_workflow shows it), boto3's
send_task_success closes it, and a second answer gets AWS's TaskTimedOut."""
import os
import time

import boto3
import requests
from botocore.exceptions import ClientError
from conductor.client.configuration.configuration import Configuration
from conductor.client.orkes_clients import OrkesClients

API = os.environ["STEPWISE_ENDPOINT"] + "/api"
workflows = OrkesClients(configuration=Configuration(server_api_url=API)).get_workflow_client()
sfn = boto3.client("stepfunctions", endpoint_url=os.environ["STEPWISE_ENDPOINT"],
                   region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

WAIT = {
    "name": "approval",
    "version": 1,
    "schemaVersion": 2,
    "tasks": [
        {"name": "approve", "taskReferenceName": "approve_ref", "type": "WAIT"},
        {"name": "note", "taskReferenceName": "note_ref", "type": "SET_VARIABLE",
         "inputParameters": {"by": "${approve_ref.output.by}"}},
    ],
    "outputParameters": {"approvedBy": "${workflow.variables.by}"},
}


def wait_for(workflow_id, status):
    deadline = time.time() + 20
    while True:
        wf = requests.get(f"{API}/workflow/{workflow_id}").json()
        if wf["status"] == status:
            return wf
        assert time.time() < deadline, wf
        time.sleep(0.05)


def token_of(workflow_id):
    deadline = time.time() + 20
    while True:
        wf = workflows.get_workflow(workflow_id, include_tasks=True)
        waiting = [t for t in wf.tasks if t.reference_task_name == "approve_ref"]
        raw = requests.get(f"{API}/workflow/{workflow_id}").json()
        tokens = [t.get("taskToken") for t in raw["tasks"] if t["referenceTaskName"] == "approve_ref"]
        if waiting and waiting[0].status == "IN_PROGRESS" and tokens and tokens[0]:
            return tokens[0]
        assert time.time() < deadline, raw
        time.sleep(0.05)


r = requests.post(API + "/metadata/workflow", json=WAIT, params={"overwrite": "true"})
assert r.status_code == 200, r.text

# SendTaskSuccess closes the WAIT; its output is the task's output.
first = requests.post(API + "/workflow/approval", json={}).text
token = token_of(first)
sfn.send_task_success(taskToken=token, output='{"by": "ops"}')
done = wait_for(first, "COMPLETED")
assert done["output"] == {"approvedBy": "ops"}, done
try:
    sfn.send_task_success(taskToken=token, output="{}")
    raise AssertionError("a second answer must be refused")
except ClientError as e:
    assert e.response["Error"]["Code"] == "TaskTimedOut", e.response

# SendTaskFailure fails it, with the error and cause as the reason.
second = requests.post(API + "/workflow/approval", json={}).text
sfn.send_task_failure(taskToken=token_of(second), error="Rejected", cause="not in budget")
failed = wait_for(second, "FAILED")
assert "Rejected: not in budget" in failed["reasonForIncompletion"], failed

# Conductor's own endpoint completes it too, and then the token is closed.
third = requests.post(API + "/workflow/approval", json={}).text
third_token = token_of(third)
r = requests.post(f"{API}/tasks/{third}/approve_ref/COMPLETED", json={"by": "api"})
assert r.status_code == 200, r.text
wait_for(third, "COMPLETED")
try:
    sfn.send_task_heartbeat(taskToken=third_token)
    raise AssertionError("the token of a completed task must be closed")
except ClientError as e:
    assert e.response["Error"]["Code"] == "TaskTimedOut", e.response
print("ok")
