"""Cron schedules in a monitor's own timezone, with DST handled as cron daemons do.

cronsim (the cron evaluator Healthchecks maintains and runs in production) works in the zone it is
given: a time skipped by a spring-forward change is expected right after the change, and a time
repeated by a fall-back change is expected once. We evaluate in the monitor's IANA zone and store
the result as UTC epoch milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Monitor

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def _expand(expression: str) -> str:
    return ALIASES.get(expression.strip().lower(), expression.strip())


ZONE_CHARS = 64  # the longest IANA name has 32


@cache
def iana_zones() -> frozenset[str]:
    """The IANA zone names, as the tzdata package the layer pins lists them: the same on every
    host, where the system's zone directory adds files such as `localtime` and `posixrules`, whose
    meaning depends on the machine."""
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())


def check_zone(name: str) -> str:
    """The one check of a zone name a monitor is given (every API takes it through here)."""
    if isinstance(name, str) and len(name) <= ZONE_CHARS and name in iana_zones():
        return name
    message = f"unknown timezone {str(name)[:ZONE_CHARS]!r}; use an IANA name such as Europe/Riga"
    raise InvalidInput("config.timezone", message)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """A monitor's zone, for computing its times (its name was checked by check_zone when set)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        raise InvalidInput("config.timezone", f"unknown timezone {name[:ZONE_CHARS]!r}") from None


def check_cron(expression: str) -> str:
    """The expression as stored (aliases kept as written), or InvalidInput saying what is wrong."""
    from cronsim import CronSim, CronSimError  # only cron monitors pay for it, not every cold start

    expanded = _expand(expression)
    if len(expanded.split()) != 5:
        message = "must have 5 fields (minute hour day month weekday), or be @hourly, @daily, @weekly, ..."
        raise InvalidInput("config.schedule", message)
    try:
        CronSim(expanded, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as e:
        raise InvalidInput("config.schedule", f"is not a valid cron expression: {e}") from None
    return expression.strip()


def next_after(expression: str, timezone: str, after_ms: int) -> int:
    """The first time the schedule fires strictly after `after_ms`, in epoch milliseconds."""
    from cronsim import CronSim

    start = datetime.fromtimestamp(after_ms / 1000, UTC).astimezone(zone(timezone))
    for run in CronSim(_expand(expression), start):
        # Started inside a fall-back's repeated hour, cronsim answers that hour's first pass (in the
        # past) for a run it already made then: the run after it is the one to come.
        if (at := int(run.timestamp() * 1000)) > after_ms:
            return at
    raise AssertionError("a cron schedule has runs without end")  # pragma: no cover


def upcoming(expression: str, timezone: str, after_ms: int, count: int = 3) -> list[str]:
    """The next few expected times, in the monitor's own zone (what a person checks a schedule by)."""
    from cronsim import CronSim

    start = datetime.fromtimestamp(after_ms / 1000, UTC).astimezone(zone(timezone))
    it = iter(CronSim(_expand(expression), start))
    return [next(it).isoformat() for _ in range(count)]


def deadline_after_success(monitor: Monitor, success_ms: int) -> int:
    """When a monitor that just succeeded goes down if nothing else arrives."""
    if monitor.schedule is not None:
        return next_after(monitor.schedule, monitor.timezone, success_ms) + monitor.grace_s * 1000
    assert monitor.window_ms is not None
    return success_ms + monitor.window_ms


def reminder_after(monitor: Monitor, since_ms: int, now_ms: int) -> int | None:
    """When a monitor down since `since_ms` is next reminded of, after `now_ms` (None: no reminders)."""
    if monitor.realert_s is None:
        return None
    step = monitor.realert_s * 1000
    at = since_ms + step
    if at <= now_ms:  # sweeps were missed: one reminder now, not one per missed interval
        at += ((now_ms - at) // step + 1) * step
    return at
