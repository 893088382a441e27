"""The whole deployment at a glance: `heartbeat status` (one screen: counts, what is down and why,
what is late, alerts waiting to be delivered; exit status 3 while something is down, so it can
gate a deploy) and `heartbeat incidents` (every monitor's, newest first)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from heartbeat_cli.api import ApiError
from heartbeat_cli.monitors import wide_option
from heartbeat_cli.names import monitor_path
from heartbeat_cli.output import ago, in_colour, table
from heartbeat_cli.session import ExitWith, Session, global_options, pass_session
from heartbeat_cli.views import STATUS_ORDER, WIDTH, by_urgency, incidents_table

DOWN_EXIT = 3  # `heartbeat status` while a monitor is down (1 is an error, 2 a wrong command line)
PAGE = 100
STATUS_WORDS = {"grace": "late"}
DOWN_COLUMNS = [("name", "NAME"), ("since", "DOWN SINCE"), ("cause", "CAUSE"), ("last", "LAST PING"), ("tags", "TAGS")]
LATE_COLUMNS = [("name", "NAME"), ("alerts", "ALERTS"), ("last", "LAST PING"), ("tags", "TAGS")]
SHRINK = {"name": 30, "tags": 8}


def every_monitor(api: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.call("GET", "/api/v1/monitors", query={"limit": PAGE, "cursor": cursor})
        found += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def failed_alerts(api: Any) -> int | None:
    """How many alerts wait in the dead-letter queue; None for a key that may not see them."""
    try:
        return len(api.call("GET", "/api/v1/alerts/failed")["items"])
    except ApiError as e:
        if e.status == 403:
            return None
        raise


def summary(counts: dict[str, int], colour: bool) -> str:
    parts = []
    for status in sorted(counts, key=lambda s: STATUS_ORDER.get(s, 9)):
        word = f"{counts[status]} {STATUS_WORDS.get(status, status)}"
        parts.append(in_colour(status, word) if colour else word)
    total = sum(counts.values())
    return f"{total} monitor{'s' if total != 1 else ''}: " + ", ".join(parts) if total else "No monitors."


def status_report(
    monitors: list[dict[str, Any]], causes: dict[str, str], failed: int | None, now: datetime, colour: bool
) -> str:
    counts: dict[str, int] = {}
    for m in monitors:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    lines = [summary(counts, colour)]
    down = [m for m in by_urgency(monitors) if m["status"] == "down"]
    late = [m for m in by_urgency(monitors) if m["status"] == "grace"]
    if down:
        rows = [row(m, now, since=ago(m.get("downSince"), now), cause=causes.get(m["id"])) for m in down]
        lines += ["", "Down:", table(rows, DOWN_COLUMNS, width=WIDTH, shrink=SHRINK)]
    if late:
        rows = [row(m, now, alerts=ago(m.get("nextDeadline"), now)) for m in late]
        lines += ["", "Late (alerting at the deadline unless a ping comes first):"]
        lines.append(table(rows, LATE_COLUMNS, width=WIDTH, shrink=SHRINK))
    if failed:
        lines += ["", f"{failed} alert(s) could not be delivered and wait: heartbeat alerts failed, then retry"]
    elif failed is None:
        lines += ["", "Alerts that could not be delivered: an admin key sees them."]
    return "\n".join(lines)


def row(m: dict[str, Any], now: datetime, **more: Any) -> dict[str, Any]:
    last = ago(m.get("lastPingAt"), now) or "never"
    return {**m, "last": last, "tags": ", ".join(m.get("tags") or []) or None, **more}


@click.command(help=f"the whole deployment on one screen; exit status {DOWN_EXIT} while a monitor is down")
@global_options
@pass_session
def status(session: Session) -> str:
    monitors = every_monitor(session.api)
    open_incidents = session.api.call("GET", "/api/v1/incidents", query={"status": "open", "limit": PAGE})["items"]
    causes: dict[str, str] = {}
    for incident in reversed(open_incidents):  # newest last, so the newest wins
        causes[incident["monitorId"]] = incident["cause"]
    failed = failed_alerts(session.api)
    code = DOWN_EXIT if any(m["status"] == "down" for m in monitors) else 0
    if session.as_json:
        counts = {s: sum(1 for m in monitors if m["status"] == s) for s in STATUS_ORDER}
        down = [{**m, "cause": causes.get(m["id"])} for m in monitors if m["status"] == "down"]
        late = [m for m in monitors if m["status"] == "grace"]
        doc = {"counts": counts, "down": down, "late": late, "failedAlerts": failed}
        return ExitWith(json.dumps(doc, indent=2), code)
    return ExitWith(status_report(monitors, causes, failed, session.now(), session.colour), code)


def monitor_names(api: Any, ids: set[str]) -> dict[str, str]:
    """Each id's monitor name; a monitor deleted since shows as such."""
    names = {}
    for monitor_id in sorted(ids):
        try:
            names[monitor_id] = api.call("GET", monitor_path(monitor_id))["name"]
        except ApiError as e:
            if e.status != 404:
                raise
            names[monitor_id] = f"(deleted) {monitor_id[:8]}"
    return names


@click.command("incidents", help="incidents of every monitor, newest first")
@click.option("--open", "only_open", is_flag=True, help="only those still open")
@click.option("--since", help="only those opened since: an ISO 8601 date or time (UTC unless it says)")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@wide_option
@global_options
@pass_session
def incidents(session: Session, only_open: bool, since: str | None, limit: int, wide: bool) -> str:
    query = {"status": "open" if only_open else None, "since": since, "limit": limit}
    result = session.api.call("GET", "/api/v1/incidents", query=query)
    if session.as_json:
        return json.dumps(result, indent=2)
    if not result["items"]:
        return "No open incidents." if only_open else "No incidents."
    names = monitor_names(session.api, {i["monitorId"] for i in result["items"]})
    return incidents_table(result["items"], session.now(), names, wide, session.colour)
