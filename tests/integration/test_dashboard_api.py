"""Issue 33: what the dashboard's list asks of the API: one request a page, with every monitor's
counts and its rows trouble first, each with its status in words and its last runs."""

from __future__ import annotations

from tests.harness import Stack

SUMMARY = "/api/v1/summary"


def summary(stack: Stack, query: str = "", key: str = "admin") -> dict:
    reply = stack.request("GET", f"{SUMMARY}?{query}", key=key)
    assert reply.status == 200, reply.body
    return reply.json()


def test_trouble_comes_first_with_every_status_counted_and_said(stack: Stack) -> None:
    # Given a monitor in each status, made in name order the list must not keep
    up = stack.create_monitor("a up", interval=600)
    missed = stack.create_monitor("b missed", interval=60, grace=30)
    late = stack.create_monitor("c late", interval=120, grace=600)
    running = stack.create_monitor("d running", interval=600)
    failed = stack.create_monitor("e failed", interval=600)
    stack.create_monitor("f new")
    paused = stack.create_monitor("g paused")
    for m in (up, missed, late, running, failed, paused):
        stack.ping(m["token"])
    stack.clock.advance(130)
    stack.sweep()  # `b missed` is down
    stack.clock.advance(80)  # down for 2 min: since the deadline, 90 s after the ping
    stack.ping(up["token"])
    stack.ping(running["token"], "/start")
    stack.ping(failed["token"], "/fail")
    stack.request("POST", f"/api/v1/monitors/{paused['id']}/pause")

    found = summary(stack)

    names = [row["name"] for row in found["items"]]
    assert names == ["b missed", "e failed", "c late", "d running", "a up", "f new", "g paused"]
    assert found["counts"] == {"down": 2, "grace": 1, "started": 1, "up": 1, "new": 1, "paused": 1}
    said = {row["name"]: row["statusWords"] for row in found["items"]}
    assert said["b missed"] == "down 2 min (missed)"
    assert said["e failed"] == "down 0 s (failed)"
    assert said["c late"] == "late" and said["d running"] == "running 0 s" and said["a up"] == "up"
    assert found["matched"] == 7 and found["nextCursor"] is None


def test_a_row_carries_its_last_30_runs_and_never_a_body(stack: Stack) -> None:
    m = stack.create_monitor("Nightly Backup", interval=3600)
    for _ in range(20):
        stack.ping(m["token"], "/fail", method="POST", body="x" * 20_000)  # tracebacks too long for a list
    for _ in range(25):
        stack.ping(m["token"])

    reply = stack.request("GET", SUMMARY)
    [row] = reply.json()["items"]

    assert len(reply.body) < 8_000  # the strip's outcomes, not the bodies
    assert [r["outcome"] for r in row["runs"]] == ["failed"] * 5 + ["ok"] * 25  # the last 30, oldest first


def test_the_runs_keep_their_outcome_and_duration_oldest_first(stack: Stack) -> None:
    m = stack.create_monitor("Nightly Backup", interval=3600)
    stack.ping(m["token"], "/start")
    stack.ping(m["token"], "/fail", method="POST", body="pg_dump: connection refused")
    stack.ping(m["token"], "/log", method="POST", body="note")
    stack.ping(m["token"], "/start")
    stack.clock.advance(4)
    stack.ping(m["token"], "/0")
    stack.ping(m["token"], "/3")

    [row] = summary(stack)["items"]

    assert [r["outcome"] for r in row["runs"]] == ["failed", "ok", "failed"]
    assert row["runs"][1]["durationSeconds"] == 4.0
    pings = stack.request("GET", f"/api/v1/monitors/{m['id']}/pings").json()["items"]
    # The API's own verdict on each ping: a start and a log end no run.
    assert [p["outcome"] for p in pings] == ["failed", "ok", None, None, "failed", None]


def test_the_pages_show_every_monitor_once_and_read_runs_for_their_rows_only(stack: Stack) -> None:
    made = {stack.create_monitor(f"job {i:02d}")["id"] for i in range(25)}
    calls = stack.count_calls("ApiFunction")

    pages = [summary(stack, "limit=10")]
    while pages[-1]["nextCursor"]:
        pages.append(summary(stack, f"limit=10&cursor={pages[-1]['nextCursor']}"))

    assert [len(p["items"]) for p in pages] == [10, 10, 5]
    assert sorted(row["id"] for p in pages for row in p["items"]) == sorted(made)
    # Each page: every monitor from the list index (one query, one batch read), then one query a row.
    assert calls.count("Query") == 3 * 1 + 25 and calls.count("BatchGetItem") == 3 and "Scan" not in calls
    bad = stack.request("GET", f"{SUMMARY}?cursor=abc")
    assert bad.status == 422 and bad.json()["error"]["details"][0]["field"] == "cursor"


def test_search_tag_and_status_filters_keep_the_counts_of_all(stack: Stack) -> None:
    stack.create_monitor("Nightly Backup", tags=["infrastructure"])
    stack.create_monitor("Weekday Reports", tags=["reporting"])
    stack.create_monitor("Backup of reports", tags=["reporting"])

    assert [r["name"] for r in summary(stack, "q=backup")["items"]] == ["Backup of reports", "Nightly Backup"]
    assert [r["name"] for r in summary(stack, "q=REPORT")["items"]] == ["Backup of reports", "Weekday Reports"]
    assert [r["name"] for r in summary(stack, "q=infra+night")["items"]] == ["Nightly Backup"]
    tagged = summary(stack, "tag=reporting&q=weekday")
    assert [r["name"] for r in tagged["items"]] == ["Weekday Reports"] and tagged["matched"] == 1
    assert tagged["counts"]["new"] == 3 and tagged["tags"] == ["infrastructure", "reporting"]
    assert summary(stack, "status=down")["items"] == []


def test_a_read_key_sees_rows_without_ping_urls(stack: Stack) -> None:
    m = stack.create_monitor("Quiet Job")
    reply = stack.request("GET", SUMMARY, key=stack.make_key("read"))
    assert reply.status == 200 and m["token"] not in reply.body.decode()
    assert reply.json()["items"][0]["pingUrl"] is None
    assert summary(stack)["items"][0]["pingUrl"] == m["pingUrl"]


def test_the_api_says_schedules_in_words(stack: Stack) -> None:
    config = {"schedule": "30 6 * * 1-5", "timezone": "Europe/Riga"}
    cron = stack.request("POST", "/api/v1/monitors", {"name": "Reports", "config": config}).json()
    assert cron["scheduleWords"] == "weekdays at 06:30 Europe/Riga"
    assert stack.create_monitor("Often", interval=300)["scheduleWords"] == "every 5 min"
    assert summary(stack, "q=reports")["items"][0]["scheduleWords"] == "weekdays at 06:30 Europe/Riga"


def test_a_cron_line_is_previewed_in_words_with_its_next_runs_or_what_is_wrong(stack: Stack) -> None:
    stack.clock.now = 1_796_601_600_000  # Monday 7 December 2026, 00:00 UTC
    preview = "/api/v1/schedule-preview?schedule=30+6+*+*+1-5&timezone=Europe%2FRiga"

    reply = stack.request("GET", preview, key=stack.make_key("read"))
    bad_line = stack.request("GET", "/api/v1/schedule-preview?schedule=61+2+*+*+*")
    bad_zone = stack.request("GET", "/api/v1/schedule-preview?schedule=0+2+*+*+*&timezone=Mars%2FOlympus")

    assert reply.json() == {
        "scheduleWords": "weekdays at 06:30 Europe/Riga",
        "nextExpected": ["2026-12-07T06:30:00+02:00", "2026-12-08T06:30:00+02:00", "2026-12-09T06:30:00+02:00"],
    }
    assert bad_line.status == 422 and bad_line.json()["error"]["details"][0]["field"] == "schedule"
    assert "not a valid cron expression" in bad_line.json()["error"]["details"][0]["message"]
    assert bad_zone.status == 422 and bad_zone.json()["error"]["details"][0]["field"] == "timezone"
