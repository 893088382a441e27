"""The dashboard's list: what a row shows, every monitor's counts, and the page's cursor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from heartbeat.domain.alerts import iso
from heartbeat.domain.dashboard import status_words
from heartbeat.usecases.dashboard import Row, Summary
from schemas.fields import Out
from schemas.monitors import schedule_words


class RunOut(Out):
    n: int
    at: str
    outcome: Literal["ok", "failed"]
    durationSeconds: float | None


class RowOut(Out):
    id: str
    name: str
    tags: list[str]
    status: Literal["new", "up", "grace", "down", "paused", "started"]
    statusWords: str = Field(description="`down 5 min (missed)`, `late`, `running 3 min`, or the status")
    scheduleWords: str
    pingUrl: str | None = Field(description="null for a read-only API key")
    lastPingAt: str | None
    nextDeadline: str | None
    lastDurationSeconds: float | None
    acknowledged: bool
    snoozedUntil: str | None
    runs: list[RunOut] = Field(description="the last finished runs, oldest first")


class CountsOut(Out):
    down: int
    grace: int
    started: int
    up: int
    new: int
    paused: int


class SummaryOut(Out):
    counts: CountsOut = Field(description="every monitor's, whatever the filters")
    tags: list[str] = Field(description="every tag in use")
    matched: int = Field(description="monitors the search and filters keep")
    items: list[RowOut] = Field(description="down first, then late, running, up, new, paused; by name within each")
    nextCursor: str | None


def row_json(row: Row, now_ms: int, ping_base: str | None) -> dict[str, Any]:
    m = row.monitor
    return {
        "id": m.id,
        "name": m.name,
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "statusWords": status_words(m, now_ms, row.incident.cause if row.incident else None),
        "scheduleWords": schedule_words(m),
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}" if ping_base else None,
        "lastPingAt": iso(m.last_ping_ms),
        "nextDeadline": iso(m.next_deadline_ms),
        "lastDurationSeconds": None if m.last_duration_ms is None else m.last_duration_ms / 1000,
        "acknowledged": m.open_acknowledgement is not None,
        "snoozedUntil": iso(m.snoozed_until_ms) if (m.snoozed_until_ms or 0) > now_ms else None,
        "runs": [
            {
                "n": r.n,
                "at": iso(r.at_ms),
                "outcome": r.outcome,
                "durationSeconds": None if r.duration_ms is None else r.duration_ms / 1000,
            }
            for r in row.runs
        ],
    }


def summary_json(s: Summary, now_ms: int, ping_base: str | None) -> dict[str, Any]:
    return {
        "counts": s.counts,
        "tags": s.tags,
        "matched": s.matched,
        "items": [row_json(r, now_ms, ping_base) for r in s.rows],
        "nextCursor": s.next_cursor,
    }
