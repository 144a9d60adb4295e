"""conductor-python's WorkflowClient operations against stepwise serve, as an on-call engineer
uses them: retry a failed workflow, skip a task not reached yet, restart an ended workflow,
rerun it from one of its tasks with a new task input, and remove it."""
import os
import time

from conductor.client.configuration.configuration import Configuration
from conductor.client.http.models.rerun_workflow_request import RerunWorkflowRequest
from conductor.client.http.models.skip_task_request import SkipTaskRequest
from conductor.client.http.models.task_def import TaskDef
from conductor.client.http.models.task_result import TaskResult
from conductor.client.http.models.workflow_def import WorkflowDef
from conductor.client.http.models.workflow_task import WorkflowTask
from conductor.client.http.rest import ApiException
from conductor.client.orkes_clients import OrkesClients

config = Configuration(server_api_url=os.environ["STEPWISE_ENDPOINT"] + "/api")
clients = OrkesClients(configuration=config)
metadata = clients.get_metadata_client()
workflows = clients.get_workflow_client()
tasks = clients.get_task_client()

for name in ("charge", "ship"):
    metadata.register_task_def(TaskDef(name=name, retry_count=0, timeout_seconds=0,
                                       response_timeout_seconds=3600))
definition = WorkflowDef(
    name="orders_ops",
    version=1,
    schema_version=2,
    tasks=[
        WorkflowTask(name="charge", task_reference_name="charge_ref", type="SIMPLE",
                     input_parameters={"amount": "${workflow.input.amount}"}),
        WorkflowTask(name="approve", task_reference_name="approve_ref", type="WAIT"),
        WorkflowTask(name="ship", task_reference_name="ship_ref", type="SIMPLE"),
    ],
)
metadata.register_workflow_def(definition, overwrite=True)


def poll(task_type):
    for _ in range(100):
        t = tasks.poll_task(task_type, worker_id="ops")
        if t is not None and t.task_id is not None:
            return t
        time.sleep(0.05)
    raise AssertionError(f"no {task_type} task to poll")


def answer(t, status, output=None, reason=None):
    result = TaskResult(workflow_instance_id=t.workflow_instance_id, task_id=t.task_id,
                        worker_id="ops", status=status, output_data=output or {})
    if reason:
        result.reason_for_incompletion = reason
    tasks.update_task(result)


def workflow(wid):
    return workflows.get_workflow(wid, include_tasks=True)


def statuses(wid):
    return [(t.reference_task_name, t.status) for t in workflow(wid).tasks]


wid = workflows.start_workflow_by_name("orders_ops", {"amount": 5}, version=1)

# The charge fails: the workflow FAILED. Retry runs the failed task again.
answer(poll("charge"), "FAILED", reason="card declined")
assert workflow(wid).status == "FAILED", workflow(wid).status
workflows.retry_workflow(wid)
assert workflow(wid).status == "RUNNING"
answer(poll("charge"), "COMPLETED", {"charged": 5})
assert statuses(wid)[-1] == ("approve_ref", "IN_PROGRESS"), statuses(wid)

# Skip a task not reached yet: when the WAIT completes, ship is passed over.
workflows.skip_task_from_workflow(wid, "ship_ref", SkipTaskRequest(task_output={"skipped": True}))
try:
    workflows.skip_task_from_workflow(wid, "charge_ref", SkipTaskRequest())
    raise AssertionError("a processed task cannot be skipped")
except ApiException as e:
    assert e.status == 409, e
tasks.update_task_by_ref_name(wid, "approve_ref", "COMPLETED", {"by": "ops"})
w = workflow(wid)
assert w.status == "COMPLETED", (w.status, statuses(wid))
assert ("ship_ref", "SKIPPED") in statuses(wid), statuses(wid)

# Restart: the same workflow id from the first task, its tasks fresh.
workflows.restart_workflow(wid)
assert workflow(wid).status == "RUNNING"
assert statuses(wid) == [("charge_ref", "SCHEDULED")], statuses(wid)
try:
    workflows.restart_workflow(wid)
    raise AssertionError("a running workflow cannot be restarted")
except ApiException as e:
    assert e.status == 409, e

# Rerun from the charge with a new input for it.
charge = poll("charge")
answer(charge, "FAILED", reason="declined again")
assert workflow(wid).status == "FAILED"
failed_id = workflow(wid).tasks[0].task_id
rerun_id = workflows.rerun_workflow(
    wid, RerunWorkflowRequest(re_run_from_task_id=failed_id, task_input={"amount": 7}))
assert rerun_id == wid, rerun_id
again = poll("charge")
assert again.input_data == {"amount": 7}, again.input_data
answer(again, "COMPLETED", {"charged": 7})
tasks.update_task_by_ref_name(wid, "approve_ref", "COMPLETED", {"by": "ops"})
answer(poll("ship"), "COMPLETED", {"shipped": True})
assert workflow(wid).status == "COMPLETED", statuses(wid)

# Remove it: gone.
workflows.delete_workflow(wid)
try:
    workflow(wid)
    raise AssertionError("a removed workflow is gone")
except ApiException as e:
    assert e.status == 404, e
print("operations ok")
