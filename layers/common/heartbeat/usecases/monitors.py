"""Monitor management: create, change, pause, resume, and reading them with their pings and
incidents. Time comes in as an argument."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, Literal

from heartbeat.domain.decisions import paused, resumed
from heartbeat.domain.errors import Contention, LostRace, NotFound, NotPaused
from heartbeat.domain.model import Incident, Monitor, PingEvent, Status
from heartbeat.domain.monitors import Uptime, changed, changes_anything, checked, matching, one_schedule, uptime_over
from heartbeat.domain.settings import DEFAULT_GRACE_S, DEFAULT_INTERVAL_S
from heartbeat.domain.slugs import check_slug, slugify
from heartbeat.domain.tokens import is_monitor_id, monitor_id_for, new_token
from heartbeat.store import Store
from heartbeat.store.claims import Claim
from heartbeat.usecases.dependencies import check_dependencies, release_held

# Each attempt loses only to a ping or a sweep landing between our read and our write.
UPDATE_ATTEMPTS = 5
# Each attempt loses only to another create of the same identity, or to a delete of the monitor it found.
CREATE_ATTEMPTS = 5


def create_monitor(
    store: Store,
    name: str,
    type: str,
    now_ms: int,
    slug: str | None = None,
    claim: Claim | None = None,
    **settings: Any,
) -> Monitor:
    """A new monitor (see Monitor for the settings), never alerting before its first ping. Its slug
    is derived from the name unless given. `claim`: see create_unique (raises LostRace)."""
    token = new_token()
    monitor = Monitor(
        id=monitor_id_for(token),
        token=token,
        name=name,
        type=type,
        interval_s=DEFAULT_INTERVAL_S,
        grace_s=DEFAULT_GRACE_S,
        tags=[],
        slug=check_slug(slug) if slug is not None else slugify(name),
        status=Status.NEW,
        created_ms=now_ms,
        updated_ms=now_ms,
    )
    monitor = checked(dataclasses.replace(monitor, **one_schedule(settings)))
    if monitor.depends_on:
        check_dependencies(store, monitor.id, monitor.depends_on)
    store.monitors.create(monitor, claim)
    return monitor


def create_unique(
    store: Store,
    identity: str,
    accept: Callable[[Monitor], bool],
    now_ms: int,
    name: str,
    type: str,
    slug: str | None = None,
    **settings: Any,
) -> tuple[Monitor, bool]:
    """A new monitor that claims `identity` (store/claims.py), and True; or, when another create
    claimed it a moment ago and made a monitor `accept` takes, that monitor, and False. A claim whose
    monitor is gone, or no longer of this identity, is taken over."""
    replacing = None
    for _ in range(CREATE_ATTEMPTS):
        claim = Claim(identity, replacing)
        try:
            return create_monitor(store, name, type, now_ms, slug, claim, **settings), True
        except LostRace:
            holder = store.claims.holder(identity, now_ms)
        if holder is None:
            continue  # the claim went stale meanwhile
        try:
            winner = store.monitors.claimed(holder)
        except NotFound:
            winner = None
        if winner is not None and accept(winner):
            return winner, False
        replacing = holder
    raise Contention("concurrent creates kept winning; try again")


def get_monitor(store: Store, monitor_id: str) -> Monitor:
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    return store.monitors.get(monitor_id)


def update_monitor(store: Store, monitor_id: str, now_ms: int, **settings: Any) -> Monitor:
    """Change the given settings (see Monitor). A ping landing between our read and write makes us
    read again. Settings that change nothing write nothing (and leave warm ping Lambdas' memory of
    the monitor valid)."""
    for _ in range(UPDATE_ATTEMPTS):
        current = get_monitor(store, monitor_id)
        if not changes_anything(current, **settings):
            return current
        if settings.get("depends_on"):
            # Not a transaction with the parents: two changes at once could still close a cycle, which
            # costs no more than alerts held until one of them recovers.
            check_dependencies(store, monitor_id, settings["depends_on"])
        try:
            store.monitors.update_settings(current, changed(current, now_ms, **settings), now_ms)
        except LostRace:
            continue
        return store.monitors.get(monitor_id)
    raise Contention("the monitor kept changing; try again")


def pause_monitor(store: Store, monitor_id: str, now_ms: int) -> Monitor:
    get_monitor(store, monitor_id)  # 404 for a malformed id before any write
    store.monitors.change_state(monitor_id, paused(now_ms))
    return store.monitors.get(monitor_id)


def resume_monitor(store: Store, monitor_id: str, now_ms: int, require_paused: bool = False) -> Monitor:
    """Only a paused monitor changes; resuming one that is not paused is a harmless no-op, or, with
    `require_paused`, NotPaused."""
    get_monitor(store, monitor_id)
    if not store.monitors.change_state(monitor_id, resumed(now_ms)) and require_paused:
        raise NotPaused("check is not paused")
    return store.monitors.get(monitor_id)


def delete_monitor(store: Store, monitor_id: str, now_ms: int) -> None:
    """The down alerts its outage held are written pending, for a sweep to send once their lease passes."""
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    deleted = store.monitors.delete(monitor_id)
    if deleted.holding:
        # As it was deleted: a child held after that finds no parent, and alerts itself.
        release_held(store, None, deleted, now_ms)


def uptime(store: Store, monitor_id: str, now_ms: int, days: int) -> Uptime:
    """Time up over the last `days` (or since creation, if later): the window less the time spent
    in incidents. Paused time counts as up; nothing was expected then."""
    m = get_monitor(store, monitor_id)
    since = max(now_ms - days * 86_400_000, m.created_ms)
    overlapping: list[Incident] = []
    cursor = None
    while True:  # newest first; incidents never overlap, so the first one over before `since` ends it
        page, cursor = store.incidents.page(monitor_id, 100, cursor)
        for incident in page:
            if (incident.resolved_ms or now_ms) < since:
                cursor = None
                break
            overlapping.append(incident)
        if cursor is None:
            break
    return uptime_over(overlapping, since, now_ms)


def list_monitors(
    store: Store,
    now_ms: int,
    limit: int,
    cursor: str | None,
    name: str | None,
    tags: list[str],
    status: str | None,
    slug: str | None = None,
) -> tuple[list[Monitor], str | None]:
    """Monitors by name: those whose name starts with `name`, carry every tag and are in `status`;
    with `slug`, the few that have it (one page, from the slug index)."""
    keep = matching(now_ms, tags=tags, status=status) if tags or status else None
    if slug is not None:
        prefix = (name or "").casefold()
        found = [m for m in with_slug(store, slug) if m.name.casefold().startswith(prefix)]
        found = [m for m in found if keep is None or keep(m)]
        return sorted(found, key=lambda m: (m.name.casefold(), m.id))[:limit], None
    return store.monitors.page(limit, cursor, name, keep)


def with_slug(store: Store, slug: str) -> Iterator[Monitor]:
    """The monitors with this slug: none, one, or (until one gets another) several."""
    for monitor_id in store.slugs.monitor_ids(slug):
        try:
            yield get_monitor(store, monitor_id)
        except NotFound:
            continue  # deleted since the index (eventually consistent) was read


def all_monitors(store: Store) -> list[Monitor]:
    return store.monitors.all()


def list_pings(store: Store, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[PingEvent], str | None]:
    get_monitor(store, monitor_id)  # 404 for a monitor that is gone, not an empty page
    return store.pings.page(monitor_id, limit, cursor)


def ping_of(store: Store, monitor_id: str, n: str) -> PingEvent:
    """Ping number `n` of a monitor, as the URL gives it."""
    if not n.isdigit() or len(n) > 12:
        raise NotFound(f"ping {n} not found")
    get_monitor(store, monitor_id)
    return store.pings.get(monitor_id, int(n))


def list_incidents(store: Store, monitor_id: str, limit: int, cursor: str | None) -> tuple[list[Incident], str | None]:
    get_monitor(store, monitor_id)
    return store.incidents.page(monitor_id, limit, cursor)


def all_incidents(
    store: Store, limit: int, cursor: str | None, since_ms: int, status: Literal["open", "resolved"] | None
) -> tuple[list[Incident], str | None]:
    """Incidents of every monitor opened since `since_ms`, newest first; `status` keeps open or resolved ones."""

    def in_status(incident: Incident) -> bool:
        return (incident.resolved_ms is None) == (status == "open")

    return store.incidents.page_all(limit, cursor, since_ms, None if status is None else in_status)
