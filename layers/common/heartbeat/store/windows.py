"""Maintenance windows (domain/windows.py): one partition, read whole with one Query whenever an alert
is about to go out (there are few: MAX_WINDOWS), and the alerts a window holds."""

from __future__ import annotations

import contextlib

from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.domain.model import Alert
from heartbeat.domain.windows import WAITING, Window
from heartbeat.store.codec import alert_key, n, read_strings, s, strings
from heartbeat.store.due import DueIndex
from heartbeat.store.expressions import Update
from heartbeat.store.table import ConditionFailed, Item, Table

WINDOWS_PK = "WINDOWS"


class Windows:
    def __init__(self, table: Table, due: DueIndex) -> None:
        self._table = table
        self._due = due

    def all(self) -> list[Window]:
        items = self._table.query_all(
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": s(WINDOWS_PK)},
            ConsistentRead=True,  # a window made a moment ago holds the next alert
        )
        return sorted((window_from_item(i) for i in items), key=lambda w: (w.name, w.id))

    def get(self, window_id: str) -> Window:
        item = self._table.get(_key(window_id))
        if item is None:
            raise NotFound(f"maintenance window {window_id} not found")
        return window_from_item(item)

    def add(self, window: Window) -> None:
        try:
            # Race: a new one must not overwrite another (never expected: ids are random).
            self._table.put(window_item(window), "attribute_not_exists(pk)")
        except ConditionFailed:
            raise LostRace from None

    def replace(self, window: Window) -> None:
        try:
            # Race: a changed one must not bring back a window deleted meanwhile.
            self._table.put(window_item(window), "attribute_exists(pk)")
        except ConditionFailed:
            raise NotFound(f"maintenance window {window.id} not found") from None

    def delete(self, window_id: str) -> None:
        try:
            # Race: deleted twice at once; the second one answers 404.
            self._table.delete(_key(window_id), "attribute_exists(pk)")
        except ConditionFailed:
            raise NotFound(f"maintenance window {window_id} not found") from None

    def hold(self, alert: Alert, until_ms: int) -> None:
        """Keep `alert` in the outbox, due again when its window ends."""
        u = Update().set("#state = :waiting", "deadline = :end", "due_shard = :shard")
        u.bind(waiting=s(WAITING), end=n(until_ms), shard=s(self._due.shard_of(alert.monitor_id)))
        # Race: the monitor and its alerts were deleted meanwhile: do not resurrect the alert.
        with contextlib.suppress(ConditionFailed):
            self._table.update(alert_key(alert), u.when("attribute_exists(pk)"))


def _key(window_id: str) -> Item:
    return {"pk": s(WINDOWS_PK), "sk": s(window_id)}


def window_item(w: Window) -> Item:
    item: Item = {
        **_key(w.id),
        "name": s(w.name),
        "created_ms": n(w.created_ms),
        "monitors": strings(w.monitors),
        "tags": strings(w.tags),
        "timezone": s(w.timezone),
        "from_file": {"BOOL": w.from_file},
    }
    for name, value in (("start_ms", w.start_ms), ("end_ms", w.end_ms), ("duration_s", w.duration_s)):
        if value is not None:
            item[name] = n(value)
    if w.cron is not None:
        item["cron"] = s(w.cron)
    return item


def window_from_item(item: Item) -> Window:
    def number(name: str) -> int | None:
        return int(item[name]["N"]) if name in item else None

    return Window(
        id=item["sk"]["S"],
        name=item["name"]["S"],
        created_ms=int(item["created_ms"]["N"]),
        monitors=read_strings(item.get("monitors")),
        tags=read_strings(item.get("tags")),
        start_ms=number("start_ms"),
        end_ms=number("end_ms"),
        cron=item["cron"]["S"] if "cron" in item else None,
        duration_s=number("duration_s"),
        timezone=item["timezone"]["S"],
        from_file=item.get("from_file", {}).get("BOOL", False),
    )
