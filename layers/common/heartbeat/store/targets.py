"""Chat and incident targets (the notifier's subscribers): one partition, read whole by the notifier
for each alert (there are few)."""

from __future__ import annotations

from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.domain.targets import Target
from heartbeat.store.codec import TARGETS_PK, s, target_from_item, target_item
from heartbeat.store.table import ConditionFailed, Table


class Targets:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, target: Target) -> None:
        try:
            # Race: a new one must not overwrite another (never expected: ids are random).
            self._table.put(target_item(target), "attribute_not_exists(pk)")
        except ConditionFailed:
            raise LostRace from None

    def replace(self, target: Target) -> None:
        try:
            # Race: a changed one must not bring back a target removed meanwhile.
            self._table.put(target_item(target), "attribute_exists(pk)")
        except ConditionFailed:
            raise NotFound(f"subscription {target.id} not found") from None

    def all(self) -> list[Target]:
        items = self._table.query_all(
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": s(TARGETS_PK)},
            ConsistentRead=True,  # a target removed a moment ago gets nothing more
        )
        return sorted((target_from_item(i) for i in items), key=lambda t: (t.created_ms, t.id))

    def delete(self, target_id: str) -> None:
        try:
            # Race: removed twice at once; the second one answers 404.
            self._table.delete({"pk": s(TARGETS_PK), "sk": s(target_id)}, "attribute_exists(pk)")
        except ConditionFailed:
            raise NotFound(f"subscription {target_id} not found") from None
