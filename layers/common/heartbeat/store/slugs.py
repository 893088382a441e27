"""Finding monitors by slug: the sparse `slug` index on monitor items (only monitors with a slug are
in it), and the short-lived claims that make two first pings with `?create=1` create one monitor."""

from __future__ import annotations

from typing import Any

from heartbeat.domain.model import Monitor
from heartbeat.store.codec import n, s
from heartbeat.store.table import Table

SLUG_INDEX = "slug"
SLUG_CLAIM_MS = 60_000  # how long a create by ping holds its slug against a second create


class SlugClaims:
    def __init__(self, table: Table) -> None:
        self._table = table

    def claim(self, m: Monitor) -> dict[str, Any]:
        """The write that claims `m`'s slug, for the transaction that creates `m`."""
        assert m.slug is not None
        item = {
            "pk": s(f"SLUG#{m.slug}"),
            "sk": s("CLAIM"),
            "monitor_id": s(m.id),
            "claimed_ms": n(m.created_ms),
            "expires_at": n(m.created_ms // 1000 + 86400),
        }
        # Race: another create by ping claimed this slug within the last minute.
        write = self._table.put_write(item, "attribute_not_exists(pk) OR claimed_ms < :stale")
        write["Put"]["ExpressionAttributeValues"] = {":stale": n(m.created_ms - SLUG_CLAIM_MS)}
        return write

    def claimed(self, slug: str, now_ms: int) -> str | None:
        """The monitor a create by ping made for this slug within the last minute (the slug index,
        being eventually consistent, may not show it yet)."""
        item = self._table.get({"pk": s(f"SLUG#{slug}"), "sk": s("CLAIM")})
        if item is None or int(item["claimed_ms"]["N"]) < now_ms - SLUG_CLAIM_MS:
            return None
        return item["monitor_id"]["S"]

    def monitor_ids(self, slug: str) -> list[str]:
        """The monitors a slug addresses: none, one, or (ambiguous) several."""
        resp = self._table.query(
            IndexName=SLUG_INDEX,
            KeyConditionExpression="slug = :s",
            ExpressionAttributeValues={":s": s(slug)},
            Limit=10,
        )
        return sorted(i["pk"]["S"].removeprefix("MON#") for i in resp.get("Items", []))
