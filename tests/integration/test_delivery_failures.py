"""Failures injected at each step of an alert's way to a target: the alert arrives exactly once
(a retry carries the same alert id) or waits in the dead-letter queue, never gone."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from heartbeat.adapters.http import RetryPolicy
from heartbeat_local.targetserver import Answer, TargetServer
from tests.harness import Stack

from .test_notifier import outage, subscribe

FAILED = "/api/v1/alerts/failed"
RETRY = "/api/v1/alerts/retry"


@pytest.fixture
def slack(stack: Stack, target: TargetServer) -> dict[str, Any]:
    return subscribe(stack, {"protocol": "slack", "endpoint": f"{target.url}/slack"})


def alert_ids(target: TargetServer) -> list[str]:
    return [r.headers["x-heartbeat-alert-id"] for r in target.received]


def failed(stack: Stack) -> list[dict[str, Any]]:
    reply = stack.request("GET", FAILED)
    assert reply.status == 200
    return list(reply.json()["items"])


def test_a_500_then_200_delivers_on_the_retry(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(500)]
    monitor = outage(stack)
    down = f"{monitor['id']}:1795572090000:monitor.down"
    assert alert_ids(target) == [down, down, down.replace("down", "up")]  # the retry carries the same id
    assert failed(stack) == []


def test_a_429_is_retried_after_its_retry_after(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(429, retry_after="0")]
    outage(stack)
    assert len(target.received) == 3 and failed(stack) == []


def test_a_target_down_for_good_keeps_the_alert_until_retried(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(503)] * 3  # every attempt of the down alert (3 in the tests' policy)
    monitor = outage(stack)
    down = f"{monitor['id']}:1795572090000:monitor.down"
    [letter] = failed(stack)
    assert letter["alertId"] == down and letter["subscriptionId"] == slack["id"]
    assert letter["source"] == "notifier" and letter["error"] == "HTTP 503" and letter["failedAt"]
    # The target is back: a retry delivers it and empties the queue.
    assert stack.request("POST", RETRY).json() == {"delivered": 1, "failed": 0, "kept": 0, "dropped": 0}
    assert alert_ids(target)[-1] == down and failed(stack) == []


def test_a_retry_that_fails_again_keeps_it(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(503)] * 3
    outage(stack)
    target.script = [Answer(503)]  # still down when retried
    assert stack.request("POST", RETRY).json() == {"delivered": 0, "failed": 1, "kept": 0, "dropped": 0}
    assert len(failed(stack)) == 1  # still there, and visible at once


def test_a_client_error_is_not_retried_but_kept(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(404)]  # a webhook someone deleted: trying again at once will not help
    outage(stack)
    assert len(target.received) == 2  # one try of the down alert, then the up alert
    assert [f["error"] for f in failed(stack)] == ["HTTP 404"]


def test_a_target_that_hangs_times_out_and_is_kept(stack: Stack, target: TargetServer, slack: dict) -> None:
    stack.modules["NotifierFunction"].deps.notifier._policy = RetryPolicy(
        attempts=2, base_s=0.01, budget_s=3, timeout_s=0.3
    )
    target.script = [Answer(delay_s=0.6)] * 2
    outage(stack)
    assert [f["error"] for f in failed(stack)] == ["timeout"]


def test_a_removed_target_s_dead_letters_are_dropped_on_retry(stack: Stack, target: TargetServer, slack: dict) -> None:
    target.script = [Answer(503)] * 3
    outage(stack)
    assert stack.request("DELETE", f"/api/v1/subscriptions/{slack['id']}").status == 204
    assert stack.request("POST", RETRY).json() == {"delivered": 0, "failed": 0, "kept": 0, "dropped": 1}
    assert failed(stack) == []


def test_one_failing_target_does_not_hold_up_another(stack: Stack, target: TargetServer, slack: dict) -> None:
    broken = TargetServer()
    try:
        discord = subscribe(stack, {"protocol": "discord", "endpoint": f"{broken.url}/discord"})
        broken.script = [Answer(503)] * 3
        monitor = outage(stack)
    finally:
        broken.close()
    down = f"{monitor['id']}:1795572090000:monitor.down"
    assert alert_ids(target) == [down, down.replace("down", "up")]  # Slack got both, at once
    [letter] = failed(stack)
    assert letter["subscriptionId"] == discord["id"] and letter["alertId"] == down


def test_a_publish_that_fails_is_sent_by_the_next_sweep_once(
    stack: Stack, target: TargetServer, slack: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    sns = stack.modules["SweeperFunction"].deps.publisher._sns  # SNS itself throttles, under the real publisher
    real = sns.publish

    def throttled(**kwargs: Any) -> str:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    stack.clock.now = 1_795_572_000_000
    monitor = stack.create_monitor("Nightly Backup", interval=60, grace=30)
    stack.ping(monitor["token"])
    stack.clock.advance(100)
    monkeypatch.setattr(sns, "publish", throttled)
    stack.sweep()  # down, but its alert stays pending in the outbox
    assert target.received == []
    monkeypatch.setattr(sns, "publish", real)
    stack.clock.advance(60)  # past the outbox's retry time
    stack.sweep()
    stack.sweep()
    assert alert_ids(target) == [f"{monitor['id']}:1795572090000:monitor.down"]


def test_a_notifier_that_crashes_is_retried_by_lambda(
    stack: Stack, target: TargetServer, slack: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = stack.modules["NotifierFunction"].deps.store.targets
    real, calls = targets.all, []

    def crash_once() -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "Query")
        return real()

    monkeypatch.setattr(targets, "all", crash_once)
    monitor = outage(stack)
    assert alert_ids(target)[0] == f"{monitor['id']}:1795572090000:monitor.down"
    assert len(target.received) == 2 and failed(stack) == []


def test_a_notifier_that_crashes_every_time_leaves_the_event_in_the_queue(
    stack: Stack, target: TargetServer, slack: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = stack.modules["NotifierFunction"].deps.store.targets
    real = targets.all

    def crash() -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "Query")

    monkeypatch.setattr(targets, "all", crash)
    monitor = outage(stack)  # Lambda tries each alert 3 times, then keeps its event
    assert target.received == []
    letters = failed(stack)
    assert {f["source"] for f in letters} == {"lambda"} and len(letters) == 2
    assert "InternalServerError" in letters[0]["error"]
    monkeypatch.setattr(targets, "all", real)
    assert stack.request("POST", RETRY).json()["delivered"] == 2
    assert sorted(alert_ids(target)) == [
        f"{monitor['id']}:1795572090000:monitor.down",
        f"{monitor['id']}:1795572090000:monitor.up",
    ]


def test_what_sns_itself_could_not_deliver_is_listed_and_kept(stack: Stack) -> None:
    # SNS's redrive puts the alert itself in the queue, naming no subscription (as AWS does).
    queue = stack.refs["AlertsDeadLetterQueue"]
    stack.sqs.send_message(QueueUrl=queue, MessageBody='{"version":"1","alertId":"m:1:monitor.down"}')
    [letter] = failed(stack)
    assert letter["source"] == "sns" and letter["alertId"] == "m:1:monitor.down"
    assert stack.request("POST", RETRY).json() == {"delivered": 0, "failed": 0, "kept": 1, "dropped": 0}
    assert len(failed(stack)) == 1


def test_read_keys_can_list_but_not_retry(stack: Stack) -> None:
    read = stack.make_key("read")
    assert stack.request("GET", FAILED, key=read).status == 200
    assert stack.request("POST", RETRY, key=read).status == 403


def test_the_cli_adds_a_target_tests_it_and_retries_what_failed(stack: Stack, target: TargetServer) -> None:
    import heartbeat_cli as cli
    from tests.harness import HandlerApi

    api = HandlerApi(stack)

    def run(group: str, *args: str) -> str:
        return cli.run([group, *args], api=api)

    added = run("subscriptions", "add", "--protocol", "webhook", "--endpoint", f"{target.url}/hook",
                "--template", "$STATUS $NAME", "--content-type", "text/plain", "--event", "monitor.down")  # fmt: skip
    assert added.startswith(f"subscribed {target.url}/… (confirmed) id ")
    sub_id = added.rsplit(" ", 1)[-1]
    assert run("subscriptions", "test", sub_id).startswith(f"test alert sent to {sub_id}")
    assert target.received[-1].body == b"test Heartbeat test alert"
    assert run("alerts", "failed") == "No failed alerts."
    target.script = [Answer(503)] * 3
    outage(stack)
    listing = run("alerts", "failed")
    assert "HTTP 503" in listing and sub_id in listing
    assert run("alerts", "retry") == "1 delivered, 0 dropped (target removed), 0 still failing"
    assert target.received[-1].body == b"down Nightly Backup"
