"""A Distributed Map over 10,000 items in a JSONL object in S3 (moto), in batches of 500: its
Map Run and children seen through boto3, and its results written back to S3 by ResultWriter.
The S3 endpoint is the first argument (moto's URL)."""
import json
import sys
import time

import boto3

from common import ROLE, client

s3 = boto3.client(
    "s3",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
s3.create_bucket(Bucket="items")
s3.create_bucket(Bucket="results")
lines = "\n".join(json.dumps({"id": i, "qty": i % 7}) for i in range(10_000))
s3.put_object(Bucket="items", Key="orders.jsonl", Body=lines.encode())

definition = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "Label": "Orders",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSONL"},
                "Parameters": {"Bucket.$": "$.bucket", "Key": "orders.jsonl"},
            },
            "ItemBatcher": {"MaxItemsPerBatch": 500, "BatchInput": {"source": "orders.jsonl"}},
            "MaxConcurrency": 5,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Sum",
                "States": {
                    "Sum": {
                        "Type": "Pass",
                        "Parameters": {
                            "items.$": "States.ArrayLength($.Items)",
                            "qty.$": "States.MathAdd(States.ArrayLength($.Items), 0)",
                            "first.$": "$.Items[0].id",
                            "source.$": "$.BatchInput.source",
                        },
                        "End": True,
                    }
                },
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "results", "Prefix": "runs"},
            },
            "End": True,
        }
    },
}
sfn = client("stepfunctions")
arn = sfn.create_state_machine(name="bulk", definition=json.dumps(definition), roleArn=ROLE)[
    "stateMachineArn"
]
execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"bucket": "items"}))[
    "executionArn"
]
deadline = time.time() + 120
while True:
    described = sfn.describe_execution(executionArn=execution)
    if described["status"] != "RUNNING":
        break
    assert time.time() < deadline, described
    time.sleep(0.2)
assert described["status"] == "SUCCEEDED", described
output = json.loads(described["output"])
run_arn = output["MapRunArn"]
assert run_arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:bulk/Orders:"), output
key = output["ResultWriterDetails"]["Key"]
assert output["ResultWriterDetails"]["Bucket"] == "results", output
assert key == "runs/" + run_arn.rsplit(":", 1)[1] + "/manifest.json", key

runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
assert [r["mapRunArn"] for r in runs] == [run_arn], runs
assert runs[0]["stateMachineArn"].endswith(":stateMachine:bulk/Orders"), runs
run = sfn.describe_map_run(mapRunArn=run_arn)
assert run["status"] == "SUCCEEDED", run
assert run["executionArn"] == execution, run
assert run["maxConcurrency"] == 5, run
assert run["executionCounts"]["succeeded"] == 20, run
assert run["executionCounts"]["total"] == 20, run
children = []
token = None
while True:
    page = sfn.list_executions(mapRunArn=run_arn, maxResults=7, **({"nextToken": token} if token else {}))
    children += page["executions"]
    token = page.get("nextToken")
    if not token:
        break
assert len(children) == 20, len(children)
assert all(c["status"] == "SUCCEEDED" for c in children), children
child = sfn.describe_execution(executionArn=children[0]["executionArn"])
assert json.loads(child["input"])["BatchInput"] == {"source": "orders.jsonl"}, child

manifest = json.loads(s3.get_object(Bucket="results", Key=key)["Body"].read())
assert manifest["MapRunArn"] == run_arn, manifest
assert manifest["DestinationBucket"] == "results", manifest
results_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
results = json.loads(s3.get_object(Bucket="results", Key=results_key)["Body"].read())
assert len(results) == 20, len(results)
# Each result is the child's description, its output as JSON text, in item order.
assert all(r["Status"] == "SUCCEEDED" for r in results), results[0]
outputs = [json.loads(r["Output"]) for r in results]
assert [o["first"] for o in outputs] == list(range(0, 10_000, 500)), outputs
assert sum(o["items"] for o in outputs) == 10_000, outputs
assert results[0]["ExecutionArn"] == children[-1]["executionArn"], (results[0], children[-1])
print("ok")
