"""What a ping means by itself, and the single write it makes when the monitor is as expected.

The common case, a success on a monitor that is up, is decided here without reading the monitor:
the plan names the write's effect and the state it must find, and the store's write checks exactly
that state. When the state is other than expected, `decisions.decide_ping` takes over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from heartbeat.domain.model import Cause, Monitor, Ping, PingKind
from heartbeat.domain.schedules import deadline_after_success

RUNS_CAP = 50  # open runs (?rid=) remembered per monitor; more means runs that never finished


class Effect(StrEnum):
    ARM = "arm"  # a success: up, and the next deadline armed
    START = "start"  # a run started: its deadline is start + max runtime
    RECORD = "record"  # counted, no state change (a log, a start or a failure while down)
    IGNORE = "ignore"  # held by manual resume, or not a POST to a POST-only monitor: logged as ignored


@dataclass(frozen=True)
class PingPlan:
    """What a ping's single write does, given the state the caller expects the monitor in."""

    effect: Effect
    incident_open: bool | None = None  # the expected state; None: either
    failure: bool = False  # a failure while down: the recovery count starts again
    guard_rules: bool = False  # a success, judged by the monitor's rules as the caller knows them
    rev: int | None = None  # ... known at this revision; None: assumed to have none
    deadline_ms: int | None = None  # a cron monitor's next deadline, from the known schedule


def keyword_failure(monitor: Monitor, body: bytes) -> bool:
    """A failure keyword in the body, or success keywords of which it has none (case-insensitive).

    Bodies need not be UTF-8 and may be cut mid-character at the size limit: such bytes decode as
    U+FFFD and simply match nothing.
    """
    if not (monitor.success_keywords or monitor.failure_keywords):
        return False
    text = body.decode("utf-8", errors="replace").casefold()
    if any(k.casefold() in text for k in monitor.failure_keywords):
        return True
    return bool(monitor.success_keywords) and not any(k.casefold() in text for k in monitor.success_keywords)


def cause_of(ping: Ping, rules: Monitor | None) -> Cause | None:
    """The failure a ping reports by itself (judged by `rules` when known), or None."""
    if ping.exit_status:
        return Cause.EXIT_STATUS
    if ping.kind is PingKind.FAIL:
        return Cause.FAILED
    if ping.kind is PingKind.SUCCESS and rules is not None and keyword_failure(rules, ping.body):
        return Cause.KEYWORD
    return None


def is_early(monitor: Monitor, now_ms: int) -> bool:
    """A success sooner than the minimum interval after the previous one, in the order the server received
    them. Never without `minInterval`. A success received before the last one but written after it (separate
    Lambda instances land concurrent pings in any order) is early only if it came that close before it."""
    if not monitor.min_interval_s:
        return False
    last = monitor.last_success_ms
    if last is not None and now_ms < last:
        return last - now_ms < monitor.min_interval_s * 1000
    return monitor.early_until_ms is not None and now_ms < monitor.early_until_ms


def early_cause(ping: Ping, current: Monitor | None, now_ms: int) -> Cause | None:
    """`early` for a success the monitor as read (never a cached copy: it has the last success) calls early."""
    if ping.kind is PingKind.SUCCESS and current is not None and is_early(current, now_ms):
        return Cause.EARLY
    return None


def received_before_last_success(monitor: Monitor | None, now_ms: int) -> bool:
    """A success that overtook this one on its way to the table already armed the monitor: this one counts,
    and neither moves the deadline back nor judges the pair again."""
    return monitor is not None and monitor.last_success_ms is not None and now_ms < monitor.last_success_ms


def plan(ping: Ping, cause: Cause | None, rules: Monitor | None, current: Monitor | None, now_ms: int) -> PingPlan:
    """The single write this ping makes if the monitor is as expected: `current` when a previous
    attempt returned it, otherwise up and without an incident for a success, down for a failure."""
    if current is not None and current.ignores(ping):
        return PingPlan(Effect.IGNORE)
    rev = rules.rev if rules is not None else None
    guard = ping.kind is PingKind.SUCCESS
    if ping.kind is PingKind.LOG:
        return PingPlan(Effect.RECORD)
    if cause is not None:
        return PingPlan(Effect.RECORD, incident_open=True, failure=True, guard_rules=guard, rev=rev)
    if ping.kind is PingKind.START:
        # A start while down records the start and leaves the incident open.
        if current is not None and current.open_incident_ms is not None:
            return PingPlan(Effect.RECORD, incident_open=True)
        return PingPlan(Effect.START, incident_open=False)
    if current is not None and current.open_incident_ms is None and received_before_last_success(current, now_ms):
        return PingPlan(Effect.RECORD, incident_open=False)
    deadline = deadline_after_success(rules, now_ms) if rules is not None and rules.schedule else None
    return PingPlan(Effect.ARM, incident_open=False, guard_rules=True, rev=rev, deadline_ms=deadline)


def run_start(monitor: Monitor, ping: Ping) -> int | None:
    """When the run a success ping finishes started: at its ?rid= start, or the last /start."""
    return (monitor.runs or {}).get(ping.rid) if ping.rid else monitor.last_start_ms
