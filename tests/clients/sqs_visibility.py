"""Visibility: a received message is hidden for its visibility timeout and then comes back with
a new receipt handle and a higher ApproximateReceiveCount; ChangeMessageVisibility to 0 shows it
at once; old receipt handles delete nothing; the queue's VisibilityTimeout is the default."""
import time

from sqs_common import client_error, raises, sqs

url = sqs.create_queue(QueueName="visible", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
sent = sqs.send_message(QueueUrl=url, MessageBody="work")


def receive(**kwargs):
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"], **kwargs)
    return got.get("Messages", [])


[first] = receive()
assert first["Attributes"]["ApproximateReceiveCount"] == "1", first
assert receive() == [], "hidden during its visibility timeout"
time.sleep(1.2)  # the queue's VisibilityTimeout of 1 s
[second] = receive(VisibilityTimeout=30)
assert second["MessageId"] == sent["MessageId"], second
assert second["Attributes"]["ApproximateReceiveCount"] == "2", second
assert second["ReceiptHandle"] != first["ReceiptHandle"]
time.sleep(1.2)
assert receive() == [], "the receive's own VisibilityTimeout (30 s) wins over the queue's"

# Visible again at once.
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
[third] = receive(VisibilityTimeout=30)
assert third["Attributes"]["ApproximateReceiveCount"] == "3", third

# An old handle: deleting succeeds but deletes nothing; changing visibility fails.
sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
assert counts["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1", counts
client_error("InvalidParameterValue", sqs.change_message_visibility,
             QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
raises(sqs.exceptions.ReceiptHandleIsInvalid, "ReceiptHandleIsInvalid", sqs.change_message_visibility,
       QueueUrl=url, ReceiptHandle="forged", VisibilityTimeout=0)
client_error("InvalidParameterValue", sqs.change_message_visibility,
             QueueUrl=url, ReceiptHandle=third["ReceiptHandle"], VisibilityTimeout=43201)

# The latest handle deletes it, for good.
sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])  # again: still fine
time.sleep(1.2)
assert receive() == []
counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0", counts
print("ok")
