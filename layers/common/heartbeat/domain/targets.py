"""Chat and incident targets: what the notifier sends where SNS cannot deliver readably.

SNS keeps one subscription per protocol and endpoint, so the targets cannot each be an SNS
subscription of the notifier: the notifier has one (in the template), and each target is an item
in the table with its own filter, matched here the way SNS matches a filter policy.

This module says what a target is, which alerts it takes, what a webhook template may name, and
which addresses no target may have. Which kinds there are, what each accepts (`check`) and the
payload each is sent are domain/targetkinds/ (one module per kind), and adapters/http.py sends it.
A target's secret (webhook URL, routing key, bot token) is kept in the table, shown masked and
never logged.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from heartbeat.domain.model import AUDIENCE, AlertEvent

if TYPE_CHECKING:  # loaded where alerts are said (the notifier), not at every cold start (store/codec.py)
    from heartbeat.domain.alertwords import AlertFacts

VARIABLES = (
    "NAME", "STATUS", "EVENT", "TAGS", "LAST_PING", "BODY", "INCIDENT_URL", "MONITOR_ID", "ALERT_ID",
    "CAUSE", "OPENED_AT", "DOWNTIME", "DOWNTIME_SECONDS", "SINCE", "SUMMARY", "MONITOR_URL", "ACK_URL",
    "SNOOZE_URL",
)  # fmt: skip
VARIABLE = re.compile(r"\$([A-Z_]+)")  # one $VARIABLE in a webhook template
# The instance metadata service (IPv4, and IPv6 on Nitro) gives out the function's credentials.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: is_private says no, yet not public
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address reached from an IPv6-only network


@dataclass(frozen=True)
class Filter:
    """Which alerts a subscription takes: every part given must match; within a part, any value."""

    monitors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def policy(self, audience: str) -> dict[str, list[str]]:
        """As an SNS filter policy, naming real alerts and this subscription's test alerts."""
        parts = {"monitor_id": self.monitors, "tags": self.tags, "event": self.events}
        return {name: values for name, values in parts.items() if values} | {"audience": [AUDIENCE, audience]}

    @classmethod
    def from_policy(cls, policy: dict[str, list[str]]) -> Filter:
        return cls(policy.get("monitor_id", []), policy.get("tags", []), policy.get("event", []))

    def matches(self, event: str, monitor_id: str, tags: list[str]) -> bool:
        return (
            (not self.monitors or monitor_id in self.monitors)
            and (not self.tags or bool(set(self.tags) & set(tags)))
            and (not self.events or event in self.events)
        )


@dataclass(frozen=True)
class AlertMessage:
    """An alert as its subscribers receive it: the SNS message (domain/alerts.py writes the
    document) read back, with the facts its words are made of (kept with the alert in the outbox).
    domain.model.Alert is the outbox entry that carries it."""

    id: str
    event: str
    subject: str
    doc: dict[str, Any]
    facts: AlertFacts | None = None  # None: an alert written before facts, or a test: `said` reads the document

    @classmethod
    def parse(cls, message: str, subject: str | None) -> AlertMessage:
        doc = json.loads(message)
        return cls(id=doc["alertId"], event=doc["event"], subject=subject or doc["event"], doc=doc)

    @property
    def monitor(self) -> dict[str, Any]:
        return dict(self.doc.get("monitor") or {})

    @property
    def incident(self) -> dict[str, Any]:
        return dict(self.doc.get("incident") or {})

    @property
    def dedup_key(self) -> str:
        """One per incident: a trigger and its resolve name the same page."""
        return f"heartbeat:{self.monitor.get('id', '')}:{self.incident.get('id', '')}"

    @property
    def status(self) -> str:
        return {"monitor.down": "down", "monitor.up": "up", "monitor.reminder": "still down"}.get(self.event, "test")

    @property
    def said(self) -> AlertFacts:
        """The facts its words are made of: its own, else what its document tells (the cause's code,
        the body, the times; not the exit status, the schedule or the zone, so times are in UTC)."""
        return self.facts if self.facts is not None else _facts_of_document(self)

    @property
    def is_test(self) -> bool:
        return self.event == "monitor.test"

    def link(self, name: str, base: str) -> str:
        """One of the links the alert carries (its document's `links`: monitor, acknowledge,
        snooze1h, ...); the monitor's page, when it carries none, from the deployment's URL; "" else."""
        from heartbeat.domain.alertwords import incident_url

        carried = self.doc.get("links")
        if isinstance(carried, dict) and carried.get(name):
            return str(carried[name])
        if name == "monitor" and not self.is_test:
            return incident_url(base, str(self.monitor.get("id", "")))
        return f"{base}/" if name == "monitor" and base else ""

    def variables(self, base: str) -> dict[str, str]:
        """What a webhook template's $VARIABLES stand for; `base` the deployment's URL."""
        from heartbeat.domain import alertwords
        from heartbeat.domain.alertlinks import api_url
        from heartbeat.domain.words import duration

        incident, monitor, f = self.incident, self.monitor, self.said
        down_s = None if self.is_test else alertwords.downtime(f) / 1000  # to the recovery, or so far
        up = self.event == AlertEvent.UP and f.resolved_ms is not None
        since = f.resolved_ms if up else f.opened_ms
        return {
            "NAME": str(monitor.get("name", "")),
            "STATUS": self.status,
            "EVENT": self.event,
            "TAGS": " ".join(monitor.get("tags") or []),
            "LAST_PING": self.doc.get("lastPingAt") or "never",
            "BODY": str(incident.get("body") or ""),
            "INCIDENT_URL": alertwords.incident_url(base, str(monitor.get("id", ""))),
            "API_URL": self.link("api", base) or api_url(base, str(monitor.get("id", ""))),
            "MONITOR_ID": str(monitor.get("id", "")),
            "ALERT_ID": self.id,
            "CAUSE": alertwords.cause_words(f),
            "OPENED_AT": str(incident.get("openedAt") or ""),
            "DOWNTIME": duration(down_s) if down_s is not None else "",
            "DOWNTIME_SECONDS": str(round(down_s)) if down_s is not None else "",
            "SINCE": alertwords.moment(since, f.zone) if since is not None else "",
            "SUMMARY": alertwords.headline(f),
            "MONITOR_URL": self.link("monitor", base),
            "ACK_URL": self.link("acknowledge", base),
            "SNOOZE_URL": self.link("snooze1h", base),
        }


def _ms(iso: object) -> int | None:
    try:
        return int(datetime.fromisoformat(str(iso)).timestamp() * 1000) if iso else None
    except ValueError:
        return None


def _facts_of_document(alert: AlertMessage) -> AlertFacts:
    from heartbeat.domain.alertwords import AlertFacts, BodyExcerpt, Failure, PingFacts, facts_of_a_test

    doc, incident, monitor = alert.doc, alert.incident, alert.monitor
    opened, resolved = _ms(incident.get("openedAt")), _ms(incident.get("resolvedAt"))
    if alert.is_test:
        return facts_of_a_test(int(alert.id.rsplit(":", 1)[-1]) if alert.id[-1:].isdigit() else 0)
    seconds = incident.get("downtimeSeconds")
    at = resolved or (opened + int(float(seconds) * 1000) if opened is not None and seconds is not None else opened)
    last = _ms(doc.get("lastPingAt"))
    cause, body = incident.get("cause"), str(incident.get("body") or "").encode()
    return AlertFacts(
        event=alert.event,
        monitor_id=str(monitor.get("id", "")),
        name=str(monitor.get("name", "")),
        at_ms=at or 0,
        tags=list(monitor.get("tags") or []),
        opened_ms=opened,
        resolved_ms=resolved,
        reminder=int(incident.get("reminder") or 0),
        last_ping=PingFacts(last, "") if last is not None else None,
        failure=Failure(str(cause), body=BodyExcerpt.of(body)) if cause and alert.event != AlertEvent.UP else None,
    )


@dataclass(frozen=True)
class Target:
    id: str
    kind: str
    endpoint: str  # secret: the URL, or the key or token
    chat_id: str = ""  # telegram
    url: str = ""  # pagerduty, opsgenie, telegram: the service's API, when not its default
    template: str = ""  # webhook: the body, with $VARIABLES
    content_type: str = "application/json"  # webhook
    filter: Filter = field(default_factory=Filter)
    audience: str = ""  # the value a test alert for this target alone carries
    created_ms: int = 0

    def wants(self, alert: AlertMessage, audience: str) -> bool:
        if audience != AUDIENCE:
            return audience == self.audience
        monitor = alert.monitor
        return self.filter.matches(alert.event, str(monitor.get("id", "")), list(monitor.get("tags") or []))


@dataclass(frozen=True)
class Request:
    """The one HTTP request that tells a target of an alert (domain/targetkinds/ write it)."""

    method: str
    url: str
    body: bytes
    headers: dict[str, str]


def address_refused(address: str, allow_loopback: bool = False) -> str:
    """Why a target may not be at this IP address, or "" if it may: alerts go to the public internet,
    never to the cloud's metadata service, this machine or a private network (the notifier runs
    inside one). `allow_loopback`: the local stack's targets on this machine."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no other host
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = (
            ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        )
        if embedded is not None:  # an IPv4 address in IPv6 form: judged as that address
            return address_refused(str(embedded), allow_loopback)
    if ip in _METADATA:
        return "the cloud metadata service"
    if ip.is_loopback:
        return "" if allow_loopback else "this machine (loopback)"
    checks = (
        (ip.is_unspecified, "unspecified (this machine)"),
        (ip.is_link_local, "link-local"),
        (ip in _SHARED, "shared address space (100.64.0.0/10)"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "a private network"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for refused, why in checks if refused), "")
