"""Dead-letter queues: a message received more than maxReceiveCount times moves to the queue the
RedrivePolicy names, keeping its id, body and attributes; the policy is checked when set."""
import json

from sqs_common import check_digests, client_error, sqs

dead = sqs.create_queue(QueueName="dead")["QueueUrl"]
dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
# maxReceiveCount as a string, as many templates write it; SQS answers with a number.
policy = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "2"})
work = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
stored = json.loads(sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
assert stored == {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2}, stored
assert sqs.list_dead_letter_source_queues(QueueUrl=dead)["queueUrls"] == [work]

attributes = {"why": {"DataType": "String", "StringValue": "poison"}}
sent = sqs.send_message(QueueUrl=work, MessageBody="poison pill", MessageAttributes=attributes)


def receive(url):
    got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"],
                              MessageAttributeNames=["All"])
    return got.get("Messages", [])


# Received twice (each time visible again at once), then moved on the third receive.
for count in ("1", "2"):
    [m] = receive(work)
    assert m["Attributes"]["ApproximateReceiveCount"] == count, m
assert receive(work) == [], "the third receive moves it to the dead-letter queue"
[moved] = receive(dead)
assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison pill", moved
assert moved["MessageAttributes"] == attributes, moved
check_digests(moved)
counts = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])["Attributes"]
assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0", counts

# A message deleted in time never moves.
sqs.send_message(QueueUrl=work, MessageBody="fine")
[m] = receive(work)
sqs.delete_message(QueueUrl=work, ReceiptHandle=m["ReceiptHandle"])
assert receive(work) == []

# The policy is checked: the target must exist and be of the same kind; "" removes it.
missing = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:nowhere", "maxReceiveCount": 3})
client_error("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=work, Attributes={"RedrivePolicy": missing})
client_error("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=work,
             Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 0})})
client_error("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=work, Attributes={"RedrivePolicy": "{}"})
fifo = sqs.create_queue(QueueName="work.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
client_error("InvalidParameterValue", sqs.set_queue_attributes, QueueUrl=fifo, Attributes={"RedrivePolicy": policy})
sqs.set_queue_attributes(QueueUrl=work, Attributes={"RedrivePolicy": ""})
assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["RedrivePolicy"])
assert sqs.list_dead_letter_source_queues(QueueUrl=dead)["queueUrls"] == []
print("ok")
