#!/usr/bin/env python3
"""A stand-in for the charge-card Lambda: charges the sum of the priced lines."""
import json, sys

event = json.load(sys.stdin)
total = sum(line["total"] for line in event["lines"])
if total > 1000:
    print(json.dumps({"errorType": "Payment.Declined", "errorMessage": "over the card limit"}))
    sys.exit(1)
print(json.dumps({"charged": total, "currency": "EUR"}))
