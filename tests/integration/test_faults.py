"""Faults injected at each step of detection: DynamoDB throttling or failing on the ping write, on
the sweeper's query and on its conditional write. Each time the ping gets a non-200 when its write
did not happen (never OK for a lost ping), the next sweep completes the work, the incident starts
at the missed deadline, and no alert is lost or doubled. (SNS failures, a crash between the state
change and the publish, doubled and late sweeps: test_sweeper.py; alert delivery: test_delivery_failures.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from heartbeat.domain.errors import Unavailable
from tests.harness import Stack

T = 1_795_572_000_000


def failing(code: str, times: int, real: Any) -> Any:
    """A DynamoDB call that fails `times` times (after botocore's own retries), then works."""
    left = [times]

    def call(**kwargs: Any) -> Any:
        if left[0] > 0:
            left[0] -= 1
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "injected")
        return real(**kwargs)

    return call


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_a_ping_whose_write_fails_gets_503_and_nothing_changes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    monitor = stack.create_monitor()
    assert stack.ping(monitor["token"]).status == 200
    before = stack.monitor(monitor["id"])
    db = stack.modules["PingFunction"].deps.store.table.client
    monkeypatch.setattr(db, "update_item", failing(code, 1, db.update_item))
    stack.clock.advance(10)
    reply = stack.ping(monitor["token"])
    assert reply.status == 503 and reply.json()["error"]["code"] == "unavailable"
    assert reply.headers.get("retry-after") == "1"  # curl --retry waits that long, then tries again
    assert stack.monitor(monitor["id"]) == before  # not OK, and not recorded: the job knows
    assert stack.ping(monitor["token"]).status == 200  # the retry is counted
    assert stack.monitor(monitor["id"])["pingCount"] == 2


def test_a_sweep_whose_query_fails_is_completed_by_the_next(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.clock.now = T
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(100)
    db = stack.modules["SweeperFunction"].deps.store.table.client
    monkeypatch.setattr(db, "query", failing("ProvisionedThroughputExceededException", 1, db.query))
    with pytest.raises(Unavailable, match="ProvisionedThroughputExceededException"):
        stack.sweep()  # the invocation fails: Lambda's retry or the next schedule comes back
    stack.clock.advance(60)
    stack.sweep()
    [incident] = stack.incidents(monitor["id"])
    assert incident["openedAt"] == "2026-11-25T02:01:30.000Z"  # the missed deadline, not the late sweep
    assert [a["event"] for a in stack.alerts()] == ["monitor.down"]


def test_a_sweep_whose_conditional_write_fails_is_completed_by_the_next(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.clock.now = T
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(100)
    db = stack.modules["SweeperFunction"].deps.store.table.client
    monkeypatch.setattr(db, "transact_write_items", failing("ThrottlingException", 1, db.transact_write_items))
    with pytest.raises(Exception, match=r"1 item\(s\) failed"):
        stack.sweep()  # SweepIncomplete: the invocation counts as failed, the monitor stays due
    assert stack.monitor(monitor["id"])["status"] != "down" and stack.alerts() == []
    stack.clock.advance(60)
    stack.sweep()
    stack.sweep()
    [incident] = stack.incidents(monitor["id"])
    assert incident["openedAt"] == "2026-11-25T02:01:30.000Z"
    assert [a["event"] for a in stack.alerts()] == ["monitor.down"]


def test_a_ping_racing_a_failed_sweep_keeps_the_monitor_up(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.clock.now = T
    monitor = stack.create_monitor(interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(85)  # not yet due
    db = stack.modules["SweeperFunction"].deps.store.table.client
    monkeypatch.setattr(db, "query", failing("InternalServerError", 1, db.query))
    with pytest.raises(Unavailable, match="InternalServerError"):
        stack.sweep()
    assert stack.ping(monitor["token"]).status == 200
    stack.clock.advance(30)
    stack.sweep()
    assert stack.monitor(monitor["id"])["status"] == "up" and stack.alerts() == []
