"""Alerts in words for people: what happened and why, since when, the schedule, the last ping, the
failing ping's output and the links, as an email read in ten seconds and an SMS of one line.

An alert's words are made of its facts (`AlertFacts`), taken from the monitor and the ping when the
alert is made (domain/alerts.py) and kept with it in the outbox: a publish retried later says what
was true then. Times are in the monitor's zone, named; relative times count from the alert. The
publisher passes the deployment's URL for the links. Every later channel (chat, incident targets,
webhook variables) can say the same things with these words.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from heartbeat.domain.alertlinks import AlertLinks, api_url, monitor_url
from heartbeat.domain.model import AlertEvent, Cause
from heartbeat.domain.words import duration, schedule

TEST_EVENT = "monitor.test"
HEAD_LINES, TAIL_LINES = 8, 4  # of the failing ping's body, in an email: how its output began, and ended
LINE_CHARS = 160  # a longer line of it is cut
DESCRIPTION_CHARS = 300
SMS_CHARS = 160  # one SMS (GSM-7) as delivered: more would be sent, and billed, as several
# SNS puts the topic's display name (template.yaml's AlertsTopic), in capitals, and "> " before an
# SMS published to a topic: `HEARTBEAT ALERTS> DOWN Nightly Backup: ...`. The rest is ours.
TOPIC_DISPLAY_NAME = "Heartbeat alerts"
SMS_PREFIX = f"{TOPIC_DISPLAY_NAME.upper()}> "
SMS_TEXT_CHARS = SMS_CHARS - len(SMS_PREFIX)
SMS_WORDS = 40  # what an SMS keeps for its words before it drops its link
MESSAGE_BYTES = 262_144  # SNS's limit on a published message: with MessageStructure, the whole structure
SIGNALS = {129: "SIGHUP", 130: "SIGINT", 134: "SIGABRT", 137: "SIGKILL", 139: "SIGSEGV", 143: "SIGTERM"}
SHELL_STATUS = {126: "not executable", 127: "command not found"}


@dataclass(frozen=True)
class BodyExcerpt:
    """A ping's body as an alert shows it: its first lines and, when more are left out, its last
    ones (a traceback's error is its last line), each made visible and cut at LINE_CHARS."""

    head: list[str]
    tail: list[str]  # [] when nothing is left out, or when the body was cut when stored (its end is not the job's)
    total_lines: int  # in the body as stored
    size: int  # bytes the ping sent
    truncated: bool = False  # the body was cut when stored (over the size limit)

    @classmethod
    def of(cls, body: bytes, size: int = 0, truncated: bool = False) -> BodyExcerpt | None:
        lines = [line.rstrip() for line in body.decode("utf-8", errors="replace").strip("\r\n").splitlines()]
        if not any(lines):
            return None

        def shown(some: list[str]) -> list[str]:
            return [_cut(visible(line.expandtabs(4)), LINE_CHARS) for line in some]

        size = max(size, len(body))
        if truncated or len(lines) <= HEAD_LINES + TAIL_LINES:
            return cls(shown(lines[: HEAD_LINES + TAIL_LINES]), [], len(lines), size, truncated)
        return cls(shown(lines[:HEAD_LINES]), shown(lines[-TAIL_LINES:]), len(lines), size)

    @property
    def left_out(self) -> int:
        """Lines not shown."""
        return self.total_lines - len(self.head) - len(self.tail)


@dataclass(frozen=True)
class PingFacts:
    """One ping, as an alert tells of it."""

    at_ms: int
    kind: str  # success, fail, start, log; "" when not known
    source: str = ""  # `POST from 203.0.113.7 (curl/8.5.0)`; "" when not known (an alert a sweep made)
    exit_status: int | None = None
    ran_ms: int | None = None  # its run's duration, from the /start that announced it


@dataclass(frozen=True)
class Failure:
    """Why the monitor is down, with what it takes to say it."""

    cause: str  # a Cause value
    exit_status: int | None = None
    keyword: str = ""  # keyword: the failure keyword the body had
    success_keywords: list[str] = field(default_factory=list)  # keyword: ... or those it had none of
    in_a_row: int = 1  # failed or missed runs in a row that opened it (the failure threshold)
    running_ms: int | None = None  # timeout: how long the run had run, without finishing, at the alert
    since_success_ms: int | None = None  # early: how long after the previous success
    body: BodyExcerpt | None = None  # the failing ping's
    quorum: int = 0  # quorum: the instances that must have pinged
    silent: list[str] = field(default_factory=list)  # quorum: the instances that have not, by name


@dataclass(frozen=True)
class AlertFacts:
    """What an alert's words are made of."""

    event: str  # an AlertEvent value, or monitor.test
    monitor_id: str
    name: str
    at_ms: int  # when the alert was made; "ago" counts from here
    zone: str = "UTC"
    interval_s: int | None = None
    cron: str | None = None
    grace_s: int = 0
    max_runtime_s: int | None = None
    early_gap_s: int | None = None  # a success sooner than this after the last is early
    description: str = ""
    tags: list[str] = field(default_factory=list)
    opened_ms: int | None = None
    resolved_ms: int | None = None
    reminder: int = 0
    last_ping: PingFacts | None = None
    failure: Failure | None = None  # down and reminders
    held_by: str = ""  # down: the monitor it depends on whose outage held this alert until it recovered
    holding: list[str] = field(default_factory=list)  # down, reminders: monitors its outage holds quiet
    links: AlertLinks | None = None  # added when published (domain/alertlinks.py); None: the plain ones from the URL

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> AlertFacts:
        doc = json.loads(text)
        failure = doc.get("failure")
        if failure is not None:
            body = failure.get("body")
            failure = _known(Failure, {**failure, "body": _known(BodyExcerpt, body) if body else None})
        last_ping = doc.get("last_ping")
        links = doc.get("links")
        return _known(
            cls,
            {
                **doc,
                "failure": failure,
                "last_ping": _known(PingFacts, last_ping) if last_ping else None,
                "links": _known(AlertLinks, links) if links else None,
            },
        )


def facts_of_a_test(now_ms: int) -> AlertFacts:
    """A test alert's: it names no monitor."""
    return AlertFacts(event=TEST_EVENT, monitor_id="test", name="Heartbeat test alert", at_ms=now_ms)


def _known(kind: Any, values: dict[str, Any]) -> Any:
    """`kind` from the fields it has: facts written by an older or newer version still read."""
    names = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in values.items() if k in names})


# ---- the words ---------------------------------------------------------------------------------


def visible(text: str) -> str:
    """`text` with what is not shown as itself (control characters, a newline that would start a
    line of our message) written as Python writes it: \\x1b, \\n."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _cut(text: str, chars: int, mark: str = "…") -> str:
    return text if len(text) <= chars else text[: chars - len(mark)] + mark


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # checked when set; never fail an alert over it
        return ZoneInfo("UTC")


def _local(ms: int, zone: str) -> datetime:
    return datetime.fromtimestamp(ms / 1000, _zone(zone))


def _zone_label(when: datetime) -> str:
    label = when.strftime("%Z")  # EET, EST, AEDT; where the zone has no letters, an offset: +04
    return f"UTC{label}" if label[:1] in "+-" else label


def moment(ms: int, zone: str) -> str:
    """`Wed 25 Nov 2026 04:13 EET`: to the minute, in the monitor's zone, named."""
    when = _local(ms, zone)
    return f"{when:%a %d %b %Y %H:%M} {_zone_label(when)}"


def clock(ms: int, zone: str) -> str:
    """`04:13 EET`."""
    when = _local(ms, zone)
    return f"{when:%H:%M} {_zone_label(when)}"


def ago(ms: int, now_ms: int) -> str:
    seconds = (now_ms - ms) / 1000
    if seconds < 1:
        return "just now"
    return f"{duration(seconds)} ago"


def schedule_words(f: AlertFacts) -> str:
    """`daily at 02:00 Europe/Riga, grace 15 min`: the CLI's words, with UTC named (the CLI leaves it
    out; an alert is read far from the job)."""
    said = schedule({"expectedInterval": f.interval_s, "schedule": f.cron, "timezone": f.zone})
    utc = " UTC" if f.cron is not None and f.zone == "UTC" else ""
    return f"{said}{utc}, grace {duration(f.grace_s)}"


def exit_status_words(status: int) -> str:
    meaning = SHELL_STATUS.get(status) or (f"killed by {SIGNALS[status]}" if status in SIGNALS else "")
    return f"exit status {status}" + (f" ({meaning})" if meaning else "")


def cause_words(f: AlertFacts, short: bool = False) -> str:
    """Why it is down, in a phrase: `exit status 1`, `no ping for 1 h + 10 min grace`; `short`, for
    an SMS, in fewer words: `no ping for 1 h 10 min`."""
    why = f.failure
    if why is None:
        return ""
    if why.cause == Cause.EXIT_STATUS:
        said = exit_status_words(why.exit_status) if why.exit_status else "a non-zero exit status"
    elif why.cause == Cause.FAILED:
        said = "/fail received" if short else "received a failure signal (/fail)"
    elif why.cause == Cause.MISSED:
        said = _missed(f, short)
    elif why.cause == Cause.TIMEOUT:
        said = _timeout(f, why, short)
    elif why.cause == Cause.EARLY:
        after = f" {duration(why.since_success_ms / 1000)} after the last one" if why.since_success_ms else ""
        said = f"a success{after}" + ("" if short else _sooner_than(f.early_gap_s))
    elif why.cause == Cause.KEYWORD:
        said = _keyword(why, short)
    elif why.cause == Cause.QUORUM:
        said = _quorum(f, why, short)
    else:  # a cause this version does not know (facts from a newer one)
        said = visible(why.cause)
    return said + (f" ({why.in_a_row} in a row)" if why.in_a_row > 1 else "")


def _sooner_than(gap_s: int | None) -> str:
    # None: facts stored before they carried the gap
    return ", sooner than its minimum interval" + (f" of {duration(gap_s)}" if gap_s else "")


def _missed(f: AlertFacts, short: bool) -> str:
    grace = duration(f.grace_s)
    if f.cron is None or f.opened_ms is None:
        if short:
            return f"no ping for {duration((f.interval_s or 0) + f.grace_s)}"
        return f"no ping for {duration(f.interval_s or 0)} + {grace} grace"
    # A cron monitor's incident opens at the run's time plus the grace.
    run = clock(f.opened_ms - f.grace_s * 1000, f.zone)
    return f"missed the {run} run" if short else f"no ping for the {run} run + {grace} grace"


def _quorum(f: AlertFacts, why: Failure, short: bool) -> str:
    names = _cut(visible(", ".join(why.silent)), 200)
    if short:
        return f"quorum {why.quorum} not met, silent: {names}"
    window = duration((f.interval_s or 0) + f.grace_s) if f.cron is None else "its run + grace"
    return f"fewer than {why.quorum} instances pinged within {window}; silent: {names}"


def _timeout(f: AlertFacts, why: Failure, short: bool) -> str:
    limit = f"maxRuntime {duration(f.max_runtime_s)}" if f.max_runtime_s else f"its {duration(f.grace_s)} grace"
    if why.running_ms is None:
        return f"a run did not finish within {limit}"
    ran = duration(why.running_ms / 1000)
    return f"running {ran}, over {limit}" if short else f"ran {ran} without finishing, more than {limit}"


def _keyword(why: Failure, short: bool) -> str:
    if why.keyword:
        return f'{"" if short else "the body has the "}failure keyword "{visible(why.keyword)}"'
    wanted = ", ".join(f'"{visible(k)}"' for k in why.success_keywords)
    if short or not wanted:
        return "no success keyword in the body"
    return f"the body has none of the success keywords {wanted}"


def ping_words(p: PingFacts, now_ms: int, zone: str) -> str:
    """`Wed 25 Nov 2026 04:13 EET (just now): fail, exit status 1, POST from 203.0.113.7 (curl/8.5.0)`."""
    what = [p.kind] if p.kind else []
    if p.exit_status:
        what.append(exit_status_words(p.exit_status))
    if p.source:
        what.append(p.source)
    return f"{moment(p.at_ms, zone)} ({ago(p.at_ms, now_ms)})" + (f": {', '.join(what)}" if what else "")


def downtime(f: AlertFacts) -> int:
    """Milliseconds down: to the recovery, or to the alert while still down."""
    return max(0, (f.resolved_ms or f.at_ms) - (f.opened_ms or f.at_ms))


# ---- links ---------------------------------------------------------------------------------------


def incident_url(base: str, monitor_id: str) -> str:
    """Where an alert's incident opens in a browser (`$INCIDENT_URL`): the monitor's page on the
    dashboard; the API's listing of its incidents is `api_url`."""
    return monitor_url(base, monitor_id)


def links_of(f: AlertFacts, base: str) -> AlertLinks:
    """The alert's links: those it was published with, else the plain ones from the deployment's URL."""
    return f.links if f.links is not None else AlertLinks(monitor_url(base, f.monitor_id), api_url(base, f.monitor_id))


def main_link(f: AlertFacts, base: str) -> str:
    """The one link a short message carries: the monitor's page, or the dashboard for a test."""
    if not base:
        return ""
    return f"{base}/" if f.event == TEST_EVENT else links_of(f, base).monitor


# ---- the messages --------------------------------------------------------------------------------


def headline(f: AlertFacts) -> str:
    """The first line of an email: what happened, in a sentence."""
    name = visible(f.name)
    if f.event == AlertEvent.DOWN:
        return f"{name} is DOWN: {cause_words(f)}."
    if f.event == AlertEvent.REMINDER:
        cause = cause_words(f)
        return f"{name} is STILL DOWN, for {duration(downtime(f) / 1000)}" + (f": {cause}." if cause else ".")
    if f.event == AlertEvent.UP:
        return f"{name} is UP again, after {duration(downtime(f) / 1000)} down."
    return "This is a test alert from Heartbeat: alerts reach this address."


def email(f: AlertFacts, base: str, alert_id: str = "") -> str:
    """Plain text, read in ten seconds: what happened, then the facts a line each, the failing
    ping's first lines, the links."""
    lines = [headline(f), ""]
    if f.event == TEST_EVENT:
        lines.append("Real alerts say what happened and why, since when, the monitor's schedule, its last ping")
        lines.append("and the failing ping's output, with a link to the monitor.")
    else:
        lines += [f"{label:<12}{value}" for label, value in _rows(f)]
    if f.failure is not None and f.failure.body is not None and f.event != AlertEvent.UP:
        lines += ["", *_body(f.failure.body)]
    links = [("Dashboard", f"{base}/")] if f.event == TEST_EVENT and base else []
    if f.event != TEST_EVENT and base:
        links = _links(links_of(f, base))
    if links:
        lines += ["", *(f"{label:<12}{url}" for label, url in links)]
    if alert_id:
        lines += ["", f"Heartbeat alert {alert_id}"]
    return "\n".join(lines) + "\n"


def _links(links: AlertLinks) -> list[tuple[str, str]]:
    """An email's links, the one-click actions first when it has them (a down alert, a reminder)."""
    actions = [
        ("Acknowledge", links.acknowledge, "stops the reminders until it recovers"),
        ("Snooze 1 h", links.snooze_1h, ""),
        ("Snooze 4 h", links.snooze_4h, ""),
        ("Snooze", links.snooze_tomorrow, "until tomorrow 09:00 in the monitor's zone"),
    ]
    shown = [(label, url + (f"  ({why})" if why else "")) for label, url, why in actions if url]
    return [("Monitor", links.monitor), *shown, ("API", links.api)]


def _rows(f: AlertFacts) -> list[tuple[str, str]]:
    opened = f.opened_ms if f.opened_ms is not None else f.at_ms
    rows = [("Down since", f"{moment(opened, f.zone)} ({ago(opened, f.at_ms)})")]
    if f.event == AlertEvent.REMINDER:
        rows.append(("Reminder", str(f.reminder)))
    if f.held_by:
        rows.append(("Held", f"while {visible(f.held_by)} was down (it depends on it), until {clock(f.at_ms, f.zone)}"))
    if f.holding:
        rows.append(("Holding", f"{len(f.holding)} quiet: " + _cut(visible(", ".join(f.holding)), DESCRIPTION_CHARS)))
    if f.event == AlertEvent.UP and f.resolved_ms is not None:
        rows = [("Down", f"from {moment(opened, f.zone)} to {clock(f.resolved_ms, f.zone)}")]
    rows.append(("Schedule", schedule_words(f)))
    p = f.last_ping
    rows.append(("Last ping", ping_words(p, f.at_ms, f.zone) if p else "never"))
    if p is not None and p.ran_ms is not None:
        rows.append(("Run took", f"{duration(p.ran_ms / 1000)}, from its /start"))
    if f.tags:
        rows.append(("Tags", visible(" ".join(f.tags))))
    if f.description.strip():
        rows.append(("About", _cut(visible(" ".join(f.description.split())), DESCRIPTION_CHARS)))
    return rows


def _body(body: BodyExcerpt) -> list[str]:
    lines = [body_caption(body), *(f"  | {line}" for line in body.head)]
    if cut_note(body):
        lines.append(f"  {cut_note(body)}")
    return lines + [f"  | {line}" for line in body.tail]


def body_caption(body: BodyExcerpt) -> str:
    """`The failing ping's body, 14 lines (715 bytes), its first 8 and last 4:`."""
    if body.truncated:
        said = f"the start of its {body.size:,} bytes"
    elif body.left_out:
        said = f"{body.total_lines} lines ({body.size:,} bytes), its first {len(body.head)} and last {len(body.tail)}"
    else:
        said = f"{body.size:,} bytes"
    return f"The failing ping's body, {said}:"


def cut_note(body: BodyExcerpt) -> str:
    """What is said where lines are left out (between the first and the last ones); "" if none are."""
    if body.truncated:
        return "[cut here: the rest not shown; the monitor's page has the body as stored]"
    if body.left_out:
        return f"[cut here: {body.left_out} lines not shown; the monitor's page has them]"
    return ""


def sms(f: AlertFacts, base: str) -> str:
    """One line of at most SMS_TEXT_CHARS characters (SMS_CHARS with SNS's prefix):
    `DOWN Nightly Backup: exit status 1 at 02:13 UTC <link>`."""
    name, cause = visible(f.name), cause_words(f, short=True)
    if f.event == AlertEvent.DOWN:
        opened = f.opened_ms if f.opened_ms is not None else f.at_ms
        parts = ("DOWN ", name, f": {cause}", f" at {clock(opened, f.zone)}")
    elif f.event == AlertEvent.REMINDER:
        # Cut from its end, the cause goes before how long it has been down.
        parts = ("STILL DOWN ", name, f" for {duration(downtime(f) / 1000)}" + (f": {cause}" if cause else ""), "")
    elif f.event == AlertEvent.UP:
        since = f" at {clock(f.resolved_ms or f.at_ms, f.zone)}"
        parts = ("UP ", name, f" after {duration(downtime(f) / 1000)} down", since)
    else:
        parts = ("TEST ", "Heartbeat", ": alerts reach this number", "")
    return _fit(*parts, main_link(f, base))


def _fit(head: str, name: str, words: str, end: str, link: str) -> str:
    """The parts, then the link, within SMS_TEXT_CHARS. What gives way, in order: the name (cut, to
    no less than 24 characters), the end (the time: an SMS is read when it comes), the words (cut
    after a whole word). A link is never cut; one that leaves less than SMS_WORDS characters for the
    rest is left out."""
    if len(link) > SMS_TEXT_CHARS - 1 - SMS_WORDS:
        link = ""
    room = SMS_TEXT_CHARS - (len(link) + 1 if link else 0)
    over = len(head) + len(name) + len(words) + len(end) - room
    if over > 0:
        name = _cut(name, max(24, len(name) - over), "...")
    if len(head) + len(name) + len(words) + len(end) > room:
        end = ""
    text = head + name + words
    if len(text) + len(end) > room:
        kept = text[: room - 3]
        text = (kept.rsplit(" ", 1)[0] if " " in kept[len(head) :] else kept).rstrip(" :,+") + "..."
    return f"{text}{end} {link}" if link else text + end


def message_structure(message: str, f: AlertFacts, base: str, alert_id: str = "") -> str:
    """Publish's Message with MessageStructure=json: `default` is `message` as it is (what https,
    SQS, Lambda and email-json subscribers get), `email` and `sms` the words. Its size is bounded by
    construction (every part is cut: the body to HEAD_LINES + TAIL_LINES lines of LINE_CHARS), far
    under MESSAGE_BYTES."""
    return json.dumps({"default": message, "email": email(f, base, alert_id), "sms": sms(f, base)})


# ---- in parts, for chat and incident targets (domain/targetkinds/common.py) ------------------------


def chat_rows(f: AlertFacts) -> list[tuple[str, str]]:
    """The facts an email lists, (label, value) each, why it is down first (down and reminders)."""
    cause = cause_words(f) if f.event != AlertEvent.UP else ""
    return [("Why", cause)] * bool(cause) + _rows(f)
