"""Opsgenie: an alert by the Alert API; a recovery closes it by its alias."""

from __future__ import annotations

from urllib.parse import quote

from heartbeat.domain.targetkinds.common import json_request, text
from heartbeat.domain.targetkinds.kind import TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL, EU_URL = "https://api.opsgenie.com", "https://api.eu.opsgenie.com"


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    base = target.url or DEFAULT_URL
    auth = {"authorization": f"GenieKey {target.endpoint}"}
    if alert.event == "monitor.up":
        url = f"{base}/v2/alerts/{quote(alert.dedup_key, safe='')}/close?identifierType=alias"
        return json_request(url, {"source": "heartbeat", "note": text(alert)}, alert, **auth)
    body = {
        "message": alert.subject[:130],  # Opsgenie's limit
        "alias": alert.dedup_key,
        "description": text(alert),
        "tags": alert.monitor.get("tags") or [],
        "source": "heartbeat",
        "priority": "P5" if alert.event == "monitor.test" else "P1",
        "details": {"alertId": alert.id, "monitorId": str(alert.monitor.get("id", ""))},
    }
    return json_request(f"{base}/v2/alerts", body, alert, **auth)


KIND = TargetKind(
    "opsgenie",
    (
        key("the API integration's key", r"^[A-Za-z0-9-]{20,64}$", "an Opsgenie API integration key"),
        service_url(f"default {DEFAULT_URL}; EU: {EU_URL}"),
    ),
    render,
)
