"""`heartbeat monitors ...`: create, list, change and delete monitors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from heartbeat_tools.cli.names import find_monitor, monitor_id, monitor_path
from heartbeat_tools.cli.output import MONITOR_COLUMNS, flatten_monitor, show_monitor, table
from heartbeat_tools.cli.session import Session, global_options, pass_session

F = TypeVar("F", bound=Callable[..., Any])

# (option name, config field): every monitor setting the API knows has a flag.
CONFIG_FLAGS = [
    ("expected_interval", "expectedInterval"),
    ("schedule", "schedule"),
    ("timezone", "timezone"),
    ("grace_period", "gracePeriod"),
    ("max_runtime", "maxRuntime"),
    ("min_interval", "minInterval"),
    ("success_keyword", "successKeywords"),
    ("failure_keyword", "failureKeywords"),
    ("failure_threshold", "failureThreshold"),
    ("recovery_threshold", "recoveryThreshold"),
    ("realert_interval", "realertInterval"),
    ("manual_resume", "manualResume"),
    ("post_only", "postOnly"),
]
OFF = "off"  # clears an optional setting: --max-runtime off
PING_COLUMNS = [
    ("n", "N"),
    ("at", "AT"),
    ("kind", "KIND"),
    ("exitStatus", "EXIT"),
    ("cause", "CAUSE"),
    ("durationSeconds", "SECONDS"),
    ("sourceIp", "FROM"),
    ("bodyPreview", "BODY"),
]
INCIDENT_COLUMNS = [
    ("id", "ID"),
    ("status", "STATUS"),
    ("cause", "CAUSE"),
    ("openedAt", "OPENED"),
    ("resolvedAt", "RESOLVED"),
    ("durationSeconds", "SECONDS"),
]


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
KEYWORD_HELP = 'repeatable; checked in the ping body ("" clears)'
SETTING_OPTIONS = [
    click.option("--expected-interval", type=int, help="seconds between runs (default 86400)"),
    click.option("--schedule", help='cron expression instead of an interval, e.g. "0 2 * * *" or @daily'),
    click.option("--timezone", help="IANA timezone the schedule runs in (default UTC)"),
    click.option("--grace-period", type=int, help="seconds of lateness tolerated (default 3600)"),
    click.option("--max-runtime", type=SECONDS_OR_OFF, help="seconds a started run may take (default: grace)"),
    click.option("--min-interval", type=SECONDS_OR_OFF, help="a success sooner than this is early and alerts"),
    click.option("--success-keyword", multiple=True, help=KEYWORD_HELP),
    click.option("--failure-keyword", multiple=True, help=KEYWORD_HELP),
    click.option("--failure-threshold", type=int, help="failed or missed runs in a row before alerting"),
    click.option("--recovery-threshold", type=int, help="good runs in a row before resolving"),
    click.option("--realert-interval", type=SECONDS_OR_OFF, help="remind every N seconds while down"),
    click.option("--manual-resume/--no-manual-resume", default=None, help="when paused, ignore pings until resumed"),
    click.option("--post-only/--any-method", default=None, help="only POST pings count (GET, HEAD: ignored)"),
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
    for name, field in CONFIG_FLAGS:
        value = settings.get(name)
        if value is None or value == ():  # not given (a repeatable flag given no time is empty)
            continue
        if isinstance(value, tuple | list):
            value = [v for v in value if v]
        config[field] = None if value == OFF else value
    return config


def path_of(session: Session, ref: str) -> str:
    """The API path of the monitor `ref` (an id, slug or exact name) names."""
    return monitor_path(monitor_id(session.api, ref))


def card(session: Session, monitor: dict[str, Any]) -> str:
    return session.show(monitor, lambda m: show_monitor(m, session.now()))


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


@monitors.command("list", help="list monitors")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--cursor")
@global_options
@pass_session
def list_monitors(session: Session, limit: int, cursor: str | None) -> str:
    result = session.api.call("GET", "/api/v1/monitors", query={"limit": limit, "cursor": cursor})
    if session.as_json:
        return json.dumps(result, indent=2)
    out = table([flatten_monitor(m) for m in result["items"]], MONITOR_COLUMNS, session.now())
    return out + (f"\n(more: --cursor {result['nextCursor']})" if result.get("nextCursor") else "")


@monitors.command(help="show one monitor")
@click.argument("ref", metavar="MONITOR")
@global_options
@pass_session
def get(session: Session, ref: str) -> str:
    return card(session, find_monitor(session.api, ref))


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


@monitors.command(help="a monitor's pings, newest first")
@click.argument("ref", metavar="MONITOR")
@click.option("--limit", type=int, default=20, show_default=True)
@global_options
@pass_session
def pings(session: Session, ref: str, limit: int) -> str:
    result = session.api.call("GET", f"{path_of(session, ref)}/pings", query={"limit": limit})
    return session.show(result, lambda r: table(r["items"], PING_COLUMNS, session.now()))


@monitors.command(help="a monitor's incidents, newest first")
@click.argument("ref", metavar="MONITOR")
@click.option("--limit", type=int, default=20, show_default=True)
@global_options
@pass_session
def incidents(session: Session, ref: str, limit: int) -> str:
    result = session.api.call("GET", f"{path_of(session, ref)}/incidents", query={"limit": limit})
    return session.show(result, lambda r: table(r["items"], INCIDENT_COLUMNS, session.now()))
