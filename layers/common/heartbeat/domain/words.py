"""Durations and schedules in words: `1 h 30 min`, `every day`, `weekdays at 06:30 Europe/Riga`,
read at a glance where the API says 5400, 86400 and `30 6 * * 1-5`. Alerts and the CLI say them
alike: the CLI imports this module (standard library only, shipped with it)."""

from __future__ import annotations

from typing import Any

UNITS = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")]
ONE = {60: "minute", 3_600: "hour", 86_400: "day", 604_800: "week"}
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
DAY_NAMES = {name[:3].upper(): i for i, name in enumerate(DAYS)}
MACROS = {
    "@hourly": "hourly at :00",
    "@daily": "daily at 00:00",
    "@midnight": "daily at 00:00",
    "@weekly": "Sundays at 00:00",
    "@monthly": "monthly on day 1 at 00:00",
    "@yearly": "yearly on 1 January at 00:00",
    "@annually": "yearly on 1 January at 00:00",
}


def duration(seconds: float) -> str:
    """The two largest units: `45 s`, `1 min 30 s`, `2 h 5 min`, `3 d 4 h`; under 10 s, tenths."""
    if seconds < 10:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + " s"
    rest, parts = round(seconds), list[str]()
    for size, unit in UNITS:
        if rest >= size and len(parts) < 2:
            parts.append(f"{rest // size} {unit}")
            rest %= size
        elif parts:
            break  # `1 d 5 s` says less than `1 d`: stop at the first unit with nothing in it
    return " ".join(parts)


def every(seconds: int) -> str:
    return f"every {ONE[seconds]}" if seconds in ONE else f"every {duration(seconds)}"


def schedule(config: dict[str, Any]) -> str:
    """A monitor's schedule: `every day`, or its cron line in words with the zone, when not UTC."""
    if config.get("schedule") is None:
        return every(int(config.get("expectedInterval") or 0))
    zone = config.get("timezone") or "UTC"
    return cron(config["schedule"]) + ("" if zone == "UTC" else f" {zone}")


def cron(expression: str) -> str:
    """The common cron lines in words; any other as it is, so nothing is ever said wrong."""
    if expression.strip().lower() in MACROS:
        return MACROS[expression.strip().lower()]
    fields = expression.split()
    if len(fields) != 5:
        return expression
    minute, hour, dom, month, dow = fields
    said = None
    if month == "*" and dom == "*" and dow == "*":
        said = _daily(minute, hour)
    elif month == "*" and minute.isdigit() and hour.isdigit():
        at = f"{int(hour):02d}:{int(minute):02d}"
        if dom == "*":
            days = _days(dow)
            said = f"{days} at {at}" if days else None
        elif dow == "*" and dom.isdigit():
            said = f"monthly on day {int(dom)} at {at}"
    return said or f"cron {expression}"


def _daily(minute: str, hour: str) -> str | None:
    if minute.isdigit() and hour.isdigit():
        return f"daily at {int(hour):02d}:{int(minute):02d}"
    if minute.isdigit() and hour == "*":
        return f"hourly at :{int(minute):02d}"
    if minute.isdigit() and hour.startswith("*/") and hour[2:].isdigit():
        return f"every {int(hour[2:])} h at :{int(minute):02d}"
    if minute.startswith("*/") and minute[2:].isdigit() and hour == "*":
        return every(int(minute[2:]) * 60)
    if minute == "*" and hour == "*":
        return "every minute"
    return None


def _days(dow: str) -> str | None:
    """`1-5` weekdays, `0,6` weekends, `1` Mondays, `1,3,5` Monday, Wednesday and Friday."""
    try:
        days = sorted({d % 7 for part in dow.split(",") for d in _day_range(part)})
    except (KeyError, ValueError):
        return None
    if days == [1, 2, 3, 4, 5]:
        return "weekdays"
    if days == [0, 6]:
        return "weekends"
    if days == list(range(7)):
        return "daily"
    names = [DAYS[d] for d in sorted(days, key=lambda d: (d - 1) % 7)]  # the week from Monday
    return f"{names[0]}s" if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _day_range(part: str) -> range:
    """`1-5`, `MON-FRI`, `3` or `SUN`: days 0-7 (7 is Sunday again). No steps: those are said as cron."""
    first, _, last = part.partition("-")
    start, end = _day(first), _day(last or first)
    if end < start:
        raise ValueError(part)
    return range(start, end + 1)


def _day(part: str) -> int:
    day = int(part) if part.isdigit() else DAY_NAMES[part.upper()]
    if not 0 <= day <= 7:
        raise ValueError(part)
    return day
