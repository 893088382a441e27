"""The everyday views of monitors, pings and incidents: tables within 100 columns (names, not ids;
how long ago, not ISO times; schedules and durations in words; what is down or late first), and
`--wide` for every id and time in full. And a monitor's card: why and since when it is in its
status, its schedule and next runs, its last ping and body, every setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from heartbeat.domain.settings import SETTINGS, Kind, Setting
from heartbeat.domain.words import duration, schedule
from heartbeat_cli.output import ago, in_colour, moment, parse_time, printable, table

WIDTH = 100  # a table's lines, unless --wide
STATUS_ORDER = {"down": 0, "grace": 1, "started": 2, "up": 3, "new": 4, "paused": 5}
CAUSES = {
    "missed": "no ping by the deadline",
    "timeout": "a run took longer than its max runtime",
    "failed": "the job reported a failure (/fail)",
    "exit_status": "the job exited with a non-zero status",
    "early": "a run came sooner than the min interval",
    "keyword": "a ping's body failed the keyword check",
}
BODY_LINES = 5  # of the last ping's body, on the card
SHORT_ID = 8
LABEL = 15  # the card's field names


def painter(colour: bool) -> Callable[[str, str], str] | None:
    """Colours the status columns' cells, when colour is wanted."""
    if not colour:
        return None
    return lambda key, text: in_colour(text.split()[0], text) if key == "status" and text else text


# ---- monitors -----------------------------------------------------------------------------------

MONITOR_COLUMNS = [  # a name names a monitor in every command, as its id and slug do (--wide)
    ("status", "STATUS"),
    ("name", "NAME"),
    ("schedule", "SCHEDULE"),
    ("grace", "GRACE"),
    ("lastPing", "LAST PING"),
    ("deadline", "DEADLINE"),
    ("tags", "TAGS"),
]
MONITOR_SHRINK = {"name": 24, "schedule": 24, "tags": 8}  # what may be cut to fit, and how far
WIDE_MONITOR_COLUMNS = [
    ("id", "ID"),
    ("status", "STATUS"),
    ("name", "NAME"),
    ("slug", "SLUG"),
    ("schedule", "SCHEDULE"),
    ("grace", "GRACE"),
    ("tags", "TAGS"),
    ("lastPingAt", "LAST PING"),
    ("nextDeadline", "NEXT DEADLINE"),
]


def by_urgency(monitors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Down first, then late, running, up, new and paused; by name within each."""
    return sorted(monitors, key=lambda m: (STATUS_ORDER.get(m["status"], 9), m["name"].casefold(), m["id"]))


def monitor_row(m: dict[str, Any], now: datetime) -> dict[str, Any]:
    c = m["config"]
    return {
        **m,
        "schedule": schedule(c),
        "grace": duration(c["gracePeriod"]),
        "lastPing": ago(m.get("lastPingAt"), now) or "never",
        "deadline": ago(m.get("nextDeadline"), now),
        "tags": ", ".join(m.get("tags") or []) or None,
    }


def monitors_table(monitors: list[dict[str, Any]], now: datetime, wide: bool = False, colour: bool = False) -> str:
    rows = [monitor_row(m, now) for m in by_urgency(monitors)]
    if wide:
        return table(rows, WIDE_MONITOR_COLUMNS, now, paint=painter(colour))
    return table(rows, MONITOR_COLUMNS, width=WIDTH, shrink=MONITOR_SHRINK, paint=painter(colour))


def status_line(m: dict[str, Any], now: datetime, incident: dict[str, Any] | None, colour: bool) -> str:
    """The status, and why and since when: `down since ... : no ping by the deadline`."""
    status, c = m["status"], m["config"]
    word = in_colour(status, status) if colour else status
    if status == "down":
        since = moment(m.get("downSince"), now)
        why = CAUSES.get(incident["cause"], incident["cause"]) if incident else None
        return word + (f" since {since}" if since else "") + (f": {why}" if why else "")
    if status == "grace":
        return f"{word}: late, alerting at the deadline ({ago(m.get('nextDeadline'), now)})"
    if status == "started":
        return f"{word} {ago(m.get('lastStartAt'), now)}: a run is in progress"
    if status == "new":
        return f"{word}: never pinged, so no alerts until its first ping"
    if status == "paused":
        resume = "pings are ignored until it is resumed" if c.get("manualResume") else "the next ping resumes it"
        return f"{word}: {resume}"
    return word


def last_ping_lines(m: dict[str, Any], ping: dict[str, Any] | None, now: datetime) -> list[str]:
    if not m.get("lastPingAt"):
        return ["never"]
    line = moment(m["lastPingAt"], now) or ""
    if ping is not None:
        line += f": {ping_kind(ping)}"
        if ping.get("exitStatus") is not None:
            line += f", exit status {ping['exitStatus']}"
    body = (ping or {}).get("bodyPreview") or ""
    lines = body.splitlines()
    shown = [f"| {cut_line(printable(text), WIDTH - LABEL - 4)}" for text in lines[:BODY_LINES]]
    if len(lines) > BODY_LINES or (ping and ping.get("bodySize", 0) > len(body.encode())):
        shown.append("| ... (heartbeat monitors pings shows more)")
    return [line, *shown]


def cut_line(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def settings_lines(c: dict[str, Any]) -> list[tuple[str, str]]:
    """Every setting with words (domain/settings.py), default or not; those shown only when set last."""
    parts: dict[str, list[tuple[int, str | None]]] = {}
    offs: dict[str, str | None] = {}
    for s in SETTINGS:
        if s.words is None:
            continue
        value = c.get(s.api, s.default)
        parts.setdefault(s.words.label, []).append((s.words.part, in_words(s, value) if value else None))
        offs[s.words.label] = s.words.off
    lines = []
    for label, shown in parts.items():
        text = "; ".join(words for _, words in sorted(shown, key=lambda part: part[0]) if words) or offs[label]
        if text is not None:
            lines.append((label, text))
    return sorted(lines, key=lambda line: offs[line[0]] is None)


def in_words(s: Setting, value: Any) -> str:
    """A setting's value that is set, as its card line says it."""
    assert s.words is not None
    if s.kind is Kind.SECONDS:
        return s.words.shown.format(duration(value))
    if s.kind is Kind.KEYWORDS:
        return s.words.shown.format(" or ".join(repr(k) for k in value))
    if s.kind is Kind.MONITORS:
        return s.words.shown.format(", ".join(value))
    if s.kind is Kind.QUORUM:
        return s.words.shown.format(value["min"])
    if s.kind is Kind.PATTERNS:
        return s.words.shown.format(len(value))
    return s.words.shown.format(value, s="" if value == 1 else "s")


def show_monitor(
    m: dict[str, Any],
    now: datetime,
    last_ping: dict[str, Any] | None = None,
    incident: dict[str, Any] | None = None,
    colour: bool = False,
) -> str:
    """One monitor, a field a line. `last_ping` and `incident` (its open one) add the last body and
    the cause of an outage, where the caller has them."""
    c = m["config"]
    plan = schedule(c) + (f" ({c['schedule']})" if c.get("schedule") else "")
    fields: list[tuple[str, str | list[str] | None]] = [
        ("status", status_line(m, now, incident, colour)),
        ("id", m["id"]),
        ("slug", m.get("slug")),
        ("description", printable(m.get("description") or "") or None),
        ("schedule", f"{plan}, grace {duration(c['gracePeriod'])}"),
        ("next runs", [moment(t, now) or t for t in m.get("nextExpected") or []] or None),
        ("deadline", moment(m.get("nextDeadline"), now)),
        ("next reminder", moment(m.get("nextReminderAt"), now)),
        ("acknowledged", acknowledged_line(m.get("acknowledged"), now)),
        ("snoozed until", moment(m.get("snoozedUntil"), now)),
        ("maintenance", maintenance_lines(m.get("maintenance"), now)),
        ("quiet while", f"{m['heldBy']} is down (it depends on it)" if m.get("heldBy") else None),
        ("holding quiet", m.get("holding") or None),
        ("instances", [f"{name}  {moment(at, now)}" for name, at in (m.get("instances") or {}).items()] or None),
        ("last ping", last_ping_lines(m, last_ping, now)),
        ("last run took", duration(m["lastDurationSeconds"]) if m.get("lastDurationSeconds") is not None else None),
        *settings_lines(c),
        ("tags", ", ".join(m.get("tags") or []) or "none"),
        ("ping URL", m.get("pingUrl") or "(shown to admin keys only)"),
        ("created", moment(m.get("createdAt"), now)),
    ]
    lines = [printable(m["name"])]
    for title, value in fields:
        if value is not None:
            first, *more = value if isinstance(value, list) else [value]
            lines.append(f"  {title:<{LABEL}}{first}")
            lines += [f"  {'':<{LABEL}}{line}" for line in more]
    if m.get("pingUrl"):
        lines.append(f"\nWrap the job:  heartbeat run --url {m['pingUrl']} -- <command>")
        lines.append(f"or ping it:    curl -fsS --retry 3 -o /dev/null {m['pingUrl']}")
    return "\n".join(lines)


def maintenance_lines(shown: dict[str, Any] | None, now: datetime) -> list[str] | None:
    """The maintenance window the monitor is in (no alerts until its end), and the next."""
    lines = []
    if (current := (shown or {}).get("current")) is not None:
        lines.append(f"in {printable(current['name'])!r} until {moment(current['end'], now)}: alerts held")
    if (coming := (shown or {}).get("next")) is not None:
        lines.append(f"next {printable(coming['name'])!r} from {moment(coming['start'], now)}")
    return lines or None


def acknowledged_line(ack: dict[str, Any] | None, now: datetime) -> str | None:
    """Who acknowledged the open incident and when, with their note."""
    if not ack:
        return None
    note = f": {printable(ack['note'])}" if ack.get("note") else ""
    return f"by {printable(ack['by'])} {moment(ack['at'], now)}{note}"


# ---- pings --------------------------------------------------------------------------------------

PING_COLUMNS = [
    ("n", "N"),
    ("when", "WHEN"),
    ("kind", "KIND"),
    ("exitStatus", "EXIT"),
    ("took", "TOOK"),
    ("run", "RUN"),
    ("body", "BODY"),
]
WIDE_PING_COLUMNS = [
    ("n", "N"),
    ("at", "AT"),
    ("kind", "KIND"),
    ("exitStatus", "EXIT"),
    ("cause", "CAUSE"),
    ("took", "TOOK"),
    ("rid", "RUN ID"),
    ("sourceIp", "FROM"),
    ("method", "METHOD"),
    ("bodySize", "BYTES"),
    ("body", "BODY"),
]


def ping_kind(p: dict[str, Any]) -> str:
    """`success`, `fail`, `start`, `log`; a success that counted as a failure says why; an ignored ping says so."""
    kind = p["kind"]
    if p.get("cause") in ("early", "keyword") and kind == "success":
        kind = f"success, {p['cause']}"
    return f"{kind} (ignored)" if p.get("ignored") else kind


def run_durations(pings: list[dict[str, Any]]) -> dict[int, float]:
    """Each finish's run length, by ping number: the API's for a success it paired, else from its
    start in the same page (the same `rid`, or, without one, the last start before it with no finish
    between): so a failed run shows how long it ran too."""
    found: dict[int, float] = {}
    open_start: dict[str | None, dict[str, Any]] = {}
    for p in sorted(pings, key=lambda p: p["n"]):
        if p["kind"] == "start":
            open_start[p.get("rid")] = p
        elif p["kind"] in ("success", "fail"):
            start = open_start.pop(p.get("rid"), None)
            if p.get("durationSeconds") is not None:
                found[p["n"]] = p["durationSeconds"]
            elif start is not None:
                began, ended = parse_time(start["at"]), parse_time(p["at"])
                if began and ended and ended >= began:
                    found[p["n"]] = (ended - began).total_seconds()
    return found


def pings_table(pings: list[dict[str, Any]], now: datetime, wide: bool = False) -> str:
    took = run_durations(pings)
    rows = []
    for p in pings:
        first = (p.get("bodyPreview") or "").splitlines()
        rows.append(
            {
                **p,
                "when": ago(p["at"], now),
                "kind": ping_kind(p),
                "took": duration(took[p["n"]]) if p["n"] in took else None,
                "run": (p.get("rid") or "")[:SHORT_ID] or None,
                "body": (first[0] + (" …" if len(first) > 1 else "")) if first else None,
            }
        )
    if wide:
        return table(rows, WIDE_PING_COLUMNS, now)
    return table(rows, PING_COLUMNS, width=WIDTH, shrink={"body": 10})


# ---- incidents ----------------------------------------------------------------------------------

INCIDENT_COLUMNS = [
    ("status", "STATUS"),
    ("monitor", "MONITOR"),
    ("cause", "CAUSE"),
    ("opened", "OPENED"),
    ("lasted", "LASTED"),
]
WIDE_INCIDENT_COLUMNS = [
    ("id", "ID"),
    ("status", "STATUS"),
    ("monitorId", "MONITOR ID"),
    ("monitor", "MONITOR"),
    ("cause", "CAUSE"),
    ("openedAt", "OPENED"),
    ("resolvedAt", "RESOLVED"),
    ("durationSeconds", "SECONDS"),
]


def incidents_table(
    incidents: list[dict[str, Any]],
    now: datetime,
    names: dict[str, str] | None = None,
    wide: bool = False,
    colour: bool = False,
) -> str:
    """`names` (monitor id to name) adds the MONITOR column: incidents across monitors."""
    rows = [
        {
            **i,
            "monitor": (names or {}).get(i["monitorId"], i["monitorId"][:SHORT_ID]),
            "opened": ago(i["openedAt"], now),
            "lasted": duration(i["durationSeconds"]) + (" so far" if i["status"] == "open" else ""),
        }
        for i in incidents
    ]
    wanted = WIDE_INCIDENT_COLUMNS if wide else INCIDENT_COLUMNS
    columns = [c for c in wanted if names is not None or c[0] != "monitor"]
    if wide:
        return table(rows, columns, now, paint=painter(colour))
    return table(rows, columns, width=WIDTH, shrink={"monitor": 16}, paint=painter(colour))
