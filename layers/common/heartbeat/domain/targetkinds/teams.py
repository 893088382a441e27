"""Microsoft Teams: a Workflows webhook's message carrying one Adaptive Card."""

from __future__ import annotations

from heartbeat.domain.targetkinds.common import json_request, text
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, incident_url: str = "") -> Request:
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": alert.subject, "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": text(alert).split("\n", 1)[-1], "wrap": True},
        ],
    }
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return json_request(target.endpoint, {"type": "message", "attachments": [attachment]}, alert)


KIND = TargetKind("teams", (webhook_url("the Workflows webhook's URL"),), render)
