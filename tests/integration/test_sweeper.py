"""The sweeper: missed deadlines, races with pings and with itself, and the alert outbox."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest

from heartbeat.adapters.sns import SnsPublisher
from heartbeat.domain.alerts import LEASE_MS
from heartbeat.domain.decisions import MarkDown, decide_missed
from heartbeat.domain.errors import LostRace, Unavailable
from heartbeat.domain.model import Monitor
from heartbeat.store.codec import alert_from_item, alert_key
from heartbeat.usecases.sweep import sweep, sweep_for
from tests.harness import Stack


class FailingPublisher:
    """SNS answering an error, as when it throttles or is unreachable."""

    def __init__(self) -> None:
        self.calls = 0

    def publish(self, alert: Any) -> str:
        self.calls += 1
        raise Unavailable("Throttled")  # what SnsPublisher raises when SNS throttles or is unreachable


def publisher(stack: Stack) -> SnsPublisher:
    return SnsPublisher(stack.sns, stack.refs["AlertsTopic"])


def mark_down(stack: Stack, seen: Monitor) -> bool:
    """The sweeper's transition for a monitor it read as overdue: False when it lost the race."""
    decision = decide_missed(seen, stack.clock.now)
    assert isinstance(decision, MarkDown)
    try:
        stack.store.transitions.carry_out(seen.id, decision, stack.clock.now)
    except LostRace:
        return False
    return True


def test_missed_deadline_goes_down_with_incident_at_the_deadline_and_one_alert(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30, tags=["infrastructure", "backup"])
    stack.ping(monitor["token"])
    deadline = stack.store.monitors.get(monitor["id"]).deadline_ms
    assert deadline is not None

    stack.clock.advance(89.999)
    assert stack.sweep()["marked_down"] == 0  # one millisecond early: nothing
    stack.clock.advance(0.001)
    report = stack.sweep()

    assert report["marked_down"] == 1 and report["alerts_sent"] == 1
    after = stack.monitor(monitor["id"])
    assert after["status"] == "down" and after["nextDeadline"] is None
    [incident] = stack.incidents(monitor["id"])
    assert incident["id"] == str(deadline) and incident["cause"] == "missed"
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.down"
    assert alert["alertId"] == f"{monitor['id']}:{deadline}:monitor.down"
    assert alert["monitor"] == {"id": monitor["id"], "name": "Nightly Backup", "tags": ["infrastructure", "backup"]}
    assert alert["_subject"] == "DOWN: Nightly Backup"
    assert alert["_attributes"] == {
        "event": "monitor.down",
        "monitor_id": monitor["id"],
        "alert_id": alert["alertId"],
        "tags": '["infrastructure", "backup"]',
        "audience": "alerts",  # a real alert, not a test for one subscription
    }


def test_grace_is_reported_between_period_and_deadline(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(59)
    assert stack.monitor(monitor["id"])["status"] == "up"
    stack.clock.advance(1)
    assert stack.monitor(monitor["id"])["status"] == "grace"
    stack.sweep()
    assert stack.monitor(monitor["id"])["status"] == "grace"  # late, not yet down: no alert
    assert stack.alerts() == []


def test_a_late_sweep_opens_the_incident_at_the_missed_deadline(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    deadline = stack.store.monitors.get(monitor["id"]).deadline_ms
    stack.clock.advance(30 * 60)  # no sweep ran for half an hour

    stack.sweep()

    [incident] = stack.incidents(monitor["id"])
    assert incident["id"] == str(deadline)
    [alert] = stack.alerts()
    assert alert["incident"]["missedDeadline"] == alert["incident"]["openedAt"]


def test_new_and_paused_monitors_never_alert(stack: Stack) -> None:
    stack.create_monitor(name="never pinged", interval=1, grace=1)
    paused = stack.create_monitor(name="paused", interval=1, grace=1)
    stack.ping(paused["token"])
    stack.request("POST", f"/api/v1/monitors/{paused['id']}/pause")
    stack.clock.advance(365 * 86400)

    assert stack.sweep()["due"] == 0
    assert stack.alerts() == []


def test_a_ping_between_the_sweepers_read_and_write_wins(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    # Given the sweeper has read the monitor as overdue...
    [seen] = [m for s in stack.store.due.shards() for m in stack.store.due.due(s, stack.clock.now)]
    # ...when the job's ping lands before the sweeper's write...
    stack.ping(monitor["token"])
    # ...then the sweeper's conditional write loses, and nobody is alerted.
    assert mark_down(stack, seen) is False
    assert stack.monitor(monitor["id"])["status"] == "up"
    assert stack.incidents(monitor["id"]) == []
    assert stack.alerts() == []


def test_two_sweepers_at_once_open_one_incident_and_send_one_alert(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    # Both sweepers read the index before either writes.
    first = [m for s in stack.store.due.shards() for m in stack.store.due.due(s, stack.clock.now)]
    second = [m for s in stack.store.due.shards() for m in stack.store.due.due(s, stack.clock.now)]
    results = []
    for seen in (first[0], second[0]):
        results.append(mark_down(stack, seen))
    assert results == [True, False]

    # The winner died before publishing; two sweeps after its lease (a doubled EventBridge
    # delivery) send the alert once between them.
    stack.clock.advance(LEASE_MS / 1000)
    stack.sweep()
    stack.sweep()
    assert len(stack.incidents(monitor["id"])) == 1
    assert len(stack.alerts()) == 1


def test_failed_publish_stays_pending_and_the_next_sweep_sends_it_once(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    failing = FailingPublisher()

    report = sweep(stack.store, failing, stack.clock.now)

    assert (report.marked_down, report.alerts_failed, failing.calls) == (1, 1, 1)
    assert stack.alerts() == []
    assert stack.monitor(monitor["id"])["status"] == "down"  # detection does not wait for delivery
    # The retry waits for its backoff, then goes out exactly once.
    assert sweep(stack.store, publisher(stack), stack.clock.now).alerts_sent == 0
    stack.clock.advance(LEASE_MS / 1000)
    assert sweep(stack.store, publisher(stack), stack.clock.now).alerts_sent == 1
    assert sweep(stack.store, publisher(stack), stack.clock.now + 3_600_000).alerts_sent == 0
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.down"


def test_an_alert_whose_writer_crashed_before_publishing_is_sent_after_its_lease(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    [seen] = [m for s in stack.store.due.shards() for m in stack.store.due.due(s, stack.clock.now)]
    decision = decide_missed(seen, stack.clock.now)
    assert isinstance(decision, MarkDown)
    alert = decision.alert
    assert alert is not None
    # The sweeper wrote the state change and then died before publishing.
    stack.store.transitions.carry_out(seen.id, decision, stack.clock.now)

    assert sweep(stack.store, publisher(stack), stack.clock.now + LEASE_MS - 1).alerts_sent == 0  # lease holds
    assert sweep(stack.store, publisher(stack), stack.clock.now + LEASE_MS).alerts_sent == 1
    assert len(stack.alerts()) == 1
    item = stack.store.table.get(alert_key(alert))
    assert item is not None
    stored = alert_from_item(item)
    assert stored.state == "sent" and stored.lease_until_ms is None


def test_recovery_alert_that_failed_to_publish_is_retried(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    stack.sweep()
    stack.alerts()
    ping_module = stack.modules["PingFunction"]
    ping_module.deps.publisher = lambda: FailingPublisher()

    assert stack.ping(monitor["token"]).status == 200  # the ping itself is recorded regardless

    assert stack.alerts() == []
    stack.clock.advance(LEASE_MS / 1000)
    assert stack.sweep()["alerts_sent"] == 1
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.up"


def test_a_started_run_that_never_finishes_goes_down_as_timeout(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=3600, grace=120)
    stack.ping(monitor["token"])
    stack.ping(monitor["token"], "/start")
    stack.clock.advance(120)

    stack.sweep()

    [incident] = stack.incidents(monitor["id"])
    assert incident["cause"] == "timeout"


def test_the_sweeper_queries_the_index_and_never_scans(stack: Stack) -> None:
    for i in range(5):
        m = stack.create_monitor(name=f"job {i}", interval=60 if i else 1, grace=1)
        stack.ping(m["token"])
    stack.clock.advance(3)
    calls = stack.count_calls("SweeperFunction")  # not the notifier its alert wakes

    report = stack.sweep()

    assert report["due"] == 1
    assert "Scan" not in calls
    # The index, shard by shard; and, for the one alert going out, the maintenance windows' partition.
    assert calls.count("Query") == len(stack.store.due.shards()) + 1


def test_an_overdue_monitor_changed_mid_sweep_is_skipped_without_alert(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(91)
    [seen] = [m for s in stack.store.due.shards() for m in stack.store.due.due(s, stack.clock.now)]
    stale = dataclasses.replace(seen, deadline_ms=(seen.deadline_ms or 0) - 1)  # an older index entry
    assert mark_down(stack, stale) is False
    assert stack.incidents(monitor["id"]) == []


def test_two_sweeps_running_concurrently_alert_each_outage_once(stack: Stack) -> None:
    monitors = [stack.create_monitor(name=f"job {i}", interval=60, grace=30) for i in range(12)]
    for m in monitors:
        stack.ping(m["token"])
    stack.clock.advance(91)
    # moto applies a request's condition and write without isolation from other threads; DynamoDB
    # makes each request atomic. One lock per request restores that, and leaves the sweepers'
    # own interleavings between requests free.
    atomic = threading.Lock()
    events = stack.store.table.client.meta.events
    # (A before-call handler that returns a value replaces the call: these return None.)
    events.register("before-call.dynamodb", lambda **_: atomic.acquire() and None)
    events.register("after-call.dynamodb", lambda **_: atomic.release())
    events.register("after-call-error.dynamodb", lambda **_: atomic.release())
    reports = []

    def run() -> None:
        reports.append(sweep(stack.store, publisher(stack), stack.clock.now))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.marked_down for r in reports) == 12
    assert all(len(stack.incidents(m["id"])) == 1 for m in monitors)
    alerts = stack.alerts()
    assert sorted(a["monitor"]["id"] for a in alerts) == sorted(m["id"] for m in monitors)


def test_seconds_detection_sweeps_each_second_and_alerts_within_one(stack: Stack) -> None:
    """Detection=seconds: one run sweeps every second for 65 s; a deadline missed inside the run
    goes down at the next sweep, at most a second later, and goes down once."""
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    deadline = stack.store.monitors.get(monitor["id"]).deadline_ms
    assert deadline is not None
    stack.clock.advance(90 - 10.4)  # the deadline passes 10.4 s into the run
    started = stack.clock.now
    sweeps_at: list[int] = []
    published_at: list[int] = []
    sns = publisher(stack)

    class Recording:
        def publish(self, alert: Any) -> str:
            published_at.append(stack.clock.now)
            return sns.publish(alert)

    def now() -> int:
        sweeps_at.append(stack.clock.now)
        return stack.clock.now

    report = sweep_for(
        stack.store,
        Recording(),
        65,
        now_ms=now,
        monotonic=lambda: stack.clock.now / 1000,
        sleep=lambda s: stack.clock.advance(s) and None,
    )

    assert report.sweeps == 65 and sweeps_at == [started + 1000 * i for i in range(65)]
    assert (report.marked_down, report.alerts_sent, report.errors) == (1, 1, 0)
    [alerted] = published_at
    assert 0 <= alerted - deadline <= 1000, alerted - deadline  # the first sweep past the deadline
    [incident] = stack.incidents(monitor["id"])
    assert incident["id"] == str(deadline)
    assert [a["event"] for a in stack.alerts()] == ["monitor.down"]


def test_a_sweep_that_cannot_read_the_index_is_counted_and_the_next_second_tries_again(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=1, grace=1)
    stack.ping(monitor["token"])
    stack.clock.advance(3)
    real_due, failures = stack.store.due.due, [1]

    def flaky(shard: str, now_ms: int) -> Any:
        if failures:
            failures.pop()
            raise Unavailable("ProvisionedThroughputExceededException")
        return real_due(shard, now_ms)

    stack.store.due.due = flaky  # type: ignore[method-assign]
    report = sweep_for(
        stack.store,
        publisher(stack),
        2,
        now_ms=stack.clock,
        monotonic=lambda: stack.clock.now / 1000,
        sleep=lambda s: stack.clock.advance(s) and None,
    )
    assert (report.sweeps, report.errors, report.marked_down) == (2, 1, 1)  # the second found it
    assert report.errors_at_end == 0  # so the run does not fail: nothing was left undone
    assert stack.monitor(monitor["id"])["status"] == "down"


def test_a_sweep_that_outlasts_its_second_is_followed_at_once_and_none_starts_after_the_run(stack: Stack) -> None:
    starts: list[float] = []
    at = [0.0]

    def slow_now() -> int:
        starts.append(at[0])
        at[0] += 25  # each sweep takes 25 s (a mass outage)
        return stack.clock.now

    def sleep(s: float) -> None:
        at[0] += s

    report = sweep_for(stack.store, publisher(stack), 65, now_ms=slow_now, monotonic=lambda: at[0], sleep=sleep)
    assert starts == [0, 25, 50] and report.sweeps == 3  # not one at 75 s, past the run's 65


def test_the_sweeper_loops_when_the_template_asks_for_seconds_detection(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEEP_LOOP_SECONDS", "2")
    stack.modules["SweeperFunction"] = stack.load("SweeperFunction")
    began = time.monotonic()
    report = stack.sweep()
    assert report["sweeps"] == 2 and 1.0 <= time.monotonic() - began < 5
