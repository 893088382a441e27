"""The table of conditions (store/writes.py) says in DynamoDB's words what each guard of the domain
means (domain/writes.py, `holds`): on monitors stored in every state, each guard's condition holds
exactly when the guard does. Held, POST-only and early are each decided in Python and in a
condition; this keeps the two the same decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

from heartbeat.domain.awsruns import END, START
from heartbeat.domain.model import Monitor, Status
from heartbeat.domain.writes import (
    CountIs,
    DueAt,
    DueBefore,
    Exists,
    Guard,
    Heeds,
    HeldBy,
    HoldingCount,
    Ignores,
    IncidentIs,
    IncidentOpen,
    InstanceRoom,
    NoIncident,
    NoRules,
    NotEarly,
    NothingDue,
    RulesAt,
    RunsKept,
    RunsRoom,
    StageNew,
    StatusIs,
    Unpaused,
    Write,
)
from heartbeat.store.codec import Item, monitor_from_item, monitor_key, n
from heartbeat.store.table import ConditionFailed
from heartbeat.store.writes import update_of
from tests.harness import T0, Stack, sample_monitor

STARTED_RUN, ENDED_RUN, UNKNOWN_RUN = "aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"
PARENT, CHILD = "a" * 32, "b" * 32


def keep(item: Item) -> None:
    pass


def without_runs(item: Item) -> None:
    del item["runs"]  # stored before open runs were kept


def with_event_runs(item: Item) -> None:
    item["er_" + STARTED_RUN] = n(T0 // 1000)
    item["er_" + ENDED_RUN] = n(-(T0 // 1000))


def monitors() -> dict[str, tuple[Monitor, Callable[[Item], None]]]:
    down = {"status": Status.DOWN, "open_incident_ms": T0 + 90_000, "deadline_ms": T0 + 690_000, "realert_s": 600}
    return {
        "up": (sample_monitor(), keep),
        "new": (
            sample_monitor(n_pings=0, status=Status.NEW, last_ping_ms=None, last_success_ms=None, deadline_ms=None),
            keep,
        ),
        "started": (sample_monitor(status=Status.STARTED, last_start_ms=T0 + 5, deadline_ms=T0 + 30_005), keep),
        "down, reminding": (sample_monitor(**down), keep),
        "held": (sample_monitor(status=Status.PAUSED, manual_resume=True, deadline_ms=None), keep),
        "paused": (sample_monitor(status=Status.PAUSED, deadline_ms=None), keep),
        "manual resume, up": (sample_monitor(manual_resume=True), keep),  # held only while paused
        "post-only": (sample_monitor(post_only=True), keep),
        "held, post-only": (
            sample_monitor(status=Status.PAUSED, manual_resume=True, post_only=True, deadline_ms=None),
            keep,
        ),
        "minimum interval": (sample_monitor(min_interval_s=30, early_until_ms=T0 + 30_000), keep),
        "no minimum interval": (sample_monitor(early_until_ms=T0 + 30_000), keep),  # nothing is early
        "cron": (sample_monitor(interval_s=None, schedule="0 2 * * *", rev=3), keep),
        "keywords": (sample_monitor(failure_keywords=["error"], rev=1), keep),
        "no runs map": (sample_monitor(), without_runs),
        "runs full": (sample_monitor(runs={f"r{i}": T0 for i in range(50)}), keep),
        "event runs": (sample_monitor(runs={"r": T0}), with_event_runs),
        "held by a parent": (sample_monitor(**down, held_by=PARENT), keep),
        "holding two children": (sample_monitor(**down, holding=frozenset([CHILD, PARENT])), keep),
        "quorum": (sample_monitor(quorum={"min": 2}, instances={"a": T0, "b": T0}, rev=2), keep),
        "quorum, no instances yet": (sample_monitor(quorum={"min": 2}, instances=None, rev=2), keep),
    }


def guards(m: Monitor) -> list[Guard]:
    """Each kind of guard, with values that hold on `m` and values that do not."""
    times = [T0, T0 + 29_999, T0 + 30_000, T0 + 10**9]
    return [
        Exists(),
        *(CountIs(c) for c in (m.n_pings, m.n_pings + 1)),
        *(RulesAt(r) for r in (m.rev, m.rev + 1)),
        NoRules(),
        NoIncident(),
        IncidentOpen(),
        *(IncidentIs(t) for t in (m.open_incident_ms or 1, 12_345)),
        *(g(method) for g in (Heeds, Ignores) for method in ("GET", "POST")),
        *(NotEarly(t) for t in times),
        *(DueAt(t) for t in (m.deadline_ms or 1, 7)),
        NothingDue(),
        *(StatusIs(s) for s in Status if s is not Status.GRACE),
        Unpaused(),
        RunsKept(),
        *(RunsRoom(cap) for cap in (50, 2)),
        *(StageNew(run, stage) for run in (STARTED_RUN, ENDED_RUN, UNKNOWN_RUN) for stage in (START, END)),
        *(HeldBy(parent) for parent in (PARENT, CHILD)),
        *(HoldingCount(count) for count in (0, 1, 2)),
        *(InstanceRoom(name, cap) for name in ("a", "c") for cap in (2, 3)),
        *(DueBefore(t) for t in (m.deadline_ms or 1, (m.deadline_ms or 1) + 1, 7)),
    ]


def test_each_condition_holds_exactly_when_its_guard_does(stack: Stack) -> None:
    table, tried, disagree = stack.store.table, set(), []
    for name, (m, tweak) in monitors().items():
        item = stack.store.monitors.item(m)
        tweak(item)
        table.put(item)
        stored = monitor_from_item(item)
        for guard in guards(stored):
            tried.add(type(guard))
            try:
                table.update(monitor_key(m.id), update_of(Write(sets={"probe": 1}, guards=(guard,)), "0"))
                held = True
            except ConditionFailed:
                held = False
            if held != guard.holds(stored):
                disagree.append(f"{guard} on the {name} monitor: the condition says {held}")
    assert tried == set(get_args(Guard))  # every kind of guard in the table was tried
    assert disagree == []
