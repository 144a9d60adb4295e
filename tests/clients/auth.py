"""`stepwise serve --auth-token TOKEN` with clients unchanged: boto3 and the AWS CLI sign with
TOKEN as the secret access key (any access key id) and get in; signed with another secret they
are refused; conductor-python with TOKEN as its key secret trades it at /api/token and sends it
as X-Authorization.

    auth.py TOKEN"""
import json
import os
import subprocess
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from common import ENDPOINT, ROLE

TOKEN = sys.argv[1]
CONFIG = Config(retries={"max_attempts": 1})


def aws(service, secret, key_id="anything"):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="eu-west-3",
                        aws_access_key_id=key_id, aws_secret_access_key=secret, config=CONFIG)


# The token as the secret: Step Functions and SQS answer (any key id, any region).
sfn = aws("stepfunctions", TOKEN)
definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
arn = sfn.create_state_machine(name="signed", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
run = sfn.start_execution(stateMachineArn=arn, input='{"x": "a b/c?d=é"}')["executionArn"]
assert sfn.describe_execution(executionArn=run)["status"] == "SUCCEEDED"
sqs = aws("sqs", TOKEN, key_id="AKIDOTHER")
url = sqs.create_queue(QueueName="signed")["QueueUrl"]
sqs.send_message(QueueUrl=url, MessageBody="hello")
got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
assert [m["Body"] for m in got] == ["hello"], got

# Another secret: refused, and nothing was done.
for service, call in [("stepfunctions", lambda c: c.list_state_machines()),
                      ("sqs", lambda c: c.create_queue(QueueName="unsigned"))]:
    try:
        call(aws(service, TOKEN + "x"))
        raise AssertionError(f"{service}: a wrong secret was accepted")
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        assert e.response["Error"]["Code"] == "InvalidSignatureException", e.response
assert [q.rsplit("/", 1)[1] for q in sqs.list_queues().get("QueueUrls", [])] == ["signed"]

# The AWS CLI, with the token in the environment as the secret.
env = dict(os.environ, AWS_ACCESS_KEY_ID="cli", AWS_SECRET_ACCESS_KEY=TOKEN)
out = subprocess.run(["aws", "--endpoint-url", ENDPOINT, "stepfunctions", "list-state-machines"],
                     env=env, capture_output=True, text=True)
assert out.returncode == 0, out.stderr
assert [m["name"] for m in json.loads(out.stdout)["stateMachines"]] == ["signed"], out.stdout
env["AWS_SECRET_ACCESS_KEY"] = "wrong"
out = subprocess.run(["aws", "--endpoint-url", ENDPOINT, "sqs", "list-queues"],
                     env=env, capture_output=True, text=True)
assert out.returncode != 0 and "InvalidSignatureException" in out.stderr, (out.returncode, out.stderr)

# conductor-python: its key secret is the token.
from conductor.client.configuration.configuration import Configuration
from conductor.client.configuration.settings.authentication_settings import AuthenticationSettings
from conductor.client.http.models.workflow_def import WorkflowDef
from conductor.client.http.models.workflow_task import WorkflowTask
from conductor.client.orkes_clients import OrkesClients

config = Configuration(server_api_url=ENDPOINT + "/api",
                       authentication_settings=AuthenticationSettings(key_id="any", key_secret=TOKEN))
metadata = OrkesClients(configuration=config).get_metadata_client()
wait = WorkflowTask(name="w", task_reference_name="w_ref", type="WAIT")
metadata.register_workflow_def(WorkflowDef(name="authed", version=1, tasks=[wait]), overwrite=True)
assert metadata.get_workflow_def("authed").name == "authed"
print("ok")
