"""What the commands print: aligned tables cut to a width, times absolute and relative, status in
colour on a terminal, text made safe for a terminal."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import click

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


# A status's colour on a terminal: what needs someone first is red.
COLOURS = {
    "down": "red",
    "open": "red",
    "grace": "yellow",
    "started": "cyan",
    "up": "green",
    "resolved": "green",
    "new": "bright_black",
    "paused": "bright_black",
}


def colour_wanted(stream: Any) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def in_colour(status: str, text: str) -> str:
    return click.style(text, fg=COLOURS[status]) if status in COLOURS else text


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
    when = parse_time(value)
    return value if when is None else f"{value} ({relative(when, now)})"


def parse_time(value: Any) -> datetime | None:
    """An API time (ISO 8601 with a zone), or None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else None


def ago(value: Any, now: datetime) -> str | None:
    """An API time as how long ago or how soon only: `3 min ago`, `in 2 h`."""
    when = parse_time(value)
    return None if when is None else relative(when, now)


def moment(value: Any, now: datetime) -> str | None:
    """An API time to the minute, in its own zone, and how far off: `2026-12-06 20:12 UTC (8 min ago)`."""
    when = parse_time(value)
    if when is None:
        return None
    offset = when.strftime("%z")
    zone = "UTC" if offset == "+0000" else f"{offset[:3]}:{offset[3:]}"
    return f"{when:%Y-%m-%d %H:%M} {zone} ({relative(when, now)})"


def with_relative_times(row: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    if now is None:
        return row
    return {k: timestamp(v, now) if k in TIME_FIELDS else v for k, v in row.items()}


def printable(text: str) -> str:
    """`text` with what a terminal would act on instead of show (escape sequences, newlines that
    would start a line of their own, bidi overrides) written as Python writes it: \\x1b, \\n, \\u202e."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def table(
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    now: datetime | None = None,
    *,
    width: int | None = None,
    shrink: Mapping[str, int] | None = None,
    paint: Callable[[str, str], str] | None = None,
) -> str:
    """Left-aligned columns under their titles; with `now`, times also say how long ago. With
    `width`, the columns in `shrink` (column: the width it may be cut to) are cut, widest first and
    with an ellipsis, until each line fits. `paint(key, text)` styles a cell (colour), after its width
    is measured."""
    cells = [[title for _, title in columns]]
    for row in rows:
        row = with_relative_times(row, now)
        cells.append(["" if row.get(key) is None else printable(_text(row.get(key))) for key, _ in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    if width is not None and shrink:
        least = [max(shrink.get(key, w), len(title)) for (key, title), w in zip(columns, widths, strict=True)]
        widths = fitted(widths, least, width)
    lines = []
    for i, r in enumerate(cells):
        shown = [cut(c, w) for c, w in zip(r, widths, strict=True)]
        if paint and i:
            shown = [paint(key, c) + " " * (w - len(c)) for (key, _), c, w in zip(columns, shown, widths, strict=True)]
        else:
            shown = [c.ljust(w) for c, w in zip(shown, widths, strict=True)]
        lines.append("  ".join(shown).rstrip())
    return "\n".join(lines)


def fitted(widths: list[int], least: list[int], width: int) -> list[int]:
    """`widths` with the widest column that is still wider than its `least` narrowed, a character at
    a time, until a line (two spaces between columns) fits in `width`, or none can give more."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > width:
        candidates = [i for i, w in enumerate(widths) if w > least[i]]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i] - least[i])] -= 1
    return widths


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)
