"""Monitors fed by AWS events, found through the sparse `events` index: only monitors with
`config.events` carry its key (`events_pk`), and it projects their patterns alone, so the query
reads those few monitors and nothing else, and a ping (which changes neither) never writes to it."""

from __future__ import annotations

import json
from typing import Any

from heartbeat.store.codec import EVENTS_PK, s
from heartbeat.store.table import Table

INDEX = "events"


class EventMonitors:
    def __init__(self, table: Table) -> None:
        self._table = table

    def all(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """(monitor id, its patterns) for every monitor fed by events: one query (a page per MB)."""
        items = self._table.query_all(
            IndexName=INDEX,
            KeyConditionExpression="events_pk = :e",
            ExpressionAttributeValues={":e": s(EVENTS_PK)},
        )
        return [(i["pk"]["S"].removeprefix("MON#"), json.loads(i["events"]["S"])) for i in items if "events" in i]
