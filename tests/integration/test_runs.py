"""Runs and what a ping says about them: ?rid= pairing, maxRuntime, minInterval (early), content
keywords and manual resume, end to end over moto, with their boundaries pinned."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest

from tests.harness import Stack
from tests.properties.test_monitor_lifecycle import make_requests_atomic


def monitor(stack: Stack, interval: int = 3600, grace: int = 60, **config: object) -> dict:
    return stack.create_monitor(interval=interval, grace=grace, config_extra=config)


def pings(stack: Stack, m: dict) -> list[dict]:
    return stack.request("GET", f"/api/v1/monitors/{m['id']}/pings").json()["items"]


# ---- ?rid= ----------------------------------------------------------------------------------


def test_rid_pairs_each_finish_with_its_own_start_when_runs_overlap(stack: Stack) -> None:
    m = monitor(stack)
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    stack.ping(m["token"], f"/start?rid={a}")
    stack.clock.advance(10)
    stack.ping(m["token"], f"/start?rid={b}")
    stack.clock.advance(5)
    assert stack.ping(m["token"], f"?rid={a}").status == 200  # a ran 15 s
    stack.clock.advance(20)
    assert stack.ping(m["token"], f"?rid={b}").status == 200  # b ran 25 s

    b_done, a_done = pings(stack, m)[:2]
    assert (a_done["rid"], a_done["durationSeconds"]) == (a, 15.0)
    assert (b_done["rid"], b_done["durationSeconds"]) == (b, 25.0)
    assert stack.monitor(m["id"])["lastDurationSeconds"] == 25.0
    assert stack.store.monitors.get(m["id"]).runs == {}  # finished runs are forgotten


def test_a_finish_with_an_unknown_rid_counts_without_a_duration(stack: Stack) -> None:
    m = monitor(stack)
    stack.ping(m["token"], "/start")
    assert stack.ping(m["token"], f"?rid={uuid.uuid4()}").status == 200
    assert pings(stack, m)[0]["durationSeconds"] is None
    assert stack.monitor(m["id"])["status"] == "up"


def test_a_failed_run_has_its_length_whether_it_opens_an_incident_or_not(stack: Stack) -> None:
    """Issue 30: a failure ending a run started with ?rid= (or the last /start) records how long it ran."""
    m = monitor(stack, failureThreshold=2)
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    stack.ping(m["token"], f"/start?rid={a}")
    stack.clock.advance(12)
    assert stack.ping(m["token"], f"/fail?rid={a}").status == 200  # tolerated: the first of two
    stack.ping(m["token"], f"/start?rid={b}")
    stack.clock.advance(30)
    assert stack.ping(m["token"], f"/3?rid={b}").status == 200  # the second: down
    stack.ping(m["token"], "/start")
    stack.clock.advance(7)
    assert stack.ping(m["token"], "/fail").status == 200  # a failure while down
    assert stack.ping(m["token"], f"/fail?rid={uuid.uuid4()}").status == 200  # no run of that rid
    failures = [p for p in pings(stack, m) if p["kind"] != "start"]
    assert [p["durationSeconds"] for p in failures] == [None, 7.0, 30.0, 12.0]  # newest first
    assert stack.monitor(m["id"])["status"] == "down"


def test_a_start_on_a_paused_monitor_keeps_it_paused_and_the_resuming_success_has_the_runs_length(
    stack: Stack,
) -> None:
    """Issue 30, as Healthchecks: a paused monitor's /start arms nothing, so a run that never finishes
    raises no alarm; the success that resumes it is timed from that start."""
    m = monitor(stack)
    stack.request("POST", f"/api/v1/monitors/{m['id']}/pause")
    for _ in range(2):  # once as planned (expecting it unpaused), once knowing it is paused (a warm Lambda)
        assert stack.ping(m["token"], "/start").status == 200
        after = stack.monitor(m["id"])
        assert (after["status"], after["nextDeadline"]) == ("paused", None)
    stack.clock.advance(3 * 3600)
    stack.sweep()
    assert stack.alerts() == []
    assert stack.ping(m["token"]).status == 200
    assert (stack.monitor(m["id"])["status"], pings(stack, m)[0]["durationSeconds"]) == ("up", 3 * 3600.0)


def test_a_start_racing_a_pause_never_leaves_the_monitor_started(stack: Stack) -> None:
    """Issue 30, as a race: a start planned before the pause landed (it reads nothing first) must not
    set the paused monitor started, whose deadline would then alert while paused."""
    m = monitor(stack)
    make_requests_atomic(stack)
    ping, clock = stack.modules["PingFunction"], stack.clock

    def late_now_ms() -> int:
        time.sleep(random.uniform(0, 0.03))  # the start on its way: before or after the pause lands
        return clock.now

    ping.now_ms = late_now_ms
    outcomes = []
    for _ in range(12):
        stack.request("POST", f"/api/v1/monitors/{m['id']}/resume")
        stack.ping(m["token"])
        barrier, statuses = threading.Barrier(2), []

        def send(method: str, path: str, key: str | None, b: threading.Barrier = barrier, out: list = statuses) -> None:
            b.wait()
            out.append(stack.request(method, path, key=key).status)

        threads = [
            threading.Thread(target=send, args=("POST", f"/api/v1/monitors/{m['id']}/pause", "admin")),
            threading.Thread(target=send, args=("GET", f"/api/v1/heartbeat/{m['token']}/start", None)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200]
        after = stack.monitor(m["id"])
        outcomes.append((after["status"], after["nextDeadline"]))
    assert outcomes == [("paused", None)] * 12


def test_a_start_on_a_monitor_paused_while_down_keeps_it_paused(stack: Stack) -> None:
    m = monitor(stack)
    stack.ping(m["token"], "/fail")
    stack.request("POST", f"/api/v1/monitors/{m['id']}/pause")
    assert stack.ping(m["token"], "/start").status == 200
    assert stack.monitor(m["id"])["status"] == "paused"


@pytest.mark.parametrize("rid", ["not-a-uuid", "1234", "'; DROP TABLE", "a" * 5000])
def test_an_invalid_rid_is_400_and_changes_nothing(stack: Stack, rid: str) -> None:
    m = monitor(stack)
    reply = stack.ping(m["token"], f"/start?rid={rid}")
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_rid"
    assert stack.store.monitors.get(m["id"]).n_pings == 0


def test_a_monitor_stored_without_a_runs_map_gets_one(stack: Stack) -> None:
    m = monitor(stack)
    key = {"pk": {"S": f"MON#{m['id']}"}, "sk": {"S": "MON"}}
    stack.dynamodb.update_item(TableName=stack.store.table.name, Key=key, UpdateExpression="REMOVE runs")
    rid = str(uuid.uuid4())
    stack.ping(m["token"], f"/start?rid={rid}")
    stack.clock.advance(3)
    stack.ping(m["token"], f"?rid={rid}")
    assert pings(stack, m)[0]["durationSeconds"] == 3.0


# ---- maxRuntime -------------------------------------------------------------------------------


def test_a_run_over_its_max_runtime_times_out_before_the_schedule_is_late(stack: Stack) -> None:
    m = monitor(stack, interval=86400, grace=3600, maxRuntime=600)
    stack.ping(m["token"])
    stack.clock.advance(60)
    stack.ping(m["token"], "/start")
    started = stack.clock.now

    stack.clock.now = started + 599_999
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "started"
    stack.clock.now = started + 600_000
    stack.sweep()
    assert stack.monitor(m["id"])["status"] == "down"
    [incident] = stack.incidents(m["id"])
    assert incident["cause"] == "timeout" and incident["openedAt"] == stack.monitor(m["id"])["downSince"]
    assert [a["incident"]["cause"] for a in stack.alerts()] == ["timeout"]


def test_without_max_runtime_a_start_waits_its_grace_period(stack: Stack) -> None:
    m = monitor(stack, grace=60)
    stack.ping(m["token"], "/start")
    assert stack.store.monitors.get(m["id"]).deadline_ms == stack.clock.now + 60_000


def test_changing_max_runtime_moves_a_started_runs_deadline(stack: Stack) -> None:
    m = monitor(stack, grace=60)
    stack.ping(m["token"], "/start")
    started = stack.clock.now
    stack.clock.advance(5)
    reply = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"maxRuntime": 900}})
    assert reply.json()["config"]["maxRuntime"] == 900
    assert stack.store.monitors.get(m["id"]).deadline_ms == started + 900_000
    cleared = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"maxRuntime": None}})
    assert cleared.json()["config"]["maxRuntime"] is None
    assert stack.store.monitors.get(m["id"]).deadline_ms == started + 60_000


# ---- minInterval ------------------------------------------------------------------------------


def test_a_success_sooner_than_min_interval_is_early_and_alerts(stack: Stack) -> None:
    m = monitor(stack, interval=3600, minInterval=600)
    stack.ping(m["token"])
    stack.clock.advance(599.999)
    assert stack.ping(m["token"]).status == 200
    status = stack.monitor(m["id"])
    assert status["status"] == "down"
    [incident] = stack.incidents(m["id"])
    assert incident["cause"] == "early"
    assert pings(stack, m)[0]["cause"] == "early"
    assert [(a["event"], a["incident"]["cause"]) for a in stack.alerts()] == [("monitor.down", "early")]


def test_a_success_exactly_min_interval_after_the_previous_one_is_on_time(stack: Stack) -> None:
    m = monitor(stack, interval=3600, minInterval=600)
    stack.ping(m["token"])
    stack.clock.advance(600)
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "up" and stack.alerts() == []


def test_after_an_early_run_the_next_on_time_run_resolves(stack: Stack) -> None:
    m = monitor(stack, interval=3600, minInterval=600)
    stack.ping(m["token"])
    stack.clock.advance(10)
    stack.ping(m["token"])  # early: down
    stack.clock.advance(3600)
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "up"
    assert [a["event"] for a in stack.alerts()] == ["monitor.down", "monitor.up"]


def test_min_interval_must_be_shorter_than_the_interval(stack: Stack) -> None:
    body = {"name": "x", "config": {"expectedInterval": 600, "minInterval": 600}}
    reply = stack.request("POST", "/api/v1/monitors", body)
    assert reply.status == 422 and reply.json()["error"]["details"][0]["field"] == "config.minInterval"
    m = monitor(stack, interval=3600)
    patch = stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"minInterval": 4000}})
    assert patch.status == 422
    assert stack.monitor(m["id"])["config"]["minInterval"] is None


# ---- keywords ---------------------------------------------------------------------------------


def test_a_failure_keyword_turns_a_success_into_a_failure(stack: Stack) -> None:
    m = monitor(stack, failureKeywords=["ERROR"])
    assert stack.ping(m["token"], method="POST", body="backup: 3 files, 0 errors").status == 200
    assert stack.monitor(m["id"])["status"] == "down"  # case-insensitive: "errors" holds "error"
    assert stack.incidents(m["id"])[0]["cause"] == "keyword"
    stack.ping(m["token"], method="POST", body="backup: 3 files copied")
    assert stack.monitor(m["id"])["status"] == "up"


def test_with_success_keywords_a_body_matching_none_is_a_failure(stack: Stack) -> None:
    m = monitor(stack, successKeywords=["backup complete", "nothing to do"])
    stack.ping(m["token"], method="POST", body="Backup COMPLETE in 3 s")
    assert stack.monitor(m["id"])["status"] == "up"
    stack.ping(m["token"], method="POST", body="disk full")
    assert stack.monitor(m["id"])["status"] == "down"
    assert pings(stack, m)[0]["cause"] == "keyword"


def test_keywords_never_judge_start_fail_or_log_pings(stack: Stack) -> None:
    m = monitor(stack, successKeywords=["ok"])
    stack.ping(m["token"], "/start", method="POST", body="starting")
    stack.ping(m["token"], "/log", method="POST", body="halfway")
    assert stack.monitor(m["id"])["status"] == "started"


@pytest.mark.parametrize("body", [b"\xff\xfe\x00\x01 ERROR", "ERROR €".encode()[:-1], b""])
def test_non_utf8_and_cut_bodies_never_crash_the_match(stack: Stack, body: bytes) -> None:
    m = monitor(stack, failureKeywords=["error"], successKeywords=["done"])
    assert stack.ping(m["token"], method="POST", body=body).status == 200
    assert stack.incidents(m["id"])[0]["cause"] == "keyword"


def test_a_keyword_monitor_stays_one_write_in_a_warm_lambda(stack: Stack) -> None:
    m = monitor(stack, failureKeywords=["error"])
    stack.ping(m["token"], method="POST", body="fine")  # a cold Lambda learns the keywords
    calls = stack.count_calls()
    stack.clock.advance(60)
    stack.ping(m["token"], method="POST", body="fine again")
    assert calls == ["UpdateItem", "PutItem"]


def test_a_keyword_change_is_never_missed_by_a_warm_ping(stack: Stack) -> None:
    m = monitor(stack, failureKeywords=["error"])
    stack.ping(m["token"], method="POST", body="fine")
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"failureKeywords": ["fine"]}})
    stack.ping(m["token"], method="POST", body="fine")
    assert stack.monitor(m["id"])["status"] == "down"
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"failureKeywords": []}})
    stack.ping(m["token"], method="POST", body="fine")
    assert stack.monitor(m["id"])["status"] == "up"


# ---- manual resume ----------------------------------------------------------------------------


def test_a_paused_monitor_with_manual_resume_ignores_pings_until_resumed(stack: Stack) -> None:
    m = monitor(stack, manualResume=True)
    stack.ping(m["token"])
    stack.request("POST", f"/api/v1/monitors/{m['id']}/pause")
    for suffix in ("", "/start", "/fail", "/1", "/log"):
        assert stack.ping(m["token"], suffix).status == 200
    after = stack.monitor(m["id"])
    assert after["status"] == "paused" and after["nextDeadline"] is None and after["openIncident"] is None
    assert all(p["ignored"] for p in pings(stack, m)[:5]) and not pings(stack, m)[5]["ignored"]
    stack.clock.advance(7200)
    stack.sweep()
    assert stack.alerts() == []

    stack.request("POST", f"/api/v1/monitors/{m['id']}/resume")
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "up"


def test_turning_manual_resume_off_lets_the_next_ping_resume(stack: Stack) -> None:
    m = monitor(stack, manualResume=True)
    stack.request("POST", f"/api/v1/monitors/{m['id']}/pause")
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"manualResume": False}})
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "up"


# ---- POST-only ---------------------------------------------------------------------------------


def test_a_post_only_monitor_ignores_get_and_head_and_counts_post(stack: Stack) -> None:
    # Given a POST-only monitor that a chat's link preview keeps fetching with GET
    m = monitor(stack, postOnly=True)
    stack.ping(m["token"], method="POST")
    stack.clock.advance(10)
    for method, suffix in (("GET", ""), ("HEAD", ""), ("GET", "/fail"), ("GET", "/1"), ("GET", "/start")):
        assert stack.ping(m["token"], suffix, method=method).status == 200
    # Then none of them changed it: no failure, no start, the deadline still the POST's
    after = stack.monitor(m["id"])
    assert after["status"] == "up" and after["openIncident"] is None and after["lastStartAt"] is None
    assert [p["ignored"] for p in pings(stack, m)] == [True] * 5 + [False]
    # And a POST failure still counts
    stack.ping(m["token"], "/fail", method="POST")
    assert stack.monitor(m["id"])["status"] == "down"


def test_a_get_ping_made_after_a_monitor_turned_post_only_is_ignored_by_a_warm_lambda(stack: Stack) -> None:
    m = monitor(stack)
    stack.ping(m["token"])  # the ping path has seen this monitor as one that takes any method
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"postOnly": True}})
    stack.ping(m["token"], "/fail")
    assert stack.monitor(m["id"])["status"] == "up" and pings(stack, m)[0]["ignored"]
    stack.request("PATCH", f"/api/v1/monitors/{m['id']}", {"config": {"postOnly": False}})
    stack.ping(m["token"], "/fail")
    assert stack.monitor(m["id"])["status"] == "down"
