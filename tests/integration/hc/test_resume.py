"""Healthchecks' hc/api/tests/test_resume.py (healthchecks/healthchecks 29b5ec2), test by test, as HTTP
requests to the handlers over moto (see test_ping.py)."""

from __future__ import annotations

import pytest

from tests.harness import Stack
from tests.integration.hc.checks import Check
from tests.integration.hc.test_pause import OTHER_PROJECTS


@pytest.fixture
def check(stack: Stack) -> Check:
    """Paused, with a last start, a last ping and an alert time: pinged, started, then paused (with
    the start after the pause, as a start keeps a paused check paused)."""
    c = Check(stack, timeout=86400, grace=3600)
    assert c.ping().status == 200
    c.pause()
    assert c.ping("/start").status == 200
    got = c.get()
    assert (got["status"], got["started"], bool(got["last_ping"])) == ("paused", True, True)
    return c


def url(check: Check) -> str:
    return f"/api/v1/checks/{check.uuid}/resume"


def test_it_works(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), "", headers={"content-type": "application/json"})

    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"

    c = check.get()
    assert c["status"] == "new"
    assert c["started"] is False  # last_start
    assert c["last_ping"] is None
    assert c["next_ping"] is None  # alert_after
    # The Flip it creates (old_status "paused", new_status "new", processed) is not in the API


def test_it_handles_not_paused_checks(stack: Stack, check: Check) -> None:
    assert check.ping().status == 200  # status = "up"

    r = stack.request("POST", url(check), "", headers={"content-type": "application/json"})

    assert r.status == 409


def test_it_accepts_api_key_in_post_body(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), {"api_key": stack.admin_key}, key=None)
    assert r.status == 200

    assert check.get()["status"] == "new"


def test_it_handles_options(stack: Stack, check: Check) -> None:
    r = stack.request("OPTIONS", url(check), key=None)
    assert r.status == 204
    assert "POST" in r.headers["access-control-allow-methods"]


def test_it_only_allows_post(stack: Stack, check: Check) -> None:
    r = stack.request("GET", url(check))
    assert r.status == 405


@pytest.mark.skip(reason=OTHER_PROJECTS)
def test_it_validates_ownership() -> None: ...


def test_it_validates_uuid(stack: Stack) -> None:
    r = stack.request("POST", "/api/v1/checks/not-uuid/resume", "", headers={"content-type": "application/json"})
    assert r.status == 404


def test_it_handles_missing_check(stack: Stack) -> None:
    url = "/api/v1/checks/07c2f548-9850-4b27-af5d-6c9dc157ec02/resume"
    r = stack.request("POST", url, "", headers={"content-type": "application/json"})
    assert r.status == 404


def test_it_rejects_non_dict_post_body(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), "123", headers={"content-type": "application/json"}, key=None)
    assert r.status == 400
    assert r.json()["error"] == "json validation error: value is not an object"
