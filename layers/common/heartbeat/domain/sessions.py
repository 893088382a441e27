"""The dashboard's sign-in: an API key exchanged for a session cookie, so a second tab and an alert's
link are signed in without the key being kept where a script can read it.

The cookie names the key (by its stored hash, which is no key: the API takes keys, not hashes) and an
expiry, signed with an HMAC-SHA256 under a key derived from the deployment's secret. It carries no
role: every request looks the key up, so the session may do what the key may do now, and a revoked
key ends its sessions. Pure: the key and `now` are passed in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from heartbeat.domain.errors import Unauthorized

COOKIE = "__Host-heartbeat-session"  # __Host-: only over HTTPS, for this host and path / only
SESSION_S = 12 * 3600
CSRF_HEADER = "x-heartbeat-csrf"  # a cross-site form cannot send it; a cross-site script needs CORS, never given
SIG_BYTES = 32
_TOKEN = re.compile(r"^v1\.([0-9a-f]{64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Session:
    key_hash: str
    expires_s: int  # epoch seconds


def session_key(secret: bytes) -> bytes:
    """The sessions' own key: a session's signature is never an alert link's or an API key's hash."""
    return hmac.new(secret, b"heartbeat dashboard sessions v1", hashlib.sha256).digest()


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, session: Session) -> str:
    payload = f"v1.{session.key_hash}.{session.expires_s}"
    return f"{payload}.{_signature(key, payload)}"


def verify(key: bytes, token: str, now_ms: int) -> Session:
    """The session a cookie's token signs. Raises Unauthorized for a malformed, tampered or expired one."""
    match = _TOKEN.match(token)
    if match is None or not hmac.compare_digest(_signature(key, f"v1.{match[1]}.{match[2]}"), match[3]):
        raise Unauthorized("the session is not valid; sign in again")
    session = Session(match[1], int(match[2]))
    if now_ms >= session.expires_s * 1000:
        raise Unauthorized("the session has expired; sign in again")
    return session


def from_cookies(cookies: list[str]) -> str | None:
    """The session's token among a request's cookies (`name=value` each), if there is one."""
    for cookie in cookies:
        name, _, value = cookie.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None
