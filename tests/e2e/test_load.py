"""A bounded load on the local stack (loopback only, a fixed count, a time limit, stops itself):
pings from many connections at once over many monitors, sweeps running meanwhile, then a full
sweep. Every ping answered 200 is recorded, and no monitor that was pinged goes down.

`make test` runs a short form; `make soak` the issue's: 50,000 pings over 1,000 monitors at
concurrency 32, sweeping every minute as deployed (LOAD_PINGS, LOAD_MONITORS, LOAD_CONCURRENCY,
LOAD_SWEEP_SECONDS, LOAD_TIME_LIMIT override)."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from heartbeat_local.localproc import LocalStackProcess

PINGS = int(os.environ.get("LOAD_PINGS", "1000"))
MONITORS = int(os.environ.get("LOAD_MONITORS", "50"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "32"))
TIME_LIMIT_S = float(os.environ.get("LOAD_TIME_LIMIT", "900"))
SWEEP_SECONDS = float(os.environ.get("LOAD_SWEEP_SECONDS", "5"))
ADMIN_KEY = "hb_e2e-load-admin-key-0123456789abcdefghijklmnopqrs"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    # Sweeps through the whole load: sweeps and pings race as they would deployed.
    running = LocalStackProcess(tmp_path / "state", None, ADMIN_KEY, sweep_seconds=SWEEP_SECONDS)
    yield running
    assert running.stop() == 0, "".join(running.lines[-100:])


def every_monitor(stack: LocalStackProcess) -> list[dict]:
    found, cursor = [], None
    while True:
        page = stack.cli("monitors", "list", "--limit", "100", *(["--cursor", cursor] if cursor else []))
        found += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def test_every_ping_answered_ok_is_recorded_and_nobody_goes_down(stack: LocalStackProcess, tmp_path: Path) -> None:
    doc = {
        "version": "1",
        "monitors": [
            {"name": f"load {i:04d}", "config": {"expectedInterval": 3600, "gracePeriod": 600}} for i in range(MONITORS)
        ],
    }
    # One bulk apply, as `heartbeat apply` sends it (in chunks of 200 monitors).
    for i in range(0, MONITORS, 200):
        chunk = {**doc, "monitors": doc["monitors"][i : i + 200]}
        request = urllib.request.Request(
            f"{stack.url}/api/v1/apply",
            json.dumps(chunk).encode(),
            {"x-api-key": ADMIN_KEY, "content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            assert reply.status == 200
    monitors = {m["id"]: m["pingUrl"] for m in every_monitor(stack)}
    assert len(monitors) == MONITORS
    urls = list(monitors.items())

    answered: Counter[str] = Counter()  # monitor id -> pings answered 200
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    next_ping = iter(range(PINGS))
    deadline = time.monotonic() + TIME_LIMIT_S

    def worker() -> None:
        parts = urlsplit(stack.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                n = next(next_ping, None)
            if n is None:
                break
            monitor_id, url = urls[n % len(urls)]
            started = time.perf_counter()
            try:
                conn.request("POST", urlsplit(url).path, body=b"load")
                reply = conn.getresponse()
                reply.read()
                status = reply.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                status = 0
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if status == 200:
                    answered[monitor_id] += 1
                if len(latencies) % max(1, PINGS // 10) == 0:  # progress, for the long form
                    print(f"load: {len(latencies)} pings in {time.monotonic() - began:.0f} s", flush=True)
        conn.close()

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    sent = sum(statuses.values())
    assert sent == PINGS, f"only {sent} of {PINGS} pings within {TIME_LIMIT_S:g} s"

    # A full sweep after the last ping: a canary, pinged now and due 2 s later, goes down only in a
    # sweep that started after every ping above was answered.
    canary = stack.cli("monitors", "create", "--name", "canary", "--expected-interval", "1", "--grace-period", "1")
    urllib.request.urlopen(canary["pingUrl"], timeout=30).close()
    waited = time.monotonic()
    while stack.cli("monitors", "get", canary["id"])["status"] != "down":
        assert time.monotonic() - waited < 3 * SWEEP_SECONDS + 300, "no sweep completed after the load"
        time.sleep(1)
    after = {m["id"]: m for m in every_monitor(stack)}
    recorded = {i: after[i]["pingCount"] for i in monitors}
    lost = {i: (answered[i], recorded[i]) for i in monitors if recorded[i] < answered[i]}
    assert not lost, f"pings answered 200 but not recorded: {lost}"
    down = [after[i]["name"] for i in monitors if after[i]["status"] != "up"]
    assert not down, f"pinged monitors not up: {down}"
    latencies.sort()
    p50, p99 = (latencies[int(len(latencies) * q)] * 1000 for q in (0.5, 0.99))
    print(
        f"\nload: {sent} pings over {MONITORS} monitors at concurrency {CONCURRENCY} in {elapsed:.1f} s "
        f"({sent / elapsed:.0f}/s); statuses {dict(statuses)}; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"recorded {sum(recorded.values())}, none down"
    )
