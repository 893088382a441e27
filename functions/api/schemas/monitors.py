"""Monitors, their pings, incidents and uptime: what the API takes and what it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, StrictBool, ValidationInfo, field_validator, model_validator

from heartbeat.domain import schedules
from heartbeat.domain.alerts import iso
from heartbeat.domain.errors import InvalidInput
from heartbeat.domain.model import (
    DEFAULT_GRACE_S,
    DEFAULT_INTERVAL_S,
    Acknowledgement,
    Incident,
    Monitor,
    PingEvent,
    Status,
)
from heartbeat.domain.monitors import Uptime
from schemas.events import EventPatterns
from schemas.fields import (
    CronExpression,
    Description,
    Keywords,
    Name,
    Out,
    RealertSeconds,
    Seconds,
    Slug,
    Strict,
    Tags,
    Threshold,
    TimezoneName,
    unique,
)

BODY_PREVIEW_CHARS = 200

# The API's config fields and the Monitor fields they set.
SETTINGS = {
    "expectedInterval": "interval_s",
    "schedule": "schedule",
    "timezone": "timezone",
    "gracePeriod": "grace_s",
    "maxRuntime": "max_runtime_s",
    "minInterval": "min_interval_s",
    "successKeywords": "success_keywords",
    "failureKeywords": "failure_keywords",
    "failureThreshold": "failure_threshold",
    "recoveryThreshold": "recovery_threshold",
    "realertInterval": "realert_s",
    "manualResume": "manual_resume",
    "events": "events",
    "postOnly": "post_only",
}

CLEARABLE = {"maxRuntime", "minInterval", "realertInterval"}

# Monitor fields at their defaults (what an export leaves out).
DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "max_runtime_s": None,
    "min_interval_s": None,
    "success_keywords": [],
    "failure_keywords": [],
    "failure_threshold": 1,
    "recovery_threshold": 1,
    "realert_s": None,
    "manual_resume": False,
    "events": [],
    "post_only": False,
}


class MonitorConfig(Strict):
    """Either `expectedInterval` (seconds) or `schedule` (cron, in `timezone`), plus `gracePeriod`,
    and the optional run and alert policy (README: "Monitor settings")."""

    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName = "UTC"
    gracePeriod: Seconds = DEFAULT_GRACE_S
    maxRuntime: Seconds | None = None
    minInterval: Seconds | None = None
    successKeywords: Keywords = []
    failureKeywords: Keywords = []
    failureThreshold: Threshold = 1
    recoveryThreshold: Threshold = 1
    realertInterval: RealertSeconds | None = None
    manualResume: StrictBool = False
    events: EventPatterns = []
    postOnly: StrictBool = False  # only POST pings count; GET and HEAD are logged as ignored

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfig:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        if self.schedule is None and self.expectedInterval is None:
            self.expectedInterval = DEFAULT_INTERVAL_S
        return self


class MonitorCreate(Strict):
    name: Name
    description: Description = ""
    slug: Slug | None = None  # default: derived from the name
    type: Literal["HEARTBEAT"] = "HEARTBEAT"
    config: MonitorConfig = MonitorConfig()
    tags: Tags = []


class MonitorConfigPatch(Strict):
    """Only the settings given change. `null` clears maxRuntime, minInterval and realertInterval."""

    expectedInterval: Seconds | None = None
    schedule: CronExpression | None = None
    timezone: TimezoneName | None = None
    gracePeriod: Seconds | None = None
    maxRuntime: Seconds | None = None
    minInterval: Seconds | None = None
    successKeywords: Keywords | None = None
    failureKeywords: Keywords | None = None
    failureThreshold: Threshold | None = None
    recoveryThreshold: Threshold | None = None
    realertInterval: RealertSeconds | None = None
    manualResume: StrictBool | None = None
    events: EventPatterns | None = None
    postOnly: StrictBool | None = None

    @model_validator(mode="after")
    def one_schedule(self) -> MonitorConfigPatch:
        if self.expectedInterval is not None and self.schedule is not None:
            raise ValueError("give expectedInterval or schedule, not both")
        return self

    @field_validator(*(f for f in SETTINGS if f not in CLEARABLE))
    @classmethod
    def not_null(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_null(value, info)


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


def monitor_settings(config: MonitorConfig | MonitorConfigPatch) -> dict[str, Any]:
    """The domain's settings (Monitor field names) for the config fields that were given."""
    given = config.model_fields_set if isinstance(config, MonitorConfigPatch) else type(config).model_fields
    values = {SETTINGS[f]: getattr(config, f) for f in given}
    for name in ("success_keywords", "failure_keywords"):
        if values.get(name) is not None:
            values[name] = unique(values[name])
    return values


def config_json(m: Monitor) -> dict[str, Any]:
    schedule: dict[str, Any] = {"expectedInterval": m.interval_s}
    if m.schedule is not None:
        schedule = {"schedule": m.schedule, "timezone": m.timezone}
    return {
        **schedule,
        "gracePeriod": m.grace_s,
        "maxRuntime": m.max_runtime_s,
        "minInterval": m.min_interval_s,
        "successKeywords": m.success_keywords,
        "failureKeywords": m.failure_keywords,
        "failureThreshold": m.failure_threshold,
        "recoveryThreshold": m.recovery_threshold,
        "realertInterval": m.realert_s,
        "manualResume": m.manual_resume,
        "events": m.events,
        "postOnly": m.post_only,
    }


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
        "nextExpected": next_expected(m, now_ms),
        "tags": m.tags,
        "status": m.status_at(now_ms).value,
        "pingUrl": f"{ping_base}/api/v1/heartbeat/{m.token}" if ping_base else None,
        "lastPingAt": iso(m.last_ping_ms),
        "lastPingKind": m.last_ping_kind,
        "pingCount": m.n_pings,
        "lastStartAt": iso(m.last_start_ms),
        "lastDurationSeconds": None if m.last_duration_ms is None else m.last_duration_ms / 1000,
        # While down, the deadline attribute holds the next reminder instead.
        "nextDeadline": iso(m.deadline_ms) if m.status is not Status.DOWN else None,
        "nextReminderAt": iso(m.deadline_ms) if m.status is Status.DOWN else None,
        "openIncident": str(m.open_incident_ms) if m.open_incident_ms else None,
        "downSince": iso(m.down_since_ms),
        "failStreak": m.fail_streak,
        "remindersSent": m.reminders,
        "acknowledged": acknowledgement_json(m.open_acknowledgement),
        "snoozedUntil": iso(m.snoozed_until_ms) if (m.snoozed_until_ms or 0) > now_ms else None,
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
    }


class ConfigOut(Out):
    expectedInterval: int | None = None  # interval monitors
    schedule: str | None = None  # cron monitors, with timezone
    timezone: str | None = None
    gracePeriod: int
    maxRuntime: int | None
    minInterval: int | None
    successKeywords: list[str]
    failureKeywords: list[str]
    failureThreshold: int
    recoveryThreshold: int
    realertInterval: int | None
    manualResume: bool
    events: list[dict[str, Any]]
    postOnly: bool


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
    createdAt: str
    updatedAt: str


class MonitorPage(Out):
    items: list[MonitorOut]
    nextCursor: str | None


class PingOut(Out):
    n: int
    at: str
    kind: Literal["success", "start", "fail", "log"]
    exitStatus: int | None
    cause: str | None
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
