"""Signed alert links and snooze times (issue 28, item 4): a link does its one action to its one
incident until it expires, and nothing else; 'until tomorrow 09:00' is 09:00 on the wall clock of the
monitor's zone, on days with a DST change too; snoozes are bounded; what a snooze does with each alert."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from heartbeat.domain import alertlinks
from heartbeat.domain.alertlinks import SignedAction, alert_links, checked_snooze, sign, snooze_end, verify
from heartbeat.domain.errors import Forbidden, InvalidInput
from heartbeat.domain.model import Alert, AlertEvent
from heartbeat.domain.silence import DROPPED, HELD, SENT, SnoozeState, Verdict, judge

KEY = alertlinks.link_key(b"the deployment's secret")
MONITOR = "3f2a9c1e8b7d4f60a1c2e3d4b5a69788"
NOW = 1_795_572_000_000  # 2026-11-25 02:00 UTC
ACK = SignedAction(MONITOR, 1_795_565_580_000, "ack", NOW // 1000 + 7 * 86400)


def ms(text: str, zone: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def test_a_signed_link_gives_back_its_action() -> None:
    assert verify(KEY, sign(KEY, ACK), NOW) == ACK


@pytest.mark.parametrize(
    "forged",
    [
        SignedAction(MONITOR, ACK.incident_ms, "snooze-4h", ACK.expires_s),  # another action
        SignedAction(MONITOR, ACK.incident_ms + 1, "ack", ACK.expires_s),  # another incident
        SignedAction("0" * 32, ACK.incident_ms, "ack", ACK.expires_s),  # another monitor
        SignedAction(MONITOR, ACK.incident_ms, "ack", ACK.expires_s + 86400),  # a later expiry
    ],
)
def test_a_signature_moved_onto_another_action_incident_monitor_or_expiry_is_refused(forged: SignedAction) -> None:
    signature = sign(KEY, ACK).rsplit(".", 1)[1]
    with pytest.raises(Forbidden, match="not a valid"):
        verify(KEY, f"{forged.payload}.{signature}", NOW)


@pytest.mark.parametrize(
    "token",
    ["", "x", sign(KEY, ACK) + "x", sign(KEY, ACK)[:-1], sign(KEY, ACK).replace(".ack.", ".delete.")],
)
def test_a_malformed_or_tampered_token_is_refused(token: str) -> None:
    with pytest.raises(Forbidden):
        verify(KEY, token, NOW)


def test_another_deployments_key_is_refused() -> None:
    with pytest.raises(Forbidden):
        verify(alertlinks.link_key(b"another secret"), sign(KEY, ACK), NOW)


def test_a_link_expires_at_its_expiry_and_not_a_millisecond_before() -> None:
    token = sign(KEY, ACK)
    assert verify(KEY, token, ACK.expires_s * 1000 - 1) == ACK
    with pytest.raises(Forbidden, match="expired"):
        verify(KEY, token, ACK.expires_s * 1000)


def test_an_alerts_links_expire_seven_days_after_it_was_made_and_only_down_alerts_act() -> None:
    links = alert_links("https://hb.example.com", MONITOR, ACK.incident_ms, NOW, KEY)
    assert links.monitor == f"https://hb.example.com/#monitor/{MONITOR}"
    assert links.api == f"https://hb.example.com/api/v1/monitors/{MONITOR}/incidents"
    token = links.acknowledge.rsplit("/", 1)[1]
    assert verify(KEY, token, NOW).expires_s == NOW // 1000 + 7 * 86400
    assert verify(KEY, links.snooze_tomorrow.rsplit("/", 1)[1], NOW).action == "snooze-tomorrow"
    plain = alert_links("https://hb.example.com", MONITOR, ACK.incident_ms, NOW, KEY, actions=False)
    assert (plain.acknowledge, plain.snooze_1h) == ("", "")
    assert alert_links("https://hb.example.com", MONITOR, 1, NOW, None).acknowledge == ""  # no key: no actions


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        ("2026-11-25T02:00", "Europe/Riga", "2026-11-26T09:00"),
        ("2026-11-25T23:59", "Europe/Riga", "2026-11-26T09:00"),
        ("2026-03-28T20:00", "Europe/Riga", "2026-03-29T09:00"),  # the night clocks go forward: 12 h, not 13
        ("2026-10-24T20:00", "Europe/Riga", "2026-10-25T09:00"),  # the night clocks go back: 14 h, not 13
        ("2026-03-07T12:00", "America/New_York", "2026-03-08T09:00"),
        ("2026-04-04T10:00", "Australia/Sydney", "2026-04-05T09:00"),
    ],
)
def test_tomorrow_at_nine_is_on_the_monitors_wall_clock_across_dst(now: str, zone: str, expected: str) -> None:
    assert snooze_end("snooze-tomorrow", ms(now, zone), zone) == ms(expected, zone)


def test_a_dst_night_makes_the_snooze_shorter_or_longer_by_an_hour() -> None:
    spring = snooze_end("snooze-tomorrow", ms("2026-03-28T21:00", "Europe/Riga"), "Europe/Riga")
    autumn = snooze_end("snooze-tomorrow", ms("2026-10-24T21:00", "Europe/Riga"), "Europe/Riga")
    assert spring - ms("2026-03-28T21:00", "Europe/Riga") == 11 * 3600_000
    assert autumn - ms("2026-10-24T21:00", "Europe/Riga") == 13 * 3600_000


def test_an_unknown_zone_snoozes_until_nine_utc() -> None:
    now = int(datetime(2026, 11, 25, 2, tzinfo=UTC).timestamp() * 1000)
    assert snooze_end("snooze-tomorrow", now, "Mars/Olympus") == int(
        datetime(2026, 11, 26, 9, tzinfo=UTC).timestamp() * 1000
    )
    assert snooze_end("snooze-1h", now, "UTC") == now + 3600_000


def test_a_snooze_lasts_a_minute_to_thirty_days() -> None:
    assert checked_snooze(NOW + 60_000, NOW, "seconds") == NOW + 60_000
    assert checked_snooze(NOW + 30 * 86400_000, NOW, "until") == NOW + 30 * 86400_000
    for until in (NOW + 59_999, NOW - 1, NOW + 30 * 86400_000 + 1):
        with pytest.raises(InvalidInput):
            checked_snooze(until, NOW, "until")


# ---- what a snooze does with each alert -----------------------------------------------------------------


def alert(event: AlertEvent, incident_ms: int, state: str = "pending") -> Alert:
    return Alert(MONITOR, incident_ms, event, "", "{}", state=state)


SNOOZED = SnoozeState(until_ms=NOW + 3600_000, open_incident_ms=100)


def test_while_snoozed_the_first_down_is_held_and_its_reminders_and_recovery_dropped() -> None:
    assert judge(alert(AlertEvent.DOWN, 100), "down-100", SNOOZED, NOW) is Verdict.HOLD
    holding = SnoozeState(SNOOZED.until_ms, "down-100", 100, 100)
    assert judge(alert(AlertEvent.REMINDER, 100), "rem-100", holding, NOW) is Verdict.DROP
    assert judge(alert(AlertEvent.UP, 100), "up-100", holding, NOW, down_state=HELD) is Verdict.DROP
    assert judge(alert(AlertEvent.DOWN, 200), "down-200", holding, NOW) is Verdict.HOLD  # a new outage replaces it
    assert judge(alert(AlertEvent.DOWN, 100, HELD), "down-100", holding, NOW) is Verdict.HOLD  # snooze made longer


def test_a_recovery_goes_with_its_down_alert_snooze_or_not() -> None:
    holding_reminder = SnoozeState(SNOOZED.until_ms, "rem-100", 100, 100)
    for state in (SNOOZED, holding_reminder, SnoozeState(NOW, "down-100", 100, None), SnoozeState()):
        up = alert(AlertEvent.UP, 100)
        assert judge(up, "up-100", state, NOW, down_state=SENT) is Verdict.PUBLISH  # closes what it opened
        assert judge(up, "up-100", state, NOW, down_state="pending") is Verdict.PUBLISH  # on its way
        assert judge(up, "up-100", state, NOW, down_state=None) is Verdict.PUBLISH
        assert judge(up, "up-100", state, NOW, down_state=HELD) is Verdict.DROP  # no "up" without a "down"
        assert judge(up, "up-100", state, NOW, down_state=DROPPED) is Verdict.DROP


def test_at_its_end_the_held_alert_is_sent_only_if_its_outage_is_still_open() -> None:
    ended = SnoozeState(NOW, "down-100", 100, 100)
    assert judge(alert(AlertEvent.DOWN, 100, HELD), "down-100", ended, NOW) is Verdict.RELEASE
    recovered = SnoozeState(NOW, "down-100", 100, None)
    assert judge(alert(AlertEvent.DOWN, 100, HELD), "down-100", recovered, NOW) is Verdict.RELEASE_DROP
    assert judge(alert(AlertEvent.DOWN, 100, HELD), "down-100", SnoozeState(open_incident_ms=100), NOW) is Verdict.DROP
    assert judge(alert(AlertEvent.DOWN, 300), "down-300", ended, NOW) is Verdict.PUBLISH
