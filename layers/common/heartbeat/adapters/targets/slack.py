"""Slack: an incoming webhook's message, the text once more in a coloured attachment."""

from __future__ import annotations

from heartbeat.adapters.targets.common import colour, json_request, text
from heartbeat.domain.targets import AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    body = text(alert)
    return json_request(target.endpoint, {"text": body, "attachments": [{"color": colour(alert), "text": body}]}, alert)
