"""Many pings of one monitor at the same instant, as real concurrent requests: threads through the ping
handler over moto, each request atomic as on DynamoDB, landing in any order relative to the times they were
received (as separate Lambda instances, a few milliseconds apart, would land them)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from tests.harness import Request, Stack

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
        racing.modules["PingFunction"].deps.now_ms = ReceiveClock(racing.clock.now)

        assert ping_together(racing, m["token"]) == [200] * PINGS
        incidents = racing.incidents(m["id"])
        assert [i["cause"] for i in incidents] == ["early"], f"trial {trial}"
        assert incidents[0]["durationSeconds"] >= 0
    downs = [a for a in racing.alerts() if a["event"] == "monitor.down"]
    assert len(downs) == TRIALS // 3


@pytest.mark.parametrize("suffix", ["/fail", ""], ids=["failure-opening-an-incident", "success-resolving-one"])
def test_a_pause_with_manual_resume_racing_a_ping_is_never_overwritten(stack: Stack, suffix: str) -> None:
    """A pause that lands between a ping's read and its transaction holds: the ping decides again
    from the paused monitor (ignored) instead of writing the state it read over the pause (a failure
    would open an incident and alert on a paused monitor; a recovery would arm a deadline whose miss
    alerts later). Either order is fine: the ping then the pause, or the pause then an ignored ping."""
    m = stack.create_monitor(interval=60, grace=30, config_extra={"manualResume": True})
    pause = Request("POST", f"/api/v1/monitors/{m['id']}/pause")
    ping = Request("GET", f"/api/v1/heartbeat/{m['token']}{suffix}", key=None)
    lost = []
    for trial in range(TRIALS):
        before = stack.store.monitors.get(m["id"])
        if (before.open_incident_ms is None) == (suffix == ""):  # a failure needs it up, a success down
            stack.ping(m["token"], "" if suffix else "/fail")
            before = stack.store.monitors.get(m["id"])

        paused, pinged = stack.at_once(pause, ping)
        assert (paused.status, pinged.status) == (200, 200), pinged.body
        after = stack.store.monitors.get(m["id"])
        ignored = stack.store.pings.get(m["id"], after.n_pings).ignored
        changed = (after.open_incident_ms is None) != (before.open_incident_ms is None)
        if after.status.value != "paused" or changed == ignored:
            lost.append((trial, after.status.value, ignored))

        assert stack.request("POST", f"/api/v1/monitors/{m['id']}/resume").status == 200
        stack.clock.advance(1)
    assert lost == [], f"{len(lost)} of {TRIALS} trials lost the pause (trial, status, ping ignored)"
