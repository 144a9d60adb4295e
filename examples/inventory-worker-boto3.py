#!/usr/bin/env python3
"""The inventory service of the demo, written exactly as for AWS with boto3.

It long-polls the Onlineorders queue, checks each order against examples/inventory.json and
answers the execution's task token with send_task_success / send_task_failure, then deletes the
message. Nothing in it knows about stepwise: point it at `stepwise serve` by setting the
endpoint, as with any AWS SDK program:

    AWS_ENDPOINT_URL=http://127.0.0.1:8083 python3 examples/inventory-worker-boto3.py

On AWS, leave AWS_ENDPOINT_URL unset. `--drain` stops once the queue has been empty for one
long poll (the demo uses it); without it the worker runs until interrupted.
"""
import json
import os
import sys

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUE = "Onlineorders"

sqs = boto3.client("sqs")
sfn = boto3.client("stepfunctions")


def check(order):
    with open(os.path.join(HERE, "inventory.json")) as f:
        inventory = json.load(f)
    return inventory, inventory["stock"].get(order["item"])


def handle(message):
    body = json.loads(message["Body"])
    order, token = body["order"], body["TaskToken"]
    inventory, available = check(order)
    if available is None:
        sfn.send_task_failure(
            taskToken=token,
            error="Inventory.UnknownItem",
            cause=f"No item '{order['item']}' in warehouse {inventory['warehouse']}",
        )
        print(f"order {order['orderId']}: unknown item {order['item']}", file=sys.stderr)
        return
    status = "IN_STOCK" if available >= order["quantity"] else "OUT_OF_STOCK"
    result = {"status": status, "available": available, "warehouse": inventory["warehouse"]}
    sfn.send_task_success(taskToken=token, output=json.dumps(result))
    print(f"order {order['orderId']}: {status} ({available} {order['item']} in stock)", file=sys.stderr)


def main():
    drain = "--drain" in sys.argv[1:]
    queue_url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    while True:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        messages = received.get("Messages", [])
        if not messages and drain:
            return
        for message in messages:
            try:
                handle(message)
            except sfn.exceptions.TaskTimedOut:
                # Answered already (a redelivered message): nothing left to do.
                print("task already answered; dropping the message", file=sys.stderr)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


if __name__ == "__main__":
    main()
