"""Claims: what makes two creates of the same monitor at once make one. A create that must be unique
by something (a slug by `?create=1`, an upsert's `unique` fields, an apply entry's key or name)
claims that identity with a conditional write naming its monitor (Monitors.create); the loser reads
the claim and uses the winner. The lookups before a create read eventually consistent indexes, so
a claim only needs to last until they show the new monitor: a minute.

Not a transaction with the monitor's write: moto (the local stack, the tests) copies the whole table
for each item of a transaction, which made a bulk apply of 1,000 monitors take minutes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from heartbeat.domain.model import Monitor
from heartbeat.store.codec import n, s
from heartbeat.store.table import Table

CLAIM_MS = 60_000  # how long a create holds its identity against a second create


@dataclass(frozen=True)
class Claim:
    """An identity a create claims. `replacing`: the monitor a fresh claim on it names, which the
    creator found gone (or no longer of this identity), so the claim may be taken over."""

    identity: str
    replacing: str | None = None


def slug_claim(slug: str) -> str:
    return f"SLUG#{slug}"


def name_claim(name: str) -> str:
    return f"NAME#{name}"


def apply_key_claim(key: str) -> str:
    return f"APPLYKEY#{key}"


def unique_claim(criteria: dict[str, Any]) -> str:
    """The identity of an upsert's `unique` fields (Monitor field -> value). A lone slug or name is
    the claim a create by ping or an apply makes, so those doors agree with each other too."""
    if criteria.keys() == {"slug"}:
        return slug_claim(criteria["slug"])
    if criteria.keys() == {"name"}:
        return name_claim(criteria["name"])
    canonical = json.dumps(criteria, sort_keys=True, separators=(",", ":"))
    return f"UNIQUE#{hashlib.sha256(canonical.encode()).hexdigest()}"


class Claims:
    def __init__(self, table: Table) -> None:
        self._table = table

    def put(self, claim: Claim, m: Monitor) -> None:
        """Claim `claim.identity` for `m`. Raises ConditionFailed when a fresh claim names another."""
        item = {
            "pk": s(claim.identity),
            "sk": s("CLAIM"),
            "monitor_id": s(m.id),
            "claimed_ms": n(m.created_ms),
            "expires_at": n(m.created_ms // 1000 + 86400),
        }
        # Race: another create claimed this identity within the last minute.
        condition = "attribute_not_exists(pk) OR claimed_ms < :stale"
        values = {":stale": n(m.created_ms - CLAIM_MS)}
        if claim.replacing is not None:
            condition += " OR monitor_id = :replacing"
            values[":replacing"] = s(claim.replacing)
        self._table.put(item, condition, values)

    def holder(self, identity: str, now_ms: int) -> str | None:
        """The monitor a create claimed `identity` for within the last minute (the indexes, being
        eventually consistent, may not show it yet)."""
        item = self._table.get({"pk": s(identity), "sk": s("CLAIM")})
        if item is None or int(item["claimed_ms"]["N"]) < now_ms - CLAIM_MS:
            return None
        return item["monitor_id"]["S"]
