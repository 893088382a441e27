"""The ping log: one item per ping under its monitor, expiring through DynamoDB's TTL."""

from __future__ import annotations

from heartbeat.domain.dashboard import Run, outcome
from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import Cause, PingEvent, PingKind
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

    def recent_runs(self, monitor_id: str, count: int) -> list[Run]:
        """The monitor's last finished runs, oldest first, from one query of its newest pings (starts
        and logs among them take a place): no bodies read, so a row's strip costs a few KB at most."""
        resp = self._table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": monitor_pk(monitor_id), ":prefix": s("PING#")},
            ProjectionExpression="#n, at_ms, kind, #cause, ignored, duration_ms",
            ExpressionAttributeNames={"#n": "n", "#cause": "cause"},
            ScanIndexForward=False,
            Limit=count + count // 2,
        )
        runs = []
        for item in resp.get("Items", []):
            cause = Cause(item["cause"]["S"]) if "cause" in item else None
            verdict = outcome(PingKind(item["kind"]["S"]), cause, "ignored" in item)
            if verdict is not None:
                duration = int(item["duration_ms"]["N"]) if "duration_ms" in item else None
                runs.append(Run(int(item["n"]["N"]), int(item["at_ms"]["N"]), verdict, duration))
        return runs[:count][::-1]

    def get(self, monitor_id: str, number: int) -> PingEvent:
        item = self._table.get({"pk": monitor_pk(monitor_id), "sk": s(ping_sk(number))}, consistent=False)
        if item is None:
            raise NotFound(f"ping {number} of monitor {monitor_id} not found (pings expire after the retention period)")
        return ping_event_from_item(item)
