"""4. Sweeper scaling: monitors in moto, 1% overdue; items the sweep reads against the overdue count,
beside what a Scan-based sweep (the naive way) reads. Item counts are DynamoDB's semantics
(ScannedCount). Times are moto's: they show how each way grows, not what DynamoDB would take.

The sweep's writes (one transaction, one publish, one update per overdue monitor) are timed in full
only at the smallest size: moto copies every table on each TransactWriteItems (for its rollback),
so beyond that its own cost, not the sweep's, would dominate."""

from __future__ import annotations

import time
from typing import Any

from bench.common import Row, moto_stack

SIZES = (1_000, 10_000, 100_000)
SCAN_UP_TO = 10_000  # moto's Scan of 100,000 items takes minutes; a Scan reads every item, so beyond this we count them
FEW = 10
OVERDUE_SHARE = 0.01
FULL_SWEEP_UP_TO = 1_000


def _fill(stack: Any, total: int, overdue: int, now_ms: int) -> None:
    from tests.harness import sample_monitor

    db, table = stack.dynamodb, stack.refs["Table"]
    batch: list[dict[str, Any]] = []
    for i in range(total):
        late = i < overdue
        m = sample_monitor(
            name=f"job {i}",
            interval_s=3600,
            grace_s=600,
            created_ms=now_ms,
            updated_ms=now_ms,
            last_ping_ms=now_ms - (5_000_000 if late else 60_000),
            last_success_ms=now_ms,
            # Overdue ones by 1 s, 2 s, ...: a cutoff further back finds only the oldest few.
            deadline_ms=now_ms - 1_000 * (i + 1) if late else now_ms + 4_000_000,
        )
        batch.append({"PutRequest": {"Item": stack.store.monitors.item(m)}})
        if len(batch) == 25 or i == total - 1:
            request = {table: batch}
            while request:
                request = db.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            batch = []


def _scanned(stack: Any) -> list[int]:
    counts: list[int] = []

    def count(parsed: dict[str, Any], **_: Any) -> None:
        counts.append(int(parsed.get("ScannedCount", 0)))

    stack.dynamodb.meta.events.register("after-call.dynamodb.Query", count)
    stack.dynamodb.meta.events.register("after-call.dynamodb.Scan", count)
    return counts


def measure(total: int, overdue: int) -> dict[str, float]:
    from heartbeat.adapters.sns import SnsPublisher
    from heartbeat.usecases.sweep import sweep

    with moto_stack() as stack:
        now = stack.clock.now
        _fill(stack, total, overdue, now)
        counts = _scanned(stack)
        # The naive sweep: Scan everything, filter the overdue.
        scan_s = float("nan")
        if total <= SCAN_UP_TO:
            start = time.perf_counter()
            kwargs: dict[str, Any] = {
                "TableName": stack.refs["Table"],
                "FilterExpression": "deadline <= :now",
                "ExpressionAttributeValues": {":now": {"N": str(now)}},
            }
            found = 0
            while True:
                page = stack.dynamodb.scan(**kwargs)
                found += len(page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            scan_s, scan_read = time.perf_counter() - start, sum(counts)
            assert found == overdue
        else:
            scan_read = stack.dynamodb.describe_table(TableName=stack.refs["Table"])["Table"]["ItemCount"]
        counts.clear()
        # The same table with only the oldest few overdue: what the sweep reads tracks the overdue count.
        cutoff = now - 1_000 * (overdue - FEW + 1)
        few = [item for shard in stack.store.due.shards() for item in stack.store.due.due(shard, cutoff)]
        few_read = sum(counts)
        assert len(few) == FEW
        counts.clear()
        # Ours, the find phase: the sparse due index, shard by shard.
        start = time.perf_counter()
        due = [item for shard in stack.store.due.shards() for item in stack.store.due.due(shard, now)]
        find_s, sweep_read = time.perf_counter() - start, sum(counts)
        assert len(due) == overdue
        # The whole sweep (find, conditional writes, alerts) where moto's transactions allow.
        sweep_s = float("nan")
        if total <= FULL_SWEEP_UP_TO:
            start = time.perf_counter()
            # One worker: moto is not thread-safe for transactions (it copies its tables for each).
            report = sweep(stack.store, SnsPublisher(stack.sns, stack.refs["AlertsTopic"]), now, workers=1)
            sweep_s = time.perf_counter() - start
            assert report.marked_down == overdue, report
    return {
        "read": sweep_read,
        "few_read": few_read,
        "find_s": find_s,
        "sweep_s": sweep_s,
        "scan_read": scan_read,
        "scan_s": scan_s,
    }


def run() -> list[Row]:
    rows = []
    for total in SIZES:
        overdue = int(total * OVERDUE_SHARE)
        r = measure(total, overdue)
        ratio = r["read"] / overdue
        rows.append(
            Row(
                "sweeper",
                f"{total:,} monitors, {overdue:,} overdue: items read",
                f"{r['read']:,.0f} ({ratio:.2f}x overdue)",
                "<= 1.10x overdue",
                ratio <= 1.10,
                f"Scan-based sweep reads {r['scan_read']:,.0f}" + ("" if total <= SCAN_UP_TO else " (every item)"),
            )
        )
        if overdue > FEW:
            rows.append(
                Row(
                    "sweeper",
                    f"{total:,} monitors, {FEW} overdue: items read",
                    f"{r['few_read']:,.0f}",
                    f"{FEW}",
                    r["few_read"] <= FEW * 1.1,
                )
            )
        rows.append(
            Row(
                "sweeper",
                f"{total:,} monitors, {overdue:,} overdue: find time",
                f"{r['find_s'] * 1000:.0f} ms",
                note=f"moto; its Scan took {r['scan_s'] * 1000:,.0f} ms" if r["scan_s"] == r["scan_s"] else "moto",
            )
        )
        if r["sweep_s"] == r["sweep_s"]:  # not NaN: the whole sweep ran
            rows.append(
                Row(
                    "sweeper",
                    f"{total:,} monitors, {overdue:,} overdue: whole sweep",
                    f"{r['sweep_s'] * 1000:.0f} ms ({r['sweep_s'] / overdue * 1000:.0f} ms per overdue monitor)",
                    note="moto; each overdue monitor: 1 transaction, 1 publish, 1 update",
                )
            )
    return rows
