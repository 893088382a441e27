"""Healthchecks' hc/api/tests/test_get_ping_body.py (healthchecks/healthchecks 29b5ec2), test by test,
as HTTP requests to the handlers over moto (see test_ping.py): the ping is a real one, with its body."""

from __future__ import annotations

import pytest

from tests.harness import Stack
from tests.integration.hc.checks import Check
from tests.integration.hc.test_pause import OTHER_PROJECTS

KEPT_30_DAYS = "Ping events expire after 30 days"
S3 = "S3, a server setting: Heartbeat keeps bodies in DynamoDB"


def check_with_ping(stack: Stack, body: bytes | None) -> tuple[Check, str]:
    check = Check(stack, name="Alice 1")
    reply = check.ping(method="POST", body=body) if body is not None else check.ping()
    assert reply.status == 200  # n_pings = 1, status "up", ping #1 with the body
    return check, f"/api/v1/checks/{check.uuid}/pings/1/body"


def test_it_works(stack: Stack) -> None:
    _, url = check_with_ping(stack, b"Foo\nBar\nBaz")
    r = stack.request("GET", url)
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain"
    assert r.body == b"Foo\nBar\nBaz"


def test_it_handles_missing_api_key(stack: Stack) -> None:
    _, url = check_with_ping(stack, b"Foo\nBar\nBaz")
    r = stack.request("GET", url, key=None)
    assert r.status == 401
    assert b"missing api key" in r.body


def test_readonly_key_is_not_allowed(stack: Stack) -> None:
    _, url = check_with_ping(stack, b"Foo\nBar\nBaz")
    r = stack.request("GET", url, key=stack.make_key("read"))
    assert r.status == 401


def test_it_rejects_post(stack: Stack) -> None:
    _, url = check_with_ping(stack, b"Foo\nBar\nBaz")
    r = stack.request("POST", url)
    assert r.status == 405


@pytest.mark.skip(reason=OTHER_PROJECTS)
def test_it_rejects_charlies_key() -> None: ...


@pytest.mark.xfail(strict=True, reason=KEPT_30_DAYS)
def test_it_checks_n_threshold(stack: Stack) -> None:
    check, url = check_with_ping(stack, b"Foo\nBar\nBaz")
    for _ in range(100):  # n_pings = 101
        stack.clock.advance(1)  # within the check's limit of pings a second
        assert check.ping().status == 200

    # The default ping log limit is 100, so the ping #1 is now outside the limit
    r = stack.request("GET", url)
    assert r.status == 404


def test_it_handles_no_body(stack: Stack) -> None:
    _, url = check_with_ping(stack, None)
    r = stack.request("GET", url)
    assert r.status == 404


def test_it_returns_original_bytes(stack: Stack) -> None:
    _, url = check_with_ping(stack, b"Hello\x01\x99World")
    r = stack.request("GET", url)
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain"
    assert r.body == b"Hello\x01\x99World"


@pytest.mark.skip(reason=S3)
def test_it_handles_unhealthy_s3() -> None: ...


@pytest.mark.skip(reason=S3)
def test_it_handles_s3_error() -> None: ...
