"""Slugs: a monitor's address under the deployment's ping key (/ping/<ping key>/<slug>), as
Healthchecks has them. A slug is derived from the name when the monitor is created, unless given,
and changes only when set again: a rename must not break the URL a job already pings."""

from __future__ import annotations

import re

from heartbeat.domain.errors import InvalidInput

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


def slugify(name: str) -> str:
    """`Nightly Backup (db-1)` -> `nightly-backup-db-1`; a name with no letters or digits gets `monitor`."""
    slug = re.sub(r"[^a-z0-9_]+", "-", name.casefold()).strip("-_")[:100].rstrip("-_")
    return slug if slug and SLUG_RE.match(slug) else "monitor"


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        message = "must be 1-100 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        raise InvalidInput("slug", message)
    return slug
