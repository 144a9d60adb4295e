"""Long polling: a receive waiting up to 5 s returns as soon as another client sends (~1 s); one
with nothing to receive returns empty after its wait; the queue's ReceiveMessageWaitTimeSeconds
is the default wait; WaitTimeSeconds is checked."""
import threading
import time

from common import client
from sqs_common import client_error, sqs

url = sqs.create_queue(QueueName="polled")["QueueUrl"]


def send_later(delay, body):
    def run():
        time.sleep(delay)
        client("sqs").send_message(QueueUrl=url, MessageBody=body)
    t = threading.Thread(target=run)
    t.start()
    return t


# Woken by a send: returns right after it, long before the 5 s are up.
sender = send_later(1.0, "arrived")
start = time.monotonic()
got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
elapsed = time.monotonic() - start
sender.join()
assert [m["Body"] for m in got.get("Messages", [])] == ["arrived"], got
assert 0.9 <= elapsed < 1.6, f"the long poll returned after {elapsed:.2f} s, expected ~1 s"
sqs.delete_message(QueueUrl=url, ReceiptHandle=got["Messages"][0]["ReceiptHandle"])

# Nothing arrives: empty after the wait.
start = time.monotonic()
got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
elapsed = time.monotonic() - start
assert "Messages" not in got, got
assert 0.95 <= elapsed < 1.8, f"an empty 1 s long poll took {elapsed:.2f} s"

# Without WaitTimeSeconds: a short poll, unless the queue sets a default wait.
start = time.monotonic()
assert "Messages" not in sqs.receive_message(QueueUrl=url)
assert time.monotonic() - start < 0.5
sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "1"})
start = time.monotonic()
assert "Messages" not in sqs.receive_message(QueueUrl=url)
elapsed = time.monotonic() - start
assert 0.95 <= elapsed < 1.8, f"the queue's 1 s default wait took {elapsed:.2f} s"
start = time.monotonic()
assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
assert time.monotonic() - start < 0.5, "WaitTimeSeconds=0 overrides the queue's wait"

# Two pollers, one message: exactly one of them gets it; the other keeps waiting.
results = []


def poll():
    got = client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=2)
    results.append((time.monotonic(), got.get("Messages", [])))


start = time.monotonic()
pollers = [threading.Thread(target=poll) for _ in range(2)]
for p in pollers:
    p.start()
time.sleep(0.3)
sqs.send_message(QueueUrl=url, MessageBody="one")
for p in pollers:
    p.join()
bodies = [m["Body"] for _, ms in results for m in ms]
assert bodies == ["one"], results
empty_at = [t - start for t, ms in results if not ms]
assert len(empty_at) == 1 and empty_at[0] >= 1.9, results

client_error("InvalidParameterValue", sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)
client_error("InvalidParameterValue", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
client_error("InvalidParameterValue", sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=0)
print("ok")
