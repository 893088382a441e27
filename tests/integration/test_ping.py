"""The public ping endpoint, through the real handler over moto."""

from __future__ import annotations

import base64

import pytest

from tests.harness import Stack, load_event

UNKNOWN_TOKEN = "3f6c5e0a-8d5b-4c1e-9a7f-2b8d4e6f1a2c"


def test_success_ping_answers_ok_and_arms_the_deadline(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=60, grace=30)
    assert monitor["status"] == "new" and monitor["nextDeadline"] is None

    reply = stack.ping(monitor["token"])

    assert (reply.status, reply.body) == (200, b"OK")
    assert reply.headers["content-type"].startswith("text/plain")
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["cache-control"] == "no-cache, no-store"
    assert reply.headers["ping-body-limit"] == "100000"
    after = stack.monitor(monitor["id"])
    assert after["status"] == "up"
    item = stack.store.monitors.get(monitor["id"])
    assert item.deadline_ms == stack.clock.now + 90_000
    assert stack.alerts() == []  # new -> up is not news


def test_success_ping_is_one_conditional_update_and_one_put_with_no_read(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])
    calls = stack.count_calls()

    stack.ping(monitor["token"])

    assert calls == ["UpdateItem", "PutItem"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/heartbeat/{UNKNOWN_TOKEN}",
        "/api/v1/heartbeat/not-a-token",
        "/api/v1/heartbeat/" + "a" * 300,
        "/api/v1/heartbeat/%2e%2e%2f%2e%2e%2fetc",
        f"/ping/{UNKNOWN_TOKEN}/fail",
        f"/api/v1/heartbeat/{UNKNOWN_TOKEN}/7",
        f"/api/v1/heartbeat/{UNKNOWN_TOKEN.upper()}",
    ],
)
def test_unknown_and_malformed_tokens_get_the_same_404(stack: Stack, path: str) -> None:
    calls = stack.count_calls()
    reply = stack.request("GET", path, key=None)
    assert reply.status == 404
    assert reply.json() == {"error": {"code": "not_found", "message": "not found"}}
    assert "PutItem" not in calls  # nothing stored for a token that is not ours


def test_unknown_action_is_404(stack: Stack) -> None:
    monitor = stack.create_monitor()
    assert stack.ping(monitor["token"], "/restart").status == 404
    assert stack.monitor(monitor["id"])["status"] == "new"


@pytest.mark.parametrize("code", ["256", "999", "1000", "00000000000000000000001"])
def test_exit_status_over_255_is_400_and_changes_nothing(stack: Stack, code: str) -> None:
    monitor = stack.create_monitor()
    reply = stack.ping(monitor["token"], f"/{code}")
    assert reply.status == 400
    assert reply.json()["error"]["code"] == "invalid_exit_status"
    assert stack.monitor(monitor["id"])["status"] == "new"


def test_exit_status_zero_is_a_success(stack: Stack) -> None:
    monitor = stack.create_monitor()
    assert stack.ping(monitor["token"], "/0").status == 200
    assert stack.monitor(monitor["id"])["status"] == "up"


def test_nonzero_exit_status_marks_down_at_once_and_alerts(stack: Stack) -> None:
    monitor = stack.create_monitor(tags=["infrastructure"])
    stack.ping(monitor["token"])

    assert stack.ping(monitor["token"], "/3").status == 200

    assert stack.monitor(monitor["id"])["status"] == "down"
    [incident] = stack.incidents(monitor["id"])
    assert incident["cause"] == "exit_status" and incident["status"] == "open"
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.down"
    assert alert["incident"]["cause"] == "exit_status"
    assert alert["_subject"] == "DOWN: Nightly Backup"
    assert alert["_attributes"]["event"] == "monitor.down"
    assert alert["_attributes"]["monitor_id"] == monitor["id"]


def test_fail_marks_down_once_and_a_second_fail_does_not_alert_again(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])

    stack.ping(monitor["token"], "/fail", method="POST", body="disk full")
    stack.clock.advance(5)
    stack.ping(monitor["token"], "/fail")

    assert stack.monitor(monitor["id"])["status"] == "down"
    assert len(stack.incidents(monitor["id"])) == 1
    assert [a["event"] for a in stack.alerts()] == ["monitor.down"]


def test_success_after_fail_resolves_the_incident_and_sends_recovery(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])
    stack.ping(monitor["token"], "/fail")
    stack.alerts()
    stack.clock.advance(125.5)

    assert stack.ping(monitor["token"]).status == 200

    after = stack.monitor(monitor["id"])
    assert after["status"] == "up" and after["openIncident"] is None
    [incident] = stack.incidents(monitor["id"])
    assert incident["status"] == "resolved"
    assert incident["durationSeconds"] == 125.5
    [alert] = stack.alerts()
    assert alert["event"] == "monitor.up"
    assert alert["incident"]["downtimeSeconds"] == 125.5
    assert alert["_subject"] == "UP: Nightly Backup"


def test_start_arms_start_plus_grace(stack: Stack) -> None:
    monitor = stack.create_monitor(interval=3600, grace=300)
    stack.ping(monitor["token"])
    stack.clock.advance(3500)

    assert stack.ping(monitor["token"], "/start").status == 200

    m = stack.store.monitors.get(monitor["id"])
    assert m.status.value == "started"
    assert m.deadline_ms == stack.clock.now + 300_000
    assert m.last_start_ms == stack.clock.now


def test_start_while_down_keeps_the_incident_open(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"], "/fail")
    stack.ping(monitor["token"], "/start")
    m = stack.store.monitors.get(monitor["id"])
    assert m.status.value == "down" and m.open_incident_ms is not None and m.deadline_ms is None


def test_log_keeps_a_message_and_changes_no_state(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])
    before = stack.store.monitors.get(monitor["id"])

    assert stack.ping(monitor["token"], "/log", method="POST", body="step 2 of 3").status == 200

    after = stack.store.monitors.get(monitor["id"])
    assert (after.status, after.deadline_ms, after.last_ping_ms) == (
        before.status,
        before.deadline_ms,
        before.last_ping_ms,
    )
    pings = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert pings[0]["kind"] == "log" and pings[0]["bodyPreview"] == "step 2 of 3"


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_every_method_and_both_url_forms_count(stack: Stack, method: str) -> None:
    monitor = stack.create_monitor()
    assert stack.request(method, f"/ping/{monitor['token']}", key=None).status == 200
    assert stack.request(method, f"/api/v1/heartbeat/{monitor['token']}", key=None).status == 200
    assert stack.monitor(monitor["id"])["status"] == "up"


def test_ping_event_keeps_source_ip_user_agent_and_body(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.request(
        "POST",
        f"/api/v1/heartbeat/{monitor['token']}",
        body="backup done: 42 GB",
        headers={"user-agent": "curl/8.5.0", "content-type": "text/plain"},
        key=None,
    )
    [ping] = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert ping["n"] == 1
    assert ping["sourceIp"] == "198.51.100.7"
    assert ping["userAgent"] == "curl/8.5.0"
    assert ping["method"] == "POST"
    assert ping["bodyPreview"] == "backup done: 42 GB"
    assert ping["bodyTruncated"] is False


def test_body_over_the_limit_is_truncated_and_flagged(stack: Stack) -> None:
    monitor = stack.create_monitor()
    body = "x" + "é" * 60_000  # 120,001 bytes: the 100,000-byte cut splits a two-byte character
    assert stack.ping(monitor["token"], method="POST", body=body).status == 200

    item = stack.dynamodb.get_item(
        TableName=stack.refs["Table"], Key={"pk": {"S": f"MON#{monitor['id']}"}, "sk": {"S": "PING#000000000001"}}
    )["Item"]
    assert len(item["body"]["B"]) == 100_000
    assert item["body_truncated"]["BOOL"] is True
    assert item["body_size"]["N"] == str(len(body.encode()))
    [ping] = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert ping["bodyTruncated"] is True


def test_non_utf8_and_binary_bodies_are_kept_and_never_crash(stack: Stack) -> None:
    monitor = stack.create_monitor()
    raw = b"\xff\xfe\x00binary\x80"
    event = load_event("ping-success-post-body")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v1/heartbeat/{monitor['token']}"
    event["pathParameters"] = {"token": monitor["token"]}
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
    from heartbeat_local.lambdas import LambdaContext

    result = stack.modules["PingFunction"].lambda_handler(event, LambdaContext("PingFunction"))

    assert result["statusCode"] == 200
    item = stack.dynamodb.get_item(
        TableName=stack.refs["Table"], Key={"pk": {"S": f"MON#{monitor['id']}"}, "sk": {"S": "PING#000000000001"}}
    )["Item"]
    assert item["body"]["B"] == raw
    [ping] = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert "\ufffd" in ping["bodyPreview"]


def test_ping_resumes_a_paused_monitor(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])
    stack.request("POST", f"/api/v1/monitors/{monitor['id']}/pause")
    assert stack.monitor(monitor["id"])["status"] == "paused"

    stack.ping(monitor["token"])

    assert stack.monitor(monitor["id"])["status"] == "up"
    assert stack.store.monitors.get(monitor["id"]).deadline_ms is not None


def test_token_never_appears_in_logs(stack: Stack) -> None:
    with stack.captured_logs() as buffer:
        monitor = stack.create_monitor()
        stack.ping(monitor["token"], method="POST", body="secret-body-text")
        stack.ping(monitor["token"], "/fail")
        stack.ping(monitor["token"])
        stack.clock.advance(3600)
        stack.sweep()
    logs = buffer.getvalue()
    assert "monitor created" in logs and "sweep done" in logs  # the logs were captured at all
    assert monitor["token"] not in logs
    assert stack.admin_key not in logs
    assert "secret-body-text" not in logs


def test_with_no_ping_log_a_success_is_a_single_write(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monitor = stack.create_monitor()
    monkeypatch.setenv("PING_RETENTION_DAYS", "0")
    stack.modules["PingFunction"] = stack.load("PingFunction")
    calls = stack.count_calls()

    assert stack.ping(monitor["token"]).status == 200

    assert calls == ["UpdateItem"]
    assert stack.monitor(monitor["id"])["status"] == "up"
    assert stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"] == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_and_change_nothing(stack: Stack, method: str) -> None:
    monitor = stack.create_monitor()
    reply = stack.request(method, f"/api/v1/heartbeat/{monitor['token']}", key=None)
    assert reply.status == 405
    assert reply.json()["error"]["code"] == "method_not_allowed"
    assert stack.monitor(monitor["id"])["status"] == "new"


def test_start_then_success_records_the_run_duration(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"], "/start")
    stack.clock.advance(42.5)

    stack.ping(monitor["token"])

    assert stack.monitor(monitor["id"])["lastDurationSeconds"] == 42.5
    pings = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert [(p["kind"], p["durationSeconds"]) for p in pings] == [("success", 42.5), ("start", None)]
    # A success with no /start before it is a run of unknown length.
    stack.clock.advance(60)
    stack.ping(monitor["token"])
    assert stack.monitor(monitor["id"])["lastDurationSeconds"] is None


def test_a_recovering_run_records_its_duration_too(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"], "/fail")
    stack.ping(monitor["token"], "/start")
    stack.clock.advance(7)
    stack.ping(monitor["token"])
    assert stack.monitor(monitor["id"])["status"] == "up"
    assert stack.monitor(monitor["id"])["lastDurationSeconds"] == 7


def test_a_pings_body_is_returned_byte_for_byte(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"], "/fail", method="POST", body="pg_dump: error: connection refused\n")
    raw = b"\xff\xfebinary"
    stack.request("POST", f"/api/v1/heartbeat/{monitor['token']}/log", body=raw, key=None)

    text = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings/1/body")
    assert (text.status, text.body) == (200, b"pg_dump: error: connection refused\n")
    assert text.headers["content-type"].startswith("text/plain")
    binary = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings/2/body")
    assert (binary.body, binary.headers["content-type"]) == (raw, "application/octet-stream")
    for n in ("3", "0", "x", "9" * 13):
        assert stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings/{n}/body").status == 404


def test_a_ping_that_keeps_losing_races_gets_503_not_ok(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from heartbeat.domain.errors import LostRace

    monitor = stack.create_monitor()
    stack.ping(monitor["token"], "/fail")

    def always_lose(*args: object, **kwargs: object) -> int:
        raise LostRace

    monkeypatch.setattr(stack.store.transitions, "carry_out", always_lose)
    reply = stack.ping(monitor["token"])

    assert reply.status == 503
    assert reply.json()["error"]["code"] == "busy"
    assert stack.monitor(monitor["id"])["status"] == "down"  # never "OK" for a ping that was not recorded


def test_a_ping_whose_log_entry_fails_still_counts(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    monitor = stack.create_monitor()

    def throttled(*args: object, **kwargs: object) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "PutItem")

    # DynamoDB throttles the ping log's PutItem, after the monitor's own UpdateItem went through.
    monkeypatch.setattr(stack.store.table.client, "put_item", throttled)

    assert stack.ping(monitor["token"]).status == 200  # the monitor's own write happened
    assert stack.monitor(monitor["id"])["status"] == "up"


def test_fail_success_fail_in_one_millisecond_opens_two_incidents(stack: Stack) -> None:
    # Found by the property test: incidents are keyed by opening time, and the second one collided.
    monitor = stack.create_monitor()
    for suffix in ("/fail", "", "/fail"):
        assert stack.ping(monitor["token"], suffix).status == 200
    opened = [int(i["id"]) for i in stack.incidents(monitor["id"])]
    assert opened == [stack.clock.now + 1, stack.clock.now]
    assert [a["event"] for a in stack.alerts()] == ["monitor.down", "monitor.up", "monitor.down"]


def stopped_rate_limit(stack: Stack) -> list[float]:
    """The ping function's per-monitor limit, as the template configures it, on a clock that moves only
    when the test moves it (a loaded machine's pings can be slower than the refill rate)."""
    from heartbeat.domain.ratelimit import MonitorRateLimit

    ping, clock = stack.modules["PingFunction"], [0.0]
    ping.rate_limit = MonitorRateLimit(ping.rate_limit.rate, ping.rate_limit.burst, lambda: clock[0])
    return clock


def test_a_runaway_monitor_is_refused_past_its_limit_and_its_neighbour_is_not(stack: Stack) -> None:
    """template.yaml: 10 pings/s per monitor with bursts of 50, per ping-function instance."""
    runaway, neighbour = stack.create_monitor(name="runaway"), stack.create_monitor(name="neighbour")
    clock = stopped_rate_limit(stack)
    statuses = [stack.ping(runaway["token"]).status for _ in range(51)]
    refused = stack.ping(runaway["token"])

    assert statuses == [200] * 50 + [429]
    assert refused.status == 429 and refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "at most 10 pings/s (bursts of 50)" in refused.json()["error"]["message"]
    assert stack.ping(neighbour["token"]).status == 200
    assert stack.monitor(runaway["id"])["pingCount"] == 50  # a refused ping is not recorded
    assert stack.ping(runaway["token"], "/fail").status == 200  # a failure report is never held
    assert stack.ping(runaway["token"], "/3").status == 200
    assert stack.monitor(runaway["id"])["status"] == "down"
    clock[0] += 0.1  # a token back at 10/s, and only one
    assert [stack.ping(runaway["token"]).status for _ in range(2)] == [200, 429]


def test_a_refused_slug_ping_costs_no_dynamodb_call(stack: Stack) -> None:
    key = stack.request("GET", "/api/v1/ping-key").json()["pingKey"]
    monitor = stack.create_monitor(name="runaway", slug="runaway")
    path = f"/ping/{key}/runaway"
    stopped_rate_limit(stack)
    statuses = [stack.request("GET", path, key=None).status for _ in range(51)]
    assert statuses == [200] * 50 + [429]
    calls = stack.count_calls("PingFunction")
    assert stack.request("GET", path, key=None).status == 429
    assert calls == []  # no slug lookup, no write
    assert stack.monitor(monitor["id"])["pingCount"] == 50


def test_the_limit_counts_per_monitor_and_a_zero_rate_turns_it_off() -> None:
    from heartbeat.domain.errors import RateLimited
    from heartbeat.domain.ratelimit import MonitorRateLimit

    now = [0.0]
    limit = MonitorRateLimit(rate=1, burst=2, clock=lambda: now[0])
    limit.check("a"), limit.check("a")
    with pytest.raises(RateLimited):
        limit.check("a")
    limit.check("b")  # another monitor has its own bucket
    now[0] += 1
    limit.check("a")
    unlimited = MonitorRateLimit(rate=0, burst=1)
    for _ in range(1000):
        unlimited.check("a")


def test_the_least_recently_pinged_bucket_is_the_one_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    from heartbeat.domain.errors import RateLimited
    from heartbeat.domain.ratelimit import MonitorRateLimit

    monkeypatch.setattr(MonitorRateLimit, "MAX_MONITORS", 2)
    limit = MonitorRateLimit(rate=1, burst=1, clock=lambda: 0.0)
    limit.check("runaway")
    limit.check("quiet")
    with pytest.raises(RateLimited):
        limit.check("runaway")  # used most recently now
    limit.check("third")  # evicts "quiet", not the runaway
    with pytest.raises(RateLimited):
        limit.check("runaway")
