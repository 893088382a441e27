"""Hostile input at the handlers: no oracle on whether a token exists, header floods, and logs that
keep no secret whatever goes wrong. (Over real HTTP, with sizes and floods: e2e/test_hostile.py;
tokens, bodies and bad JSON: test_ping.py, test_api.py and the fuzzing in test_openapi.py.)"""

from __future__ import annotations

from heartbeat.domain.tokens import new_token
from tests.harness import Stack


def test_a_miss_takes_the_same_path_as_a_hit(stack: Stack) -> None:
    monitor = stack.create_monitor()
    stack.ping(monitor["token"])  # a hit on a monitor that is up: the common case
    calls = stack.count_calls("PingFunction")
    assert stack.ping(monitor["token"]).status == 200
    hit = list(calls)
    assert stack.ping(new_token()).status == 404
    miss = calls[len(hit) :]
    # Both are one conditional write keyed by the token's hash, and nothing before it: no read that
    # answers sooner for a token that does not exist. (A hit then logs the ping.)
    assert hit[0] == miss[0] == "UpdateItem" and miss == ["UpdateItem"] and hit == ["UpdateItem", "PutItem"]


def test_a_flood_of_headers_is_neither_stored_nor_a_crash(stack: Stack) -> None:
    monitor = stack.create_monitor()
    flood = {f"x-flood-{i}": "v" * 100 for i in range(1000)} | {"user-agent": "u" * 10_000}
    reply = stack.request("POST", f"/api/v1/heartbeat/{monitor['token']}", body="ok", headers=flood, key=None)
    assert reply.status == 200
    [ping] = stack.request("GET", f"/api/v1/monitors/{monitor['id']}/pings").json()["items"]
    assert ping["userAgent"] == "u" * 512 and "x-flood-1" not in str(ping)


def test_failures_log_no_secret_either(stack: Stack) -> None:
    with stack.captured_logs() as buffer:
        monitor = stack.create_monitor()
        token, revoked = monitor["token"], stack.make_key("read")
        [key] = [k for k in stack.request("GET", "/api/v1/keys").json()["items"] if k["role"] == "read"]
        stack.request("DELETE", f"/api/v1/keys/{key['id']}")
        assert stack.request("GET", "/api/v1/monitors", key=revoked).status == 401
        assert stack.request("GET", "/api/v1/monitors", key=revoked + "x").status == 401
        assert stack.request("POST", "/api/v1/monitors", body="{not json").status == 400
        assert stack.ping(token, "/999").status == 400
        assert stack.ping(token + "0").status == 404
        assert stack.ping(token, "?rid=not-a-uuid", method="POST", body="secret-body-text").status == 400
    logs = buffer.getvalue()
    assert "API key revoked" in logs  # the logs were captured at all
    for secret in (token, revoked, stack.admin_key, "secret-body-text"):
        assert secret not in logs
