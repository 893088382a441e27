"""Monitors, their pings, incidents and uptime: what the API takes and what it answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StrictBool, ValidationInfo, create_model, field_validator, model_validator

from heartbeat.domain import schedules, words
from heartbeat.domain.alerts import iso
from heartbeat.domain.dashboard import event_outcome
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import Acknowledgement, Incident, Monitor, PingEvent
from heartbeat.domain.monitors import Uptime
from heartbeat.domain.settings import BY_API, DEFAULT_INTERVAL_S, SETTINGS, Kind, Setting, initial
from schemas.events import EventPatterns
from schemas.fields import (
    CronExpression,
    Description,
    Keywords,
    MonitorIds,
    Name,
    Out,
    Quorum,
    Slug,
    Strict,
    Tags,
    TimezoneName,
    unique,
)
from schemas.windows import MaintenanceOut

BODY_PREVIEW_CHARS = 200

# ---- config: the monitor's settings, its models made from domain/settings.py ----------------------

_TAKEN: dict[Kind, Any] = {  # the type a request gives a setting of each kind in (numbers: their bounds)
    Kind.FLAG: StrictBool,
    Kind.KEYWORDS: Keywords,
    Kind.CRON: CronExpression,
    Kind.ZONE: TimezoneName,
    Kind.PATTERNS: EventPatterns,
    Kind.MONITORS: MonitorIds,
    Kind.QUORUM: Quorum,
}
_SHOWN: dict[Kind, Any] = {  # and the type an answer shows it in
    Kind.SECONDS: int,
    Kind.COUNT: int,
    Kind.FLAG: bool,
    Kind.KEYWORDS: list[str],
    Kind.CRON: str,
    Kind.ZONE: str,
    Kind.PATTERNS: list[dict[str, Any]],
    Kind.MONITORS: list[str],
    Kind.QUORUM: dict[str, int],
}


def taken(s: Setting) -> Any:
    if s.kind is Kind.SECONDS or s.kind is Kind.COUNT:
        return Annotated[int, Field(ge=s.low, le=s.high, strict=True)]
    return _TAKEN[s.kind]


def _both_schedules(config: Any) -> None:
    if config.expectedInterval is not None and config.schedule is not None:
        raise ValueError("give expectedInterval or schedule, not both")


class _NewConfig(Strict):
    if TYPE_CHECKING:  # two of the fields made from the settings
        expectedInterval: int | None
        schedule: str | None

    @model_validator(mode="after")
    def one_schedule(self) -> Self:
        _both_schedules(self)
        if self.schedule is None and self.expectedInterval is None:
            self.expectedInterval = DEFAULT_INTERVAL_S
        return self


class _ConfigChange(Strict):
    if TYPE_CHECKING:
        expectedInterval: int | None
        schedule: str | None

    @model_validator(mode="after")
    def one_schedule(self) -> Self:
        _both_schedules(self)
        return self

    @field_validator(*(s.api for s in SETTINGS if not s.clears), check_fields=False)
    @classmethod
    def not_null(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_null(value, info)


def _new(s: Setting) -> tuple[Any, Any]:
    """A new monitor's field: the setting's default when it is not given."""
    return (taken(s) | None if s.optional else taken(s), initial(s))


def _change(s: Setting) -> tuple[Any, Any]:
    """A change's field: not given, not changed."""
    return (taken(s) | None, None)


def _shown(s: Setting) -> tuple[Any, Any]:
    """An answer's field. Of the schedule's, a monitor shows what it has (an interval, or a cron line
    and its zone)."""
    if s.of_schedule:
        return (_SHOWN[s.kind] | None, None)
    return (_SHOWN[s.kind] | None if s.optional else _SHOWN[s.kind], ...)


def _fields(field: Callable[[Setting], tuple[Any, Any]]) -> dict[str, Any]:
    return {s.api: field(s) for s in SETTINGS}


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


MonitorConfig: Any = create_model(
    "MonitorConfig",
    __base__=_NewConfig,
    __doc__="""Either `expectedInterval` (seconds) or `schedule` (cron, in `timezone`), plus `gracePeriod`,
and the optional run and alert policy (README: "Monitor settings").""",
    **_fields(_new),
)
MonitorConfigPatch: Any = create_model(
    "MonitorConfigPatch",
    __base__=_ConfigChange,
    __doc__=f"Only the settings given change. `null` clears {_listed([s.api for s in SETTINGS if s.clears])}.",
    **_fields(_change),
)
ConfigOut: Any = create_model("ConfigOut", __base__=Out, **_fields(_shown))


class MonitorCreate(Strict):
    name: Name
    description: Description = ""
    slug: Slug | None = None  # default: derived from the name
    type: Literal["HEARTBEAT"] = "HEARTBEAT"
    config: MonitorConfig = MonitorConfig()
    tags: Tags = []


class MonitorPatch(Strict):
    """Only the fields given change; none of them can be null (a monitor always has a name)."""

    name: Name | None = None
    description: Description | None = None
    slug: Slug | None = None  # a rename keeps the slug; only this changes it
    config: MonitorConfigPatch | None = None
    tags: Tags | None = None

    @field_validator("name", "description", "slug", "config", "tags")
    @classmethod
    def not_null(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_null(value, info)


def refuse_null(value: Any, info: ValidationInfo) -> Any:
    """A patch field sent as null: refused by name rather than read as "leave it as it is"."""
    if value is None:
        raise ValueError(f"{info.field_name} cannot be null")
    return value


def monitor_settings(config: BaseModel) -> dict[str, Any]:
    """The domain's settings (Monitor field names) for the config fields that were given (a new
    monitor's config: all of them)."""
    given = config.model_fields_set if isinstance(config, MonitorConfigPatch) else type(config).model_fields
    values = {BY_API[f].attr: getattr(config, f) for f in given}
    for s in SETTINGS:
        if s.kind in (Kind.KEYWORDS, Kind.MONITORS) and values.get(s.attr) is not None:
            values[s.attr] = unique(values[s.attr])
    return values


def config_json(m: Monitor) -> dict[str, Any]:
    """The monitor's config; of its schedule, what it has: an interval, or a cron line and its zone."""
    kept = ("schedule", "timezone") if m.schedule is not None else ("expectedInterval",)
    return {s.api: getattr(m, s.attr) for s in SETTINGS if s.api in kept or not s.of_schedule}


def schedule_words(m: Monitor) -> str:
    """`weekdays at 06:30 Europe/Riga`, `every 5 min`: the schedule as the CLI and alerts say it."""
    return words.schedule({"expectedInterval": m.interval_s, "schedule": m.schedule, "timezone": m.timezone})


def next_expected(m: Monitor, now_ms: int) -> list[str]:
    """For a cron monitor, its next three expected times in its own timezone: the check against a
    mistyped schedule or the wrong zone, the commonest cause of false alerts."""
    return schedules.upcoming(m.schedule, m.timezone, now_ms) if m.schedule else []


def monitor_json(m: Monitor, now_ms: int, ping_base: str | None) -> dict[str, Any]:
    """The API's view of a monitor; `ping_base` None hides the ping URL (read-only callers)."""
    return {
        "id": m.id,
        "name": m.name,
        "description": m.description,
        "slug": m.slug,
        "type": m.type,
        "config": config_json(m),
        "scheduleWords": schedule_words(m),
        "nextExpected": next_expected(m, now_ms),
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}" if ping_base else None,
        "lastPingAt": iso(m.last_ping_ms),
        "lastPingKind": m.last_ping_kind,
        "pingCount": m.n_pings,
        "lastStartAt": iso(m.last_start_ms),
        "lastDurationSeconds": None if m.last_duration_ms is None else m.last_duration_ms / 1000,
        "nextDeadline": iso(m.next_deadline_ms),
        "nextReminderAt": iso(m.next_reminder_ms),
        "openIncident": str(m.open_incident_ms) if m.open_incident_ms else None,
        "downSince": iso(m.down_since_ms),
        "failStreak": m.fail_streak,
        "remindersSent": m.reminders,
        "acknowledged": acknowledgement_json(m.open_acknowledgement),
        "snoozedUntil": iso(m.snoozed_until_ms) if (m.snoozed_until_ms or 0) > now_ms else None,
        "heldBy": m.held_by,
        "holding": sorted(m.holding),
        "instances": {name: iso(at) for name, at in sorted((m.instances or {}).items())} if m.quorum else None,
        "createdAt": iso(m.created_ms),
        "updatedAt": iso(m.updated_ms),
    }


def acknowledgement_json(ack: Acknowledgement | None) -> dict[str, Any] | None:
    return None if ack is None else {"by": ack.by, "at": iso(ack.at_ms), "note": ack.note}


def ping_json(e: PingEvent) -> dict[str, Any]:
    p = e.ping
    return {
        "n": e.n,
        "at": iso(e.at_ms),
        "kind": p.kind.value,
        "exitStatus": p.exit_status,
        "cause": e.cause.value if e.cause else None,
        "outcome": event_outcome(e),
        "ignored": e.ignored,
        "rid": p.rid,
        "durationSeconds": None if e.duration_ms is None else e.duration_ms / 1000,
        "method": p.method,
        "sourceIp": p.source_ip,
        "userAgent": p.user_agent,
        "bodySize": p.body_size,
        "bodyTruncated": p.body_truncated,
        # Bytes that are not UTF-8, or a character cut at the size limit, show as U+FFFD.
        "bodyPreview": p.body.decode("utf-8", errors="replace")[:BODY_PREVIEW_CHARS],
    }


def parse_since(text: str | None) -> int:
    """`since=` as epoch ms: an ISO 8601 date or time, UTC unless it says otherwise."""
    if not text:
        return 0
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        example = "2026-11-01 or 2026-11-01T06:00:00Z"
        raise InvalidInput("since", f"must be an ISO 8601 date or time, such as {example}") from None
    return max(0, int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000))


def uptime_json(u: Uptime, days: int) -> dict[str, Any]:
    flips: list[dict[str, Any]] = []
    for i in u.incidents:
        flips.append({"at": iso(i.opened_ms), "status": "down", "cause": i.cause.value})
        if i.resolved_ms:
            flips.append({"at": iso(i.resolved_ms), "status": "up", "cause": None})
    return {
        "days": days,
        "since": iso(u.since_ms),
        "uptimePercent": u.percent,
        "downtimeSeconds": round(u.down_ms / 1000, 3),
        "incidents": len(u.incidents),
        "flips": flips,
    }


def incident_json(i: Incident, now_ms: int) -> dict[str, Any]:
    return {
        "id": i.id,
        "monitorId": i.monitor_id,
        "status": "resolved" if i.resolved_ms else "open",
        "cause": i.cause.value,
        "openedAt": iso(i.opened_ms),
        "resolvedAt": iso(i.resolved_ms),
        "durationSeconds": round(i.duration_ms(now_ms) / 1000, 3),
        "acknowledged": acknowledgement_json(i.acknowledged),
        "causedBy": i.caused_by,
    }


class AcknowledgementOut(Out):
    by: str = Field(description="the API key's name, or `alert link`")
    at: str
    note: str


class MonitorOut(Out):
    id: str
    name: str
    description: str
    slug: str | None
    type: str
    config: ConfigOut
    scheduleWords: str = Field(description="the schedule in words, as the CLI and alerts say it")
    nextExpected: list[str]
    tags: list[str]
    status: Literal["new", "up", "grace", "down", "paused", "started"]
    pingUrl: str | None = Field(description="null for a read-only API key")
    lastPingAt: str | None
    lastPingKind: str | None
    pingCount: int = Field(description="pings recorded, of every kind")
    lastStartAt: str | None
    lastDurationSeconds: float | None
    nextDeadline: str | None
    nextReminderAt: str | None
    openIncident: str | None
    downSince: str | None
    failStreak: int
    remindersSent: int
    acknowledged: AcknowledgementOut | None = Field(description="the open incident's acknowledgement: no reminders")
    snoozedUntil: str | None = Field(description="no alerts until then")
    heldBy: str | None = Field(description="a monitor it depends on, down: its down alert is held until that recovers")
    holding: list[str] = Field(description="monitors whose down alerts this one's outage holds (config.dependsOn)")
    instances: dict[str, str | None] | None = Field(description="a quorum's instances and their last success")
    createdAt: str
    updatedAt: str
    maintenance: MaintenanceOut | None = Field(
        None, description="the monitor's own GET only: the maintenance window it is in now, and the next"
    )


class MonitorPage(Out):
    items: list[MonitorOut]
    nextCursor: str | None


class PingOut(Out):
    n: int
    at: str
    kind: Literal["success", "start", "fail", "log"]
    exitStatus: int | None
    cause: str | None
    outcome: Literal["ok", "failed"] | None = Field(description="the run's verdict; null: a start, a log, ignored")
    ignored: bool
    rid: str | None
    durationSeconds: float | None
    method: str
    sourceIp: str
    userAgent: str
    bodySize: int
    bodyTruncated: bool
    bodyPreview: str


class PingPage(Out):
    items: list[PingOut]
    nextCursor: str | None


class IncidentOut(Out):
    id: str
    monitorId: str
    status: Literal["open", "resolved"]
    cause: str
    openedAt: str
    resolvedAt: str | None
    durationSeconds: float
    acknowledged: AcknowledgementOut | None
    causedBy: str | None = Field(description="the monitor it depends on that was down when it opened: no alert then")


class IncidentPage(Out):
    items: list[IncidentOut]
    nextCursor: str | None


class FlipOut(Out):
    at: str
    status: Literal["down", "up"]
    cause: str | None


class UptimeOut(Out):
    days: int
    since: str
    uptimePercent: float
    downtimeSeconds: float
    incidents: int
    flips: list[FlipOut]
