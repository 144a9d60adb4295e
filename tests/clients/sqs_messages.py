"""Messages: send and receive with String, Number and Binary attributes and their MD5s (checked
against this script's own digest and moto's), attribute selection, system attributes, delays,
size and content checks, and the batch operations with partial failures."""
import time

import boto3
from moto import mock_aws

from sqs_common import (check_digests, client_error, md5_of_attributes, md5_of_body, raises,
                        receive_all, sqs)

ex = sqs.exceptions
BODY = "héllo, wörld 😀"
ATTRIBUTES = {
    "color": {"DataType": "String", "StringValue": "blue"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    "meta.kind": {"DataType": "String.custom", "StringValue": "ordér"},
    "meta.size": {"DataType": "Number.int", "StringValue": "-7"},
}

# A second, independent implementation of the digests: moto's.
with mock_aws():
    moto = boto3.client("sqs", region_name="us-east-1")
    moto_url = moto.create_queue(QueueName="reference")["QueueUrl"]
    reference = moto.send_message(QueueUrl=moto_url, MessageBody=BODY, MessageAttributes=ATTRIBUTES)
assert reference["MD5OfMessageAttributes"] == md5_of_attributes(ATTRIBUTES), reference

url = sqs.create_queue(QueueName="messages")["QueueUrl"]
before = time.time()
sent = sqs.send_message(QueueUrl=url, MessageBody=BODY, MessageAttributes=ATTRIBUTES)
assert sent["MD5OfMessageBody"] == md5_of_body(BODY) == reference["MD5OfMessageBody"], sent
assert sent["MD5OfMessageAttributes"] == reference["MD5OfMessageAttributes"], sent
assert "SequenceNumber" not in sent, sent

got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])
[m] = got["Messages"]
assert m["MessageId"] == sent["MessageId"] and m["Body"] == BODY, m
assert m["MessageAttributes"] == ATTRIBUTES, m["MessageAttributes"]
assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], m
check_digests(m)
system = m["Attributes"]
assert set(system) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}, system
assert system["ApproximateReceiveCount"] == "1", system
assert system["SenderId"] == "123456789012", system
assert before - 5 < int(system["SentTimestamp"]) / 1000 <= int(system["ApproximateFirstReceiveTimestamp"]) / 1000 < time.time() + 5, system

# Only the attributes asked for, with the digest of those.
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
for names, expected in [
    (["meta.*"], {"meta.kind", "meta.size"}),
    ([".*"], set(ATTRIBUTES)),
    (["color", "blob", "absent"], {"color", "blob"}),
]:
    [m] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names, VisibilityTimeout=0,
                              AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert set(m["MessageAttributes"]) == expected, (names, m)
    assert m["MD5OfMessageAttributes"] != sent["MD5OfMessageAttributes"] or expected == set(ATTRIBUTES)
    check_digests(m)
    assert list(m["Attributes"]) == ["ApproximateReceiveCount"], m
[m] = sqs.receive_message(QueueUrl=url)["Messages"]
assert "MessageAttributes" not in m and "Attributes" not in m, m
check_digests(m)
assert m["MessageId"] == sent["MessageId"], m
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
assert "Messages" not in sqs.receive_message(QueueUrl=url)

# Delays: the message's own, else the queue's.
sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=1)
assert "Messages" not in sqs.receive_message(QueueUrl=url)
time.sleep(1.1)
[m] = sqs.receive_message(QueueUrl=url)["Messages"]
assert m["Body"] == "soon", m
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901)

# Size and content checks.
small = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
sqs.send_message(QueueUrl=small, MessageBody="x" * 1024)
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=small, MessageBody="x" * 1025)
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=small, MessageBody="x" * 1000,
             MessageAttributes={"pad": {"DataType": "String", "StringValue": "y" * 30}})
sqs.send_message(QueueUrl=url, MessageBody="x" * 1_048_576)
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x" * 1_048_577)
raises(ex.InvalidMessageContents, "InvalidMessageContents", sqs.send_message, QueueUrl=url, MessageBody="bell\u0007")
client_error("MissingParameter", sqs.send_message, QueueUrl=url, MessageBody="")
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x",
             MessageAttributes={"n": {"DataType": "Number", "StringValue": "ten"}})
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x",
             MessageAttributes={"AWS.reserved": {"DataType": "String", "StringValue": "v"}})
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x",
             MessageAttributes={f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)})
sqs.purge_queue(QueueUrl=small)

# SendMessageBatch: good entries go, bad ones are reported one by one.
url = small
batch = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": "a", "MessageBody": "first", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    {"Id": "too-big", "MessageBody": "x" * 1025},
    {"Id": "b", "MessageBody": "second"},
    {"Id": "bad-attr", "MessageBody": "x", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "NaN?"}}},
])
ok = {s["Id"]: s for s in batch["Successful"]}
assert set(ok) == {"a", "b"}, batch
assert ok["a"]["MD5OfMessageBody"] == md5_of_body("first"), ok
assert ok["a"]["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}}), ok
failed = {f["Id"]: f for f in batch["Failed"]}
assert set(failed) == {"too-big", "bad-attr"}, batch
assert all(f["SenderFault"] and f["Code"] == "InvalidParameterValue" for f in failed.values()), failed
received = receive_all(url, MessageAttributeNames=["All"])
assert sorted(m["Body"] for m in received) == ["first", "second"], received
for m in received:
    check_digests(m)

# Batch-level errors.
raises(ex.EmptyBatchRequest, "AWS.SimpleQueueService.EmptyBatchRequest", sqs.send_message_batch, QueueUrl=url, Entries=[])
raises(ex.TooManyEntriesInBatchRequest, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", sqs.send_message_batch,
       QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
raises(ex.BatchEntryIdsNotDistinct, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch,
       QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}])
raises(ex.InvalidBatchEntryId, "AWS.SimpleQueueService.InvalidBatchEntryId", sqs.send_message_batch,
       QueueUrl=url, Entries=[{"Id": "not ok!", "MessageBody": "x"}])
raises(ex.BatchRequestTooLong, "AWS.SimpleQueueService.BatchRequestTooLong", sqs.send_message_batch,
       QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 600_000} for i in range(2)])

# DeleteMessageBatch and ChangeMessageVisibilityBatch with partial failures.
handles = {m["Body"]: m["ReceiptHandle"] for m in received}
changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
    {"Id": "first", "ReceiptHandle": handles["first"], "VisibilityTimeout": 0},
    {"Id": "forged", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 0},
])
assert [s["Id"] for s in changed["Successful"]] == ["first"], changed
assert [(f["Id"], f["Code"]) for f in changed["Failed"]] == [("forged", "ReceiptHandleIsInvalid")], changed
[again] = sqs.receive_message(QueueUrl=url)["Messages"]
assert again["Body"] == "first", again
deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
    {"Id": "first", "ReceiptHandle": again["ReceiptHandle"]},
    {"Id": "second", "ReceiptHandle": handles["second"]},
    {"Id": "forged", "ReceiptHandle": "not-a-handle"},
])
assert sorted(s["Id"] for s in deleted["Successful"]) == ["first", "second"], deleted
assert [(f["Id"], f["Code"], f["SenderFault"]) for f in deleted["Failed"]] == [("forged", "ReceiptHandleIsInvalid", True)], deleted
counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0", counts
print("ok")
