"""The dashboard in headless Chromium (Debian's), against the local stack: sign in, see a down
monitor in red, open it, see its timeline, acknowledge, snooze and pause it. Screenshots are saved
under test-output/ (and in docs/, the README's, with UPDATE_SCREENSHOT=1: `make screenshots`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heartbeat_local.localproc import CLI, LocalStackProcess
from heartbeat_local.targetserver import Answer, TargetServer
from heartbeat_local.template import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ADMIN_KEY = "hb_e2e-dashboard-admin-key-0123456789abcdefghijklm"
OUTPUT = ROOT / "test-output"

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    running = LocalStackProcess(tmp_path / "state", None, ADMIN_KEY, sweep_seconds=0.5)
    yield running
    assert running.stop() == 0, "".join(running.lines[-100:])


@pytest.fixture
def page() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        # The flags this machine's closed network needs (no background connections to Google).
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        yield context.new_page()
        browser.close()


def curl(url: str) -> None:
    subprocess.run(["curl", "-fsS", "-o", "/dev/null", url], check=True, timeout=10)


def shoot(page: Any, name: str) -> None:
    """A screenshot in test-output/, and in docs/ (the README's) with UPDATE_SCREENSHOT=1 (`make screenshots`)."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT"):
        page.screenshot(path=str(ROOT / "docs" / f"{name}.png"))


def test_sign_in_see_a_down_monitor_open_it_and_pause_it(stack: LocalStackProcess, page: Any) -> None:
    backup = stack.cli("monitors", "create", "--name", "Nightly Backup", "--expected-interval", "2",
                       "--grace-period", "1", "--tag", "infrastructure")  # fmt: skip
    reports = stack.cli("monitors", "create", "--name", "Weekday Reports", "--schedule", "30 6 * * 1-5",
                        "--timezone", "Europe/Riga", "--tag", "reporting")  # fmt: skip
    curl(reports["pingUrl"])
    curl(backup["pingUrl"] + "/start")
    time.sleep(0.3)
    curl(backup["pingUrl"])
    lines = "".join(f"  table {i:03d}: dumped\n" for i in range(160))  # a 3 KB log, cut in any list
    failure = f"pg_dump: connection refused\n{lines}pg_dump: the end"
    subprocess.run(["curl", "-fsS", "-o", "/dev/null", "--data-binary", failure,
                    backup["pingUrl"] + "/fail"], check=True, timeout=10)  # fmt: skip

    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator("tr", has_text="Nightly Backup")
    row.locator(".status").wait_for()
    assert row.locator(".status").inner_text().lower() == "down"
    assert row.evaluate("r => getComputedStyle(r.querySelector('.status')).color") == "rgb(209, 36, 47)"  # red
    assert "weekdays at 06:30 Europe/Riga" in page.locator("tr", has_text="Weekday Reports").inner_text()
    assert page.locator("#counts").inner_text() == "1 down · 1 up" and page.title() == "(1 down) Heartbeat"
    assert "key" not in page.url and ADMIN_KEY not in page.url  # the key never goes in a URL
    shoot(page, "dashboard")
    # Dark when the system is; usable on a 390 px phone (nothing wider than the screen)
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
    shoot(page, "dashboard-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "dashboard-390px")
    page.set_viewport_size({"width": 1200, "height": 800})

    row.get_by_role("link", name="Nightly Backup").click()
    page.get_by_role("heading", name="Nightly Backup").wait_for()
    timeline = page.locator("#timeline")
    assert "pg_dump: connection refused" in timeline.inner_text() and "pg_dump: the end" not in timeline.inner_text()
    assert timeline.locator("tr", has_text="start").count() == 1
    assert re.search(r"success\t0\.\d s", timeline.inner_text())  # the run's duration, from its start
    assert page.locator("#timeline tr", has_text="down: failed").count() == 1
    assert "curl -fsS --retry 3 -o /dev/null " + backup["pingUrl"] in page.locator("#snippets").inner_text()
    assert "expectedInterval" in page.locator("#settings").inner_text()

    # The whole 3 KB body, one click away
    assert len(failure) > 3000
    page.get_by_role("button", name=re.compile(r"Open body of ping \d+")).click()
    dialog = page.get_by_role("dialog")
    assert dialog.locator("#body-text").inner_text() == failure
    assert f"{len(failure):,} bytes" in dialog.inner_text() and "curl/" in dialog.inner_text()
    dialog.get_by_role("button", name="Close").click()
    assert not dialog.is_visible()
    shoot(page, "dashboard-monitor")

    # Acknowledge the outage (its reminders stop), snooze the monitor, lift the snooze
    page.get_by_role("button", name="Acknowledge").click()
    page.locator("#d-silence", has_text="acknowledged by").wait_for()
    assert not page.get_by_role("button", name="Acknowledge").is_visible()
    page.get_by_label("Snooze for").select_option(label="4 hours")
    page.get_by_role("button", name="Snooze", exact=True).click()
    page.locator("#d-silence", has_text="snoozed until").wait_for()
    silenced = stack.cli("monitors", "get", backup["id"])
    assert silenced["acknowledged"] and silenced["snoozedUntil"]
    page.get_by_role("button", name="Unsnooze").click()
    page.get_by_role("button", name="Unsnooze").wait_for(state="hidden")
    assert stack.cli("monitors", "get", backup["id"])["snoozedUntil"] is None

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Pause").click()
    page.locator("#d-status", has_text="paused").wait_for()
    assert stack.cli("monitors", "get", backup["id"])["status"] == "paused"


def test_a_read_key_sees_no_ping_url_and_no_buttons(stack: LocalStackProcess, page: Any) -> None:
    monitor = stack.cli("monitors", "create", "--name", "Quiet Job", "--expected-interval", "3600")
    read = stack.cli("keys", "create", "--name", "viewer", "--role", "read")["key"]
    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(read)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Quiet Job").click()
    page.get_by_role("heading", name="Quiet Job").wait_for()
    assert "admin keys only" in page.locator("#snippets").inner_text()
    assert monitor["pingUrl"] not in page.content()
    assert not page.get_by_role("button", name="Pause").is_visible()


def test_a_wrong_key_is_refused_and_nothing_is_kept(stack: LocalStackProcess, page: Any) -> None:
    page.goto(stack.url + "/")
    page.get_by_label("API key").fill("hb_wrong")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#signin-error", has_text="not valid").wait_for()
    assert page.context.cookies() == [] and page.evaluate("sessionStorage.length + localStorage.length") == 0


def test_sign_in_once_and_a_second_tab_and_an_alerts_link_are_signed_in(stack: LocalStackProcess, page: Any) -> None:
    monitor = stack.cli("monitors", "create", "--name", "Nightly Backup", "--expected-interval", "3600")
    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Nightly Backup").wait_for()
    # The key is nowhere a script could read it: the session is an HttpOnly cookie
    readable = page.evaluate("document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert readable == "{}{}"
    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    # A second tab opened on an alert's link (the monitor's page) is signed in and lands on the monitor
    second = page.context.new_page()
    second.goto(f"{stack.url}/#monitor/{monitor['id']}")
    second.get_by_role("heading", name="Nightly Backup").wait_for()
    assert second.get_by_role("button", name="Pause").is_visible()  # an admin key's session

    # Signing out in one tab signs out both
    second.get_by_role("button", name="Sign out").click()
    second.get_by_label("API key").wait_for()
    page.reload()
    page.get_by_label("API key").wait_for()


def test_150_monitors_cost_one_request_a_refresh_down_first_and_filters_stay_in_the_url(
    stack: LocalStackProcess, page: Any, tmp_path: Path
) -> None:
    # Given 147 quiet monitors (one apply) and three failing ones named to sort last by name
    quiet = [{"name": f"job {i:03d}", "config": {"expectedInterval": 3600}, "tags": ["batch"]} for i in range(147)]
    (tmp_path / "monitors.yml").write_text(json.dumps({"version": "1", "monitors": quiet}))
    env = {**os.environ, "HEARTBEAT_API_URL": stack.url, "HEARTBEAT_API_KEY": ADMIN_KEY}
    subprocess.run([CLI, "apply", "-f", str(tmp_path / "monitors.yml")], env=env, check=True, timeout=30)
    for i in range(3):
        failing = stack.cli("monitors", "create", "--name", f"zz failing {i}", "--expected-interval", "3600")
        curl(failing["pingUrl"] + "/fail")
    api_calls: list[str] = []
    refused: list[str] = []
    page.on("request", lambda r: api_calls.append(r.url) if "/api/" in r.url else None)
    page.on("response", lambda r: refused.append(r.url) if r.status == 429 else None)

    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("1 to 100 of 150").wait_for()
    rows = page.locator("#monitors tr")
    assert [rows.nth(i).locator("a").inner_text() for i in range(4)] == [
        "zz failing 0", "zz failing 1", "zz failing 2", "job 000"
    ]  # fmt: skip
    assert "down" in rows.first.inner_text() and "(failed)" in rows.first.inner_text()
    assert page.locator("#counts").inner_text() == "3 down · 0 up · 147 new"
    assert page.title() == "(3 down) Heartbeat"

    # When the page is reloaded: who is signed in, then the list (the 10 s refresh is the list alone)
    api_calls.clear()
    page.reload()
    page.get_by_text("1 to 100 of 150").wait_for()
    assert len(api_calls) <= 5 and not refused, api_calls
    assert [u.split("/api/v1/")[1].split("?")[0] for u in api_calls] == ["session", "summary"]
    page.get_by_role("button", name="Next page").click()
    page.get_by_text("101 to 150 of 150").wait_for()

    # A search and a filter are kept in the URL: a reload (or a bookmark) shows the same list
    page.get_by_label("Status").select_option("down")
    page.get_by_text("1 to 3 of 3").wait_for()
    page.get_by_label("Search").fill("failing 1")
    page.get_by_text("1 to 1 of 1").wait_for()
    assert "status=down" in page.url and "q=failing+1" in page.url
    page.reload()
    page.get_by_text("1 to 1 of 1").wait_for()
    assert page.get_by_label("Search").input_value() == "failing 1"


def test_create_a_monitor_in_the_form_ping_it_up_and_edit_its_schedule(stack: LocalStackProcess, page: Any) -> None:
    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New monitor").click()
    page.get_by_label("Name", exact=True).fill("Backup from the form")
    page.get_by_label("Tags").fill("infrastructure, db")
    page.get_by_label("Cron", exact=True).check()
    page.get_by_label("Cron expression").fill("61 2 * * *")
    page.get_by_role("button", name="Save").click()
    # The API's own message, next to the field it names
    page.locator("#error-schedule", has_text="not a valid cron expression").wait_for()
    assert stack.cli("monitors", "list")["items"] == []

    page.get_by_label("Cron expression").fill("30 6 * * 1-5")
    page.get_by_label("Time zone").fill("Europe/Riga")
    page.get_by_text("weekdays at 06:30 Europe/Riga; next runs:").wait_for()
    assert not page.locator("#error-schedule").is_visible()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Backup from the form").wait_for()
    assert page.locator("#d-status").inner_text().lower() == "new"
    [made] = stack.cli("monitors", "list")["items"]
    assert made["tags"] == ["infrastructure", "db"] and made["config"]["timezone"] == "Europe/Riga"

    # Pinged, it goes up on the page (which refreshes itself)
    curl(made["pingUrl"])
    page.locator("#d-status", has_text="up").wait_for(timeout=15_000)

    # Edited: the new line is previewed in words with its next runs in the monitor's zone
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name="Edit Backup from the form").wait_for()
    assert page.get_by_label("Cron expression").input_value() == "30 6 * * 1-5"
    page.get_by_label("Cron expression").fill("0 2 * * *")
    preview = page.get_by_text("daily at 02:00 Europe/Riga; next runs:")
    preview.wait_for()
    assert "T02:00:00+02:00" in preview.inner_text()
    page.get_by_role("button", name="Save").click()
    page.locator("#d-schedule", has_text="daily at 02:00 Europe/Riga").wait_for()
    assert stack.cli("monitors", "get", made["id"])["config"]["schedule"] == "0 2 * * *"


def test_incidents_across_monitors_open_first_and_keys_created_once_and_revoked(
    stack: LocalStackProcess, page: Any
) -> None:
    failing = stack.cli("monitors", "create", "--name", "Nightly Backup", "--expected-interval", "3600")
    curl(failing["pingUrl"] + "/fail")
    page.goto(stack.url + "/")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Incidents").click()
    open_row = page.locator("#incident-rows tr", has_text="Nightly Backup")
    open_row.get_by_role("button", name="Acknowledge Nightly Backup").click()
    open_row.get_by_text("acknowledged by local admin").wait_for()
    assert open_row.inner_text().lower().startswith("open")
    assert stack.cli("monitors", "get", failing["id"])["acknowledged"]

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Key name").fill("viewer")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-key")
    shown.wait_for()
    key = shown.inner_text()
    assert key.startswith("hb_") and page.locator("#key-rows tr", has_text="viewer").count() == 1
    check = [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        f"X-Api-Key: {key}",
        stack.url + "/api/v1/monitors",
    ]
    assert subprocess.run(check, capture_output=True, text=True, timeout=10).stdout == "200"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke viewer").click()
    page.locator("#key-rows tr", has_text="viewer").wait_for(state="detached")
    assert subprocess.run(check, capture_output=True, text=True, timeout=10).stdout == "401"


def test_the_api_docs_render_from_the_deployment_alone(stack: LocalStackProcess, page: Any) -> None:
    offsite: list[str] = []
    page.route(
        re.compile(r"^(?!" + re.escape(stack.url) + ")"),
        lambda route: (offsite.append(route.request.url), route.abort()),
    )
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(stack.url + "/api/v1/docs")
    page.get_by_role("heading", name=re.compile("^Heartbeat")).wait_for()
    page.get_by_text("/api/v1/monitors", exact=True).first.wait_for()
    assert offsite == [] and refused == []  # no CDN, nothing the policy refused


def test_alerts_page_sends_a_test_and_retries_a_failed_delivery(stack: LocalStackProcess, page: Any) -> None:
    chat = TargetServer()
    chat.script = [Answer(404)]  # the down alert fails for good (a client error is not retried)
    try:
        endpoint = f"{chat.url}/services/T/B/X"
        stack.cli("subscriptions", "add", "--protocol", "slack", "--endpoint", endpoint, "--tag", "infrastructure")
        failing = stack.cli("monitors", "create", "--name", "Nightly Backup", "--expected-interval", "3600",
                            "--tag", "infrastructure")  # fmt: skip
        curl(failing["pingUrl"] + "/fail")
        deadline = time.monotonic() + 10
        while not stack.cli("alerts", "failed")["items"] and time.monotonic() < deadline:
            time.sleep(0.2)
        page.goto(stack.url + "/")
        page.get_by_label("API key").fill(ADMIN_KEY)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Alerts").click()

        row = page.locator("#subscription-rows tr", has_text="slack")  # the webhook's URL is shown masked
        row.get_by_text("tags: infrastructure").wait_for()
        row.get_by_text("HTTP 404 (1 waiting)").wait_for()  # its last delivery failed
        page.locator("#failed-rows tr", has_text="HTTP 404").wait_for()

        row.get_by_role("button", name=re.compile(r"^Send a test alert to \S")).click()
        row.get_by_text("test alert sent").wait_for()
        assert any("test" in r.body.decode().lower() for r in chat.received[1:])

        page.get_by_role("button", name="Retry failed deliveries").click()
        page.get_by_role("status").get_by_text("1 delivered").wait_for()
        page.get_by_text("None: every alert was delivered.").wait_for()
        row.get_by_text("test alert sent").wait_for()  # the failure is gone from its row; the test's result stays
        assert "failed" not in row.inner_text()
        assert stack.cli("alerts", "failed")["items"] == []
        shoot(page, "dashboard-alerts")
    finally:
        chat.close()
