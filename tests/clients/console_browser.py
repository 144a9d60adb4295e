"""The web console in a real browser (headless Chromium, driven by Playwright): the inventory
demo of the seeds followed in the console.

boto3 creates the Onlineorders queue and the inventory-verification machine and starts two
orders; both wait for their task token. The inventory service's answer for order 1002 (the lamp,
out of stock) is sent as the demo's worker sends it. Then the browser:
- opens `/`, clicks the machine, clicks order-1001 (two clicks to an execution);
- checks the drawn path against the execution's history (every state entered is marked, every
  other one is not reached) and that VerifyInventory is waiting;
- answers the waiting task from the page (Send task success) and sees the execution SUCCEEDED;
- opens order-1002 and finds it FAILED at the stock check, its cause on the graph;
- reads an execution's page with JavaScript disabled.
With STEPWISE_SCREENSHOTS=DIR it saves the main pages there (docs/console/ in the repository).
"""
import json
import os
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

from common import ENDPOINT, ROLE, client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHOTS = os.environ.get("STEPWISE_SCREENSHOTS")

sfn = client("stepfunctions")
sqs = client("sqs")

queue = sqs.create_queue(QueueName="Onlineorders")["QueueUrl"]
with open(os.path.join(ROOT, "state-machines/inventory-verification.asl.json")) as f:
    definition = f.read()
machine = sfn.create_state_machine(
    name="inventory-verification", definition=definition, roleArn=ROLE
)["stateMachineArn"]
orders = {
    "1001": {"orderId": "1001", "item": "book", "quantity": 2},
    "1002": {"orderId": "1002", "item": "lamp", "quantity": 3},
}
arns = {
    k: sfn.start_execution(stateMachineArn=machine, name=f"order-{k}", input=json.dumps(v))["executionArn"]
    for k, v in orders.items()
}


def wait(what, ready, within=20):
    deadline = time.time() + within
    while time.time() < deadline:
        got = ready()
        if got:
            return got
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


# The inventory service answers order 1002 as examples/inventory-worker-boto3.py does.
def answer_1002():
    for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        body = json.loads(m["Body"])
        if body["order"]["orderId"] == "1002":
            sfn.send_task_success(
                taskToken=body["TaskToken"],
                output=json.dumps({"status": "OUT_OF_STOCK", "available": 1, "warehouse": "DUB-1"}),
            )
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            return True
    return False


wait("order 1002's message", answer_1002)
wait("order 1002 to fail", lambda: sfn.describe_execution(executionArn=arns["1002"])["status"] == "FAILED")


def entered(arn):
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return {e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e}


STATES = set(json.loads(definition)["States"])


def marks(page):
    """Each drawn state's status, from the SVG."""
    return page.eval_on_selector_all(
        "svg [data-state]", "els => els.map(e => [e.dataset.state, e.dataset.status || ''])"
    )


def check_path(page, arn):
    drawn = dict(marks(page))
    assert set(drawn) == STATES, f"the graph draws {sorted(drawn)}, the machine has {sorted(STATES)}"
    ran = entered(arn)
    for state, status in drawn.items():
        if state in ran:
            assert status not in ("", "not-reached"), f"{state} ran but is drawn {status!r}"
        else:
            assert status == "not-reached", f"{state} did not run but is drawn {status!r}"
    return drawn


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


chromium = os.environ.get("STEPWISE_CHROMIUM", "/usr/bin/chromium")
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(ENDPOINT + "/")
    assert "inventory-verification" in page.inner_text("main")
    shot(page, "home.png")

    # Two clicks to an execution.
    page.click("text=inventory-verification")
    page.wait_for_url("**/console/machine?**")
    shot(page, "machine.png")
    page.click("text=order-1001")
    page.wait_for_url("**/console/execution?**")

    drawn = check_path(page, arns["1001"])
    assert drawn["VerifyInventory"] == "waiting", drawn
    assert "RUNNING" in page.inner_text("h1")
    shot(page, "execution-waiting.png")

    # Answer the waiting task from the page.
    page.fill("form[action='/console/task/success'] textarea[name=output]",
              json.dumps({"status": "IN_STOCK", "available": 12, "warehouse": "DUB-1"}))
    page.click("form[action='/console/task/success'] button")
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.includes('SUCCEEDED')",
                           timeout=20000)
    described = sfn.describe_execution(executionArn=arns["1001"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["status"] == "CONFIRMED"
    drawn = check_path(page, arns["1001"])
    assert drawn["ConfirmOrder"] == "succeeded", drawn
    shot(page, "execution-succeeded.png")

    # The other order failed at the stock check, with its cause on the graph.
    page.goto(ENDPOINT + "/console/executions?status=FAILED")
    page.click("text=order-1002")
    page.wait_for_url("**/console/execution?**")
    assert "FAILED" in page.inner_text("h1")
    drawn = check_path(page, arns["1002"])
    assert drawn["OutOfStock"] == "failed", drawn
    assert drawn["InStock?"] == "succeeded", drawn
    cause = "Order 1002: only 1 of lamp left"
    graph_text = page.eval_on_selector("svg [data-state='OutOfStock']", "e => e.textContent")
    assert cause in graph_text, graph_text
    assert page.locator("table.history").count() == 1
    shot(page, "execution-failed.png")

    page.goto(ENDPOINT + "/console/queues")
    assert "Onlineorders" in page.inner_text("main")
    shot(page, "queues.png")

    # A Conductor workflow (the seed's event_testing: a FORK of a WAIT and a timed EVENT).
    request = urllib.request.Request(ENDPOINT + "/api/workflow/event_testing", data=b"{}",
                                     headers={"Content-Type": "application/json"}, method="POST")
    workflow_id = urllib.request.urlopen(request).read().decode()
    page.goto(ENDPOINT + "/console/workflows")
    page.click(f"text={workflow_id}")
    page.wait_for_url("**/console/workflow?**")
    drawn = dict(marks(page))
    assert drawn["task_1_ref"] == "waiting", drawn
    assert drawn["send_sqs_message_ref"] == "not-reached", drawn
    shot(page, "workflow.png")

    # Reading works without JavaScript.
    plain = browser.new_context(java_script_enabled=False).new_page()
    plain.goto(ENDPOINT + "/console/execution?arn=" + arns["1002"])
    assert "FAILED" in plain.inner_text("h1")
    assert plain.locator("svg [data-state='OutOfStock']").count() == 1
    assert plain.locator("table.history tbody tr").count() >= 5
    browser.close()
print("console ok")
