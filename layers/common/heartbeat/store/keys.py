"""API key items: stored under their keyed hash, listed by creation in the `list` index."""

from __future__ import annotations

from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.domain.model import ApiKey
from heartbeat.store.codec import KEY_LIST_PK, Item, api_key_from_item, api_key_item, api_key_key, s
from heartbeat.store.paging import decode_cursor, every_page, index_page
from heartbeat.store.table import ConditionFailed, Table


class ApiKeys:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, key: ApiKey) -> None:
        try:
            # Race: never expected (keys are random), but a key must not overwrite another.
            self._table.put(api_key_item(key), "attribute_not_exists(pk)")
        except ConditionFailed:
            raise LostRace from None

    def get(self, key_hash: str, consistent: bool = False) -> ApiKey | None:
        item = self._table.get(api_key_key(key_hash), consistent=consistent)
        return api_key_from_item(item) if item is not None else None

    def all(self) -> list[ApiKey]:
        """Every API key, oldest first (there are few)."""
        return every_page(self._page)

    def _page(self, cursor: str | None) -> tuple[list[ApiKey], str | None]:
        start: Item | None = None
        if cursor:
            list_sk = decode_cursor(cursor, r"[0-9]{13}#[0-9a-f]{64}")
            # A start key in an index also names the item's own key.
            start = {"list_pk": s(KEY_LIST_PK), "list_sk": s(list_sk), **api_key_key(list_sk.split("#")[1])}
        return index_page(self._table, "list_pk = :p", {":p": s(KEY_LIST_PK)}, 100, start, api_key_from_item)

    def delete(self, key: ApiKey) -> None:
        try:
            # Race: revoked twice at once; the second one answers 404.
            self._table.delete(api_key_key(key.key_hash), "attribute_exists(pk)")
        except ConditionFailed:
            raise NotFound(f"API key {key.id} not found") from None

    def delete_admin(self, key: ApiKey, keeping: ApiKey) -> None:
        """Delete an admin key while another admin key (`keeping`) still stands, in one transaction.
        Raises LostRace when either is gone (the caller finds out which)."""
        try:
            # Race: the last two admin keys revoked at once, each seeing the other: one must fail.
            self._table.transact(
                self._table.delete_write(api_key_key(key.key_hash), "attribute_exists(pk)"),
                self._table.check_write(api_key_key(keeping.key_hash), "attribute_exists(pk)"),
            )
        except ConditionFailed:
            raise LostRace from None
