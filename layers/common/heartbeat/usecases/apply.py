"""Monitoring as code: a whole file of monitors applied at once, idempotently.

A file declares monitors completely: a setting it leaves out takes its default, so applying the
same file twice changes nothing the second time. Monitors are matched by `key` when the file gives
one, else by name. The plan (create / update with a field diff / unchanged / delete) is computed
from one listing before any write, so a dry run shows exactly what an apply would do, and a file
with any error changes nothing.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from heartbeat.domain.errors import Contention, InvalidInput, NotFound
from heartbeat.domain.model import Monitor
from heartbeat.domain.windows import Window
from heartbeat.store import Store
from heartbeat.store.claims import apply_key_claim, name_claim
from heartbeat.usecases import monitors, windows
from heartbeat.usecases.subscriptions import DeclaredSubscription, FileSync, SubscriptionChange, Subscriptions
from heartbeat.usecases.windows import WindowChange

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


def diff_of(m: Monitor, d: DeclaredMonitor) -> dict[str, tuple[Any, Any]]:
    """What applying `d` to `m` changes (field -> (now, after))."""
    # `from_file` stays as it is: --prune deletes only monitors a file created, never adopted ones.
    wanted = {**d.settings, "name": d.name, "apply_key": d.key}
    if d.slug is not None:
        wanted["slug"] = d.slug
    now = current_settings(m, list(wanted))
    return {k: (now[k], v) for k, v in wanted.items() if now[k] != v}


def identity(d: DeclaredMonitor) -> str:
    """What a create of `d` claims, as the plan matches: the file's key, else the name."""
    return apply_key_claim(d.key) if d.key else name_claim(d.name)


def adopts(d: DeclaredMonitor) -> Callable[[Monitor], bool]:
    """Whether a monitor another create just made for `d`'s identity is the one `d` declares."""
    if d.key:
        return lambda m: m.apply_key == d.key
    return lambda m: m.name == d.name and m.apply_key is None


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
        diff = diff_of(match, d)
        changes.append(Change("update" if diff else "unchanged", d.name, match.id, diff, d))
    if prune != "none":
        for m in existing:
            if m.id not in claimed and (prune == "all" or m.from_file):
                changes.append(Change("delete", m.name, m.id))
    return changes


def execute(store: Store, changes: list[Change], now_ms: int, workers: int) -> None:
    """Make the planned changes, several at once. Each is its own conditional write: a failure part
    way leaves the rest as it was, and applying the file again finishes the job. Another apply at
    the same moment is no failure: a monitor it just created for an entry is this entry's (the
    change is corrected to what was done), and one it just deleted is deleted as planned."""

    def one(change: Change) -> None:
        d = change.declared
        if change.action == "create" and d is not None:
            settings = {**d.settings, "from_file": True, "apply_key": d.key}
            m, created = monitors.create_unique(
                store, identity(d), adopts(d), now_ms, d.name, d.type, d.slug, **settings
            )
            if created:
                return
            # Created a moment ago by another apply (or an upsert): this entry's, brought to its settings.
            change.monitor_id, change.diff = m.id, diff_of(m, d)
            change.action = "update" if change.diff else "unchanged"
        if change.action == "update" and change.monitor_id is not None:
            settings = {k: v[1] for k, v in change.diff.items()}
            try:
                monitors.update_monitor(store, change.monitor_id, now_ms, **settings)
            except NotFound:
                raise Contention(
                    f"monitor {change.monitor_id} was deleted by a concurrent change; apply again"
                ) from None
        elif change.action == "delete" and change.monitor_id is not None:
            with contextlib.suppress(NotFound):  # another apply deleted it a moment ago, as this one meant to
                monitors.delete_monitor(store, change.monitor_id, now_ms)

    todo = [c for c in changes if c.action != "unchanged"]
    if workers == 1:
        for change in todo:
            one(change)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, todo))  # list(): raise the first failure here


@dataclass(frozen=True)
class Applied:
    """What applying a file did (or, in a dry run, would do), to monitors and to subscriptions."""

    changes: list[Change]
    subscription_changes: list[SubscriptionChange]
    window_changes: list[WindowChange] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return tally(c.action for c in self.changes)

    @property
    def subscription_summary(self) -> dict[str, int]:
        return tally(c.action for c in self.subscription_changes)

    @property
    def window_summary(self) -> dict[str, int]:
        return tally(c.action for c in self.window_changes)


def tally(actions: Iterable[str]) -> dict[str, int]:
    counts = Counter(actions)
    return {a: counts.get(a, 0) for a in ("create", "update", "unchanged", "delete")}


def apply_file(
    store: Store,
    subs: Subscriptions,
    declared: list[DeclaredMonitor],
    declared_subs: list[DeclaredSubscription] | None,
    prune: str,
    dry_run: bool,
    now_ms: int,
    workers: int = 8,
    declared_windows: list[Window] | None = None,
) -> Applied:
    """A whole file: monitors and, when the file lists them, subscriptions and maintenance windows
    (None: left as they are)."""
    # Subscriptions and windows are planned (and checked) first: a file with any error changes nothing.
    sync = FileSync(subs)
    sub_plan = sync.plan(declared_subs, prune) if declared_subs is not None else []
    window_plan = (
        windows.plan_file(store.windows.all(), declared_windows, prune) if declared_windows is not None else []
    )
    changes = apply(store, declared, prune, dry_run, now_ms, workers)
    if not dry_run:
        sync.execute(sub_plan, now_ms)
        windows.execute_file(store, window_plan, now_ms)
    return Applied(changes, [change for change, _ in sub_plan], window_plan)


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
