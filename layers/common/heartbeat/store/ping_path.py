"""The ping path's one write: a ping recorded on its monitor in one conditional UpdateItem, with no
read first. The plan (domain/rules.py) says what the write does and what state it must find; a
failed condition returns the monitor as it stands, for the caller to decide again."""

from __future__ import annotations

from dataclasses import dataclass

from heartbeat.domain.awsruns import runs_to_forget
from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import LINK_METHODS, Monitor, Ping, PingKind, Status
from heartbeat.domain.rules import RUNS_CAP, Effect, PingPlan
from heartbeat.store.codec import monitor_from_item, monitor_key, n, s
from heartbeat.store.due import DueIndex
from heartbeat.store.event_runs import mark_run
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Table


@dataclass(frozen=True)
class PingWrite:
    """The outcome of a ping's monitor write: its number, or the monitor as it stands."""

    n: int | None
    current: Monitor | None = None  # when the write did not happen: the monitor as it stands
    previous: Monitor | None = None  # when it did: the monitor as it was just before


class PingWriter:
    def __init__(self, table: Table, due: DueIndex) -> None:
        self._table = table
        self._due = due
        # Monitor -> event-run keys its next event write removes: the runs it remembers are pruned
        # by the write that comes anyway (learned from the item the last write returned), never by one of their own.
        self._forget: dict[str, list[str]] = {}

    def _learn(self, monitor: Monitor) -> Monitor:
        forget = runs_to_forget(monitor.event_runs)
        if forget and len(self._forget) < 10_000:
            self._forget[monitor.id] = forget
        return monitor

    def write(self, monitor_id: str, ping: Ping, now_ms: int, plan: PingPlan) -> PingWrite:
        update = _ping_update(ping, plan, now_ms, self._due.shard_of(monitor_id))
        mark_run(update, ping, now_ms, self._forget.pop(monitor_id, ()))
        try:
            old = self._table.update(monitor_key(monitor_id), update, returns_old=True, failure_item=True)
        except ConditionFailed as failed:
            if failed.item is None:
                raise NotFound("monitor not found") from None
            return PingWrite(n=None, current=self._learn(monitor_from_item(failed.item)))
        assert old is not None
        previous = self._learn(monitor_from_item(old))
        return PingWrite(n=previous.n_pings + 1, previous=previous)


def _ping_update(ping: Ping, plan: PingPlan, now_ms: int, shard: str) -> Update:
    u = Update().bind(now=n(now_ms), one=n(1), paused=s(Status.PAUSED.value)).add("n_pings :one")
    u.when("attribute_exists(pk)")
    held = "(#st = :paused AND attribute_exists(manual_resume))"
    if plan.effect is Effect.IGNORE:
        u.set("last_ignored_ms = :now")
        # Race: resumed (or manual resume or POST-only turned off) since the caller looked.
        u.when(f"({held} OR attribute_exists(post_only))" if ping.method in LINK_METHODS else held)
    else:
        # Race: paused with manual resume (or made POST-only) since the caller looked; then the ping
        # is ignored instead.
        u.when(f"NOT {held}")
        if ping.method in LINK_METHODS:
            u.when("attribute_not_exists(post_only)")
        if ping.kind is PingKind.LOG:
            u.set("last_log_ms = :now")  # a log is not a heartbeat: the last ping stays as it was
        else:
            u.set("last_ping_ms = :now", "last_ping_kind = :kind", kind=s(ping.kind.value))
    if plan.effect is Effect.ARM:
        _arm(u, ping, plan, shard)
    elif plan.effect is Effect.START:
        u.set("#st = :started", "deadline = :now + start_window_ms", "due_shard = :shard")
        u.bind(started=s(Status.STARTED.value), shard=s(shard))
    if ping.kind is PingKind.START and plan.effect is not Effect.IGNORE:
        u.set("last_start_ms = :now")
        if ping.rid:
            u.set("runs.#rid = :now").bind(cap=n(RUNS_CAP))
            u.when("attribute_exists(runs) AND size(runs) < :cap")  # else the caller resets it
    if plan.failure:
        u.set("good_streak = :zero", zero=n(0))  # a failure while down starts the recovery count again
    if plan.effect is Effect.RECORD and plan.incident_open is True:
        # A ping on a monitor with an open incident: down, even if it was paused or resumed to `new`
        # (any ping but one held by manual resume watches a paused monitor again).
        u.set("#st = :down", down=s(Status.DOWN.value))
    if plan.guard_rules:
        # Race: the rules the caller judged this success by (schedule, keywords) changed meanwhile.
        if plan.rev is not None:
            u.when("rev = :rev", rev=n(plan.rev))
        else:
            u.when("attribute_not_exists(#sched) AND attribute_not_exists(keywords)")
    # Race: the sweeper or another ping opened or resolved an incident since the caller decided
    # which write this ping needs; then the condition fails and the caller makes the transition.
    if plan.incident_open is True:
        u.when("attribute_exists(open_incident_ms)")
    elif plan.incident_open is False:
        u.when("attribute_not_exists(open_incident_ms)")
    if ping.rid:
        u.names["#rid"] = ping.rid
    return u


def _arm(u: Update, ping: Ping, plan: PingPlan, shard: str) -> None:
    """A success: up, the streak of failures over, the next deadline armed."""
    # The run this success finishes started at runs[rid] (?rid=) or last_start_ms (/start), if announced.
    run_start = "runs.#rid" if ping.rid else "last_start_ms"
    u.set(
        "last_success_ms = :now",
        "#st = :up",
        "due_shard = :shard",
        "fail_streak = :zero",
        f"last_run_start_ms = if_not_exists({run_start}, :zero)",
        "early_until = :now + if_not_exists(min_gap_ms, :zero)",
        "deadline = :deadline" if plan.deadline_ms is not None else "deadline = :now + window_ms",
    )
    u.bind(up=s(Status.UP.value), zero=n(0), shard=s(shard))
    if plan.deadline_ms is not None:
        u.bind(deadline=n(plan.deadline_ms))
    u.remove("last_start_ms")
    if ping.rid:
        u.remove("runs.#rid")
        u.when("attribute_exists(runs)")  # not a race: the caller creates a missing map
    # Not a heartbeat if sooner than the minimum interval after the previous success: it is early (or,
    # received before that success and landing after it, the caller judges the pair: rules.is_early).
    # Race: without a minimum interval nothing is early, whichever of two concurrent successes lands last.
    no_minimum = "attribute_not_exists(min_gap_ms) OR min_gap_ms = :zero"
    u.when(f"(attribute_not_exists(early_until) OR early_until <= :now OR {no_minimum})")
