"""How SNS's answers about confirmation read (moto confirms at once, so this uses botocore's Stubber)."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
from botocore.stub import Stubber

from heartbeat.adapters.sns import AlertsTopic
from heartbeat.usecases.subscriptions import Delivery, Filter, Subscriptions, masked_endpoint

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def test_an_email_subscription_shows_pending_until_confirmed() -> None:
    sns = boto3.client("sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    arn = f"{TOPIC}:0b9f3c1e-34b8-4a51-9c71-5f0c1d2e3f4a"
    with Stubber(sns) as stub:
        stub.add_response("subscribe", {"SubscriptionArn": arn})
        stub.add_response("get_subscription_attributes", {"Attributes": {"PendingConfirmation": "true"}})
        stub.add_response(
            "list_subscriptions_by_topic",
            {"Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "a@b.co"}]},
        )
        no_targets = SimpleNamespace(targets=SimpleNamespace(all=lambda: []))  # the table's part is not what this tests
        subs = Subscriptions(AlertsTopic(sns, TOPIC), store=no_targets, delivery=Delivery())  # type: ignore[arg-type]
        made = subs.add("email", "a@b.co", Filter(tags=["infrastructure"]))
        assert made.pending and made.id == arn.rsplit(":", 1)[-1]
        [listed] = subs.listing()
        assert listed.pending and listed.id == ""


def test_a_filter_becomes_the_sns_policy_and_back() -> None:
    f = Filter(monitors=["a" * 32], tags=["db"], events=["monitor.down"])
    policy = f.policy("sub-1")
    assert policy == {
        "monitor_id": ["a" * 32],
        "tags": ["db"],
        "event": ["monitor.down"],
        "audience": ["alerts", "sub-1"],
    }
    assert Filter.from_policy(policy) == f
    # No filter still names the audience: real alerts, and test alerts for this subscription only.
    assert Filter().policy("sub-1") == {"audience": ["alerts", "sub-1"]}


def test_https_endpoints_hide_their_path() -> None:
    assert masked_endpoint("https", "https://hooks.slack.com/services/T0/B1/XYZ") == "https://hooks.slack.com/…"
    assert masked_endpoint("https", "https://example.com") == "https://example.com"
    assert masked_endpoint("email", "a@b.co") == "a@b.co"
