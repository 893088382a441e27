"""`heartbeat import healthchecks`, the pure part: where the checks are read from, the key each check
is known by, OnCalendar forms that are exactly a cron line, and how keywords and settings come over."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from heartbeat_cli import CliError
from heartbeat_cli.hcimport import check_key, checks_url, oncalendar_cron, origin, translate

CODE = "0d3c0a64-7f3b-4d2e-a8a1-5b9e7c2f61d4"
UNIQUE_KEY = hashlib.sha1(uuid.UUID(CODE).hex[:16].encode()).hexdigest()  # Healthchecks' Check.unique_key


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://healthchecks.io", "https://healthchecks.io/api/v3/checks/"),
        ("https://healthchecks.io/", "https://healthchecks.io/api/v3/checks/"),
        ("https://hc.example.com/api", "https://hc.example.com/api/v3/checks/"),
        ("https://hc.example.com/api/v1/", "https://hc.example.com/api/v1/checks/"),
        ("https://hc.example.com/api/v2/checks/", "https://hc.example.com/api/v2/checks/"),
        ("http://10.0.0.5:8000/hc/", "http://10.0.0.5:8000/hc/api/v3/checks/"),  # SITE_ROOT with a path
        (" https://hc.example.com/hc/api/v3 ", "https://hc.example.com/hc/api/v3/checks/"),
    ],
)
def test_any_form_of_the_address_reads_the_checks_list(base: str, url: str) -> None:
    assert checks_url(base) == url


@pytest.mark.parametrize("base", ["healthchecks.io", "ftp://hc.example.com", "https://", "file:///etc/passwd"])
def test_an_address_that_is_not_http_is_refused(base: str) -> None:
    with pytest.raises(CliError, match="give Healthchecks' address"):
        checks_url(base)


def test_the_key_is_healthchecks_unique_key_for_a_read_write_or_a_read_only_key() -> None:
    assert check_key({"uuid": CODE}) == f"hc-{UNIQUE_KEY}"
    assert check_key({"ping_url": f"https://hc-ping.com/{CODE}"}) == f"hc-{UNIQUE_KEY}"  # servers before `uuid`
    assert check_key({"unique_key": UNIQUE_KEY}) == f"hc-{UNIQUE_KEY}"
    assert check_key({"name": "x"}) is None
    assert CODE not in (check_key({"uuid": CODE}) or "")  # no ping token in a key a read key can see


@pytest.mark.parametrize(
    ("expression", "cron"),
    [
        ("Mon..Fri 09:00", "0 9 * * 1-5"),
        ("Mon..Fri *-*-* 09:00:00", "0 9 * * 1-5"),
        ("Sat,Sun 18:30", "30 18 * * 0,6"),
        ("Monday,Wednesday 7:05", "5 7 * * 1,3"),
        ("Mon..Sun 00:00", "0 0 * * *"),
        ("*-*-* 02:15:00", "15 2 * * *"),
        ("daily", "0 0 * * *"),
        ("weekly", "0 0 * * 1"),
    ],
)
def test_oncalendar_forms_that_are_exactly_a_cron_line(expression: str, cron: str) -> None:
    assert oncalendar_cron(expression) == cron


@pytest.mark.parametrize(
    "expression",
    [
        "Sat *-*-1..7 18:00:00",  # the first Saturday: cron ORs day of month with day of week
        "Mon..Fri 09:00:30",  # seconds
        "Fri..Mon 09:00",  # a range backwards
        "*-*-* *:0/15",  # repetitions
        "Mon 09:00 Europe/Riga",  # a zone of its own
        "Mon 24:00",
        "Mon 09:00\nTue 10:00",  # several lines
        "",
    ],
)
def test_other_oncalendar_forms_have_no_cron_line(expression: str) -> None:
    assert oncalendar_cron(expression) is None


def check(**fields: Any) -> dict[str, Any]:
    return {"name": "Job", "slug": "job", "tags": "", "desc": "", "grace": 3600, "status": "up", "uuid": CODE,
            "ping_url": f"https://hc-ping.com/{CODE}", "channels": "", "timeout": 86400} | fields  # fmt: skip


def test_keywords_come_over_when_healthchecks_matched_http_bodies() -> None:
    item = translate(check(success_kw="OK, done", failure_kw="ERROR", filter_http_body=True, filter_default_fail=True))
    assert item.entry is not None and item.notes == []
    assert item.entry["config"].items() >= {"successKeywords": ["OK", "done"], "failureKeywords": ["ERROR"]}.items()
    # Without filter_default_fail a body with no keyword was ignored there; here it fails
    item = translate(check(success_kw="OK", filter_http_body=True))
    assert item.notes == ["a ping body with no keyword: ignored on Healthchecks, a failure here"]
    # Keywords for emails only do not judge HTTP pings there, so they do not here
    item = translate(check(success_kw="OK", filter_subject=True))
    assert item.entry is not None and "successKeywords" not in item.entry["config"]
    assert any(text.startswith("success_kw/failure_kw: Healthchecks matched them in emails only") for text in item.lost)


def test_a_cron_check_keeps_its_zone_and_a_schedule_wins_over_a_timeout() -> None:
    item = translate(check(schedule="0 2 * * *", tz="Europe/Riga"))
    assert item.entry is not None
    assert item.entry["config"] == {"schedule": "0 2 * * *", "timezone": "Europe/Riga", "gracePeriod": 3600}
    both = translate(check(schedule="0 2 * * *", timeout=600))  # Healthchecks stores only the schedule then
    assert both.entry is not None and "expectedInterval" not in both.entry["config"]


def test_heartbeats_own_extension_settings_come_over() -> None:
    extension = {"maxRuntime": 900, "minInterval": None, "failureThreshold": 3, "recoveryThreshold": 1}
    item = translate(check(heartbeat=extension, methods="POST", manual_resume=True))
    assert item.entry is not None
    assert item.entry["config"] == {"expectedInterval": 86400, "gracePeriod": 3600, "manualResume": True,
                                    "postOnly": True, "maxRuntime": 900, "failureThreshold": 3,
                                    "recoveryThreshold": 1}  # fmt: skip


def test_a_read_only_check_says_its_ping_url_is_not_shown() -> None:
    read_only = {k: v for k, v in check().items() if k not in ("uuid", "ping_url", "channels")}
    item = translate(read_only | {"unique_key": UNIQUE_KEY})
    assert (item.key, item.old_ping_url) == (f"hc-{UNIQUE_KEY}", "(not shown to a read-only key)")


def test_a_check_with_neither_timeout_nor_schedule_or_no_identity_is_skipped() -> None:
    no_schedule = {k: v for k, v in check().items() if k != "timeout"}
    assert translate(no_schedule).skipped == "neither timeout nor schedule in the check"
    anonymous = {k: v for k, v in check().items() if k not in ("uuid", "ping_url")}
    assert translate(anonymous).skipped == "no uuid, ping_url or unique_key to know it by on the next import"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://hc.example.com/api/v3/checks/", "https://HC.example.com:443/api/v3/checks", True),
        ("http://hc.example.com/a", "http://hc.example.com:80/b", True),
        ("https://hc.example.com/a", "http://hc.example.com/a", False),  # the key in clear on the network
        ("http://hc.example.com/a", "https://hc.example.com/a", False),
        ("https://hc.example.com/a", "https://hc.example.com:8443/a", False),  # another server
        ("https://hc.example.com/a", "https://hc.example.com.evil.example/a", False),
        ("https://hc.example.com/a", "https://hc.example.com:99999/a", False),  # a port that is none
    ],
)
def test_the_key_follows_a_redirect_within_one_origin_only(a: str, b: str, same: bool) -> None:
    assert (origin(a) == origin(b)) is same
