"""conductor-python's worker runtime (TaskHandler: worker processes that batch-poll
/api/tasks/poll/batch and report through /api/tasks/update-v2) serving a SIMPLE task of
workflows started on stepwise serve; a second worker polls in task domain "eu" and gets only
the task of the workflow started with taskToDomain {"shout_task": "eu"}."""
import os
import time

from conductor.client.automator.task_handler import TaskHandler
from conductor.client.configuration.configuration import Configuration
from conductor.client.http.models.start_workflow_request import StartWorkflowRequest
from conductor.client.http.models.workflow_def import WorkflowDef
from conductor.client.http.models.workflow_task import WorkflowTask
from conductor.client.orkes_clients import OrkesClients
from conductor.client.worker.worker import Worker


def shout(task):
    return {"loud": task.input_data["text"].upper() + "!"}


def shout_eu(task):
    return {"loud": task.input_data["text"].upper() + "! (eu)"}


def main():
    config = Configuration(server_api_url=os.environ["STEPWISE_ENDPOINT"] + "/api")
    clients = OrkesClients(configuration=config)
    workflows = clients.get_workflow_client()

    clients.get_metadata_client().register_workflow_def(
        WorkflowDef(
            name="shout",
            version=1,
            tasks=[WorkflowTask(name="shout_task", task_reference_name="shout_ref", type="SIMPLE",
                                input_parameters={"text": "${workflow.input.text}"})],
            output_parameters={"loud": "${shout_ref.output.loud}"},
            schema_version=2,
        ),
        overwrite=True,
    )


    handler = TaskHandler(
        workers=[
            Worker(task_definition_name="shout_task", execute_function=shout, poll_interval=0.05),
            Worker(task_definition_name="shout_task", execute_function=shout_eu, poll_interval=0.05, domain="eu"),
        ],
        configuration=config,
        scan_for_annotated_workers=False,
        monitor_processes=False,
    )
    handler.start_processes()
    try:
        ids = {workflows.start_workflow_by_name("shout", {"text": t}, version=1): t for t in ["a", "bc", "def"]}
        in_eu = workflows.start_workflow(StartWorkflowRequest(
            name="shout", version=1, input={"text": "eu"}, task_to_domain={"shout_task": "eu"}))
        ids[in_eu] = "eu"
        deadline = time.time() + 30
        done = {}
        while time.time() < deadline and len(done) < len(ids):
            for wf_id, text in ids.items():
                wf = workflows.get_workflow(wf_id, include_tasks=True)
                if wf.status == "COMPLETED":
                    done[wf_id] = wf
            time.sleep(0.2)
        assert len(done) == len(ids), {i: workflows.get_workflow(i).status for i in ids}
        for wf_id, wf in done.items():
            suffix, domain = ("! (eu)", "eu") if wf_id == in_eu else ("!", None)
            assert wf.output == {"loud": ids[wf_id].upper() + suffix}, wf.output
            assert wf.tasks[0].worker_id, wf.tasks[0]
            assert wf.tasks[0].domain == domain, wf.tasks[0]
        assert done[in_eu].task_to_domain == {"shout_task": "eu"}, done[in_eu].task_to_domain
    finally:
        handler.stop_processes()
    print("conductor-python worker: ok")


# Worker processes may be spawned, which imports this file again: only the main one runs.
if __name__ == "__main__":
    main()
