"""Cron schedules in the monitor's own timezone, pinned at DST edges in three zones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.schedules import check_cron, deadline_after_success, next_after, upcoming, zone
from tests.harness import sample_monitor


def ms(text: str, tz: str) -> int:
    """Local wall time in `tz` -> epoch ms (fold=0: the first of a repeated time)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def local(epoch_ms: int, tz: str) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, ZoneInfo(tz)).isoformat()


@pytest.mark.parametrize(
    ("tz", "schedule", "day_before", "expected"),
    [
        # Spring forward: the run's time does not exist that day; it is expected right after the
        # change, and the next day at its usual time again (watched, not dropped, no false alert).
        (
            "America/New_York",
            "30 2 * * *",
            "2026-03-07T03:00",
            ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"],
        ),
        ("Europe/Riga", "30 3 * * *", "2026-03-28T04:00", ["2026-03-29T04:00:00+03:00", "2026-03-30T03:30:00+03:00"]),
        # Southern hemisphere: Sydney springs forward on the first Sunday of October.
        (
            "Australia/Sydney",
            "30 2 * * *",
            "2026-10-03T03:00",
            ["2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00"],
        ),
    ],
)
def test_a_run_at_a_time_skipped_by_spring_forward(
    tz: str, schedule: str, day_before: str, expected: list[str]
) -> None:
    first = next_after(schedule, tz, ms(day_before, tz))
    second = next_after(schedule, tz, first)
    assert [local(first, tz), local(second, tz)] == expected


@pytest.mark.parametrize(
    ("tz", "schedule", "ran_at", "next_local"),
    [
        # Fall back: 01:30 happens twice; a job that ran at the first is next expected tomorrow, not an hour later.
        ("America/New_York", "30 1 * * *", "2026-11-01T01:30", "2026-11-02T01:30:00-05:00"),
        ("Europe/Riga", "30 3 * * *", "2026-10-25T03:30", "2026-10-26T03:30:00+02:00"),
        ("Australia/Sydney", "30 2 * * *", "2026-04-05T02:30", "2026-04-06T02:30:00+10:00"),
    ],
)
def test_a_run_at_a_time_repeated_by_fall_back_is_expected_once(
    tz: str, schedule: str, ran_at: str, next_local: str
) -> None:
    assert local(next_after(schedule, tz, ms(ran_at, tz)), tz) == next_local


def test_from_inside_the_repeated_hour_the_next_run_is_tomorrows_not_the_hours_first_pass() -> None:
    # 06:00 UTC is the second 01:00 in New York; the day's 01:30 ran at 05:30 UTC, in the first pass.
    # cronsim alone answers that past 01:30: a deadline (or a window) an hour in the past.
    second_pass = ms("2026-11-01T06:00", "UTC")
    assert local(next_after("30 1 * * *", "America/New_York", second_pass), "America/New_York") == (
        "2026-11-02T01:30:00-05:00"
    )


def test_next_is_strictly_after_and_evaluated_in_the_zone() -> None:
    at = ms("2026-11-25T02:00", "Europe/Riga")
    assert local(next_after("0 2 * * *", "Europe/Riga", at), "Europe/Riga") == "2026-11-26T02:00:00+02:00"
    assert local(next_after("0 2 * * *", "Europe/Riga", at - 1), "Europe/Riga") == "2026-11-25T02:00:00+02:00"
    # The same expression in UTC is another instant.
    assert next_after("0 2 * * *", "UTC", at - 1) != next_after("0 2 * * *", "Europe/Riga", at - 1)


def test_aliases_and_upcoming() -> None:
    at = ms("2026-11-25T10:00", "UTC")
    assert upcoming("@daily", "UTC", at) == [
        "2026-11-26T00:00:00+00:00",
        "2026-11-27T00:00:00+00:00",
        "2026-11-28T00:00:00+00:00",
    ]
    assert upcoming("@hourly", "Asia/Kolkata", at, count=1) == ["2026-11-25T16:00:00+05:30"]


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("61 * * * *", "not a valid cron"),
        ("* * * *", "5 fields"),
        ("@fortnightly", "5 fields"),
        ("a b c d e", "not a valid"),
    ],
)
def test_bad_cron_says_what_is_wrong(expression: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says) as e:
        check_cron(expression)
    assert e.value.field == "config.schedule"


@pytest.mark.parametrize("name", ["Europe/Atlantis", "", "../etc/passwd", "UTC+3"])
def test_unknown_timezone_is_invalid(name: str) -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        zone(name)


def test_deadline_after_success_for_both_kinds() -> None:
    at = ms("2026-11-25T02:05", "Europe/Riga")
    cron = sample_monitor(grace_s=600, interval_s=None, schedule="0 2 * * *", timezone="Europe/Riga")
    assert deadline_after_success(cron, at) == ms("2026-11-26T02:10", "Europe/Riga")
    interval = sample_monitor(grace_s=600, interval_s=3600)
    assert deadline_after_success(interval, at) == at + 4_200_000
