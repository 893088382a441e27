"""Cron monitors end to end over moto: deadlines in the monitor's zone, one write per warm ping,
and schedule changes that a warm ping Lambda cannot get wrong."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.harness import Stack

RIGA = "Europe/Riga"


def at(text: str, tz: str = RIGA) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def nightly(stack: Stack, **config: object) -> dict:
    body = {"schedule": "0 2 * * *", "timezone": RIGA, "gracePeriod": 600, **config}
    reply = stack.request("POST", "/api/v1/monitors", {"name": "Nightly Backup", "config": body})
    assert reply.status == 201, reply.body
    monitor = reply.json()
    monitor["token"] = monitor["pingUrl"].rsplit("/", 1)[-1]
    return monitor


def test_cron_monitor_shows_its_schedule_and_next_expected_times_in_its_zone(stack: Stack) -> None:
    stack.clock.now = at("2026-11-25T12:00")
    m = nightly(stack)
    assert m["config"].items() >= {"schedule": "0 2 * * *", "timezone": RIGA, "gracePeriod": 600}.items()
    assert m["nextExpected"] == ["2026-11-26T02:00:00+02:00", "2026-11-27T02:00:00+02:00", "2026-11-28T02:00:00+02:00"]


def test_success_arms_the_next_run_plus_grace_and_a_warm_ping_is_one_write(stack: Stack) -> None:
    m = nightly(stack)
    stack.clock.now = at("2026-11-25T02:05")
    calls = stack.count_calls()

    assert stack.ping(m["token"]).status == 200  # a cold Lambda learns the schedule from the failed write
    assert calls == ["UpdateItem", "UpdateItem", "PutItem"]
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-26T02:10")

    calls.clear()
    stack.clock.now = at("2026-11-26T02:03")
    assert stack.ping(m["token"]).status == 200
    assert calls == ["UpdateItem", "PutItem"]  # warm: one write, no read
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-27T02:10")


def test_a_missed_nightly_run_goes_down_at_next_run_plus_grace(stack: Stack) -> None:
    m = nightly(stack)
    stack.clock.now = at("2026-11-25T02:05")
    stack.ping(m["token"])

    stack.clock.now = at("2026-11-26T02:09:59")
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "grace"  # the run is late, the grace has not run out
    stack.clock.now = at("2026-11-26T02:10")
    stack.sweep()

    assert stack.monitor(m["id"])["status"] == "down"
    [incident] = stack.incidents(m["id"])
    assert incident["openedAt"] == "2026-11-26T00:10:00.000Z"
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.down"

    stack.clock.now = at("2026-11-26T09:00")
    stack.ping(m["token"])  # the recovery arms the next run by the schedule
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-27T02:10")
    assert [a["event"] for a in stack.alerts()] == ["monitor.up"]


def test_a_schedule_change_is_never_missed_by_a_warm_ping(stack: Stack) -> None:
    m = nightly(stack)
    stack.clock.now = at("2026-11-25T02:05")
    stack.ping(m["token"])  # the ping Lambda now remembers "0 2 * * *"

    patched = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"schedule": "0 */6 * * *"}})
    assert patched.status == 200
    # The armed deadline moved with the schedule at once: next 6-hourly run after the last success, + grace.
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-25T06:10")

    stack.clock.now = at("2026-11-25T06:01")
    stack.ping(m["token"])  # stale memory: the revision guard refuses it, the ping relearns and retries
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-25T12:10")


def test_switching_between_cron_and_interval(stack: Stack) -> None:
    m = nightly(stack)
    stack.clock.now = at("2026-11-25T02:05")
    stack.ping(m["token"])

    to_interval = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"expectedInterval": 3600}})
    assert to_interval.json()["config"].items() >= {"expectedInterval": 3600, "gracePeriod": 600}.items()
    assert "schedule" not in to_interval.json()["config"]
    assert to_interval.json()["nextExpected"] == []
    stack.clock.now = at("2026-11-25T03:00")
    stack.ping(m["token"])
    assert stack.store.monitors.get(m["id"]).deadline_ms == stack.clock.now + 4_200_000

    back = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"schedule": "@daily", "timezone": "UTC"}})
    assert back.json()["config"].items() >= {"schedule": "@daily", "timezone": "UTC", "gracePeriod": 600}.items()
    assert "expectedInterval" not in back.json()["config"]
    stack.ping(m["token"])
    assert stack.store.monitors.get(m["id"]).deadline_ms == at("2026-11-26T00:10", "UTC")


def test_patch_with_both_interval_and_schedule_is_422(stack: Stack) -> None:
    m = nightly(stack)
    reply = stack.request(
        "PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"expectedInterval": 60, "schedule": "* * * * *"}}
    )
    assert reply.status == 422
    assert stack.monitor(m["id"])["config"]["schedule"] == "0 2 * * *"
