"""A write to one monitor, as the domain declares it: its effect (the fields it sets, removes and
adds to) and its guards (the state it must find, or it changes nothing). The store makes each Write
one conditional UpdateItem, spelling every guard through one table of conditions
(store/writes.py); what each guard means is `holds`, here, and a test holds the two to agreement.

Which writes the state machine makes, and with which guards, is domain/decisions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from enum import StrEnum
from typing import Any, ClassVar

from heartbeat.domain.awsruns import END
from heartbeat.domain.model import Monitor, Status

# The fields a monitor's due time (`deadline`, the one attribute the sweeper's index sorts by) is
# written as: the deadline while it is up or started, the next reminder while it is down.
DEADLINE = "next_deadline_ms"
REMINDER = "next_reminder_ms"


set_once = object.__setattr__  # how a Frozen's __init__ sets its fields (its own __setattr__ refuses)


class Frozen:
    """A small value: equal to another of its class with equal fields, hashable, never changed once
    made. What `@dataclass(frozen=True)` gives, without its cost at import (about a millisecond a
    class here), which the ping's cold start would pay for each of the classes that declare writes.
    A subclass names its fields in `__slots__` and sets each in its `__init__` with `set_once`."""

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[tuple[str, ...]] = ()  # this class's and its bases' slots

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(name for c in reversed(cls.__mro__) for name in c.__dict__.get("__slots__", ()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Frozen) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"


class Span(StrEnum):
    """A length the item keeps beside the settings it derives from, so that a write can add it to
    its own time without reading the monitor first. Stored under its own name (store/codec.py)."""

    WINDOW = "window_ms"  # period + grace: an interval monitor's deadline after a success
    START_WINDOW = "start_window_ms"  # max runtime (or grace): the deadline after a /start
    MIN_GAP = "min_gap_ms"  # minimum interval (0: none): a success before last + this is early

    def of(self, m: Monitor) -> int | None:
        if self is Span.WINDOW:
            return m.window_ms
        return m.start_window_ms if self is Span.START_WINDOW else m.min_gap_ms


class Entry(Frozen):
    """One entry of a map field: `runs[rid]` (runs started with ?rid=) or `event_runs[key]`."""

    __slots__ = ("key", "map")
    map: str
    key: str

    def __init__(self, map: str, key: str) -> None:
        set_once(self, "map", map)
        set_once(self, "key", key)


Field = str | Entry  # a Monitor field's name, one of the due time's two names, or a map entry


class Later(Frozen):
    """`at_ms` plus one of the monitor's spans, computed by the write from the item it finds."""

    __slots__ = ("at_ms", "span")
    at_ms: int
    span: Span

    def __init__(self, at_ms: int, span: Span) -> None:
        set_once(self, "at_ms", at_ms)
        set_once(self, "span", span)

    def of(self, m: Monitor) -> int | None:
        """What the write computes on a monitor stored as `m`."""
        span = self.span.of(m)
        return None if span is None else self.at_ms + span


class Kept(Frozen):
    """The value the item holds for `field` when the write lands (`default` if none): read by the
    write, not before it."""

    __slots__ = ("default", "field")
    field: Field
    default: int

    def __init__(self, field: Field, default: int) -> None:
        set_once(self, "field", field)
        set_once(self, "default", default)


Value = int | str | Later | Kept | dict[str, int]


# ---- guards: the state a write must find -----------------------------------------------------------


class Exists(Frozen):
    """The monitor exists."""

    def holds(self, m: Monitor) -> bool:
        return True


class CountIs(Frozen):
    """No ping counted since the monitor was read with `n` pings."""

    __slots__ = ("n",)
    n: int

    def __init__(self, n: int) -> None:
        set_once(self, "n", n)

    def holds(self, m: Monitor) -> bool:
        return m.n_pings == self.n


class RulesAt(Frozen):
    """The settings are those of revision `rev` (every change bumps it)."""

    __slots__ = ("rev",)
    rev: int

    def __init__(self, rev: int) -> None:
        set_once(self, "rev", rev)

    def holds(self, m: Monitor) -> bool:
        return m.rev == self.rev


class NoRules(Frozen):
    """No setting a success ping must be judged by: no cron schedule, no keywords, no quorum."""

    def holds(self, m: Monitor) -> bool:
        return not m.needs_rules


class NoIncident(Frozen):
    def holds(self, m: Monitor) -> bool:
        return m.open_incident_ms is None


class IncidentOpen(Frozen):
    def holds(self, m: Monitor) -> bool:
        return m.open_incident_ms is not None


class IncidentIs(Frozen):
    """The incident opened at `opened_ms` is the open one."""

    __slots__ = ("opened_ms",)
    opened_ms: int

    def __init__(self, opened_ms: int) -> None:
        set_once(self, "opened_ms", opened_ms)

    def holds(self, m: Monitor) -> bool:
        return m.open_incident_ms == self.opened_ms


class Heeds(Frozen):
    """A ping sent with `method` counts: not held by manual resume, nor a GET or HEAD to a POST-only monitor."""

    __slots__ = ("method",)
    method: str

    def __init__(self, method: str) -> None:
        set_once(self, "method", method)

    def holds(self, m: Monitor) -> bool:
        return not m.ignores_method(self.method)


class Ignores(Frozen):
    """A ping sent with `method` is ignored (the opposite of Heeds)."""

    __slots__ = ("method",)
    method: str

    def __init__(self, method: str) -> None:
        set_once(self, "method", method)

    def holds(self, m: Monitor) -> bool:
        return m.ignores_method(self.method)


class NotEarly(Frozen):
    """A success at `now_ms` is not within the minimum interval of the last one that armed the monitor.
    (One received before that success and written after it is judged by rules.is_early.)"""

    __slots__ = ("now_ms",)
    now_ms: int

    def __init__(self, now_ms: int) -> None:
        set_once(self, "now_ms", now_ms)

    def holds(self, m: Monitor) -> bool:
        return not m.min_gap_ms or m.early_until_ms is None or m.early_until_ms <= self.now_ms


class DueAt(Frozen):
    """The due time (deadline or reminder) is the one read, `at_ms`."""

    __slots__ = ("at_ms",)
    at_ms: int

    def __init__(self, at_ms: int) -> None:
        set_once(self, "at_ms", at_ms)

    def holds(self, m: Monitor) -> bool:
        return m.deadline_ms == self.at_ms


class NothingDue(Frozen):
    def holds(self, m: Monitor) -> bool:
        return m.deadline_ms is None


class StatusIs(Frozen):
    __slots__ = ("status",)
    status: Status

    def __init__(self, status: Status) -> None:
        set_once(self, "status", status)

    def holds(self, m: Monitor) -> bool:
        return m.status is self.status


class Unpaused(Frozen):
    """Not paused: a /start on a paused monitor keeps it paused (as on Healthchecks)."""

    def holds(self, m: Monitor) -> bool:
        return m.status is not Status.PAUSED


class RunsKept(Frozen):
    """The item has its map of open runs (one stored before runs existed has none)."""

    def holds(self, m: Monitor) -> bool:
        return m.runs is not None


class RunsRoom(Frozen):
    """The map of open runs exists and has fewer than `cap` entries."""

    __slots__ = ("cap",)
    cap: int

    def __init__(self, cap: int) -> None:
        set_once(self, "cap", cap)

    def holds(self, m: Monitor) -> bool:
        return m.runs is not None and len(m.runs) < self.cap


class StageNew(Frozen):
    """An AWS event's run stage is not recorded yet (domain/awsruns.py): for a start, nothing of
    the run is; for an end, no end is."""

    __slots__ = ("key", "stage")
    key: str  # the run's key (awsruns.run_key)
    stage: int

    def __init__(self, key: str, stage: int) -> None:
        set_once(self, "key", key)
        set_once(self, "stage", stage)

    def holds(self, m: Monitor) -> bool:
        mark = m.event_runs.get(self.key)
        return mark is None or (self.stage == END and mark > 0)


class HeldBy(Frozen):
    """The monitor's down alert is held by `parent`'s outage (domain/dependencies.py)."""

    __slots__ = ("parent",)
    parent: str

    def __init__(self, parent: str) -> None:
        set_once(self, "parent", parent)

    def holds(self, m: Monitor) -> bool:
        return m.held_by == self.parent


class HoldingCount(Frozen):
    """The monitor holds the down alerts of `count` children (domain/dependencies.py)."""

    __slots__ = ("count",)
    count: int

    def __init__(self, count: int) -> None:
        set_once(self, "count", count)

    def holds(self, m: Monitor) -> bool:
        return len(m.holding) == self.count


class InstanceRoom(Frozen):
    """The map of a quorum's instances exists and has `name` or room for it (fewer than `cap`)."""

    __slots__ = ("cap", "name")
    name: str
    cap: int

    def __init__(self, name: str, cap: int) -> None:
        set_once(self, "name", name)
        set_once(self, "cap", cap)

    def holds(self, m: Monitor) -> bool:
        return m.instances is not None and (self.name in m.instances or len(m.instances) < self.cap)


class DueBefore(Frozen):
    """Nothing is due, or only before `at_ms`: a due time only ever moved later."""

    __slots__ = ("at_ms",)
    at_ms: int

    def __init__(self, at_ms: int) -> None:
        set_once(self, "at_ms", at_ms)

    def holds(self, m: Monitor) -> bool:
        return m.deadline_ms is None or m.deadline_ms < self.at_ms


Guard = (
    Exists
    | CountIs
    | RulesAt
    | NoRules
    | NoIncident
    | IncidentOpen
    | IncidentIs
    | Heeds
    | Ignores
    | NotEarly
    | DueAt
    | NothingDue
    | StatusIs
    | Unpaused
    | RunsKept
    | RunsRoom
    | StageNew
    | HeldBy
    | HoldingCount
    | InstanceRoom
    | DueBefore
)


# ---- the write --------------------------------------------------------------------------------------

_NONE: Mapping[Any, Any] = {}


class Write(Frozen):
    """What a write does to a monitor (`sets`, `removes`, `adds`) and what it must find (`guards`, all of them)."""

    __slots__ = ("adds", "guards", "removes", "sets")
    sets: Mapping[Field, Value]
    removes: AbstractSet[Field]
    adds: Mapping[Field, int | frozenset[str]]  # a number added, or strings added to a set
    guards: tuple[Guard, ...]

    def __init__(
        self,
        sets: Mapping[Field, Value] = _NONE,
        removes: AbstractSet[Field] = frozenset(),
        adds: Mapping[Field, int | frozenset[str]] = _NONE,
        guards: tuple[Guard, ...] = (),
    ) -> None:
        set_once(self, "sets", sets)
        set_once(self, "removes", removes)
        set_once(self, "adds", adds)
        set_once(self, "guards", guards)

    def __or__(self, other: Write) -> Write:
        """Both as one write. They may share removals, never a field they change otherwise (DynamoDB
        refuses an update that names one attribute twice)."""
        if not (other.sets or other.removes or other.adds):
            return Write(self.sets, self.removes, self.adds, self.guards + other.guards)
        mine, theirs = self.sets.keys(), other.sets.keys()
        assert (
            mine.isdisjoint(theirs)
            and mine.isdisjoint(other.removes)
            and theirs.isdisjoint(self.removes)
            and self.adds.keys().isdisjoint(other.adds)
        ), f"two effects on one field: {self} | {other}"
        return Write(
            {**self.sets, **other.sets},
            self.removes | other.removes,
            {**self.adds, **other.adds},
            self.guards + other.guards,
        )

    def __hash__(self) -> int:
        raise TypeError("a Write holds mappings: not hashable")


def guarded(*guards: Guard) -> Write:
    """A write that only adds guards, to compose with others."""
    return Write(guards=guards)
