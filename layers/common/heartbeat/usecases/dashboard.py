"""The dashboard's list in one request a page: every monitor read once, counted by status, searched,
filtered and sorted trouble first, and each monitor of the page with its open incident's cause and
its last runs, so a refresh costs the same few requests however many monitors there are."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from heartbeat.domain.dashboard import RECENT_RUNS, Run, counts, found_by, sort_key
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Incident, Monitor
from heartbeat.domain.monitors import matching
from heartbeat.store import Store

MAX_OFFSET = 1_000_000
RUN_READERS = 8  # a page's strips are read this many at a time (boto3's clients are thread-safe)


@dataclass(frozen=True)
class Row:
    monitor: Monitor
    incident: Incident | None  # the open one
    runs: list[Run]  # oldest first


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # every monitor's, whatever the filters
    tags: list[str]  # every tag in use, for the filter
    matched: int  # monitors the filters kept
    rows: list[Row]
    next_cursor: str | None


def summary(
    store: Store, now_ms: int, limit: int, cursor: str | None, query: str, tags: list[str], status: str | None
) -> Summary:
    start = _offset(cursor)
    every = store.monitors.all()
    keep = matching(now_ms, tags=tags, status=status)
    kept = sorted((m for m in every if keep(m) and found_by(m, query)), key=lambda m: sort_key(m, now_ms))
    page = kept[start : start + limit]
    open_incidents = store.incidents.open_of([m for m in page if m.open_incident_ms])
    with ThreadPoolExecutor(RUN_READERS) as pool:
        runs = list(pool.map(lambda m: store.pings.recent_runs(m.id, RECENT_RUNS), page))
    rows = [Row(m, open_incidents.get(m.id), r) for m, r in zip(page, runs, strict=True)]
    more = start + limit < len(kept)
    return Summary(
        counts(every, now_ms),
        sorted({t for m in every for t in m.tags}),
        len(kept),
        rows,
        str(start + limit) if more else None,
    )


def _offset(cursor: str | None) -> int:
    """The list is sorted by status, which changes between pages: its cursor is a plain position."""
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > MAX_OFFSET:
        raise InvalidInput("cursor", "is not a cursor this API returned for this listing")
    return int(cursor)
