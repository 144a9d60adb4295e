#!/usr/bin/env python3
"""The inventory service of the demo: what the seed's Lambda does, as a local command.

It gets the event an SQS-triggered Lambda gets on stdin ({"Records": [...]}), checks each order
against examples/inventory.json, and answers the execution's task token:
  - known item: `stepwise task success` with {"status": "IN_STOCK" | "OUT_OF_STOCK", ...};
  - unknown item: `stepwise task failure` with the error Inventory.UnknownItem.
stepwise runs it with STEPWISE_BIN (its own binary) and STEPWISE_DB (the database) set.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STEPWISE = os.environ.get("STEPWISE_BIN", "stepwise")


def answer(*args):
    subprocess.run([STEPWISE, "task", *args], check=True)


def handle(record):
    message = json.loads(record["body"])
    order, token = message["order"], message["TaskToken"]
    with open(os.path.join(HERE, "inventory.json")) as f:
        inventory = json.load(f)
    available = inventory["stock"].get(order["item"])
    if available is None:
        answer("failure", "--token", token, "--error", "Inventory.UnknownItem",
               "--cause", f"No item '{order['item']}' in warehouse {inventory['warehouse']}")
        print(f"order {order['orderId']}: unknown item {order['item']}", file=sys.stderr)
        return
    status = "IN_STOCK" if available >= order["quantity"] else "OUT_OF_STOCK"
    result = {"status": status, "available": available, "warehouse": inventory["warehouse"]}
    answer("success", "--token", token, "--output", json.dumps(result))
    print(f"order {order['orderId']}: {status} ({available} {order['item']} in stock)", file=sys.stderr)


for record in json.load(sys.stdin)["Records"]:
    handle(record)
