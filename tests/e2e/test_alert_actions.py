"""Issue 28, item 4, as a person does it on `make dev`: a down alert arrives, its Acknowledge link
opens a page (changing nothing), the page's button acknowledges (no more reminders), its Snooze link
snoozes, the next outage's alert is held, and lifting the snooze sends it."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from heartbeat_local.localproc import LocalStackProcess, Webhook
from tests.e2e.conftest import wait_for


def fetch(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_an_alerts_acknowledge_and_snooze_links_work_from_a_browser(stack: LocalStackProcess, webhook: Webhook) -> None:
    monitor = stack.cli(
        "monitors", "create", "--name", "E2E Links", "--type", "HEARTBEAT",
        "--expected-interval", "2", "--grace-period", "1", "--realert-interval", "60",
    )  # fmt: skip

    def mine() -> list[dict[str, Any]]:
        return [e for e in webhook.events() if e["monitor"]["id"] == monitor["id"]]

    fetch(monitor["pingUrl"])
    [down] = wait_for(mine, seconds=15)
    assert down["event"] == "monitor.down"
    here = lambda link: stack.url + urlsplit(link).path  # noqa: E731 - the links name the deployment's URL

    # The Acknowledge link: its page changes nothing; its button does.
    status, page = fetch(here(down["links"]["acknowledge"]))
    assert status == 200 and '<form method="post">' in page and "E2E Links" in page
    before = stack.cli("monitors", "get", monitor["id"])
    assert before["acknowledged"] is None and before["nextReminderAt"] is not None
    status, page = fetch(here(down["links"]["acknowledge"]), "POST")
    assert status == 200 and "Acknowledged" in page
    after = stack.cli("monitors", "get", monitor["id"])
    assert after["acknowledged"]["by"] == "alert link" and after["nextReminderAt"] is None  # no reminder is due

    # The Snooze link (same alert, the outage still open): snoozed; a new outage's alert is held...
    status, page = fetch(here(down["links"]["snooze1h"]), "POST")
    assert status == 200 and "Snoozed" in page
    assert stack.cli("monitors", "get", monitor["id"])["snoozedUntil"] is not None
    fetch(monitor["pingUrl"])  # up: its recovery is sent even while snoozed, as its down alert went out
    wait_for(lambda: len(mine()) >= 2)
    fetch(monitor["pingUrl"] + "/fail")
    wait_for(lambda: stack.cli("monitors", "get", monitor["id"])["status"] == "down")
    time.sleep(2)  # several sweeps
    assert [e["event"] for e in mine()] == ["monitor.down", "monitor.up"]

    # ...and sent when the snooze is lifted while still down.
    stack.cli("monitors", "unsnooze", monitor["id"])
    events = wait_for(lambda: len(mine()) >= 3 and mine())
    assert [e["event"] for e in events] == ["monitor.down", "monitor.up", "monitor.down"]
    assert events[2]["incident"]["cause"] == "failed"
    status, _ = fetch(here(down["links"]["acknowledge"]), "POST")  # that outage has ended: its links with it
    assert status == 403
