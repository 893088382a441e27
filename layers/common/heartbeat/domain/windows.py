"""Maintenance windows: when they are open, which monitors they cover, and what becomes of an alert
published while one covering its monitor is open, or when it closes.

A window is one-off (`start` to `end`) or recurring (a cron expression in an IANA zone, each run
opening it for `duration` seconds; DST as monitors' schedules: a run skipped by spring forward opens
it right after the change, a run repeated by fall back opens it once). It covers the monitors it names
and those carrying any of its tags.

During a window pings are recorded and incidents open as usual, but no alert goes out: a down alert
or a reminder is held (kept in the outbox, due again when the window ends) and at the end sent only
if its outage is still open; a recovery is held too when its outage was alerted, and dropped with
its outage's held down alert otherwise. An alert held is never lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from heartbeat.domain import schedules
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Alert, AlertEvent

WAITING = "waiting"  # an alert's state while a maintenance window holds it
MAX_WINDOWS = 200  # all of them are read in one Query whenever an alert is about to go out
MAX_DURATION_S = 31 * 86400
STEPS = 1000  # cron runs looked at to find the one a window is open for (a bound, not a limit met)


@dataclass(frozen=True)
class Span:
    start_ms: int
    end_ms: int
    window_id: str = field(default="", compare=False)  # the window it is a span of
    name: str = field(default="", compare=False)


@dataclass(frozen=True)
class Window:
    id: str
    name: str
    created_ms: int
    monitors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    start_ms: int | None = None  # one-off
    end_ms: int | None = None
    cron: str | None = None  # recurring
    duration_s: int | None = None
    timezone: str = "UTC"
    from_file: bool = False  # declared by an apply file (what a prune may delete)

    def covers(self, monitor_id: str, tags: list[str]) -> bool:
        return monitor_id in self.monitors or not set(self.tags).isdisjoint(tags)

    def current(self, now_ms: int) -> Span | None:
        """The span it is open for at `now_ms` (the one ending last, if runs overlap)."""
        if self.cron is None:
            assert self.start_ms is not None and self.end_ms is not None
            return self._span(self.start_ms, self.end_ms) if self.start_ms <= now_ms < self.end_ms else None
        length = self._length_ms()
        run, latest = schedules.next_after(self.cron, self.timezone, now_ms - length), None
        for _ in range(STEPS):
            if run > now_ms:
                break
            latest, run = run, schedules.next_after(self.cron, self.timezone, run)
        return self._span(latest, latest + length) if latest is not None else None

    def next(self, now_ms: int) -> Span | None:
        """The next span to open after `now_ms`, if any."""
        if self.cron is None:
            assert self.start_ms is not None and self.end_ms is not None
            return self._span(self.start_ms, self.end_ms) if self.start_ms > now_ms else None
        run = schedules.next_after(self.cron, self.timezone, now_ms)
        return self._span(run, run + self._length_ms())

    def _span(self, start_ms: int, end_ms: int) -> Span:
        return Span(start_ms, end_ms, self.id, self.name)

    def _length_ms(self) -> int:
        assert self.duration_s is not None
        return self.duration_s * 1000


def checked(window: Window) -> Window:
    """`window` if it makes sense, or InvalidInput naming the field that does not."""
    one_off = window.start_ms is not None or window.end_ms is not None
    if one_off == (window.cron is not None):
        raise InvalidInput("body", "give either start and end (one-off) or cron and duration (recurring)")
    if not (window.monitors or window.tags):
        raise InvalidInput("monitors", "give the monitors it covers, by id, or tags, or both")
    if one_off:
        if window.start_ms is None or window.end_ms is None:
            raise InvalidInput("end" if window.end_ms is None else "start", "a one-off window needs start and end")
        if window.end_ms <= window.start_ms:
            raise InvalidInput("end", "must be after start")
        return window
    assert window.cron is not None
    try:
        schedules.check_cron(window.cron)
        schedules.check_zone(window.timezone)
    except InvalidInput as e:
        raise InvalidInput("cron" if e.field == "config.schedule" else "timezone", e.message) from None
    if window.duration_s is None or not 60 <= window.duration_s <= MAX_DURATION_S:
        raise InvalidInput("duration", f"a recurring window needs a duration of 60 to {MAX_DURATION_S} seconds")
    return window


def open_for(windows: list[Window], monitor_id: str, tags: list[str], now_ms: int) -> Span | None:
    """The span of the windows covering the monitor that are open now, ending last; None if none is."""
    spans = [s for w in windows if w.covers(monitor_id, tags) and (s := w.current(now_ms)) is not None]
    return max(spans, key=lambda s: s.end_ms) if spans else None


def next_for(windows: list[Window], monitor_id: str, tags: list[str], now_ms: int) -> Span | None:
    spans = [s for w in windows if w.covers(monitor_id, tags) and (s := w.next(now_ms)) is not None]
    return min(spans, key=lambda s: s.start_ms) if spans else None


# ---- what becomes of an alert -------------------------------------------------------------------------


class Verdict(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"  # until the window ends
    DROP = "drop"
    NEEDS_MONITOR = "needs_monitor"  # a held alert whose window has ended: judged by the monitor as it is


@dataclass(frozen=True)
class Outage:
    """What a held alert's fate at its window's end depends on: the monitor as it stands."""

    open_incident_ms: int | None
    reminders: int  # reminders sent for the open incident
    acknowledged: bool


def judge(alert: Alert, window: Span | None, down_alerted: bool) -> Verdict:
    """`alert`, about to be published, while `window` (None: none) is open for its monitor.
    `down_alerted`: whether its outage's down alert went out (asked only of reminders and recoveries)."""
    if alert.event is not AlertEvent.DOWN and not down_alerted:
        # Its outage's down alert is held (or was dropped): that one says it all, if anything. So
        # also just after a window, before the sweep that releases the down alert: a recovery then
        # counts as one within the window (never an "up" without its "down", nor before it).
        return Verdict.DROP
    if window is not None:
        return Verdict.HOLD
    return Verdict.NEEDS_MONITOR if alert.state == WAITING else Verdict.PUBLISH


def released(alert: Alert, outage: Outage) -> bool:
    """Whether a held alert, its window over, is still worth sending: a recovery always; a down alert
    or a reminder only while its outage is open (and a reminder only if it is the latest and the
    outage not acknowledged: one reminder, not those of the whole window at once)."""
    if alert.event is AlertEvent.UP:
        return True
    if outage.open_incident_ms != alert.incident_ms:
        return False
    return alert.event is AlertEvent.DOWN or (alert.reminder == outage.reminders and not outage.acknowledged)
