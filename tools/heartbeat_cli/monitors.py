"""`heartbeat monitors ...`: create, list, change and delete monitors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from heartbeat.domain.settings import SETTINGS, Kind, Setting
from heartbeat_cli.names import find_monitor, monitor_id, monitor_path
from heartbeat_cli.session import Session, global_options, pass_session
from heartbeat_cli.views import incidents_table, monitors_table, pings_table, show_monitor

F = TypeVar("F", bound=Callable[..., Any])

OFF = "off"  # clears an optional setting: --max-runtime off
STATUSES = ["down", "grace", "started", "up", "new", "paused"]
wide_option = click.option("--wide", is_flag=True, help="every id and time in full, however wide")


class SecondsOrOff(click.ParamType):
    name = "seconds|off"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int | str:
        if isinstance(value, int) or value == OFF:
            return value
        try:
            return int(value)
        except ValueError:
            self.fail(f"expected seconds or {OFF!r}, got {value!r}", param, ctx)


SECONDS_OR_OFF = SecondsOrOff()


def setting_option(s: Setting) -> Callable[[F], F]:
    """A setting's flag, given to the command under the setting's API name."""
    if s.kind is Kind.FLAG:
        return click.option(s.flag, s.api, default=None, help=s.help)
    if s.kind is Kind.KEYWORDS or s.kind is Kind.MONITORS:
        return click.option(s.flag, s.api, multiple=True, help=s.help)
    if s.kind is Kind.SECONDS or s.kind is Kind.COUNT or s.kind is Kind.QUORUM:
        return click.option(s.flag, s.api, type=SECONDS_OR_OFF if s.clears else int, help=s.help)
    return click.option(s.flag, s.api, help=s.help)


# Every monitor setting with a flag (domain/settings.py), then the monitor's own fields.
SETTING_OPTIONS = [setting_option(s) for s in SETTINGS if s.flag] + [
    click.option("--slug", help="for /ping/<ping key>/<slug> (default: from the name; a rename keeps it)"),
    click.option("--tag", multiple=True, help="repeatable"),
]


def setting_options(f: F) -> F:
    for option in reversed(SETTING_OPTIONS):
        f = option(f)
    return f


def config_body(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The config fields given on the command line; `off` becomes null, `--x-keyword ""` an empty list."""
    config: dict[str, Any] = {}
    for s in SETTINGS:
        value = settings.get(s.api)
        if value is None or value == ():  # not given (a repeatable flag given no time is empty)
            continue
        if isinstance(value, tuple | list):
            value = [v for v in value if v]
        if s.kind is Kind.QUORUM and isinstance(value, int):
            value = {"min": value}
        config[s.api] = None if value == OFF else value
    return config


def path_of(session: Session, ref: str) -> str:
    """The API path of the monitor `ref` (an id, slug or exact name) names."""
    return monitor_path(monitor_id(session.api, ref))


def card(session: Session, monitor: dict[str, Any]) -> str:
    return session.show(monitor, lambda m: show_monitor(m, session.now(), colour=session.colour))


@click.group(help="create, list, change and delete monitors; MONITOR is a monitor's id, slug or exact name")
@global_options
def monitors() -> None:
    pass


@monitors.command(help="create a monitor and print its ping URL")
@click.option("--name", required=True)
@click.option("--type", "monitor_type", default="HEARTBEAT", show_default=True, help="monitor type")
@setting_options
@global_options
@pass_session
def create(
    session: Session, name: str, monitor_type: str, slug: str | None, tag: tuple[str, ...], **settings: Any
) -> str:
    body: dict[str, Any] = {"name": name, "type": monitor_type, "config": config_body(settings), "tags": list(tag)}
    if slug:
        body["slug"] = slug
    return card(session, session.api.call("POST", "/api/v1/monitors", body))


@monitors.command(help="change a monitor's name, schedule or tags")
@click.argument("ref", metavar="MONITOR")
@click.option("--name")
@setting_options
@global_options
@pass_session
def update(
    session: Session, ref: str, name: str | None, slug: str | None, tag: tuple[str, ...], **settings: Any
) -> str:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if tag:
        body["tags"] = list(tag)
    if slug is not None:
        body["slug"] = slug
    if config := config_body(settings):
        body["config"] = config
    return card(session, session.api.call("PATCH", path_of(session, ref), body))


@monitors.command("list", help="list monitors: down and late first, then by name")
@click.option("--status", type=click.Choice(STATUSES), help="only monitors in this status (grace: late)")
@click.option("--tag", multiple=True, help="repeatable: only monitors with every tag given")
@click.option("--name", help="only monitors whose name starts with this (any case)")
@click.option("--limit", type=click.IntRange(1, 100), default=100, show_default=True)
@click.option("--cursor", help="the next page, as the last one said")
@wide_option
@global_options
@pass_session
def list_monitors(
    session: Session, status: str | None, tag: tuple[str, ...], name: str | None, limit: int, cursor: str | None,
    wide: bool,
) -> str:  # fmt: skip
    query = {"limit": limit, "cursor": cursor, "status": status, "tag": list(tag) or None, "name": name}
    result = session.api.call("GET", "/api/v1/monitors", query=query)
    if session.as_json:
        return json.dumps(result, indent=2)
    if not result["items"]:
        return "No monitors." if not (status or tag or name) else "No monitors match."
    out = monitors_table(result["items"], session.now(), wide, session.colour)
    return out + (f"\n(more: --cursor {result['nextCursor']})" if result.get("nextCursor") else "")


@monitors.command(help="show one monitor: its status and why, schedule, last ping and settings")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def get(session: Session, ref: str) -> str:
    path = path_of(session, ref)
    m = session.api.call("GET", path)  # its own GET, not a listing's row: that alone has its maintenance
    if session.as_json:
        return json.dumps(m, indent=2)
    last_ping = next(iter(session.api.call("GET", f"{path}/pings", query={"limit": 1})["items"]), None)
    incident = None
    if m["status"] == "down":
        incident = next(iter(session.api.call("GET", f"{path}/incidents", query={"limit": 1})["items"]), None)
    return show_monitor(m, session.now(), last_ping, incident, session.colour)


@monitors.command(help="delete a monitor")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def delete(session: Session, ref: str) -> str:
    m = find_monitor(session.api, ref)
    session.api.call("DELETE", monitor_path(m["id"]))
    return json.dumps({"deleted": m["id"]}) if session.as_json else f"deleted {m['name']} ({m['id']})"


@monitors.command(help="stop watching")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def pause(session: Session, ref: str) -> str:
    return card(session, session.api.call("POST", f"{path_of(session, ref)}/pause"))


@monitors.command(help="watch again from the next ping")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def resume(session: Session, ref: str) -> str:
    return card(session, session.api.call("POST", f"{path_of(session, ref)}/resume"))


class Duration(click.ParamType):
    """30m, 1h, 4h, 2d, or seconds: how long a snooze lasts."""

    name = "duration"
    UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        unit = self.UNITS.get(text[-1:], 0)
        number = text[:-1] if unit else text
        if not number.isdigit():
            self.fail(f"expected a duration such as 30m, 1h, 4h or 2d, got {value!r}", param, ctx)
        return int(number) * (unit or 1)


@monitors.command(help="acknowledge the open incident: its reminders stop until it resolves")
@click.argument("ref", metavar="MONITOR")
@click.option("--note", default="", help="why, or what is being done; shown with the incident")
@global_options
@pass_session
def ack(session: Session, ref: str, note: str) -> str:
    body = {"note": note} if note else None
    return card(session, session.api.call("POST", f"{path_of(session, ref)}/acknowledge", body))


@monitors.command(help="no alerts until then; if still down at its end, one alert is sent")
@click.argument("ref", metavar="MONITOR")
@click.option("--for", "for_", type=Duration(), help="how long: 30m, 1h, 4h, 2d (1 minute to 30 days)")
@click.option("--until", help="until this time: ISO 8601 with its offset, e.g. 2026-11-26T09:00:00+02:00")
@global_options
@pass_session
def snooze(session: Session, ref: str, for_: int | None, until: str | None) -> str:
    if (for_ is None) == (until is None):
        raise click.UsageError("give --for or --until")
    body: dict[str, Any] = {"seconds": for_} if for_ is not None else {"until": until}
    return card(session, session.api.call("POST", f"{path_of(session, ref)}/snooze", body))


@monitors.command(help="end the snooze now; the alert it held is sent if the monitor is still down")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def unsnooze(session: Session, ref: str) -> str:
    return card(session, session.api.call("DELETE", f"{path_of(session, ref)}/snooze"))


@monitors.command(help="a monitor's pings, newest first: each run's length and run id, each body's first line")
@click.argument("ref", metavar="MONITOR")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@wide_option
@global_options
@pass_session
def pings(session: Session, ref: str, limit: int, wide: bool) -> str:
    result = session.api.call("GET", f"{path_of(session, ref)}/pings", query={"limit": limit})
    return session.show(result, lambda r: pings_table(r["items"], session.now(), wide) if r["items"] else "No pings.")


@monitors.command(help="a monitor's incidents, newest first")
@click.argument("ref", metavar="MONITOR")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@wide_option
@global_options
@pass_session
def incidents(session: Session, ref: str, limit: int, wide: bool) -> str:
    result = session.api.call("GET", f"{path_of(session, ref)}/incidents", query={"limit": limit})
    return session.show(
        result,
        lambda r: (
            incidents_table(r["items"], session.now(), wide=wide, colour=session.colour)
            if r["items"]
            else "No incidents."
        ),
    )
