"""Queue operations: create (idempotent, attribute checks, FIFO names), get URL, list with
prefixes and pages, attributes (defaults, computed, set), purge, delete; stepwise's internal
activity queues stay hidden."""
import json
import time

from common import ENDPOINT, client
from sqs_common import client_error, raises, sqs

ex = sqs.exceptions

# Create and find.
url = sqs.create_queue(QueueName="orders")["QueueUrl"]
assert url == f"{ENDPOINT}/123456789012/orders", url
assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url

# Defaults and computed attributes.
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
expected = {
    "QueueArn": "arn:aws:sqs:us-east-1:123456789012:orders",
    "VisibilityTimeout": "30",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "ApproximateNumberOfMessages": "0",
    "ApproximateNumberOfMessagesNotVisible": "0",
    "ApproximateNumberOfMessagesDelayed": "0",
}
for k, v in expected.items():
    assert attrs.get(k) == v, (k, attrs)
assert abs(int(attrs["CreatedTimestamp"]) - time.time()) < 60, attrs
assert "FifoQueue" not in attrs, attrs
named = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])
assert named["Attributes"] == {"VisibilityTimeout": "30", "QueueArn": expected["QueueArn"]}, named
raises(ex.InvalidAttributeName, "InvalidAttributeName", sqs.get_queue_attributes,
       QueueUrl=url, AttributeNames=["NoSuchAttribute"])

# Counts follow the messages: visible, in flight, delayed.
sqs.send_message(QueueUrl=url, MessageBody="a")
sqs.send_message(QueueUrl=url, MessageBody="b")
sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
sqs.receive_message(QueueUrl=url)
counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"],
        counts["ApproximateNumberOfMessagesDelayed"]) == ("1", "1", "1"), counts

# Set attributes; create stays idempotent only with the same values.
sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"})
after = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds", "LastModifiedTimestamp"])["Attributes"]
assert after["VisibilityTimeout"] == "45" and after["DelaySeconds"] == "2", after
assert int(after["LastModifiedTimestamp"]) >= int(attrs["CreatedTimestamp"]), after
assert sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
assert sqs.create_queue(QueueName="orders", Attributes={"MessageRetentionPeriod": "345600"})["QueueUrl"] == url
raises(ex.QueueNameExists, "QueueAlreadyExists", sqs.create_queue,
       QueueName="orders", Attributes={"VisibilityTimeout": "30"})

# Attribute checks.
raises(ex.InvalidAttributeName, "InvalidAttributeName", sqs.set_queue_attributes,
       QueueUrl=url, Attributes={"VisibilityTimeoutSeconds": "5"})
raises(ex.InvalidAttributeName, "InvalidAttributeName", sqs.set_queue_attributes,
       QueueUrl=url, Attributes={"QueueArn": "x"})
raises(ex.InvalidAttributeName, "InvalidAttributeName", sqs.create_queue,
       QueueName="plain", Attributes={"ContentBasedDeduplication": "true"})
raises(ex.InvalidAttributeValue, "InvalidAttributeValue", sqs.set_queue_attributes,
       QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
raises(ex.InvalidAttributeValue, "InvalidAttributeValue", sqs.create_queue,
       QueueName="bad-wait", Attributes={"ReceiveMessageWaitTimeSeconds": "21"})
raises(ex.InvalidAttributeValue, "InvalidAttributeValue", sqs.set_queue_attributes,
       QueueUrl=url, Attributes={"Policy": "{not json"})
raises(ex.InvalidAttributeValue, "InvalidAttributeValue", sqs.set_queue_attributes,
       QueueUrl=url, Attributes={"FifoQueue": "true"})
policy = json.dumps({"Version": "2012-10-17", "Statement": []})
sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"] == policy
sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])

# Queue names: FIFO queues end in .fifo, only they do, and names are checked.
fifo = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
fifo_attrs = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
assert fifo_attrs["FifoQueue"] == "true" and fifo_attrs["ContentBasedDeduplication"] == "false", fifo_attrs
client_error("InvalidParameterValue", sqs.create_queue, QueueName="jobs2.fifo")
client_error("InvalidParameterValue", sqs.create_queue, QueueName="jobs2", Attributes={"FifoQueue": "true"})
client_error("InvalidParameterValue", sqs.create_queue, QueueName="has space")
client_error("InvalidParameterValue", sqs.create_queue, QueueName="x" * 81)

# List: prefixes, pages.
for i in range(5):
    sqs.create_queue(QueueName=f"page-{i}")
assert len(sqs.list_queues()["QueueUrls"]) == 2 + 5, sqs.list_queues()
listed = sqs.list_queues(QueueNamePrefix="page-")["QueueUrls"]
assert listed == [f"{ENDPOINT}/123456789012/page-{i}" for i in range(5)], listed
assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing-")
first = sqs.list_queues(QueueNamePrefix="page-", MaxResults=2)
assert len(first["QueueUrls"]) == 2 and "NextToken" in first, first
pages = [u for p in sqs.get_paginator("list_queues").paginate(QueueNamePrefix="page-", PaginationConfig={"PageSize": 2}) for u in p["QueueUrls"]]
assert pages == listed, pages
client_error("InvalidParameterValue", sqs.list_queues, MaxResults=1001)

# Activity tasks live in internal queues: never listed nor reachable.
sfn = client("stepfunctions")
sfn.create_activity(name="approve")
assert not [u for u in sqs.list_queues()["QueueUrls"] if "approve" in u], sqs.list_queues()
raises(ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName="activity:approve")
raises(ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", sqs.send_message,
       QueueUrl=f"{ENDPOINT}/123456789012/activity:approve", MessageBody="{}")

# Purge empties the queue; delete removes it.
sqs.purge_queue(QueueUrl=url)
counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert [counts[k] for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                            "ApproximateNumberOfMessagesDelayed")] == ["0", "0", "0"], counts
sqs.delete_queue(QueueUrl=url)
raises(ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName="orders")
raises(ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", sqs.delete_queue, QueueUrl=url)
raises(ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", sqs.purge_queue, QueueUrl=url)
assert url not in sqs.list_queues()["QueueUrls"]
print("ok")
