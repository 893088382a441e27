"""Monitor management: create, change, pause, resume. Time comes in as an argument."""

from __future__ import annotations

from heartbeat.errors import Contention, NotFound
from heartbeat.model import Monitor, Status
from heartbeat.store import LostRace, Store
from heartbeat.tokens import is_monitor_id, monitor_id_for, new_token

MAX_ATTEMPTS = 5


def create_monitor(
    store: Store, name: str, type: str, interval_s: int, grace_s: int, tags: list[str], now_ms: int
) -> Monitor:
    token = new_token()
    monitor = Monitor(
        id=monitor_id_for(token),
        token=token,
        name=name,
        type=type,
        interval_s=interval_s,
        grace_s=grace_s,
        tags=tags,
        status=Status.NEW,
        created_ms=now_ms,
        updated_ms=now_ms,
    )
    store.create_monitor(monitor)
    return monitor


def get_monitor(store: Store, monitor_id: str) -> Monitor:
    if not is_monitor_id(monitor_id):
        raise NotFound(f"monitor {monitor_id} not found")
    return store.get_monitor(monitor_id)


def update_monitor(
    store: Store,
    monitor_id: str,
    now_ms: int,
    name: str | None = None,
    tags: list[str] | None = None,
    interval_s: int | None = None,
    grace_s: int | None = None,
) -> Monitor:
    """Change settings. A ping landing between our read and write makes us read again."""
    for _ in range(MAX_ATTEMPTS):
        current = get_monitor(store, monitor_id)
        try:
            store.update_monitor(current, now_ms, name=name, tags=tags, interval_s=interval_s, grace_s=grace_s)
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
