"""The pure parts of the ping protocol: keyword verdicts, reminder times, and the writes a ping plans and decides."""

from __future__ import annotations

import pytest

from heartbeat.domain.decisions import Action, Resolve, decide_ping, plan, succeeded
from heartbeat.domain.model import Cause, Ping, PingKind, Status
from heartbeat.domain.rules import cause_of, early_cause, is_early, keyword_failure
from heartbeat.domain.schedules import reminder_after
from heartbeat.domain.writes import (
    DEADLINE,
    Heeds,
    IncidentOpen,
    Later,
    NoIncident,
    NoRules,
    NotEarly,
    RulesAt,
    Span,
)
from tests.harness import T0, sample_monitor


@pytest.mark.parametrize(
    ("success", "failure", "body", "fails"),
    [
        ([], [], b"anything", False),
        ([], ["error"], b"3 ERRORS", True),
        ([], ["error"], b"all fine", False),
        (["done"], [], b"DONE in 3 s", False),
        (["done"], [], b"", True),
        (["done"], ["error"], b"done with error", True),  # a failure keyword wins
        (["d\u00f6ne"], [], "D\u00d6NE".encode(), False),  # case folding beyond ASCII
        (["done"], [], b"\xff\xfe done", False),  # undecodable bytes around a match
        (["\u20ac"], [], "\u20ac".encode()[:-1], True),  # a character cut at the limit matches nothing
    ],
)
def test_keyword_verdicts(success: list[str], failure: list[str], body: bytes, fails: bool) -> None:
    m = sample_monitor(success_keywords=success, failure_keywords=failure)
    assert keyword_failure(m, body) is fails


def test_keywords_judge_only_success_pings() -> None:
    m = sample_monitor(failure_keywords=["x"])
    assert cause_of(Ping(PingKind.SUCCESS, "POST", "ip", "ua", body=b"x"), m) is Cause.KEYWORD
    assert cause_of(Ping(PingKind.SUCCESS, "POST", "ip", "ua", body=b"x"), None) is None  # rules unknown yet
    assert cause_of(Ping(PingKind.START, "POST", "ip", "ua", body=b"x"), m) is None
    assert cause_of(Ping(PingKind.LOG, "POST", "ip", "ua", body=b"x"), m) is None


def test_reminders_follow_the_interval_and_skip_what_a_late_sweep_missed() -> None:
    assert reminder_after(sample_monitor(realert_s=None), T0, T0) is None
    m = sample_monitor(realert_s=600)
    assert reminder_after(m, T0, T0) == T0 + 600_000
    assert reminder_after(m, T0, T0 + 599_999) == T0 + 600_000
    assert reminder_after(m, T0, T0 + 600_000) == T0 + 1_200_000
    assert reminder_after(m, T0, T0 + 3_000_001) == T0 + 3_600_000


def test_the_plan_for_each_ping() -> None:
    success = Ping(PingKind.SUCCESS, "GET", "ip", "ua")
    arm = plan(success, None, None, None, T0)
    assert arm.action is Action.ARM and arm.write.sets[DEADLINE] == Later(T0, Span.WINDOW)
    assert {Heeds("GET"), NoIncident(), NoRules(), NotEarly(T0)} <= set(arm.write.guards)
    cron = sample_monitor(interval_s=None, schedule="0 2 * * *", rev=4)
    armed = plan(success, None, cron, None, T0)
    assert RulesAt(4) in armed.write.guards and isinstance(armed.write.sets[DEADLINE], int)
    fail = plan(Ping(PingKind.FAIL, "GET", "ip", "ua"), Cause.FAILED, None, None, T0)
    assert fail.action is Action.RECORD and IncidentOpen() in fail.write.guards and fail.rules is None
    assert "good_streak" in fail.write.removes  # a failure while down starts the recovery count again
    start = Ping(PingKind.START, "GET", "ip", "ua")
    assert plan(start, None, None, None, T0).action is Action.START
    down = sample_monitor(status=Status.DOWN, open_incident_ms=T0)
    start_while_down = plan(start, None, None, down, T0)
    assert start_while_down.action is Action.RECORD and IncidentOpen() in start_while_down.write.guards
    held = sample_monitor(status=Status.PAUSED, manual_resume=True)
    assert plan(success, None, None, held, T0).action is Action.IGNORE
    assert plan(Ping(PingKind.LOG, "GET", "ip", "ua"), None, None, None, T0).action is Action.RECORD


def test_a_success_does_the_same_whether_it_keeps_a_monitor_up_or_ends_its_outage() -> None:
    ping = Ping(PingKind.SUCCESS, "POST", "ip", "ua", rid="r1")
    armed = plan(ping, None, None, None, T0).write
    down = sample_monitor(status=Status.DOWN, open_incident_ms=T0 - 5, runs={"r1": T0 - 9}, deadline_ms=None)
    resolve = decide_ping(down, ping, T0)
    assert isinstance(resolve, Resolve)
    success = succeeded(ping, T0, Later(T0, Span.WINDOW))
    for write in (armed, resolve.write):
        assert {k: v for k, v in write.sets.items() if k in success.sets and k != DEADLINE} == {
            k: v for k, v in success.sets.items() if k != DEADLINE
        }
        assert success.removes <= write.removes
    assert resolve.write.sets[DEADLINE] == T0 + 90_000  # computed from the monitor read, under its revision
    assert RulesAt(down.rev) in resolve.write.guards


@pytest.mark.parametrize(
    ("min_interval", "received", "early"),
    [
        (None, T0 - 5, False),  # no minimum interval: nothing is early, in any order
        (None, T0 + 1, False),
        (600, T0 + 599_999, True),  # after the last success, by less than the minimum
        (600, T0 + 600_000, False),
        (600, T0 - 1, True),  # received just before the last success, written after it: the pair is early
        (600, T0 - 599_999, True),
        (600, T0 - 600_000, False),  # received long enough before it: neither is early
    ],
)
def test_early_goes_by_the_order_pings_were_received(min_interval: int | None, received: int, early: bool) -> None:
    monitor = sample_monitor(min_interval_s=min_interval, early_until_ms=T0 + (min_interval or 0) * 1000)
    assert is_early(monitor, received) is early
    assert (early_cause(Ping(PingKind.SUCCESS, "GET", "", ""), monitor, received) is Cause.EARLY) is early
    assert early_cause(Ping(PingKind.START, "GET", "", ""), monitor, received) is None


def test_a_success_overtaken_by_a_later_one_is_recorded_without_arming_again() -> None:
    monitor = sample_monitor(min_interval_s=600, early_until_ms=T0 + 600_000)
    ping = Ping(PingKind.SUCCESS, "GET", "", "")
    assert plan(ping, None, None, monitor, T0 - 600_000).action is Action.RECORD
    assert plan(ping, None, None, None, T0 - 600_000).action is Action.ARM  # not known yet: the write decides


def test_the_due_time_reads_as_a_deadline_or_a_reminder_by_the_state() -> None:
    up = sample_monitor(deadline_ms=T0)
    assert (up.next_deadline_ms, up.next_reminder_ms) == (T0, None)
    down = sample_monitor(status=Status.DOWN, open_incident_ms=T0 - 1, deadline_ms=T0)
    assert (down.next_deadline_ms, down.next_reminder_ms) == (None, T0)
