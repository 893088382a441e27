"""Chat and incident targets: what the notifier sends where SNS cannot deliver readably.

SNS keeps one subscription per protocol and endpoint, so the targets cannot each be an SNS
subscription of the notifier: the notifier has one (in the template), and each target is an item
in the table with its own filter, matched here the way SNS matches a filter policy.

Small hand-written payloads, not a notification library: each service needs one JSON document and
one POST, the whole module imports only the standard library, and every payload is pinned by a
test. A target's secret (webhook URL, routing key, bot token) is kept in the table, shown masked
and never logged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import AUDIENCE

KINDS = ("slack", "discord", "teams", "telegram", "pagerduty", "opsgenie", "webhook")
DEFAULT_URLS = {
    "pagerduty": "https://events.pagerduty.com/v2/enqueue",
    "opsgenie": "https://api.opsgenie.com",  # EU accounts: https://api.eu.opsgenie.com
    "telegram": "https://api.telegram.org",
}
WEBHOOK_KINDS = ("slack", "discord", "teams", "webhook")  # the endpoint is the URL to POST to
VARIABLES = (
    "NAME", "STATUS", "EVENT", "TAGS", "LAST_PING", "BODY", "INCIDENT_URL", "MONITOR_ID", "ALERT_ID",
    "CAUSE", "OPENED_AT", "DOWNTIME",
)  # fmt: skip
_VARIABLE = re.compile(r"\$([A-Z_]+)")
_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$")
_LOCAL_URL = re.compile(r"^http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?(/[!-~]*)?$")
_SECRETS = {  # what a key-based target's endpoint must look like
    "pagerduty": (re.compile(r"^[A-Za-z0-9]{32}$"), "a PagerDuty Events API v2 integration (routing) key"),
    "opsgenie": (re.compile(r"^[A-Za-z0-9-]{20,64}$"), "an Opsgenie API integration key"),
    "telegram": (re.compile(r"^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$"), "a Telegram bot token"),
}
COLOURS = {"monitor.down": "#d1242f", "monitor.reminder": "#d1242f", "monitor.up": "#1a7f37", "monitor.test": "#0969da"}


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

    def wants(self, alert: Alert, audience: str) -> bool:
        if audience != AUDIENCE:
            return audience == self.audience
        monitor = alert.monitor
        return self.filter.matches(alert.event, str(monitor.get("id", "")), list(monitor.get("tags") or []))


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes
    headers: dict[str, str]


def check(target: Target, allow_http: bool = False) -> None:
    """Refuse a target that could never be delivered to, with what is wrong."""
    if target.kind not in KINDS:
        raise InvalidInput("protocol", f"must be one of {', '.join(KINDS)}")

    def url_ok(url: str) -> bool:
        # Plain http only to this machine, and only where the local stack allows it.
        return bool(_URL.match(url) or (allow_http and _LOCAL_URL.match(url)))

    if target.kind in WEBHOOK_KINDS and not url_ok(target.endpoint):
        raise InvalidInput("endpoint", f"must be an https:// URL for protocol {target.kind}")
    if target.kind in _SECRETS:
        pattern, what = _SECRETS[target.kind]
        if not pattern.match(target.endpoint):
            raise InvalidInput("endpoint", f"must be {what}")
    if target.url and not url_ok(target.url):
        raise InvalidInput("url", "must be an https:// URL")
    if target.kind == "telegram" and not re.match(r"^(-?[0-9]{1,20}|@[A-Za-z0-9_]{5,32})$", target.chat_id):
        raise InvalidInput("chatId", "must be a Telegram chat id (a number) or @channelname")
    unknown = sorted({name for name in _VARIABLE.findall(target.template) if name not in VARIABLES})
    if unknown:
        raise InvalidInput("template", f"unknown ${', $'.join(unknown)}; use ${', $'.join(VARIABLES)}")


def masked(target: Target) -> str:
    """Enough to recognise a target by, nothing to use it with."""
    if target.kind in WEBHOOK_KINDS:
        parts = urlsplit(target.endpoint)
        return f"{parts.scheme}://{parts.netloc}/…"
    return target.endpoint[:4] + "…"


@dataclass(frozen=True)
class Alert:
    """An alert as subscribers receive it (alerts.py writes the document)."""

    id: str
    event: str
    subject: str
    doc: dict[str, Any]

    @classmethod
    def parse(cls, message: str, subject: str | None) -> Alert:
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

    def variables(self, incident_url: str) -> dict[str, str]:
        incident, monitor = self.incident, self.monitor
        return {
            "NAME": str(monitor.get("name", "")),
            "STATUS": self.status,
            "EVENT": self.event,
            "TAGS": " ".join(monitor.get("tags") or []),
            "LAST_PING": self.doc.get("lastPingAt") or "never",
            "BODY": str(incident.get("body") or ""),
            "INCIDENT_URL": incident_url,
            "MONITOR_ID": str(monitor.get("id", "")),
            "ALERT_ID": self.id,
            "CAUSE": str(incident.get("cause") or ""),
            "OPENED_AT": str(incident.get("openedAt") or ""),
            "DOWNTIME": str(incident.get("downtimeSeconds") or ""),
        }

    def text(self) -> str:
        """One readable paragraph, for every chat target."""
        incident = self.incident
        lines = [self.subject]
        if incident.get("cause"):
            lines.append(f"Cause: {incident['cause']}")
        if incident.get("openedAt") and self.event != "monitor.up":
            lines.append(f"Down since {incident['openedAt']}")
        if incident.get("downtimeSeconds") is not None:
            lines.append(f"Down for {_duration(float(incident['downtimeSeconds']))}")
        lines.append(f"Last ping: {self.doc.get('lastPingAt') or 'never'}")
        if self.monitor.get("tags"):
            lines.append(f"Tags: {', '.join(self.monitor['tags'])}")
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes)
    return " ".join(parts) or f"{seconds}s"


def _json(url: str, body: dict[str, Any], alert: Alert, **headers: str) -> Request:
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    base = {"content-type": "application/json", "x-heartbeat-alert-id": alert.id}
    return Request("POST", url, payload, {**base, **headers})


def render(target: Target, alert: Alert, incident_url: str = "") -> Request:
    """The one HTTP request that tells the target of this alert."""
    kind, text, colour = target.kind, alert.text(), COLOURS.get(alert.event, "#0969da")
    if kind == "slack":
        return _json(target.endpoint, {"text": text, "attachments": [{"color": colour, "text": text}]}, alert)
    if kind == "discord":
        embed = {"title": alert.subject, "description": text, "color": int(colour[1:], 16)}
        # allowed_mentions: a monitor named "@everyone" must not ping a whole server.
        return _json(target.endpoint, {"embeds": [embed], "allowed_mentions": {"parse": []}}, alert)
    if kind == "teams":
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": alert.subject, "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": text.split("\n", 1)[-1], "wrap": True},
            ],
        }
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        return _json(target.endpoint, {"type": "message", "attachments": [attachment]}, alert)
    if kind == "telegram":
        base = target.url or DEFAULT_URLS["telegram"]
        url = f"{base}/bot{target.endpoint}/sendMessage"
        return _json(url, {"chat_id": target.chat_id, "text": text, "disable_web_page_preview": True}, alert)
    if kind == "pagerduty":
        return _json(target.url or DEFAULT_URLS["pagerduty"], _pagerduty(target, alert), alert)
    if kind == "opsgenie":
        return _opsgenie(target, alert)
    return _webhook(target, alert, incident_url)


def _pagerduty(target: Target, alert: Alert) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": target.endpoint,
        "event_action": "resolve" if alert.event == "monitor.up" else "trigger",
        "dedup_key": alert.dedup_key,
    }
    if alert.event != "monitor.up":
        body["payload"] = {
            "summary": alert.subject,
            "source": "heartbeat",
            "severity": "info" if alert.event == "monitor.test" else "critical",
            "component": alert.monitor.get("name", ""),
            "custom_details": {"alertId": alert.id, **alert.incident, "lastPingAt": alert.doc.get("lastPingAt")},
        }
    return body


def _opsgenie(target: Target, alert: Alert) -> Request:
    base = target.url or DEFAULT_URLS["opsgenie"]
    auth = {"authorization": f"GenieKey {target.endpoint}"}
    if alert.event == "monitor.up":
        url = f"{base}/v2/alerts/{quote(alert.dedup_key, safe='')}/close?identifierType=alias"
        return _json(url, {"source": "heartbeat", "note": alert.text()}, alert, **auth)
    body = {
        "message": alert.subject[:130],  # Opsgenie's limit
        "alias": alert.dedup_key,
        "description": alert.text(),
        "tags": alert.monitor.get("tags") or [],
        "source": "heartbeat",
        "priority": "P5" if alert.event == "monitor.test" else "P1",
        "details": {"alertId": alert.id, "monitorId": str(alert.monitor.get("id", ""))},
    }
    return _json(f"{base}/v2/alerts", body, alert, **auth)


def _webhook(target: Target, alert: Alert, incident_url: str) -> Request:
    if not target.template:  # the alert document itself
        return _json(target.endpoint, alert.doc, alert)
    values = alert.variables(incident_url)
    as_json = "json" in target.content_type
    # In a JSON template each value goes in as the inside of a JSON string, so the body stays JSON.
    fill = (lambda v: json.dumps(v, ensure_ascii=False)[1:-1]) if as_json else (lambda v: v)
    body = _VARIABLE.sub(lambda m: fill(values[m[1]]) if m[1] in values else m[0], target.template)
    headers = {"content-type": target.content_type, "x-heartbeat-alert-id": alert.id}
    return Request("POST", target.endpoint, body.encode(), headers)
