"""Helpers shared by the Step Functions client scripts (sfn_*.py)."""
import datetime
import json
import time

from common import client


def sfn_client(**config):
    """A Step Functions client; `config` overrides botocore Config fields (a new client)."""
    if not config:
        return client("stepfunctions")
    import boto3
    from botocore.config import Config

    from common import CONFIG, ENDPOINT

    return boto3.client(
        "stepfunctions",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=CONFIG.merge(Config(**config)),
    )


def raises(exc, fn, *args, **kwargs):
    """Calls fn and returns the exception of class `exc` it raised; fails otherwise."""
    try:
        result = fn(*args, **kwargs)
    except exc as e:
        return e
    raise AssertionError(f"expected {exc.__name__}, got {result!r}")


def message(e):
    return e.response["Error"]["Message"]


def is_datetime(v):
    return isinstance(v, datetime.datetime) and v.tzinfo is not None


def dumps(definition):
    return json.dumps(definition)


def pass_machine(result=None):
    state = {"Type": "Pass", "End": True}
    if result is not None:
        state["Result"] = result
    return dumps({"StartAt": "P", "States": {"P": state}})


def wait_machine(seconds):
    return dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}})


def wait_for(predicate, timeout=10.0, what="the condition"):
    """Polls `predicate` until it returns something truthy; that value."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def status_is(sfn, arn, status, timeout=10.0):
    """Waits until the execution has `status`; its DescribeExecution answer."""

    def check():
        d = sfn.describe_execution(executionArn=arn)
        return d if d["status"] == status else None

    return wait_for(check, timeout, f"{arn} to be {status}")


def history(sfn, arn, **kwargs):
    return [e for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn, **kwargs) for e in page["events"]]


def task_token(sfn, arn, timeout=10.0):
    """The token a `.waitForTaskToken` task passed as `{"token.$": "$$.Task.Token"}`, read from
    its TaskScheduled event."""

    def find():
        for e in sfn.get_execution_history(executionArn=arn)["events"]:
            if e["type"] == "TaskScheduled":
                params = json.loads(e["taskScheduledEventDetails"]["parameters"])
                return find_token(params)
        return None

    return wait_for(find, timeout, f"a task token in {arn}")


def find_token(value):
    if isinstance(value, dict):
        if isinstance(value.get("token"), str):
            return value["token"]
        for v in value.values():
            t = find_token(v)
            if t:
                return t
    return None
