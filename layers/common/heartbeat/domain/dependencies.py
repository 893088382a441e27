"""Dependencies between monitors (`config.dependsOn`): a child that goes down while a parent it
depends on is down opens its incident marked as caused by that parent, and its down alert is held.
The parent records the children it holds (`holding`), so that its recovery releases them at a cost
of one read and one write each, never a scan: a child still down then alerts; one that recovered
first sends nothing. The graph is checked when a monitor's parents change (`check_graph`), never
by a sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Monitor, Status
from heartbeat.domain.writes import IncidentIs, Write

T = TypeVar("T")

PLACE = "config.dependsOn"
MAX_GRAPH = 1000  # monitors a cycle check may read (a deeper graph is refused, not walked for ever)


def down_parent(parents: Iterable[Monitor]) -> Monitor | None:
    """The first parent that is down with an incident open: the one a child's outage is caused by."""
    return next((p for p in parents if p.status is Status.DOWN and p.open_incident_ms is not None), None)


def parents_first(items: Sequence[T]) -> list[list[T]]:
    """Due items in waves, each monitor after those it depends on that are due in the same sweep, so
    that a parent and its child overdue together go down parent first (the child's alert held)."""
    waiting = list(items)
    waves: list[list[T]] = []
    while waiting:
        due = {item.id for item in waiting if isinstance(item, Monitor)}
        wave = [item for item in waiting if not (isinstance(item, Monitor) and due.intersection(item.depends_on))]
        wave = wave or waiting  # a cycle (refused, unless two changes raced): all at once
        waves.append(wave)
        taken = {id(item) for item in wave}
        waiting = [item for item in waiting if id(item) not in taken]
    return waves


def holds(parent: Monitor, child_id: str) -> Write:
    """The parent's write beside a held child's going down: the child recorded among those it holds."""
    assert parent.open_incident_ms is not None
    return Write(adds={"holding": frozenset([child_id])}, guards=(IncidentIs(parent.open_incident_ms),))


def check_graph(monitor_id: str, depends_on: list[str], parents_of: Callable[[str], list[str] | None]) -> None:
    """InvalidInput (422) for a monitor depending on itself, on one that does not exist (`parents_of`
    gives None), or on one that depends on it, however far up."""
    if monitor_id in depends_on:
        raise InvalidInput(PLACE, "a monitor cannot depend on itself")
    seen: set[str] = set()
    todo = [(parent, [parent]) for parent in depends_on]
    while todo:
        current, path = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if len(seen) > MAX_GRAPH:
            raise InvalidInput(PLACE, f"more than {MAX_GRAPH} monitors above this one")
        parents = parents_of(current)
        if parents is None and current in depends_on:
            raise InvalidInput(PLACE, f"no monitor {current}")
        for parent in parents or ():  # one deleted further up depends on nothing
            if parent == monitor_id:
                cycle = " -> ".join([monitor_id, *path, monitor_id])
                raise InvalidInput(PLACE, f"a cycle: {cycle}")
            todo.append((parent, [*path, parent]))
