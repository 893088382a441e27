"""The sparse `due` index: monitors with an armed deadline and alerts waiting to be published, spread
over `due_shard` partitions so that no one index partition takes every write. The sweeper's query
`due_shard = :s AND deadline <= :now` reads only what is due."""

from __future__ import annotations

from collections.abc import Iterator

from heartbeat.domain.model import Alert, Monitor
from heartbeat.store.codec import MONITOR_SK, alert_from_item, monitor_from_item, n, s
from heartbeat.store.table import Table

DUE_INDEX = "due"


class DueIndex:
    def __init__(self, table: Table, shards: int) -> None:
        self._table = table
        self._shards = shards

    def shards(self) -> list[str]:
        return [str(i) for i in range(self._shards)]

    def shard_of(self, monitor_id: str) -> str:
        return str(int(monitor_id[:8], 16) % self._shards)

    def due(self, shard: str, now_ms: int) -> Iterator[Monitor | Alert]:
        """What is due in one shard: monitors past their deadline, alerts past their lease."""
        items = self._table.query_all(
            IndexName=DUE_INDEX,
            KeyConditionExpression="due_shard = :s AND deadline <= :now",
            ExpressionAttributeValues={":s": s(shard), ":now": n(now_ms)},
        )
        for item in items:
            yield monitor_from_item(item) if item["sk"]["S"] == MONITOR_SK else alert_from_item(item)
