"""FIFO queues: order within a message group, one group in flight at a time, deduplication by
MessageDeduplicationId and by content, sequence numbers, and the parameters FIFO queues require
or refuse."""
import hashlib

from sqs_common import client_error, sqs

url = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
sent = {}
for body, group in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("a3", "A"), ("b2", "B")]:
    r = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)
    sent[body] = r
sequence = [int(sent[b]["SequenceNumber"]) for b in ["a1", "b1", "a2", "a3", "b2"]]
assert sequence == sorted(sequence) and len(set(sequence)) == 5, sequence

# A duplicate within the window stores nothing and answers with the original.
dup = sqs.send_message(QueueUrl=url, MessageBody="a1 again", MessageGroupId="A", MessageDeduplicationId="a1")
assert dup["MessageId"] == sent["a1"]["MessageId"], dup
assert dup["SequenceNumber"] == sent["a1"]["SequenceNumber"], dup
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
assert attrs["ApproximateNumberOfMessages"] == "5", attrs


def receive(n):
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, AttributeNames=["All"])
    return got.get("Messages", [])


# Send order across groups; then each group waits for its message in flight.
first = receive(2)
assert [m["Body"] for m in first] == ["a1", "b1"], first
a1 = first[0]
assert a1["Attributes"]["MessageGroupId"] == "A", a1
assert a1["Attributes"]["MessageDeduplicationId"] == "a1", a1
assert a1["Attributes"]["SequenceNumber"] == sent["a1"]["SequenceNumber"], a1
assert receive(10) == [], "both groups have a message in flight"
sqs.delete_message(QueueUrl=url, ReceiptHandle=a1["ReceiptHandle"])
assert [m["Body"] for m in receive(10)] == ["a2", "a3"], "group A goes on, in order; B still waits"
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[1]["ReceiptHandle"], VisibilityTimeout=0)
assert [m["Body"] for m in receive(10)] == ["b1", "b2"], "b1 comes back first"

# Content-based deduplication: the body's SHA-256 is the id.
cbd = sqs.create_queue(QueueName="events.fifo",
                       Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
one = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
two = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
three = sqs.send_message(QueueUrl=cbd, MessageBody="different", MessageGroupId="g")
assert one["MessageId"] == two["MessageId"] != three["MessageId"], (one, two, three)
batch = sqs.send_message_batch(QueueUrl=cbd, Entries=[
    {"Id": "dup", "MessageBody": "same", "MessageGroupId": "g"},
    {"Id": "new", "MessageBody": "new", "MessageGroupId": "g"},
    {"Id": "nogroup", "MessageBody": "x"},
])
ok = {s["Id"]: s for s in batch["Successful"]}
assert ok["dup"]["MessageId"] == one["MessageId"] and "SequenceNumber" in ok["new"], batch
assert [(f["Id"], f["Code"]) for f in batch["Failed"]] == [("nogroup", "MissingParameter")], batch
got = sqs.receive_message(QueueUrl=cbd, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageDeduplicationId"])
assert [m["Body"] for m in got["Messages"]] == ["same", "different", "new"], got
assert got["Messages"][0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same").hexdigest(), got

# What FIFO queues require and refuse, and what standard queues refuse.
client_error("MissingParameter", sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="x")
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="A")
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="A",
             MessageDeduplicationId="d", DelaySeconds=1)
standard = sqs.create_queue(QueueName="standard")["QueueUrl"]
client_error("InvalidParameterValue", sqs.send_message, QueueUrl=standard, MessageBody="x", MessageDeduplicationId="d")
assert "SequenceNumber" not in sqs.send_message(QueueUrl=standard, MessageBody="x")
print("ok")
