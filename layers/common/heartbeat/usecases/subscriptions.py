"""Subscriptions: who receives which alerts. SNS's own (email, sms, https, sqs, lambda) live in
SNS itself, as subscriptions on the alerts topic with a filter policy, so there is no copy in a
table to drift from what SNS does; each redrives what SNS cannot deliver to the dead-letter queue.
Chat and incident targets (Slack, PagerDuty, ...) are items in the table, delivered by the
notifier (domain/targets.py says why). Both kinds are listed, tested and removed alike.

A filter names monitors (ids), tags (a monitor with any of them) and events; alerts carry the
matching message attributes (adapters/sns.py). Every filter also names an audience: "alerts"
for real alerts and a value of its own, so a test alert goes through SNS to one subscription only.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from heartbeat.adapters.http import RefusedAddress, vetted_addresses
from heartbeat.adapters.sns import AlertsTopic, TopicSubscription, known_regions
from heartbeat.domain import targetkinds
from heartbeat.domain.alertwords import TEST_EVENT, facts_of_a_test
from heartbeat.domain.errors import InvalidInput, NotFound
from heartbeat.domain.model import AUDIENCE, AlertEvent
from heartbeat.domain.targets import Filter, Target
from heartbeat.store import Store

SNS_PROTOCOLS = ("email", "sms", "https", "sqs", "lambda")
PROTOCOLS = SNS_PROTOCOLS + tuple(targetkinds.KINDS)
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


@dataclass(frozen=True)
class Subscription:
    id: str  # the subscription ARN's last part; "" where SNS does not give it (listing a pending one)
    protocol: str
    endpoint: str
    filter: Filter
    pending: bool
    audience: str = ""  # its own value in the filter: a test alert to it alone carries it


def masked_endpoint(protocol: str, endpoint: str) -> str:
    """What the API shows of an endpoint: an https URL's path and query may hold a secret."""
    if protocol != "https":
        return endpoint
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") or parts.query else endpoint


@dataclass(frozen=True)
class Delivery:
    """Where the deployment's notifier and dead-letter queue are, and what targets may be."""

    notifier_arn: str = ""  # its own subscription is the deployment's, not listed
    dead_letter_arn: str = ""
    allow_http: bool = False  # plain http to this machine: the local stack only


class Subscriptions:
    def __init__(self, topic: AlertsTopic, store: Store, delivery: Delivery) -> None:
        self._topic = topic
        self._store = store
        self._delivery = delivery

    def add(
        self,
        protocol: str,
        endpoint: str,
        filter: Filter,
        target: Target | None = None,
        now_ms: int = 0,
        audience: str = "",
    ) -> Subscription:
        """Subscribe an SNS endpoint, or add a chat or incident target (`target` gives its details)."""
        if protocol not in PROTOCOLS:
            raise InvalidInput("protocol", f"must be one of {', '.join(PROTOCOLS)}")
        unknown = sorted(set(filter.events) - set(EVENTS))
        if unknown:
            raise InvalidInput("filter.events", f"unknown {', '.join(unknown)}; use {', '.join(EVENTS)}")
        audience = audience or f"sub-{secrets.token_hex(8)}"  # not a secret: it only routes test alerts
        if protocol in targetkinds.KINDS:
            target = target or Target("", protocol, endpoint)
            self.check(target)
            if not self._delivery.notifier_arn:
                raise InvalidInput("protocol", f"{protocol} needs the notifier, which this deployment lacks")
            target = dataclasses.replace(
                target, id=str(uuid.uuid4()), filter=filter, audience=audience, created_ms=now_ms
            )
            self._store.targets.add(target)
            return _shown(target)
        return self._subscribe(protocol, endpoint, filter, audience)

    def _subscribe(self, protocol: str, endpoint: str, filter: Filter, audience: str) -> Subscription:
        pattern, what = ENDPOINTS[protocol]
        if not pattern.match(endpoint):
            raise InvalidInput("endpoint", f"must be {what} for protocol {protocol}")
        if protocol in ("sqs", "lambda"):
            region = endpoint.split(":")[3]
            if region not in known_regions(protocol):
                raise InvalidInput("endpoint", f"names the region {region!r}, where AWS has no {protocol}")
        made = self._topic.subscribe(protocol, endpoint, filter.policy(audience), self._delivery.dead_letter_arn)
        return Subscription(made.id, protocol, endpoint, filter, made.pending, audience)

    def listing(self) -> list[Subscription]:
        """SNS's subscriptions (but the notifier's own), then the targets, oldest first."""
        return self.sns_subscriptions() + [_shown(t) for t in self.targets()]

    def targets(self) -> list[Target]:
        return self._store.targets.all()

    def check(self, target: Target) -> None:
        """What targetkinds.check refuses, and a URL whose name resolves to an address no target may have
        (the metadata service, this machine, a private network). A name that does not resolve now is
        let through: the notifier judges the addresses again at every delivery, and connects only to
        those it judged, so what the name resolves to later is caught then."""
        targetkinds.check(target, self._delivery.allow_http)
        for field_name, url in targetkinds.urls(target):
            parts = urlsplit(url)
            try:
                vetted_addresses(parts.hostname or "", parts.port or 443, self._delivery.allow_http)
            except RefusedAddress as e:
                why = f"{parts.hostname} resolves to {e.address}, {e.reason}; alerts go to public addresses only"
                raise InvalidInput(field_name, why) from None
            except ValueError:
                raise InvalidInput(field_name, "has a port past 65535") from None
            except (OSError, UnicodeError):
                pass  # does not resolve now

    def refilter(self, current: Subscription | Target, declared: DeclaredSubscription) -> None:
        """A new filter (and, for a target, new details) for an existing subscription, in place."""
        if isinstance(current, Target):
            t = declared.target or current
            new = dataclasses.replace(
                current, filter=declared.filter, url=t.url, template=t.template, content_type=t.content_type
            )
            self.check(new)
            self._store.targets.replace(new)
            return
        self._topic.set_filter(current.id, declared.filter.policy(current.audience or f"file-{secrets.token_hex(8)}"))

    def sns_subscriptions(self) -> list[Subscription]:
        return [_listed(s) for s in self._topic.subscriptions() if not self._is_notifier(s)]

    def _is_notifier(self, s: TopicSubscription) -> bool:
        return s.protocol == "lambda" and s.endpoint == self._delivery.notifier_arn

    def get(self, subscription_id: str) -> Subscription:
        try:
            uuid.UUID(subscription_id)
        except ValueError:
            raise NotFound(f"subscription {subscription_id} not found") from None
        for sub in self.listing():
            if sub.id == subscription_id:
                return sub
        raise NotFound(f"subscription {subscription_id} not found")

    def remove(self, subscription_id: str) -> None:
        sub = self.get(subscription_id)
        if sub.protocol in targetkinds.KINDS:
            self._store.targets.delete(subscription_id)
        else:
            self._topic.unsubscribe(subscription_id)

    def test(self, subscription_id: str, now_ms: int) -> str:
        """Send a test alert through SNS to this subscription alone; the SNS message id."""
        sub = self.get(subscription_id)
        if not sub.audience:
            raise InvalidInput("id", "this subscription was made before test alerts; remove and add it again")
        f = sub.filter
        # The routing attributes must pass the subscription's own filter; the message says it is a test.
        attributes: dict[str, str | list[str]] = {
            "audience": sub.audience,
            "event": (f.events or [TEST_EVENT])[0],
            "monitor_id": (f.monitors or ["test"])[0],
        }
        if f.tags:
            attributes["tags"] = f.tags[:1]
        message = test_message(sub.id, f.tags[:1], now_ms)
        return self._topic.publish_test("TEST: Heartbeat alert", message, attributes, facts_of_a_test(now_ms))


def _listed(s: TopicSubscription) -> Subscription:
    if s.pending and not s.id:
        return Subscription("", s.protocol, s.endpoint, Filter(), pending=True)
    audience = next((a for a in s.policy.get("audience", []) if a != AUDIENCE), "")
    return Subscription(s.id, s.protocol, s.endpoint, Filter.from_policy(s.policy), s.pending, audience)


def _shown(target: Target) -> Subscription:
    return Subscription(target.id, target.kind, targetkinds.masked(target), target.filter, False, target.audience)


def test_message(subscription_id: str, tags: list[str], now_ms: int) -> str:
    return json.dumps(
        {
            "version": "1",
            "alertId": f"test:{subscription_id}:{now_ms}",
            "event": TEST_EVENT,
            "monitor": {"id": "test", "name": "Heartbeat test alert", "tags": tags},
            "incident": {"id": "test", "cause": "test"},
            "lastPingAt": None,
        },
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class DeclaredSubscription:
    """A subscription as an apply file declares it."""

    where: str  # subscriptions[2], for messages
    protocol: str
    endpoint: str
    filter: Filter
    target: Target | None  # chat and incident targets: their details


@dataclass(frozen=True)
class SubscriptionChange:
    action: str  # create, update, unchanged, delete
    name: str  # "<protocol> <endpoint as shown>"
    id: str | None
    diff: dict[str, tuple[Any, Any]]


def _identity(protocol: str, endpoint: str, chat_id: str = "") -> tuple[str, str, str]:
    return (protocol, endpoint, chat_id)


class FileSync:
    """Monitoring as code for subscriptions: a file's list made true, matched by protocol and
    endpoint (and chat), filters updated in place. Made by a file: an audience beginning `file-`."""

    def __init__(self, subs: Subscriptions) -> None:
        self._subs = subs

    def plan(self, declared: list[DeclaredSubscription], prune: str) -> list[tuple[SubscriptionChange, Any]]:
        """(change, what to act on): the declared entry, or the existing subscription or target."""
        seen: dict[tuple[str, str, str], str] = {}
        for d in declared:
            if d.target is not None:
                try:
                    self._subs.check(d.target)
                except InvalidInput as e:
                    raise InvalidInput(f"{d.where}.{e.field}", e.message) from None
            key = _identity(d.protocol, d.endpoint, d.target.chat_id if d.target else "")
            if key in seen:
                raise InvalidInput(d.where, f"declares the same subscription as {seen[key]}")
            seen[key] = d.where
        existing = self._existing()
        out: list[tuple[SubscriptionChange, Any]] = []
        matched: set[tuple[str, str, str]] = set()
        for d in declared:
            key = _identity(d.protocol, d.endpoint, d.target.chat_id if d.target else "")
            current = existing.get(key)
            shown = _name(d.protocol, d.endpoint, d.target)
            if current is None:
                out.append((SubscriptionChange("create", shown, None, {}), d))
                continue
            matched.add(key)
            diff = _diff(current, d) if current.id else {}  # SNS names no pending subscription: left as is
            sub_id = current.id
            out.append(
                (SubscriptionChange("update" if diff else "unchanged", shown, sub_id or None, diff), (current, d))
            )
        for key, current in existing.items():
            mine = current.audience.startswith("file-")
            if key in matched or not current.id or prune == "none" or (prune == "managed" and not mine):
                continue
            endpoint = current.endpoint
            name = (
                _name(current.kind, endpoint, current) if isinstance(current, Target) else _name(key[0], endpoint, None)
            )
            out.append((SubscriptionChange("delete", name, current.id, {}), current))
        return out

    def execute(self, planned: list[tuple[SubscriptionChange, Any]], now_ms: int) -> None:
        subs = self._subs
        for change, subject in planned:
            if change.action == "create":
                d: DeclaredSubscription = subject
                subs.add(d.protocol, d.endpoint, d.filter, d.target, now_ms, audience=f"file-{secrets.token_hex(8)}")
            elif change.action == "update":
                current, d = subject
                subs.refilter(current, d)
            elif change.action == "delete":
                subs.remove(change.id or "")

    def _existing(self) -> dict[tuple[str, str, str], Any]:
        found: dict[tuple[str, str, str], Any] = {}
        for sub in self._subs.sns_subscriptions():
            found.setdefault(_identity(sub.protocol, sub.endpoint), sub)
        for target in self._subs.targets():
            found.setdefault(_identity(target.kind, target.endpoint, target.chat_id), target)
        return found


def _name(protocol: str, endpoint: str, target: Target | None) -> str:
    return f"{protocol} {targetkinds.masked(target) if target else masked_endpoint(protocol, endpoint)}"


def _diff(current: Subscription | Target, d: DeclaredSubscription) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}
    for part in ("monitors", "tags", "events"):
        old, new = getattr(current.filter, part), getattr(d.filter, part)
        if sorted(old) != sorted(new):
            diff[f"filter.{part}"] = (old, new)
    if isinstance(current, Target) and d.target is not None:
        for name, field_name in (("url", "url"), ("template", "template"), ("contentType", "content_type")):
            old, new = getattr(current, field_name), getattr(d.target, field_name)
            if old != new:
                # A URL or a template may hold a secret (a key in a query, a token in the body): masked.
                diff[name] = (old, new) if name == "contentType" else (_masked(old), _masked(new))
    return diff


def _masked(value: str) -> str:
    """Whether a secret-bearing field is set, never what it holds."""
    return "…" if value else ""
