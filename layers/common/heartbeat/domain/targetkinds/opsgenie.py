"""Opsgenie: an alert by the Alert API (the alert's sentence, the facts and the failing body as its
description, the monitor's page among its details); a recovery closes it by its alias with a note."""

from __future__ import annotations

from urllib.parse import quote

from heartbeat.domain.targetkinds.common import Said, cut, json_request, said
from heartbeat.domain.targetkinds.kind import TargetKind, key, service_url
from heartbeat.domain.targets import AlertMessage, Request, Target

DEFAULT_URL, EU_URL = "https://api.opsgenie.com", "https://api.eu.opsgenie.com"
MESSAGE_CHARS, DESCRIPTION_CHARS, ENTITY_CHARS = 130, 15_000, 512  # Opsgenie's limits


def description(s: Said) -> str:
    """Plain text: the facts a line each, the body, the links."""
    lines = [f"{label}: {value}" for label, value in s.rows]
    if s.body:
        lines += ["", s.body_caption, *(f"  {line}" for line in s.body)]
    if s.links:
        lines += ["", *(f"{label}: {url}" for label, url in s.links)]
    return cut("\n".join(lines), DESCRIPTION_CHARS)


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    url = target.url or DEFAULT_URL
    auth = {"authorization": f"GenieKey {target.endpoint}"}
    s = said(alert, base)
    if alert.event == "monitor.up":
        close = f"{url}/v2/alerts/{quote(alert.dedup_key, safe='')}/close?identifierType=alias"
        return json_request(close, {"source": "heartbeat", "note": s.summary}, alert, **auth)
    details = {"alertId": alert.id, "monitorId": str(alert.monitor.get("id", ""))}
    body = {
        "message": cut(s.summary, MESSAGE_CHARS),
        "alias": alert.dedup_key,
        "description": description(s),
        "tags": alert.monitor.get("tags") or [],
        "entity": cut(s.facts.name, ENTITY_CHARS),
        "source": "heartbeat",
        "priority": "P5" if alert.event == "monitor.test" else "P1",
        "details": details | ({"monitorUrl": s.link} if s.link else {}) | dict(s.actions),
    }
    return json_request(f"{url}/v2/alerts", body, alert, **auth)


KIND = TargetKind(
    "opsgenie",
    (
        key("the API integration's key", r"^[A-Za-z0-9-]{20,64}$", "an Opsgenie API integration key"),
        service_url(f"default {DEFAULT_URL}; EU: {EU_URL}"),
    ),
    render,
)
