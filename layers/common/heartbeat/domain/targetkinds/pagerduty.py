"""PagerDuty: an Events API v2 event; a recovery resolves the incident its alert triggered (one
dedup key per incident). The event carries the alert's sentence as its summary, the facts and the
failing body as custom details, and the monitor's page as `client_url` and `links`."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.targetkinds.common import cut, json_request, said
from heartbeat.domain.targetkinds.kind import TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_CHARS = 1024  # PagerDuty's limit


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    body: dict[str, Any] = {
        "routing_key": target.endpoint,
        "event_action": "resolve" if alert.event == "monitor.up" else "trigger",
        "dedup_key": alert.dedup_key,
    }
    if alert.event != "monitor.up":
        s = said(alert, base)
        details: dict[str, str] = dict(s.rows)
        if s.body:
            details["Output"] = "\n".join([s.body_caption, *s.body])
        body["payload"] = {
            "summary": cut(s.summary, SUMMARY_CHARS),
            "source": "heartbeat",
            "severity": "info" if alert.event == "monitor.test" else "critical",
            "component": alert.monitor.get("name", ""),
            "custom_details": {**details, "alertId": alert.id},
        }
        body["client"] = "Heartbeat"
        if s.link:
            body["client_url"] = s.link
            body["links"] = [{"href": url, "text": label} for label, url in s.links]
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
