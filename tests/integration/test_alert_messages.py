"""Alerts per SNS protocol (issue 28): each alert is published with MessageStructure=json, so email
and SMS subscribers get words and every other subscriber (SQS, https, the notifier's Lambda) gets
the JSON document as before. What is published is read from botocore's own event on each
function's SNS client; what subscribers get is what moto's SNS hands them."""

from __future__ import annotations

import json
from typing import Any

from heartbeat_local.targetserver import TargetServer
from tests.harness import Stack

OWN_URL = "https://local.execute-api.us-east-1.amazonaws.com"  # the stack's SSM parameter, as in test_public_url


def published(client: Any) -> list[dict[str, Any]]:
    """The Publish calls this SNS client makes from now on, with their parameters as given."""
    calls: list[dict[str, Any]] = []
    client.meta.events.register("provide-client-params.sns.Publish", lambda params, **_: calls.append(dict(params)))
    return calls


def variants(call: dict[str, Any]) -> dict[str, str]:
    assert call["MessageStructure"] == "json"
    structure: dict[str, str] = json.loads(call["Message"])
    assert set(structure) == {"default", "email", "sms"}
    return structure


def raw_queue(stack: Stack) -> str:
    """An SQS queue subscribed with raw delivery: its messages are the published message itself."""
    url = stack.sqs.create_queue(QueueName="raw-alerts")["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.sns.subscribe(
        TopicArn=stack.refs["AlertsTopic"], Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    return url


def bodies(stack: Stack, url: str) -> list[str]:
    messages = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in messages]


def test_email_and_sms_get_words_and_every_other_subscriber_the_document(stack: Stack, target: TargetServer) -> None:
    pings = published(stack.modules["PingFunction"].deps.publisher()._sns)
    sweeps = published(stack.modules["SweeperFunction"].deps.publisher._sns)
    raw = raw_queue(stack)
    stack.sns.subscribe(TopicArn=stack.refs["AlertsTopic"], Protocol="http", Endpoint=f"{target.url}/sns")
    target.received.clear()  # moto's subscription confirmation
    m = stack.create_monitor(interval=3600, grace=600, tags=["backup"], config_extra={"realertInterval": 3600})
    stack.ping(m["token"])

    # Down: the job exits 1 with a traceback.
    traceback = "Traceback (most recent call last):\nOSError: disk full\n"
    assert stack.ping(m["token"], "/1", "POST", traceback).status == 200
    [down] = pings
    words = variants(down)
    document = json.loads(words["default"])
    assert document["event"] == "monitor.down" and document["incident"]["cause"] == "exit_status"
    assert words["email"].startswith("Nightly Backup is DOWN: exit status 1.\n\nDown since  ")
    assert "  | OSError: disk full\n" in words["email"]
    assert f"Monitor     {OWN_URL}/#monitor/{m['id']}\n" in words["email"]  # the link, from the stack's parameter
    assert words["sms"].startswith("DOWN Nightly Backup: exit status 1 at ")
    assert words["sms"].endswith(f" {OWN_URL}/#monitor/{m['id']}") and len(words["sms"]) <= 160
    assert down["Subject"] == "DOWN: Nightly Backup"

    # Every subscriber that parses the document gets it unchanged: SQS (raw and in SNS's envelope),
    # https, and the notifier's Lambda (test_notifier.py's targets still get theirs).
    assert bodies(stack, raw) == [words["default"]]
    [queued] = stack.alerts()
    assert {k: v for k, v in queued.items() if not k.startswith("_")} == document
    [notification] = [json.loads(r.body) for r in target.received]
    assert notification["Type"] == "Notification" and notification["Message"] == words["default"]

    # The reminder, from the sweeper, still says why.
    stack.clock.advance(3600)
    assert stack.sweep()["reminders"] == 1
    [reminder] = sweeps
    assert variants(reminder)["email"].startswith("Nightly Backup is STILL DOWN, for 1 h: exit status 1.\n")
    assert variants(reminder)["sms"].startswith("STILL DOWN Nightly Backup for 1 h: exit status 1 ")

    # Up: how long it was down.
    stack.clock.advance(300)
    stack.ping(m["token"])
    up = variants(pings[-1])
    assert up["email"].startswith("Nightly Backup is UP again, after 1 h 5 min down.\n")
    assert json.loads(bodies(stack, raw)[-1])["event"] == "monitor.up"


def test_a_missed_deadline_s_words_come_from_the_sweeper(stack: Stack) -> None:
    sweeps = published(stack.modules["SweeperFunction"].deps.publisher._sns)
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    stack.clock.advance(95)
    assert stack.sweep()["alerts_sent"] == 1
    words = variants(sweeps[0])
    assert words["email"].startswith("Nightly Backup is DOWN: no ping for 1 min + 30 s grace.\n")
    assert "Last ping   " in words["email"] and "(1 min 35 s ago)" in words["email"]


def test_a_test_alert_is_in_words_too(stack: Stack) -> None:
    api = stack.modules["ApiFunction"].deps
    tests = published(api.subscriptions()._topic._sns)
    made = stack.request("POST", "/api/v1/subscriptions", {"protocol": "sms", "endpoint": "+37120000000"})
    assert made.status == 201, made.body
    assert stack.request("POST", f"/api/v1/subscriptions/{made.json()['id']}/test").status == 202
    words = variants(tests[0])
    assert json.loads(words["default"])["event"] == "monitor.test"
    assert words["sms"] == f"TEST Heartbeat: alerts reach this number {OWN_URL}/"
    assert words["email"].startswith("This is a test alert from Heartbeat")
