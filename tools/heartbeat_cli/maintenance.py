"""`heartbeat maintenance ...`: maintenance windows, during which the monitors they cover send no
alert (one held is sent at the window's end if the monitor is still down)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import click

from heartbeat_cli.monitors import Duration
from heartbeat_cli.names import monitor_id
from heartbeat_cli.output import table
from heartbeat_cli.session import Session, global_options, pass_session

COLUMNS = [("id", "ID"), ("name", "NAME"), ("when", "WHEN"), ("covers", "COVERS"), ("state", "NOW")]


def window_path(window_id: str) -> str:
    return f"/api/v1/maintenance-windows/{quote(window_id, safe='')}"


@click.group(help="maintenance windows: no alerts from the monitors they cover while they are open")
@global_options
def maintenance() -> None:
    pass


@maintenance.command(help="a one-off window (--start, --end) or a recurring one (--cron, --duration)")
@click.option("--name", required=True)
@click.option("--start", help="one-off: ISO 8601 with its offset, e.g. 2026-05-01T22:00:00+02:00")
@click.option("--end", help="one-off: ISO 8601 with its offset")
@click.option("--cron", help='recurring: when it opens, 5 fields, e.g. "30 2 * * *"')
@click.option("--duration", type=Duration(), help="recurring: how long it stays open: 30m, 1h, 2d, or seconds")
@click.option("--timezone", help="recurring: the IANA zone the cron expression is read in (default UTC)")
@click.option("--monitor", multiple=True, help="repeatable: a monitor it covers (id, slug or name)")
@click.option("--tag", multiple=True, help="repeatable: it covers the monitors with any of these tags")
@global_options
@pass_session
def create(
    session: Session, name: str, monitor: tuple[str, ...], tag: tuple[str, ...], **when: Any
) -> str:  # fmt: skip
    body: dict[str, Any] = {"name": name, "monitors": [monitor_id(session.api, m) for m in monitor], "tags": list(tag)}
    body.update({k: v for k, v in when.items() if v is not None})
    made = session.api.call("POST", "/api/v1/maintenance-windows", body)
    return session.show(made, lambda w: f"maintenance window {w['name']!r} created, id {w['id']}: {when_of(w)}")


@maintenance.command("list", help="the maintenance windows, with when they open and what they cover")
@global_options
@pass_session
def list_windows(session: Session) -> str:
    listing = session.api.call("GET", "/api/v1/maintenance-windows")
    return session.show(listing, lambda r: windows_table(r["items"]))


@maintenance.command(help="delete a window by id (alerts it holds are sent then if still down)")
@click.argument("window_id", metavar="ID")
@global_options
@pass_session
def delete(session: Session, window_id: str) -> str:
    session.api.call("DELETE", window_path(window_id))
    return json.dumps({"deleted": window_id}) if session.as_json else f"deleted {window_id}"


def windows_table(windows: list[dict[str, Any]]) -> str:
    return table([{**w, "when": when_of(w), "covers": covers(w), "state": state(w)} for w in windows], COLUMNS)


def when_of(w: dict[str, Any]) -> str:
    if w["cron"] is None:
        return f"{w['start']} to {w['end']}"
    return f"{w['cron']} ({w['timezone']}) for {w['duration']} s"


def covers(w: dict[str, Any]) -> str:
    return ", ".join([*w["monitors"], *(f"tag:{t}" for t in w["tags"])])


def state(w: dict[str, Any]) -> str:
    if w["current"] is not None:
        return f"open until {w['current']['end']}"
    return f"next {w['next']['start']}" if w["next"] is not None else "over"
