"""8. Maintenance windows: what the hold step costs each alert about to go out, with none, 20 and
the most (200) windows: DynamoDB calls, the bytes its one Query reads and the read units they cost
(DynamoDB's item sizes, strongly consistent: 4 KB a unit), and its time over moto; and what that
comes to for a sweep of a mass outage at 100,000 monitors (1% overdue: 1,000 alerts). Pings never
read the windows."""

from __future__ import annotations

import math
import time
from typing import Any

from bench.capacity import item_size
from bench.common import Row, median, moto_stack

COUNTS = (0, 20, 200)
CALLS = 30
OUTAGE_ALERTS = 1_000  # 1% of 100,000 monitors overdue at once
RRU_PER_MILLION = 0.125


def _windows(stack: Any, count: int) -> int:
    """`count` recurring windows, none covering the alert's monitor; their bytes as DynamoDB sizes them."""
    from heartbeat.domain.windows import Window
    from heartbeat.store.windows import window_item

    size = 0
    for i in range(count):
        w = Window(f"{i:032x}", f"nightly {i}", 0, monitors=[f"{i + 1:032x}"], tags=[f"team-{i}", "db"],
                   cron="30 2 * * *", duration_s=3600, timezone="Europe/Berlin")  # fmt: skip
        stack.store.windows.add(w)
        size += item_size(window_item(w))
    return size


def run() -> list[Row]:
    from heartbeat.domain.model import Alert, AlertEvent
    from heartbeat.usecases.windows import held_back

    rows = []
    for count in COUNTS:
        with moto_stack() as stack:
            size = _windows(stack, count)
            alert = Alert("f" * 32, stack.clock.now, AlertEvent.DOWN, "s", "{}", tags=["web"])
            calls: list[str] = []
            stack.store.table.client.meta.events.register(
                "before-call.dynamodb", lambda model, calls=calls, **_: calls.append(model.name)
            )
            times = []
            for _ in range(CALLS):
                started = time.perf_counter()
                assert held_back(stack.store, alert, stack.clock.now) is False
                times.append((time.perf_counter() - started) * 1000)
            units = max(1, math.ceil(size / 4096))
            per_call = {op: calls.count(op) // CALLS for op in set(calls)}
            note = f"{size / 1024:.1f} KB read; {units} read unit(s)"
            rows.append(Row("windows", f"hold step per alert, {count} windows: calls", str(per_call), note=note))
            note = f"nearly all of it moto's Query; DynamoDB reads {size / 1024:.1f} KB in a few ms"
            took = f"{median(times):.2f} ms"
            rows.append(Row("windows", f"hold step per alert, {count} windows: time (median)", took, note=note))
            outage_units = OUTAGE_ALERTS * units
            cost = outage_units * RRU_PER_MILLION / 1_000_000
            rows.append(Row("windows", f"a 1,000-alert sweep at 100,000 monitors, {count} windows: reads",
                            f"{OUTAGE_ALERTS:,} Queries, {outage_units:,} read units (${cost:.4f})",
                            note="none while nothing alerts: the idle sweep is unchanged"))  # fmt: skip
    rows.append(_judging(max(COUNTS)))
    return rows


def _judging(count: int) -> Row:
    """The domain's part with every window covering the monitor: each one's current run, from cron."""
    from heartbeat.domain.windows import Window, open_for

    every = [Window(f"{i:032x}", f"w{i}", 0, tags=["db"], cron=f"{i % 60} {i % 24} * * *", duration_s=3600,
                    timezone="Europe/Berlin") for i in range(count)]  # fmt: skip
    now = int(time.time() * 1000)
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        open_for(every, "f" * 32, ["db"], now)
        times.append((time.perf_counter() - started) * 1000)
    return Row("windows", f"judging an alert {count} windows cover (cron, no I/O), median", f"{median(times):.1f} ms")
