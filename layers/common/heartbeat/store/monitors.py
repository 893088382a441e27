"""Monitor items: create, read, list, change settings, pause, resume, delete."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from heartbeat.domain.decisions import settings_changed
from heartbeat.domain.errors import InvalidInput, LostRace, NotFound
from heartbeat.domain.model import Monitor
from heartbeat.domain.writes import Write
from heartbeat.store.claims import Claim, Claims
from heartbeat.store.codec import (
    LIST_PK,
    OPTIONAL_SETTINGS,
    Item,
    monitor_from_item,
    monitor_item,
    monitor_key,
    monitor_pk,
    n,
    s,
    settings_item,
)
from heartbeat.store.due import DueIndex
from heartbeat.store.expressions import Update
from heartbeat.store.paging import decode_cursor, every_page, index_page
from heartbeat.store.table import ConditionFailed, Table
from heartbeat.store.writes import update_of

# The attributes that put a monitor in an index (the keys of `list`, `slug`, `events` and `due`).
INDEXED = ("list_pk", "slug", "events_pk", "due_shard")


def hidden(item: Item, now_ms: int) -> Item:
    """A monitor item out of every index (its index keys kept aside in `hidden_keys`) until shown, and
    gone within a day if it never is."""
    kept = {k: v for k, v in item.items() if k not in INDEXED}
    aside = {k: item[k] for k in INDEXED if k in item}
    return {**kept, "hidden_keys": {"M": aside}, "expires_at": n(now_ms // 1000 + 86400)}


def shown(item: Item) -> Item:
    """A hidden monitor item back in its indexes."""
    return {**{k: v for k, v in item.items() if k not in ("hidden_keys", "expires_at")}, **item["hidden_keys"]["M"]}


class Monitors:
    def __init__(self, table: Table, due: DueIndex, claims: Claims) -> None:
        self._table = table
        self._due = due
        self._claims = claims

    def item(self, m: Monitor) -> Item:
        return monitor_item(m, self._due.shard_of(m.id))

    def create(self, m: Monitor, claim: Claim | None = None) -> None:
        """Store a new monitor. `claim`: claim an identity for it (its slug, name, ...; claims.py), so
        that two creates of one monitor at once make one: the loser gets LostRace, and `claimed`
        gives it the winner. Such a monitor is written hidden (in no index) and shown once claimed:
        a claim then only ever names a monitor that was written, so one naming none was deleted."""
        # Race: a second create with the same token (never expected: tokens are random) must not overwrite.
        condition = "attribute_not_exists(pk)"
        item = self.item(m) if claim is None else hidden(self.item(m), m.created_ms)
        try:
            self._table.put(item, condition)
        except ConditionFailed:
            raise LostRace from None
        if claim is None:
            return
        try:
            self._claims.put(claim, m)
        except ConditionFailed:
            self._table.delete(monitor_key(m.id), "attribute_exists(pk)")
            raise LostRace from None
        self._show(item)

    def claimed(self, monitor_id: str) -> Monitor:
        """The monitor a claim names, shown if it is still hidden (its creator is between its writes,
        or stopped there). NotFound: it was deleted since."""
        item = self._table.get(monitor_key(monitor_id))
        if item is None:
            raise NotFound(f"monitor {monitor_id} not found")
        if "hidden_keys" in item:
            self._show(item)
            item = shown(item)
        return monitor_from_item(item)

    def _show(self, item: Item) -> None:
        """Its index keys back, and nothing else touched: a ping may have landed on it meanwhile."""
        u = Update().remove("hidden_keys", "expires_at")
        for name, value in item["hidden_keys"]["M"].items():
            # A key the item has again (a ping armed `due_shard` meanwhile) is the newer one.
            u.set(f"{name} = if_not_exists({name}, :{name})").bind(**{name: value})
        # Race: its creator (or another loser) showed it first, and it may have changed since.
        u.when("attribute_exists(hidden_keys)")
        with contextlib.suppress(ConditionFailed):
            self._table.update({"pk": item["pk"], "sk": item["sk"]}, u)

    def get(self, monitor_id: str) -> Monitor:
        item = self._table.get(monitor_key(monitor_id))
        if item is None:
            raise NotFound(f"monitor {monitor_id} not found")
        return monitor_from_item(item)

    def page(
        self,
        limit: int,
        cursor: str | None,
        name_prefix: str | None = None,
        keep: Callable[[Monitor], bool] | None = None,
    ) -> tuple[list[Monitor], str | None]:
        """A page of monitors by name: those whose name starts with `name_prefix` (case-insensitive)
        and that `keep` accepts. Filters apply after reading, so a page may take several queries."""
        condition, values = "list_pk = :p", {":p": s(LIST_PK)}
        prefix = (name_prefix or "").casefold()
        if prefix:
            condition += " AND begins_with(list_sk, :prefix)"
            values[":prefix"] = s(prefix)
        start: Item | None = None
        if cursor:
            list_sk = decode_cursor(cursor, r".+#[0-9a-f]{32}")
            if not list_sk.startswith(prefix):
                raise InvalidInput("cursor", "belongs to another listing")
            # A start key in an index also names the item's own key.
            start = {"list_pk": s(LIST_PK), "list_sk": s(list_sk), **monitor_key(list_sk.rsplit("#", 1)[-1])}
        return index_page(self._table, condition, values, limit, start, monitor_from_item, keep)

    def all(self) -> list[Monitor]:
        """Every monitor, by name (for a bulk apply or an export)."""
        return every_page(lambda cursor: self.page(100, cursor))

    def update_settings(self, current: Monitor, new: Monitor, now_ms: int) -> None:
        """Write the settings `new` has over `current`, with the state that follows them (the domain
        computed both: monitors.changed; decisions.settings_changed declares the state's write and its
        guards). Raises LostRace when a ping, the sweeper or another change moved the monitor since `current`."""
        settings = {**settings_item(new), "updated_ms": n(now_ms)}
        removed = [name for name in OPTIONAL_SETTINGS if name not in settings]
        u = update_of(settings_changed(current, new), self._due.shard_of(current.id))
        # Placeholders for every name: settings include reserved words (name, timezone, schedule).
        for i, (name, value) in enumerate(settings.items()):
            u.names[f"#a{i}"] = name
            u.set(f"#a{i} = :a{i}", **{f"a{i}": value})
        for i, name in enumerate(removed, start=len(settings)):
            u.names[f"#a{i}"] = name
            u.remove(f"#a{i}")
        if new.slug is not None:
            u.set("slug = :slug", slug=s(new.slug))
        try:
            self._table.update(monitor_key(current.id), u)
        except ConditionFailed:
            raise LostRace from None

    def delete(self, monitor_id: str) -> Monitor:
        """Delete the monitor, its incidents and alerts, and return it as it was deleted. Ping events
        expire through their TTL."""
        try:
            # Race: a concurrent delete; the second one answers 404 rather than "deleted".
            deleted = monitor_from_item(self._table.delete(monitor_key(monitor_id), "attribute_exists(pk)"))
        except ConditionFailed:
            raise NotFound(f"monitor {monitor_id} not found") from None
        for prefix in ("INC#", "ALERT#"):
            items = self._table.query_all(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": monitor_pk(monitor_id), ":prefix": s(prefix)},
                ProjectionExpression="pk, sk",
            )
            self._table.batch_delete([{"pk": i["pk"], "sk": i["sk"]} for i in items])
        return deleted

    def change_state(self, monitor_id: str, write: Write) -> bool:
        """A pause or a resume (decisions.paused, decisions.resumed). False when the monitor exists but
        the write's guards do not hold; NotFound when it does not."""
        try:
            self._table.update(
                monitor_key(monitor_id), update_of(write, self._due.shard_of(monitor_id)), failure_item=True
            )
        except ConditionFailed as failed:
            if failed.item is None:
                raise NotFound(f"monitor {monitor_id} not found") from None
            return False
        return True
