"""Random interleavings of pings, sweeps, pauses, resumes, config changes, acknowledgements,
snoozes and time, against a reference model of what a monitor's state and alerts must be
(hypothesis stateful testing over the real handlers).

Successes also come several at once, as real concurrent requests received milliseconds apart and
written in any order; a burst is one success to the model (never an alert of its own). A settings
change may race a burst: to the model it comes first (the deadline follows the new settings either way).

Invariants after every step: the status the API shows is the model's; every alert delivered is
one the model expects, in order (those of one sweep in any order): exactly one down alert per
outage, a reminder each `realertInterval` while down, one recovery per outage that a success
ended, none while the model says the monitor was never overdue, none while paused (but a snooze's
held alert, at its end, if its outage is still open). A snoozed monitor sends no down alert or
reminder until the snooze ends; the one alert it held goes out at its end if the outage is still
open; an acknowledged outage sends no reminders; a recovery follows every delivered down alert,
and none comes without one (checked against the incidents at each example's end).
`make soak` runs many more examples (HYPOTHESIS_PROFILE=soak).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.harness import Stack

INTERVAL_S, GRACE_S, REALERT_S = 60, 30, 60
DOWN, REMINDER, UP = "monitor.down", "monitor.reminder", "monitor.up"
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
    outage: int = 0  # the current (or last) outage's number
    opened_ms: int = 0  # when it opened (the next one opens a millisecond later at the earliest)
    reminder_ms: int | None = None  # the next reminder, while down
    acknowledged: bool = False  # the open outage
    snooze_until_ms: int | None = None
    held: tuple[str, int] | None = None  # the alert a snooze holds: its event and outage
    withheld: set[int] = field(default_factory=set)  # outages whose down alert a snooze held or dropped

    def shown(self, now_ms: int) -> str:
        if self.status == "up" and self.deadline_ms is not None and now_ms >= self.deadline_ms - self.grace_s * 1000:
            return "grace"
        return self.status

    def snoozed(self, now_ms: int) -> bool:
        return self.snooze_until_ms is not None and self.snooze_until_ms > now_ms

    def publish(self, event: str, now_ms: int) -> None:
        """An alert of the current outage about to go out: sent, held or dropped."""
        if event == UP:  # with its down alert: sent if that was, dropped if a snooze kept it back
            if self.outage not in self.withheld:
                self.alerts.append(UP)
            return
        if not self.snoozed(now_ms):
            self.alerts.append(event)
            return
        if self.held is None or self.outage > self.held[1]:  # a new outage's alert takes the held one's place
            if self.held is not None and self.held[0] == DOWN:
                self.withheld.add(self.held[1])
            self.held = (event, self.outage)
            if event == DOWN:
                self.withheld.add(self.outage)
        # else: a later alert of the outage whose alert is held: dropped

    def release(self) -> None:
        """The snooze is over (by its end or lifted): the held alert goes if its outage is still open."""
        if self.held is not None and self.incident_open and self.held[1] == self.outage:
            self.alerts.append(self.held[0])
            self.withheld.discard(self.outage)
        self.held = self.snooze_until_ms = None

    def reminder_after(self, since_ms: int, now_ms: int) -> int:
        at = since_ms + REALERT_S * 1000
        if at <= now_ms:
            at += ((now_ms - at) // (REALERT_S * 1000) + 1) * REALERT_S * 1000
        return at

    def open_incident(self, opened_ms: int, now_ms: int) -> None:
        self.outage += 1
        self.opened_ms, self.incident_open, self.acknowledged = opened_ms, True, False
        self.status, self.deadline_ms = "down", None
        self.reminder_ms = self.reminder_after(opened_ms, now_ms)
        self.publish(DOWN, now_ms)

    def success(self, now_ms: int) -> None:
        if self.incident_open:
            self.incident_open, self.reminder_ms = False, None
            self.publish(UP, now_ms)
        self.last_success_ms = now_ms
        self.status, self.deadline_ms = "up", now_ms + (self.interval_s + self.grace_s) * 1000

    def fail(self, now_ms: int) -> None:
        if not self.incident_open:
            self.open_incident(max(now_ms, self.opened_ms + 1), now_ms)
        self.status, self.deadline_ms = "down", None

    def start(self, now_ms: int) -> None:
        self.last_start_ms = now_ms
        if self.status == "paused":
            return  # a start while paused leaves it paused, nothing due
        if self.incident_open:
            self.status = "down"  # a start while down leaves the incident open
            return
        self.status, self.deadline_ms = "started", now_ms + self.grace_s * 1000

    def configure(self, interval_s: int, grace_s: int, now_ms: int) -> None:
        """A running clock follows the new settings from when it started; none starts. While down, the
        reminders start again from now if none was due (an acknowledged outage's are stopped as they fall due)."""
        self.interval_s, self.grace_s = interval_s, grace_s
        if self.status == "started" and self.last_start_ms is not None:
            self.deadline_ms = self.last_start_ms + grace_s * 1000
        elif self.status == "up" and self.last_success_ms is not None:
            self.deadline_ms = self.last_success_ms + (interval_s + grace_s) * 1000
        elif self.status == "down" and self.reminder_ms is None and not self.acknowledged:
            self.reminder_ms = self.reminder_after(now_ms, now_ms)

    def sweep(self, now_ms: int) -> None:
        # What falls due in one sweep does not depend on its order: the snooze is over for all or none.
        if self.deadline_ms is not None and self.deadline_ms <= now_ms:
            self.open_incident(self.deadline_ms, now_ms)
        elif self.status == "down" and self.reminder_ms is not None and self.reminder_ms <= now_ms:
            self.reminder_ms = self.reminder_after(self.reminder_ms, now_ms)
            self.publish(REMINDER, now_ms)
        if self.held is not None and self.snooze_until_ms is not None and self.snooze_until_ms <= now_ms:
            self.release()

    def next_due_ms(self) -> int | None:
        """When the next sweep would find something to do: a deadline, a reminder, a snooze's end."""
        reminder = self.reminder_ms if self.status == "down" else None
        held_until = self.snooze_until_ms if self.held is not None else None
        due = [t for t in (self.deadline_ms, reminder, held_until) if t is not None]
        return min(due) if due else None

    def pause(self) -> None:
        self.status, self.deadline_ms, self.reminder_ms = "paused", None, None

    def resume(self) -> None:
        if self.status == "paused":
            self.status = "new"

    def acknowledge(self) -> bool:
        """Whether there was an outage to acknowledge: its reminders stop."""
        if self.incident_open:
            self.acknowledged, self.reminder_ms = True, None
        return self.incident_open

    def snooze(self, until_ms: int) -> None:
        self.snooze_until_ms = until_ms  # the held alert, if any, now due at the new end

    def unsnooze(self) -> None:
        if self.held is None:
            self.snooze_until_ms = None
        else:
            self.release()


def make_requests_atomic(stack: Stack) -> None:
    """moto applies a request's condition and write without isolation from other threads; DynamoDB makes
    each request atomic. One lock per request (the ping function's and the API's) restores that."""
    atomic = threading.Lock()
    for function in ("PingFunction", "ApiFunction"):
        events = stack.modules[function].deps.store.table.client.meta.events
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
    handler.deps.now_ms = now_ms
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        handler.deps.now_ms = stack.clock
    return statuses


def test_any_interleaving_alerts_exactly_as_the_model_says(stack: Stack) -> None:
    make_requests_atomic(stack)

    class Lifecycle(RuleBasedStateMachine):
        @initialize()
        def create(self) -> None:
            config = {"realertInterval": REALERT_S}
            self.monitor = stack.create_monitor(
                name="property", interval=INTERVAL_S, grace=GRACE_S, config_extra=config
            )
            self.model = Model()
            self.delivered: list[tuple[str, str]] = []  # event, incident id
            self.checked = 0  # how many of the model's alerts are checked

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
            self.model.fail(stack.clock.now)

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

        @precondition(lambda self: self.model.next_due_ms() is not None)
        @rule()
        def sweep_when_next_due(self) -> None:
            # Straight to the next deadline, reminder or snooze's end (to the millisecond): the outages,
            # reminders and held alerts the rules below act on come within a few steps.
            due_ms = self.model.next_due_ms()
            assert due_ms is not None
            stack.clock.advance(max(due_ms - stack.clock.now, 0) / 1000)
            stack.sweep()
            self.model.sweep(stack.clock.now)

        @precondition(lambda self: self.model.held is not None)
        @rule()
        def sweep_at_the_snoozes_end(self) -> None:
            # What a snooze held, released or dropped at its end (however many reminders fell due meanwhile).
            assert self.model.snooze_until_ms is not None
            stack.clock.advance(max(self.model.snooze_until_ms - stack.clock.now, 0) / 1000)
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
            self.model.configure(interval, grace, stack.clock.now)

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
            self.model.configure(interval, grace, stack.clock.now)
            self.model.success(stack.clock.now)

        @precondition(lambda self: self.model.incident_open)  # (the 409 without one: test_acknowledge_snooze)
        @rule()
        def acknowledge(self) -> None:
            reply = stack.request("POST", f"/api/v1/monitors/{self.monitor['id']}/acknowledge")
            assert reply.status == (200 if self.model.acknowledge() else 409), reply.body

        @rule(seconds=st.sampled_from([60, 150, 600, 1800, None]))
        def snooze(self, seconds: int | None) -> None:
            path = f"/api/v1/monitors/{self.monitor['id']}/snooze"
            if seconds is None:  # lifted (a no-op without a snooze)
                assert stack.request("DELETE", path).status == 200
                self.model.unsnooze()
                return
            assert stack.request("POST", path, {"seconds": seconds}).status == 200
            self.model.snooze(stack.clock.now + seconds * 1000)

        @invariant()
        def status_is_the_models(self) -> None:
            assert stack.monitor(self.monitor["id"])["status"] == self.model.shown(stack.clock.now)

        @invariant()
        def alerts_are_exactly_the_models(self) -> None:
            mine = [a for a in stack.alerts() if a["monitor"]["id"] == self.monitor["id"]]
            self.delivered += [(a["event"], str(a["incident"]["id"])) for a in mine]
            # One step sends at most one alert, but a sweep: its alerts in any order (those due at one time).
            expected, self.checked = self.model.alerts[self.checked :], len(self.model.alerts)
            assert Counter(a["event"] for a in mine) == Counter(expected), (mine, expected)
            events = {a["event"] for a in mine}
            if self.model.snoozed(stack.clock.now):
                assert events <= {UP}  # nothing but the recovery of a down alert sent before
            if self.model.acknowledged:
                assert REMINDER not in events

        def recoveries_follow_delivered_down_alerts(self) -> None:
            """Each resolved outage has its recovery if and only if its down alert was delivered; an open one none."""
            for incident in stack.incidents(self.monitor["id"]):
                sent = {event for event, incident_id in self.delivered if incident_id == str(incident["id"])}
                resolved = incident["status"] == "resolved"
                assert (UP in sent) == (resolved and DOWN in sent), (incident, sent)

        def teardown(self) -> None:
            # Each example leaves an empty table: moto copies its tables on every transaction, so
            # what earlier examples left would make each later one slower.
            if not hasattr(self, "monitor"):
                return
            self.recoveries_follow_delivered_down_alerts()
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
