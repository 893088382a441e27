"""The local stack over real HTTP, driven the way the README tells a newcomer to: the `heartbeat`
CLI and curl against `make dev`'s server, alerts arriving at a webhook."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from heartbeat_local.localproc import LocalStackProcess, Webhook
from heartbeat_local.targetserver import TargetServer
from tests.e2e.conftest import ADMIN_KEY, start_stack, wait_for


def curl(url: str) -> None:
    subprocess.run(["curl", "-fsS", "-o", "/dev/null", url], check=True, timeout=10)


pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is needed to ping like the README does")


def test_newcomer_path_down_alert_then_recovery(stack: LocalStackProcess, webhook: Webhook) -> None:
    # Given a monitor with a 2 s interval and 1 s grace, created with the CLI
    monitor = stack.cli(
        "monitors",
        "create",
        "--name",
        "E2E Backup",
        "--type",
        "HEARTBEAT",
        "--expected-interval",
        "2",
        "--grace-period",
        "1",
        "--tag",
        "infrastructure",
    )
    assert monitor["pingUrl"].startswith(stack.url)
    # When the job pings, it is up
    curl(monitor["pingUrl"])
    assert stack.cli("monitors", "get", monitor["id"])["status"] == "up"
    # When it stops pinging, within seconds it is down with an open incident and a down alert
    wait_for(lambda: stack.cli("monitors", "get", monitor["id"])["status"] == "down", seconds=10)
    [incident] = stack.cli("monitors", "incidents", monitor["id"])["items"]
    assert incident["status"] == "open" and incident["cause"] == "missed"

    def mine() -> list[dict[str, Any]]:
        return [e for e in webhook.events() if e["monitor"]["id"] == monitor["id"]]

    down = wait_for(mine)
    assert [e["event"] for e in down] == ["monitor.down"]
    assert down[0]["monitor"]["tags"] == ["infrastructure"]
    # When it pings again, it is up, the incident is resolved with its duration, and a recovery alert arrives
    curl(monitor["pingUrl"])
    assert stack.cli("monitors", "get", monitor["id"])["status"] == "up"
    [incident] = stack.cli("monitors", "incidents", monitor["id"])["items"]
    assert incident["status"] == "resolved" and incident["durationSeconds"] > 0
    both = wait_for(lambda: len(mine()) >= 2 and mine())
    assert [e["event"] for e in both] == ["monitor.down", "monitor.up"]
    assert both[1]["incident"]["downtimeSeconds"] > 0
    # And the console showed both alerts
    wait_for(lambda: sum("ALERT" in line and "E2E Backup" in line for line in stack.lines) == 2)


def test_chat_targets_get_their_alerts_from_the_local_stack(stack: LocalStackProcess) -> None:
    slack = TargetServer()
    try:
        stack.cli("subscriptions", "add", "--protocol", "slack", "--endpoint", f"{slack.url}/services/T/B/X")
        monitor = stack.cli(
            "monitors", "create", "--name", "E2E Chat", "--expected-interval", "2", "--grace-period", "1"
        )
        curl(monitor["pingUrl"])
        down = wait_for(lambda: [r.json() for r in slack.received if "E2E Chat is DOWN" in r.json()["text"]])
        assert down[0]["blocks"][0]["text"]["text"].startswith(":red_circle: *<")  # the title, linking to the monitor
        wait_for(lambda: any("NOTIFIER delivered to 1 target(s)" in line for line in stack.lines))
    finally:
        slack.close()


def test_a_job_pings_by_slug_and_creates_its_monitor_over_http(stack: LocalStackProcess) -> None:
    prefix = stack.cli("ping-key", "show")["pingUrlPrefix"]
    status = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", f"{prefix}nightly-report/start?create=1"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert status == "201"
    curl(f"{prefix}nightly-report/0")
    [m] = [m for m in stack.cli("monitors", "list")["items"] if m["slug"] == "nightly-report"]
    assert m["status"] == "up" and m["lastDurationSeconds"] is not None


def test_bad_requests_over_http_get_json_errors(stack: LocalStackProcess) -> None:
    import urllib.error
    import urllib.request

    for url, status in [
        (f"{stack.url}/api/v1/heartbeat/3f6c5e0a-8d5b-4c1e-9a7f-2b8d4e6f1a2c", 404),
        (f"{stack.url}/api/v1/heartbeat/3f6c5e0a-8d5b-4c1e-9a7f-2b8d4e6f1a2c/256", 400),
        (f"{stack.url}/api/v1/monitors", 401),
    ]:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url, timeout=10)
        assert e.value.code == status
        assert "error" in json.loads(e.value.read())
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{stack.url}/no/such/route", timeout=10)
    assert (e.value.code, json.loads(e.value.read())) == (404, {"message": "Not Found"})


def test_past_its_burst_a_route_gets_api_gateways_429_and_others_still_answer(stack: LocalStackProcess) -> None:
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    url = urlsplit(stack.url)
    throttled = threading.Event()

    def hammer(_: int) -> list[tuple[int, bytes]]:
        """The API's cheapest route (its cached OpenAPI document) until a 429 shows, or 150 requests."""
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        answers = []
        while not throttled.is_set() and len(answers) < 150:
            conn.request("GET", "/api/v1/openapi.json")
            reply = conn.getresponse()
            answers.append((reply.status, reply.read()))
            if reply.status == 429:
                throttled.set()
        conn.close()
        return answers

    # template.yaml: a management route takes a burst of 40, then 20 a second.
    with ThreadPoolExecutor(8) as pool:
        answers = [a for batch in pool.map(hammer, range(8)) for a in batch]
    statuses = [status for status, _ in answers]
    assert statuses.count(200) >= 40 and statuses.count(429) >= 1 and set(statuses) == {200, 429}
    assert all(json.loads(body) == {"message": "Too Many Requests"} for status, body in answers if status == 429)
    # The ping routes have their own, larger limit.
    ping = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"{stack.url}/ping/x"]
    assert subprocess.run(ping, capture_output=True, text=True, timeout=10).stdout == "404"


def test_state_survives_a_restart_and_fresh_starts_empty(tmp_path: Path, webhook: Webhook) -> None:
    state = tmp_path / "state"
    first = start_stack(state, webhook.url)
    monitor = first.cli("monitors", "create", "--name", "Survivor", "--expected-interval", "3600")
    curl(monitor["pingUrl"])
    assert first.stop() == 0
    assert any("Stopped." in line for line in first.lines)

    second = start_stack(state, webhook.url)
    try:
        kept = second.cli("monitors", "get", monitor["id"])
        assert kept["status"] == "up" and kept["name"] == "Survivor"
        curl(kept["pingUrl"].replace(first.url, second.url))  # the token still works
    finally:
        assert second.stop() == 0

    third = start_stack(state, webhook.url, fresh=True)
    try:
        assert third.cli("monitors", "list")["items"] == []
    finally:
        third.stop()


def test_seconds_detection_alerts_within_two_seconds_of_the_deadline(tmp_path: Path, webhook: Webhook) -> None:
    """HEARTBEAT_DETECTION=seconds runs the template's mode: the sweeper function itself loops,
    sweeping each second within its minute's run."""
    from datetime import datetime

    stack = LocalStackProcess(tmp_path / "state", webhook.url, ADMIN_KEY, detection="seconds")
    try:
        assert any("Detection=seconds" in line for line in stack.lines)
        monitor = stack.cli("monitors", "create", "--name", "Fast", "--expected-interval", "1", "--grace-period", "1")
        curl(monitor["pingUrl"])
        deadline = datetime.fromisoformat(stack.cli("monitors", "get", monitor["id"])["nextDeadline"]).timestamp()
        arrived = wait_for(
            lambda: next(
                (
                    at
                    for at, e in webhook.arrivals()
                    if e["monitor"]["id"] == monitor["id"] and e["event"] == "monitor.down"
                ),
                None,
            )
        )
        assert 0 <= arrived - deadline <= 2, arrived - deadline
    finally:
        assert stack.stop() == 0, "".join(stack.lines[-100:])
