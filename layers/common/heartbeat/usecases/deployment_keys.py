"""The deployment's own keys: the ping key (slug pings: /ping/<ping key>/<slug>) and the badge key
(/badge/<badge key>/<tag>.svg). Each is a secret like a ping token, shown to admin keys, made on
first use and rotatable: URLs with the old one stop working at once."""

from __future__ import annotations

import hmac
import re
import secrets

from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.store import Store

PING_KEY = "PINGKEY"
BADGE_KEY = "BADGEKEY"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
# Each attempt loses only to another caller creating the key at the same moment.
KEY_ATTEMPTS = 5


def is_deployment_key(value: str) -> bool:
    """Shaped like a key this module makes (128 bits, URL-safe base64)."""
    return bool(_KEY_RE.match(value))


def deployment_key(store: Store, name: str, now_ms: int) -> str:
    """One of the deployment's keys, made on first use."""
    for _ in range(KEY_ATTEMPTS):
        key = store.deployment_keys.get(name)
        if key is not None:
            return key
        # 128 bits from `secrets`; of two callers making it at once, both read back the one that won.
        store.deployment_keys.set(name, secrets.token_urlsafe(16), None, now_ms)
    raise LostRace


def rotate_deployment_key(store: Store, name: str, now_ms: int) -> str:
    """A new key; URLs with the old one stop working at once."""
    old = deployment_key(store, name, now_ms)
    new = secrets.token_urlsafe(16)
    if not store.deployment_keys.set(name, new, old, now_ms):
        raise LostRace
    return new


def check_deployment_key(store: Store, name: str, key: str) -> None:
    """NotFound unless `key` is the deployment's current one (compared in constant time)."""
    current = store.deployment_keys.get(name) if is_deployment_key(key) else None
    if current is None or not hmac.compare_digest(current.encode(), key.encode()):
        raise NotFound("unknown key")
