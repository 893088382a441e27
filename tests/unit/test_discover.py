"""`heartbeat discover`'s pure half: EventBridge schedule expressions as a monitor's schedule and
grace, and targets as the event patterns their runs match."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from heartbeat_cli.discover import (
    Scheduled,
    Skip,
    cron_expression,
    grace_for,
    monitors_file,
    rate_seconds,
    schedule_config,
    target_pattern,
    weekdays,
)

NOW_MS = int(datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("eventbridge", "cron"),
    [
        ("cron(0 2 * * ? *)", "0 2 * * *"),
        ("cron(30 6 ? * MON-FRI *)", "30 6 * * MON-FRI"),
        ("cron(30 6 ? * 2-6 *)", "30 6 * * 1-5"),  # 1 = SUN in EventBridge, 0 in cron
        ("cron(0 9 ? * 1,7 *)", "0 9 * * 0,6"),
        ("cron(0 9 ? * 6#3 *)", "0 9 * * 5#3"),  # the third Friday
        ("cron(0 9 ? * 6L *)", "0 9 * * 5L"),  # the last Friday
        ("cron(0/15 * * * ? *)", "0/15 * * * *"),
        ("cron(0 18 L * ? *)", "0 18 L * *"),
        ("cron(0 8 1 jan,jul ? 2027)", "0 8 1 JAN,JUL *"),  # the year is dropped
    ],
)
def test_eventbridge_cron_becomes_five_field_cron(eventbridge: str, cron: str) -> None:
    assert cron_expression(eventbridge) == cron


def test_weekday_numbers_shift_and_steps_and_names_do_not() -> None:
    assert weekdays("1-7/2") == "0-6/2"
    assert weekdays("SUN,3") == "SUN,2"
    assert weekdays("*") == "*" and weekdays("L") == "6"


@pytest.mark.parametrize("expression", ["cron(0 9 15W * ? *)", "cron(0 9 * *)", "cron(x y z a b c)"])
def test_cron_that_cannot_be_said_in_five_fields_is_skipped_with_why(expression: str) -> None:
    with pytest.raises(Skip):
        cron_expression(expression)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rate_units(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(0 minutes)", "rate(5 weeks)", "rate(minutes)"])
def test_a_bad_rate_is_skipped(expression: str) -> None:
    with pytest.raises(Skip):
        rate_seconds(expression)


def test_at_is_a_one_time_schedule_and_skipped() -> None:
    with pytest.raises(Skip, match="one-time"):
        schedule_config("at(2027-01-01T00:00:00)", "UTC", NOW_MS)


def test_grace_is_a_tenth_of_the_period_within_five_minutes_and_an_hour() -> None:
    assert grace_for(300) == 300 and grace_for(3600) == 360 and grace_for(86400) == 3600
    assert grace_for(3600, flexible_window_s=900) == 1260  # Scheduler may start it that much later


def test_cron_config_keeps_its_zone_and_takes_grace_from_the_shortest_gap() -> None:
    assert schedule_config("cron(0 9-17 ? * MON-FRI *)", "Europe/Riga", NOW_MS) == {
        "schedule": "0 9-17 * * MON-FRI",
        "timezone": "Europe/Riga",
        "gracePeriod": 360,
    }
    assert schedule_config("rate(5 minutes)", "UTC", NOW_MS) == {"expectedInterval": 300, "gracePeriod": 300}


def test_batch_matches_any_revision_of_the_job_definition_on_its_queue() -> None:
    queue = "arn:aws:batch:us-east-1:111122223333:job-queue/HighPriority"
    pattern = target_pattern({"Arn": queue, "BatchParameters": {"JobDefinition": "first-run-job-definition"}})
    assert pattern["detail"] == {
        "jobQueue": [queue],
        "jobDefinition": [{"prefix": "arn:aws:batch:us-east-1:111122223333:job-definition/first-run-job-definition:"}],
    }


@pytest.mark.parametrize(
    ("arn", "why"),
    [
        ("arn:aws:sqs:us-east-1:111122223333:jobs", "unsupported target sqs"),
        ("arn:aws:scheduler:::aws-sdk:sfn:startExecution", "universal target"),
        ("arn:aws:ecs:us-east-1:111122223333:cluster/jobs", "no task definition"),
        ("not-an-arn", "not an ARN"),
    ],
)
def test_unsupported_targets_say_why(arn: str, why: str) -> None:
    with pytest.raises(Skip, match=why):
        target_pattern({"Arn": arn})


def test_keys_are_slugs_stable_and_distinct() -> None:
    lam = {"Arn": "arn:aws:lambda:us-east-1:111122223333:function:report"}
    found = [
        Scheduled("rule", "Nightly Report", "rate(1 day)", targets=[lam]),
        Scheduled("schedule", "Nightly Report", "rate(1 day)", targets=[lam]),
        Scheduled("schedule", "nightly_report", "rate(1 day)", group="finance", targets=[lam]),
        Scheduled("schedule", "off", "rate(1 day)", enabled=False, targets=[lam]),
    ]
    doc, skipped, notes = monitors_file(found, NOW_MS)
    assert [(m["key"], m["name"]) for m in doc["monitors"]] == [
        ("nightly-report", "Nightly Report"),
        ("finance-nightly_report", "finance/nightly_report"),
        ("rule-nightly-report", "Nightly Report (rule)"),
    ]
    assert skipped == ["schedule off: disabled"] and len(notes) == 3


def test_a_schedule_in_an_unknown_zone_or_past_a_year_is_skipped_with_why_and_the_rest_kept() -> None:
    # Issue 26: the zone aborted the whole run with a traceback; the rate made apply refuse every monitor
    lam = {"Arn": "arn:aws:lambda:us-east-1:111122223333:function:report"}
    found = [
        Scheduled("schedule", "on-mars", "cron(0 4 * * ? *)", timezone="Mars/Olympus_Mons", targets=[lam]),
        Scheduled("schedule", "host-zone", "cron(0 4 * * ? *)", timezone="localtime", targets=[lam]),
        Scheduled("schedule", "forever", "rate(99999999999 days)", targets=[lam]),
        Scheduled("schedule", "yearly", "rate(365 days)", targets=[lam]),
        Scheduled("schedule", "nightly", "cron(0 4 * * ? *)", timezone="Europe/Riga", targets=[lam]),
    ]
    doc, skipped, _ = monitors_file(found, NOW_MS)
    assert [m["key"] for m in doc["monitors"]] == ["nightly", "yearly"]
    forever, host_zone, on_mars = skipped
    assert host_zone.startswith("schedule host-zone: unknown timezone 'localtime'")  # a file of this host, not IANA's
    assert forever == (
        "schedule forever: rate(99999999999 days): longer than 365 days, the longest interval a monitor takes"
    )
    assert on_mars.startswith("schedule on-mars: unknown timezone 'Mars/Olympus_Mons'")
