"""The management API: auth, validation, and each route's behaviour."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from heartbeat.domain.tokens import is_token
from tests.harness import Stack

MONITORS = "/api/v1/monitors"
MISSING_ID = "0123456789abcdef0123456789abcdef"


def error_of(reply) -> dict:  # type: ignore[no-untyped-def]
    body = reply.json()
    assert set(body) == {"error"}, body
    return body["error"]


# ---- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-api-key": "hb_wrong"}, {"authorization": "Bearer hb_wrong"}, {"authorization": "Basic abc"}],
)
def test_missing_or_wrong_key_is_401_with_a_json_error(stack: Stack, headers: dict) -> None:
    reply = stack.request("GET", MONITORS, headers=headers, key=None)
    assert reply.status == 401
    assert error_of(reply)["code"] == "unauthorized"


def test_bearer_token_works_like_x_api_key(stack: Stack) -> None:
    reply = stack.request("GET", MONITORS, headers={"Authorization": f"Bearer {stack.admin_key}"}, key=None)
    assert reply.status == 200


def test_keys_are_stored_hashed(stack: Stack) -> None:
    items = stack.dynamodb.scan(TableName=stack.refs["Table"])["Items"]
    assert all(stack.admin_key not in str(item) for item in items)
    assert any(item["pk"]["S"].startswith("KEY#") for item in items)


def test_a_read_key_can_read_but_not_write(stack: Stack) -> None:
    read_key = stack.make_key("read")
    assert stack.request("GET", MONITORS, key=read_key).status == 200
    reply = stack.request("POST", MONITORS, {"name": "x"}, key=read_key)
    assert reply.status == 403 and error_of(reply)["code"] == "forbidden"
    assert stack.request("GET", MONITORS).json()["items"] == []


def test_a_read_key_never_sees_a_ping_token(stack: Stack) -> None:
    m = stack.create_monitor()
    read_key = stack.make_key("read")
    for path in (MONITORS, f"{MONITORS}/{m['id']}", f"{MONITORS}/{m['id']}/pings", f"{MONITORS}/{m['id']}/incidents"):
        reply = stack.request("GET", path, key=read_key)
        assert reply.status == 200 and m["token"].encode() not in reply.body, path
    assert stack.request("GET", f"{MONITORS}/{m['id']}", key=read_key).json()["pingUrl"] is None
    assert stack.request("GET", f"{MONITORS}/{m['id']}").json()["pingUrl"].endswith(m["token"])


# ---- create ------------------------------------------------------------------------------------


def test_create_returns_the_monitor_in_the_seed_shape(stack: Stack) -> None:
    reply = stack.request(
        "POST",
        MONITORS,
        {
            "name": "Nightly Backup",
            "type": "HEARTBEAT",
            "config": {"expectedInterval": 86400, "gracePeriod": 3600},
            "tags": ["infrastructure", "infrastructure", "db"],
        },
    )
    assert reply.status == 201
    m = reply.json()
    assert m["name"] == "Nightly Backup" and m["type"] == "HEARTBEAT"
    assert m["config"] == {
        "expectedInterval": 86400,
        "gracePeriod": 3600,
        # Every other setting, at its default: off, or 1 for the thresholds.
        "maxRuntime": None,
        "minInterval": None,
        "successKeywords": [],
        "failureKeywords": [],
        "failureThreshold": 1,
        "recoveryThreshold": 1,
        "realertInterval": None,
        "manualResume": False,
        "postOnly": False,
        "events": [],
        "dependsOn": [],
        "quorum": None,
    }
    assert m["description"] == ""
    assert m["tags"] == ["infrastructure", "db"]
    assert m["status"] == "new" and m["lastPingAt"] is None and m["nextDeadline"] is None
    assert m["createdAt"].endswith("Z")
    prefix = "https://api.example.com/api/v1/heartbeat/"
    assert m["pingUrl"].startswith(prefix) and is_token(m["pingUrl"][len(prefix) :])
    assert m["id"] not in m["pingUrl"]  # the id is not the secret


def test_create_applies_defaults(stack: Stack) -> None:
    m = stack.request("POST", MONITORS, {"name": "defaults"}).json()
    assert m["config"].items() >= {"expectedInterval": 86400, "gracePeriod": 3600}.items() and m["type"] == "HEARTBEAT"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "type": "HTTP"}, "type"),
        ({"type": "HEARTBEAT"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "x", "config": {"expectedInterval": 0}}, "config.expectedInterval"),
        ({"name": "x", "config": {"gracePeriod": 0}}, "config.gracePeriod"),
        ({"name": "x", "config": {"expectedInterval": 365 * 86400 + 1}}, "config.expectedInterval"),
        ({"name": "x", "config": {"expectedInterval": "60"}}, "config.expectedInterval"),
        ({"name": "x", "config": {"expectedInterval": 1.5}}, "config.expectedInterval"),
        ({"name": "x", "config": {"expectedInterval": 60, "schedule": "0 2 * * *"}}, "config"),
        ({"name": "x", "config": {"schedule": "61 * * * *"}}, "config.schedule"),
        ({"name": "x", "config": {"schedule": "0 2 * *"}}, "config.schedule"),
        ({"name": "x", "config": {"schedule": "@fortnightly"}}, "config.schedule"),
        ({"name": "x", "config": {"schedule": "0 2 * * *", "timezone": "Europe/Atlantis"}}, "config.timezone"),
        ({"name": "x", "config": {"schedule": "0 2 * * *", "timezone": "../../etc/passwd"}}, "config.timezone"),
        # issue 26: a host's file that is no IANA zone (its meaning depends on the machine), absurd lengths
        ({"name": "x", "config": {"schedule": "0 2 * * *", "timezone": "localtime"}}, "config.timezone"),
        ({"name": "x", "config": {"schedule": "0 2 * * *", "timezone": "posixrules"}}, "config.timezone"),
        ({"name": "x", "config": {"schedule": "0 2 * * *", "timezone": "Europe/" + "x" * 249}}, "config.timezone"),
        ({"name": "x", "config": {"expectedIntervall": 60}}, "config.expectedIntervall"),
        ({"name": "x", "tags": "infra"}, "tags"),
        ({"name": "x", "tags": ["has space"]}, "tags[0]"),
        ({"name": "x", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "x", "owner": "me"}, "owner"),
    ],
)
def test_invalid_monitor_is_422_naming_the_field(stack: Stack, body: dict, field: str) -> None:
    reply = stack.request("POST", MONITORS, body)
    assert reply.status == 422, reply.body
    error = error_of(reply)
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]], error
    assert stack.request("GET", MONITORS).json()["items"] == []


def test_unsupported_type_names_the_supported_one(stack: Stack) -> None:
    error = error_of(stack.request("POST", MONITORS, {"name": "x", "type": "HTTP"}))
    assert "HEARTBEAT" in error["message"]


@pytest.mark.parametrize("body", ["[]", "null", '"text"', ""])  # not JSON at all: 400, below
def test_a_body_that_is_not_a_json_object_is_422(stack: Stack, body: str) -> None:
    reply = stack.request("POST", MONITORS, body, headers={"content-type": "application/json"})
    assert reply.status == 422, reply.body
    assert error_of(reply)["code"] == "validation_error"


# ---- read, list, page ----------------------------------------------------------------------------


def test_get_unknown_or_malformed_id_is_404(stack: Stack) -> None:
    for monitor_id in (MISSING_ID, "nope", "%2e%2e%2fetc", "A" * 32):
        reply = stack.request("GET", f"{MONITORS}/{monitor_id}")
        assert reply.status == 404 and error_of(reply)["code"] == "not_found"


def test_list_is_sorted_by_name_and_paginates_with_a_cursor(stack: Stack) -> None:
    for name in ["delta", "Alpha", "charlie", "bravo", "echo"]:
        stack.create_monitor(name=name)
    first = stack.request("GET", f"{MONITORS}?limit=2").json()
    assert [m["name"] for m in first["items"]] == ["Alpha", "bravo"]
    second = stack.request("GET", f"{MONITORS}?limit=2&cursor={first['nextCursor']}").json()
    assert [m["name"] for m in second["items"]] == ["charlie", "delta"]
    third = stack.request("GET", f"{MONITORS}?limit=2&cursor={second['nextCursor']}").json()
    assert [m["name"] for m in third["items"]] == ["echo"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=bm9wZQ"])
def test_bad_list_parameters_are_4xx(stack: Stack, query: str) -> None:
    stack.create_monitor()
    reply = stack.request("GET", f"{MONITORS}?{query}")
    assert reply.status == 422, reply.body
    assert error_of(reply)["code"] == "validation_error"


def test_pings_are_listed_newest_first_with_a_cursor(stack: Stack) -> None:
    m = stack.create_monitor()
    for i in range(5):
        stack.ping(m["token"], method="POST", body=f"run {i}")
        stack.clock.advance(1)
    page = stack.request("GET", f"{MONITORS}/{m['id']}/pings?limit=3").json()
    assert [p["bodyPreview"] for p in page["items"]] == ["run 4", "run 3", "run 2"]
    rest = stack.request("GET", f"{MONITORS}/{m['id']}/pings?limit=3&cursor={page['nextCursor']}").json()
    assert [p["n"] for p in rest["items"]] == [2, 1] and rest["nextCursor"] is None


def test_a_cursor_from_another_list_is_refused(stack: Stack) -> None:
    a, b = stack.create_monitor(name="a"), stack.create_monitor(name="b")
    for _ in range(3):
        stack.ping(a["token"])
    cursor = stack.request("GET", f"{MONITORS}/{a['id']}/pings?limit=1").json()["nextCursor"]
    assert stack.request("GET", f"{MONITORS}/{b['id']}/incidents?cursor={cursor}").status == 422


# ---- change ------------------------------------------------------------------------------------


def test_patch_changes_fields_and_moves_an_armed_deadline(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])
    pinged_at = stack.clock.now
    stack.clock.advance(10)

    reply = stack.request(
        "PATCH", f"{MONITORS}/{m['id']}", {"name": "Renamed", "config": {"gracePeriod": 600}, "tags": ["x"]}
    )

    assert reply.status == 200
    after = reply.json()
    assert after["name"] == "Renamed" and after["tags"] == ["x"]
    assert after["config"].items() >= {"expectedInterval": 60, "gracePeriod": 600}.items()
    assert stack.store.monitors.get(m["id"]).deadline_ms == pinged_at + 660_000
    assert [x["name"] for x in stack.request("GET", MONITORS).json()["items"]] == ["Renamed"]


def test_patch_with_bad_values_is_422_and_changes_nothing(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    reply = stack.request("PATCH", f"{MONITORS}/{m['id']}", {"name": "ok", "config": {"gracePeriod": -1}})
    assert reply.status == 422
    assert stack.monitor(m["id"])["name"] == "Nightly Backup"


def test_patch_unknown_monitor_is_404(stack: Stack) -> None:
    assert stack.request("PATCH", f"{MONITORS}/{MISSING_ID}", {"name": "x"}).status == 404


def test_delete_removes_the_monitor_and_its_ping_url(stack: Stack) -> None:
    m = stack.create_monitor()
    stack.ping(m["token"], "/fail")

    assert stack.request("DELETE", f"{MONITORS}/{m['id']}").status == 204

    assert stack.request("GET", f"{MONITORS}/{m['id']}").status == 404
    assert stack.request("DELETE", f"{MONITORS}/{m['id']}").status == 404
    assert stack.ping(m["token"]).status == 404
    assert stack.request("GET", f"{MONITORS}/{m['id']}/incidents").status == 404
    left = stack.dynamodb.scan(TableName=stack.refs["Table"])["Items"]
    assert {i["sk"]["S"].split("#")[0] for i in left if i["pk"]["S"] == f"MON#{m['id']}"} <= {"PING"}


def test_pause_stops_watching_and_resume_waits_for_the_next_ping(stack: Stack) -> None:
    m = stack.create_monitor(interval=60, grace=30)
    stack.ping(m["token"])

    paused = stack.request("POST", f"{MONITORS}/{m['id']}/pause").json()
    assert paused["status"] == "paused" and paused["nextDeadline"] is None
    stack.clock.advance(3600)
    stack.sweep()
    assert stack.alerts() == []

    resumed = stack.request("POST", f"{MONITORS}/{m['id']}/resume").json()
    assert resumed["status"] == "new"
    stack.ping(m["token"])
    assert stack.monitor(m["id"])["status"] == "up"


def test_resume_does_not_reset_a_monitor_that_is_not_paused(stack: Stack) -> None:
    m = stack.create_monitor()
    stack.ping(m["token"])
    assert stack.request("POST", f"{MONITORS}/{m['id']}/resume").json()["status"] == "up"


def test_pause_and_resume_unknown_monitor_are_404(stack: Stack) -> None:
    assert stack.request("POST", f"{MONITORS}/{MISSING_ID}/pause").status == 404
    assert stack.request("POST", f"{MONITORS}/{MISSING_ID}/resume").status == 404


def test_an_undeclared_method_gets_api_gateways_404(stack: Stack) -> None:
    assert stack.request("PUT", MONITORS, {"name": "x"}).status == 404


def test_patch_on_a_started_run_moves_its_deadline_with_the_grace(stack: Stack) -> None:
    m = stack.create_monitor(interval=3600, grace=60)
    stack.ping(m["token"], "/start")
    started = stack.clock.now
    stack.clock.advance(10)

    stack.request("PATCH", f"{MONITORS}/{m['id']}", {"config": {"gracePeriod": 300}})

    assert stack.store.monitors.get(m["id"]).deadline_ms == started + 300_000


# ---- list filters --------------------------------------------------------------------------------


def test_list_filters_by_every_tag_given_status_and_name_prefix(stack: Stack) -> None:
    backup = stack.create_monitor(name="Backup db", tags=["infrastructure", "db"])
    stack.create_monitor(name="Backup files", tags=["infrastructure"])
    report = stack.create_monitor(name="Reports", tags=["finance"])
    stack.ping(backup["token"])
    stack.ping(report["token"], "/fail")

    def names(query: str) -> list[str]:
        reply = stack.request("GET", f"{MONITORS}?{query}")
        assert reply.status == 200, reply.body
        return [m["name"] for m in reply.json()["items"]]

    assert names("tag=infrastructure") == ["Backup db", "Backup files"]
    assert names("tag=infrastructure&tag=db") == ["Backup db"]
    assert names("status=down") == ["Reports"]
    assert names("status=new&tag=infrastructure") == ["Backup files"]
    assert names("name=backup") == ["Backup db", "Backup files"]
    assert names("name=BACKUP%20F") == ["Backup files"]
    assert names("name=nothing") == []
    assert stack.request("GET", f"{MONITORS}?status=sleeping").status == 422


def test_a_filtered_listing_pages_through_every_match(stack: Stack) -> None:
    for i in range(7):
        stack.create_monitor(name=f"job {i}", tags=["even"] if i % 2 == 0 else ["odd"])
    seen, cursor = [], None
    while True:
        query = "tag=even&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = stack.request("GET", f"{MONITORS}?{query}").json()
        seen += [m["name"] for m in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ["job 0", "job 2", "job 4", "job 6"]


def test_a_cursor_from_another_name_prefix_is_refused(stack: Stack) -> None:
    for name in ("alpha 1", "alpha 2", "beta 1"):
        stack.create_monitor(name=name)
    cursor = stack.request("GET", f"{MONITORS}?limit=1").json()["nextCursor"]
    reply = stack.request("GET", f"{MONITORS}?name=beta&cursor={cursor}")
    assert reply.status == 422 and error_of(reply)["details"][0]["field"] == "cursor"


# ---- incidents across monitors, uptime -------------------------------------------------------------


def test_incidents_across_monitors_newest_first_by_status_and_since(stack: Stack) -> None:
    a, b = stack.create_monitor(name="a"), stack.create_monitor(name="b")
    stack.ping(a["token"], "/fail")
    first = stack.clock.now
    stack.clock.advance(60)
    stack.ping(b["token"], "/fail")
    stack.clock.advance(60)
    stack.ping(a["token"])  # resolves a's incident

    def listing(query: str = "") -> list[tuple[str, str]]:
        reply = stack.request("GET", f"/api/v1/incidents{query}")
        assert reply.status == 200, reply.body
        return [(i["monitorId"], i["status"]) for i in reply.json()["items"]]

    assert listing() == [(b["id"], "open"), (a["id"], "resolved")]
    assert listing("?status=open") == [(b["id"], "open")]
    assert listing("?status=resolved") == [(a["id"], "resolved")]
    since = datetime.fromtimestamp((first + 1) / 1000, UTC).isoformat()
    assert listing(f"?since={quote(since)}") == [(b["id"], "open")]
    page = stack.request("GET", "/api/v1/incidents?limit=1").json()
    rest = stack.request("GET", f"/api/v1/incidents?limit=1&cursor={page['nextCursor']}").json()
    assert [i["monitorId"] for i in page["items"] + rest["items"]] == [b["id"], a["id"]]
    bad = stack.request("GET", "/api/v1/incidents?since=yesterday")
    assert bad.status == 422 and error_of(bad)["details"][0]["field"] == "since"


def test_uptime_over_a_window_counts_incident_time_and_lists_the_flips(stack: Stack) -> None:
    m = stack.create_monitor(interval=86400, grace=3600)
    stack.ping(m["token"])
    stack.clock.advance(3600)
    stack.ping(m["token"], "/fail")
    stack.clock.advance(360)  # down for 6 minutes
    stack.ping(m["token"])
    stack.clock.advance(86400 - 3960)  # a day since creation
    reply = stack.request("GET", f"/api/v1/monitors/{m['id']}/uptime?days=30").json()
    assert reply["downtimeSeconds"] == 360.0 and reply["incidents"] == 1
    assert reply["uptimePercent"] == round(100 * (1 - 360 / 86400), 3)  # the window starts at creation
    assert [(f["status"], f["cause"]) for f in reply["flips"]] == [("down", "failed"), ("up", None)]
    stack.clock.advance(2 * 86400)
    assert stack.request("GET", f"/api/v1/monitors/{m['id']}/uptime?days=1").json()["uptimePercent"] == 100.0
    assert stack.request("GET", f"/api/v1/monitors/{m['id']}/uptime?days=0").status == 422


# ---- status codes ----------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_400_and_stores_nothing(stack: Stack) -> None:
    for body in ('{"name": ', "not json", "{'name': 'x'}"):
        reply = stack.request("POST", MONITORS, body, headers={"content-type": "application/json"})
        assert reply.status == 400, body
        assert error_of(reply)["code"] == "invalid_json" and "not valid JSON" in error_of(reply)["message"]
    assert stack.request("GET", MONITORS).json()["items"] == []


def test_json_is_read_as_json_whatever_the_client_labels_it(stack: Stack) -> None:
    # `curl -d '{...}'` without -H sends application/x-www-form-urlencoded.
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "application/octet-stream"):
        body = json.dumps({"name": f"labelled {content_type}"})
        reply = stack.request("POST", MONITORS, body, headers={"content-type": content_type})
        assert reply.status == 201, (content_type, reply.body)
    reply = stack.request("POST", MONITORS, "name=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 400 and error_of(reply)["code"] == "invalid_json"


def test_a_body_over_5_mb_is_413(stack: Stack) -> None:
    doc = '{"version": "1", "monitors": [' + ",".join(['{"name": "' + "x" * 190 + '"}'] * 26_000) + "]}"
    reply = stack.request("POST", "/api/v1/apply", doc, headers={"content-type": "application/json"})
    assert reply.status == 413 and error_of(reply)["code"] == "payload_too_large"
    assert stack.request("GET", MONITORS).json()["items"] == []
