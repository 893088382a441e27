"""The deployment's own keys (PINGKEY for slug pings, BADGEKEY for badges), one item each."""

from __future__ import annotations

from heartbeat.store.codec import n, s
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Table


class DeploymentKeys:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, name: str) -> str | None:
        item = self._table.get({"pk": s(name), "sk": s(name)})
        return item["key"]["S"] if item is not None else None

    def set(self, name: str, key: str, replaces: str | None, now_ms: int) -> bool:
        """Store one of the deployment's keys. False if `replaces` is no longer the current one."""
        u = Update().set("#k = :key", "created_ms = :now", key=s(key), now=n(now_ms))
        # Race: two callers creating or rotating the key at once; one wins, the other reads it.
        u.when("attribute_not_exists(pk)") if replaces is None else u.when("#k = :old", old=s(replaces))
        try:
            self._table.update({"pk": s(name), "sk": s(name)}, u)
        except ConditionFailed:
            return False
        return True
