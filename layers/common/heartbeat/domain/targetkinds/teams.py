"""Microsoft Teams: a Workflows webhook's message carrying one Adaptive Card: a title that opens the
monitor, the facts as a FactSet, the failing body a monospace line each, buttons for the links.
Each line is its own element: Teams joins lines that one TextBlock separates with a single newline."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.targetkinds.common import cut, fit_lines, json_request, said
from heartbeat.domain.targetkinds.kind import TargetKind, webhook_url
from heartbeat.domain.targets import AlertMessage, Request, Target

COLOURS = {"monitor.down": "Attention", "monitor.reminder": "Attention", "monitor.up": "Good"}
BODY_CHARS = 12_000  # of the body's lines: the whole card stays far under Teams' ~28 KB
VALUE_CHARS = 1000


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text or "\u00a0", "wrap": True, **style}


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    s = said(alert, base)
    header: dict[str, Any] = {
        "type": "Container",
        "items": [_text(s.title, size="Large", weight="Bolder", color=COLOURS.get(alert.event, "Accent"))],
    }
    if s.link:  # the title opens the monitor's page
        header["selectAction"] = {"type": "Action.OpenUrl", "url": s.link}
    facts = [{"title": label, "value": cut(value, VALUE_CHARS)} for label, value in s.rows]
    body: list[dict[str, Any]] = [header, {"type": "FactSet", "facts": facts}]
    if s.body:
        lines = fit_lines(s.body, BODY_CHARS)
        code = [_text(line, fontType="Monospace", size="Small", spacing="None") for line in lines]
        body += [_text(s.body_caption, isSubtle=True, spacing="Medium"), {"type": "Container", "items": code}]
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
    }
    if s.links:
        card["actions"] = [{"type": "Action.OpenUrl", "title": label, "url": url} for label, url in s.links]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return json_request(target.endpoint, {"type": "message", "attachments": [attachment]}, alert)


KIND = TargetKind("teams", (webhook_url("the Workflows webhook's URL"),), render)
