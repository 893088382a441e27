"""The ping log: one item per ping under its monitor, expiring through DynamoDB's TTL."""

from __future__ import annotations

from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import PingEvent
from heartbeat.store.codec import monitor_pk, ping_event_from_item, ping_event_item, ping_sk, s
from heartbeat.store.paging import partition_page
from heartbeat.store.table import Table


class PingLog:
    def __init__(self, table: Table, retention_days: int) -> None:
        self._table = table
        self._retention_s = retention_days * 86400

    @property
    def kept(self) -> bool:
        """False with a retention of 0 days: pings then cost one write instead of two."""
        return self._retention_s > 0

    def add(self, event: PingEvent) -> None:
        self._table.put(ping_event_item(event, self._retention_s))

    def page(self, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[PingEvent], str | None]:
        items, next_cursor = partition_page(self._table, monitor_pk(monitor_id), "PING#", limit, cursor)
        return [ping_event_from_item(i) for i in items], next_cursor

    def get(self, monitor_id: str, number: int) -> PingEvent:
        item = self._table.get({"pk": monitor_pk(monitor_id), "sk": s(ping_sk(number))}, consistent=False)
        if item is None:
            raise NotFound(f"ping {number} of monitor {monitor_id} not found (pings expire after the retention period)")
        return ping_event_from_item(item)
