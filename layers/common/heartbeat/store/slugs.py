"""Finding monitors by slug: the sparse `slug` index on monitor items (only monitors with a slug are
in it). A create by ping claims its slug first (claims.py), as the index may lag."""

from __future__ import annotations

from heartbeat.store.codec import s
from heartbeat.store.table import Table

SLUG_INDEX = "slug"


class SlugIndex:
    def __init__(self, table: Table) -> None:
        self._table = table

    def monitor_ids(self, slug: str) -> list[str]:
        """The monitors a slug addresses: none, one, or (ambiguous) several."""
        resp = self._table.query(
            IndexName=SLUG_INDEX,
            KeyConditionExpression="slug = :s",
            ExpressionAttributeValues={":s": s(slug)},
            Limit=10,
        )
        return sorted(i["pk"]["S"].removeprefix("MON#") for i in resp.get("Items", []))
