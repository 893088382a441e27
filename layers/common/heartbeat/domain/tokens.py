"""Ping tokens, monitor ids and API keys.

A monitor's ping token is a secret: whoever holds it can keep the monitor quiet. Its id is a
SHA-256 digest of the token, so ids can appear in logs, alerts and read-only views without
giving the token away, and the ping path finds the monitor from the token with no lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

_TOKEN_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_MONITOR_ID_RE = re.compile(r"^[0-9a-f]{32}$")
API_KEY_PREFIX = "hb_"


def new_token() -> str:
    """A UUID4 (122 random bits) drawn from `secrets`."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


def is_token(value: str) -> bool:
    return bool(_TOKEN_RE.match(value))


def is_monitor_id(value: str) -> bool:
    return bool(_MONITOR_ID_RE.match(value))


def monitor_id_for(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def new_api_key(form: str = "heartbeat") -> str:
    """256 random bits, with a recognisable prefix (secret scanners and people can spot it); or, in
    Healthchecks' form, 32 characters (192 random bits), which its clients and tools expect."""
    if form == "healthchecks":
        return secrets.token_urlsafe(24)
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(key: str, secret: bytes) -> str:
    """A keyed hash (HMAC-SHA256 under the deployment's secret): the table alone cannot confirm a
    guessed key, and a stolen table gives no key away."""
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()
