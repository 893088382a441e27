"""Hostile requests over real HTTP, against the local stack as the README runs it: oversized
bodies, header floods, odd paths. Each gets a 4xx, and nothing stored changes."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from heartbeat_local.localproc import LocalStackProcess

ADMIN_KEY = "hb_e2e-hostile-admin-key-0123456789abcdefghijklmno"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    running = LocalStackProcess(tmp_path_factory.mktemp("hostile") / "state", None, ADMIN_KEY, sweep_seconds=5)
    yield running
    assert running.stop() == 0, "".join(running.lines[-100:])


@pytest.fixture(scope="module")
def monitor(stack: LocalStackProcess) -> dict[str, Any]:
    return dict(stack.cli("monitors", "create", "--name", "Hostile Target", "--expected-interval", "3600"))


def send(stack: LocalStackProcess, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple:
    url = urlsplit(stack.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("content-length", str(len(body)))
        conn.endheaders()
        if body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                conn.send(body)  # may be refused before it is read, as API Gateway may
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def unchanged(stack: LocalStackProcess, monitor: dict[str, Any]) -> bool:
    now = stack.cli("monitors", "get", monitor["id"])
    return bool(now["pingCount"] == 0 and now["lastPingAt"] is None)


def ping_path(monitor: dict[str, Any]) -> str:
    return urlsplit(monitor["pingUrl"]).path


@pytest.mark.parametrize("size", [6 * MB, 10 * MB + 1])
def test_a_body_too_large_for_lambda_or_api_gateway_is_413(
    stack: LocalStackProcess, monitor: dict[str, Any], size: int
) -> None:
    status, body = send(stack, "POST", ping_path(monitor), b"x" * size)
    assert (status, body) == (413, b'{"message":"Request Entity Too Large"}')
    assert unchanged(stack, monitor)  # not recorded, and the job's curl -f fails: never a silent OK


def test_a_header_flood_is_refused(stack: LocalStackProcess, monitor: dict[str, Any]) -> None:
    many = {f"x-flood-{i}": "y" for i in range(200)}
    assert send(stack, "GET", ping_path(monitor), headers=many)[0] == 431
    assert send(stack, "GET", ping_path(monitor), headers={"x-long": "y" * 70_000})[0] == 431
    assert unchanged(stack, monitor)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/heartbeat/../../api/v1/monitors",
        "/api/v1/heartbeat/..%2F..%2Fapi%2Fv1%2Fmonitors",
        "/api/v1/heartbeat/%00",
        "/api/v1/heartbeat/" + "a" * 8000,
        "/ping/%2e%2e/%2e%2e",
    ],
)
def test_odd_paths_get_a_json_4xx(stack: LocalStackProcess, monitor: dict[str, Any], path: str) -> None:
    status, body = send(stack, "GET", path)
    assert 400 <= status < 500 and body.startswith(b"{")
    assert unchanged(stack, monitor)


def test_a_negative_or_garbled_content_length_is_400(stack: LocalStackProcess, monitor: dict[str, Any]) -> None:
    url = urlsplit(stack.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", ping_path(monitor))
    conn.putheader("content-length", "-5")
    conn.endheaders()
    assert conn.getresponse().status == 400
    conn.close()
    assert unchanged(stack, monitor)


def test_a_large_but_legal_body_is_recorded_truncated(stack: LocalStackProcess) -> None:
    other = stack.cli("monitors", "create", "--name", "Big Log", "--expected-interval", "3600")
    status, body = send(stack, "POST", ping_path(other), b"log line\n" * 200_000)  # 1.8 MB
    assert (status, body) == (200, b"OK")
    [ping] = stack.cli("monitors", "pings", other["id"])["items"]
    assert ping["bodyTruncated"] is True and ping["bodySize"] == 1_800_000
