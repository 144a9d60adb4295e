"""The seeds' three Conductor scenarios against stepwise serve: conductor-python for the
Conductor API, boto3 for SQS. SQS_ENDPOINT is where the queues live: the server itself (its
embedded queue) or moto (the server started with --sqs-endpoint). argv[1]: the directory of
the scenario files (state-machines/conductor)."""
import json
import os
import sys
import time

import boto3
import requests
from conductor.client.configuration.configuration import Configuration
from conductor.client.orkes_clients import OrkesClients

API = os.environ["STEPWISE_ENDPOINT"] + "/api"
SQS_ENDPOINT = os.environ.get("SQS_ENDPOINT") or os.environ["STEPWISE_ENDPOINT"]
DIR = sys.argv[1]

workflows = OrkesClients(configuration=Configuration(server_api_url=API)).get_workflow_client()
sqs = boto3.client("sqs", endpoint_url=SQS_ENDPOINT, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")


def load(name):
    with open(os.path.join(DIR, name)) as f:
        return json.load(f)


def register():
    for name in ["event_testing.json", "shipping_workflow.json", "docusign.json"]:
        r = requests.post(API + "/metadata/workflow", json=load(name), params={"overwrite": "true"})
        assert r.status_code == 200, (name, r.status_code, r.text)
    for name in ["event_testing.handlers.json", "shipping.handlers.json", "docusign.handlers.json"]:
        handlers = load(name)
        for h in handlers if isinstance(handlers, list) else [handlers]:
            r = requests.post(API + "/event", json=h)
            assert r.status_code == 200, (name, r.status_code, r.text)
    listed = requests.get(API + "/event/sqs%3Aconductor_doug_testing", params={"activeOnly": "true"}).json()
    assert [h["name"] for h in listed] == ["complete_task_event"], listed


def wait_for(workflow_id, statuses, seconds=40):
    deadline = time.time() + seconds
    while time.time() < deadline:
        wf = workflows.get_workflow(workflow_id, include_tasks=True)
        if wf.status in statuses:
            return wf
        time.sleep(0.2)
    raise AssertionError(f"{workflow_id} is still {wf.status}: {[(t.reference_task_name, t.status) for t in wf.tasks]}")


def tasks_of(wf):
    return {t.reference_task_name: t for t in wf.tasks}


def event_testing():
    """FORK: WAIT task_1 | WAIT 10 s, EVENT to sqs:conductor_doug_testing; JOIN. The handler on
    that queue completes task_1, so the workflow completes."""
    wf_id = workflows.start_workflow_by_name("event_testing", {}, version=1)
    wf = wait_for(wf_id, {"COMPLETED", "FAILED", "TERMINATED"})
    assert wf.status == "COMPLETED", (wf.status, wf.reason_for_incompletion)
    t = tasks_of(wf)
    expected = {"fork_ref": ("FORK", "COMPLETED"), "task_1_ref": ("WAIT", "COMPLETED"),
                "task_2_ref": ("WAIT", "COMPLETED"), "send_sqs_message_ref": ("EVENT", "COMPLETED"),
                "join_ref": ("JOIN", "COMPLETED")}
    assert {r: (x.task_type, x.status) for r, x in t.items()} == expected, t
    completed_by = t["task_1_ref"].output_data
    assert completed_by["conductor.event.name"] == "sqs:conductor_doug_testing", completed_by
    assert completed_by["workflowId"] == wf_id and completed_by["taskRefName"] == "task_1_ref", completed_by
    assert completed_by["conductor.event.messageId"], completed_by
    event = t["send_sqs_message_ref"].output_data
    assert event["workflowInstanceId"] == wf_id and event["workflowType"] == "event_testing", event
    assert event["sink"] == "sqs:conductor_doug_testing" and event["asyncComplete"] is False, event
    assert sorted(t["join_ref"].output_data) == ["send_sqs_message_ref", "task_1_ref"], t["join_ref"].output_data
    assert wf.output == event, wf.output  # no outputParameters: the last task's output
    # The queue exists where the messages went (created on first use, as Conductor does).
    sqs.get_queue_url(QueueName="conductor_doug_testing")


def shipping():
    """A message on sqs:shipping_start starts shipping_workflow (start_workflow handler)."""
    url = sqs.create_queue(QueueName="shipping_start")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"orderId": "o-7"}))["MessageId"]
    deadline = time.time() + 20
    found = []
    while time.time() < deadline and not found:
        found = requests.get(API + "/workflow/search", params={"query": "workflowType IN (shipping_workflow)"}).json()["results"]
        time.sleep(0.2)
    assert len(found) == 1, found
    wf = wait_for(found[0]["workflowId"], {"COMPLETED", "FAILED"})
    assert wf.status == "COMPLETED", (wf.status, wf.reason_for_incompletion)
    assert wf.input["conductor.event.messageId"] == sent, wf.input
    assert wf.input["name"] == "John Doe", wf.input
    assert wf.output == {"label": "John Doe, 1 Main Street, New York NY 12001", "carrier": "courier",
                         "triggeredBy": "sqs:shipping_start"}, wf.output
    assert tasks_of(wf)["pick_carrier_ref"].output_data["selectedCase"] == "NY"


def docusign():
    """Two signings: the signing service answers one on ..._completed and one on ..._failed."""
    signed = workflows.start_workflow_by_name("docusign_signing", {"document": "lease.pdf", "signer": "ada"}, version=1)
    refused = workflows.start_workflow_by_name("docusign_signing", {"document": "nda.pdf", "signer": "bob"}, version=1)
    requests_url = sqs.create_queue(QueueName="docusign_requests")["QueueUrl"]
    seen = {}
    deadline = time.time() + 20
    while len(seen) < 2 and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=requests_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(m["Body"])
            seen[body["workflowInstanceId"]] = body
            sqs.delete_message(QueueUrl=requests_url, ReceiptHandle=m["ReceiptHandle"])
    assert set(seen) == {signed, refused}, seen
    assert seen[signed]["document"] == "lease.pdf" and seen[signed]["signer"] == "ada", seen[signed]
    done = sqs.create_queue(QueueName="conductor_docusign_completed")["QueueUrl"]
    failed = sqs.create_queue(QueueName="conductor_docusign_failed")["QueueUrl"]
    done_id = sqs.send_message(QueueUrl=done, MessageBody=json.dumps({"workflowInstanceId": signed}))["MessageId"]
    sqs.send_message(QueueUrl=failed, MessageBody=json.dumps({"workflowInstanceId": refused}))
    ok = wait_for(signed, {"COMPLETED", "FAILED"})
    assert ok.status == "COMPLETED", (ok.status, ok.reason_for_incompletion)
    assert ok.output == {"document": "lease.pdf", "signedWith": done_id}, ok.output
    bad = wait_for(refused, {"COMPLETED", "FAILED"})
    assert bad.status == "FAILED", bad.status
    assert tasks_of(bad)["human_docusign_step_ref"].status == "FAILED"
    assert "record_signature_ref" not in tasks_of(bad)


register()
event_testing()
shipping()
docusign()
print("conductor seeds: ok")
