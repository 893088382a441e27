"""Acknowledge and snooze: the API's routes (admin key), and the pages an alert's signed links open
(no key: the link's signature is the permission). A link's GET only shows what it would do, with a
button; only that page's POST acts, so a mail scanner or a chat's link preview changes nothing."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from typing import Annotated

import deps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from schemas.monitors import MonitorOut, monitor_json
from schemas.silence import AcknowledgeIn, SnoozeIn

from heartbeat.domain.alertlinks import ACKNOWLEDGE, checked_snooze
from heartbeat.domain.alertwords import moment
from heartbeat.domain.errors import Forbidden
from heartbeat.domain.model import Monitor
from heartbeat.usecases import silence
from heartbeat.usecases.silence import LinkTarget
from routes.shared import documented, ping_urls, require_admin

router = Router()
LINKS = "/alert-action/"  # the signed links' path; app.py lets it through without a key


def _monitor(monitor: Monitor) -> Response[dict]:
    return Response(200, "application/json", monitor_json(monitor, deps.now_ms(), ping_urls(router)))


@router.post("/api/v1/monitors/<monitor_id>/acknowledge", responses=documented(MonitorOut))
def acknowledge(monitor_id: str, body: Annotated[AcknowledgeIn | None, Body()] = None) -> Response[dict]:
    """Acknowledge the open incident: its reminders stop until it resolves. 409 when none is open."""
    require_admin(router)
    by = str(router.context.get("key_name") or "API key")
    note = body.note if body is not None else ""
    return _monitor(silence.acknowledge(deps.store, monitor_id, by, note, deps.now_ms()))


@router.post("/api/v1/monitors/<monitor_id>/snooze", responses=documented(MonitorOut))
def snooze(monitor_id: str, body: Annotated[SnoozeIn, Body()]) -> Response[dict]:
    """No alerts for the monitor until then; an alert it holds is sent at its end if still down."""
    require_admin(router)
    now = deps.now_ms()
    until = checked_snooze(body.until_ms(now), now, "seconds" if body.seconds is not None else "until")
    return _monitor(silence.snooze(deps.store, monitor_id, until, now))


@router.delete("/api/v1/monitors/<monitor_id>/snooze", responses=documented(MonitorOut))
def unsnooze(monitor_id: str) -> Response[dict]:
    """End the snooze now: the alert it held is sent at once if the monitor is still down."""
    require_admin(router)
    return _monitor(silence.unsnooze(deps.store, deps.publisher(), monitor_id, deps.now_ms()))


# ---- the pages a signed link opens ------------------------------------------------------------------

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "button{font-size:1.1rem;padding:.5rem 1.2rem}"
)


@functools.cache
def _headers() -> dict[str, str]:
    style = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"
    return {
        "Content-Security-Policy": f"default-src 'none'; style-src {style}; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'",
        "Referrer-Policy": "no-referrer",  # the link is a capability: never sent on to another site
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noindex",
    }


def _page(status: int, title: str, *paragraphs: str, button: str = "") -> Response[str]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if button:
        body += f'<form method="post"><button type="submit">{html.escape(button)}</button></form>'
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · Heartbeat</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(status, "text/html; charset=utf-8", page, headers=_headers())


def _what(target: LinkTarget) -> str:
    name = target.monitor.name
    if target.snooze_until_ms is None:
        return f"Acknowledge the outage of {name}: its reminders stop until it recovers."
    until = moment(target.snooze_until_ms, target.monitor.timezone)
    return f"Snooze {name} until {until}: no alerts until then; if it is still down then, one alert is sent."


def _refused(e: Forbidden) -> Response[str]:
    return _page(403, "This link does not work", str(e), "Nothing was changed.")


def _key() -> bytes:
    key = deps.alert_links_key()
    if key is None:
        raise Forbidden("links cannot be checked right now; try again in a minute")
    return key


@router.get(LINKS + "<token>", include_in_schema=False)
def link_page(token: str) -> Response[str]:
    try:
        target = silence.open_link(deps.store, _key(), token, deps.now_ms())
    except Forbidden as e:
        return _refused(e)
    button = "Acknowledge" if target.action.action == ACKNOWLEDGE else "Snooze"
    return _page(200, f"{button} {target.monitor.name}?", _what(target), button=button)


@router.post(LINKS + "<token>", include_in_schema=False)
def link_action(token: str) -> Response[str]:
    try:
        target = silence.follow_link(deps.store, _key(), token, deps.now_ms())
    except Forbidden as e:
        return _refused(e)
    name = target.monitor.name
    if target.snooze_until_ms is None:
        return _page(200, "Acknowledged", f"{name}: acknowledged. No more reminders until it recovers.")
    until = moment(target.snooze_until_ms, target.monitor.timezone)
    return _page(200, "Snoozed", f"{name}: snoozed until {until}.")
