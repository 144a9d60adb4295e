"""Shared by the client scripts: boto3 clients pointed at the stepwise server under test."""
import os

import boto3
from botocore.config import Config

ENDPOINT = os.environ["STEPWISE_ENDPOINT"]
CONFIG = Config(retries={"max_attempts": 1}, read_timeout=70)


def client(service):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=CONFIG,
    )


ROLE = "arn:aws:iam::123456789012:role/test"
