"""Random interleavings of pings, sweeps, pauses, resumes, config changes and time, against a
reference model of what a monitor's state and alerts must be (hypothesis stateful testing over the
real handlers).

Successes also come several at once, as real concurrent requests received milliseconds apart and
written in any order; a burst is one success to the model (never an alert of its own). A settings
change may race a burst: to the model it comes first (the deadline follows the new settings either way).

Invariants after every step: the status the API shows is the model's; every alert delivered is
one the model expects, in order: exactly one down alert per outage, one recovery per outage that a
success ended, none while the model says the monitor was never overdue, none while paused.
`make soak` runs many more examples (HYPOTHESIS_PROFILE=soak).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.harness import Stack

INTERVAL_S, GRACE_S = 60, 30
PROFILES = {
    # The same interleavings on every `make test` (CI stays reproducible); `make soak` explores anew.
    "default": settings(max_examples=100, stateful_step_count=20, derandomize=True),
    "soak": settings(max_examples=1000, stateful_step_count=30),
}


@dataclass
class Model:
    """What the monitor must be: the rules of README's state machine, written plainly."""

    status: str = "new"  # new, up, started, down, paused
    deadline_ms: int | None = None
    incident_open: bool = False
    alerts: list[str] = field(default_factory=list)  # events owed, in order
    interval_s: int = INTERVAL_S
    grace_s: int = GRACE_S
    last_success_ms: int | None = None
    last_start_ms: int | None = None

    def shown(self, now_ms: int) -> str:
        if self.status == "up" and self.deadline_ms is not None and now_ms >= self.deadline_ms - self.grace_s * 1000:
            return "grace"
        return self.status

    def success(self, now_ms: int) -> None:
        if self.incident_open:
            self.alerts.append("monitor.up")
            self.incident_open = False
        self.last_success_ms = now_ms
        self.status, self.deadline_ms = "up", now_ms + (self.interval_s + self.grace_s) * 1000

    def fail(self) -> None:
        if not self.incident_open:
            self.alerts.append("monitor.down")
            self.incident_open = True
        self.status, self.deadline_ms = "down", None

    def start(self, now_ms: int) -> None:
        self.last_start_ms = now_ms
        if self.status == "paused":
            return  # a start while paused leaves it paused, nothing due
        if self.incident_open:
            self.status = "down"  # a start while down leaves the incident open
            return
        self.status, self.deadline_ms = "started", now_ms + self.grace_s * 1000

    def configure(self, interval_s: int, grace_s: int) -> None:
        """A running clock follows the new settings from when it started; none starts."""
        self.interval_s, self.grace_s = interval_s, grace_s
        if self.status == "started" and self.last_start_ms is not None:
            self.deadline_ms = self.last_start_ms + grace_s * 1000
        elif self.status == "up" and self.last_success_ms is not None:
            self.deadline_ms = self.last_success_ms + (interval_s + grace_s) * 1000

    def sweep(self, now_ms: int) -> None:
        if self.deadline_ms is not None and self.deadline_ms <= now_ms:
            self.alerts.append("monitor.down")
            self.incident_open = True
            self.status, self.deadline_ms = "down", None

    def pause(self) -> None:
        self.status, self.deadline_ms = "paused", None

    def resume(self) -> None:
        if self.status == "paused":
            self.status = "new"


def make_requests_atomic(stack: Stack) -> None:
    """moto applies a request's condition and write without isolation from other threads; DynamoDB makes
    each request atomic. One lock per request (the ping function's and the API's) restores that."""
    atomic = threading.Lock()
    for function in ("PingFunction", "ApiFunction"):
        events = stack.modules[function].store.table.client.meta.events
        events.register("before-call.dynamodb", lambda **_: atomic.acquire() and None)
        events.register("after-call.dynamodb", lambda **_: atomic.release())
        events.register("after-call-error.dynamodb", lambda **_: atomic.release())


def ping_concurrently(
    stack: Stack, token: str, received_ms: list[int], pauses_ms: list[float], also: Callable[[], None] | None = None
) -> list[int]:
    """One success ping per time, each received at its time and written after its pause, all at once
    (and `also`, in a thread of its own, released with them)."""
    handler = stack.modules["PingFunction"]
    mine = threading.local()

    def now_ms() -> int:
        time.sleep(mine.pause_ms / 1000)  # on its way to the table: concurrent pings land in any order
        return int(mine.received)

    barrier, statuses = threading.Barrier(len(received_ms) + (also is not None)), []

    def run(received: int, pause_ms: float) -> None:
        mine.received, mine.pause_ms = received, pause_ms
        barrier.wait()
        statuses.append(stack.ping(token).status)

    def run_also() -> None:
        assert also is not None
        barrier.wait()
        also()

    threads = [threading.Thread(target=run, args=a) for a in zip(received_ms, pauses_ms, strict=True)]
    if also is not None:
        threads.append(threading.Thread(target=run_also))
    handler.now_ms = now_ms
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        handler.now_ms = stack.clock
    return statuses


def test_any_interleaving_alerts_exactly_as_the_model_says(stack: Stack) -> None:
    make_requests_atomic(stack)

    class Lifecycle(RuleBasedStateMachine):
        @initialize()
        def create(self) -> None:
            self.monitor = stack.create_monitor(name="property", interval=INTERVAL_S, grace=GRACE_S)
            self.model = Model()
            self.delivered: list[str] = []

        @rule()
        def ping_success(self) -> None:
            assert stack.ping(self.monitor["token"]).status == 200
            self.model.success(stack.clock.now)

        @rule(pauses=st.lists(st.floats(min_value=0, max_value=3), min_size=2, max_size=4))
        def ping_success_concurrently(self, pauses: list[float]) -> None:
            # Received a millisecond apart each and written in any order (separate Lambda instances).
            count = len(pauses)
            received = [stack.clock.now - k for k in range(count)]
            assert ping_concurrently(stack, self.monitor["token"], received, pauses) == [200] * count
            self.model.success(stack.clock.now)

        @rule(code=st.sampled_from(["/fail", "/1", "/255"]))
        def ping_failure(self, code: str) -> None:
            assert stack.ping(self.monitor["token"], code).status == 200
            self.model.fail()

        @rule()
        def ping_start(self) -> None:
            assert stack.ping(self.monitor["token"], "/start").status == 200
            self.model.start(stack.clock.now)

        @rule()
        def ping_log(self) -> None:
            assert stack.ping(self.monitor["token"], "/log", method="POST", body="note").status == 200

        @rule(seconds=st.integers(min_value=1, max_value=200) | st.sampled_from([29, 30, 31, 89, 90, 91]))
        def time_passes(self, seconds: int) -> None:
            stack.clock.advance(seconds)

        @rule(times=st.sampled_from([1, 2]))
        def sweep(self, times: int) -> None:
            for _ in range(times):  # EventBridge may deliver a schedule twice
                stack.sweep()
            self.model.sweep(stack.clock.now)

        @rule()
        def pause(self) -> None:
            assert stack.request("POST", f"/api/v1/monitors/{self.monitor['id']}/pause").status == 200
            self.model.pause()

        @rule()
        def resume(self) -> None:
            assert stack.request("POST", f"/api/v1/monitors/{self.monitor['id']}/resume").status == 200
            self.model.resume()

        @rule(interval=st.sampled_from([30, 60, 120]), grace=st.sampled_from([10, 30, 90]))
        def change_config(self, interval: int, grace: int) -> None:
            config = {"expectedInterval": interval, "gracePeriod": grace}
            reply = stack.request("PATCH", f"/api/v1/monitors/{self.monitor['id']}", {"config": config})
            assert reply.status == 200, reply.body
            self.model.configure(interval, grace)

        @rule(
            pauses=st.lists(st.floats(min_value=0, max_value=3), min_size=2, max_size=4),
            interval=st.sampled_from([30, 60, 120]),
            grace=st.sampled_from([10, 30, 90]),
        )
        def change_config_during_successes(self, pauses: list[float], interval: int, grace: int) -> None:
            # The settings change's write (guarded by the ping count, the revision and the due time it read)
            # races the burst's: whichever lands first, the deadline follows the new settings from the last success.
            count, replies = len(pauses), []
            received = [stack.clock.now - k for k in range(count)]
            body = {"config": {"expectedInterval": interval, "gracePeriod": grace}}

            def change() -> None:
                replies.append(stack.request("PATCH", f"/api/v1/monitors/{self.monitor['id']}", body).status)

            assert ping_concurrently(stack, self.monitor["token"], received, pauses, also=change) == [200] * count
            assert replies == [200]
            self.model.configure(interval, grace)
            self.model.success(stack.clock.now)

        @invariant()
        def status_is_the_models(self) -> None:
            assert stack.monitor(self.monitor["id"])["status"] == self.model.shown(stack.clock.now)

        @invariant()
        def alerts_are_exactly_the_models(self) -> None:
            self.delivered += [a["event"] for a in stack.alerts() if a["monitor"]["id"] == self.monitor["id"]]
            assert self.delivered == self.model.alerts

        def teardown(self) -> None:
            # Each example leaves an empty table: moto copies its tables on every transaction, so
            # what earlier examples left would make each later one slower.
            if not hasattr(self, "monitor"):
                return
            assert stack.request("DELETE", f"/api/v1/monitors/{self.monitor['id']}").status == 204
            table, pk = stack.refs["Table"], {"S": f"MON#{self.monitor['id']}"}
            for page in stack.dynamodb.get_paginator("query").paginate(
                TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk}
            ):
                for item in page["Items"]:  # ping events, which DynamoDB's TTL would remove
                    stack.dynamodb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
            stack.alerts()

    profile = PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "default")]
    run_state_machine_as_test(
        Lifecycle, settings=settings(profile, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    )
