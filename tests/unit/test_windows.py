"""Maintenance windows (issue 29, item 1): when a one-off and a recurring window are open, across
DST changes in Berlin and New York, which monitors they cover, what they refuse, and what becomes of
an alert published in one or when it ends."""

from __future__ import annotations

from datetime import datetime

import pytest

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Alert, AlertEvent
from heartbeat.domain.windows import (
    WAITING,
    Outage,
    Span,
    Verdict,
    Window,
    checked,
    judge,
    next_for,
    open_for,
    released,
)

HOUR_MS = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def span(start: str, end: str) -> Span:
    return Span(ms(start), ms(end))


def window(**given: object) -> Window:
    return Window(id="w", name="db upgrade", created_ms=0, **given)  # type: ignore[arg-type]


def test_a_one_off_window_is_open_from_its_start_to_just_before_its_end() -> None:
    w = window(monitors=["m1"], start_ms=ms("2026-05-01T22:00+02:00"), end_ms=ms("2026-05-02T01:00+02:00"))
    assert w.current(ms("2026-05-01T21:59:59.999+02:00")) is None
    assert w.next(ms("2026-05-01T12:00+02:00")) == span("2026-05-01T22:00+02:00", "2026-05-02T01:00+02:00")
    assert w.current(ms("2026-05-01T22:00+02:00")) == span("2026-05-01T22:00+02:00", "2026-05-02T01:00+02:00")
    assert w.current(ms("2026-05-02T00:59:59.999+02:00")) is not None
    assert w.current(ms("2026-05-02T01:00+02:00")) is None
    assert w.next(ms("2026-05-01T22:30+02:00")) is None  # open now, never again


def test_a_recurring_window_at_a_time_spring_forward_skips_opens_right_after_the_change_for_its_duration() -> None:
    # Europe/Berlin, daily 02:30 for an hour: on 2026-03-29 02:00 jumps to 03:00 (CET to CEST).
    w = window(tags=["db"], cron="30 2 * * *", duration_s=3600, timezone="Europe/Berlin")
    assert w.next(ms("2026-03-28T12:00+01:00")) == span("2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00")
    assert w.current(ms("2026-03-29T01:59+01:00")) is None
    assert w.current(ms("2026-03-29T03:30+02:00")) == span("2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00")
    assert w.current(ms("2026-03-29T04:00+02:00")) is None
    # The nights either side, at 02:30 local: an hour apart in UTC, as the wall clock says.
    assert w.current(ms("2026-03-28T02:45+01:00")) == span("2026-03-28T02:30+01:00", "2026-03-28T03:30+01:00")
    assert w.next(ms("2026-03-29T12:00+02:00")) == span("2026-03-30T02:30+02:00", "2026-03-30T03:30+02:00")


def test_a_recurring_window_in_new_york_opens_once_on_the_night_the_clocks_go_back() -> None:
    # 01:30 happens twice on 2026-11-01 (EDT, then EST): the window opens at the first, once.
    w = window(monitors=["m1"], cron="30 1 * * *", duration_s=3600, timezone="America/New_York")
    first = span("2026-11-01T01:30-04:00", "2026-11-01T02:30-04:00")
    assert w.next(ms("2026-10-31T12:00-04:00")) == first
    assert w.current(ms("2026-11-01T01:45-04:00")) == first
    assert w.current(ms("2026-11-01T01:29-05:00")) == first  # the second 01:29, still inside the hour from 01:30 EDT
    assert w.current(ms("2026-11-01T01:30-05:00")) is None  # the second 01:30 opens nothing
    assert w.next(ms("2026-11-01T01:00-05:00")) == span("2026-11-02T01:30-05:00", "2026-11-02T02:30-05:00")
    # And spring forward there: 02:30 on 2026-03-08 does not exist; the window opens at 03:00 EDT.
    w = window(monitors=["m1"], cron="30 2 * * *", duration_s=1800, timezone="America/New_York")
    assert w.next(ms("2026-03-07T12:00-05:00")) == span("2026-03-08T03:00-04:00", "2026-03-08T03:30-04:00")


def test_a_window_covers_the_monitors_it_names_and_those_with_any_of_its_tags() -> None:
    by_id = window(monitors=["m1"], start_ms=0, end_ms=10)
    by_tag = window(tags=["db", "eu"], start_ms=5, end_ms=20)
    assert by_id.covers("m1", []) and not by_id.covers("m2", ["db"])
    assert by_tag.covers("m2", ["eu"]) and not by_tag.covers("m2", ["us"])
    # Two open at once: the monitor is held until the later end; the next is the earlier start.
    assert open_for([by_id, by_tag], "m1", ["db"], 7) == Span(5, 20)
    assert open_for([by_id, by_tag], "m3", [], 7) is None
    assert next_for([by_id, by_tag], "m1", ["db"], 2) == Span(5, 20)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"monitors": ["m1"]}, "body"),  # neither kind
        ({"monitors": ["m1"], "start_ms": 1, "end_ms": 2, "cron": "0 2 * * *", "duration_s": 60}, "body"),
        ({"start_ms": 1, "end_ms": 2}, "monitors"),
        ({"monitors": ["m1"], "start_ms": 1}, "end"),
        ({"monitors": ["m1"], "start_ms": 5, "end_ms": 5}, "end"),
        ({"monitors": ["m1"], "cron": "0 2 * *", "duration_s": 60}, "cron"),
        ({"monitors": ["m1"], "cron": "0 2 * * *", "duration_s": 60, "timezone": "Mars/Olympus"}, "timezone"),
        ({"monitors": ["m1"], "cron": "0 2 * * *", "duration_s": 59}, "duration"),
        ({"monitors": ["m1"], "cron": "0 2 * * *"}, "duration"),
    ],
)
def test_a_window_that_makes_no_sense_is_refused_naming_the_field(given: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        checked(window(**given))
    assert e.value.field == field


def alert(event: AlertEvent, state: str = "pending", reminder: int = 0) -> Alert:
    return Alert("m1", 1000, event, "", "{}", reminder=reminder, state=state)


def test_in_a_window_a_down_alert_is_held_and_the_rest_only_if_the_outage_was_alerted() -> None:
    open_ = Span(0, HOUR_MS)
    assert judge(alert(AlertEvent.DOWN), open_, down_alerted=False) is Verdict.HOLD
    for event in (AlertEvent.REMINDER, AlertEvent.UP):
        assert judge(alert(event), open_, down_alerted=True) is Verdict.HOLD
        assert judge(alert(event), open_, down_alerted=False) is Verdict.DROP
    assert judge(alert(AlertEvent.DOWN), None, down_alerted=False) is Verdict.PUBLISH
    # After a window, before its held down alert is released: the recovery is one within the window.
    assert judge(alert(AlertEvent.UP), None, down_alerted=False) is Verdict.DROP
    assert judge(alert(AlertEvent.UP), None, down_alerted=True) is Verdict.PUBLISH
    assert judge(alert(AlertEvent.DOWN, WAITING), None, down_alerted=False) is Verdict.NEEDS_MONITOR


def test_after_the_window_a_held_alert_goes_out_only_while_its_outage_is_open() -> None:
    down = alert(AlertEvent.DOWN, WAITING)
    assert released(down, Outage(1000, 0, False))
    assert not released(down, Outage(None, 0, False))  # recovered in the window
    assert not released(down, Outage(2000, 0, False))  # recovered, and down again: that outage alerts itself
    assert released(alert(AlertEvent.UP, WAITING), Outage(None, 0, False))
    # Reminders: the latest only, not every one the window held, and none once acknowledged.
    assert released(alert(AlertEvent.REMINDER, WAITING, 3), Outage(1000, 3, False))
    assert not released(alert(AlertEvent.REMINDER, WAITING, 2), Outage(1000, 3, False))
    assert not released(alert(AlertEvent.REMINDER, WAITING, 3), Outage(1000, 3, True))
