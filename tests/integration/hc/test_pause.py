"""Healthchecks' hc/api/tests/test_pause.py (healthchecks/healthchecks 29b5ec2), test by test, as HTTP
requests to the handlers over moto (see test_ping.py)."""

from __future__ import annotations

import pytest

from tests.harness import Stack
from tests.integration.hc.checks import V3, Check

OTHER_PROJECTS = "a deployment is one project: there is no other project's check to refuse"
NAGS = "Heartbeat's reminders are per monitor (realertInterval), not a profile's nag period"


@pytest.fixture
def check(stack: Stack) -> Check:
    c = Check(stack, timeout=86400, grace=3600)
    assert c.ping().status == 200  # status="up"
    return c


def url(check: Check) -> str:
    return f"{V3}{check.uuid}/pause"


def test_it_works(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), "", headers={"content-type": "application/json"})
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"

    assert check.get()["status"] == "paused"
    # The Flip it creates (old_status "up", new_status "paused", processed) is not in the API


def test_it_accepts_api_key_in_post_body(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), {"api_key": stack.admin_key}, key=None)
    assert r.status == 200

    assert check.get()["status"] == "paused"


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
    r = stack.request("POST", "/api/v1/checks/not-uuid/pause", "", headers={"content-type": "application/json"})
    assert r.status == 404


def test_it_handles_missing_check(stack: Stack) -> None:
    url = "/api/v1/checks/07c2f548-9850-4b27-af5d-6c9dc157ec02/pause"
    r = stack.request("POST", url, "", headers={"content-type": "application/json"})
    assert r.status == 404


def test_it_clears_last_start_alert_after(stack: Stack, check: Check) -> None:
    assert check.ping("/start").status == 200  # last_start = now(), alert_after an hour later

    r = stack.request("POST", url(check), "", headers={"content-type": "application/json"})
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"

    c = check.get()
    assert c["started"] is False
    assert c["next_ping"] is None


@pytest.mark.skip(reason=NAGS)
def test_it_clears_next_nag_date() -> None: ...


def test_it_rejects_non_dict_post_body(stack: Stack, check: Check) -> None:
    r = stack.request("POST", url(check), "123", headers={"content-type": "application/json"}, key=None)
    assert r.status == 400
    assert r.json()["error"] == "json validation error: value is not an object"


def test_it_does_not_pause_already_paused_check(stack: Stack, check: Check) -> None:
    check.pause()

    r = stack.request("POST", url(check), "", headers={"content-type": "application/json"})
    assert r.status == 200

    assert check.get()["status"] == "paused"
    assert check.flips() == []  # It should not create a Flip object, as the check was already paused
