"""Pages of a listing, and the cursors that continue them.

A cursor carries one sort key, base64url-encoded; a cursor this API did not make for this
listing is refused as invalid input rather than read from wherever it points."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import TypeVar

from heartbeat.domain.errors import InvalidInput
from heartbeat.store.codec import Item, s
from heartbeat.store.table import Table

T = TypeVar("T")
LIST_INDEX = "list"  # keys only: pk, sk, list_pk, list_sk


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, pattern: str) -> str:
    """The sort key a cursor carries, if it is one this API made for this listing."""
    try:
        value = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if not re.fullmatch(pattern, value):
        raise InvalidInput("cursor", "is not a cursor this API returned for this listing")
    return value


def partition_page(
    table: Table, pk: dict[str, str], prefix: str, limit: int, cursor: str | None
) -> tuple[list[Item], str | None]:
    """Items of one partition whose sort key starts with `prefix`, newest first. The cursor
    carries only the sort key, so it cannot reach another partition."""
    kwargs = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": pk, ":prefix": s(prefix)},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        kwargs["ExclusiveStartKey"] = {"pk": pk, "sk": s(decode_cursor(cursor, prefix + r"[0-9]+"))}
    resp = table.query(**kwargs)
    last = resp.get("LastEvaluatedKey")
    return resp.get("Items", []), encode_cursor(last["sk"]["S"]) if last else None


def index_page(
    table: Table,
    condition: str,
    values: Item,
    limit: int,
    start: Item | None,
    load: Callable[[Item], T],
    keep: Callable[[T], bool] | None = None,
    newest_first: bool = False,
) -> tuple[list[T], str | None]:
    """A page from the keys-only `list` index: keys, then the items by BatchGetItem, filtered by
    `keep` (querying on until the page is full). The cursor is the last returned entry's list_sk."""
    found: list[T] = []
    while True:
        kwargs = {
            "IndexName": LIST_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit if keep is None else max(limit, 100),
            "ScanIndexForward": not newest_first,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = table.query(**kwargs)
        entries = resp.get("Items", [])
        items = table.batch_get([{"pk": e["pk"], "sk": e["sk"]} for e in entries])
        by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in items}
        for position, entry in enumerate(entries):
            # The index is eventually consistent: an item deleted a moment ago may still be listed there.
            item = by_key.get((entry["pk"]["S"], entry["sk"]["S"]))
            loaded = load(item) if item is not None else None
            if loaded is None or (keep is not None and not keep(loaded)):
                continue
            found.append(loaded)
            if len(found) == limit:
                more = position < len(entries) - 1 or "LastEvaluatedKey" in resp
                return found, encode_cursor(entry["list_sk"]["S"]) if more else None
        start = resp.get("LastEvaluatedKey")
        if start is None:
            return found, None


def every_page(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> list[T]:
    """All items of a paged listing, following its cursors."""
    found: list[T] = []
    cursor: str | None = None
    while True:
        page, cursor = fetch(cursor)
        found.extend(page)
        if cursor is None:
            return found
