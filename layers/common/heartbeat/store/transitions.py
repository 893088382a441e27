"""Carrying out the domain's decisions (domain/decisions.py): monitor, incident and alert change
together, in one transaction where more than the monitor changes, each conditioned on the monitor as
the decision read it. A failed condition raises LostRace (a ping: re-read and decide again) or
answers False (a sweep: a ping or another sweeper got there first)."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.decisions import (
    CountingDecision,
    CountRecovery,
    MarkDown,
    OpenIncident,
    Remind,
    Resolve,
    TolerateFailure,
    TolerateMiss,
)
from heartbeat.domain.errors import LostRace
from heartbeat.domain.model import Alert, Cause, Monitor, Ping, PingKind, Status
from heartbeat.store.codec import alert_item, incident_item, incident_sk, monitor_key, monitor_pk, n, s
from heartbeat.store.due import DueIndex
from heartbeat.store.event_runs import mark_run
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Table

# What a monitor going down no longer needs: its counts start again with the incident.
_DOWN_RESETS = ("fail_streak", "good_streak", "reminders")


class Transitions:
    def __init__(self, table: Table, due: DueIndex) -> None:
        self._table = table
        self._due = due

    # ---- a ping's transition: the monitor read at `current` gets one more ping ------------------

    def reset_runs(self, current: Monitor) -> None:
        """An empty map of open runs, where it is missing or full (runs that never finished)."""
        u = Update().set("runs = :empty", empty={"M": {}})
        # Race: a ping counted meanwhile; re-read and decide again.
        self._update(current.id, u.when("n_pings = :seen", seen=n(current.n_pings)))

    def carry_out(
        self, current: Monitor, kind: PingKind, now_ms: int, decision: CountingDecision, ping: Ping | None = None
    ) -> int:
        """Make the decision's writes, counting the ping; its number. Raises LostRace when `current`
        changed. `ping`: an AWS event's, whose run stage is recorded in the same write."""
        u = _counted(current, kind, now_ms)
        if ping is not None:
            mark_run(u, ping, now_ms)
        if isinstance(decision, TolerateFailure):
            u.set("fail_streak = :streak", "#st = :up", "deadline = :deadline", "due_shard = :shard")
            u.bind(streak=n(decision.streak), up=s(Status.UP.value), deadline=n(decision.deadline_ms))
            u.bind(shard=s(self._due.shard_of(current.id))).remove("last_start_ms")
            # Race: another ping counted first, or an incident opened meanwhile: re-read and decide again.
            self._update(current.id, u.when("attribute_not_exists(open_incident_ms)"))
        elif isinstance(decision, CountRecovery):
            assert current.open_incident_ms is not None
            u.set("last_success_ms = :now", "good_streak = :streak", streak=n(decision.streak))
            # Race: another ping counted first, or the incident changed meanwhile: re-read and decide again.
            u.remove("last_start_ms").when("open_incident_ms = :inc", inc=n(current.open_incident_ms))
            self._update(current.id, u)
        elif isinstance(decision, OpenIncident):
            self._going_down(u, current.id, decision.opened_ms, decision.reminder_at_ms)
            # Race: another ping counted first, or an incident opened meanwhile: re-read and decide again.
            u.remove("last_start_ms").when("attribute_not_exists(open_incident_ms)")
            self._transact(
                self._table.update_write(monitor_key(current.id), u),
                self._incident_put(current.id, decision.opened_ms, decision.cause),
                self._alert_put(decision.alert, now_ms),
            )
        elif isinstance(decision, Resolve):
            self._resolve(current, u, decision, now_ms)
        return current.n_pings + 1

    def _resolve(self, current: Monitor, u: Update, decision: Resolve, now_ms: int) -> None:
        assert current.open_incident_ms is not None
        u.set("last_success_ms = :now", "#st = :up", "deadline = :deadline", "due_shard = :shard")
        u.set("last_run_start_ms = :run_start", "early_until = :early")
        u.bind(up=s(Status.UP.value), shard=s(self._due.shard_of(current.id)), deadline=n(decision.deadline_ms))
        u.bind(run_start=n(decision.run_start_ms or 0), early=n(decision.early_until_ms))
        u.remove("open_incident_ms", "down_since_ms", "last_start_ms", *_DOWN_RESETS)
        if decision.runs_left is not None:
            u.set("runs = :runs", runs={"M": {k: n(v) for k, v in decision.runs_left.items()}})
        # Race: another ping counted or resolved first (n_pings moved), or the schedule the
        # deadline was computed from changed (rev moved): re-read and decide again.
        u.when("open_incident_ms = :inc AND rev = :rev", inc=n(current.open_incident_ms), rev=n(current.rev))
        # Race: resolved already (by a concurrent transaction), or the incident is gone with its monitor.
        resolved = Update().set("resolved_ms = :now", now=n(now_ms))
        resolved.when("attribute_exists(pk) AND attribute_not_exists(resolved_ms)")
        incident_key = {"pk": monitor_pk(current.id), "sk": s(incident_sk(current.open_incident_ms))}
        self._transact(
            self._table.update_write(monitor_key(current.id), u),
            self._table.update_write(incident_key, resolved),
            self._alert_put(decision.alert, now_ms),
        )

    # ---- a sweep's transition: the monitor as the due index showed it ---------------------------

    def mark_down(self, monitor: Monitor, decision: MarkDown, now_ms: int) -> bool:
        assert monitor.deadline_ms is not None
        u = Update()
        self._going_down(u, monitor.id, decision.opened_ms, decision.reminder_at_ms)
        # Race: a ping moved the deadline after the index showed it overdue (the ping wins,
        # no false alert), or another sweeper marked it down first (one incident, one alert).
        u.when("deadline = :seen", seen=n(monitor.deadline_ms))
        try:
            self._transact(
                self._table.update_write(monitor_key(monitor.id), u),
                self._incident_put(monitor.id, decision.opened_ms, decision.cause),
                self._alert_put(decision.alert, now_ms),
            )
        except LostRace:
            return False
        return True

    def tolerate_miss(self, monitor: Monitor, decision: TolerateMiss) -> bool:
        assert monitor.deadline_ms is not None
        u = Update().set("deadline = :deadline", "fail_streak = :streak", "#st = :up").remove("last_start_ms")
        u.bind(deadline=n(decision.deadline_ms), streak=n(decision.streak), up=s(Status.UP.value))
        # Race: a ping moved the deadline meanwhile (the ping wins), or another sweeper counted this miss.
        u.when("deadline = :seen", seen=n(monitor.deadline_ms))
        try:
            self._update(monitor.id, u)
        except LostRace:
            return False
        return True

    def remind(self, monitor: Monitor, decision: Remind, now_ms: int) -> bool:
        assert monitor.deadline_ms is not None and monitor.open_incident_ms is not None
        u = Update().set("deadline = :next", "reminders = :count")
        u.bind(next=n(decision.next_ms), count=n(decision.alert.reminder))
        # Race: a ping resolved the incident, or another sweeper sent this reminder, since the index showed it.
        u.when("deadline = :seen AND open_incident_ms = :inc")
        u.bind(seen=n(monitor.deadline_ms), inc=n(monitor.open_incident_ms))
        try:
            self._transact(
                self._table.update_write(monitor_key(monitor.id), u), self._alert_put(decision.alert, now_ms)
            )
        except LostRace:
            return False
        return True

    # ---- the writes transitions share --------------------------------------------------------

    def _going_down(self, u: Update, monitor_id: str, opened_ms: int, reminder_at_ms: int | None) -> None:
        """Down, with the incident open from `opened_ms`; the deadline becomes the first reminder, if any."""
        u.set("#st = :down", "open_incident_ms = :opened", "down_since_ms = :opened", "last_incident_ms = :opened")
        u.bind(down=s(Status.DOWN.value), opened=n(opened_ms)).remove(*_DOWN_RESETS)
        if reminder_at_ms is None:
            u.remove("deadline", "due_shard")
        else:
            u.set("deadline = :remind", "due_shard = :shard")
            u.bind(remind=n(reminder_at_ms), shard=s(self._due.shard_of(monitor_id)))

    def _alert_put(self, alert: Alert, now_ms: int) -> dict[str, Any]:
        item = alert_item(alert, now_ms, self._due.shard_of(alert.monitor_id))
        # Race: two writers creating the same alert; only one gets it.
        return self._table.put_write(item, "attribute_not_exists(pk)")

    def _incident_put(self, monitor_id: str, opened_ms: int, cause: Cause) -> dict[str, Any]:
        # Race: two writers opening the same incident; only one gets it.
        return self._table.put_write(incident_item(monitor_id, opened_ms, cause), "attribute_not_exists(pk)")

    def _update(self, monitor_id: str, u: Update) -> None:
        try:
            self._table.update(monitor_key(monitor_id), u)
        except ConditionFailed:
            raise LostRace from None

    def _transact(self, *writes: dict[str, Any]) -> None:
        try:
            self._table.transact(*writes)
        except ConditionFailed:
            raise LostRace from None


def _counted(current: Monitor, kind: PingKind, now_ms: int) -> Update:
    """One more ping on a monitor read at `current`: its writes hold only if no other ping counted since."""
    u = Update().set("last_ping_ms = :now", "last_ping_kind = :kind", "n_pings = :n")
    u.bind(now=n(now_ms), kind=s(kind.value), n=n(current.n_pings + 1), seen=n(current.n_pings))
    return u.when("n_pings = :seen")
