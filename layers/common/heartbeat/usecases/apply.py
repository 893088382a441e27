"""Monitoring as code: a whole file of monitors applied at once, idempotently.

A file declares monitors completely: a setting it leaves out takes its default, so applying the
same file twice changes nothing the second time. Monitors are matched by `key` when the file gives
one, else by name. The plan (create / update with a field diff / unchanged / delete) is computed
from one listing before any write, so a dry run shows exactly what an apply would do, and a file
with any error changes nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Monitor
from heartbeat.store import Store
from heartbeat.usecases import monitors

PRUNE = ("none", "managed", "all")


@dataclass(frozen=True)
class DeclaredMonitor:
    """One monitor as a file declares it: `settings` uses Monitor's field names, defaults filled in."""

    where: str  # its place in the file, for messages: monitors[2]
    name: str
    key: str | None
    slug: str | None
    type: str
    settings: dict[str, Any]


@dataclass
class Change:
    action: str  # create, update, unchanged, delete
    name: str
    monitor_id: str | None = None
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (now, after)
    declared: DeclaredMonitor | None = None


def check_unique(declared: list[DeclaredMonitor]) -> None:
    """Two entries for one monitor would make the apply depend on their order: refuse the file."""
    seen: dict[str, str] = {}
    for d in declared:
        identity = f"key {d.key!r}" if d.key else f"name {d.name!r}"
        if identity in seen:
            where = f"{d.where}.key" if d.key else f"{d.where}.name"
            raise InvalidInput(where, f"{identity} is declared twice (also at {seen[identity]})")
        seen[identity] = d.where


def current_settings(m: Monitor, names: list[str]) -> dict[str, Any]:
    return {name: getattr(m, name) for name in names}


def plan(existing: list[Monitor], declared: list[DeclaredMonitor], prune: str) -> list[Change]:
    check_unique(declared)
    by_key = {m.apply_key: m for m in existing if m.apply_key}
    by_name: dict[str, Monitor] = {}
    for m in existing:
        by_name.setdefault(m.name, m)  # of same-named monitors, the first listed (by name, then id)
    changes: list[Change] = []
    claimed: set[str] = set()
    for d in declared:
        match = by_key.get(d.key) if d.key else None
        if match is None:
            candidate = by_name.get(d.name)
            # A monitor that carries another key belongs to another entry: do not take it by name.
            if candidate is not None and candidate.apply_key in (None, d.key):
                match = candidate
        if match is None or match.id in claimed:
            changes.append(Change("create", d.name, declared=d))
            continue
        claimed.add(match.id)
        # `from_file` stays as it is: --prune deletes only monitors a file created, never adopted ones.
        wanted = {**d.settings, "name": d.name, "apply_key": d.key}
        if d.slug is not None:
            wanted["slug"] = d.slug
        now = current_settings(match, list(wanted))
        diff = {k: (now[k], v) for k, v in wanted.items() if now[k] != v}
        changes.append(Change("update" if diff else "unchanged", d.name, match.id, diff, d))
    if prune != "none":
        for m in existing:
            if m.id not in claimed and (prune == "all" or m.from_file):
                changes.append(Change("delete", m.name, m.id))
    return changes


def execute(store: Store, changes: list[Change], now_ms: int, workers: int) -> None:
    """Make the planned changes, several at once. Each is its own conditional write: a failure part
    way leaves the rest as it was, and applying the file again finishes the job."""

    def one(change: Change) -> None:
        d = change.declared
        if change.action == "create" and d is not None:
            settings = {**d.settings, "from_file": True, "apply_key": d.key}
            monitors.create_monitor(store, d.name, d.type, now_ms, d.slug, **settings)
        elif change.action == "update" and change.monitor_id is not None:
            monitors.update_monitor(store, change.monitor_id, now_ms, **{k: v[1] for k, v in change.diff.items()})
        elif change.action == "delete" and change.monitor_id is not None:
            monitors.delete_monitor(store, change.monitor_id)

    todo = [c for c in changes if c.action != "unchanged"]
    if workers == 1:
        for change in todo:
            one(change)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, todo))  # list(): raise the first failure here


def apply(
    store: Store,
    declared: list[DeclaredMonitor],
    prune: str,
    dry_run: bool,
    now_ms: int,
    workers: int = 8,
) -> list[Change]:
    if prune not in PRUNE:
        raise InvalidInput("prune", f"must be one of {', '.join(PRUNE)}")
    changes = plan(store.monitors.all(), declared, prune)
    if not dry_run:
        execute(store, changes, now_ms, workers)
    return changes
