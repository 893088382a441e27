"""Monitor management: create, change, pause, resume. Time comes in as an argument."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from heartbeat.errors import Contention, InvalidInput, NotFound
from heartbeat.model import DEFAULT_GRACE_S, DEFAULT_INTERVAL_S, Incident, Monitor, Status
from heartbeat.schedules import deadline_after_success, reminder_after
from heartbeat.slugs import check_slug, slugify
from heartbeat.store import LostRace, Store
from heartbeat.tokens import is_monitor_id, monitor_id_for, new_token

MAX_ATTEMPTS = 5


def create_monitor(
    store: Store,
    name: str,
    type: str,
    now_ms: int,
    slug: str | None = None,
    claim_slug: bool = False,
    **settings: Any,
) -> Monitor:
    """A new monitor (see Monitor for the settings), never alerting before its first ping. Its slug
    is derived from the name unless given. `claim_slug`: see Store.create_monitor (raises LostRace)."""
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
    monitor = _checked(dataclasses.replace(monitor, **_one_schedule(settings)))
    store.create_monitor(monitor, claim_slug)
    return monitor


def matching(now_ms: int, tags: list[str], status: str | None) -> Callable[[Monitor], bool]:
    """A filter for listings: every tag given, and the status as the API shows it (grace derived)."""
    wanted = set(tags)

    def keep(m: Monitor) -> bool:
        return wanted <= set(m.tags) and (status is None or m.status_at(now_ms).value == status)

    return keep


def get_monitor(store: Store, monitor_id: str) -> Monitor:
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    return store.get_monitor(monitor_id)


def _one_schedule(settings: dict[str, Any]) -> dict[str, Any]:
    """A schedule replaces an interval and the other way round."""
    if settings.get("schedule") is not None:
        return {**settings, "interval_s": None}
    if settings.get("interval_s") is not None:
        return {**settings, "schedule": None}
    return settings


def _checked(m: Monitor) -> Monitor:
    """Rules across settings that the API's models cannot see on a partial change."""
    if m.slug is not None:
        check_slug(m.slug)
    if m.min_interval_s is not None and m.interval_s is not None and m.min_interval_s >= m.interval_s:
        raise InvalidInput("config.minInterval", "must be shorter than expectedInterval, or every run would be early")
    return m


def changed(current: Monitor, now_ms: int, **settings: Any) -> Monitor:
    """`current` with the given settings (None clears an optional one), and its armed deadline
    moved to follow them."""
    # Any change invalidates what warm ping Lambdas remember of the monitor's rules.
    new = dataclasses.replace(current, **_one_schedule(settings), rev=current.rev + 1)
    if current.last_success_ms is not None:
        new = dataclasses.replace(new, early_until_ms=current.last_success_ms + (new.min_interval_s or 0) * 1000)
    if current.status is Status.DOWN:
        # While down, the deadline is the next reminder.
        keep = current.deadline_ms is not None and new.realert_s == current.realert_s
        deadline = current.deadline_ms if keep else reminder_after(new, now_ms, now_ms)
    elif current.deadline_ms is None:
        deadline = None
    elif current.status is Status.STARTED and current.last_start_ms is not None:
        deadline = current.last_start_ms + new.start_window_ms
    elif current.last_success_ms is not None:
        deadline = deadline_after_success(new, current.last_success_ms)
    else:
        deadline = current.deadline_ms
    return _checked(dataclasses.replace(new, deadline_ms=deadline))


def update_monitor(store: Store, monitor_id: str, now_ms: int, **settings: Any) -> Monitor:
    """Change the given settings (see Monitor). A ping landing between our read and write makes us
    read again."""
    for _ in range(MAX_ATTEMPTS):
        current = get_monitor(store, monitor_id)
        try:
            store.update_monitor(current, changed(current, now_ms, **settings), now_ms)
        except LostRace:
            continue
        return store.get_monitor(monitor_id)
    raise Contention("the monitor kept changing; try again")


def pause_monitor(store: Store, monitor_id: str, now_ms: int) -> Monitor:
    get_monitor(store, monitor_id)  # 404 for a malformed id before any write
    store.pause(monitor_id, now_ms)
    return store.get_monitor(monitor_id)


def resume_monitor(store: Store, monitor_id: str, now_ms: int) -> Monitor:
    """Only a paused monitor changes; resuming one that is not paused is a harmless no-op."""
    get_monitor(store, monitor_id)
    store.resume(monitor_id, now_ms)
    return store.get_monitor(monitor_id)


def delete_monitor(store: Store, monitor_id: str) -> None:
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    store.delete_monitor(monitor_id)


@dataclass(frozen=True)
class Uptime:
    since_ms: int
    window_ms: int
    down_ms: int
    incidents: list[Incident]  # those overlapping the window, oldest first

    @property
    def percent(self) -> float:
        return 100.0 if self.window_ms <= 0 else round(100 * (1 - self.down_ms / self.window_ms), 3)


def uptime(store: Store, monitor_id: str, now_ms: int, days: int) -> Uptime:
    """Time up over the last `days` (or since creation, if later): the window less the time spent
    in incidents. Paused time counts as up; nothing was expected then."""
    m = get_monitor(store, monitor_id)
    since = max(now_ms - days * 86_400_000, m.created_ms)
    overlapping: list[Incident] = []
    cursor = None
    while True:  # newest first; incidents never overlap, so the first one over before `since` ends it
        page, cursor = store.list_incidents(monitor_id, 100, cursor)
        for incident in page:
            if (incident.resolved_ms or now_ms) < since:
                cursor = None
                break
            overlapping.append(incident)
        if cursor is None:
            break
    down = sum(min(i.resolved_ms or now_ms, now_ms) - max(i.opened_ms, since) for i in overlapping)
    return Uptime(since, now_ms - since, max(down, 0), overlapping[::-1])
