"""What the commands print: aligned tables, a monitor's card, times absolute and relative."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# The API's times (ISO 8601): shown as given, followed by how long ago or how soon, e.g. "(3 min ago)".
TIME_FIELDS = {
    "at",
    "createdAt",
    "downSince",
    "failedAt",
    "lastPingAt",
    "nextDeadline",
    "nextExpected",
    "nextReminderAt",
    "openedAt",
    "resolvedAt",
    "updatedAt",
}
UNITS = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")]


def relative(when: datetime, now: datetime) -> str:
    """`when` as seen from `now`: "3 min ago", "in 2 h", "now" (whole units, rounded down)."""
    seconds = round((when - now).total_seconds())
    if seconds == 0:
        return "now"
    size, unit = next((size, unit) for size, unit in UNITS if abs(seconds) >= size)
    amount = f"{abs(seconds) // size} {unit}"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def timestamp(value: Any, now: datetime) -> Any:
    """An ISO 8601 time with its relative form after it; anything else (None, a number, a time
    without a zone) unchanged."""
    if not isinstance(value, str):
        return value
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{value} ({relative(when, now)})" if when.tzinfo else value


def with_relative_times(row: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    if now is None:
        return row
    return {k: timestamp(v, now) if k in TIME_FIELDS else v for k, v in row.items()}


def printable(text: str) -> str:
    """`text` with what a terminal would act on instead of show (escape sequences, newlines that
    would start a line of their own, bidi overrides) written as Python writes it: \\x1b, \\n, \\u202e."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], now: datetime | None = None) -> str:
    """Left-aligned columns under their titles; with `now`, times also say how long ago."""
    cells = [[title for _, title in columns]]
    for row in rows:
        row = with_relative_times(row, now)
        cells.append(["" if row.get(key) is None else _text(row.get(key)) for key, _ in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def flatten_monitor(m: dict[str, Any]) -> dict[str, Any]:
    c = m["config"]
    schedule = f"{c['schedule']} {c['timezone']}" if "schedule" in c else f"every {c['expectedInterval']} s"
    return {**m, "schedule": schedule, "grace": c["gracePeriod"], "policy": policy(c) or None}


def policy(c: dict[str, Any]) -> str:
    """The settings that differ from their defaults, in a few words."""
    words = []
    for field, text in (("maxRuntime", "max runtime {} s"), ("minInterval", "min interval {} s")):
        if c.get(field):
            words.append(text.format(c[field]))
    for field, text in (("successKeywords", "success if {}"), ("failureKeywords", "fail if {}")):
        if c.get(field):
            words.append(text.format(" or ".join(repr(k) for k in c[field])))
    if c.get("failureThreshold", 1) > 1:
        words.append(f"alert after {c['failureThreshold']} failures")
    if c.get("recoveryThreshold", 1) > 1:
        words.append(f"resolve after {c['recoveryThreshold']} good runs")
    if c.get("realertInterval"):
        words.append(f"remind every {c['realertInterval']} s")
    if c.get("manualResume"):
        words.append("manual resume")
    return "; ".join(words)


MONITOR_COLUMNS = [
    ("id", "ID"),
    ("name", "NAME"),
    ("status", "STATUS"),
    ("schedule", "SCHEDULE"),
    ("grace", "GRACE"),
    ("tags", "TAGS"),
    ("lastPingAt", "LAST PING"),
    ("nextDeadline", "NEXT DEADLINE"),
]
MONITOR_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("slug", "slug"),
    ("type", "type"),
    ("status", "status"),
    ("schedule", "schedule"),
    ("nextExpected", "next expected"),
    ("grace", "grace period (s)"),
    ("policy", "policy"),
    ("tags", "tags"),
    ("pingUrl", "ping URL"),
    ("lastPingAt", "last ping"),
    ("lastDurationSeconds", "last duration (s)"),
    ("nextDeadline", "next deadline"),
    ("openIncident", "open incident"),
    ("nextReminderAt", "next reminder"),
    ("createdAt", "created"),
]


def show_monitor(m: dict[str, Any], now: datetime | None = None) -> str:
    """One monitor, a field a line; with `now`, times also say how long ago or how soon."""
    f = with_relative_times(flatten_monitor(m), now)
    width = max(len(title) for _, title in MONITOR_FIELDS)
    lines = [f"{title.ljust(width)}  {'' if f.get(key) is None else _text(f[key])}" for key, title in MONITOR_FIELDS]
    if m.get("pingUrl"):
        lines.append(f"\nPing it at the end of the job:  curl -fsS --retry 3 -o /dev/null {m['pingUrl']}")
    return "\n".join(lines)
