"""Many pings of one monitor at the same instant, as real concurrent requests: threads through the ping
handler over moto, each request atomic as on DynamoDB, landing in any order relative to the times they were
received (as separate Lambda instances, a few milliseconds apart, would land them)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from tests.harness import Stack

PINGS = 8
TRIALS = 15


class ReceiveClock:
    """Epoch milliseconds from the test's clock onwards, moving in real time; each reading is followed by
    a random pause before the handler goes on, so a ping received first may well be written last."""

    def __init__(self, start_ms: int) -> None:
        self._start_ms = start_ms
        self._origin = time.monotonic_ns()

    def __call__(self) -> int:
        now = self._start_ms + (time.monotonic_ns() - self._origin) // 1_000_000
        time.sleep(random.uniform(0, 0.004))
        return now


@pytest.fixture
def racing(stack: Stack) -> Iterator[Stack]:
    # moto applies a request's condition and write without isolation from other threads; DynamoDB
    # makes each request atomic. One lock per request restores that.
    atomic = threading.Lock()
    events = stack.store.table.client.meta.events
    events.register("before-call.dynamodb", lambda **_: atomic.acquire() and None)
    events.register("after-call.dynamodb", lambda **_: atomic.release())
    events.register("after-call-error.dynamodb", lambda **_: atomic.release())
    stack.modules["PingFunction"].deps.now_ms = ReceiveClock(stack.clock.now)
    yield stack


def ping_together(stack: Stack, token: str, count: int = PINGS) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def run() -> None:
        barrier.wait()
        statuses.append(stack.ping(token).status)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_simultaneous_success_pings_never_open_an_incident_without_a_min_interval(racing: Stack) -> None:
    for trial in range(TRIALS):
        m = racing.create_monitor(name=f"job {trial}", interval=3600, grace=600)
        racing.ping(m["token"])  # up

        assert ping_together(racing, m["token"]) == [200] * PINGS
        shown = racing.monitor(m["id"])
        assert (shown["status"], racing.incidents(m["id"])) == ("up", []), f"trial {trial}"
        assert racing.store.monitors.get(m["id"]).n_pings == PINGS + 1
    assert racing.alerts() == []


def test_simultaneous_success_pings_within_a_min_interval_open_one_early_incident(racing: Stack) -> None:
    for trial in range(TRIALS // 3):
        m = racing.create_monitor(name=f"job {trial}", interval=3600, grace=600, config_extra={"minInterval": 600})
        racing.ping(m["token"])
        racing.clock.advance(3000)  # the next run is due: the first of the burst is on time
        racing.modules["PingFunction"].now_ms = ReceiveClock(racing.clock.now)

        assert ping_together(racing, m["token"]) == [200] * PINGS
        incidents = racing.incidents(m["id"])
        assert [i["cause"] for i in incidents] == ["early"], f"trial {trial}"
        assert incidents[0]["durationSeconds"] >= 0
    downs = [a for a in racing.alerts() if a["event"] == "monitor.down"]
    assert len(downs) == TRIALS // 3
