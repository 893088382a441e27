"""The pure parts of the ping protocol: keyword verdicts, reminder times, and the write a ping plans."""

from __future__ import annotations

import pytest

from heartbeat.domain.model import Cause, Ping, PingKind, Status
from heartbeat.domain.rules import Effect, cause_of, early_cause, is_early, keyword_failure, plan
from heartbeat.domain.schedules import reminder_after
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
    assert (arm.effect, arm.incident_open, arm.guard_rules, arm.rev) == ("arm", False, True, None)
    cron = sample_monitor(interval_s=None, schedule="0 2 * * *", rev=4)
    armed = plan(success, None, cron, None, T0)
    assert armed.rev == 4 and armed.deadline_ms is not None
    fail = plan(Ping(PingKind.FAIL, "GET", "ip", "ua"), Cause.FAILED, None, None, T0)
    assert (fail.effect, fail.incident_open, fail.failure, fail.guard_rules) == ("record", True, True, False)
    start = Ping(PingKind.START, "GET", "ip", "ua")
    assert plan(start, None, None, None, T0).effect == "start"
    down = sample_monitor(status=Status.DOWN, open_incident_ms=T0)
    assert (plan(start, None, None, down, T0).effect, plan(start, None, None, down, T0).incident_open) == (
        "record",
        True,
    )
    held = sample_monitor(status=Status.PAUSED, manual_resume=True)
    assert plan(success, None, None, held, T0).effect == "ignore"
    assert plan(Ping(PingKind.LOG, "GET", "ip", "ua"), None, None, None, T0).effect == "record"


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
    assert plan(ping, None, None, monitor, T0 - 600_000).effect is Effect.RECORD
    assert plan(ping, None, None, None, T0 - 600_000).effect is Effect.ARM  # not known yet: the write decides
