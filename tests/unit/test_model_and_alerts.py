from __future__ import annotations

import json

import pytest

from heartbeat.domain.alerts import down_alert, iso, retry_delay_ms, up_alert
from heartbeat.domain.model import Cause, Monitor, Ping, PingKind, Status
from heartbeat.domain.rules import cause_of
from heartbeat.settings import Settings, SettingsError
from tests.harness import T0, sample_monitor


def monitor(**changes: object) -> Monitor:
    return sample_monitor(id="0" * 32, **changes)


@pytest.mark.parametrize(
    ("offset_s", "status"), [(0, Status.UP), (59.999, Status.UP), (60, Status.GRACE), (89.999, Status.GRACE)]
)
def test_grace_is_derived_from_the_deadline_and_grace_period(offset_s: float, status: Status) -> None:
    assert monitor().status_at(T0 + int(offset_s * 1000)) is status


@pytest.mark.parametrize("stored", [Status.NEW, Status.DOWN, Status.PAUSED, Status.STARTED])
def test_only_an_up_monitor_can_be_in_grace(stored: Status) -> None:
    assert monitor(status=stored).status_at(T0 + 10**9) is stored


def test_down_alert_message_and_subject() -> None:
    alert = down_alert(monitor(), T0 + 90_000, Cause.MISSED, T0 + 200_000)
    doc = json.loads(alert.message)
    assert alert.subject == "DOWN: Nightly Backup"
    assert doc["event"] == "monitor.down" and doc["alertId"] == alert.id == f"{'0' * 32}:{T0 + 90_000}:monitor.down"
    assert doc["incident"]["openedAt"] == "2026-11-25T02:01:30.000Z" == doc["incident"]["missedDeadline"]
    assert doc["lastPingAt"] == "2026-11-25T02:00:00.000Z"
    assert alert.lease_until_ms is not None and alert.lease_until_ms > T0 + 200_000


def test_up_alert_carries_the_downtime() -> None:
    doc = json.loads(up_alert(monitor(), T0, T0 + 125_500, T0 + 125_500).message)
    assert doc["event"] == "monitor.up" and doc["incident"]["downtimeSeconds"] == 125.5


def test_subject_is_ascii_and_short_whatever_the_name() -> None:
    alert = down_alert(monitor(name="Sauvegarde nocturne é\n" + "x" * 200), T0, Cause.FAILED, T0)
    assert alert.subject.isascii() and len(alert.subject) < 100 and "\n" not in alert.subject


def test_retry_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay_ms(n) for n in range(10)]
    assert delays == sorted(delays) and delays[0] == 30_000 and delays[-1] == 15 * 60_000


@pytest.mark.parametrize(
    ("ping", "cause"),
    [
        (Ping(PingKind.SUCCESS, "GET", "ip", "ua"), None),
        (Ping(PingKind.SUCCESS, "GET", "ip", "ua", exit_status=0), None),
        (Ping(PingKind.FAIL, "GET", "ip", "ua", exit_status=3), Cause.EXIT_STATUS),
        (Ping(PingKind.FAIL, "GET", "ip", "ua"), Cause.FAILED),
        (Ping(PingKind.START, "GET", "ip", "ua"), None),
        (Ping(PingKind.LOG, "GET", "ip", "ua"), None),
    ],
)
def test_cause_of_a_ping(ping: Ping, cause: Cause | None) -> None:
    assert cause_of(ping, None) == cause


def test_settings_require_resource_names_and_check_numbers() -> None:
    with pytest.raises(SettingsError, match="TABLE_NAME"):
        Settings.from_env({"ALERTS_TOPIC_ARN": "arn"})
    with pytest.raises(SettingsError, match="DEADLINE_SHARDS"):
        Settings.from_env({"TABLE_NAME": "t", "ALERTS_TOPIC_ARN": "a", "DEADLINE_SHARDS": "0"})
    with pytest.raises(SettingsError, match="integer"):
        Settings.from_env({"TABLE_NAME": "t", "ALERTS_TOPIC_ARN": "a", "MAX_PING_BODY_BYTES": "lots"})
    s = Settings.from_env({"TABLE_NAME": "t", "ALERTS_TOPIC_ARN": "a"})
    assert (s.deadline_shards, s.ping_retention_days, s.max_ping_body_bytes) == (24, 30, 100_000)


def test_iso() -> None:
    assert iso(None) is None and iso(0) == "1970-01-01T00:00:00.000Z"
