"""Any URL: the alert document itself, or the target's template with its $VARIABLES filled in."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from urllib.parse import quote_plus

from heartbeat.domain.targetkinds.common import json_request
from heartbeat.domain.targetkinds.kind import ApiField, TargetKind, webhook_url
from heartbeat.domain.targets import VARIABLE, VARIABLES, AlertMessage, Request, Target


def render(target: Target, alert: AlertMessage, base: str = "") -> Request:
    if not target.template:  # the alert document itself
        return json_request(target.endpoint, alert.doc, alert)
    values = alert.variables(base)
    fill = escaper(target.content_type)
    body = VARIABLE.sub(lambda m: fill(values[m[1]]) if m[1] in values else m[0], target.template)
    headers = {"content-type": target.content_type, "x-heartbeat-alert-id": alert.id}
    return Request("POST", target.endpoint, body.encode(), headers)


def escaper(content_type: str) -> Callable[[str], str]:
    """How a value goes into a template of this type so that it stays one value: $BODY is written by
    whoever holds the ping token, and must not add a field of its own to what the receiver parses."""
    media = content_type.split(";")[0].strip().lower()
    if "json" in media:  # the inside of a JSON string
        return lambda v: json.dumps(v, ensure_ascii=False)[1:-1]
    if media == "application/x-www-form-urlencoded":  # one field's value: & = + % escaped
        return lambda v: quote_plus(v, safe="")
    if media.endswith(("/xml", "+xml", "/html")):  # text, or an attribute's value
        return lambda v: html.escape(v, quote=True)
    return lambda v: v  # plain text and the rest: as written


TEMPLATE = f"the body, with ${', $'.join(VARIABLES)}; default the alert's JSON"
KIND = TargetKind(
    "webhook",
    (
        webhook_url("the URL the alert is POSTed to"),
        ApiField("template", "template", "text", TEMPLATE, optional=True, max_chars=10_000),
        ApiField("contentType", "content_type", "media type", default="application/json"),
    ),
    render,
)
