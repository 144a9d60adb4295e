"""boto3 on botocore 1.34.89, whose SQS speaks the Query protocol: every operation stepwise
serves, binary message attributes, the batch forms, and modeled exceptions raised from the
Query error codes."""
import botocore.session
from botocore.exceptions import ClientError

from sqs_common import md5_of_attributes, md5_of_body, sqs

assert botocore.session.get_session().get_service_model("sqs").protocol == "query", \
    "this client must speak SQS's Query protocol: run it from `scripts/python-env query`"

url = sqs.create_queue(QueueName="query-boto3", Attributes={"DelaySeconds": "0"},
                       tags={"team": "a"})["QueueUrl"]
assert sqs.get_queue_url(QueueName="query-boto3")["QueueUrl"] == url
dlq = sqs.create_queue(QueueName="query-boto3-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=url, Attributes={
    "RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "5"}}',
    "VisibilityTimeout": "40"})
assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] \
    == {"VisibilityTimeout": "40"}
assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]

attributes = {"bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
              "s": {"DataType": "String.custom", "StringValue": "<&>"}}
sent = sqs.send_message(QueueUrl=url, MessageBody="b\r\n<x/>", MessageAttributes=attributes)
assert sent["MD5OfMessageBody"] == md5_of_body("b\r\n<x/>"), sent
assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes), sent
[m] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"],
                          MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
assert m["Body"] == "b\r\n<x/>", m
assert m["MessageAttributes"] == {"bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
                                  "s": {"DataType": "String.custom", "StringValue": "<&>"}}, m
assert m["Attributes"]["SenderId"] == "123456789012", m
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
[again] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"])["Messages"]
assert again["Attributes"]["ApproximateReceiveCount"] == "2", again

batch = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
assert sorted(e["Id"] for e in batch["Successful"]) == ["0", "1", "2"] and "Failed" not in batch, batch
got = []
while len(got) < 3:
    got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
    {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 100},
    {"Id": "y", "ReceiptHandle": "forged", "VisibilityTimeout": 100}])
assert [e["Id"] for e in changed["Successful"]] == ["x"], changed
assert [(e["Id"], e["Code"]) for e in changed["Failed"]] == [("y", "ReceiptHandleIsInvalid")], changed
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
    {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
assert len(deleted["Successful"]) == 3 and "Failed" not in deleted, deleted
sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)

sqs.send_message(QueueUrl=url, MessageBody="purged")
sqs.purge_queue(QueueUrl=url)
assert "Messages" not in sqs.receive_message(QueueUrl=url)
assert sqs.list_queues(QueueNamePrefix="query-boto3")["QueueUrls"] == [url, dlq]
page = sqs.list_queues(QueueNamePrefix="query-boto3", MaxResults=1)
assert page["QueueUrls"] == [url] and "NextToken" in page, page

# Modeled exceptions, from the Query codes.
try:
    sqs.get_queue_url(QueueName="nope")
    raise AssertionError("a queue that does not exist was found")
except sqs.exceptions.QueueDoesNotExist as e:
    assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
try:
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
    raise AssertionError("repeated ids were accepted")
except sqs.exceptions.BatchEntryIdsNotDistinct:
    pass
try:
    sqs.create_queue(QueueName="query-boto3", Attributes={"DelaySeconds": "5"})
    raise AssertionError("a different attribute was accepted")
except sqs.exceptions.QueueNameExists as e:
    assert e.response["Error"]["Code"] == "QueueAlreadyExists", e.response
try:
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    raise AssertionError("WaitTimeSeconds 21 was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterValue", e.response

sqs.delete_queue(QueueUrl=url)
assert sqs.list_queues(QueueNamePrefix="query-boto3")["QueueUrls"] == [dlq]
print("ok")
