"""Healthchecks' hc/api/tests/test_list_checks.py (healthchecks/healthchecks 29b5ec2), test by test,
as HTTP requests to the handlers over moto (see test_ping.py). Its query counts are not translated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.harness import Reply, Stack
from tests.integration.hc.checks import Check
from tests.integration.hc.test_pause import OTHER_PROJECTS


class Checks:
    def __init__(self, stack: Stack) -> None:
        [self.c1] = stack.request("GET", "/api/v3/channels/").json()["channels"]
        self.a1 = Check(
            stack,
            name="Alice 1",
            slug="alice-1",
            timeout=3600,
            grace=900,
            tags="a1-tag a1-additional-tag",
            desc="This is description",
            channels=self.c1["id"],
        )
        self.a2 = Check(stack, name="Alice 2", timeout=86400, grace=3600, tags="a2-tag")
        assert self.a2.ping().status == 200  # last_ping = now, status "up"
        self.now = datetime.fromtimestamp(stack.clock.now // 1000, UTC)


@pytest.fixture
def checks(stack: Stack) -> Checks:
    return Checks(stack)


def get(stack: Stack, v: int = 1, query: str = "") -> Reply:
    return stack.request("GET", f"/api/v{v}/checks/{query}")


def test_it_works(stack: Stack, checks: Checks) -> None:
    r = get(stack)

    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"

    doc = r.json()
    assert len(doc["checks"]) == 2

    by_name = {check["name"]: check for check in doc["checks"]}

    a1 = by_name["Alice 1"]
    assert a1["uuid"] == checks.a1.uuid
    assert a1["timeout"] == 3600
    assert a1["grace"] == 900
    assert a1["ping_url"] == f"https://api.example.com/ping/{checks.a1.uuid}"
    assert a1["last_ping"] is None
    assert a1["n_pings"] == 0
    assert a1["status"] == "new"
    assert not a1["started"]
    assert a1["channels"] == checks.c1["id"]
    assert a1["desc"] == "This is description"

    update_url = f"https://api.example.com/api/v1/checks/{checks.a1.uuid}"
    pause_url = update_url + "/pause"
    assert a1["update_url"] == update_url
    assert a1["pause_url"] == pause_url

    assert a1["next_ping"] is None

    a2 = by_name["Alice 2"]
    assert a2["uuid"] == checks.a2.uuid
    assert a2["timeout"] == 86400
    assert a2["grace"] == 3600
    assert a2["ping_url"] == f"https://api.example.com/ping/{checks.a2.uuid}"
    assert a2["status"] == "up"
    next_ping = checks.now + timedelta(seconds=86400)
    assert a2["last_ping"] == checks.now.isoformat()
    assert a2["next_ping"] == next_ping.isoformat()


def test_it_handles_options(stack: Stack) -> None:
    r = stack.request("OPTIONS", "/api/v1/checks/", key=None)
    assert r.status == 204
    assert "GET" in r.headers["access-control-allow-methods"]


@pytest.mark.skip(reason=OTHER_PROJECTS)
def test_it_shows_only_users_checks() -> None: ...


def test_it_works_with_tags_param(stack: Stack, checks: Checks) -> None:
    r = get(stack, query="?tag=a2-tag")
    assert r.status == 200

    doc = r.json()
    assert "checks" in doc
    assert len(doc["checks"]) == 1

    check = doc["checks"][0]

    assert check["name"] == "Alice 2"
    assert check["tags"] == "a2-tag"


def test_it_filters_with_multiple_tags_param(stack: Stack, checks: Checks) -> None:
    r = get(stack, query="?tag=a1-tag&tag=a1-additional-tag")
    assert r.status == 200

    doc = r.json()
    assert "checks" in doc
    assert len(doc["checks"]) == 1

    check = doc["checks"][0]

    assert check["name"] == "Alice 1"
    assert check["tags"] == "a1-tag a1-additional-tag"


def test_it_does_not_match_tag_partially(stack: Stack, checks: Checks) -> None:
    r = get(stack, query="?tag=tag")
    assert r.status == 200

    doc = r.json()
    assert "checks" in doc
    assert len(doc["checks"]) == 0


def test_non_existing_tags_filter_returns_empty_result(stack: Stack, checks: Checks) -> None:
    r = get(stack, query="?tag=non_existing_tag_with_no_checks")
    assert r.status == 200

    doc = r.json()
    assert "checks" in doc
    assert len(doc["checks"]) == 0


def test_readonly_key_works(stack: Stack, checks: Checks) -> None:
    r = stack.request("GET", "/api/v1/checks/", key=stack.make_key("read"))

    assert r.status == 200

    # When using readonly keys, the ping URLs should not be exposed:
    assert checks.a1.uuid.encode() not in r.body


def only_a1_started(stack: Stack, checks: Checks) -> None:
    assert checks.a1.ping("/start").status == 200  # a1.last_start = now()
    assert stack.request("DELETE", f"/api/v3/checks/{checks.a2.uuid}").status == 200  # a2.delete()


def test_v1_reports_status_started(stack: Stack, checks: Checks) -> None:
    only_a1_started(stack, checks)

    r = get(stack)
    assert r.status == 200

    a1 = r.json()["checks"][0]
    assert a1["status"] == "started"
    assert a1["started"]


def test_v2_reports_started_separately(stack: Stack, checks: Checks) -> None:
    only_a1_started(stack, checks)

    r = get(stack, v=2)

    a1 = r.json()["checks"][0]
    assert a1["status"] == "new"
    assert a1["started"]


def test_it_works_with_slug_param(stack: Stack, checks: Checks) -> None:
    r = get(stack, query="?slug=alice-1")
    assert r.status == 200

    doc = r.json()
    assert len(doc["checks"]) == 1
    check = doc["checks"][0]
    assert check["name"] == "Alice 1"
