"""Monitor management: create, change, pause, resume. Time comes in as an argument."""

from __future__ import annotations

import dataclasses

from heartbeat.errors import Contention, NotFound
from heartbeat.model import Monitor, Status
from heartbeat.schedules import deadline_after_success
from heartbeat.store import LostRace, Store
from heartbeat.tokens import is_monitor_id, monitor_id_for, new_token

MAX_ATTEMPTS = 5


def create_monitor(
    store: Store,
    name: str,
    type: str,
    interval_s: int | None,
    grace_s: int,
    tags: list[str],
    now_ms: int,
    schedule: str | None = None,
    timezone: str = "UTC",
) -> Monitor:
    """A new monitor: an interval or (if `schedule`) a cron one, never alerting before its first ping."""
    token = new_token()
    monitor = Monitor(
        id=monitor_id_for(token),
        token=token,
        name=name,
        type=type,
        interval_s=None if schedule else interval_s,
        grace_s=grace_s,
        tags=tags,
        status=Status.NEW,
        created_ms=now_ms,
        updated_ms=now_ms,
        schedule=schedule,
        timezone=timezone,
    )
    store.create_monitor(monitor)
    return monitor


def get_monitor(store: Store, monitor_id: str) -> Monitor:
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    return store.get_monitor(monitor_id)


def changed(current: Monitor, **settings: object) -> Monitor:
    """`current` with new settings, and its armed deadline moved to follow the new schedule."""
    given = {k: v for k, v in settings.items() if v is not None}
    if "schedule" in given:
        given["interval_s"] = None
    elif "interval_s" in given:
        given["schedule"] = None
    # Any change invalidates what warm ping Lambdas remember of the schedule.
    new = dataclasses.replace(current, **given, rev=current.rev + 1)
    if current.deadline_ms is None:
        return new
    if current.status is Status.STARTED and current.last_start_ms is not None:
        deadline = current.last_start_ms + new.grace_s * 1000
    elif current.last_success_ms is not None:
        deadline = deadline_after_success(new, current.last_success_ms)
    else:
        deadline = current.deadline_ms
    return dataclasses.replace(new, deadline_ms=deadline)


def update_monitor(store: Store, monitor_id: str, now_ms: int, **settings: object) -> Monitor:
    """Change settings (name, tags, interval_s, schedule, timezone, grace_s). A ping landing between
    our read and write makes us read again."""
    for _ in range(MAX_ATTEMPTS):
        current = get_monitor(store, monitor_id)
        try:
            store.update_monitor(current, changed(current, **settings), now_ms)
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
