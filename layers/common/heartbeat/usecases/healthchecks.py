"""What Healthchecks' Management API does that Heartbeat's own does not: create-or-update by a set of
fields (`unique`), and a check's history as flips. Everything else it asks is a monitor use case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from heartbeat.domain.model import Incident, Monitor
from heartbeat.store import Store
from heartbeat.usecases import monitors

UNNAMED = "unnamed"  # a check created with no name (as `heartbeat import healthchecks` names one)


def upsert(
    store: Store,
    settings: dict[str, Any],
    match: Callable[[Monitor], bool] | None,
    now_ms: int,
    slug: str | None = None,
    name: str | None = None,
) -> tuple[Monitor, bool]:
    """The first monitor (oldest) that `match` accepts, updated with `settings`, or a new one made
    with them. Returns it and whether it was created. `slug` or `name`, when `match` requires them,
    narrow the search to an index query: an operator upserting every check each minute must not read
    every monitor each time."""
    if match is not None:
        found = sorted((m for m in _candidates(store, slug, name) if match(m)), key=lambda m: (m.created_ms, m.id))
        if found:
            return (monitors.update_monitor(store, found[0].id, now_ms, **settings) if settings else found[0]), False
    given = dict(settings)
    slug = given.pop("slug", None)  # no slug: derived from the name
    name = given.pop("name", None) or slug or UNNAMED  # a check may have no name; a monitor has one
    return monitors.create_monitor(store, name, "HEARTBEAT", now_ms, slug, **given), True


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
