"""PagerDuty: an Events API v2 event; a recovery resolves the incident its alert triggered."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.targetkinds.common import json_request
from heartbeat.domain.targetkinds.kind import TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
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
    return json_request(target.url or DEFAULT_URL, body, alert)


KIND = TargetKind(
    "pagerduty",
    (
        key(
            "the Events API v2 integration (routing) key",
            r"^[A-Za-z0-9]{32}$",
            "a PagerDuty Events API v2 integration (routing) key",
        ),
        service_url(f"default {DEFAULT_URL}"),
    ),
    render,
)
