"""What the dashboard's list shows of a monitor, decided here once so the page only draws it: the
order that puts trouble first, a run's outcome for the strip, and the status in words
(`down 5 min (missed)`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from heartbeat.domain.model import Cause, Monitor, PingEvent, PingKind, Status
from heartbeat.domain.words import duration

# Trouble first: down, then late (in its grace period), then running, then up; the quiet ones last.
ORDER = (Status.DOWN, Status.GRACE, Status.STARTED, Status.UP, Status.NEW, Status.PAUSED)
RANK = {status: i for i, status in enumerate(ORDER)}
RECENT_RUNS = 30  # runs in a row's strip


@dataclass(frozen=True)
class Run:
    """One finished run as the strip shows it."""

    n: int
    at_ms: int
    outcome: str  # "ok" or "failed"
    duration_ms: int | None


def outcome(kind: PingKind, cause: Cause | None, ignored: bool) -> str | None:
    """A ping's verdict on its run: `ok`, `failed` (a /fail, a non-zero exit status, or a success
    judged failed: keywords, early), or None for what ends no run (a start, a log, a ping ignored
    while paused)."""
    if ignored or kind in (PingKind.START, PingKind.LOG):
        return None
    return "ok" if kind is PingKind.SUCCESS and cause is None else "failed"


def event_outcome(e: PingEvent) -> str | None:
    return outcome(e.ping.kind, e.cause, e.ignored)


def sort_key(m: Monitor, now_ms: int) -> tuple[int, str, str]:
    return (RANK[m.status_at(now_ms)], m.name.casefold(), m.id)


def counts(monitors: Iterable[Monitor], now_ms: int) -> dict[str, int]:
    """How many monitors are in each status (every status named, 0 when none)."""
    found = Counter(m.status_at(now_ms).value for m in monitors)
    return {status.value: found[status.value] for status in ORDER}


def status_words(m: Monitor, now_ms: int, cause: Cause | None) -> str:
    """`down 5 min (missed)`, `late`, `running 3 min`, or the status itself."""
    status = m.status_at(now_ms)
    if status is Status.DOWN:
        since = f" {duration(max(0, now_ms - m.down_since_ms) / 1000)}" if m.down_since_ms else ""
        return f"down{since}" + (f" ({cause.value.replace('_', ' ')})" if cause else "")
    if status is Status.GRACE:
        return "late"
    if status is Status.STARTED and m.last_start_ms:
        return f"running {duration(max(0, now_ms - m.last_start_ms) / 1000)}"
    return status.value


def found_by(m: Monitor, query: str) -> bool:
    """A search box's match: the words, case-insensitive, each in the name or in a tag."""
    within = [m.name.casefold(), *(t.casefold() for t in m.tags)]
    return all(any(word in text for text in within) for word in query.casefold().split())
