"""What the renderers share: an alert's words in parts (`Said`), its colour, and a JSON POST.

The words are the email's (domain/alertwords.py: the cause in words, times in the monitor's zone
and relative, the failing body's first and last lines), taken apart so that each kind lays them
out as its service shows them best: a title linking to the monitor's page, the facts a line each,
the body in a code block, the links. Each kind escapes them for its markup and cuts the body to
its service's limits.

Small hand-written payloads, not a notification library: each service needs one JSON document
and one POST, these modules import only the standard library and the domain, and every payload is
pinned by a test (tests/unit/test_targetkinds_render.py, tests/integration/test_notifier.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from heartbeat.domain.alertwords import (
    TEST_EVENT,
    AlertFacts,
    body_caption,
    chat_rows,
    cut_note,
    downtime,
    headline,
    visible,
)
from heartbeat.domain.model import AlertEvent
from heartbeat.domain.targets import AlertMessage, Request
from heartbeat.domain.words import duration

COLOURS = {"monitor.down": "#d1242f", "monitor.reminder": "#d1242f", "monitor.up": "#1a7f37", "monitor.test": "#0969da"}
ACTIONS = (  # the alert document's `links` (signed one-click actions, when it carries them), as buttons say them
    ("acknowledge", "Acknowledge"),
    ("snooze1h", "Snooze 1 h"),
    ("snooze4h", "Snooze 4 h"),
    ("snoozeTomorrow", "Snooze until 09:00 tomorrow"),
)
TEST_LINE = "Alerts reach this target. Real ones say why the monitor is down, since when, and the job's output."


def colour(alert: AlertMessage) -> str:
    return COLOURS.get(alert.event, "#0969da")


@dataclass(frozen=True)
class Said:
    """One alert's words, in the parts a chat message is laid out from."""

    title: str  # `Nightly Backup is DOWN`, `... is STILL DOWN, for 2 h 5 min`, `... is UP again, after 30 s down`
    summary: str  # one sentence, with the cause: a notification's text, an incident's summary
    rows: list[tuple[str, str]]  # (label, value): Why, Down since, Schedule, Last ping, ...
    body_caption: str  # "" without a body
    body: list[str]  # the failing ping's first lines, what is cut said between, its last lines
    link: str  # the monitor's page: the title's link; "" when the deployment's URL is not known
    link_label: str  # `Open Nightly Backup`
    actions: list[tuple[str, str]]  # (label, url) of the one-click actions the alert carries
    colour: str
    facts: AlertFacts

    @property
    def links(self) -> list[tuple[str, str]]:
        """Every link, the monitor's page first."""
        return [(self.link_label, self.link)] * bool(self.link) + self.actions


def said(alert: AlertMessage, base: str) -> Said:
    f = alert.said
    name = visible(f.name)
    # An alert said from its document alone knows no schedule.
    rows = [row for row in chat_rows(f) if row[0] != "Schedule" or f.interval_s or f.cron]
    body, caption = list[str](), ""
    excerpt = f.failure.body if f.failure is not None and f.event != AlertEvent.UP else None
    if excerpt is not None:
        caption = body_caption(excerpt)
        body = [*excerpt.head, *[cut_note(excerpt)] * bool(cut_note(excerpt)), *excerpt.tail]
    if f.event == AlertEvent.DOWN:
        title = f"{name} is DOWN"
    elif f.event == AlertEvent.REMINDER:
        title = f"{name} is STILL DOWN, for {duration(downtime(f) / 1000)}"
    elif f.event == AlertEvent.UP:
        title = f"{name} is UP again, after {duration(downtime(f) / 1000)} down"
    else:
        title, rows = "Heartbeat test alert", [("Test", TEST_LINE)]
    test = f.event == TEST_EVENT
    return Said(
        title=title,
        summary=headline(f),
        rows=rows,
        body_caption=caption,
        body=body,
        link=alert.link("monitor", base),
        link_label="Open the dashboard" if test else f"Open {name}",
        actions=[(label, alert.link(name, base)) for name, label in ACTIONS if alert.link(name, base)],
        colour=colour(alert),
        facts=f,
    )


def cut(text: str, chars: int) -> str:
    """`text` in at most `chars` characters, its cut said with `…`."""
    return text if len(text) <= chars else text[: max(0, chars - 1)] + "…"


def fit_lines(lines: list[str], chars: int) -> list[str]:
    """Whole lines while they fit in `chars` (joined by newlines), then how many are left out."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        note = f"[{len(lines) - i} more lines not shown]"
        last = i == len(lines) - 1
        if len("\n".join([*kept, line])) + (0 if last else len(note) + 1) > chars:
            return [*kept, note]
        kept.append(line)
    return kept


def code(line: str) -> str:
    """A line that cannot end the code block it is in (```, in Slack's and Discord's markup)."""
    return line.replace("```", "`\u200b`\u200b`")


def json_request(url: str, body: dict[str, Any], alert: AlertMessage, **headers: str) -> Request:
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    base = {"content-type": "application/json", "x-heartbeat-alert-id": alert.id}
    return Request("POST", url, payload, {**base, **headers})
