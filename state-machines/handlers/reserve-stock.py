#!/usr/bin/env python3
"""A stand-in for the reserve-stock Lambda."""
import json, sys

event = json.load(sys.stdin)
print(json.dumps({"reservationId": "r-" + event["orderId"], "skus": event["skus"]}))
