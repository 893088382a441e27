"""Addressing monitors by slug: /ping/<ping key>/<slug>, as Healthchecks does.

A deployment has one ping key (a secret like a ping token, shown to admin keys). A monitor's slug
is derived from its name when it is created, unless given, and changes only when set again: a
rename must not break the URL a job already pings. Slugs are found through a sparse index on the
monitors, so a slug two monitors share is seen as ambiguous (409) rather than pinging one of them
at random, and a monitor's own write is all it takes to give it a slug, change it or free it.
"""

from __future__ import annotations

import hmac
import re
import secrets

from heartbeat.errors import InvalidInput, NotFound
from heartbeat.store import LostRace, Store

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
MAX_ATTEMPTS = 5


class Ambiguous(Exception):
    """Several monitors carry this slug."""


def slugify(name: str) -> str:
    """`Nightly Backup (db-1)` -> `nightly-backup-db-1`; a name with no letters or digits gets `monitor`."""
    slug = re.sub(r"[^a-z0-9_]+", "-", name.casefold()).strip("-_")[:100].rstrip("-_")
    return slug if slug and SLUG_RE.match(slug) else "monitor"


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        message = "must be 1-100 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        raise InvalidInput("slug", message)
    return slug


def is_ping_key(value: str) -> bool:
    return bool(_KEY_RE.match(value))


PING_KEY = "PINGKEY"


def deployment_key(store: Store, name: str, now_ms: int) -> str:
    """One of the deployment's keys (the ping key, the badge key), made on first use."""
    for _ in range(MAX_ATTEMPTS):
        key = store.get_deployment_key(name)
        if key is not None:
            return key
        # 128 bits from `secrets`; of two callers making it at once, both read back the one that won.
        store.set_deployment_key(name, secrets.token_urlsafe(16), None, now_ms)
    raise LostRace


def rotate_deployment_key(store: Store, name: str, now_ms: int) -> str:
    """A new key; URLs with the old one stop working at once."""
    old = deployment_key(store, name, now_ms)
    new = secrets.token_urlsafe(16)
    if not store.set_deployment_key(name, new, old, now_ms):
        raise LostRace
    return new


def check_deployment_key(store: Store, name: str, key: str) -> None:
    """NotFound unless `key` is the deployment's current one (compared in constant time)."""
    current = store.get_deployment_key(name) if is_ping_key(key) else None
    if current is None or not hmac.compare_digest(current.encode(), key.encode()):
        raise NotFound("unknown key")


def ping_key(store: Store, now_ms: int) -> str:
    return deployment_key(store, PING_KEY, now_ms)


def rotate_ping_key(store: Store, now_ms: int) -> str:
    """Slug URLs with the old ping key stop working (token URLs are unaffected)."""
    return rotate_deployment_key(store, PING_KEY, now_ms)


def check_ping_key(store: Store, key: str) -> None:
    check_deployment_key(store, PING_KEY, key)


def monitor_for(store: Store, slug: str) -> str | None:
    """The id of the one monitor with this slug, None if none. Raises Ambiguous."""
    ids = store.slug_ids(slug)
    if len(ids) > 1:
        raise Ambiguous(f"{len(ids)} monitors have the slug {slug!r}; give them distinct slugs")
    return ids[0] if ids else None
