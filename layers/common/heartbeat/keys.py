"""API keys: shown once, stored as a SHA-256 digest, looked up by it."""

from __future__ import annotations

from collections.abc import Mapping

from heartbeat.errors import Unauthorized
from heartbeat.store import Store
from heartbeat.tokens import api_key_hash, new_api_key

ROLES = ("admin", "read")


def create_key(store: Store, name: str, role: str, now_ms: int) -> str:
    """Returns the key itself; only its hash is stored, so this is the one chance to see it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    key = new_api_key()
    store.put_api_key(api_key_hash(key), name, role, key[:8], now_ms)
    return key


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    """`X-Api-Key: <key>` or `Authorization: Bearer <key>` (header names in any case)."""
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("x-api-key"):
        return lower["x-api-key"].strip()
    scheme, _, value = lower.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def authenticate(store: Store, headers: Mapping[str, str]) -> str:
    """The caller's role. Raises Unauthorized for a missing or unknown key."""
    key = key_from_headers(headers)
    if not key:
        raise Unauthorized("an API key is required (X-Api-Key header or Authorization: Bearer)")
    role = store.get_api_key_role(api_key_hash(key))
    if role is None:
        raise Unauthorized("the API key is not valid")
    return role
