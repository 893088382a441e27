"""What the renderers share: the alert as one readable paragraph, its colour, and a JSON POST.

Small hand-written payloads, not a notification library: each service needs one JSON document
and one POST, these modules import only the standard library and the domain, and every payload is
pinned by a test (tests/integration/test_notifier.py). The words a person reads are `text` here and
each kind's `render`.
"""

from __future__ import annotations

import json
from typing import Any

from heartbeat.domain.targets import AlertMessage, Request

COLOURS = {"monitor.down": "#d1242f", "monitor.reminder": "#d1242f", "monitor.up": "#1a7f37", "monitor.test": "#0969da"}


def colour(alert: AlertMessage) -> str:
    return COLOURS.get(alert.event, "#0969da")


def duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes)
    return " ".join(parts) or f"{seconds}s"


def text(alert: AlertMessage) -> str:
    """One readable paragraph, for every chat target."""
    incident = alert.incident
    lines = [alert.subject]
    if incident.get("cause"):
        lines.append(f"Cause: {incident['cause']}")
    if incident.get("openedAt") and alert.event != "monitor.up":
        lines.append(f"Down since {incident['openedAt']}")
    if incident.get("downtimeSeconds") is not None:
        lines.append(f"Down for {duration(float(incident['downtimeSeconds']))}")
    lines.append(f"Last ping: {alert.doc.get('lastPingAt') or 'never'}")
    if alert.monitor.get("tags"):
        lines.append(f"Tags: {', '.join(alert.monitor['tags'])}")
    return "\n".join(lines)


def json_request(url: str, body: dict[str, Any], alert: AlertMessage, **headers: str) -> Request:
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    base = {"content-type": "application/json", "x-heartbeat-alert-id": alert.id}
    return Request("POST", url, payload, {**base, **headers})
