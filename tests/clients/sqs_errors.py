"""Errors reach boto3 as SQS's modeled exceptions with SQS's error codes, whichever operation
meets them; queue URLs name the queue by their last path segment, whatever the host."""
from sqs_common import client_error, raises, sqs

ex = sqs.exceptions
NO_QUEUE = (ex.QueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue")
url = sqs.create_queue(QueueName="present")["QueueUrl"]
gone = url.replace("present", "absent")

# Every operation on a queue that does not exist.
handle = "A" * 43
for call, kwargs in [
    (sqs.get_queue_url, {"QueueName": "absent"}),
    (sqs.send_message, {"QueueUrl": gone, "MessageBody": "x"}),
    (sqs.send_message_batch, {"QueueUrl": gone, "Entries": [{"Id": "1", "MessageBody": "x"}]}),
    (sqs.receive_message, {"QueueUrl": gone}),
    (sqs.receive_message, {"QueueUrl": gone, "WaitTimeSeconds": 1}),
    (sqs.delete_message, {"QueueUrl": gone, "ReceiptHandle": handle}),
    (sqs.delete_message_batch, {"QueueUrl": gone, "Entries": [{"Id": "1", "ReceiptHandle": handle}]}),
    (sqs.change_message_visibility, {"QueueUrl": gone, "ReceiptHandle": handle, "VisibilityTimeout": 0}),
    (sqs.get_queue_attributes, {"QueueUrl": gone, "AttributeNames": ["All"]}),
    (sqs.set_queue_attributes, {"QueueUrl": gone, "Attributes": {"DelaySeconds": "1"}}),
    (sqs.purge_queue, {"QueueUrl": gone}),
    (sqs.delete_queue, {"QueueUrl": gone}),
]:
    e = raises(*NO_QUEUE, call, **kwargs)
    assert e.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist", e.response
    assert "absent" in e.response["Error"]["Message"], e.response

# The queue URL's host does not matter: an AWS-style URL reaches the same queue.
aws_style = "https://sqs.us-east-1.amazonaws.com/123456789012/present"
sqs.send_message(QueueUrl=aws_style, MessageBody="via an AWS URL")
[m] = sqs.receive_message(QueueUrl=url)["Messages"]
assert m["Body"] == "via an AWS URL", m

# The other modeled errors.
raises(ex.ReceiptHandleIsInvalid, "ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="forged")
raises(ex.QueueNameExists, "QueueAlreadyExists", sqs.create_queue, QueueName="present",
       Attributes={"DelaySeconds": "5"})
raises(ex.InvalidAttributeName, "InvalidAttributeName", sqs.create_queue, QueueName="other",
       Attributes={"Colour": "red"})
raises(ex.InvalidAttributeValue, "InvalidAttributeValue", sqs.create_queue, QueueName="other",
       Attributes={"DelaySeconds": "soon"})
raises(ex.EmptyBatchRequest, "AWS.SimpleQueueService.EmptyBatchRequest", sqs.delete_message_batch,
       QueueUrl=url, Entries=[])
raises(ex.EmptyBatchRequest, "AWS.SimpleQueueService.EmptyBatchRequest", sqs.change_message_visibility_batch,
       QueueUrl=url, Entries=[])
raises(ex.BatchEntryIdsNotDistinct, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.delete_message_batch,
       QueueUrl=url, Entries=[{"Id": "x", "ReceiptHandle": handle}] * 2)
raises(ex.TooManyEntriesInBatchRequest, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
       sqs.delete_message_batch, QueueUrl=url,
       Entries=[{"Id": str(i), "ReceiptHandle": handle} for i in range(11)])
raises(ex.InvalidMessageContents, "InvalidMessageContents", sqs.send_message, QueueUrl=url, MessageBody="\ufffe")

# Unmodeled errors keep SQS's codes.
e = client_error("InvalidParameterValue", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
assert "MaxNumberOfMessages" in e.response["Error"]["Message"], e.response
client_error("MissingParameter", sqs.send_message, QueueUrl=url, MessageBody="")
try:
    sqs.tag_queue(QueueUrl=url, Tags={"a": "b"})
    raise AssertionError("TagQueue is not implemented")
except sqs.exceptions.ClientError as e:
    assert "AmazonSQS.TagQueue" in e.response["Error"]["Message"], e.response
print("ok")
