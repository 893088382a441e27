"""Alerts in words (domain/alertwords.py): the cause said as a person would, durations and times
in words and in the monitor's zone, the failing body's first lines clearly cut, and the limits of
an SMS (160 characters), an SNS subject (100) and an SNS message (256 KB)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from heartbeat.domain import alertwords
from heartbeat.domain.alerts import down_alert, reminder_alert, up_alert, with_cause_of
from heartbeat.domain.alertwords import AlertFacts, BodyExcerpt, email, message_structure, sms
from heartbeat.domain.model import Alert, Cause, Monitor, Ping, PingKind, Status
from heartbeat_local.template import Template
from tests.harness import T0, sample_monitor

BASE = "https://heartbeat.example.com"
API_BASE = "https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com"  # a stack without a custom domain
ID = "0" * 32
MIN, HOUR = 60_000, 3_600_000


def monitor(**changes: Any) -> Monitor:
    return sample_monitor(id=ID, **changes)


def ping(body: bytes = b"", kind: PingKind = PingKind.FAIL, **more: Any) -> Ping:
    return Ping(kind, "POST", "203.0.113.7", "curl/8.5.0", body=body, body_size=len(body), **more)


def facts(alert: Alert) -> AlertFacts:
    assert alert.facts is not None
    return alert.facts


def first_line(alert: Alert) -> str:
    return email(facts(alert), BASE).splitlines()[0]


# ---- the cause in words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [(1, "exit status 1"), (3, "exit status 3"), (137, "exit status 137 (killed by SIGKILL)"),
     (143, "exit status 143 (killed by SIGTERM)"), (127, "exit status 127 (command not found)")],
)  # fmt: skip
def test_an_exit_status_is_said_with_its_code(status: int, words: str) -> None:
    alert = down_alert(monitor(), T0, Cause.EXIT_STATUS, T0, ping(exit_status=status))
    assert first_line(alert) == f"Nightly Backup is DOWN: {words}."
    assert sms(facts(alert), "").startswith(f"DOWN Nightly Backup: {words} at 02:00 UTC")


def test_a_fail_ping_is_a_failure_signal() -> None:
    alert = down_alert(monitor(), T0, Cause.FAILED, T0, ping())
    assert first_line(alert) == "Nightly Backup is DOWN: received a failure signal (/fail)."


def test_a_missed_interval_says_the_period_and_the_grace() -> None:
    m = monitor(interval_s=3600, grace_s=600)
    alert = down_alert(m, T0 + 70 * MIN, Cause.MISSED, T0 + 70 * MIN + 20_000)
    assert first_line(alert) == "Nightly Backup is DOWN: no ping for 1 h + 10 min grace."
    assert sms(facts(alert), "") == "DOWN Nightly Backup: no ping for 1 h 10 min at 03:10 UTC"


def test_a_missed_cron_run_is_named_by_its_time_in_the_monitor_s_zone() -> None:
    # Daily at 02:00 in Riga (EET, UTC+2 in November): the run was due at 00:00 UTC, the grace is 15 min.
    m = monitor(interval_s=None, schedule="0 2 * * *", timezone="Europe/Riga", grace_s=900)
    opened = T0 - 2 * HOUR + 15 * MIN
    alert = down_alert(m, opened, Cause.MISSED, opened + 30_000)
    assert first_line(alert) == "Nightly Backup is DOWN: no ping for the 02:00 EET run + 15 min grace."
    assert "Schedule    daily at 02:00 Europe/Riga, grace 15 min" in email(facts(alert), BASE)


def test_a_run_past_its_max_runtime_says_how_long_it_ran() -> None:
    m = monitor(status=Status.STARTED, last_start_ms=T0, max_runtime_s=7200)
    alert = down_alert(m, T0 + 2 * HOUR, Cause.TIMEOUT, T0 + 2 * HOUR + 13 * MIN)  # a sweep 13 min late
    assert first_line(alert) == "Nightly Backup is DOWN: ran 2 h 13 min without finishing, more than maxRuntime 2 h."
    no_max = down_alert(dataclasses.replace(m, max_runtime_s=None), T0 + 30_000, Cause.TIMEOUT, T0 + 31_000)
    assert first_line(no_max) == "Nightly Backup is DOWN: ran 31 s without finishing, more than its 30 s grace."


def test_an_early_success_says_how_soon_it_came() -> None:
    m = monitor(min_interval_s=600, last_success_ms=T0)
    alert = down_alert(m, T0 + 3 * MIN, Cause.EARLY, T0 + 3 * MIN, ping(kind=PingKind.SUCCESS))
    assert first_line(alert) == (
        "Nightly Backup is DOWN: a success 3 min after the last one, sooner than its minimum interval of 10 min."
    )


def test_a_keyword_failure_names_the_keyword() -> None:
    m = monitor(failure_keywords=["FATAL", "error"], success_keywords=["done"])
    failed = down_alert(m, T0, Cause.KEYWORD, T0, ping(kind=PingKind.SUCCESS, body=b"backup: ERROR disk full"))
    assert first_line(failed) == 'Nightly Backup is DOWN: the body has the failure keyword "error".'
    unfinished = down_alert(m, T0, Cause.KEYWORD, T0, ping(kind=PingKind.SUCCESS, body=b"backup started"))
    assert first_line(unfinished) == 'Nightly Backup is DOWN: the body has none of the success keywords "done".'


def test_a_failure_threshold_says_how_many_in_a_row() -> None:
    alert = down_alert(monitor(failure_threshold=3), T0, Cause.EXIT_STATUS, T0, ping(exit_status=2))
    assert first_line(alert) == "Nightly Backup is DOWN: exit status 2 (3 in a row)."


# ---- since when, how long, the last ping ---------------------------------------------------------


def test_a_down_email_says_since_when_the_schedule_the_last_ping_and_the_run() -> None:
    m = monitor(last_start_ms=T0 - 13 * MIN - 5_000, tags=["backup", "db"], description="Dumps the main\ndb.")
    text = email(facts(down_alert(m, T0, Cause.EXIT_STATUS, T0, ping(exit_status=1))), BASE, "a1")
    assert text.splitlines()[:8] == [
        "Nightly Backup is DOWN: exit status 1.",
        "",
        "Down since  Wed 25 Nov 2026 02:00 UTC (just now)",
        "Schedule    every minute, grace 30 s",
        "Last ping   Wed 25 Nov 2026 02:00 UTC (just now): fail, exit status 1, POST from 203.0.113.7 (curl/8.5.0)",
        "Run took    13 min 5 s, from its /start",
        "Tags        backup db",
        "About       Dumps the main db.",
    ]
    assert text.endswith(
        f"Monitor     {BASE}/#monitor/{ID}\nAPI         {BASE}/api/v1/monitors/{ID}/incidents\n\nHeartbeat alert a1\n"
    )
    assert "7523" not in text and "T02:00" not in text  # no raw seconds, no ISO times


def test_an_aws_run_is_named_as_the_source_of_its_ping() -> None:
    run = Ping(PingKind.FAIL, "EVENT", "123456789012/eu-north-1", "ECS task nightly-backup", exit_status=3)
    text = email(facts(down_alert(monitor(), T0, Cause.EXIT_STATUS, T0, run)), BASE)
    assert "exit status 3, AWS event from 123456789012/eu-north-1 (ECS task nightly-backup)" in text


def test_a_sweep_s_alert_dates_the_last_ping_relative_to_the_alert() -> None:
    text = email(facts(down_alert(monitor(), T0 + 90_000, Cause.MISSED, T0 + 2 * HOUR + 5 * MIN)), BASE)
    assert "Down since  Wed 25 Nov 2026 02:01 UTC (2 h 3 min ago)" in text
    assert "Last ping   Wed 25 Nov 2026 02:00 UTC (2 h 5 min ago)" in text
    assert "never" not in text


def test_a_reminder_keeps_the_cause_and_says_how_long_it_has_been_down() -> None:
    down = down_alert(monitor(), T0, Cause.EXIT_STATUS, T0, ping(b"Traceback: boom", exit_status=1))
    still = dataclasses.replace(monitor(), status=Status.DOWN, open_incident_ms=T0)
    bare = reminder_alert(still, 2, T0 + 2 * HOUR + 5 * MIN + 793)
    reminder = with_cause_of(bare, down)
    assert first_line(bare) == "Nightly Backup is STILL DOWN, for 2 h 5 min."  # no cause of its own
    assert first_line(reminder) == "Nightly Backup is STILL DOWN, for 2 h 5 min: exit status 1."
    text = email(facts(reminder), BASE)
    assert "Reminder    2" in text and "  | Traceback: boom" in text
    assert sms(facts(reminder), "") == "STILL DOWN Nightly Backup for 2 h 5 min: exit status 1"
    # A down alert written before facts: the cause from its document.
    old = dataclasses.replace(down, facts=None)
    assert (
        first_line(with_cause_of(bare, old)) == "Nightly Backup is STILL DOWN, for 2 h 5 min: a non-zero exit status."
    )
    assert with_cause_of(bare, None) == bare


def test_a_recovery_says_how_long_it_was_down_and_its_run() -> None:
    m = monitor(status=Status.DOWN, open_incident_ms=T0, last_start_ms=T0 + 2 * HOUR)
    alert = up_alert(m, T0, T0 + 2 * HOUR + 5 * MIN + 793, T0 + 2 * HOUR + 5 * MIN + 793, ping(kind=PingKind.SUCCESS))
    text = email(facts(alert), BASE)
    assert text.splitlines()[0] == "Nightly Backup is UP again, after 2 h 5 min down."
    assert "Down        from Wed 25 Nov 2026 02:00 UTC to 04:05 UTC" in text
    assert "Run took    5 min 1 s, from its /start" in text and "success, POST from 203.0.113.7" in text
    assert sms(facts(alert), BASE) == f"UP Nightly Backup after 2 h 5 min down at 04:05 UTC {BASE}/#monitor/{ID}"


def test_a_test_alert_says_it_is_one() -> None:
    test = alertwords.facts_of_a_test(T0)
    text = email(test, BASE)
    assert text.startswith("This is a test alert from Heartbeat: alerts reach this address.\n")
    assert f"Dashboard   {BASE}/" in text
    assert sms(test, BASE) == f"TEST Heartbeat: alerts reach this number {BASE}/"


# ---- zones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "at", "said"),
    [
        ("UTC", T0, "Wed 25 Nov 2026 02:00 UTC"),
        ("Europe/Riga", T0, "Wed 25 Nov 2026 04:00 EET"),
        ("Europe/Riga", T0 - 150 * 86_400_000, "Sun 28 Jun 2026 05:00 EEST"),  # summer time
        ("America/New_York", T0, "Tue 24 Nov 2026 21:00 EST"),  # the day before, there
        ("Asia/Dubai", T0, "Wed 25 Nov 2026 06:00 UTC+04"),  # a zone with no letters for itself
        ("Not/A_Zone", T0, "Wed 25 Nov 2026 02:00 UTC"),  # never stored; never a failed alert either
    ],
)
def test_times_are_in_the_monitor_s_zone_and_say_which(zone: str, at: int, said: str) -> None:
    assert alertwords.moment(at, zone) == said


def test_an_interval_monitor_s_times_are_labelled_utc() -> None:
    f = facts(down_alert(monitor(), T0, Cause.FAILED, T0, ping()))
    assert sms(f, "") == "DOWN Nightly Backup: /fail received at 02:00 UTC"


# ---- the body: first lines, clearly cut ----------------------------------------------------------


def test_the_failing_body_shows_its_first_and_last_lines_and_says_what_is_cut() -> None:
    body = (
        b"Traceback (most recent call last):\n" + b"".join(b"  frame %d\n" % i for i in range(39)) + b"OSError: full\n"
    )
    text = email(facts(down_alert(monitor(), T0, Cause.EXIT_STATUS, T0, ping(body, exit_status=1))), BASE)
    lines = text.splitlines()
    start = lines.index(f"The failing ping's body, 41 lines ({len(body)} bytes), its first 8 and last 4:")
    assert lines[start + 1 : start + 14] == [
        "  | Traceback (most recent call last):",
        *(f"  |   frame {i}" for i in range(7)),
        "  [cut here: 29 lines not shown; the monitor's page has them]",
        *(f"  |   frame {i}" for i in range(36, 39)),
        "  | OSError: full",  # a traceback's error: its last line
    ]


def test_a_body_of_twelve_lines_is_shown_whole() -> None:
    body = b"".join(b"line %d\n" % i for i in range(12))
    text = email(facts(down_alert(monitor(), T0, Cause.FAILED, T0, ping(body))), BASE)
    assert f"The failing ping's body, {len(body)} bytes:\n" in text and "line 11\n" in text and "cut here" not in text


def test_a_short_body_is_shown_whole_with_no_cut_mark() -> None:
    text = email(facts(down_alert(monitor(), T0, Cause.FAILED, T0, ping(b"disk full\n"))), BASE)
    assert "The failing ping's body, 10 bytes:\n  | disk full\n\n" in text and "cut here" not in text


def test_long_lines_escapes_and_bad_bytes_are_cut_and_shown_not_acted_on() -> None:
    body = b"x" * 500 + b"\n\x1b[2Jcleared\tscreen\n\xff\xfe not utf-8\n"
    excerpt = BodyExcerpt.of(body, 2_000_000, truncated=True)
    assert excerpt is not None and excerpt.tail == []  # the end of a body cut when stored is not the job's
    assert excerpt.head[0] == "x" * 159 + "…"
    assert excerpt.head[1:] == ["\\x1b[2Jcleared screen", "\ufffd\ufffd not utf-8"]
    failure = alertwords.Failure("failed", body=excerpt)
    text = email(dataclasses.replace(facts(down_alert(monitor(), T0, Cause.FAILED, T0)), failure=failure), BASE)
    assert "The failing ping's body, the start of its 2,000,000 bytes:" in text
    assert "  [cut here: the rest not shown; the monitor's page has the body as stored]" in text


def test_an_empty_or_blank_body_shows_no_body_section() -> None:
    assert BodyExcerpt.of(b"") is None and BodyExcerpt.of(b"\n\n  \n") is None
    assert "body" not in email(facts(down_alert(monitor(), T0, Cause.FAILED, T0, ping(b""))), BASE)


def test_a_name_cannot_forge_lines_of_the_message() -> None:
    m = monitor(name="Backup\nDown since  never\x1b[31m")
    f = facts(down_alert(m, T0, Cause.FAILED, T0, ping()))
    assert (
        email(f, BASE).splitlines()[0]
        == "Backup\\nDown since  never\\x1b[31m is DOWN: received a failure signal (/fail)."
    )
    assert "\n" not in sms(f, BASE)


# ---- limits ----------------------------------------------------------------------------------------


def every_alert(m: Monitor, body: bytes) -> list[AlertFacts]:
    down = down_alert(m, T0, Cause.EXIT_STATUS, T0, ping(body, exit_status=1))
    still = dataclasses.replace(m, status=Status.DOWN, open_incident_ms=T0)
    missed = down_alert(m, T0, Cause.MISSED, T0 + 10**9)
    reminder = with_cause_of(reminder_alert(still, 99, T0 + 400 * 86_400_000), missed)
    up = up_alert(still, T0, T0 + 400 * 86_400_000, T0 + 400 * 86_400_000, ping(kind=PingKind.SUCCESS))
    return [facts(down), facts(missed), facts(reminder), facts(up), alertwords.facts_of_a_test(T0)]


LONGEST = monitor(
    name="N" * 200,
    description="d" * 10_000,
    tags=[f"{i:02d}" + "t" * 62 for i in range(20)],
    interval_s=None,
    schedule="15 2,14 * * *",
    timezone="America/Argentina/ComodRivadavia",
    failure_threshold=100,
)


@pytest.mark.parametrize("base", ["", BASE, API_BASE, "https://" + "h" * 200 + ".example.com"])
def test_an_sms_is_one_line_of_at_most_160_characters_as_delivered(base: str) -> None:
    for m in (monitor(), LONGEST):
        for f in every_alert(m, b"boom"):
            text = sms(f, base)
            assert len(alertwords.SMS_PREFIX + text) <= 160 and "\n" not in text, text
            link = alertwords.main_link(f, base)
            # The link whole, or (too long to leave room for the words) not at all; never cut.
            assert text.endswith(f" {link}") if 0 < len(link) <= 101 else "https://" not in text


def test_sns_s_prefix_is_the_topic_s_display_name() -> None:
    # SNS puts the display name, in capitals, and "> " before an SMS published to a topic.
    topic = Template().resources["AlertsTopic"]["Properties"]
    assert f"{topic['DisplayName'].upper()}> " == alertwords.SMS_PREFIX


def test_an_sms_says_the_cause_in_fewer_words() -> None:
    m = monitor(status=Status.STARTED, last_start_ms=T0, max_runtime_s=7200, min_interval_s=600, last_success_ms=T0)
    said = {
        Cause.TIMEOUT: down_alert(m, T0 + 2 * HOUR, Cause.TIMEOUT, T0 + 2 * HOUR + 13 * MIN),
        Cause.EARLY: down_alert(m, T0 + 3 * MIN, Cause.EARLY, T0 + 3 * MIN, ping(kind=PingKind.SUCCESS)),
        Cause.KEYWORD: down_alert(
            dataclasses.replace(m, failure_keywords=["ERROR"]), T0, Cause.KEYWORD, T0, ping(b"ERROR", PingKind.SUCCESS)
        ),
    }
    assert {cause: alertwords.cause_words(facts(a), short=True) for cause, a in said.items()} == {
        Cause.TIMEOUT: "running 2 h 13 min, over maxRuntime 2 h",
        Cause.EARLY: "a success 3 min after the last one",
        Cause.KEYWORD: 'failure keyword "ERROR"',
    }
    cron = monitor(interval_s=None, schedule="0 2 * * *", timezone="Europe/Riga", grace_s=900)
    missed = down_alert(cron, T0 - 2 * HOUR + 15 * MIN, Cause.MISSED, T0)
    assert sms(facts(missed), "") == "DOWN Nightly Backup: missed the 02:00 EET run at 02:15 EET"


def test_an_sms_gives_way_name_first_then_the_time_then_the_words_and_keeps_the_link() -> None:
    link = f"{API_BASE}/#monitor/{ID}"  # 97 characters: 44 left for the words, after SNS's prefix
    f = facts(down_alert(monitor(interval_s=3600, grace_s=600), T0, Cause.MISSED, T0))
    assert sms(f, BASE) == f"DOWN Nightly Backup: no ping for 1 h 10 min at 02:00 UTC {BASE}/#monitor/{ID}"
    assert sms(f, API_BASE) == f"DOWN Nightly Backup: no ping for 1 h 10 min {link}"
    long_name = dataclasses.replace(f, name="Nightly Backup of the main production database cluster")
    assert sms(long_name, API_BASE) == f"DOWN Nightly Backup of the...: no ping... {link}"
    assert len(alertwords.SMS_PREFIX + sms(long_name, API_BASE)) <= 160


def test_the_subject_is_ascii_one_line_and_under_100_characters() -> None:
    for alert in (
        down_alert(LONGEST, T0, Cause.FAILED, T0),
        reminder_alert(dataclasses.replace(LONGEST, open_incident_ms=T0), 12345, T0 + HOUR),
        up_alert(LONGEST, T0, T0 + HOUR, T0 + HOUR),
    ):
        assert alert.subject.isascii() and len(alert.subject) < 100 and "\n" not in alert.subject


def test_the_published_structure_stays_far_under_256_kb_whatever_the_body() -> None:
    # 5 MB of the worst there is: control characters (6 bytes each once JSON-escaped, twice), 4-byte
    # characters, and lines of every length, on the longest monitor the limits allow.
    body = (b"\x00" * 3000 + "\U0001f600".encode() * 3000 + b"\n") * 400 + b"y" * 3_000_000
    for f in every_alert(LONGEST, body):
        alert = down_alert(LONGEST, T0, Cause.EXIT_STATUS, T0, ping(body, exit_status=1))
        structure = message_structure(alert.message, f, API_BASE, alert.id)
        assert len(structure.encode()) < 32_000 < alertwords.MESSAGE_BYTES


def test_the_default_message_is_the_alert_document_unchanged_and_the_email_is_text() -> None:
    alert = down_alert(monitor(), T0, Cause.EXIT_STATUS, T0, ping(b"boom", exit_status=1))
    structure = json.loads(message_structure(alert.message, facts(alert), BASE, alert.id))
    assert set(structure) == {"default", "email", "sms"}
    assert structure["default"] == alert.message
    assert structure["email"] == email(facts(alert), BASE, alert.id)
    assert structure["sms"] == f"DOWN Nightly Backup: exit status 1 at 02:00 UTC {BASE}/#monitor/{ID}"
    with pytest.raises(ValueError):
        json.loads(structure["email"])


# ---- kept with the alert -----------------------------------------------------------------------------


def test_facts_are_kept_and_read_back_unchanged_and_tolerate_other_versions() -> None:
    for f in every_alert(LONGEST, b"x\n" * 100):
        assert AlertFacts.from_json(f.to_json()) == f
    doc = json.loads(every_alert(monitor(), b"boom")[0].to_json())
    doc["from_a_newer_version"] = 1
    doc["failure"]["also_new"] = True
    del doc["description"]  # ... or an older one
    read = AlertFacts.from_json(json.dumps(doc))
    assert read.failure is not None and read.failure.exit_status == 1 and read.description == ""
