"""What Healthchecks' Management API does that Heartbeat's own does not: create-or-update by a set of
fields (`unique`), and a check's history as flips. Everything else it asks is a monitor use case."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Any

from heartbeat.domain import badges
from heartbeat.domain.errors import NotFound
from heartbeat.domain.model import Incident, Monitor
from heartbeat.store import Store
from heartbeat.store.claims import unique_claim
from heartbeat.usecases import monitors
from heartbeat.usecases.deployment_keys import BADGE_KEY

UNNAMED = "unnamed"  # a check created with no name (as `heartbeat import healthchecks` names one)


def upsert(
    store: Store,
    settings: dict[str, Any],
    criteria: dict[str, Any],
    match: Callable[[Monitor], bool],
    now_ms: int,
) -> tuple[Monitor, bool]:
    """The first monitor (oldest) that `match` accepts, updated with `settings`, or a new one made
    with them. Returns it and whether it was created. `criteria` (Monitor field -> value; empty: no
    upsert, always create) is what `match` checks: with a slug or a name in it, the search is an
    index query (an operator upserting every check each minute must not read every monitor each
    time), and a create claims it, so that upserts at once make one monitor."""
    if criteria:
        found = _candidates(store, criteria.get("slug"), criteria.get("name"))
        matched = sorted((m for m in found if match(m)), key=lambda m: (m.created_ms, m.id))
        if matched:
            return _updated(store, matched[0], settings, now_ms), False
    given = dict(settings)
    slug = given.pop("slug", None)  # no slug: derived from the name
    name = given.pop("name", None) or slug or UNNAMED  # a check may have no name; a monitor has one
    if not criteria:
        return monitors.create_monitor(store, name, "HEARTBEAT", now_ms, slug, **given), True
    m, created = monitors.create_unique(store, unique_claim(criteria), match, now_ms, name, "HEARTBEAT", slug, **given)
    # An upsert at the same moment made it: this one updates it, as if it had come second.
    return (m, True) if created else (_updated(store, m, settings, now_ms), False)


def _updated(store: Store, m: Monitor, settings: dict[str, Any], now_ms: int) -> Monitor:
    return monitors.update_monitor(store, m.id, now_ms, **settings) if settings else m


def _candidates(store: Store, slug: str | None, name: str | None) -> Iterator[Monitor]:
    if slug:
        yield from monitors.with_slug(store, slug)
        return
    if name is None:
        yield from monitors.all_monitors(store)
        return
    cursor = None
    while True:  # the listing index is by name, case-insensitive: those that start with it
        page, cursor = monitors.list_monitors(store, 0, 100, cursor, name, [], None)
        yield from page
        if cursor is None:
            return


def incidents_since(store: Store, monitor_id: str, since_ms: int) -> list[Incident]:
    """The monitor's incidents that opened or resolved since `since_ms`, newest first."""
    found: list[Incident] = []
    cursor = None
    while True:
        page, cursor = monitors.list_incidents(store, monitor_id, 100, cursor)
        for incident in page:
            if max(incident.opened_ms, incident.resolved_ms or 0) < since_ms:
                return found
            found.append(incident)
        if cursor is None:
            return found


def monitor_by_badge_key(store: Store, key: str) -> Monitor:
    """The monitor whose own badge key (badges.check_badge_key) `key` is; NotFound for any other."""
    current = store.deployment_keys.get(BADGE_KEY)
    if current is not None:
        for m in monitors.all_monitors(store):
            if hmac.compare_digest(badges.check_badge_key(current, m.id), key):
                return m
    raise NotFound("unknown key")
