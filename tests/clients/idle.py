"""A boto3 client whose pooled keep-alive connection the server closed for idleness (serve
--idle-timeout SECONDS) calls again, with retries off: the call succeeds (urllib3 sees the
closed connection and opens another). A long poll longer than the idle timeout is answered.

    idle.py SECONDS"""
import sys
import time

import boto3
from botocore.config import Config

from common import ENDPOINT

IDLE = float(sys.argv[1])
config = Config(retries={"total_max_attempts": 1})
for service, call in [("stepfunctions", lambda c: c.list_state_machines()),
                      ("sqs", lambda c: c.list_queues())]:
    c = boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                     aws_access_key_id="test", aws_secret_access_key="test", config=config)
    call(c)
    for _ in range(3):
        time.sleep(IDLE + 1.0)
        call(c)
# A long poll outlasts the idle timeout: a request in progress is not idle.
sqs = boto3.client("sqs", endpoint_url=ENDPOINT, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test", config=config)
url = sqs.create_queue(QueueName="idle")["QueueUrl"]
started = time.monotonic()
got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=int(IDLE) + 2)
assert "Messages" not in got and time.monotonic() - started >= IDLE + 1.5, got
print("ok")
