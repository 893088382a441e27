"""Subscriptions: who receives which alerts. They live in SNS itself, as subscriptions on the
alerts topic with a filter policy, so there is no copy in a table to drift from what SNS does.

A filter names monitors (ids), tags (a monitor with any of them) and events; alerts carry the
matching message attributes (alerts.SnsPublisher). SNS's own protocols only: chat and incident
tools need the notifier, which is not built yet.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.exceptions import ClientError

from heartbeat.errors import InvalidInput, NotFound
from heartbeat.model import AlertEvent

PROTOCOLS = ("email", "sms", "https", "sqs", "lambda")
EVENTS = tuple(e.value for e in AlertEvent)
_REGION = r"[a-z]{2}(-[a-z]+)+-[0-9]+"  # us-east-1, eu-north-1, us-gov-west-1
ENDPOINTS = {
    # Printable ASCII only: SNS refuses the rest, and it has no place in an address or URL.
    "email": (re.compile(r"^[!-?A-~]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"), "an email address"),
    "sms": (re.compile(r"^\+[1-9][0-9]{6,14}$"), "a phone number in E.164 form, such as +15551234567"),
    "https": (re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$"), "an https:// URL"),
    "sqs": (re.compile(rf"^arn:aws[a-z-]*:sqs:{_REGION}:[0-9]{{12}}:[A-Za-z0-9_.-]+$"), "an SQS queue ARN"),
    "lambda": (re.compile(rf"^arn:aws[a-z-]*:lambda:{_REGION}:[0-9]{{12}}:function:[A-Za-z0-9_:.-]+$"), "a Lambda ARN"),
}
PENDING = "PendingConfirmation"


@dataclass(frozen=True)
class Filter:
    monitors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def policy(self) -> dict[str, list[str]]:
        """The SNS filter policy: every part given must match; within a part, any value."""
        parts = {"monitor_id": self.monitors, "tags": self.tags, "event": self.events}
        return {name: values for name, values in parts.items() if values}

    @classmethod
    def from_policy(cls, policy: dict[str, list[str]]) -> Filter:
        return cls(policy.get("monitor_id", []), policy.get("tags", []), policy.get("event", []))


@dataclass(frozen=True)
class Subscription:
    id: str  # the subscription ARN's last part; "" where SNS does not give it (listing a pending one)
    protocol: str
    endpoint: str
    filter: Filter
    pending: bool


def masked(protocol: str, endpoint: str) -> str:
    """What the API shows of an endpoint: an https URL's path and query may hold a secret."""
    if protocol != "https":
        return endpoint
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") or parts.query else endpoint


@functools.cache
def _regions(service: str) -> frozenset[str]:
    """The regions botocore knows the service in, in every partition (its own data; no network)."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    )


class Subscriptions:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic = topic_arn

    def add(self, protocol: str, endpoint: str, filter: Filter) -> Subscription:
        if protocol not in PROTOCOLS:
            raise InvalidInput("protocol", f"must be one of {', '.join(PROTOCOLS)}")
        pattern, what = ENDPOINTS[protocol]
        if not pattern.match(endpoint):
            raise InvalidInput("endpoint", f"must be {what} for protocol {protocol}")
        if protocol in ("sqs", "lambda"):
            region = endpoint.split(":")[3]
            if region not in _regions(protocol):
                raise InvalidInput("endpoint", f"names the region {region!r}, where AWS has no {protocol}")
        unknown = sorted(set(filter.events) - set(EVENTS))
        if unknown:
            raise InvalidInput("filter.events", f"unknown {', '.join(unknown)}; use {', '.join(EVENTS)}")
        attributes = {"FilterPolicy": json.dumps(filter.policy())} if filter.policy() else {}
        try:
            arn = self._sns.subscribe(
                TopicArn=self._topic,
                Protocol=protocol,
                Endpoint=endpoint,
                Attributes=attributes,
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "InvalidParameter":
                raise
            raise InvalidInput("endpoint", f"SNS refused it: {e.response['Error'].get('Message', '')}") from None
        if arn == PENDING or not arn.startswith(self._topic):
            return Subscription("", protocol, endpoint, filter, pending=True)
        # Email and https subscriptions have an ARN at once but stay pending until confirmed.
        attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        pending = attributes.get("PendingConfirmation") == "true"
        return Subscription(arn.rsplit(":", 1)[-1], protocol, endpoint, filter, pending)

    def list(self) -> list[Subscription]:
        found = []
        for page in self._sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=self._topic):
            for s in page.get("Subscriptions", []):
                arn = s["SubscriptionArn"]
                if arn == PENDING:
                    found.append(Subscription("", s["Protocol"], s["Endpoint"], Filter(), pending=True))
                    continue
                attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
                policy = json.loads(attributes.get("FilterPolicy") or "{}")
                pending = attributes.get("PendingConfirmation") == "true"
                found.append(
                    Subscription(
                        arn.rsplit(":", 1)[-1], s["Protocol"], s["Endpoint"], Filter.from_policy(policy), pending
                    )
                )
        return found

    def remove(self, subscription_id: str) -> None:
        try:
            uuid.UUID(subscription_id)
        except ValueError:
            raise NotFound(f"subscription {subscription_id} not found") from None
        if not any(s.id == subscription_id for s in self.list()):
            raise NotFound(f"subscription {subscription_id} not found")
        self._sns.unsubscribe(SubscriptionArn=f"{self._topic}:{subscription_id}")
