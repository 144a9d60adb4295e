"""conductor-python (PyPI, unchanged) against stepwise serve's Conductor API: register a
workflow with a SIMPLE task and a WAIT, start it, poll and complete the SIMPLE task as a
worker, complete the WAIT by reference name, and read the workflow and its status."""
import os
import time

from conductor.client.configuration.configuration import Configuration
from conductor.client.http.models.start_workflow_request import StartWorkflowRequest
from conductor.client.http.models.task_result import TaskResult
from conductor.client.http.models.workflow_def import WorkflowDef
from conductor.client.http.models.workflow_task import WorkflowTask
from conductor.client.orkes_clients import OrkesClients

config = Configuration(server_api_url=os.environ["STEPWISE_ENDPOINT"] + "/api")
clients = OrkesClients(configuration=config)
metadata = clients.get_metadata_client()
workflows = clients.get_workflow_client()
tasks = clients.get_task_client()

greet = WorkflowTask(
    name="greet",
    task_reference_name="greet_ref",
    type="SIMPLE",
    input_parameters={"name": "${workflow.input.name}"},
)
approve = WorkflowTask(name="approve", task_reference_name="approve_ref", type="WAIT")
definition = WorkflowDef(
    name="greetings",
    version=1,
    tasks=[greet, approve],
    output_parameters={
        "message": "${greet_ref.output.message}",
        "approvedBy": "${approve_ref.output.result.by}",
    },
    schema_version=2,
)
metadata.register_workflow_def(definition, overwrite=True)
assert metadata.get_workflow_def("greetings").name == "greetings"

workflow_id = workflows.start_workflow_by_name("greetings", {"name": "Ada"}, version=1)
assert isinstance(workflow_id, str) and len(workflow_id) == 36, workflow_id

# A worker's loop: poll until the task is there, do the work, report the result.
task = None
for _ in range(50):
    task = tasks.poll_task("greet", worker_id="py-worker")
    if task is not None and task.task_id is not None:
        break
    time.sleep(0.1)
assert task is not None, "no greet task to poll"
assert task.input_data == {"name": "Ada"}, task.input_data
assert task.status == "IN_PROGRESS", task.status
# 204 No Content, as Conductor answers: the SDK gives None or an empty Task.
empty = tasks.poll_task("greet", worker_id="py-worker")
assert empty is None or empty.task_id is None, "a task is given to one worker"

result = TaskResult(
    workflow_instance_id=workflow_id,
    task_id=task.task_id,
    status="COMPLETED",
    output_data={"message": "Hello, " + task.input_data["name"]},
    worker_id="py-worker",
)
tasks.update_task(result)
assert tasks.get_task(task.task_id).status == "COMPLETED"

wf = workflows.get_workflow(workflow_id, include_tasks=True)
assert wf.status == "RUNNING", wf.status
assert [t.reference_task_name for t in wf.tasks] == ["greet_ref", "approve_ref"], wf.tasks
assert [t.status for t in wf.tasks] == ["COMPLETED", "IN_PROGRESS"], [t.status for t in wf.tasks]

tasks.update_task_by_ref_name(workflow_id, "approve_ref", "COMPLETED", {"by": "ops"})

status = workflows.get_workflow_status(workflow_id, include_output=True)
assert status.status == "COMPLETED", status.status
wf = workflows.get_workflow(workflow_id, include_tasks=True)
assert wf.status == "COMPLETED", wf.status
# The SDK wraps a by-reference update's output under "result", as it does against Conductor.
assert wf.output == {"message": "Hello, Ada", "approvedBy": "ops"}, wf.output
assert wf.tasks[1].output_data == {"result": {"by": "ops"}}, wf.tasks[1].output_data

# Start with a StartWorkflowRequest, terminate, and see the 404 of an unknown id.
request = StartWorkflowRequest(name="greetings", version=1, input={"name": "Bob"}, correlation_id="c-1")
second = workflows.start_workflow(request)
workflows.terminate_workflow(second, reason="not needed")
wf = workflows.get_workflow(second, include_tasks=True)
assert wf.status == "TERMINATED" and wf.reason_for_incompletion == "not needed", (wf.status, wf.reason_for_incompletion)
assert wf.correlation_id == "c-1"
try:
    workflows.get_workflow("no-such-workflow")
    raise AssertionError("an unknown workflow must be an error")
except Exception as e:  # the SDK raises ApiException with the status
    assert "404" in str(e) or getattr(e, "status", None) == 404, e
print("conductor-python: ok")
