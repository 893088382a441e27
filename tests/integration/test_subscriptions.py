"""Subscriptions on the SNS topic, with filters SNS itself applies (moto evaluates filter policies)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.harness import Stack

SUBS = "/api/v1/subscriptions"


def queue(stack: Stack, name: str) -> tuple[str, str]:
    url = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def received(stack: Stack, url: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            doc: dict[str, Any] = json.loads(json.loads(m["Body"])["Message"])
            out.append((doc["monitor"]["name"], doc["event"]))
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_filters_by_tag_and_by_event(stack: Stack) -> None:
    infra_url, infra_arn = queue(stack, "infra")
    downs_url, downs_arn = queue(stack, "downs")
    made = stack.request(
        "POST", SUBS, {"protocol": "sqs", "endpoint": infra_arn, "filter": {"tags": ["infrastructure"]}}
    )
    assert made.status == 201 and made.json()["status"] == "confirmed"
    stack.request("POST", SUBS, {"protocol": "sqs", "endpoint": downs_arn, "filter": {"events": ["monitor.down"]}})

    backup = stack.create_monitor(name="Backup", tags=["infrastructure", "db"])
    report = stack.create_monitor(name="Reporting", tags=["finance"])
    for m in (backup, report):
        stack.ping(m["token"], "/fail")
        stack.ping(m["token"])

    assert received(stack, infra_url) == [("Backup", "monitor.down"), ("Backup", "monitor.up")]
    assert received(stack, downs_url) == [("Backup", "monitor.down"), ("Reporting", "monitor.down")]


def test_a_filter_by_monitor_and_listing_and_removal(stack: Stack) -> None:
    url, arn = queue(stack, "one")
    backup = stack.create_monitor(name="Backup")
    other = stack.create_monitor(name="Other")
    sub = stack.request("POST", SUBS, {"protocol": "sqs", "endpoint": arn, "filter": {"monitors": [backup["id"]]}})
    stack.ping(other["token"], "/fail")
    stack.ping(backup["token"], "/fail")
    assert received(stack, url) == [("Backup", "monitor.down")]

    listed = [s for s in stack.request("GET", SUBS).json()["items"] if s["endpoint"] == arn]
    assert listed == [sub.json()] and listed[0]["filter"]["monitors"] == [backup["id"]]
    assert stack.request("DELETE", f"{SUBS}/{listed[0]['id']}").status == 204
    assert all(s["endpoint"] != arn for s in stack.request("GET", SUBS).json()["items"])
    assert stack.request("DELETE", f"{SUBS}/{listed[0]['id']}").status == 404
    assert stack.request("DELETE", f"{SUBS}/not-an-id").status == 404


def test_https_urls_are_masked(stack: Stack) -> None:
    hook = stack.request("POST", SUBS, {"protocol": "https", "endpoint": "https://hooks.example.com/T0/B1/secret"})
    assert hook.status == 201 and hook.json()["endpoint"] == "https://hooks.example.com/…"
    assert b"secret" not in stack.request("GET", SUBS).body


def test_bad_subscriptions_are_422_and_subscribe_nothing(stack: Stack) -> None:
    before = stack.sns.list_subscriptions_by_topic(TopicArn=stack.refs["AlertsTopic"])["Subscriptions"]
    for body in (
        {"protocol": "slack", "endpoint": "http://hooks.slack.com/x"},  # plain http, and not this machine
        {"protocol": "pagerduty", "endpoint": "too-short"},
        {"protocol": "telegram", "endpoint": "123456:" + "a" * 35, "chatId": "not a chat"},
        {"protocol": "webhook", "endpoint": "https://hooks.example.com/x", "template": "$NAME is $NOPE"},
        {"protocol": "opsgenie", "endpoint": "k" * 30, "url": "ftp://api.opsgenie.com"},
        {"protocol": "email", "endpoint": "not an address"},
        {"protocol": "sms", "endpoint": "555-1234"},
        {"protocol": "https", "endpoint": "http://insecure.example.com"},
        {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:123456789012:q", "filter": {"events": ["monitor.late"]}},
        {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:123456789012:q", "filter": {"monitors": ["nope"]}},
    ):
        assert stack.request("POST", SUBS, body).status == 422, body
    after = stack.sns.list_subscriptions_by_topic(TopicArn=stack.refs["AlertsTopic"])["Subscriptions"]
    assert after == before
    read_key = stack.make_key("read")
    assert stack.request("POST", SUBS, {"protocol": "email", "endpoint": "a@b.co"}, key=read_key).status == 403


def test_the_cli_adds_lists_and_removes(stack: Stack) -> None:
    import heartbeat_cli as cli
    from tests.harness import HandlerApi

    _, arn = queue(stack, "cli")
    api = HandlerApi(stack)
    flags = ["--protocol", "sqs", "--endpoint", arn, "--tag", "infrastructure", "--event", "monitor.down"]
    out = cli.run(["subscriptions", "add", *flags], api=api)
    assert out.startswith(f"subscribed {arn} (confirmed) id ")
    listing = cli.run(["subscriptions", "list"], api=api)
    assert "infrastructure" in listing and "monitor.down" in listing
    sub_id = out.rsplit(" ", 1)[-1]
    assert cli.run(["subscriptions", "remove", sub_id], api=api) == f"removed {sub_id}"


def test_a_queue_in_a_region_aws_does_not_have_is_422(stack: Stack) -> None:
    reply = stack.request("POST", SUBS, {"protocol": "sqs", "endpoint": "arn:aws:sqs:aa-a-0:123456789012:q"})
    assert reply.status == 422 and "region 'aa-a-0'" in reply.json()["error"]["message"]


@pytest.mark.parametrize("code", ["Throttling", "AuthorizationError", "InternalError"])
def test_a_failing_sns_is_a_503_and_never_a_500(stack: Stack, code: str) -> None:
    _, arn = queue(stack, "q")
    assert stack.request("POST", SUBS, {"protocol": "sqs", "endpoint": arn}).status == 201
    before = stack.request("GET", SUBS).json()["items"]
    sns = stack.modules["ApiFunction"].deps.subscriptions()._topic._sns

    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "injected")

    sns.meta.events.register("before-call.sns", fail)
    try:
        for method, path, body in [
            ("GET", SUBS, None),
            ("POST", SUBS, {"protocol": "sqs", "endpoint": arn.replace(":q", ":other")}),
        ]:
            reply = stack.request(method, path, body)
            assert reply.status == 503, (method, path, reply.body)
            assert reply.json()["error"]["code"] == "unavailable"
    finally:
        sns.meta.events.unregister("before-call.sns", fail)
    assert stack.request("GET", SUBS).json()["items"] == before  # nothing made or lost meanwhile
