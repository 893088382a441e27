"""Incident items: under their monitor by opening time, and in the `list` index across monitors."""

from __future__ import annotations

from collections.abc import Callable

from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import Incident, Monitor
from heartbeat.store.codec import INCIDENT_LIST_PK, Item, incident_from_item, incident_sk, monitor_pk, s
from heartbeat.store.paging import decode_cursor, index_page, partition_page
from heartbeat.store.table import Table


class Incidents:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, monitor_id: str, opened_ms: int) -> Incident:
        item = self._table.get({"pk": monitor_pk(monitor_id), "sk": s(incident_sk(opened_ms))})
        if item is None:
            raise NotFound(f"incident {opened_ms} of monitor {monitor_id} not found")
        return incident_from_item(item)

    def page(self, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[Incident], str | None]:
        """A monitor's incidents, newest first."""
        items, next_cursor = partition_page(self._table, monitor_pk(monitor_id), "INC#", limit, cursor)
        return [incident_from_item(i) for i in items], next_cursor

    def page_all(
        self, limit: int, cursor: str | None, since_ms: int, keep: Callable[[Incident], bool] | None
    ) -> tuple[list[Incident], str | None]:
        """Incidents of every monitor opened at or after `since_ms`, newest first."""
        values: Item = {":p": s(INCIDENT_LIST_PK), ":since": s(f"{since_ms:013d}")}
        start: Item | None = None
        if cursor:
            list_sk = decode_cursor(cursor, r"[0-9]{13}#[0-9a-f]{32}")
            opened, monitor_id = list_sk.split("#")
            start = {
                "list_pk": s(INCIDENT_LIST_PK),
                "list_sk": s(list_sk),
                "pk": monitor_pk(monitor_id),
                "sk": s(incident_sk(int(opened))),
            }
        condition = "list_pk = :p AND list_sk >= :since"
        return index_page(self._table, condition, values, limit, start, incident_from_item, keep, newest_first=True)

    def open_of(self, monitors: list[Monitor]) -> dict[str, Incident]:
        """The open incident of each monitor that has one, by monitor id (one BatchGetItem per 100)."""
        keys = [
            {"pk": monitor_pk(m.id), "sk": s(incident_sk(m.open_incident_ms))} for m in monitors if m.open_incident_ms
        ]
        found = (incident_from_item(i) for i in self._table.batch_get(keys))
        return {i.monitor_id: i for i in found}
