"""Acknowledgements and snoozes (domain/silence.py, usecases/silence.py): the monitor's `ack_*` and
`snooze_*` attributes, the incident's `ack_*`, and the alerts a snooze holds. None of these is an
attribute a ping writes, so none of these writes costs a ping a retry."""

from __future__ import annotations

import contextlib
from typing import Any

from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.domain.model import Acknowledgement, Alert
from heartbeat.domain.silence import DROPPED, HELD, SnoozeState
from heartbeat.store.codec import alert_key, incident_sk, monitor_key, monitor_pk, n, s
from heartbeat.store.due import DueIndex
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Item, Table


def _opt_int(item: Item, name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None


class Silences:
    def __init__(self, table: Table, due: DueIndex) -> None:
        self._table = table
        self._due = due

    # ---- acknowledgements --------------------------------------------------------------------------

    def acknowledge(self, monitor_id: str, ack: Acknowledgement) -> None:
        """Record `ack` on the monitor and its incident, and stop the incident's reminders (the
        monitor's deadline, while down, is its next reminder). Raises LostRace when the incident is
        no longer open."""
        u = Update().set("ack_incident_ms = :inc", "ack_by = :by", "ack_ms = :at", "ack_note = :note")
        u.bind(inc=n(ack.incident_ms), by=s(ack.by), at=n(ack.at_ms), note=s(ack.note)).remove("deadline", "due_shard")
        # Race: the incident resolved (or the monitor was deleted) since it was read: acknowledging
        # it then would take the deadline away from a monitor that is up again.
        u.when("open_incident_ms = :inc")
        on_incident = Update().set("ack_by = :by", "ack_ms = :at", "ack_note = :note")
        on_incident.bind(by=s(ack.by), at=n(ack.at_ms), note=s(ack.note))
        # Race: resolved by a ping at the same moment: the acknowledgement loses (409), nothing changes.
        on_incident.when("attribute_exists(pk) AND attribute_not_exists(resolved_ms)")
        incident_key = {"pk": monitor_pk(monitor_id), "sk": s(incident_sk(ack.incident_ms))}
        self._transact(
            self._table.update_write(monitor_key(monitor_id), u), self._table.update_write(incident_key, on_incident)
        )

    def stop_reminders(self, monitor_id: str, deadline_ms: int, incident_ms: int) -> bool:
        """Take an acknowledged incident's reminder off the due index (a settings change re-armed it)."""
        u = Update().remove("deadline", "due_shard")
        # Race: a ping resolved the incident, or another sweeper got here, since the index showed it.
        u.when("deadline = :seen AND open_incident_ms = :inc AND ack_incident_ms = :inc")
        try:
            self._table.update(monitor_key(monitor_id), u.bind(seen=n(deadline_ms), inc=n(incident_ms)))
        except ConditionFailed:
            return False
        return True

    # ---- snoozes ------------------------------------------------------------------------------------

    def state(self, monitor_id: str) -> SnoozeState:
        """The monitor's snooze as it stands (a consistent read). Raises NotFound."""
        item = self._table.get(monitor_key(monitor_id))
        if item is None:
            raise NotFound(f"monitor {monitor_id} not found")
        held = item.get("snooze_held_sk", {}).get("S")
        return SnoozeState(
            _opt_int(item, "snooze_until_ms"),
            held,
            _opt_int(item, "snooze_held_inc"),
            _opt_int(item, "open_incident_ms"),
        )

    def snooze(self, monitor_id: str, until_ms: int | None, seen: SnoozeState, now_ms: int) -> None:
        """Snooze until `until_ms`, or (None) end the snooze now; the alert it holds, if any, becomes
        due at the new end. Raises LostRace when the snooze changed since `seen`."""
        u = Update()
        if until_ms is None and seen.held_sk is None:
            u.remove("snooze_until_ms")
        else:
            u.set("snooze_until_ms = :until", until=n(until_ms if until_ms is not None else now_ms))
        # Race: another snooze or unsnooze, or an alert held, since we read the snooze: read it again
        # (the held alert's due time must be the snooze's end).
        writes = [self._table.update_write(monitor_key(monitor_id), self._as_seen(u, seen))]
        if seen.held_sk is not None:
            moved = Update().set("deadline = :end", end=n(until_ms if until_ms is not None else now_ms))
            # Race: released or dropped meanwhile (the monitor's condition catches it first).
            writes.append(
                self._table.update_write(
                    self._alert_key(monitor_id, seen.held_sk), moved.when("#state = :held", held=s(HELD))
                )
            )
        self._transact(*writes)

    def hold(self, alert: Alert, seen: SnoozeState) -> None:
        """Hold `alert` until the snooze ends, in place of the alert held before (dropped)."""
        assert seen.until_ms is not None
        sk = alert_sk(alert)
        u = Update().set("snooze_held_sk = :sk", "snooze_held_inc = :inc", sk=s(sk), inc=n(alert.incident_ms))
        # Race: the snooze was lifted or changed, or another alert held, since we read it: judge again.
        writes = [self._table.update_write(monitor_key(alert.monitor_id), self._as_seen(u, seen))]
        held = Update().set("#state = :held", "deadline = :end", "due_shard = :shard")
        held.bind(held=s(HELD), end=n(seen.until_ms), shard=s(self._due.shard_of(alert.monitor_id)))
        # Race: the monitor and its alerts were deleted meanwhile: do not resurrect the alert.
        writes.append(self._table.update_write(alert_key(alert), held.when("attribute_exists(pk)")))
        if seen.held_sk is not None and seen.held_sk != sk:
            writes.append(self._table.update_write(self._alert_key(alert.monitor_id, seen.held_sk), _dropped()))
        self._transact(*writes)

    def release(self, alert: Alert, seen: SnoozeState) -> None:
        """The snooze is over and `alert` was the one it held: the snooze holds nothing any more."""
        u = Update().remove("snooze_held_sk", "snooze_held_inc", "snooze_until_ms")
        # Race: a sweep and an unsnooze releasing the same alert, or a new snooze: one releases it.
        self._transact(self._table.update_write(monitor_key(alert.monitor_id), self._as_seen(u, seen)))

    def drop(self, alert: Alert) -> None:
        with contextlib.suppress(ConditionFailed):  # deleted with its monitor
            self._table.update(alert_key(alert), _dropped())

    def _as_seen(self, u: Update, seen: SnoozeState) -> Update:
        """`u`, conditioned on the monitor existing with the snooze as `seen`."""
        u.when("attribute_exists(pk)")
        if seen.until_ms is None:
            u.when("attribute_not_exists(snooze_until_ms)")
        else:
            u.when("snooze_until_ms = :seen_until", seen_until=n(seen.until_ms))
        if seen.held_sk is None:
            return u.when("attribute_not_exists(snooze_held_sk)")
        return u.when("snooze_held_sk = :seen_held", seen_held=s(seen.held_sk))

    def _alert_key(self, monitor_id: str, sk: str) -> Item:
        return {"pk": monitor_pk(monitor_id), "sk": s(sk)}

    def _transact(self, *writes: dict[str, Any]) -> None:
        try:
            self._table.transact(*writes)
        except ConditionFailed:
            raise LostRace from None


def alert_sk(alert: Alert) -> str:
    return str(alert_key(alert)["sk"]["S"])


def _dropped() -> Update:
    u = Update().set("#state = :dropped", dropped=s(DROPPED)).remove("deadline", "due_shard")
    # Race: the monitor and its alerts were deleted meanwhile: do not resurrect the alert.
    return u.when("attribute_exists(pk)")
