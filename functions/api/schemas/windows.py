"""Maintenance windows: what the API takes and answers (and an apply file's `maintenance:` list)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from heartbeat.domain.windows import MAX_DURATION_S, Span, Window
from schemas.fields import CronExpression, MonitorId, Name, Out, Strict, Tags, TimezoneName, unique


class WindowIn(Strict):
    """One-off (`start` and `end`) or recurring (`cron`, `duration` and `timezone`), covering the
    monitors named and those with any of the tags."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "db upgrade",
                    "tags": ["db"],
                    "start": "2026-05-01T22:00:00+02:00",
                    "end": "2026-05-02T01:00:00+02:00",
                },
                {
                    "name": "nightly",
                    "tags": ["db"],
                    "cron": "30 2 * * *",
                    "duration": 3600,
                    "timezone": "Europe/Berlin",
                },
            ]
        },
    )

    name: Name
    monitors: Annotated[list[MonitorId], Field(max_length=100)] = []
    tags: Tags = []
    start: AwareDatetime | None = Field(None, description="one-off: ISO 8601 with its offset")
    end: AwareDatetime | None = Field(None, description="one-off: ISO 8601 with its offset, after start")
    cron: CronExpression | None = Field(None, description="recurring: 5 fields, evaluated in timezone")
    duration: int | None = Field(None, ge=60, le=MAX_DURATION_S, strict=True, description="recurring: seconds")
    timezone: TimezoneName = "UTC"

    @model_validator(mode="after")
    def one_kind(self) -> WindowIn:
        if (self.start is not None or self.end is not None) == (self.cron is not None):
            raise ValueError("give either start and end (one-off) or cron and duration (recurring)")
        if not (self.monitors or self.tags):
            raise ValueError("give the monitors it covers (ids), or tags, or both")
        return self

    def window(self, from_file: bool = False) -> Window:
        """The window as declared (its id and creation time are the use case's to give)."""
        return Window(
            id="",
            name=self.name,
            created_ms=0,
            monitors=unique(self.monitors),
            tags=unique(self.tags),
            start_ms=_ms(self.start),
            end_ms=_ms(self.end),
            cron=self.cron,
            duration_s=self.duration,
            timezone=self.timezone,
            from_file=from_file,
        )


def _ms(at: datetime | None) -> int | None:
    return None if at is None else int(at.astimezone(UTC).timestamp() * 1000)


class SpanOut(Out):
    id: str = Field(description="the window's")
    name: str
    start: str
    end: str


class WindowOut(Out):
    id: str
    name: str
    monitors: list[str]
    tags: list[str]
    start: str | None
    end: str | None
    cron: str | None
    duration: int | None
    timezone: str
    managed: bool = Field(description="declared by an apply file")
    current: SpanOut | None = Field(description="open now: when it opened and closes")
    next: SpanOut | None = Field(description="the next time it opens")


class WindowList(Out):
    items: list[WindowOut]


class MaintenanceOut(Out):
    """A monitor's maintenance windows: the one it is in now and the next."""

    current: SpanOut | None
    next: SpanOut | None


def _iso(at_ms: int, timezone: str) -> str:
    from heartbeat.domain.schedules import zone

    return datetime.fromtimestamp(at_ms / 1000, zone(timezone)).isoformat()


def span_json(span: Span | None, timezone: str = "UTC") -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "id": span.window_id,
        "name": span.name,
        "start": _iso(span.start_ms, timezone),
        "end": _iso(span.end_ms, timezone),
    }


def window_json(w: Window, now_ms: int) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "monitors": w.monitors,
        "tags": w.tags,
        "start": None if w.start_ms is None else _iso(w.start_ms, w.timezone),
        "end": None if w.end_ms is None else _iso(w.end_ms, w.timezone),
        "cron": w.cron,
        "duration": w.duration_s,
        "timezone": w.timezone,
        "managed": w.from_file,
        "current": span_json(w.current(now_ms), w.timezone),
        "next": span_json(w.next(now_ms), w.timezone),
    }


def declared_json(w: Window) -> dict[str, Any]:
    """A window as an apply file declares it (what export writes, and what a plan compares)."""
    entry: dict[str, Any] = {"name": w.name}
    if w.cron is None:
        entry.update(start=_iso(w.start_ms or 0, w.timezone), end=_iso(w.end_ms or 0, w.timezone))
    else:
        entry.update(cron=w.cron, duration=w.duration_s, timezone=w.timezone)
    if w.monitors:
        entry["monitors"] = w.monitors
    if w.tags:
        entry["tags"] = w.tags
    return entry
