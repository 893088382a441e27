"""5 and 6, on the local stack (`make dev`'s server as a child process, loopback only):
alert latency from a missed deadline to a webhook, and ping throughput under a bounded load."""

from __future__ import annotations

import http.client
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Row, median, pct

MONITORS = 20
CONCURRENCY = 16
LOAD_SECONDS = 20.0


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def alert_latency(stack, hook, mode: str, monitors: int, spread_s: float) -> list[Row]:  # type: ignore[no-untyped-def]
    """Missed deadline -> webhook for monitors whose deadlines are spread over `spread_s`, so the samples
    fall at every point of the sweep's cycle, not at one."""
    created = [
        stack.cli("monitors", "create", "--name", f"{mode} {i}", "--expected-interval", "1", "--grace-period", "1")
        for i in range(monitors)
    ]
    deadlines = {}
    began = time.monotonic()
    for i, m in enumerate(created):
        time.sleep(max(0.0, began + i * spread_s / monitors - time.monotonic()))
        _get(m["pingUrl"])
        deadlines[m["id"]] = _epoch(stack.cli("monitors", "get", m["id"])["nextDeadline"])
    end = time.time() + 90
    while time.time() < end:
        arrived = {e["monitor"]["id"]: at for at, e in hook.arrivals() if e["event"] == "monitor.down"}
        if all(i in arrived for i in deadlines):
            break
        time.sleep(0.1)
    latencies = [arrived[i] - d for i, d in deadlines.items() if i in arrived]
    missing = len(deadlines) - len(latencies)
    target = 2.0 if mode == "seconds" else 61.0
    p50, worst = median(latencies), max(latencies)
    note = f"Detection={mode}, {monitors} monitors, deadlines spread over {spread_s:g} s" + (
        f"; {missing} never alerted" if missing else ""
    )
    within = f"<= {target:g} s"
    return [
        Row(
            "alert latency", f"Detection={mode}: deadline -> webhook, p50", f"{p50:.2f} s", within, p50 <= target, note
        ),
        Row(
            "alert latency",
            f"Detection={mode}: deadline -> webhook, max",
            f"{worst:.2f} s",
            within,
            worst <= target and not missing,
        ),
    ]


def _get(url: str) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path)
    assert conn.getresponse().status == 200
    conn.close()


def throughput(stack) -> list[Row]:  # type: ignore[no-untyped-def]
    monitors = [
        stack.cli("monitors", "create", "--name", f"load {i}", "--expected-interval", "3600") for i in range(50)
    ]
    paths = [urlsplit(m["pingUrl"]).path for m in monitors]
    host = urlsplit(stack.url)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def worker(n: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)  # keep-alive, as a load tool would
        mine: list[float] = []
        i = n
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    errors += 1
            i += CONCURRENCY
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = len(latencies) / LOAD_SECONDS
    note = f"concurrency {CONCURRENCY}, {LOAD_SECONDS:g} s, {len(latencies):,} pings, {errors} errors"
    return [
        Row("local throughput", "pings per second", f"{rate:,.0f}", note=note),
        Row(
            "local throughput",
            "latency p50 / p99",
            f"{median(latencies) * 1000:.1f} / {pct(latencies, 99) * 1000:.1f} ms",
            note="Python HTTP front + handlers + moto over loopback, one process",
        ),
    ]


def run() -> list[Row]:
    from heartbeat.domain.tokens import new_api_key
    from heartbeat_local.localproc import LocalStackProcess, Webhook

    hook = Webhook()
    rows: list[Row] = []
    try:
        # As deployed: seconds (one looping run a minute), then minute (a sweep each 60 s).
        for mode, monitors, spread_s in (("seconds", 20, 10.0), ("minute", 12, 60.0)):
            print(f"  alert latency, Detection={mode} ...", flush=True)
            with tempfile.TemporaryDirectory() as state:
                stack = LocalStackProcess(Path(state), hook.url, new_api_key(), sweep_seconds=60, detection=mode)
                try:
                    rows += alert_latency(stack, hook, mode, monitors, spread_s)
                    if mode == "seconds":
                        rows += throughput(stack)
                finally:
                    stack.stop()
    finally:
        hook.close()
    return rows
