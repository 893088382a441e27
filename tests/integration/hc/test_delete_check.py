"""Healthchecks' hc/api/tests/test_delete_check.py (healthchecks/healthchecks 29b5ec2), test by test,
as HTTP requests to the handlers over moto (see test_ping.py)."""

from __future__ import annotations

import pytest

from tests.harness import Stack
from tests.integration.hc.checks import Check


@pytest.fixture
def check(stack: Stack) -> Check:
    return Check(stack, timeout=86400, grace=3600)


def url(check: Check, v: int = 2) -> str:
    return f"/api/v{v}/checks/{check.uuid}"


def test_it_works(stack: Stack, check: Check) -> None:
    r = stack.request("DELETE", url(check))
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"

    # It should be gone--
    assert stack.request("GET", url(check)).status == 404


def test_it_handles_missing_check(stack: Stack, check: Check) -> None:
    assert stack.request("DELETE", url(check)).status == 200  # self.check.delete()
    r = stack.request("DELETE", url(check))
    assert r.status == 404


def test_it_handles_options(stack: Stack, check: Check) -> None:
    r = stack.request("OPTIONS", url(check), key=None)
    assert r.status == 204
    assert "DELETE" in r.headers["access-control-allow-methods"]


def test_it_handles_missing_api_key(stack: Stack, check: Check) -> None:
    r = stack.request("DELETE", url(check), key=None)
    assert r.status == 401
    assert b"missing api key" in r.body


def test_v1_reports_status_started(stack: Stack, check: Check) -> None:
    assert check.ping("/start").status == 200  # last_start = now()

    doc = stack.request("DELETE", url(check, v=1)).json()
    assert doc["status"] == "started"
    assert doc["started"]


def test_v2_reports_started_separately(stack: Stack, check: Check) -> None:
    assert check.ping("/start").status == 200  # last_start = now()

    doc = stack.request("DELETE", url(check)).json()
    assert doc["status"] == "new"
    assert doc["started"]
