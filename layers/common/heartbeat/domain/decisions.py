"""State transitions as typed decisions that carry their computed values.

What a ping does to a monitor that was not in the state its plan expected, what a sweep does to a
monitor past its deadline, is decided here, from the monitor as read, and nowhere else; the store
only carries a decision out, with a write conditioned on that same reading.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from heartbeat.domain.alerts import down_alert, reminder_alert, up_alert
from heartbeat.domain.model import Alert, Cause, Monitor, Ping, PingKind, Status
from heartbeat.domain.rules import RUNS_CAP, cause_of, early_cause, run_start
from heartbeat.domain.schedules import deadline_after_success, reminder_after

# ---- what a ping decides -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetRuns:
    """The map of open runs is missing or full (runs that never finished): start it empty, then plan again."""


@dataclass(frozen=True)
class TolerateFailure:
    """A failure below the failure threshold: counted, no incident; the next run awaited as usual."""

    cause: Cause
    streak: int
    deadline_ms: int


@dataclass(frozen=True)
class OpenIncident:
    """A failure that reaches the threshold: down now, the incident opened, its alert queued."""

    cause: Cause
    alert: Alert
    reminder_at_ms: int | None  # the first reminder's time: the deadline while down

    @property
    def opened_ms(self) -> int:
        return self.alert.incident_ms


@dataclass(frozen=True)
class CountRecovery:
    """A good run while down, below the recovery threshold: counted, the incident stays open."""

    streak: int


@dataclass(frozen=True)
class Resolve:
    """A good run that ends the outage: up again, the incident resolved, the recovery alert queued."""

    alert: Alert
    deadline_ms: int
    run_start_ms: int | None  # the start of the run it finished, if one was announced
    early_until_ms: int
    runs_left: dict[str, int] | None  # the open runs without this one, when this one was among them


# Decisions that count the ping on the monitor, and those (one) that first prepare the monitor for it.
CountingDecision = TolerateFailure | OpenIncident | CountRecovery | Resolve
PingDecision = ResetRuns | CountingDecision


def decide_ping(current: Monitor, ping: Ping, now_ms: int) -> PingDecision | None:
    """The transition a ping makes on `current`, or None when a new plan (from `current`) will do."""
    ignored = current.ignores(ping)
    if ignored or ping.kind in (PingKind.LOG, PingKind.START):
        runs_full = current.runs is None or len(current.runs) >= RUNS_CAP
        if ping.kind is PingKind.START and ping.rid and not ignored and runs_full:
            return ResetRuns()
        return None
    if ping.rid and ping.kind is PingKind.SUCCESS and current.runs is None:
        return ResetRuns()
    cause = cause_of(ping, current) or early_cause(ping, current, now_ms)
    after = dataclasses.replace(current, last_ping_ms=now_ms)
    if cause is not None:
        if current.open_incident_ms is not None:
            return None  # a failure while down: recorded by the plan's write
        if current.fail_streak + 1 < current.failure_threshold:
            return TolerateFailure(cause, current.fail_streak + 1, deadline_after_success(current, now_ms))
        # Incidents are keyed by their opening time: one that opens in the same millisecond as the
        # last one (fail, success, fail) opens a millisecond later rather than collide with it.
        opened = max(now_ms, (current.last_incident_ms or 0) + 1)
        alert = down_alert(after, opened, cause, now_ms, ping)
        return OpenIncident(cause, alert, reminder_after(current, opened, now_ms))
    if current.open_incident_ms is None:
        return None  # the state moved back while we looked: plan again
    if current.good_streak + 1 < current.recovery_threshold:
        return CountRecovery(current.good_streak + 1)
    runs = current.runs or {}
    return Resolve(
        alert=up_alert(after, current.open_incident_ms, now_ms, now_ms, ping),
        deadline_ms=deadline_after_success(current, now_ms),
        run_start_ms=run_start(current, ping),
        early_until_ms=now_ms + (current.min_interval_s or 0) * 1000,
        runs_left={k: v for k, v in runs.items() if k != ping.rid} if ping.rid in runs else None,
    )


# ---- what a sweep decides ------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkDown:
    """A missed run (or a timed-out one) that reaches the threshold: down, dated from the deadline missed."""

    cause: Cause
    alert: Alert
    reminder_at_ms: int | None

    @property
    def opened_ms(self) -> int:
        return self.alert.incident_ms


@dataclass(frozen=True)
class TolerateMiss:
    """Missed runs below the failure threshold: counted, and the next run awaited."""

    streak: int
    deadline_ms: int


@dataclass(frozen=True)
class Remind:
    """Still down at the reminder time: one more alert, and the time of the next."""

    alert: Alert
    next_ms: int


def decide_missed(monitor: Monitor, now_ms: int) -> MarkDown | TolerateMiss:
    """A monitor found past its deadline. Below the failure threshold the miss is counted and the
    next run awaited; a sweep that comes late counts every run missed meanwhile. The incident opens
    at the deadline of the miss that reached the threshold."""
    assert monitor.deadline_ms is not None
    cause = Cause.TIMEOUT if monitor.status is Status.STARTED else Cause.MISSED
    deadline, streak = monitor.deadline_ms, monitor.fail_streak
    while True:
        streak += 1
        if streak >= monitor.failure_threshold:
            alert = down_alert(monitor, deadline, cause, now_ms)
            return MarkDown(cause, alert, reminder_after(monitor, deadline, now_ms))
        expected = monitor.last_start_ms if cause is Cause.TIMEOUT and streak == monitor.fail_streak + 1 else None
        deadline = deadline_after_success(monitor, expected or deadline - monitor.grace_s * 1000)
        if deadline > now_ms:
            return TolerateMiss(streak, deadline)


def decide_reminder(monitor: Monitor, now_ms: int) -> Remind | None:
    """A monitor still down at its reminder time; None when reminders were turned off meanwhile."""
    assert monitor.deadline_ms is not None
    next_ms = reminder_after(monitor, monitor.deadline_ms, now_ms)
    if monitor.open_incident_ms is None or next_ms is None:
        return None
    return Remind(reminder_alert(monitor, monitor.reminders + 1, now_ms), next_ms)
