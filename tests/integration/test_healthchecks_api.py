"""Healthchecks' Management API (issue 15): its shapes, semantics, keys and errors, over the handlers
and moto. The real clients drive it over HTTP in tests/e2e/test_healthchecks_clients.py."""

from __future__ import annotations

import string
from typing import Any

import pytest

from tests.harness import Reply, Request, Stack

V3 = "/api/v3/checks/"


def create(stack: Stack, body: dict[str, Any], version: int = 3, key: str | None = "admin") -> Reply:
    return stack.request("POST", f"/api/v{version}/checks/", body, key=key)


def hc_ping(stack: Stack, uuid: str, suffix: str = "", method: str = "GET", body: str | None = None) -> Reply:
    return stack.request(method, f"/ping/{uuid}{suffix}", body=body, key=None)


def error(reply: Reply) -> str:
    assert reply.headers["content-type"] == "application/json"
    return str(reply.json()["error"])


# ---- create, unique, update ------------------------------------------------------------------------


def test_create_answers_healthchecks_check_with_working_absolute_urls(stack: Stack) -> None:
    reply = create(stack, {"name": "Backups", "tags": "prod db", "timeout": 3600, "grace": 120, "desc": "nightly"})
    assert reply.status == 201
    c = reply.json()
    assert {k: c[k] for k in ("name", "slug", "tags", "desc", "grace", "timeout", "n_pings", "status")} == {
        "name": "Backups", "slug": "backups", "tags": "prod db", "desc": "nightly", "grace": 120, "timeout": 3600,
        "n_pings": 0, "status": "new",
    }  # fmt: skip
    uuid = c["uuid"]
    assert c["ping_url"] == f"https://api.example.com/ping/{uuid}"
    assert c["update_url"] == f"https://api.example.com/api/v3/checks/{uuid}"
    assert c["pause_url"] == c["update_url"] + "/pause" and c["resume_url"] == c["update_url"] + "/resume"
    assert "schedule" not in c and "unique_key" not in c
    # The ping URL pings it, and the check shows it
    assert hc_ping(stack, uuid).status == 200
    after = stack.request("GET", f"{V3}{uuid}").json()
    assert after["status"] == "up" and after["n_pings"] == 1 and after["last_ping"].endswith("+00:00")
    assert after["next_ping"] is not None


def test_unique_matches_an_existing_check_and_updates_it(stack: Stack) -> None:
    first = create(stack, {"name": "Backups", "timeout": 3600, "unique": ["name"]})
    again = create(stack, {"name": "Backups", "timeout": 7200, "grace": 300, "unique": ["name"]})
    assert (first.status, again.status) == (201, 200)
    assert again.json()["uuid"] == first.json()["uuid"] and again.json()["timeout"] == 7200
    # A field named in unique but absent from the body: no lookup, a new check (as Healthchecks)
    other = create(stack, {"timeout": 7200, "unique": ["name"]})
    assert other.status == 201 and other.json()["uuid"] != first.json()["uuid"]
    by_slug = create(stack, {"name": "Other name", "slug": "backups", "unique": ["slug"]})
    assert by_slug.status == 200 and by_slug.json()["uuid"] == first.json()["uuid"]


def test_a_schedule_wins_over_a_timeout_and_the_timezone_is_kept(stack: Stack) -> None:
    c = create(stack, {"name": "Cron", "schedule": "0 2 * * *", "tz": "Europe/Riga", "timeout": 60}).json()
    assert (c["schedule"], c["tz"]) == ("0 2 * * *", "Europe/Riga") and "timeout" not in c
    back = stack.request("POST", f"{V3}{c['uuid']}", {"timeout": 600}).json()
    assert back["timeout"] == 600 and "schedule" not in back


def test_v1_and_v2_derive_the_slug_from_a_new_name_and_v3_keeps_it(stack: Stack) -> None:
    c = create(stack, {"name": "Nightly Backup"}).json()
    assert stack.request("POST", f"/api/v3/checks/{c['uuid']}", {"name": "Renamed"}).json()["slug"] == "nightly-backup"
    assert stack.request("POST", f"/api/v1/checks/{c['uuid']}", {"name": "default/foo"}).json()["slug"] == "defaultfoo"
    explicit = stack.request("POST", f"/api/v2/checks/{c['uuid']}", {"name": "Again", "slug": "mine"}).json()
    assert explicit["slug"] == "mine"


def test_heartbeat_only_settings_ride_in_the_extension_and_survive_updates_without_it(stack: Stack) -> None:
    c = create(stack, {"name": "Job", "heartbeat": {"maxRuntime": 900, "failureThreshold": 3}}).json()
    assert c["heartbeat"]["maxRuntime"] == 900 and c["heartbeat"]["failureThreshold"] == 3
    after = stack.request("POST", f"{V3}{c['uuid']}", {"grace": 600, "tags": "x"}).json()
    assert after["heartbeat"]["maxRuntime"] == 900 and after["heartbeat"]["failureThreshold"] == 3
    cleared = stack.request("POST", f"{V3}{c['uuid']}", {"heartbeat": {"maxRuntime": None}}).json()
    assert cleared["heartbeat"]["maxRuntime"] is None
    unique_key = stack.request("GET", f"{V3}{c['uuid']}", key=stack.make_key("read")).json()["unique_key"]
    native = stack.request("GET", f"/api/v1/monitors/{unique_key}")
    assert native.json()["config"]["failureThreshold"] == 3 and native.json()["config"]["gracePeriod"] == 600


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"timeout": 59}, "json validation error: timeout is too small"),
        ({"grace": 31_536_001}, "json validation error: grace is too large"),
        ({"timeout": 60.0}, "json validation error: timeout is not a number"),
        ({"name": None}, "json validation error: name is not a string"),
        ({"grace": None}, "json validation error: grace is not a number"),
        ({"manual_resume": 1}, "json validation error: manual_resume is not a boolean"),
        ({"methods": "GET"}, "json validation error: methods has unexpected value"),
        ({"unique": ["uuid"]}, "json validation error: an item in 'unique' has unexpected value"),
        ({"unique": "name"}, "json validation error: unique is not an array"),
        ({"slug": "Upper"}, "json validation error: slug does not match pattern"),
        ({"schedule": "61 * * * *"}, "json validation error: schedule is not a valid cron or OnCalendar expression"),
        ({"tz": "Mars/Olympus"}, "json validation error: tz is not a valid timezone"),
        ({"start_kw": "begin"}, "json validation error: start_kw is not supported by Heartbeat"),
        ({"channels": "nope"}, "invalid channel identifier: nope"),
        ({"channels": ","}, "empty channel identifier"),
        (
            {"success_kw": "ok", "filter_http_body": False},
            "json validation error: keywords always judge HTTP ping bodies in Heartbeat;"
            " filter_http_body cannot be false with them",
        ),
    ],
)
def test_bad_input_is_a_400_with_healthchecks_wording_and_changes_nothing(
    stack: Stack, body: dict[str, Any], message: str
) -> None:
    c = create(stack, {"name": "Kept", "timeout": 3600}).json()
    for reply in (create(stack, body), stack.request("POST", f"{V3}{c['uuid']}", body)):
        assert reply.status == 400 and error(reply) == message
    assert stack.request("GET", f"{V3}{c['uuid']}").json() == c
    assert len(stack.request("GET", V3).json()["checks"]) == 1


def test_an_unknown_field_is_refused_and_named_not_silently_dropped(stack: Stack) -> None:
    reply = create(stack, {"name": "Job", "maxRuntime": 600})
    assert reply.status == 400 and error(reply).startswith("json validation error: maxRuntime is not a known field")
    assert '"heartbeat"' in error(reply)


def test_malformed_bodies_are_400s(stack: Stack) -> None:
    assert error(create_raw(stack, b"{not json")) == "could not parse request body"
    assert error(create_raw(stack, b"[1, 2]")) == "json validation error: value is not an object"
    assert error(create_raw(stack, b"\xff\xfe")) == "could not parse request body"


def create_raw(stack: Stack, raw: bytes) -> Reply:
    reply = stack.request("POST", V3, raw, headers={"content-type": "application/json"})
    assert reply.status == 400
    return reply


def test_methods_post_ignores_get_pings_and_keywords_judge_bodies(stack: Stack) -> None:
    c = create(stack, {"name": "Job", "methods": "POST", "success_kw": "done, ok", "failure_kw": "ERROR"}).json()
    assert (c["methods"], c["success_kw"], c["failure_kw"], c["filter_http_body"]) == ("POST", "done,ok", "ERROR", True)
    hc_ping(stack, c["uuid"])  # a link preview
    hc_ping(stack, c["uuid"], method="POST", body="all done")
    pings = stack.request("GET", f"{V3}{c['uuid']}/pings/").json()["pings"]
    assert [p["type"] for p in pings] == ["success", "ign"]
    hc_ping(stack, c["uuid"], method="POST", body="ERROR: disk full")
    assert stack.request("GET", f"{V3}{c['uuid']}").json()["status"] == "down"


def test_the_email_only_subject_filters_are_taken_and_judge_no_http_ping(stack: Stack) -> None:
    c = create(stack, {"name": "Mail job", "subject": "SUCCESS", "subject_fail": "FAIL", "filter_subject": True})
    assert c.status == 201 and c.json()["success_kw"] == "" and c.json()["failure_kw"] == ""
    hc_ping(stack, c.json()["uuid"], method="POST", body="FAIL is in this body, and it is no email")
    assert stack.request("GET", f"{V3}{c.json()['uuid']}").json()["status"] == "up"


# ---- keys ------------------------------------------------------------------------------------------


def test_keys_missing_wrong_read_only_and_in_the_body(stack: Stack) -> None:
    c = create(stack, {"name": "Job"}).json()
    read = stack.make_key("read")
    assert create(stack, {"name": "x"}, key=None).status == 401
    assert error(create(stack, {"name": "x"}, key=None)) == "missing api key"
    assert error(create(stack, {"name": "x"}, key="A" * 32)) == "wrong api key"
    # A read key changes nothing and reads pings nothing, with Healthchecks' 401
    for method, path in (("POST", V3), ("POST", f"{V3}{c['uuid']}/pause"), ("DELETE", f"{V3}{c['uuid']}"),
                         ("GET", f"{V3}{c['uuid']}/pings/"), ("GET", "/api/v3/channels/")):  # fmt: skip
        reply = stack.request(method, path, {} if method == "POST" else None, key=read)
        assert (reply.status, error(reply)) == (401, "wrong api key"), path
    # POST takes the key in the body too
    in_body = create(stack, {"name": "Body key", "api_key": stack.admin_key}, key=None)
    assert in_body.status == 201


def test_a_read_key_sees_the_unique_key_and_never_the_ping_token(stack: Stack) -> None:
    c = create(stack, {"name": "Job", "tags": "a"}).json()
    read = stack.make_key("read")
    listed = stack.request("GET", V3, key=read)
    assert c["uuid"].encode() not in listed.body
    [seen] = listed.json()["checks"]
    assert "uuid" not in seen and "ping_url" not in seen and "update_url" not in seen
    assert stack.request("GET", f"{V3}{seen['unique_key']}", key=read).json()["name"] == "Job"
    # The unique key reads; it does not write (only a uuid addresses a change): 405, as Healthchecks
    for method in ("POST", "DELETE"):
        reply = stack.request(method, f"{V3}{seen['unique_key']}", {"name": "x"} if method == "POST" else None)
        assert (reply.status, reply.headers["allow"]) == (405, "GET, OPTIONS"), method
    assert stack.request("GET", f"{V3}{seen['unique_key']}", key=read).json()["name"] == "Job"


def test_a_healthchecks_form_key_is_32_characters_and_works(stack: Stack) -> None:
    made = stack.request("POST", "/api/v1/keys", {"name": "terraform", "role": "admin", "form": "healthchecks"})
    key = made.json()["key"]
    assert len(key) == 32 and not key.startswith("hb_")
    assert create(stack, {"name": "With a pasted key"}, key=key).status == 201


# ---- listing, pause, resume, delete ------------------------------------------------------------------


def test_list_filters_by_every_tag_given_and_by_slug(stack: Stack) -> None:
    create(stack, {"name": "A", "tags": "prod db"})
    create(stack, {"name": "B", "tags": "prod"})
    create(stack, {"name": "C", "tags": "production"})

    def names(query: str) -> list[str]:
        return sorted(c["name"] for c in stack.request("GET", f"{V3}{query}").json()["checks"])

    assert names("?tag=prod") == ["A", "B"]
    assert names("?tag=prod&tag=db") == ["A"]
    assert names("?slug=b") == ["B"]
    assert names("") == ["A", "B", "C"]


def test_pause_resume_and_resume_when_not_paused(stack: Stack) -> None:
    c = create(stack, {"name": "Job"}).json()
    hc_ping(stack, c["uuid"])
    paused = stack.request("POST", c["pause_url"].removeprefix("https://api.example.com"))
    assert paused.status == 200 and paused.json()["status"] == "paused"
    resumed = stack.request("POST", f"{V3}{c['uuid']}/resume")
    assert resumed.status == 200 and resumed.json()["status"] == "new"
    again = stack.request("POST", f"{V3}{c['uuid']}/resume")
    assert (again.status, error(again)) == (409, "check is not paused")


def test_delete_answers_the_check_and_then_it_is_gone(stack: Stack) -> None:
    c = create(stack, {"name": "Job"}).json()
    gone = stack.request("DELETE", f"{V3}{c['uuid']}")
    assert gone.status == 200 and gone.json()["uuid"] == c["uuid"]
    assert stack.request("GET", f"{V3}{c['uuid']}").status == 404
    assert stack.request("DELETE", f"{V3}{c['uuid']}").status == 404
    assert hc_ping(stack, c["uuid"]).status == 404


def test_unknown_checks_and_paths_are_json_404s(stack: Stack) -> None:
    for path in (f"{V3}7e0a8c3c-47d7-4d2b-9f5e-2f1c1d1a1b1c", f"{V3}not-a-uuid"):
        reply = stack.request("GET", path)
        assert (reply.status, error(reply)) == (404, "not found"), path
    # A path that is no route of either API gets API Gateway's own answer, as before
    for path in ("/api/v3/nothing/", "/api/v1/nope", "/api/v1/monitors//pings"):
        assert stack.request("GET", path).json() == {"message": "Not Found"}, path
    # Heartbeat's own routes under /api/v1 are untouched by the greedy Healthchecks route
    assert stack.request("GET", "/api/v1/monitors").status == 200


# ---- pings, flips, versions ----------------------------------------------------------------------------


def test_pings_list_their_kind_and_their_body_is_served_raw(stack: Stack) -> None:
    c = create(stack, {"name": "Job"}).json()
    rid = "5c3f3a1e-0a5b-4c4e-9a36-2a4d8b8f8a11"
    hc_ping(stack, c["uuid"], f"/start?rid={rid}", method="POST")
    stack.clock.advance(12.5)
    hc_ping(stack, c["uuid"], f"?rid={rid}", method="POST", body="backup ok")
    hc_ping(stack, c["uuid"], "/3", method="POST", body="exit 3")
    pings = stack.request("GET", f"{V3}{c['uuid']}/pings/").json()["pings"]
    assert [(p["type"], p["n"]) for p in pings] == [("fail", 3), ("success", 2), ("start", 1)]
    assert pings[1]["duration"] == 12.5 and pings[1]["rid"] == rid and pings[1]["remote_addr"] == "198.51.100.7"
    assert pings[2]["body_url"] is None
    body = stack.request("GET", pings[1]["body_url"].removeprefix("https://api.example.com"))
    assert (body.status, body.headers["content-type"], body.body) == (200, "text/plain", b"backup ok")
    assert stack.request("GET", f"{V3}{c['uuid']}/pings/1/body").status == 404  # a start with no body


def test_flips_are_the_incidents_opening_and_closing_filtered_by_time(stack: Stack) -> None:
    c = create(stack, {"name": "Job", "timeout": 60, "grace": 60}).json()
    hc_ping(stack, c["uuid"])
    stack.clock.advance(121)
    stack.sweep()  # down at the deadline
    stack.clock.advance(100)
    hc_ping(stack, c["uuid"])  # up again
    flips = stack.request("GET", f"{V3}{c['uuid']}/flips/").json()["flips"]
    assert [f["up"] for f in flips] == [1, 0] and all(f["timestamp"].endswith("+00:00") for f in flips)
    recent = stack.request("GET", f"{V3}{c['uuid']}/flips/?seconds=50").json()["flips"]
    assert [f["up"] for f in recent] == [1]
    up_at = stack.clock() // 1000
    before = stack.request("GET", f"{V3}{c['uuid']}/flips/?end={up_at}").json()["flips"]
    assert [f["up"] for f in before] == [0]
    for bad in ("?start=x", "?seconds=-1", "?end=99999999999", "?seconds=31536001"):
        assert stack.request("GET", f"{V3}{c['uuid']}/flips/{bad}").status == 400, bad


def test_v1_reports_started_and_v2_v3_report_the_state_before_it(stack: Stack) -> None:
    c = create(stack, {"name": "Job"}).json()
    hc_ping(stack, c["uuid"])
    hc_ping(stack, c["uuid"], "/start")
    for version, status in ((1, "started"), (2, "up"), (3, "up")):
        seen = stack.request("GET", f"/api/v{version}/checks/{c['uuid']}").json()
        assert (seen["status"], seen["started"]) == (status, True), version
        assert seen["update_url"].endswith(f"/api/v{version}/checks/{c['uuid']}")


# ---- channels, badges, status ---------------------------------------------------------------------------


def test_channels_are_the_subscriptions_and_a_check_names_those_its_alerts_reach(stack: Stack) -> None:
    channels = stack.request("GET", "/api/v3/channels/").json()["channels"]
    [queue] = channels  # the harness's own SQS subscription to the alerts topic
    assert queue["kind"] == "sqs" and queue["id"]
    c = create(stack, {"name": "Job", "channels": queue["id"]}).json()
    assert c["channels"] == queue["id"]
    assert create(stack, {"name": "By name", "channels": queue["name"]}).status == 201
    assert create(stack, {"name": "All", "channels": "*"}).status == 201


def test_channels_come_back_as_set_so_a_terraform_plan_settles(stack: Stack) -> None:
    """Issue 30: the Terraform provider sends `"channels": ""` for a check managed without channels and
    reads `channels` back into its state; shown as the subscriptions its alerts reach (here the
    harness's unfiltered queue), every plan had a change that never cleared."""
    [queue] = stack.request("GET", "/api/v3/channels/").json()["channels"]
    body = {"name": "Job", "timeout": 600, "channels": ""}
    c = create(stack, body).json()
    assert c["channels"] == ""
    assert stack.request("GET", f"{V3}{c['uuid']}").json()["channels"] == ""
    calls = stack.count_calls("HealthchecksFunction")
    assert stack.request("POST", f"{V3}{c['uuid']}", body).json()["channels"] == ""  # the next apply: no write
    assert not {"PutItem", "UpdateItem", "TransactWriteItems"} & set(calls), calls
    # By name, it comes back as the id; "*" and a check never given channels show those that take its alerts
    assert stack.request("POST", f"{V3}{c['uuid']}", {"channels": queue["name"]}).json()["channels"] == queue["id"]
    assert stack.request("POST", f"{V3}{c['uuid']}", {"channels": "*"}).json()["channels"] == queue["id"]
    assert create(stack, {"name": "Other"}).json()["channels"] == queue["id"]
    # The alert still reaches the queue: channels decide nothing about delivery
    stack.request("POST", f"{V3}{c['uuid']}", {"channels": ""})
    assert stack.ping(c["uuid"], "/fail").status == 200
    assert [a["event"] for a in stack.alerts()] == ["monitor.down"]


def test_badges_per_tag_and_status_needs_no_key(stack: Stack) -> None:
    create(stack, {"name": "Job", "tags": "prod"})
    badges = stack.request("GET", "/api/v3/badges/").json()["badges"]
    assert set(badges) == {"prod"} and badges["prod"]["svg"].endswith("/prod.svg")
    svg = stack.request("GET", badges["prod"]["svg"].removeprefix("https://api.example.com"), key=None)
    assert svg.status == 200 and svg.headers["content-type"] == "image/svg+xml"
    status = stack.request("GET", "/api/v3/status/", key=None)
    assert (status.status, status.body) == (200, b"OK")


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_read_key_gets_no_badge_key_and_makes_none(stack: Stack, version: int) -> None:
    # The badge key is the native API's to show to admin keys only (GET /api/v1/badge-key: 403 for a read key)
    stack.create_monitor("Job", tags=["prod"])  # natively: a check's badge_url would make the key
    reply = stack.request("GET", f"/api/v{version}/badges/", key=stack.make_key("read"))
    assert (reply.status, error(reply)) == (401, "wrong api key")
    assert stack.store.deployment_keys.get("BADGEKEY") is None  # and no key was made on its behalf


def test_an_upsert_that_changes_nothing_writes_nothing(stack: Stack) -> None:
    # An operator reconciles every check each minute: the same body again is a read, not a write
    # (which would also make warm ping Lambdas forget the check's rules)
    body = {"name": "Job", "timeout": 600, "tags": "prod  db", "unique": ["name", "tags"]}
    made = create(stack, body, version=1)
    calls = stack.count_calls("HealthchecksFunction")
    again = create(stack, body, version=1)
    assert (made.status, again.status) == (201, 200) and again.json()["uuid"] == made.json()["uuid"]
    assert not {"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem"} & set(calls), calls


@pytest.mark.parametrize("unique", ["name", "slug"])
def test_upserts_at_once_make_one_check_and_every_loser_gets_it(stack: Stack, unique: str) -> None:
    """Issue 26: an operator's reconciles land together; `unique` holds under concurrency. The first
    upsert creates (201); every other answers 200 with that check, as for an existing match."""
    ping_key = stack.request("GET", "/api/v1/ping-key").json()["pingKey"]
    for rounds in range(6):
        body = {"name": f"Job {rounds}", "slug": f"job-{rounds}", "timeout": 600, "unique": [unique]}
        replies = stack.at_once(*[Request("POST", V3, body)] * 4)

        assert sorted(r.status for r in replies) == [200, 200, 200, 201], [r.body for r in replies]
        assert len({r.json()["uuid"] for r in replies}) == 1
        assert len(stack.request("GET", f"{V3}?slug=job-{rounds}").json()["checks"]) == 1
        assert hc_ping(stack, f"{ping_key}/job-{rounds}").status == 200  # no 409 ambiguous_slug


def test_an_upsert_by_slug_or_name_queries_its_index_not_every_monitor(stack: Stack) -> None:
    # An operator upserts every check each minute: each upsert must not read the whole listing
    for i in range(3):
        create(stack, {"name": f"Job {i}", "slug": f"job-{i}"})
    indexes: list[str | None] = []
    conditions: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        indexes.append(params.get("IndexName"))
        conditions.append(params["KeyConditionExpression"])

    stack.modules["HealthchecksFunction"].deps.store.table.client.meta.events.register(
        "before-parameter-build.dynamodb.Query", record
    )
    again = create(stack, {"name": "Renamed", "slug": "job-1", "grace": 600, "unique": ["slug"]})
    assert again.status == 200 and again.json()["grace"] == 600
    assert "slug" in indexes and "list" not in indexes, indexes  # (the other Query lists chat targets)
    indexes.clear()
    conditions.clear()
    assert create(stack, {"name": "Job 2", "timeout": 600, "unique": ["name"]}).status == 200
    # The listing index, from the name on (a prefix query), not the whole of it
    assert any("begins_with(list_sk" in c for c in conditions), conditions
    assert len(stack.request("GET", V3).json()["checks"]) == 3


# ---- issue 26: one validation of a monitor, whichever door it comes through -------------------------

BEYOND_HEARTBEAT_LIMITS = [
    ({"tags": "prod,db nightly"}, "json validation error: tags: "),
    ({"tags": "a" * 400}, "json validation error: tags: "),
    ({"tags": " ".join(f"t{i}" for i in range(21))}, "json validation error: tags: "),
    ({"success_kw": ",".join((string.ascii_letters + string.digits)[:60])}, "json validation error: success_kw: "),
    ({"failure_kw": "k" * 200}, "json validation error: failure_kw: "),
    ({"desc": "d" * 300_000}, "json validation error: desc: "),
    ({"desc": "d" * 450_000}, "json validation error: desc: "),  # was 503 "busy": DynamoDB's 400 KB item limit
    ({"tz": "Europe/" + "x" * 249, "schedule": "0 2 * * *"}, "json validation error: tz is too long"),  # was a 500
    ({"tz": "localtime", "schedule": "0 2 * * *"}, "json validation error: tz is not a valid timezone"),
    ({"tz": "posixrules", "schedule": "0 2 * * *"}, "json validation error: tz is not a valid timezone"),
    ({"name": "   "}, "json validation error: name: "),
]


@pytest.mark.parametrize(("body", "message"), BEYOND_HEARTBEAT_LIMITS)
def test_the_native_limits_hold_here_too_as_400s_that_change_nothing(
    stack: Stack, body: dict[str, Any], message: str
) -> None:
    c = create(stack, {"name": "Kept", "timeout": 3600, "tags": "prod"}).json()
    for reply in (create(stack, {"name": "New", **body}), stack.request("POST", f"{V3}{c['uuid']}", body)):
        assert reply.status == 400, reply.body[:300]
        assert error(reply).startswith(message), error(reply)
    assert stack.request("GET", V3).json()["checks"] == [c]


def test_what_healthchecks_creates_exports_and_applies_back_unchanged(stack: Stack) -> None:
    # Given checks made through Healthchecks' API at its edges: no name, a schedule in a zone, keywords, tags
    assert create(stack, {"timeout": 600}).json()["name"] == "unnamed"
    assert create(stack, {"slug": "from-slug"}).json()["name"] == "from-slug"
    create(stack, {"name": "Cron", "schedule": "0 2 * * *", "tz": "America/Argentina/ComodRivadavia"})
    kw = ",".join(f"k{i}" for i in range(10))
    create(
        stack, {"name": "Words", "success_kw": kw, "tags": " ".join(f"t{i}" for i in range(20)), "desc": "d" * 10_000}
    )
    # When the deployment is exported and applied back, as monitoring as code does
    exported = stack.request("GET", "/api/v1/export").json()
    applied = stack.request("POST", "/api/v1/apply", exported)
    # Then the file is taken and nothing changes
    assert applied.status == 200, applied.body[:500]
    assert applied.json()["summary"]["unchanged"] == 4 and applied.json()["summary"]["create"] == 0
