"""Retry timing, Retry-After, the time budget, and what targets accept: with a fake clock, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from heartbeat.adapters.http import Failure, RetryPolicy, retry_after, send_with_retry
from heartbeat.adapters.sqs import read_dead_letter
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.targetkinds import check, masked, render
from heartbeat.domain.targets import AlertMessage, Filter, Target

ALERT = AlertMessage.parse(
    json.dumps(
        {
            "version": "1",
            "alertId": "m1:100:monitor.reminder:2",
            "event": "monitor.reminder",
            "monitor": {"id": "m1", "name": "Backup", "tags": ["db"]},
            "incident": {"id": "100", "openedAt": "2026-11-25T02:00:00.000Z", "reminder": 2, "downtimeSeconds": 7260},
            "lastPingAt": None,
        }
    ),
    "STILL DOWN (reminder 2): Backup",
)
SLACK = Target("t1", "slack", "https://hooks.slack.com/services/T/B/X")
TO_SLACK = render(SLACK, ALERT)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def failing(*failures: Failure) -> tuple[list[float], object]:
    timeouts: list[float] = []
    queue = list(failures)

    def send(request: object, timeout_s: float) -> None:
        timeouts.append(timeout_s)
        if queue:
            raise queue.pop(0)

    return timeouts, send


def test_backoff_doubles_with_jitter_then_delivers() -> None:
    t = FakeTime()
    _, send = failing(Failure("HTTP 503", True), Failure("timeout", True))
    outcome = send_with_retry(TO_SLACK, policy=RetryPolicy(4, 1.0, 60, 10), send=send, sleep=t.sleep, clock=t.clock)
    assert outcome.delivered and outcome.attempts == 3
    assert 0.8 <= t.slept[0] <= 1.2 and 1.6 <= t.slept[1] <= 2.4


def test_retry_after_is_honoured_over_backoff() -> None:
    t = FakeTime()
    _, send = failing(Failure("HTTP 429", True, retry_after_s=7))
    assert send_with_retry(TO_SLACK, send=send, sleep=t.sleep, clock=t.clock).delivered
    assert t.slept == [7]


def test_a_retry_after_past_the_budget_gives_up_now() -> None:
    t = FakeTime()
    _, send = failing(Failure("HTTP 429", True, retry_after_s=3600))
    outcome = send_with_retry(TO_SLACK, send=send, sleep=t.sleep, clock=t.clock)
    assert not outcome.delivered and t.slept == [] and "past the budget" in outcome.error


def test_a_permanent_failure_is_not_retried() -> None:
    t = FakeTime()
    _, send = failing(Failure("HTTP 403", False))
    outcome = send_with_retry(TO_SLACK, send=send, sleep=t.sleep, clock=t.clock)
    assert (outcome.delivered, outcome.attempts, outcome.error) == (False, 1, "HTTP 403")


def test_attempts_are_capped() -> None:
    t = FakeTime()
    _, send = failing(*[Failure("HTTP 500", True)] * 10)
    outcome = send_with_retry(TO_SLACK, policy=RetryPolicy(attempts=4), send=send, sleep=t.sleep, clock=t.clock)
    assert (outcome.delivered, outcome.attempts) == (False, 4) and len(t.slept) == 3


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_reads_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after(header) == seconds


def test_retry_after_reads_an_http_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    value = retry_after(later)
    assert value is not None and 25 <= value <= 31


def test_an_alert_written_before_facts_is_said_from_its_document() -> None:
    """A reminder (or a dead letter) from before alerts had facts: what its document tells, in words, in UTC."""
    blocks = json.loads(render(SLACK, ALERT).body)
    assert blocks["text"] == "Backup is STILL DOWN, for 2 h 1 min."
    assert blocks["blocks"][1]["text"]["text"] == (
        "*Down since:* Wed 25 Nov 2026 02:00 UTC (2 h 1 min ago)\n*Reminder:* 2\n*Last ping:* never\n*Tags:* db"
    )


def test_a_plain_text_template_is_filled_as_is() -> None:
    hook = Target(
        "t2", "webhook", "https://example.com/h", template='$NAME: $STATUS "$TAGS"', content_type="text/plain"
    )
    request = render(hook, ALERT)
    assert request.body == b'Backup: still down "db"'
    assert request.headers["content-type"] == "text/plain"


def test_a_json_template_escapes_what_it_fills_in() -> None:
    quoted = AlertMessage.parse(
        json.dumps({**ALERT.doc, "monitor": {"id": "m", "name": 'say "hi"\n', "tags": []}}), "x"
    )
    hook = Target("t3", "webhook", "https://example.com/h", template='{"n": "$NAME"}')
    request = render(hook, quoted)
    assert json.loads(request.body) == {"n": 'say "hi"\n'}


@pytest.mark.parametrize(
    ("content_type", "template", "body"),
    [
        ("application/x-www-form-urlencoded", "n=$NAME&t=1", b"n=a%26t%3D2+%25%2B%0A&t=1"),
        ("application/xml; charset=utf-8", '<a n="$NAME"/>', b'<a n="a&amp;t=2 %+\n"/>'),
        ("text/plain", "$NAME", b"a&t=2 %+\n"),
    ],
)
def test_a_template_escapes_each_value_for_its_content_type(content_type: str, template: str, body: bytes) -> None:
    hostile = AlertMessage.parse(json.dumps({**ALERT.doc, "monitor": {"id": "m", "name": "a&t=2 %+\n"}}), "x")
    hook = Target("t4", "webhook", "https://example.com/h", template=template, content_type=content_type)
    assert render(hook, hostile).body == body


@pytest.mark.parametrize(
    ("target", "field"),
    [
        (Target("", "slack", "https://hooks.slack.com/x"), None),
        (Target("", "slack", "http://127.0.0.1:9/x"), "endpoint"),  # not allowed by default
        (Target("", "slack", "javascript:alert(1)"), "endpoint"),
        (Target("", "pagerduty", "a" * 32), None),
        (Target("", "pagerduty", "a" * 31), "endpoint"),
        (Target("", "telegram", "123456:" + "x" * 35, chat_id="@ops_channel"), None),
        (Target("", "telegram", "123456:" + "x" * 35), "chatId"),
        (Target("", "opsgenie", "k" * 36, url="https://api.eu.opsgenie.com"), None),
        (Target("", "webhook", "https://x.example.com", template="$NAME $WHO"), "template"),
    ],
)
def test_targets_are_checked_before_they_are_kept(target: Target, field: str | None) -> None:
    if field is None:
        check(target)
    else:
        with pytest.raises(InvalidInput) as e:
            check(target)
        assert e.value.field == field


def test_plain_http_to_this_machine_only_where_allowed() -> None:
    check(Target("", "slack", "http://127.0.0.1:9/x"), allow_http=True)
    with pytest.raises(InvalidInput):
        check(Target("", "slack", "http://10.0.0.1/x"), allow_http=True)


def test_secrets_are_masked() -> None:
    assert masked(SLACK) == "https://hooks.slack.com/…"
    assert masked(Target("", "pagerduty", "R0UTINGKEY" + "a" * 22)) == "R0UT…"


def test_filters_match_as_sns_does() -> None:
    f = Filter(monitors=[], tags=["db", "infra"], events=["monitor.down"])
    assert f.matches("monitor.down", "m", ["infra"])
    assert not f.matches("monitor.up", "m", ["infra"])
    assert not f.matches("monitor.down", "m", ["web"])
    assert Filter().matches("monitor.up", "m", [])


def test_a_lambda_dead_letter_keeps_the_alert_and_its_audience() -> None:
    event = {
        "Records": [{"Sns": {"Message": "{}", "Subject": "s", "MessageAttributes": {"audience": {"Value": "sub-1"}}}}]
    }
    letter = read_dead_letter(
        {
            "MessageId": "1",
            "ReceiptHandle": "r",
            "Body": json.dumps(event),
            "MessageAttributes": {"ErrorMessage": {"StringValue": "Task timed out"}},
        }
    )
    assert (letter.source, letter.audience, letter.error, letter.target_id) == (
        "lambda",
        "sub-1",
        "Task timed out",
        None,
    )
