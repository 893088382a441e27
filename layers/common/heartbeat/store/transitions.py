"""Carrying out the domain's transitions (domain/decisions.py): the monitor's write, and with it the
incident it opens or resolves and the alert it queues, in one transaction where more than the monitor
changes. A guard that no longer holds raises LostRace: a ping re-reads and decides again, a sweep
leaves the monitor to whoever got there first."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.decisions import Transition
from heartbeat.domain.errors import LostRace
from heartbeat.domain.model import Alert, Incident
from heartbeat.store.codec import alert_item, incident_item, incident_sk, monitor_key, monitor_pk, n, s
from heartbeat.store.due import DueIndex
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Table
from heartbeat.store.writes import update_of


class Transitions:
    def __init__(self, table: Table, due: DueIndex) -> None:
        self._table = table
        self._due = due

    def carry_out(self, monitor_id: str, transition: Transition, now_ms: int) -> None:
        """Make the transition's writes, all or none. Raises LostRace when a guard does not hold."""
        update = update_of(transition.write, self._due.shard_of(monitor_id))
        others = []
        if transition.opens is not None:
            others.append(self._incident_put(transition.opens))
        if transition.resolves_ms is not None:
            others.append(self._incident_resolved(monitor_id, transition.resolves_ms, now_ms))
        if transition.alert is not None:
            others.append(self._alert_put(transition.alert, now_ms))
        if transition.also is not None:  # another monitor's write (a parent recording the child it holds)
            other_id, other_write = transition.also
            others.append(
                self._table.update_write(monitor_key(other_id), update_of(other_write, self._due.shard_of(other_id)))
            )
        try:
            if others:
                self._table.transact(self._table.update_write(monitor_key(monitor_id), update), *others)
            else:
                self._table.update(monitor_key(monitor_id), update)
        except ConditionFailed:
            raise LostRace from None

    def _incident_put(self, incident: Incident) -> dict[str, Any]:
        item = incident_item(incident.monitor_id, incident.opened_ms, incident.cause, incident.caused_by)
        # Race: two writers opening the same incident; only one gets it.
        return self._table.put_write(item, "attribute_not_exists(pk)")

    def _incident_resolved(self, monitor_id: str, opened_ms: int, now_ms: int) -> dict[str, Any]:
        resolved = Update().set("resolved_ms = :now", now=n(now_ms))
        # Race: resolved already (by a concurrent transaction), or the incident is gone with its monitor.
        resolved.when("attribute_exists(pk) AND attribute_not_exists(resolved_ms)")
        return self._table.update_write({"pk": monitor_pk(monitor_id), "sk": s(incident_sk(opened_ms))}, resolved)

    def _alert_put(self, alert: Alert, now_ms: int) -> dict[str, Any]:
        item = alert_item(alert, now_ms, self._due.shard_of(alert.monitor_id))
        # Race: two writers creating the same alert; only one gets it.
        return self._table.put_write(item, "attribute_not_exists(pk)")
