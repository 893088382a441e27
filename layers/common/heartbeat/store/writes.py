"""A monitor's Write (domain/writes.py) as one UpdateItem: where each field is stored, how the write
computes a value from the item it finds, and the one table of conditions, each guard beside the race
it stops. Nothing here decides: domain/decisions.py says which write, with which guards.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, assert_never

from heartbeat.domain.awsruns import START
from heartbeat.domain.model import LINK_METHODS, Status
from heartbeat.domain.writes import (
    DEADLINE,
    REMINDER,
    CountIs,
    DueAt,
    DueBefore,
    Entry,
    Exists,
    Field,
    Guard,
    Heeds,
    HeldBy,
    HoldingCount,
    Ignores,
    IncidentIs,
    IncidentOpen,
    InstanceRoom,
    Kept,
    Later,
    NoIncident,
    NoRules,
    NotEarly,
    NothingDue,
    RulesAt,
    RunsKept,
    RunsRoom,
    Span,
    StageNew,
    StatusIs,
    Unpaused,
    Value,
    Write,
)
from heartbeat.store.codec import RUN_PREFIX, n, s
from heartbeat.store.expressions import Update

# Fields stored under another name (`#st`: a reserved word); every other field under its own. The due
# time is one attribute whatever it means: the sweeper's index sorts by it.
_STORED = {"status": "#st", DEADLINE: "deadline", REMINDER: "deadline", "early_until_ms": "early_until"}
_DUE = frozenset([DEADLINE, REMINDER])


def update_of(write: Write, shard: str) -> Update:
    """`write` as one UpdateItem on a monitor whose due-index shard is `shard`."""
    e = _Spelling()
    sets = [f"{e.path(f)} = {e.term(value)}" for f, value in write.sets.items()]
    removes = list(dict.fromkeys(e.path(f) for f in write.removes))  # the due time's two names are one
    adds = [f"{e.path(f)} {e.added(amount)}" for f, amount in write.adds.items()]
    # The due index holds what has a due time: its shard key comes and goes with it.
    if _DUE & write.sets.keys():
        sets.append(f"due_shard = {e.string(shard)}")
    elif _DUE & write.removes:
        removes.append("due_shard")
    conditions = [condition(guard, e) for guard in write.guards]
    return Update(sets, removes, adds, conditions, e.values, e.names)


def condition(guard: Guard, e: _Spelling) -> str:
    """The table of conditions: what each guard asks of the item, in DynamoDB's words (what it means
    is the guard's `holds`; tests/integration/test_conditions.py holds the two to agreement)."""
    match guard:
        case Exists():
            # Race: the monitor was deleted meanwhile (or never was): nothing is written, no item comes back.
            return "attribute_exists(pk)"
        case CountIs(n=count):
            # Race: another ping was counted since the monitor was read: the writer reads it and decides again.
            return f"n_pings = {e.number(count)}"
        case RulesAt(rev=rev):
            # Race: the settings the writer judged by (its read, or a warm Lambda's memory of a schedule or
            # keywords) changed meanwhile.
            return f"rev = {e.number(rev)}"
        case NoRules():
            # Race: the monitor was given a schedule or keywords since the writer assumed it had neither.
            return (
                "attribute_not_exists(#sched) AND attribute_not_exists(keywords) AND attribute_not_exists(quorum_min)"
            )
        case NoIncident():
            # Race: the sweeper or another ping opened an incident meanwhile: the writer makes the transition.
            return "attribute_not_exists(open_incident_ms)"
        case IncidentOpen():
            # Race: a recovery resolved the incident meanwhile.
            return "attribute_exists(open_incident_ms)"
        case IncidentIs(opened_ms=opened):
            # Race: a recovery resolved the incident (and another may have opened) since it was read.
            return f"open_incident_ms = {e.number(opened)}"
        case Heeds(method=method):
            # Race: paused with manual resume (or made POST-only) since the writer looked: the ping is ignored.
            heeded = f"NOT {_held(e)}"
            return f"{heeded} AND attribute_not_exists(post_only)" if method in LINK_METHODS else heeded
        case Ignores(method=method):
            # Race: resumed (or manual resume or POST-only turned off) since the writer looked.
            return f"({_held(e)} OR attribute_exists(post_only))" if method in LINK_METHODS else _held(e)
        case NotEarly(now_ms=now):
            # Race: without a minimum interval nothing is early, whichever of two concurrent successes lands
            # last; with one, a success within it of the last fails here and is judged from the item.
            zero = e.number(0)
            no_minimum = f"attribute_not_exists(min_gap_ms) OR min_gap_ms = {zero}"
            return f"(attribute_not_exists(early_until) OR early_until <= {e.number(now)} OR {no_minimum})"
        case DueAt(at_ms=at):
            # Race: a ping moved the deadline (it wins: no false alert), another sweeper acted first, or a
            # settings change moved it, since it was read.
            return f"deadline = {e.number(at)}"
        case NothingDue():
            # Race: a ping armed a deadline since the monitor was read (it would not follow the new settings).
            return "attribute_not_exists(deadline)"
        case StatusIs(status=status):
            # Race: a ping resumed the monitor meanwhile; it must not be sent back to `new`.
            return f"#st = {e.string(status.value)}"
        case Unpaused():
            # Race: paused since the writer assumed it was not: a start keeps it paused, and is only recorded.
            return f"#st <> {e.string(Status.PAUSED.value)}"
        case _:
            return _map_condition(guard, e)


def _map_condition(guard: Guard, e: _Spelling) -> str:
    """The table of conditions, continued: the guards on the item's maps and sets (a run's starts, an
    event's stages, the children a parent holds, a quorum's instances) and the quorum's deadline."""
    match guard:
        case RunsKept():
            # Race: none. An item stored before open runs were kept has no map; the writer creates it first.
            return "attribute_exists(runs)"
        case RunsRoom(cap=cap):
            # Race: concurrent starts filled the map (or it is missing): the writer empties it and tries again.
            return f"attribute_exists(runs) AND size(runs) < {e.number(cap)}"
        case StageNew(key=key, stage=stage):
            # Race: a second delivery of the same event (or a later stage of its run) was recorded meanwhile.
            mark = e.name(RUN_PREFIX + key)
            if stage == START:
                return f"attribute_not_exists({mark})"
            return f"(attribute_not_exists({mark}) OR {mark} > {e.number(0)})"
        case HeldBy(parent=parent):
            # Race: the child recovered (or was released) since it was read: its held alert is not sent.
            return f"held_by = {e.string(parent)}"
        case HoldingCount(count=count):
            # Race: a child went down held by this monitor since it was read: its recovery must release it too.
            if count == 0:
                return "attribute_not_exists(holding)"
            return f"attribute_exists(holding) AND size(holding) = {e.number(count)}"
        case InstanceRoom(name=name, cap=cap):
            # Race: concurrent pings of new instances filled the map (or it is missing: the writer makes it).
            known = f"attribute_exists(instances.{e.name(name)})"
            return f"attribute_exists(instances) AND (size(instances) < {e.number(cap)} OR {known})"
        case DueBefore(at_ms=at):
            # Race: another instance's ping moved a quorum's deadline later still; it stays the later one.
            return f"(attribute_not_exists(deadline) OR deadline < {e.number(at)})"
    raise AssertionError(f"no condition for the guard {guard!r}")


def _held(e: _Spelling) -> str:
    """Paused with manual resume."""
    return f"(#st = {e.string(Status.PAUSED.value)} AND attribute_exists(manual_resume))"


class _Spelling:
    """One UpdateItem being written: the placeholders its names and values take."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.names: dict[str, str] = {}
        self._placeholders: dict[Hashable, str] = {}  # by value, and by name (`#name`)

    def number(self, value: int) -> str:
        return self._placeholders.get(("N", value)) or self._bind(("N", value), n(value))

    def string(self, value: str) -> str:
        return self._placeholders.get(("S", value)) or self._bind(("S", value), s(value))

    def added(self, amount: int | frozenset[str]) -> str:
        """What an ADD adds: a number, or strings to a string set."""
        if isinstance(amount, int):
            return self.number(amount)
        return self._bind(object(), {"SS": sorted(amount)})

    def _bind(self, seen: Hashable, attribute_value: dict[str, Any]) -> str:
        """A placeholder for a value not seen before in this write (one per distinct value)."""
        self._placeholders[seen] = placeholder = f":v{len(self.values)}"
        self.values[placeholder] = attribute_value
        return placeholder

    def name(self, attribute: str) -> str:
        """The placeholder of an attribute name that is data (a run id) rather than ours."""
        placeholder = self._placeholders.get(f"#{attribute}")
        if placeholder is None:
            self._placeholders[f"#{attribute}"] = placeholder = f"#n{len(self.names)}"
            self.names[placeholder] = attribute
        return placeholder

    def path(self, f: Field) -> str:
        if isinstance(f, Entry):
            if f.map == "event_runs":
                return self.name(RUN_PREFIX + f.key)  # stored flat: one attribute per run (codec)
            return f"{f.map}.{self.name(f.key)}"
        return _STORED.get(f, f)

    def term(self, value: Value) -> str:
        match value:
            case int():
                return self.number(value)
            case str():
                return self.string(str(value))
            case Later(at_ms=at, span=span):
                # Items stored before the minimum interval existed have no min_gap_ms; the other spans are always there.
                stored = f"if_not_exists({span.value}, {self.number(0)})" if span is Span.MIN_GAP else span.value
                return f"{self.number(at)} + {stored}"
            case Kept(field=f, default=default):
                return f"if_not_exists({self.path(f)}, {self.number(default)})"
            case dict():
                return self._bind(object(), {"M": {k: n(v) for k, v in value.items()}})
            case _:
                assert_never(value)
