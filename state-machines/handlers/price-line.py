#!/usr/bin/env python3
"""A stand-in for the price-line Lambda: reads the event on stdin, prints the result."""
import json, sys

PRICES = {"BOOK-1": 12.5, "PEN-7": 1.25}
event = json.load(sys.stdin)
if event["sku"] not in PRICES:
    print(json.dumps({"errorType": "UnknownSku", "errorMessage": f"no price for {event['sku']}"}))
    sys.exit(1)
print(json.dumps({"sku": event["sku"], "total": PRICES[event["sku"]] * event["qty"]}))
