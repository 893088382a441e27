"""The local stack's saved state: what it reads from moto's memory is exactly what a Scan returns,
and a save then a load gives back the same table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heartbeat_tools.devserver import load_table, save_table, table_items
from heartbeat_tools.harness import Stack


def by_key(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def scan(stack: Stack) -> list[dict[str, Any]]:
    pages = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.refs["Table"])
    return by_key([item for page in pages for item in page["Items"]])


def test_saved_items_are_the_scanned_items_and_load_back(stack: Stack, tmp_path: Path) -> None:
    # Real items from the handlers: a monitor down after a failing ping with a non-UTF-8 body (a
    # binary attribute), its incident and alert, pings, keys; and one item with every other type.
    monitor = stack.create_monitor(interval=60, grace=30)
    assert stack.ping(monitor["token"], body=b"\xff\xfe not utf-8").status == 200
    assert stack.ping(monitor["token"], "/fail", method="POST", body=b"disk full").status == 200
    stack.dynamodb.put_item(
        TableName=stack.refs["Table"],
        Item={
            "pk": {"S": "TEST"},
            "sk": {"S": "every-type"},
            "n": {"N": "12.5"},
            "b": {"B": b"\x00\x01\xff"},
            "flag": {"BOOL": False},
            "nothing": {"NULL": True},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]},
            "bs": {"BS": [b"\x00", b"\xff"]},
            "l": {"L": [{"S": "x"}, {"B": b"\x02"}, {"M": {"deep": {"N": "1"}}}]},
            "m": {"M": {"b": {"B": b"\x03"}, "l": {"L": [{"BOOL": True}]}}},
        },
    )
    before = scan(stack)
    assert len(before) > 5
    assert by_key(table_items(stack.refs["Table"])) == before

    state = tmp_path / "table.json"
    assert save_table(stack.refs["Table"], state) == len(before)
    for item in before:
        stack.dynamodb.delete_item(TableName=stack.refs["Table"], Key={"pk": item["pk"], "sk": item["sk"]})
    assert scan(stack) == []
    assert load_table(stack.dynamodb, stack.refs["Table"], state) == len(before)
    assert scan(stack) == before
