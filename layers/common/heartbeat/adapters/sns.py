"""The alerts topic (SNS): publishing alerts with the message attributes subscriptions filter on, and
its subscriptions. Every SNS call Heartbeat makes is here.

An alert is published with MessageStructure=json: `default`, the JSON document, is what https, SQS,
Lambda and email-json subscribers get, as before; `email` and `sms` subscribers get words
(domain/alertwords.py). An alert written before it had words (no facts) is published as before.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.domain.alertwords import AlertFacts, message_structure
from heartbeat.domain.errors import InvalidInput, NotFound, Unavailable
from heartbeat.domain.model import AUDIENCE, Alert

PENDING = "PendingConfirmation"  # what SNS says in place of an ARN until a subscription is confirmed


class Publisher(Protocol):
    def publish(self, alert: Alert) -> str:
        """The message id; raises Unavailable when the publish failed."""
        ...


Links = Callable[[], str]  # the deployment's URL, for the links in words (adapters/ssm.public_url); "": none


def _message(message: str, facts: AlertFacts | None, links: Links, alert_id: str) -> dict[str, str]:
    """Publish's message arguments: the document alone, or the structure with its words."""
    if facts is None:
        return {"Message": message}
    return {"Message": message_structure(message, facts, links(), alert_id), "MessageStructure": "json"}


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str, links: Links = lambda: "") -> None:
        self._sns = client
        self._topic = topic_arn
        self._links = links

    def publish(self, alert: Alert) -> str:
        attributes: dict[str, Any] = {
            "event": {"DataType": "String", "StringValue": alert.event.value},
            "monitor_id": {"DataType": "String", "StringValue": alert.monitor_id},
            "alert_id": {"DataType": "String", "StringValue": alert.id},
            "audience": {"DataType": "String", "StringValue": AUDIENCE},  # not a test alert
        }
        if alert.tags:  # SNS refuses an empty String.Array
            attributes["tags"] = {"DataType": "String.Array", "StringValue": json.dumps(alert.tags)}
        try:
            resp = self._sns.publish(
                TopicArn=self._topic,
                Subject=alert.subject,
                MessageAttributes=attributes,
                **_message(alert.message, alert.facts, self._links, alert.id),
            )
        except ClientError as e:
            raise Unavailable(str(e.response.get("Error", {}).get("Code", "ClientError"))) from e
        except BotoCoreError as e:
            raise Unavailable(type(e).__name__) from e
        return str(resp["MessageId"])


@dataclass(frozen=True)
class TopicSubscription:
    """One of SNS's subscriptions to the alerts topic, as SNS tells it."""

    id: str  # the subscription ARN's last part; "" while SNS names none (pending confirmation)
    protocol: str
    endpoint: str
    policy: dict[str, Any]  # its filter policy
    pending: bool


class AlertsTopic:
    """Every SNS call about the alerts topic's subscriptions, with SNS's errors as the domain's: what SNS
    refuses in the request is InvalidInput, an unknown subscription NotFound, and a throttled, denied
    or failing SNS Unavailable (503, try again), never an unhandled ClientError."""

    def __init__(self, client: Any, topic_arn: str, links: Links = lambda: "") -> None:
        self._sns = client
        self._topic = topic_arn
        self._links = links  # for a test alert's words

    def subscribe(
        self, protocol: str, endpoint: str, policy: dict[str, Any], dead_letter_arn: str
    ) -> TopicSubscription:
        attributes = {"FilterPolicy": json.dumps(policy)}
        if dead_letter_arn:
            attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dead_letter_arn})
        with _sns_errors(refused_field="endpoint"):
            arn = self._sns.subscribe(
                TopicArn=self._topic,
                Protocol=protocol,
                Endpoint=endpoint,
                Attributes=attributes,
                ReturnSubscriptionArn=True,
            )["SubscriptionArn"]
            if arn == PENDING or not arn.startswith(self._topic):
                return TopicSubscription("", protocol, endpoint, policy, pending=True)
            # Email and https subscriptions have an ARN at once but stay pending until confirmed.
            attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        pending = attributes.get("PendingConfirmation") == "true"
        return TopicSubscription(arn.rsplit(":", 1)[-1], protocol, endpoint, policy, pending)

    def subscriptions(self) -> list[TopicSubscription]:
        found = []
        with _sns_errors():
            for page in self._sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=self._topic):
                for s in page.get("Subscriptions", []):
                    arn = s["SubscriptionArn"]
                    if arn == PENDING:
                        found.append(TopicSubscription("", s["Protocol"], s["Endpoint"], {}, pending=True))
                        continue
                    attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
                    policy = json.loads(attributes.get("FilterPolicy") or "{}")
                    pending = attributes.get("PendingConfirmation") == "true"
                    found.append(
                        TopicSubscription(arn.rsplit(":", 1)[-1], s["Protocol"], s["Endpoint"], policy, pending)
                    )
        return found

    def set_filter(self, subscription_id: str, policy: dict[str, Any]) -> None:
        with _sns_errors():
            self._sns.set_subscription_attributes(
                SubscriptionArn=f"{self._topic}:{subscription_id}",
                AttributeName="FilterPolicy",
                AttributeValue=json.dumps(policy),
            )

    def unsubscribe(self, subscription_id: str) -> None:
        with _sns_errors():
            self._sns.unsubscribe(SubscriptionArn=f"{self._topic}:{subscription_id}")

    def publish_test(
        self, subject: str, message: str, attributes: dict[str, str | list[str]], facts: AlertFacts | None = None
    ) -> str:
        """A test alert carrying these routing attributes (a list is a String.Array), in words with
        `facts`; the message id."""
        shaped = {
            name: {"DataType": "String.Array", "StringValue": json.dumps(value)}
            if isinstance(value, list)
            else {"DataType": "String", "StringValue": value}
            for name, value in attributes.items()
        }
        with _sns_errors():
            resp = self._sns.publish(
                TopicArn=self._topic,
                Subject=subject,
                MessageAttributes=shaped,
                **_message(message, facts, self._links, json.loads(message).get("alertId", "")),
            )
        return str(resp["MessageId"])


@functools.cache
def known_regions(service: str) -> frozenset[str]:
    """The regions botocore knows the service in, in every partition (its own data; no network)."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    )


@contextlib.contextmanager
def _sns_errors(refused_field: str = "") -> Iterator[None]:
    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        code = str(error.get("Code", "ClientError"))
        if refused_field and code in ("InvalidParameter", "InvalidParameterValue"):
            raise InvalidInput(refused_field, f"SNS refused it: {error.get('Message', '')}") from None
        if code == "NotFound":
            raise NotFound("subscription not found") from None
        raise Unavailable(code) from e
    except BotoCoreError as e:
        raise Unavailable(type(e).__name__) from e
