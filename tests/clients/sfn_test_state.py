"""TestState through boto3: sends each call recorded against AWS (the JSONL file given as the
first argument) with `test_state`, and prints each answer as one JSON line, in order, for
tests/test_state.rs to compare with the recording. A call the server refuses prints its error.

TestState's endpoint has the host prefix `sync-` on AWS; a local endpoint has none, so the
client does not inject it. Also checks AWS's refusals of malformed requests."""
import json
import sys

from botocore.exceptions import ClientError

from sfn_common import sfn_client

sfn = sfn_client(inject_host_prefix=False)

# Malformed requests are refused as AWS does.
for bad, code in [
    (dict(definition='{"Type": "Pass", "End": true}', inspectionLevel="LOUD"), "ValidationException"),
    (dict(definition='{"Type": "Pass", "End": true}', input="{not json"), "InvalidExecutionInput"),
    (dict(definition="{not json"), "InvalidDefinition"),
    (dict(definition='{"Type": "Pass", "End": true}', mock={"result": "{}"}), "ValidationException"),
]:
    try:
        sfn.test_state(**bad)
        raise SystemExit(f"accepted a malformed TestState request: {bad}")
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{bad}: expected {code}, got {got}: {e}"

with open(sys.argv[1]) as f:
    for line in f:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            answer = sfn.test_state(**case["request"])
            answer.pop("ResponseMetadata", None)
        except ClientError as e:
            answer = {"refused": e.response["Error"]}
        print(json.dumps(answer), flush=True)
