"""Healthchecks' hc/api/tests/test_check_badge.py (healthchecks/healthchecks 29b5ec2), test by test, as
HTTP requests to the handlers over moto (see test_ping.py). A check's badge URL is its `badge_url`
(/b/2/<its badge key>.svg), read from the API where Healthchecks reads the model's `badge_key`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Reply, Stack
from tests.integration.hc.checks import Check

DAY = 86400


class CheckBadge:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.check = Check(stack, name="foobar")
        badge_url = str(self.check.get().get("badge_url", "")).removeprefix("https://api.example.com")
        self.svg_url = badge_url
        self.json_url = badge_url.removesuffix(".svg") + ".json"
        self.with_late_url = self.json_url.replace("/b/2/", "/b/3/")
        self.shields_url = badge_url.removesuffix(".svg") + ".shields"

    def get(self, path: str) -> Reply:
        return self.stack.request("GET", path, key=None)

    def doc(self, path: str) -> Any:
        r = self.get(path)
        assert r.status == 200, r.body
        return r.json()


@pytest.fixture
def badge(stack: Stack) -> CheckBadge:
    return CheckBadge(stack)


def late(b: CheckBadge) -> None:
    """`last_ping = now() - td(days=1, minutes=10)`, `status = "up"`: pinged a day and ten minutes ago."""
    assert b.check.ping().status == 200
    b.stack.clock.advance(DAY + 600)


def test_it_handles_bad_badge_key(stack: Stack, badge: CheckBadge) -> None:
    r = badge.get("/b/2/869fe06a-a604-4140-b15a-118637c25f3e.svg")
    assert r.status == 404


def test_it_returns_svg(stack: Stack, badge: CheckBadge) -> None:
    r = badge.get(badge.svg_url)
    assert r.headers["access-control-allow-origin"] == "*"
    assert "no-cache" in r.headers["cache-control"]
    assert r.status == 200 and "#4c1" in r.body.decode()


def test_it_rejects_bad_format(stack: Stack, badge: CheckBadge) -> None:
    r = badge.get(badge.json_url + "foo")
    assert r.status == 404


def test_it_handles_options(stack: Stack, badge: CheckBadge) -> None:
    r = stack.request("OPTIONS", badge.svg_url, key=None)
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "*"


def test_it_handles_new(stack: Stack, badge: CheckBadge) -> None:
    doc = badge.doc(badge.json_url)
    assert doc == {"status": "up", "total": 1, "grace": 0, "down": 0}


def test_it_ignores_started_when_down(stack: Stack, badge: CheckBadge) -> None:
    # last_start = now(), status = "down": it failed, then a run started
    assert badge.check.ping("/fail").status == 200
    assert badge.check.ping("/start").status == 200

    doc = badge.doc(badge.json_url)
    assert doc == {"status": "down", "total": 1, "grace": 0, "down": 1}


def test_it_treats_late_as_up(stack: Stack, badge: CheckBadge) -> None:
    late(badge)

    doc = badge.doc(badge.json_url)
    assert doc == {"status": "up", "total": 1, "grace": 1, "down": 0}


def test_late_mode_returns_late_status(stack: Stack, badge: CheckBadge) -> None:
    late(badge)

    doc = badge.doc(badge.with_late_url)
    assert doc == {"status": "late", "total": 1, "grace": 1, "down": 0}


def test_late_mode_ignores_started_when_late(stack: Stack, badge: CheckBadge) -> None:
    late(badge)
    assert badge.check.ping("/start").status == 200  # last_start = now()

    doc = badge.doc(badge.with_late_url)
    assert doc == {"status": "late", "total": 1, "grace": 1, "down": 0}


def test_it_returns_shields_json(stack: Stack, badge: CheckBadge) -> None:
    doc = badge.doc(badge.shields_url)
    assert doc == {"schemaVersion": 1, "label": "foobar", "message": "up", "color": "success"}
