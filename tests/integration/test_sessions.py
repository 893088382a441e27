"""Issue 33: the dashboard's sign-in. An API key is exchanged for a session cookie (HttpOnly, Secure,
SameSite=Strict, 12 h, signed) that authorises what the key does, no more: a read key's session
cannot write; a write by cookie needs the CSRF header; a revoked key, a tampered or expired cookie and
a signed-out session are refused. Scripts' keys in headers work as before."""

from __future__ import annotations

import re

from heartbeat.domain.sessions import COOKIE, CSRF_HEADER
from tests.harness import Stack

SESSION = "/api/v1/session"
MONITORS = "/api/v1/monitors"
CSRF = {CSRF_HEADER: "1"}


def sign_in(stack: Stack, key: str = "admin") -> str:
    """The session cookie (`name=value`) the sign-in sets."""
    reply = stack.request("POST", SESSION, key=key)
    assert reply.status == 201, reply.body
    return reply.headers["set-cookie"].split(";")[0]


def with_cookie(cookie: str, **more: str) -> dict[str, str]:
    return {"cookie": cookie, **more}


def test_the_cookie_is_httponly_secure_strict_and_expires(stack: Stack) -> None:
    reply = stack.request("POST", SESSION)
    attributes = [a.strip() for a in reply.headers["set-cookie"].split(";")]
    assert attributes[0].startswith(f"{COOKIE}=v1.")
    assert set(attributes[1:]) == {"Path=/", "Max-Age=43200", "HttpOnly", "Secure", "SameSite=Strict"}
    assert reply.json()["role"] == "admin" and reply.json()["expiresAt"]
    assert stack.admin_key not in reply.headers["set-cookie"]


def test_an_admin_session_reads_and_writes_with_the_csrf_header_only(stack: Stack) -> None:
    cookie = sign_in(stack)

    assert stack.request("GET", MONITORS, headers=with_cookie(cookie), key=None).status == 200
    forged = stack.request("POST", MONITORS, {"name": "Forged"}, headers=with_cookie(cookie), key=None)
    made = stack.request("POST", MONITORS, {"name": "Mine"}, headers=with_cookie(cookie, **CSRF), key=None)

    assert forged.status == 403 and CSRF_HEADER in forged.json()["error"]["message"]
    assert made.status == 201 and made.json()["pingUrl"]
    assert [m["name"] for m in stack.request("GET", MONITORS).json()["items"]] == ["Mine"]
    who = stack.request("GET", SESSION, headers=with_cookie(cookie), key=None).json()
    assert who["role"] == "admin" and who["expiresAt"]


def test_a_read_keys_session_reads_only_and_sees_no_ping_url(stack: Stack) -> None:
    m = stack.create_monitor("Quiet Job")
    cookie = sign_in(stack, stack.make_key("read"))

    listed = stack.request("GET", MONITORS, headers=with_cookie(cookie), key=None)
    write = stack.request("POST", f"{MONITORS}/{m['id']}/pause", headers=with_cookie(cookie, **CSRF), key=None)

    assert listed.status == 200 and m["token"] not in listed.body.decode()
    assert write.status == 403 and stack.monitor(m["id"])["status"] == "new"
    assert stack.request("GET", SESSION, headers=with_cookie(cookie), key=None).json()["role"] == "read"


def test_an_expired_tampered_or_revoked_session_is_refused(stack: Stack) -> None:
    cookie = sign_in(stack)
    name, value = cookie.split("=", 1)
    _, key_hash, expires, signature = value.split(".")
    later = f"{name}=v1.{key_hash}.{int(expires) + 86400}.{signature}"  # a longer session, not signed
    other = f"{name}=v1.{'0' * 64}.{expires}.{signature}"  # another key's
    for bad in (later, other, f"{name}=v1.{key_hash}", f"{name}=hb_{stack.admin_key}"):
        reply = stack.request("GET", MONITORS, headers=with_cookie(bad), key=None)
        assert reply.status == 401, bad

    stack.clock.advance(12 * 3600 - 1)
    assert stack.request("GET", MONITORS, headers=with_cookie(cookie), key=None).status == 200
    stack.clock.advance(1)
    expired = stack.request("GET", MONITORS, headers=with_cookie(cookie), key=None)
    assert expired.status == 401 and "expired" in expired.json()["error"]["message"]

    read_key = stack.make_key("read")
    read_cookie = sign_in(stack, read_key)
    [read] = [k for k in stack.request("GET", "/api/v1/keys").json()["items"] if k["role"] == "read"]
    assert stack.request("DELETE", f"/api/v1/keys/{read['id']}").status == 204
    assert stack.request("GET", MONITORS, headers=with_cookie(read_cookie), key=None).status == 401


def test_sign_out_clears_the_cookie_and_a_wrong_key_gets_none(stack: Stack) -> None:
    cookie = sign_in(stack)
    out = stack.request("DELETE", SESSION, headers=with_cookie(cookie), key=None)
    assert out.status == 204 and re.match(rf"{COOKIE}=; Path=/; Max-Age=0", out.headers["set-cookie"])

    wrong = stack.request("POST", SESSION, key="hb_wrong")
    assert wrong.status == 401 and "set-cookie" not in wrong.headers
    by_cookie = stack.request("POST", SESSION, headers=with_cookie(cookie, **CSRF), key=None)
    assert by_cookie.status == 403 and "set-cookie" not in by_cookie.headers  # a session cannot extend itself


def test_a_key_header_wins_over_a_cookie_as_before(stack: Stack) -> None:
    cookie = sign_in(stack, stack.make_key("read"))
    reply = stack.request("POST", MONITORS, {"name": "Scripted"}, headers=with_cookie(cookie))
    assert reply.status == 201  # the admin key in the header, no CSRF header: scripts are unchanged
