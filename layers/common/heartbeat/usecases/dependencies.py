"""Dependencies (`config.dependsOn`, domain/dependencies.py): the parents a monitor going down reads,
the graph a change of them is checked against, and the release of the children a parent's outage
held when it recovers (or is deleted): an alert held is never lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from heartbeat.domain.alerts import down_alert, with_dependencies
from heartbeat.domain.decisions import Transition, released
from heartbeat.domain.dependencies import check_graph, down_parent
from heartbeat.domain.errors import LostRace, NotFound
from heartbeat.domain.model import Monitor
from heartbeat.store import Store

if TYPE_CHECKING:
    from heartbeat.adapters.sns import Publisher

log = logging.getLogger(__name__)

RELEASE_ATTEMPTS = 3  # each lost only to a ping on the child between its read and its release


def parent_down(store: Store, monitor: Monitor) -> Monitor | None:
    """A monitor this one depends on that is down now (one read each, only for a monitor going down)."""
    parents = []
    for parent_id in monitor.depends_on:
        try:
            parents.append(store.monitors.get(parent_id))
        except NotFound:
            continue  # deleted since: it holds nothing
    return down_parent(parents)


def check_dependencies(store: Store, monitor_id: str, depends_on: list[str]) -> None:
    """InvalidInput (422) for an unknown parent, the monitor itself, or a cycle."""

    def parents_of(other_id: str) -> list[str] | None:
        try:
            return store.monitors.get(other_id).depends_on
        except NotFound:
            return None

    check_graph(monitor_id, depends_on, parents_of)


def held_names(store: Store, parent: Monitor) -> list[str]:
    """The names of the monitors the parent's outage holds quiet (one read each), for its reminders."""
    names = []
    for child_id in sorted(parent.holding):
        try:
            child = store.monitors.get(child_id)
        except NotFound:
            continue
        if child.held_by == parent.id:
            names.append(child.name)
    return names


def release_held(store: Store, publisher: Publisher | None, parent: Monitor, now_ms: int) -> int:
    """The down alerts the parent's outage held (`parent.holding`, as its recovery or deletion read
    it), sent now for each child still down (without a `publisher`: written pending, for a sweep to
    send); a child that recovered meanwhile sends nothing. Returns how many were released."""
    from heartbeat.usecases.outbox import publish_pending

    released_count = 0
    parent_id = parent.id
    for child_id in sorted(parent.holding):
        for _ in range(RELEASE_ATTEMPTS):
            try:
                child = store.monitors.get(child_id)
            except NotFound:
                break
            if child.held_by != parent_id or child.open_incident_ms is None:
                break  # recovered first (or held by another parent now): nothing to send
            incident = store.incidents.get(child_id, child.open_incident_ms)
            alert = with_dependencies(down_alert(child, incident.opened_ms, incident.cause, now_ms), parent.name)
            try:
                store.transitions.carry_out(child_id, Transition(released(child, parent_id, now_ms), alert), now_ms)
            except LostRace:
                continue
            if publisher is not None:
                publish_pending(store, publisher, alert, now_ms)
            released_count += 1
            break
        else:
            log.warning("held alert of %s not released after %d attempts", child_id, RELEASE_ATTEMPTS)
    return released_count
