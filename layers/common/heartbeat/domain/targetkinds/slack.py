"""Slack: an incoming webhook's message, the text once more in a coloured attachment."""

from __future__ import annotations

from heartbeat.domain.targetkinds.common import colour, json_request, text
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    body = text(alert)
    return json_request(target.endpoint, {"text": body, "attachments": [{"color": colour(alert), "text": body}]}, alert)


KIND = TargetKind("slack", (webhook_url("the incoming webhook's URL"),), render)
