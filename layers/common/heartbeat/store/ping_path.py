"""The ping path's one write: a ping recorded on its monitor in one conditional UpdateItem, with no
read first. The plan (domain/decisions.py) declares what the write does and what it must find; a
failed condition returns the monitor as it stands, for the caller to decide again."""

from __future__ import annotations

from dataclasses import dataclass

from heartbeat.domain.awsruns import runs_to_forget
from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import Monitor
from heartbeat.domain.writes import Entry, Write
from heartbeat.store.codec import monitor_from_item, monitor_key
from heartbeat.store.due import DueIndex
from heartbeat.store.table import ConditionFailed, Table
from heartbeat.store.writes import update_of


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

    def write(self, monitor_id: str, write: Write) -> PingWrite:
        stale = frozenset(Entry("event_runs", k) for k in self._forget.pop(monitor_id, ())) - set(write.sets)
        update = update_of(write | Write(removes=stale), self._due.shard_of(monitor_id))
        try:
            old = self._table.update(monitor_key(monitor_id), update, returns_old=True, failure_item=True)
        except ConditionFailed as failed:
            if failed.item is None:
                raise NotFound("monitor not found") from None
            return PingWrite(n=None, current=self._learn(monitor_from_item(failed.item)))
        assert old is not None
        previous = self._learn(monitor_from_item(old))
        return PingWrite(n=previous.n_pings + 1, previous=previous)
