"""The state machine: every write a monitor's state goes through, declared as its effect (the fields
it sets, removes, adds to) and its guards (the state it must find, domain/writes.py). The store makes
each one conditional UpdateItem, in a transaction with the incident and the alert that come with it;
docs/architecture.md has the table of transitions.

A ping is planned without reading the monitor (`plan`: one write, guarded by the state the ping
expects; a success on a monitor that is up is that write alone). A write whose guards fail returns the
monitor as it stands, and `decide_ping` decides from it. The sweeper decides with `decide_missed` and
`decide_reminder`; settings changes, pauses and resumes are at the end.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

from heartbeat.domain.alerts import down_alert, reminder_alert, up_alert
from heartbeat.domain.awsruns import run_key, run_mark
from heartbeat.domain.dependencies import holds
from heartbeat.domain.model import Alert, Cause, Incident, Monitor, Ping, PingKind, Status
from heartbeat.domain.quorum import instance_of, met, quorum_deadline, with_ping
from heartbeat.domain.rules import RUNS_CAP, cause_of, early_cause, received_before_last_success, run_start
from heartbeat.domain.schedules import deadline_after_success, reminder_after
from heartbeat.domain.settings import MAX_INSTANCES
from heartbeat.domain.writes import (
    DEADLINE,
    REMINDER,
    CountIs,
    DueAt,
    DueBefore,
    Entry,
    Exists,
    Field,
    Frozen,
    Guard,
    Heeds,
    HeldBy,
    HoldingCount,
    Ignores,
    IncidentIs,
    IncidentOpen,
    InstanceRoom,
    Kept,
    Later,
    NoIncident,
    NoRules,
    NotEarly,
    NothingDue,
    RulesAt,
    RunsKept,
    RunsRoom,
    Span,
    StageNew,
    StatusIs,
    Unpaused,
    Value,
    Write,
    guarded,
    set_once,
)

# ---- what a ping does ------------------------------------------------------------------------------


def stage_recorded(ping: Ping, now_ms: int) -> Write:
    """An AWS event's run stage, recorded once: a second delivery of the event (or a start after its
    run's end) finds it recorded, and the ping's write fails."""
    if not ping.run_stage or not ping.rid:
        return Write()
    key = run_key(ping.rid)
    mark = {Entry("event_runs", key): run_mark(ping.run_stage, now_ms)}
    return Write(sets=mark, guards=(StageNew(key, ping.run_stage),))


def counted(ping: Ping, now_ms: int) -> Write:
    """Every ping that is not ignored: counted, and the last ping (a log is not a heartbeat: it
    leaves the last ping as it was), and the last result (a start is not one either)."""
    if ping.kind is PingKind.LOG:
        last: dict[Field, Value] = {"last_log_ms": now_ms}
    else:
        last = {"last_ping_ms": now_ms, "last_ping_kind": ping.kind}
    if ping.kind in (PingKind.SUCCESS, PingKind.FAIL):
        last["last_result_ms"] = now_ms
    counted = Write(sets=last, adds={"n_pings": 1})
    return counted | stage_recorded(ping, now_ms) if ping.run_stage else counted


def succeeded(ping: Ping, now_ms: int, deadline: int | Later | None) -> Write:
    """What a success does, whether the monitor was up or it ends an outage: up, the next deadline
    armed (None: a quorum's, armed after the write, which does not know the other instances), the
    run it finished remembered (its ?rid= start, or the last /start), the minimum interval counted
    from now, the count of failures over."""
    run: list[Entry] = [Entry("runs", ping.rid)] if ping.rid else []
    armed: dict[Field, Value] = {DEADLINE: deadline} if deadline is not None else {}
    return Write(
        sets={
            "status": Status.UP,
            "last_success_ms": now_ms,
            **armed,
            "last_run_start_ms": Kept(run[0] if run else "last_start_ms", 0),
            "early_until_ms": Later(now_ms, Span.MIN_GAP),
        },
        removes={"last_start_ms", "fail_streak", *run},
        guards=(RunsKept(),) if run else (),
    )


def instance_seen(ping: Ping, now_ms: int) -> Write:
    """A quorum's instance's success remembered, among at most MAX_INSTANCES names."""
    name = instance_of(ping)
    return Write(sets={Entry("instances", name): now_ms}, guards=(InstanceRoom(name, MAX_INSTANCES),))


def quorum_armed(due_ms: int) -> Write:
    """A quorum's deadline after a success, moved only later (concurrent instances each compute it
    from the item as their write found it: the last write saw them all, and its is the latest)."""
    return Write(sets={DEADLINE: due_ms}, guards=(NoIncident(), DueBefore(due_ms)))


def run_started(ping: Ping, now_ms: int) -> Write:
    """A /start: the run's start remembered (by its ?rid=, among at most RUNS_CAP open ones)."""
    if not ping.rid:
        return Write(sets={"last_start_ms": now_ms})
    return Write(sets={"last_start_ms": now_ms, Entry("runs", ping.rid): now_ms}, guards=(RunsRoom(RUNS_CAP),))


def going_down(opened_ms: int, reminder_at_ms: int | None) -> Write:
    """Down, the incident open from `opened_ms`, the counts starting again with it; the deadline missed
    gives way to the first reminder, if there are reminders."""
    write = Write(
        sets={
            "status": Status.DOWN,
            "open_incident_ms": opened_ms,
            "down_since_ms": opened_ms,
            "last_incident_ms": opened_ms,
        },
        removes={"fail_streak", "good_streak", "reminders"},
    )
    if reminder_at_ms is None:
        return write | Write(removes={DEADLINE})
    return write | Write(sets={REMINDER: reminder_at_ms})


def held_down(opened_ms: int, parent: Monitor) -> Write:
    """Down as going_down, its alert held by `parent`'s outage: no reminders either until released."""
    return going_down(opened_ms, None) | Write(sets={"held_by": parent.id})


def released(child: Monitor, parent_id: str, now_ms: int) -> Write:
    """A held child's alert let go by its parent's recovery: reminders from now, if it has them. It
    holds only while the child is still down with the incident read, held by that parent."""
    assert child.open_incident_ms is not None
    reminder = reminder_after(child, now_ms, now_ms)
    due = Write(sets={REMINDER: reminder}) if reminder is not None else Write()
    return due | Write(removes={"held_by"}, guards=(IncidentIs(child.open_incident_ms), HeldBy(parent_id)))


class Action(StrEnum):
    ARM = "arm"  # a success: up, and the next deadline armed
    START = "start"  # a run started: its deadline is start + max runtime
    RECORD = "record"  # counted, no state change (a log, a start or a failure while down)
    IGNORE = "ignore"  # held by manual resume, or not a POST to a POST-only monitor: logged as ignored


class PingPlan(Frozen):
    """A ping's one write, given the state the caller expects the monitor in."""

    __slots__ = ("action", "rules", "write")
    action: Action
    write: Write
    rules: RulesAt | NoRules | None  # the rules a success was judged by, when it was

    def __init__(self, action: Action, write: Write, rules: RulesAt | NoRules | None = None) -> None:
        set_once(self, "action", action)
        set_once(self, "write", write)
        set_once(self, "rules", rules)

    def judged_by_other_rules(self, current: Monitor) -> bool:
        """Whether the write failed for the rules it was judged by, not the monitor's state."""
        return self.rules is not None and not self.rules.holds(current)


def plan(ping: Ping, cause: Cause | None, rules: Monitor | None, current: Monitor | None, now_ms: int) -> PingPlan:
    """The single write this ping makes if the monitor is as expected: `current` when a previous
    attempt returned it, otherwise up and without an incident for a success, down for a failure.
    `rules`: the monitor's settings as a warm Lambda remembers them (None: it has none a success needs)."""
    if current is not None and current.ignores(ping):
        ignored = Write(sets={"last_ignored_ms": now_ms}, adds={"n_pings": 1}, guards=(Exists(), Ignores(ping.method)))
        return PingPlan(Action.IGNORE, ignored | stage_recorded(ping, now_ms))
    heard = counted(ping, now_ms) | guarded(Exists(), Heeds(ping.method))
    if ping.kind is PingKind.LOG:
        return PingPlan(Action.RECORD, heard)
    judged: RulesAt | NoRules | None = None
    if ping.kind is PingKind.SUCCESS:
        judged = RulesAt(rules.rev) if rules is not None else NoRules()
    rules_guard: tuple[Guard, ...] = (judged,) if judged is not None else ()
    if cause is not None:
        # A failure while down (one that opens an incident is decide_ping's): the recovery count starts again.
        failed = Write(sets={"status": Status.DOWN}, removes={"good_streak"}, guards=(IncidentOpen(), *rules_guard))
        return PingPlan(Action.RECORD, heard | failed, judged)
    if ping.kind is PingKind.START:
        if current is not None and current.status is Status.PAUSED:
            # A start while paused (an incident open or not) is recorded and leaves it paused, nothing due
            # (as on Healthchecks); the run's start is kept, so the success that resumes it has its duration.
            return PingPlan(Action.RECORD, heard | run_started(ping, now_ms) | guarded(StatusIs(Status.PAUSED)))
        if current is not None and current.open_incident_ms is not None:
            # A start while down records the start and leaves the incident open.
            down = Write(sets={"status": Status.DOWN}, guards=(IncidentOpen(), Unpaused()))
            return PingPlan(Action.RECORD, heard | run_started(ping, now_ms) | down)
        start = Write(
            sets={"status": Status.STARTED, DEADLINE: Later(now_ms, Span.START_WINDOW)},
            guards=(NoIncident(), Unpaused()),
        )
        return PingPlan(Action.START, heard | run_started(ping, now_ms) | start)
    if current is not None and current.open_incident_ms is None and received_before_last_success(current, now_ms):
        return PingPlan(Action.RECORD, heard | guarded(NoIncident()))
    expected = guarded(NoIncident(), *rules_guard, NotEarly(now_ms))
    if rules is not None and rules.quorum:  # its deadline follows the other instances: armed after
        write = heard | succeeded(ping, now_ms, None) | instance_seen(ping, now_ms) | expected
        return PingPlan(Action.ARM, write, judged)
    # An interval monitor's deadline is computed by the write; a cron one's from the remembered schedule.
    deadline = (
        deadline_after_success(rules, now_ms) if rules is not None and rules.schedule else Later(now_ms, Span.WINDOW)
    )
    return PingPlan(Action.ARM, heard | succeeded(ping, now_ms, deadline) | expected, judged)


# ---- what a ping decides when the monitor was not as planned -------------------------------------------


class Transition(Frozen):
    """A monitor's write, and what comes with it in the same transaction."""

    __slots__ = ("alert", "also", "opens", "resolves_ms", "write")
    write: Write
    alert: Alert | None  # queued
    opens: Incident | None  # opened
    resolves_ms: int | None  # the open incident (by its opening time) resolved
    also: tuple[str, Write] | None  # another monitor's write: a parent recording a child it holds

    def __init__(
        self,
        write: Write,
        alert: Alert | None = None,
        opens: Incident | None = None,
        resolves_ms: int | None = None,
        also: tuple[str, Write] | None = None,
        **more: Any,
    ) -> None:
        values = dict(write=write, alert=alert, opens=opens, resolves_ms=resolves_ms, also=also, **more)
        for name, value in values.items():
            set_once(self, name, value)


class ResetRuns(Transition):
    """The map of open runs is missing or full (runs that never finished), or a quorum's map of
    instances is missing: start it empty, then plan again."""


class TolerateFailure(Transition):
    """A failure below the failure threshold: counted, no incident; the next run awaited as usual."""

    __slots__ = ("cause",)
    cause: Cause

    def __init__(self, cause: Cause, write: Write) -> None:
        super().__init__(write, cause=cause)


class OpenIncident(Transition):
    """A failure that reaches the threshold: down now, the incident opened, its alert queued (or,
    while a parent is down, held: `also` records it on the parent)."""

    __slots__ = ("cause",)
    cause: Cause

    def __init__(
        self, cause: Cause, write: Write, alert: Alert | None, opens: Incident, also: tuple[str, Write] | None = None
    ) -> None:
        super().__init__(write, alert, opens, also=also, cause=cause)


class CountRecovery(Transition):
    """A good run while down, below the recovery threshold: counted, the incident stays open."""


class Resolve(Transition):
    """A good run that ends the outage: up again, the incident resolved, the recovery alert queued
    (none when its down alert was held: nobody heard of the outage). The children its outage held
    (`holding`, as read) are released after it."""

    __slots__ = ("run_start_ms",)
    run_start_ms: int | None  # the start of the run it finished, if one was announced

    def __init__(self, write: Write, alert: Alert | None, resolves_ms: int, run_start_ms: int | None) -> None:
        super().__init__(write, alert, resolves_ms=resolves_ms, run_start_ms=run_start_ms)


PingDecision = ResetRuns | TolerateFailure | OpenIncident | CountRecovery | Resolve


def decide_ping(current: Monitor, ping: Ping, now_ms: int, parent: Monitor | None = None) -> PingDecision | None:
    """The transition a ping makes on `current`, or None when a new plan (from `current`) will do.
    Each holds only if no other ping was counted since `current` was read. `parent`: one it depends
    on that is down (an incident it opens is that one's doing, its alert held)."""
    reset_runs = ResetRuns(write=Write(sets={"runs": {}}, guards=(CountIs(current.n_pings),)))
    ignored = current.ignores(ping)
    if ignored or ping.kind in (PingKind.LOG, PingKind.START):
        runs_full = current.runs is None or len(current.runs) >= RUNS_CAP
        return reset_runs if ping.kind is PingKind.START and ping.rid and not ignored and runs_full else None
    if ping.rid and ping.kind is PingKind.SUCCESS and current.runs is None:
        return reset_runs
    if current.quorum and ping.kind is PingKind.SUCCESS:
        if current.instances is None:  # its map of instances is made by a write of its own, once
            return ResetRuns(write=Write(sets={"instances": {}}, guards=(CountIs(current.n_pings),)))
        with_ping(current, ping, now_ms)  # InvalidInput for one instance more than a monitor keeps
    cause = cause_of(ping, current) or early_cause(ping, current, now_ms)
    after = dataclasses.replace(current, last_ping_ms=now_ms)
    # Each transition holds only while the ping is heeded: a pause with manual resume that lands after
    # `current` was read makes it ignored (decided again), never overwritten by the state read before it.
    heard = counted(ping, now_ms) | guarded(CountIs(current.n_pings), Heeds(ping.method))
    if cause is not None:
        if current.open_incident_ms is not None:
            return None  # a failure while down: recorded by the plan's write
        if current.fail_streak + 1 < current.failure_threshold:
            tolerated = {
                "fail_streak": current.fail_streak + 1,
                "status": Status.UP,
                DEADLINE: deadline_after_success(current, now_ms),
            }
            write = Write(sets=tolerated, removes={"last_start_ms"}, guards=(NoIncident(),))
            return TolerateFailure(cause=cause, write=heard | write)
        # Incidents are keyed by their opening time: one that opens in the same millisecond as the
        # last one (fail, success, fail) opens a millisecond later rather than collide with it.
        opened = max(now_ms, (current.last_incident_ms or 0) + 1)
        if parent is not None:
            write = heard | held_down(opened, parent) | Write(removes={"last_start_ms"}, guards=(NoIncident(),))
            opens = Incident(current.id, opened, cause, caused_by=parent.id)
            also = (parent.id, holds(parent, current.id))
            return OpenIncident(cause=cause, write=write, alert=None, opens=opens, also=also)
        down = going_down(opened, reminder_after(current, opened, now_ms))
        write = heard | down | Write(removes={"last_start_ms"}, guards=(NoIncident(),))
        alert = down_alert(after, opened, cause, now_ms, ping)
        return OpenIncident(cause=cause, write=write, alert=alert, opens=Incident(current.id, opened, cause))
    if current.open_incident_ms is None:
        return None  # the state moved back while we looked: plan again
    still_open = IncidentIs(current.open_incident_ms)
    deadline = deadline_after_success(current, now_ms)
    if current.quorum:
        instances = with_ping(current, ping, now_ms)
        seen = instance_seen(ping, now_ms)
        if not met(current, instances, now_ms):  # one instance back of a quorum still short: still down
            return CountRecovery(write=heard | seen | Write(sets={"last_success_ms": now_ms}, guards=(still_open,)))
        heard |= seen
        deadline = quorum_deadline(current, instances) or deadline
    if current.good_streak + 1 < current.recovery_threshold:
        streak = {"last_success_ms": now_ms, "good_streak": current.good_streak + 1}
        return CountRecovery(write=heard | Write(sets=streak, removes={"last_start_ms"}, guards=(still_open,)))
    # The deadline is computed from the schedule read: held to that revision.
    success = succeeded(ping, now_ms, deadline)
    over = Write(removes={"open_incident_ms", "down_since_ms", "good_streak", "reminders", "held_by", "holding"})
    # The children it holds are those read: one held since fails this write, which is decided again.
    held = guarded(HoldingCount(len(current.holding)))
    return Resolve(
        write=heard | success | over | held | guarded(still_open, RulesAt(current.rev)),
        alert=None if current.held_by else up_alert(after, current.open_incident_ms, now_ms, now_ms, ping),
        resolves_ms=current.open_incident_ms,
        run_start_ms=run_start(current, ping),
    )


# ---- what a sweep decides ----------------------------------------------------------------------------


class MarkDown(Transition):
    """A missed run (or a timed-out one) that reaches the threshold: down, dated from the deadline
    missed; its alert held, as OpenIncident's, while a parent is down."""

    __slots__ = ("cause",)
    cause: Cause

    def __init__(
        self, cause: Cause, write: Write, alert: Alert | None, opens: Incident, also: tuple[str, Write] | None = None
    ) -> None:
        super().__init__(write, alert, opens, also=also, cause=cause)


class TolerateMiss(Transition):
    """Missed runs below the failure threshold: counted, and the next run awaited."""


class Rearm(Transition):
    """A quorum found past a deadline its instances have moved on since (the write that moves it after
    a ping was lost, or came after this read): its deadline set to theirs."""


class Remind(Transition):
    """Still down at the reminder time: one more alert, and the time of the next."""


def decide_missed(monitor: Monitor, now_ms: int, parent: Monitor | None = None) -> MarkDown | TolerateMiss | Rearm:
    """A monitor found past its deadline. Below the failure threshold the miss is counted and the
    next run awaited; a sweep that comes late counts every run missed meanwhile. The incident opens
    at the deadline of the miss that reached the threshold (caused by `parent`, a monitor it depends
    on that is down, if given: its alert held). Each holds only while the deadline is the one read
    (a ping that moved it wins; of two sweepers, one acts)."""
    assert monitor.next_deadline_ms is not None
    seen = guarded(DueAt(monitor.next_deadline_ms))
    cause = Cause.TIMEOUT if monitor.status is Status.STARTED else Cause.MISSED
    if monitor.quorum and cause is Cause.MISSED:
        due = quorum_deadline(monitor, monitor.instances or {})
        if due is not None and due > now_ms:
            return Rearm(write=Write(sets={DEADLINE: due}) | seen)
        cause = Cause.QUORUM
    deadline, streak = monitor.next_deadline_ms, monitor.fail_streak
    while True:
        streak += 1
        if streak >= monitor.failure_threshold and parent is not None:
            opens = Incident(monitor.id, deadline, cause, caused_by=parent.id)
            also = (parent.id, holds(parent, monitor.id))
            return MarkDown(cause, held_down(deadline, parent) | seen, alert=None, opens=opens, also=also)
        if streak >= monitor.failure_threshold:
            alert = down_alert(monitor, deadline, cause, now_ms)
            write = going_down(deadline, reminder_after(monitor, deadline, now_ms)) | seen
            return MarkDown(cause=cause, write=write, alert=alert, opens=Incident(monitor.id, deadline, cause))
        expected = monitor.last_start_ms if cause is Cause.TIMEOUT and streak == monitor.fail_streak + 1 else None
        deadline = deadline_after_success(monitor, expected or deadline - monitor.grace_s * 1000)
        if deadline > now_ms:
            missed = {DEADLINE: deadline, "fail_streak": streak, "status": Status.UP}
            return TolerateMiss(write=Write(sets=missed, removes={"last_start_ms"}) | seen)


def decide_reminder(monitor: Monitor, now_ms: int) -> Remind | None:
    """A monitor still down at its reminder time; None when reminders were turned off meanwhile. It
    holds only while the reminder and the incident are those read (a recovery in between wins)."""
    assert monitor.next_reminder_ms is not None
    next_ms = reminder_after(monitor, monitor.next_reminder_ms, now_ms)
    if monitor.open_incident_ms is None or next_ms is None:
        return None
    alert = reminder_alert(monitor, monitor.reminders + 1, now_ms)
    write = Write(sets={REMINDER: next_ms, "reminders": alert.reminder})
    return Remind(
        write=write | guarded(DueAt(monitor.next_reminder_ms), IncidentIs(monitor.open_incident_ms)), alert=alert
    )


# ---- what the API does -------------------------------------------------------------------------------


def following(current: Monitor, new: Monitor, now_ms: int) -> Monitor:
    """`new` (`current` with changed settings) with the state that follows them: a running deadline
    as the last start or success would have armed it under them, the minimum interval counted from
    the last success, and while down the reminders restarted from now if their interval changed."""
    if current.last_success_ms is not None:
        new = dataclasses.replace(new, early_until_ms=Later(current.last_success_ms, Span.MIN_GAP).of(new))
    due: int | None
    if current.status is Status.DOWN:
        keep = current.next_reminder_ms is not None and new.realert_s == current.realert_s
        due = current.next_reminder_ms if keep else reminder_after(new, now_ms, now_ms)
    elif current.next_deadline_ms is None:
        due = None
    elif current.status is Status.STARTED and current.last_start_ms is not None:
        due = Later(current.last_start_ms, Span.START_WINDOW).of(new)
    elif current.last_success_ms is not None:
        due = deadline_after_success(new, current.last_success_ms)
    else:
        due = current.next_deadline_ms
    return dataclasses.replace(new, deadline_ms=due)


def settings_changed(current: Monitor, new: Monitor) -> Write:
    """The state a settings change writes beside the settings (`new`, from `following`). It holds only
    if no ping was counted, no other change made and nothing due moved since `current` was read."""
    # The due time as read, whatever it meant: a ping or the sweeper may have moved it since.
    seen = DueAt(current.deadline_ms) if current.deadline_ms is not None else NothingDue()
    write = guarded(CountIs(current.n_pings), RulesAt(current.rev), seen)
    name, due = (REMINDER, new.next_reminder_ms) if new.status is Status.DOWN else (DEADLINE, new.next_deadline_ms)
    if due is not None:
        write |= Write(sets={name: due})
    elif isinstance(seen, DueAt):
        write |= Write(removes={name})  # nothing is due any more
    if new.early_until_ms is not None:
        write |= Write(sets={"early_until_ms": new.early_until_ms})
    return write


def paused(now_ms: int) -> Write:
    """Paused: nothing due (no deadline, no reminder), no run under way."""
    return Write(
        sets={"status": Status.PAUSED, "updated_ms": now_ms}, removes={DEADLINE, "last_start_ms"}, guards=(Exists(),)
    )


def resumed(now_ms: int) -> Write:
    """Back to `new` from paused: watched again from the next ping, as after creation (no run under
    way, no result yet: as Healthchecks clears last_start and last_ping)."""
    return Write(
        sets={"status": Status.NEW, "updated_ms": now_ms},
        removes={"last_start_ms", "last_result_ms"},
        guards=(Exists(), StatusIs(Status.PAUSED)),
    )
