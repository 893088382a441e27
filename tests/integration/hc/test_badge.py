"""Healthchecks' hc/api/tests/test_badge.py (healthchecks/healthchecks 29b5ec2), test by test, as HTTP
requests to the handlers over moto (see test_ping.py). Healthchecks signs a tag's badge URL (`<sig>-2`
without late, `<sig>` with it); here the badge key is the secret and the segment is the states, `2` or
`3`, so the URLs come from `GET /api/v3/badges/` where Healthchecks computes a signature."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Reply, Stack
from tests.integration.hc.checks import Check

DAY = 86400


class Badges:
    def __init__(self, stack: Stack, tags: str = "foo bar") -> None:
        self.stack = stack
        self.check = Check(stack, tags=tags)
        self.urls = stack.request("GET", "/api/v3/badges/").json()["badges"]
        foo = {kind: str(url).removeprefix("https://api.example.com") for kind, url in self.urls.get("foo", {}).items()}
        self.badge_key = str(stack.request("GET", "/api/v1/badge-key").json()["badgeKey"])
        self.svg_url = foo.get("svg", "")
        self.json_url = foo.get("json", "")
        self.with_late_url = foo.get("json3", "")
        self.shields_url = foo.get("shields", "")

    def get(self, path: str) -> Reply:
        return self.stack.request("GET", path, key=None)

    def doc(self, path: str) -> Any:
        r = self.get(path)
        assert r.status == 200, r.body
        return r.json()


@pytest.fixture
def badge(stack: Stack) -> Badges:
    return Badges(stack)


def late(b: Badges) -> None:
    """`last_ping = now() - td(days=1, minutes=10)`, `status = "up"`: pinged a day and ten minutes ago."""
    assert b.check.ping().status == 200
    b.stack.clock.advance(DAY + 600)


def test_it_rejects_bad_signature(stack: Stack, badge: Badges) -> None:
    r = badge.get(f"/badge/{badge.badge_key}/12345678/foo.svg")
    assert r.status == 404


def test_it_returns_svg(stack: Stack, badge: Badges) -> None:
    r = badge.get(badge.svg_url)
    assert r.headers["access-control-allow-origin"] == "*"
    assert "no-cache" in r.headers["cache-control"]
    assert r.status == 200 and "#4c1" in r.body.decode()


def test_it_rejects_bad_format(stack: Stack, badge: Badges) -> None:
    r = badge.get(badge.json_url + "foo")
    assert r.status == 404


def test_it_handles_options(stack: Stack, badge: Badges) -> None:
    r = stack.request("OPTIONS", badge.svg_url, key=None)
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "*"


def test_it_handles_new(stack: Stack, badge: Badges) -> None:
    doc = badge.doc(badge.json_url)
    assert doc == {"status": "up", "total": 1, "grace": 0, "down": 0}


def test_it_ignores_started_when_down(stack: Stack, badge: Badges) -> None:
    # last_start = now(), status = "down": it failed, then a run started
    assert badge.check.ping("/fail").status == 200
    assert badge.check.ping("/start").status == 200

    doc = badge.doc(badge.json_url)
    assert doc == {"status": "down", "total": 1, "grace": 0, "down": 1}


def test_it_treats_late_as_up(stack: Stack, badge: Badges) -> None:
    late(badge)

    doc = badge.doc(badge.json_url)
    assert doc == {"status": "up", "total": 1, "grace": 1, "down": 0}


def test_it_handles_special_characters(stack: Stack) -> None:
    b = Badges(stack, tags="db@dc1")
    url = str(b.urls["db@dc1"]["svg"]).removeprefix("https://api.example.com")
    assert url == f"/badge/{b.badge_key}/2/db%40dc1.svg"

    r = b.get(url)
    assert r.status == 200


def test_late_mode_returns_late_status(stack: Stack, badge: Badges) -> None:
    late(badge)

    doc = badge.doc(badge.with_late_url)
    assert doc == {"status": "late", "total": 1, "grace": 1, "down": 0}


def test_late_mode_ignores_started_when_late(stack: Stack, badge: Badges) -> None:
    late(badge)
    assert badge.check.ping("/start").status == 200  # last_start = now()

    doc = badge.doc(badge.with_late_url)
    assert doc == {"status": "late", "total": 1, "grace": 1, "down": 0}


def test_it_returns_shields_json(stack: Stack, badge: Badges) -> None:
    doc = badge.doc(badge.shields_url)
    assert doc == {"schemaVersion": 1, "label": "foo", "message": "up", "color": "success"}
