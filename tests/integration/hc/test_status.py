"""Healthchecks' hc/api/tests/test_status.py (healthchecks/healthchecks 29b5ec2), as an HTTP request
to the handlers over moto (see test_ping.py). Its query count is not translated."""

from __future__ import annotations

from tests.harness import Stack

URL = "/api/v1/status/"


def test_it_works(stack: Stack) -> None:
    r = stack.request("GET", URL, key=None)
    assert r.status == 200

    assert r.body == b"OK"
