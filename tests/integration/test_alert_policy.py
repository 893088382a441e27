"""Alert policy end to end over moto: failure and recovery thresholds (N-1 and N), and reminders
while down (due and not yet due)."""

from __future__ import annotations

from tests.harness import Stack


def monitor(stack: Stack, interval: int = 60, grace: int = 30, **config: object) -> dict:
    return stack.create_monitor(interval=interval, grace=grace, config_extra=config)


def events(stack: Stack) -> list[str]:
    return [a["event"] for a in stack.alerts()]


# ---- failureThreshold -------------------------------------------------------------------------


def test_failures_below_the_threshold_do_not_alert_and_the_nth_does(stack: Stack) -> None:
    m = monitor(stack, failureThreshold=3)
    stack.ping(m["token"])
    for _ in range(2):
        stack.clock.advance(60)
        stack.ping(m["token"], "/fail")
    after = stack.monitor(m["id"])
    assert (after["status"], after["failStreak"], after["openIncident"]) == ("up", 2, None)
    assert events(stack) == []
    stack.clock.advance(60)
    stack.ping(m["token"], "/1")
    assert stack.monitor(m["id"])["status"] == "down"
    assert events(stack) == ["monitor.down"]
    assert stack.incidents(m["id"])[0]["cause"] == "exit_status"


def test_a_success_between_failures_starts_the_count_again(stack: Stack) -> None:
    m = monitor(stack, failureThreshold=2)
    stack.ping(m["token"], "/fail")
    stack.ping(m["token"])
    stack.ping(m["token"], "/fail")
    assert stack.monitor(m["id"])["status"] == "up" and events(stack) == []


def test_a_tolerated_failure_awaits_the_next_run_from_now(stack: Stack) -> None:
    m = monitor(stack, interval=60, grace=30, failureThreshold=2)
    stack.ping(m["token"])
    stack.clock.advance(50)
    stack.ping(m["token"], "/fail")
    assert stack.store.monitors.get(m["id"]).deadline_ms == stack.clock.now + 90_000


def test_missed_runs_below_the_threshold_are_counted_and_the_nth_alerts(stack: Stack) -> None:
    m = monitor(stack, interval=60, grace=30, failureThreshold=3)
    stack.ping(m["token"])
    first_deadline = stack.clock.now + 90_000
    stack.clock.now = first_deadline
    assert stack.sweep()["misses_tolerated"] == 1
    assert stack.store.monitors.get(m["id"]).deadline_ms == first_deadline + 60_000
    stack.clock.now = first_deadline + 60_000 - 1
    stack.sweep()
    assert stack.monitor(m["id"])["failStreak"] == 1
    stack.clock.now = first_deadline + 60_000
    stack.sweep()
    assert (stack.monitor(m["id"])["status"], events(stack)) == ("up", [])
    stack.clock.now = first_deadline + 120_000
    assert stack.sweep()["marked_down"] == 1
    [incident] = stack.incidents(m["id"])
    assert incident["cause"] == "missed"
    assert incident["openedAt"] == stack.monitor(m["id"])["downSince"]
    assert events(stack) == ["monitor.down"]


def test_a_late_sweep_counts_every_run_missed_meanwhile(stack: Stack) -> None:
    m = monitor(stack, interval=60, grace=30, failureThreshold=3)
    stack.ping(m["token"])
    pinged = stack.clock.now
    stack.clock.advance(3600)  # no sweep for an hour
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "down"
    # The third miss's deadline: the incident opens there, not at the late sweep.
    assert int(stack.incidents(m["id"])[0]["id"]) == pinged + 90_000 + 2 * 60_000


def test_failed_and_missed_runs_add_up(stack: Stack) -> None:
    m = monitor(stack, interval=60, grace=30, failureThreshold=2)
    stack.ping(m["token"], "/fail")
    stack.clock.advance(90)
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "down"


# ---- recoveryThreshold ------------------------------------------------------------------------


def test_recovery_needs_n_good_runs_in_a_row(stack: Stack) -> None:
    m = monitor(stack, recoveryThreshold=2)
    stack.ping(m["token"], "/fail")
    assert events(stack) == ["monitor.down"]
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "down" and events(stack) == []
    stack.ping(m["token"], "/fail")  # the count starts again
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "down"
    stack.ping(m["token"])
    after = stack.monitor(m["id"])
    assert after["status"] == "up" and after["openIncident"] is None
    assert events(stack) == ["monitor.up"]
    assert stack.incidents(m["id"])[0]["status"] == "resolved"


# ---- realertInterval --------------------------------------------------------------------------


def test_reminders_go_out_at_the_interval_while_down_and_stop_on_recovery(stack: Stack) -> None:
    m = monitor(stack, interval=86400, grace=3600, realertInterval=3600)
    stack.ping(m["token"], "/fail")
    down_at = stack.clock.now
    assert events(stack) == ["monitor.down"]

    stack.clock.now = down_at + 3_599_999
    stack.sweep()
    assert events(stack) == []  # not yet due
    stack.clock.now = down_at + 3_600_000
    assert stack.sweep()["reminders"] == 1
    [reminder] = stack.alerts()
    assert reminder["event"] == "monitor.reminder" and reminder["incident"]["reminder"] == 1
    assert reminder["_subject"] == "STILL DOWN (reminder 1): Nightly Backup"
    assert reminder["_attributes"]["event"] == "monitor.reminder"
    assert reminder["alertId"].endswith(":monitor.reminder:1")
    assert stack.monitor(m["id"])["nextReminderAt"] is not None

    stack.clock.now = down_at + 7_200_000
    stack.sweep()
    assert [a["incident"]["reminder"] for a in stack.alerts()] == [2]
    stack.sweep()
    assert events(stack) == []  # the same reminder is not sent twice

    stack.ping(m["token"])
    stack.clock.now = down_at + 4 * 3_600_000
    stack.sweep()
    assert events(stack) == ["monitor.up"]


def test_a_sweep_that_comes_late_sends_one_reminder_not_one_per_missed_interval(stack: Stack) -> None:
    m = monitor(stack, realertInterval=3600)
    stack.ping(m["token"], "/fail")
    stack.alerts()
    stack.clock.advance(5 * 3600 + 10)
    stack.sweep()
    stack.sweep()
    assert events(stack) == ["monitor.reminder"]


def test_a_missed_run_starts_reminders_from_its_deadline(stack: Stack) -> None:
    m = monitor(stack, interval=60, grace=30, realertInterval=600)
    stack.ping(m["token"])
    deadline = stack.clock.now + 90_000
    stack.clock.now = deadline
    stack.sweep()
    assert stack.store.monitors.get(m["id"]).deadline_ms == deadline + 600_000


def test_turning_reminders_off_while_down_stops_them(stack: Stack) -> None:
    m = monitor(stack, realertInterval=3600)
    stack.ping(m["token"], "/fail")
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"realertInterval": None}})
    assert stack.store.monitors.get(m["id"]).deadline_ms is None
    stack.clock.advance(7200)
    stack.sweep()
    assert events(stack) == ["monitor.down"]


def test_turning_reminders_on_while_down_schedules_the_first_from_now(stack: Stack) -> None:
    m = monitor(stack)
    stack.ping(m["token"], "/fail")
    stack.clock.advance(100)
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"realertInterval": 600}})
    assert stack.store.monitors.get(m["id"]).deadline_ms == stack.clock.now + 600_000


def test_policy_settings_are_validated(stack: Stack) -> None:
    for config in (
        {"failureThreshold": 0},
        {"recoveryThreshold": 101},
        {"realertInterval": 59},
        {"failureThreshold": "3"},
        {"manualResume": "yes"},
        {"successKeywords": [""]},
        {"failureKeywords": ["x"] * 11},
    ):
        reply = stack.request("POST", "/api/v1/monitors", {"name": "x", "config": config})
        assert reply.status == 422, config
    m = monitor(stack)
    reply = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"gracePeriod": None}})
    assert reply.status == 422 and "gracePeriod cannot be null" in reply.json()["error"]["message"]
