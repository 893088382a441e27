"""The top of the hour over the local stack: every job's /start in one wave, then every success,
while one runaway script pings its monitor in a loop. The front throttles as template.yaml
declares (10,000/s with bursts of 5,000 per ping route) and the ping function holds each monitor
to its own limit, so: every ping of the fleet is answered 200 and recorded, no monitor goes down,
and only the runaway monitor hears 429, with a body that names its limit."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from heartbeat_local.localproc import LocalStackProcess

JOBS = 99  # and the runaway: one page of monitors
WAVE_CONCURRENCY = 32
ADMIN_KEY = "hb_e2e-wave-admin-key-0123456789abcdefghijklmnopqrs"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    running = LocalStackProcess(tmp_path / "state", None, ADMIN_KEY, sweep_seconds=1)
    yield running
    assert running.stop() == 0, "".join(running.lines[-100:])


def test_a_wave_of_starts_then_successes_is_all_recorded_and_only_the_runaway_is_held(
    stack: LocalStackProcess,
) -> None:
    doc = {
        "version": "1",
        "monitors": [
            {"name": f"job {i:03d}", "config": {"expectedInterval": 3600, "gracePeriod": 600, "maxRuntime": 600}}
            for i in range(JOBS)
        ]
        + [{"name": "runaway", "config": {"expectedInterval": 3600, "gracePeriod": 600}}],
    }
    _apply(stack, doc)
    monitors = {m["name"]: m for m in stack.cli("monitors", "list", "--limit", "100")["items"]}
    jobs = [monitors[f"job {i:03d}"] for i in range(JOBS)]
    runaway = monitors["runaway"]
    parts = urlsplit(stack.url)
    local = threading.local()

    def ping(path: str) -> tuple[int, bytes]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        local.conn.request("GET", path)
        reply = local.conn.getresponse()
        return reply.status, reply.read()

    wave_over = threading.Event()
    runaway_answers: list[tuple[int, bytes]] = []

    def run_away() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        # Through the wave and on, until refused: the local stack (moto-bound, tens of pings a
        # second) shares its time with the wave, so the script outruns 10/s only after it.
        # Bounded after the wave (a wave slowed by a busy machine may take all the script's time).
        after_wave: int | None = None
        while not (wave_over.is_set() and any(status == 429 for status, _ in runaway_answers[-1:])):
            if after_wave is None and wave_over.is_set():
                after_wave = len(runaway_answers)
                pace["since"], pace["from"] = time.monotonic(), after_wave
            if after_wave is not None and len(runaway_answers) - after_wave >= 300:
                break
            conn.request("GET", urlsplit(runaway["pingUrl"]).path)
            reply = conn.getresponse()
            runaway_answers.append((reply.status, reply.read()))
        pace["until"] = time.monotonic()
        conn.close()

    pace: dict[str, float] = {}  # when the wave ended, and the answers the script had heard by then
    script = threading.Thread(target=run_away)
    script.start()
    with ThreadPoolExecutor(WAVE_CONCURRENCY) as pool:
        starts = list(pool.map(ping, [urlsplit(j["pingUrl"]).path + "/start" for j in jobs]))
        successes = list(pool.map(ping, [urlsplit(j["pingUrl"]).path for j in jobs]))
    wave_over.set()
    script.join()

    fleet = Counter(status for status, _ in starts + successes)
    assert fleet == {200: 2 * JOBS}, f"the fleet heard {dict(fleet)}"
    after = {m["id"]: m for m in stack.cli("monitors", "list", "--limit", "100")["items"]}
    for job in jobs:
        seen = after[job["id"]]
        assert (seen["status"], seen["pingCount"]) == ("up", 2), seen

    held = Counter(status for status, _ in runaway_answers)
    assert set(held) <= {200, 429} and held[200] >= 50, dict(held)
    # After the wave the script pings as fast as the stack answers; on a machine too busy to answer it
    # faster than the limit (10/s), nothing is over it to refuse (test_ping.py holds a runaway anyway).
    rate = (len(runaway_answers) - pace["from"]) / max(pace["until"] - pace["since"], 1e-3)
    if held[429] or rate > 12:
        refusal = next(json.loads(body) for status, body in runaway_answers if status == 429)
        assert refusal["error"]["code"] == "rate_limited" and "10 pings/s" in refusal["error"]["message"]
    assert after[runaway["id"]]["pingCount"] == held[200]  # refused pings are not recorded
    print(f"\nwave: {2 * JOBS} fleet pings all 200; runaway heard {dict(held)}, {rate:.1f}/s after the wave")


def _apply(stack: LocalStackProcess, doc: dict) -> None:
    import urllib.request

    headers = {"x-api-key": ADMIN_KEY, "content-type": "application/json"}
    request = urllib.request.Request(f"{stack.url}/api/v1/apply", json.dumps(doc).encode(), headers)
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.status == 200
