"""Maintenance windows: create, list, read and delete them; what a monitor's GET shows of them; and
their say on every alert about to be published (`held_back`, one of the outbox's hold steps:
usecases/hold.py).

A window holds an alert by moving it, in the outbox, to the window's end in the `due` index: the
sweeper finds it then as it finds any alert to publish, with no scan. Reading the windows is one
Query of their partition, made only when an alert is about to go out (never on a ping).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from heartbeat.domain import windows as domain
from heartbeat.domain.errors import InvalidInput, NotFound, Unavailable
from heartbeat.domain.model import Alert, AlertEvent, Monitor
from heartbeat.domain.silence import DROPPED
from heartbeat.domain.windows import MAX_WINDOWS, Outage, Span, Verdict, Window
from heartbeat.store import Store

log = logging.getLogger(__name__)


def create(store: Store, window: Window, now_ms: int) -> Window:
    """Store `window` (its id and creation time are given here)."""
    window = domain.checked(replace(window, id=uuid.uuid4().hex, created_ms=now_ms))
    if len(store.windows.all()) >= MAX_WINDOWS:  # a soft cap (two creates at once may pass it by one)
        raise InvalidInput("body", f"at most {MAX_WINDOWS} maintenance windows; delete one first")
    store.windows.add(window)
    return window


def list_windows(store: Store) -> list[Window]:
    return store.windows.all()


def get(store: Store, window_id: str) -> Window:
    return store.windows.get(window_id)


def delete(store: Store, window_id: str) -> None:
    store.windows.delete(window_id)


def maintenance(store: Store, monitor: Monitor, now_ms: int) -> tuple[Span | None, Span | None]:
    """The window the monitor is in now and the next one to open for it."""
    every = store.windows.all()
    return (
        domain.open_for(every, monitor.id, monitor.tags, now_ms),
        domain.next_for(every, monitor.id, monitor.tags, now_ms),
    )


def held_back(store: Store, alert: Alert, now_ms: int) -> bool:
    """True when a window holds or drops `alert` instead of it being published now. Covered is
    judged by the alert's own tags (the monitor's when it was written): no read of the monitor but
    for a held alert whose window has ended."""
    try:
        every = store.windows.all()
        window = domain.open_for(every, alert.monitor_id, alert.tags, now_ms)
        down_alerted = alert.event is AlertEvent.DOWN or _down_alerted(store, alert)
        verdict = domain.judge(alert, window, down_alerted)
        if verdict is Verdict.NEEDS_MONITOR:
            verdict = Verdict.PUBLISH if domain.released(alert, _outage(store, alert)) else Verdict.DROP
        if verdict is Verdict.HOLD:
            assert window is not None
            store.windows.hold(alert, window.end_ms)
        elif verdict is Verdict.DROP:
            store.silences.drop(alert)
    except Unavailable as e:  # left pending: a sweep after its lease asks again (never a ping's 503)
        log.warning("could not judge an alert by the maintenance windows (%s); the next sweep asks again", e.code)
        return True
    return verdict is not Verdict.PUBLISH


def _down_alerted(store: Store, alert: Alert) -> bool:
    """Whether the down alert of the outage `alert` (a reminder or a recovery) belongs to went out,
    or will: not held by a window, nor dropped. One a snooze held is the snooze's to judge (the step
    before this one): at the snooze's end it and a reminder due meanwhile go out in the same sweep,
    in whichever order the sweep takes them."""
    down = store.outbox.down_alert(alert.monitor_id, alert.incident_ms)
    return down is None or down.state not in (domain.WAITING, DROPPED)


def _outage(store: Store, alert: Alert) -> Outage:
    try:
        monitor = store.monitors.get(alert.monitor_id)
    except NotFound:
        return Outage(None, 0, False)  # deleted: nothing to send
    return Outage(monitor.open_incident_ms, monitor.reminders, monitor.open_acknowledgement is not None)


# ---- an apply file's `maintenance:` list: matched by name, planned before any write ----------------

COMPARED = ("monitors", "tags", "start_ms", "end_ms", "cron", "duration_s", "timezone")


@dataclass
class WindowChange:
    action: str  # create, update, unchanged, delete
    name: str
    window_id: str | None = None
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (now, after)
    declared: Window | None = None


def plan_file(existing: list[Window], declared: list[Window], prune: str) -> list[WindowChange]:
    """What applying the file's windows changes; prune as for monitors (`managed`: those a file made)."""
    seen: set[str] = set()
    for i, d in enumerate(declared):
        if d.name in seen:
            raise InvalidInput(f"maintenance[{i}].name", f"name {d.name!r} is declared twice")
        seen.add(d.name)
    by_name: dict[str, Window] = {}
    for w in existing:
        by_name.setdefault(w.name, w)  # of same-named windows, the first listed (by name, then id)
    changes = []
    for d in declared:
        match = by_name.get(d.name)
        if match is None:
            changes.append(WindowChange("create", d.name, declared=d))
            continue
        diff = {k: (getattr(match, k), getattr(d, k)) for k in COMPARED if getattr(match, k) != getattr(d, k)}
        changes.append(WindowChange("update" if diff else "unchanged", d.name, match.id, diff, d))
    if prune != "none":
        kept = {c.window_id for c in changes}
        changes += [
            WindowChange("delete", w.name, w.id)
            for w in existing
            if w.id not in kept and (prune == "all" or w.from_file)
        ]
    return changes


def execute_file(store: Store, changes: list[WindowChange], now_ms: int) -> None:
    for change in changes:
        d = change.declared
        if change.action == "create" and d is not None:
            change.window_id = create(store, replace(d, from_file=True), now_ms).id
        elif change.action == "update" and d is not None and change.window_id is not None:
            current = store.windows.get(change.window_id)
            change_to = {k: after for k, (_, after) in change.diff.items()}
            store.windows.replace(domain.checked(replace(current, **change_to)))
        elif change.action == "delete" and change.window_id is not None:
            with contextlib.suppress(NotFound):  # another apply deleted it a moment ago, as this one meant to
                store.windows.delete(change.window_id)
